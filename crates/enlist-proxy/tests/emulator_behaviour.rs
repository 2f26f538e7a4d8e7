//! The emulator's semantics and fault injection, seen through the proxy as Enlist sees them:
//! quotas on both services, Detective's failed verification, the control endpoint, a rate limit
//! per region and added latency.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use enlist_emulator::{Emulator, Faults};
use enlist_proxy::{Config, app};
use serde_json::{Value, json};
use tower::ServiceExt;

fn router(emulator: &Emulator) -> axum::Router {
    let mut config = Config::emulator(emulator.clone());
    config.tokens = vec!["t".into()];
    app(config)
}

async fn post(router: &axum::Router, path: &str, body: &Value) -> (StatusCode, Value) {
    let request = Request::builder()
        .method("POST")
        .uri(path)
        .header("authorization", "Bearer t")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn guardduty_batch(start: u64) -> Value {
    let details: Vec<Value> = (start..start + 50)
        .map(|i| json!({"accountId": format!("{:012}", 600_000_000_000 + i), "email": format!("q{i}@example.com")}))
        .collect();
    json!({"accountDetails": details})
}

#[tokio::test]
async fn an_organization_detector_takes_more_than_a_thousand_members() {
    let emulator = Emulator::new(enlist_emulator::Config { organization: true, ..enlist_emulator::Config::default() });
    let router = router(&emulator);
    let path = format!("/v1/guardduty/eu-west-1/detector/{}/member", emulator.detector_id());
    for batch in 0..30 {
        let (status, body) = post(&router, &path, &guardduty_batch(batch * 50)).await;
        assert_eq!((status, &body), (StatusCode::OK, &json!({"unprocessedAccounts": []})), "batch {batch}");
    }
}

#[tokio::test]
async fn quotas_match_each_service() {
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let router = router(&emulator);
    let path = format!("/v1/guardduty/us-east-1/detector/{}/member", emulator.detector_id());
    for batch in 0..20 {
        let (status, body) = post(&router, &path, &guardduty_batch(batch * 50)).await;
        assert_eq!((status, &body), (StatusCode::OK, &json!({"unprocessedAccounts": []})));
    }
    let (_, body) = post(&router, &path, &guardduty_batch(1_000)).await;
    let unprocessed = body["unprocessedAccounts"].as_array().unwrap();
    assert_eq!(unprocessed.len(), 50, "GuardDuty stops at 1,000 members");
    assert_eq!(
        unprocessed[0]["result"],
        "The request is rejected because the current account cannot create more members."
    );
    let graph = emulator.graph_arn("us-east-1");
    let accounts = |start: u64| -> Vec<Value> {
        (start..start + 50).map(|i| json!({"AccountId": format!("{:012}", 700_000_000_000 + i), "EmailAddress": format!("d{i}@example.com")})).collect()
    };
    for batch in 0..24 {
        let (status, _) = post(
            &router,
            "/v1/detective/us-east-1/graph/members",
            &json!({"GraphArn": graph, "Accounts": accounts(batch * 50)}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = post(
        &router,
        "/v1/detective/us-east-1/graph/members",
        &json!({"GraphArn": graph, "Accounts": accounts(1_200)}),
    )
    .await;
    assert_eq!(
        (status, body["Message"].is_string()),
        (StatusCode::PAYMENT_REQUIRED, true),
        "Detective refuses past 1,200 with 402"
    );
}

#[tokio::test]
async fn detective_verification_fails_for_configured_emails() {
    let emulator = Emulator::new(enlist_emulator::Config {
        failing_emails: vec!["wrong-root@example.com".into()],
        ..enlist_emulator::Config::default()
    });
    let router = router(&emulator);
    let graph = emulator.graph_arn("eu-west-1");
    let body = json!({"GraphArn": graph, "Accounts": [{"AccountId": "222233334444", "EmailAddress": "wrong-root@example.com"}, {"AccountId": "333344445555", "EmailAddress": "right@example.com"}]});
    let (_, created) = post(&router, "/v1/detective/eu-west-1/graph/members", &body).await;
    assert!(created["Members"].as_array().unwrap().iter().all(|m| m["Status"] == "VERIFICATION_IN_PROGRESS"));
    emulator.advance_clock(Duration::from_secs(10));
    let (_, listed) = post(&router, "/v1/detective/eu-west-1/graph/members/list", &json!({"GraphArn": graph})).await;
    let statuses: Vec<(&str, &str)> = listed["MemberDetails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["AccountId"].as_str().unwrap(), m["Status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("222233334444", "VERIFICATION_FAILED"), ("333344445555", "INVITED")]);
}

#[tokio::test]
async fn faults_are_set_through_the_control_endpoint() {
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let control = |faults: Value| {
        Request::builder().method("POST").uri("/_emulator/faults").body(Body::from(faults.to_string())).unwrap()
    };
    let status =
        enlist_emulator::app(emulator.clone()).oneshot(control(json!({"ratePerRegion": 2.0}))).await.unwrap().status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    let router = router(&emulator);
    let path = format!("/v1/guardduty/us-east-1/detector/{}/member", emulator.detector_id());
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(post(&router, &path, &guardduty_batch(0)).await.0);
    }
    assert_eq!(statuses[..2], [StatusCode::OK, StatusCode::OK], "two requests per second are allowed");
    assert!(statuses[2..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    // Another region has its own bucket.
    let other = format!("/v1/guardduty/eu-west-1/detector/{}/member", emulator.detector_id());
    assert_eq!(post(&router, &other, &guardduty_batch(0)).await.0, StatusCode::OK);
    let bad = enlist_emulator::app(emulator.clone()).oneshot(control(json!({"latencyMs": "slow"}))).await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    emulator.set_faults(Faults { latency_ms: 150, ..Faults::default() });
    let started = Instant::now();
    assert_eq!(post(&router, &other, &guardduty_batch(100)).await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150), "latency is added");
    emulator.set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let (status, body) = post(&router, &other, &guardduty_batch(200)).await;
    assert_eq!(
        (status, body["__type"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("InternalServerErrorException"))
    );
}
