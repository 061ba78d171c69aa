//! Paging and filtering of the administrative lists (issue #5 point 7: "paginated, filterable
//! lists"): a [`ListFilter`] is handed to the store, which applies it in SQL — `WHERE`, `COUNT`,
//! `LIMIT`/`OFFSET` — so a partner of 5,000 accounts is never loaded to show 50 of them.
//!
//! Pure: no storage or HTTP here; the store reads the fields.

use serde::Serialize;

/// Default page size.
pub const DEFAULT_LIMIT: u64 = 50;
/// Largest page size.
pub const MAX_LIMIT: u64 = 500;

/// What a list shows: one page, filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return (1 to [`MAX_LIMIT`]).
    pub limit: u64,
    /// Only rows with this status (lower case).
    pub status: Option<String>,
    /// Only rows whose text (login and names; service and role; group name; request kind)
    /// contains this, case-insensitively (lower case, without SQL wildcards' meaning).
    pub text: Option<String>,
    /// Only accounts or habilitations of this role code (upper case), e.g. `T2`.
    pub role: Option<String>,
    /// Only members of (accounts) or grants to (habilitations) the group of this name
    /// (lower case).
    pub group: Option<String>,
}

impl ListFilter {
    /// A filter from raw query values: the page clamped to `1..=MAX_LIMIT` (default
    /// [`DEFAULT_LIMIT`]), empty strings ignored, values normalised.
    #[must_use]
    pub fn new(
        offset: Option<u64>,
        limit: Option<u64>,
        status: Option<&str>,
        text: Option<&str>,
        role: Option<&str>,
        group: Option<&str>,
    ) -> Self {
        let clean = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Self {
            offset: offset.unwrap_or(0),
            limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
            status: clean(status).map(|s| s.to_ascii_lowercase()),
            text: clean(text).map(|s| s.to_lowercase()),
            role: clean(role).map(|s| s.to_ascii_uppercase()),
            group: clean(group).map(|s| s.to_lowercase()),
        }
    }

    /// The `LIKE` pattern of the text filter, with `%`, `_` and the escape character `\`
    /// escaped: `%text%`.
    #[must_use]
    pub fn like_pattern(&self) -> Option<String> {
        self.text.as_ref().map(|t| {
            let mut p = String::with_capacity(t.len() + 2);
            p.push('%');
            for c in t.chars() {
                if matches!(c, '%' | '_' | '\\') {
                    p.push('\\');
                }
                p.push(c);
            }
            p.push('%');
            p
        })
    }
}

/// One page of a list and how many rows match the filter in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed<T> {
    /// The rows of the page.
    pub items: Vec<T>,
    /// Rows matching the filter, all pages together.
    pub total: u64,
}

#[cfg(test)]
mod tests;
