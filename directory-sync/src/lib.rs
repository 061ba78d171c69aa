//! Directory sync.
