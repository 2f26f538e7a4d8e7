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

const TOKEN: &str = "test-token-5b0c1e7d0a9f8e7d6c5b4a3928";

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
    drop(_guard);

    // The plain format `enlist serve` writes: a line break, a carriage return or a NUL in what a
    // caller sends must not start a line of its own (a forged entry) or reach the log raw.
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let forged = "%0a2099-01-01T00:00:00Z%20INFO%20forwarded%20status=200";
    let attempts = [
        format!("/v1/guardduty/us-east-1{forged}/detector"),
        format!("/v1/guardduty{forged}/us-east-1/detector"),
        "/v1/guardduty/us-east-1%0d2099/detector".to_owned(),
        "/v1/guardduty/us-east-1%00forged/detector".to_owned(),
        format!("/v1/guardduty/us-east-1/detector{forged}"),
        format!("/v1/guardduty/us-east-1/detector?maxResults=1{forged}"),
    ];
    for (n, path) in attempts.iter().enumerate() {
        let request = Request::builder()
            .uri(path)
            .header("authorization", format!("Bearer {}", if n % 2 == 0 { TOKEN } else { "wrong%0aforged" }))
            .body(Body::empty())
            .unwrap();
        let status = router.clone().oneshot(request).await.unwrap().status();
        assert!(status.is_client_error(), "{path}: {status}");
    }
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert_eq!(logs.lines().count(), attempts.len(), "one line per request:\n{logs}");
    assert!(logs.lines().all(|l| l.contains("refused")), "{logs}");
    assert!(
        !logs.contains("2099") && !logs.contains('\r') && !logs.contains('\0') && !logs.contains("forged"),
        "{logs}"
    );
}
