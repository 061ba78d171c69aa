//! Request ids: every request gets an `x-request-id` (kept if a trusted proxy set one of a sane
//! shape), echoed in the response, attached to its log span and written in its traces.

use axum::http::{HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};

/// Makes random 128-bit request ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&crate::secret::random_hex(16))
            .ok()
            .map(RequestId::new)
    }
}

/// The request id of a request, if it has a printable one of at most 128 characters.
pub fn of<B>(request: &Request<B>) -> Option<String> {
    request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
}
