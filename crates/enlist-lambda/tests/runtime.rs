//! The `bootstrap` binary under the Lambda Runtime API protocol: a stand-in for the runtime on
//! loopback hands it Function URL events (`GET …/invocation/next`) and collects what it posts back
//! (`POST …/invocation/{id}/response`), as `provided.al2023` does. Under `cargo xtask ci` the
//! binary is the static musl build.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::Value;

#[derive(Clone, Default)]
struct Runtime {
    events: Arc<Mutex<Vec<String>>>,
    responses: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn next(State(runtime): State<Runtime>) -> (HeaderMap, String) {
    loop {
        if let Some(event) = runtime.events.lock().unwrap().pop() {
            let id = format!("invocation-{}", runtime.responses.lock().unwrap().len());
            let mut headers = HeaderMap::new();
            headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            headers.insert("lambda-runtime-deadline-ms", "4102444800000".parse().unwrap());
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:111122223333:function:enlist-proxy".parse().unwrap(),
            );
            return (headers, event);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn respond(State(runtime): State<Runtime>, Path(id): Path<String>, body: String) -> &'static str {
    runtime.responses.lock().unwrap().push((id, serde_json::from_str(&body).unwrap_or(Value::String(body))));
    "{}"
}

fn event(path: &str, method: &str, authorization: &str) -> String {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/events/function-url.json")).unwrap();
    let mut event: Value = serde_json::from_str(&template).unwrap();
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["requestContext"]["http"]["method"] = method.into();
    event["headers"]["authorization"] = authorization.into();
    event["body"] = "{}".into();
    event.to_string()
}

#[test]
fn bootstrap_speaks_the_lambda_runtime_api() {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let runtime = Runtime::default();
    // Popped from the end: health first, then a request without a valid token.
    runtime
        .events
        .lock()
        .unwrap()
        .extend([event("/v1/guardduty/us-east-1/detector", "GET", "Bearer guess"), event("/healthz", "GET", "")]);
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(respond))
        .with_state(runtime.clone());
    let listener = tokio.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap();
    tokio.spawn(async move { axum::serve(listener, app).await });
    // `cargo xtask ci` points this at the static musl build, the binary that ships.
    #[allow(clippy::disallowed_methods)]
    let binary =
        std::env::var("ENLIST_LAMBDA_BOOTSTRAP").unwrap_or_else(|_| env!("CARGO_BIN_EXE_bootstrap").to_owned());
    let mut child = std::process::Command::new(&binary)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "enlist-proxy")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "test")
        .env("ENLIST_TOKENS", "lambda-token-0123456789abcdef0123456789")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while runtime.responses.lock().unwrap().len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let responses = runtime.responses.lock().unwrap().clone();
    assert_eq!(responses.len(), 2, "the bootstrap answered both invocations: {responses:?}");
    assert_eq!(responses[0].0, "invocation-0");
    assert_eq!(responses[0].1["statusCode"], 200);
    assert_eq!(responses[0].1["body"], "ok");
    assert_eq!(responses[1].1["statusCode"], 401);
    assert!(responses[1].1["body"].as_str().unwrap().contains("EnlistProxy.Unauthorized"), "{responses:?}");
}
