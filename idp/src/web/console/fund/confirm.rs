//! The confirmation step of a destructive or supervision action (suspend, reactivate,
//! terminate, switch the management mode, reject): a page that says what will happen, with a
//! reason kept in the trace; the same page again, with the refusal, when the action fails.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use crate::web::console::Console;
use crate::web::console::page::{FieldError, Frame, render};

/// A confirmation page; every text is already in the page's language.
#[derive(Template)]
#[template(path = "console/fund/confirm.html")]
pub(super) struct ConfirmPage {
    pub(super) f: Frame,
    /// The h1: the action.
    pub(super) title: &'static str,
    /// What it is done to (a partner's name, a convention's number).
    pub(super) subject: String,
    /// What will happen.
    pub(super) consequences: &'static str,
    /// Where the form posts.
    pub(super) action: String,
    /// The object's page.
    pub(super) back: String,
    /// The button's text.
    pub(super) button: &'static str,
    /// Whether a reason must be given.
    pub(super) reason_required: bool,
    /// Whether the form asks for a reason at all (an operation that keeps none does not).
    pub(super) with_reason: bool,
    /// The reason typed (kept when the page is shown again).
    pub(super) reason: String,
    /// Other fields of the form (name, value), e.g. the mode to switch to.
    pub(super) hidden: Vec<(&'static str, String)>,
}

impl ConfirmPage {
    /// The page with the submitted form's errors (422), or the first showing (200).
    pub(super) fn show(self, console: &Console, errors: Vec<FieldError>) -> Response {
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let page = Self {
            f: self.f.with_errors(errors),
            ..self
        };
        render(status, &page, console.lang)
    }
}
