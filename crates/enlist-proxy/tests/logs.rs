//! The proxy's logs say what happened and never contain a token, a signature, a credential or an
//! email. Alone in its test binary: tracing caches per call site whether anyone listens, and a
//! test on another thread without a subscriber would switch this one's events off.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use enlist_emulator::Emulator;
use enlist_proxy::{Config, app};
use serde_json::json;
use tower::ServiceExt;

const TOKEN: &str = "test-token-5b0c1e7d";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_say_what_happened_and_leak_nothing() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().json().with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let mut config = Config::emulator(emulator.clone());
    config.tokens = vec![TOKEN.into()];
    let router = app(config);
    let path = format!("/v1/guardduty/us-east-1/detector/{}/member", emulator.detector_id());
    let body = json!({"accountDetails": [{"accountId": "222233334444", "email": "leak-check@example.com"}]});
    let request = |token: &str| {
        Request::builder()
            .method("POST")
            .uri(&path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    assert_eq!(router.clone().oneshot(request(TOKEN)).await.unwrap().status(), StatusCode::OK);
    assert_eq!(router.clone().oneshot(request("wrong-token-9f9f")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("\"operation\":\"GuardDuty CreateMembers\""), "{logs}");
    assert!(
        logs.contains("\"accounts\":1") && logs.contains("\"status\":200") && logs.contains("\"request_id\""),
        "{logs}"
    );
    for secret in [
        TOKEN,
        "wrong-token-9f9f",
        "leak-check@example.com",
        enlist_emulator::ACCESS_KEY,
        enlist_emulator::SECRET_KEY,
        "Signature=",
        "AWS4-HMAC-SHA256",
    ] {
        assert!(!logs.contains(secret), "the logs contain `{secret}`:\n{logs}");
    }
}
