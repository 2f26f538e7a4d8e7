//! Real Lambda event JSON (a Function URL event and an API Gateway HTTP API event) through
//! `lambda_http` into the proxy's router, which forwards to the emulator.

use std::collections::HashMap;

use enlist_emulator::Emulator;
use enlist_proxy::{CredentialSource, Upstream};
use tower::ServiceExt;

const TOKEN: &str = "lambda-token-31c5a9e07f2b48d6bc1e5f3a";

fn config(emulator: &Emulator, env: &[(&str, &str)]) -> enlist_proxy::Config {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let mut config = enlist_lambda::config_from(|name| env.get(name).cloned()).unwrap();
    config.upstream = Upstream::Emulator(emulator.clone());
    config.credentials = CredentialSource::Static {
        access_key: enlist_emulator::ACCESS_KEY.into(),
        secret_key: enlist_emulator::SECRET_KEY.into(),
    };
    config
}

async fn call(router: axum::Router, event: &str) -> (u16, serde_json::Value, HashMap<String, String>) {
    let request = lambda_http::request::from_str(event).expect("lambda_http reads the event");
    let response = router.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers =
        response.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned())).collect();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null), headers)
}

fn event(name: &str, replacements: &[(&str, &str)]) -> String {
    let path = format!("{}/tests/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(path).unwrap();
    for (from, to) in replacements {
        text = text.replace(from, to);
    }
    text
}

#[tokio::test]
async fn a_function_url_event_adds_members() {
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let env = [
        ("ENLIST_TOKENS", TOKEN),
        ("ENLIST_ALLOWED_ORIGINS", "https://enlist.example.com"),
        ("ENLIST_ALLOWED_HOSTS", "abcdefg2hijklmn3opqrstuvwx.lambda-url.us-east-1.on.aws"),
    ];
    let router = enlist_proxy::app(config(&emulator, &env));
    let body = serde_json::json!({"accountDetails": [{"accountId": "222233334444", "email": "member@example.com"}]})
        .to_string();
    let body = serde_json::to_string(&body).unwrap();
    let json = event(
        "function-url.json",
        &[("DETECTOR", &emulator.detector_id()), ("Bearer TOKEN", &format!("Bearer {TOKEN}")), ("\"BODY\"", &body)],
    );
    let (status, answer, headers) = call(router.clone(), &json).await;
    assert_eq!((status, &answer), (200, &serde_json::json!({"unprocessedAccounts": []})));
    assert_eq!(headers.get("access-control-allow-origin").map(String::as_str), Some("https://enlist.example.com"));
    assert_eq!(emulator.guardduty_members("us-east-1").len(), 1);
    let (status, answer, _) = call(router, &json.replace(&format!("Bearer {TOKEN}"), "Bearer guess")).await;
    assert_eq!((status, answer["__type"].as_str()), (401, Some("EnlistProxy.Unauthorized")));
}

#[tokio::test]
async fn an_api_gateway_event_with_a_base64_body_lists_graphs() {
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let router = enlist_proxy::app(config(&emulator, &[("ENLIST_TOKENS", TOKEN), ("ENLIST_REGIONS", "eu-west-1")]));
    let json = event("apigw-v2.json", &[("Bearer TOKEN", &format!("Bearer {TOKEN}"))]);
    let (status, answer, _) = call(router.clone(), &json).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["GraphList"][0]["Arn"], emulator.graph_arn("eu-west-1"));
    let other_region = json.replace("eu-west-1/graphs", "us-east-1/graphs");
    let (status, answer, _) = call(router, &other_region).await;
    assert_eq!((status, answer["__type"].as_str()), (403, Some("EnlistProxy.RegionNotServed")));
}

#[test]
fn refuses_to_start_without_a_way_to_authenticate() {
    let none = enlist_lambda::config_from(|_| None).unwrap_err();
    assert_eq!(
        none,
        "expected ENLIST_TOKENS with at least one token (or ENLIST_AUTH=gateway behind a JWT authorizer), found none"
    );
    let gateway = enlist_lambda::config_from(|name| (name == "ENLIST_AUTH").then(|| "gateway".to_owned())).unwrap();
    assert!(gateway.allow_unauthenticated);
    let typo = enlist_lambda::config_from(|name| (name == "ENLIST_AUTH").then(|| "none".to_owned())).unwrap_err();
    assert!(typo.contains("found `none`"));
    let bad_region = enlist_lambda::config_from(|name| match name {
        "ENLIST_TOKENS" => Some("t".repeat(32)),
        "ENLIST_REGIONS" => Some("us-east-1, mars".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(bad_region.starts_with("ENLIST_REGIONS: expected a region"), "{bad_region}");
    let with = |services: &str| {
        let services = services.to_owned();
        enlist_lambda::config_from(move |name| match name {
            "ENLIST_TOKENS" => Some("t".repeat(32)),
            "ENLIST_SERVICES" => Some(services.clone()),
            _ => None,
        })
    };
    assert_eq!(
        with("guardduty, securityhub").unwrap().services,
        [enlist_core::Service::GuardDuty, enlist_core::Service::SecurityHub]
    );
    assert_eq!(
        enlist_lambda::config_from(|name| (name == "ENLIST_TOKENS").then(|| "t".repeat(32))).unwrap().services,
        enlist_core::Service::ALL
    );
    let unknown = with("inspector").unwrap_err();
    assert!(
        unknown.starts_with("ENLIST_SERVICES: expected `guardduty`, `detective` or `securityhub`, found `inspector`"),
        "{unknown}"
    );
    // An empty or short token would make the proxy easy to guess: refused, without repeating it.
    for (tokens, expected) in [
        ("secret-but-short", "ENLIST_TOKENS, token 1: expected a token of at least 32 characters"),
        (" , ", "expected ENLIST_TOKENS with at least one token"),
        ("0123456789abcdef0123456789abcdef,short", "ENLIST_TOKENS, token 2: expected a token of at least 32"),
    ] {
        let error =
            enlist_lambda::config_from(|name| (name == "ENLIST_TOKENS").then(|| tokens.to_owned())).unwrap_err();
        assert!(error.starts_with(expected), "{tokens:?}: {error}");
        assert!(!error.contains("secret-but-short") && !error.contains(",short"), "{error}");
    }
}
