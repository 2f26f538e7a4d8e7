//! One conversion between the core's [`Request`]/[`Response`] and HTTP, for every Rust client of a
//! proxy or an emulator: the CLI in the same process (a `Router` called with `oneshot`) or over the
//! network (reqwest), and the proxy in front of the in-process emulator. A transport failure is
//! the core's [`TransportError`], so every driver reports the same thing to the engine.

use axum::body::Body;
use enlist_core::engine::TransportError;
use enlist_core::wire::{Request, Response};
use tower::ServiceExt;

/// The largest answer read; GetMembers of 50 accounts is a few kilobytes.
pub const ANSWER_LIMIT: usize = 8 << 20;

/// `request` as an HTTP request to `uri`, with its own headers and then `extra` ones.
pub fn http_request(
    request: &Request,
    uri: &str,
    extra: &[(String, String)],
) -> Result<http::Request<Body>, TransportError> {
    let mut builder = http::Request::builder().method(request.method.as_str()).uri(uri);
    for (name, value) in request.headers.iter().chain(extra) {
        builder = builder.header(name, value);
    }
    builder
        .body(Body::from(request.body.clone().unwrap_or_default()))
        .map_err(|e| TransportError::Connection(format!("the request could not be built: {e}")))
}

/// Reads an HTTP answer whole. A body that breaks off is a dropped connection: the request may
/// have been applied.
pub async fn read_response(response: http::Response<Body>) -> Result<Response, TransportError> {
    let status = response.status().as_u16();
    let headers =
        response.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
    let body = axum::body::to_bytes(response.into_body(), ANSWER_LIMIT)
        .await
        .map_err(|_| TransportError::Connection("the connection dropped in the middle of the answer".to_owned()))?;
    Ok(Response { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

/// Calls a router in this process (a proxy or an emulator) with `request` at `uri`.
pub async fn call_router(
    router: &axum::Router,
    request: &Request,
    uri: &str,
    extra: &[(String, String)],
) -> Result<Response, TransportError> {
    let http = http_request(request, uri, extra)?;
    let response = router
        .clone()
        .oneshot(http)
        .await
        .map_err(|e| TransportError::Connection(format!("the request failed: {e}")))?;
    read_response(response).await
}

/// Sends `request` to `url` with reqwest, with its own headers and then `extra` ones.
pub async fn call_url(
    client: &reqwest::Client,
    request: &Request,
    url: &str,
    extra: &[(String, String)],
) -> Result<Response, TransportError> {
    let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
        .map_err(|_| TransportError::Connection("the method is unknown".to_owned()))?;
    let mut outgoing = client.request(method, url).body(request.body.clone().unwrap_or_default());
    for (name, value) in request.headers.iter().chain(extra) {
        outgoing = outgoing.header(name, value);
    }
    let response = outgoing.send().await.map_err(|e| {
        if e.is_timeout() {
            TransportError::Timeout
        } else if e.is_connect() {
            TransportError::Connection(format!("{} could not be reached", host_of(url)))
        } else {
            TransportError::Connection(format!("the connection to {} failed", host_of(url)))
        }
    })?;
    let status = response.status().as_u16();
    let headers =
        response.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
    let body = response.bytes().await.map_err(|e| {
        if e.is_timeout() {
            TransportError::Timeout
        } else {
            TransportError::Connection("the connection dropped in the middle of the answer".to_owned())
        }
    })?;
    Ok(Response { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

/// `scheme://host[:port]` of a URL, for messages (never its path or query).
fn host_of(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    &url[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_host_only() {
        assert_eq!(host_of("http://127.0.0.1:8080/v1/guardduty/us-east-1/detector?x=1"), "http://127.0.0.1:8080");
        assert_eq!(host_of("https://abc.lambda-url.us-east-1.on.aws"), "https://abc.lambda-url.us-east-1.on.aws");
    }
}
