//! The proxy's own errors: the same JSON shape AWS uses, with their own type names, so clients
//! decode them like any service error. They never echo credentials, signatures or upstream
//! internals.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A refusal or failure of the proxy itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyError {
    /// HTTP status.
    pub status: StatusCode,
    /// The error type, such as `EnlistProxy.Unauthorized`.
    pub kind: &'static str,
    /// What was expected and what was found.
    pub message: String,
}

impl ProxyError {
    pub(crate) fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ProxyError {
        ProxyError { status, kind, message: message.into() }
    }
}

impl std::fmt::Display for ProxyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.kind, self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ProxyError {}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"__type": self.kind, "message": self.message});
        let mut response = (self.status, axum::Json(body)).into_response();
        response.headers_mut().insert("x-amzn-ErrorType", HeaderValue::from_static(self.kind));
        response
    }
}
