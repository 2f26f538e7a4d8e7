//! The proxy as callers meet it, through `oneshot` (no socket): what it forwards, what it refuses
//! before signing, what it passes through, and what its logs never contain.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use enlist_emulator::{Emulator, Faults};
use enlist_proxy::{Config, app};
use serde_json::{Value, json};
use tower::ServiceExt;

const TOKEN: &str = "test-token-5b0c1e7d0a9f8e7d6c5b4a3928";

fn proxy(emulator: &Emulator) -> axum::Router {
    let mut config = Config::emulator(emulator.clone());
    config.tokens = vec!["another-token".into(), TOKEN.into()];
    config.allowed_origins = vec!["https://enlist.example.com".into()];
    config.allowed_hosts = vec!["proxy.example.com".into()];
    app(config)
}

struct Sent {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

async fn send(router: &axum::Router, request: Request<Body>) -> Sent {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    Sent { status, headers, body }
}

fn post(path: &str) -> axum::http::request::Builder {
    Request::builder()
        .method("POST")
        .uri(path)
        .header("host", "proxy.example.com")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
}

fn request(path: &str, body: &Value) -> Request<Body> {
    post(path).body(Body::from(body.to_string())).unwrap()
}

fn accounts(n: usize) -> Vec<Value> {
    (0..n).map(|i| json!({"accountId": format!("{:012}", 222_200_000_000u64 + i as u64), "email": format!("m{i}@example.com")})).collect()
}

#[tokio::test]
async fn forwards_the_six_operations_signed() {
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let router = proxy(&emulator);
    let detector = emulator.detector_id();
    let list = Request::builder()
        .uri("/v1/guardduty/us-east-1/detector")
        .header("host", "proxy.example.com")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let sent = send(&router, list).await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    assert_eq!(sent.body["detectorIds"][0], detector);
    let create = request(
        &format!("/v1/guardduty/us-east-1/detector/{detector}/member"),
        &json!({"accountDetails": accounts(3)}),
    );
    let sent = send(&router, create).await;
    assert_eq!((sent.status, &sent.body), (StatusCode::OK, &json!({"unprocessedAccounts": []})));
    assert!(sent.headers.get("x-amzn-requestid").is_some(), "the request ID passes through");
    assert_eq!(emulator.guardduty_members("us-east-1").len(), 3);
    let members = Request::builder()
        .uri(format!("/v1/guardduty/us-east-1/detector/{detector}/member?onlyAssociated=false&maxResults=2"))
        .header("host", "proxy.example.com")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let sent = send(&router, members).await;
    assert_eq!(sent.body["members"].as_array().unwrap().len(), 2);
    assert_eq!(sent.body["nextToken"], "2");
    let graphs = send(&router, request("/v1/detective/eu-west-1/graphs/list", &json!({}))).await;
    let graph = graphs.body["GraphList"][0]["Arn"].as_str().unwrap().to_owned();
    let body = json!({"GraphArn": graph, "Message": "Join", "DisableEmailNotification": true, "Accounts": [{"AccountId": "222233334444", "EmailAddress": "a@example.com"}]});
    let sent = send(&router, request("/v1/detective/eu-west-1/graph/members", &body)).await;
    assert_eq!(sent.body["Members"][0]["Status"], "VERIFICATION_IN_PROGRESS", "{:?}", sent.body);
    let sent = send(&router, request("/v1/detective/eu-west-1/graph/members/list", &json!({"GraphArn": graph}))).await;
    assert_eq!(sent.body["MemberDetails"].as_array().unwrap().len(), 1);
}

fn get(path: &str) -> Request<Body> {
    Request::builder()
        .uri(path)
        .header("host", "proxy.example.com")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn forwards_security_hub_signed_and_refuses_what_enlist_does_not_send() {
    let emulator = Emulator::new(enlist_emulator::Config {
        security_hub_disabled_regions: vec!["eu-west-2".to_owned()],
        ..enlist_emulator::Config::default()
    });
    let router = proxy(&emulator);
    let hub = send(&router, get("/v1/securityhub/eu-west-1/accounts")).await;
    assert_eq!(hub.status, StatusCode::OK, "{:?}", hub.body);
    assert_eq!(hub.body["HubArn"], emulator.hub_arn("eu-west-1"));
    let off = send(&router, get("/v1/securityhub/eu-west-2/accounts")).await;
    assert_eq!((off.status.as_u16(), off.body["__type"].as_str()), (401, Some("InvalidAccessException")));
    let body = json!({"AccountDetails": [{"AccountId": "222233334444", "Email": "a@example.com"}, {"AccountId": "333344445555"}]});
    let sent = send(&router, request("/v1/securityhub/eu-west-1/members", &body)).await;
    assert_eq!((sent.status, &sent.body), (StatusCode::OK, &json!({"UnprocessedAccounts": []})));
    let ids = json!({"AccountIds": ["222233334444", "333344445555"]});
    let sent = send(&router, request("/v1/securityhub/eu-west-1/members/invite", &ids)).await;
    assert_eq!(sent.body, json!({"UnprocessedAccounts": []}));
    let sent = send(&router, request("/v1/securityhub/eu-west-1/members/get", &ids)).await;
    let statuses: Vec<&str> =
        sent.body["Members"].as_array().unwrap().iter().map(|m| m["MemberStatus"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["Invited", "Invited"]);
    let listed = send(&router, get("/v1/securityhub/eu-west-1/members?OnlyAssociated=false&MaxResults=1")).await;
    assert_eq!(listed.body["Members"].as_array().unwrap().len(), 1, "{:?}", listed.body);
    assert!(listed.body["NextToken"].is_string());
    let before = emulator.request_count();
    let refused: Vec<(&str, Request<Body>, u16, &str)> = vec![
        (
            "DeleteMembers",
            request("/v1/securityhub/eu-west-1/members/delete", &ids),
            403,
            "EnlistProxy.OperationNotAllowed",
        ),
        (
            "DisassociateMembers",
            request("/v1/securityhub/eu-west-1/members/disassociate", &ids),
            403,
            "EnlistProxy.OperationNotAllowed",
        ),
        (
            "another hub",
            get(
                "/v1/securityhub/eu-west-1/accounts?HubArn=arn%3Aaws%3Asecurityhub%3Aeu-west-1%3A999988887777%3Ahub%2Fdefault",
            ),
            400,
            "EnlistProxy.InvalidRequest",
        ),
        ("a name in other case", get("/v1/SecurityHub/eu-west-1/accounts"), 404, "EnlistProxy.UnknownService"),
        ("a spelling people use", get("/v1/security-hub/eu-west-1/accounts"), 404, "EnlistProxy.UnknownService"),
        (
            "an unknown field",
            request(
                "/v1/securityhub/eu-west-1/members",
                &json!({"AccountDetails": [{"AccountId": "222233334444", "Role": "admin"}]}),
            ),
            400,
            "EnlistProxy.InvalidRequest",
        ),
        (
            "51 accounts",
            request(
                "/v1/securityhub/eu-west-1/members/get",
                &json!({"AccountIds": (0..51).map(|i| format!("{:012}", 200_000_000_000u64 + i)).collect::<Vec<_>>()}),
            ),
            400,
            "EnlistProxy.InvalidRequest",
        ),
        (
            "a blank email",
            request(
                "/v1/securityhub/eu-west-1/members",
                &json!({"AccountDetails": [{"AccountId": "222233334444", "Email": "  "}]}),
            ),
            400,
            "EnlistProxy.InvalidRequest",
        ),
        (
            "MaxResults over 50",
            get("/v1/securityhub/eu-west-1/members?MaxResults=51"),
            400,
            "EnlistProxy.InvalidRequest",
        ),
    ];
    for (name, request, status, kind) in refused {
        let sent = send(&router, request).await;
        assert_eq!(
            (sent.status.as_u16(), sent.body["__type"].as_str()),
            (status, Some(kind)),
            "{name}: {:?}",
            sent.body
        );
    }
    assert_eq!(emulator.request_count(), before, "nothing refused reached the service");
    assert_eq!(emulator.securityhub_members("eu-west-1").len(), 2);
}

#[tokio::test]
async fn refuses_abuse_before_signing_anything() {
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let router = proxy(&emulator);
    let detector = emulator.detector_id();
    let good = json!({"accountDetails": accounts(1)});
    let member_path = format!("/v1/guardduty/us-east-1/detector/{detector}/member");
    let with = |f: &dyn Fn(axum::http::request::Builder) -> axum::http::request::Builder, path: &str, body: String| {
        f(post(path)).body(Body::from(body)).unwrap()
    };
    let same = |b: axum::http::request::Builder| b;
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        (
            "no token",
            Request::builder()
                .method("POST")
                .uri(&member_path)
                .header("host", "proxy.example.com")
                .header("content-type", "application/json")
                .body(Body::from(good.to_string()))
                .unwrap(),
            StatusCode::UNAUTHORIZED,
            "EnlistProxy.Unauthorized",
        ),
        (
            "wrong token",
            Request::builder()
                .method("POST")
                .uri(&member_path)
                .header("host", "proxy.example.com")
                .header("authorization", "Bearer nope")
                .header("content-type", "application/json")
                .body(Body::from(good.to_string()))
                .unwrap(),
            StatusCode::UNAUTHORIZED,
            "EnlistProxy.Unauthorized",
        ),
        (
            "a second Authorization header",
            with(&|b| b.header("authorization", "Bearer nope"), &member_path, good.to_string()),
            StatusCode::UNAUTHORIZED,
            "EnlistProxy.Unauthorized",
        ),
        (
            "a delete of an account whose email verification did not fail",
            with(&same, &format!("{member_path}/delete"), json!({"accountIds": ["222233334444"]}).to_string()),
            StatusCode::FORBIDDEN,
            "EnlistProxy.DeleteRefused",
        ),
        (
            "another operation",
            with(&same, &format!("{member_path}/disassociate"), json!({"accountIds": ["222233334444"]}).to_string()),
            StatusCode::FORBIDDEN,
            "EnlistProxy.OperationNotAllowed",
        ),
        (
            "an invitation with a field Enlist never sends",
            with(
                &same,
                &format!("{member_path}/invite"),
                json!({"accountIds": ["222233334444"], "extra": 1}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "EnlistProxy.InvalidRequest",
        ),
        (
            "another service",
            with(&same, "/v1/s3/us-east-1/bucket", "{}".into()),
            StatusCode::NOT_FOUND,
            "EnlistProxy.UnknownService",
        ),
        (
            "a made-up region",
            with(&same, "/v1/guardduty/moon-base-1x/detector", "{}".into()),
            StatusCode::NOT_FOUND,
            "EnlistProxy.UnknownRegion",
        ),
        (
            "the emulator's control path",
            with(&same, "/v1/guardduty/us-east-1/_emulator/faults", "{}".into()),
            StatusCode::FORBIDDEN,
            "EnlistProxy.OperationNotAllowed",
        ),
        (
            "dot segments",
            with(&same, "/v1/guardduty/us-east-1/detector/../detector/x/member", good.to_string()),
            StatusCode::FORBIDDEN,
            "EnlistProxy.OperationNotAllowed",
        ),
        (
            "encoded dot segments",
            with(&same, "/v1/guardduty/us-east-1/detector/%2e%2e/member", good.to_string()),
            StatusCode::FORBIDDEN,
            "EnlistProxy.OperationNotAllowed",
        ),
        (
            "an encoded slash",
            with(&same, &format!("/v1/guardduty/us-east-1/detector/{detector}%2Fmember/member"), good.to_string()),
            StatusCode::FORBIDDEN,
            "EnlistProxy.OperationNotAllowed",
        ),
        (
            "51 accounts",
            with(&same, &member_path, json!({"accountDetails": accounts(51)}).to_string()),
            StatusCode::BAD_REQUEST,
            "EnlistProxy.InvalidRequest",
        ),
        (
            "an 11-digit ID",
            with(
                &same,
                &member_path,
                json!({"accountDetails": [{"accountId": "11112222333", "email": "a@example.com"}]}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "EnlistProxy.InvalidRequest",
        ),
        (
            "an unknown field",
            with(&same, &member_path, json!({"accountDetails": accounts(1), "extra": 1}).to_string()),
            StatusCode::BAD_REQUEST,
            "EnlistProxy.InvalidRequest",
        ),
        (
            "a bad email",
            with(
                &same,
                &member_path,
                json!({"accountDetails": [{"accountId": "111122223333", "email": "a@@example.com"}]}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "EnlistProxy.InvalidRequest",
        ),
        (
            "a second Content-Type header",
            with(&|b| b.header("content-type", "text/plain"), &member_path, good.to_string()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "EnlistProxy.UnsupportedMediaType",
        ),
        (
            "a body that is not JSON",
            with(&same, &member_path, "accountId=1".into()),
            StatusCode::BAD_REQUEST,
            "EnlistProxy.InvalidRequest",
        ),
        (
            "a rebinding Host",
            Request::builder()
                .method("POST")
                .uri(&member_path)
                .header("host", "evil.example")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .body(Body::from(good.to_string()))
                .unwrap(),
            StatusCode::MISDIRECTED_REQUEST,
            "EnlistProxy.UnknownHost",
        ),
        (
            "a second Host header",
            with(&|b| b.header("host", "evil.example"), &member_path, good.to_string()),
            StatusCode::MISDIRECTED_REQUEST,
            "EnlistProxy.UnknownHost",
        ),
        (
            "an unknown query parameter",
            Request::builder()
                .uri("/v1/guardduty/us-east-1/detector?endpoint=http://evil")
                .header("host", "proxy.example.com")
                .header("authorization", format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "EnlistProxy.InvalidRequest",
        ),
    ];
    for (name, request, status, kind) in cases {
        let sent = send(&router, request).await;
        assert_eq!(sent.status, status, "{name}: {:?}", sent.body);
        if sent.status != StatusCode::PAYLOAD_TOO_LARGE {
            assert_eq!(sent.body["__type"], kind, "{name}");
            assert_eq!(sent.headers.get("x-amzn-errortype").map(|v| v.to_str().unwrap()), Some(kind), "{name}");
        }
    }
    // A body over 64 KiB is refused unread.
    let huge = json!({"accountDetails": accounts(1), "pad": "x".repeat(70_000)}).to_string();
    let sent = send(&router, post(&member_path).body(Body::from(huge)).unwrap()).await;
    assert_eq!(sent.status, StatusCode::PAYLOAD_TOO_LARGE);
    // The content type is checked before anything else is read.
    let sent = send(
        &router,
        Request::builder()
            .method("POST")
            .uri(&member_path)
            .header("host", "proxy.example.com")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "text/plain")
            .body(Body::from(good.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(sent.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The refused delete was checked with one GetMembers (a read); nothing else reached the service.
    assert_eq!(emulator.request_count(), 1, "nothing refused was signed or forwarded");
    assert!(emulator.guardduty_members("us-east-1").is_empty());
}

#[tokio::test]
async fn passes_service_errors_through_and_reports_its_own() {
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let router = proxy(&emulator);
    let path = format!("/v1/guardduty/us-east-1/detector/{}/member", emulator.detector_id());
    let body = json!({"accountDetails": accounts(1)});
    emulator.set_faults(Faults { throttle_rate: 1.0, ..Faults::default() });
    let sent = send(&router, request(&path, &body)).await;
    assert_eq!(sent.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sent.headers.get("x-amzn-errortype").unwrap(), "TooManyRequestsException");
    emulator.set_faults(Faults { drop_rate: 1.0, ..Faults::default() });
    let sent = send(&router, request(&path, &body)).await;
    assert_eq!(
        (sent.status, sent.body["__type"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("EnlistProxy.UpstreamUnavailable"))
    );
    emulator.set_faults(Faults::default());
    let sent = send(&router, request("/v1/guardduty/af-south-1/detector/x/member", &body)).await;
    assert_eq!(
        sent.headers.get("x-amzn-errortype").unwrap(),
        "UnrecognizedClientException",
        "regions not enabled pass through"
    );
    // The emulator's clock runs ten minutes ahead: the proxy's fresh signature looks stale to it.
    emulator.advance_clock(std::time::Duration::from_secs(600));
    let sent = send(&router, request(&path, &body)).await;
    assert_eq!(sent.status, StatusCode::FORBIDDEN);
    assert_eq!(sent.headers.get("x-amzn-errortype").unwrap(), "InvalidSignatureException");
    assert!(sent.body["message"].as_str().unwrap().starts_with("Signature expired"), "{:?}", sent.body);
}

#[tokio::test]
async fn cors_allows_exactly_the_configured_origins() {
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let router = proxy(&emulator);
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/v1/guardduty/us-east-1/detector")
            .header("host", "proxy.example.com")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type")
            .body(Body::empty())
            .unwrap()
    };
    let sent = send(&router, preflight("https://enlist.example.com")).await;
    assert_eq!(sent.headers.get("access-control-allow-origin").unwrap(), "https://enlist.example.com");
    let sent = send(&router, preflight("https://enlist.example.com.evil.test")).await;
    assert!(sent.headers.get("access-control-allow-origin").is_none());
    let mut get = request("/v1/detective/us-east-1/graphs/list", &json!({}));
    get.headers_mut().insert("origin", "https://enlist.example.com".parse().unwrap());
    let sent = send(&router, get).await;
    let exposed = sent.headers.get("access-control-expose-headers").unwrap().to_str().unwrap().to_ascii_lowercase();
    for header in ["x-amzn-errortype", "x-amzn-requestid", "retry-after"] {
        assert!(exposed.contains(header), "{exposed}");
    }
}

#[tokio::test]
async fn the_configuration_names_the_administrator_once_asked() {
    let emulator =
        Emulator::new(enlist_emulator::Config { admin_account: "012345678901".to_owned(), ..Default::default() });
    let router = proxy(&emulator);
    let get = || {
        Request::builder()
            .uri("/v1/config")
            .header("host", "proxy.example.com")
            .header("authorization", format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap()
    };
    let sent = send(&router, get()).await;
    assert_eq!(sent.status, StatusCode::OK);
    assert_eq!(sent.body["administratorAccountId"], "012345678901", "{:?}", sent.body);
    assert_eq!(sent.body["upstream"], "emulator");
    assert_eq!(emulator.request_count(), 1, "STS GetCallerIdentity, signed and verified by the emulator");
    let again = send(&router, get()).await;
    assert_eq!(again.body["administratorAccountId"], "012345678901");
    assert_eq!(emulator.request_count(), 1, "asked once, then remembered");
}

#[tokio::test]
async fn service_errors_keep_their_code_and_lose_their_internals() {
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let router = proxy(&emulator);
    let path = format!("/v1/guardduty/us-east-1/detector/{}/member", emulator.detector_id());
    emulator.advance_clock(std::time::Duration::from_secs(600));
    let sent = send(&router, request(&path, &json!({"accountDetails": accounts(1)}))).await;
    assert_eq!(sent.status, StatusCode::FORBIDDEN);
    let fields: Vec<&String> = sent.body.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["__type", "message"], "only the code and the message: {:?}", sent.body);
    assert_eq!(sent.body["__type"], "InvalidSignatureException");
    assert!(sent.body["message"].as_str().unwrap().len() <= 301 * 4);
}
