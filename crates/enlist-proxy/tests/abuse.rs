//! The proxy under attack: more than a hundred crafted requests, each sent over a raw socket to
//! the real server (`enlist_proxy::server::serve`, as `enlist serve` runs it) and, where it is an
//! HTTP request at all, through `oneshot` too. Every case asserts its status and what reached
//! the upstream, counted by the emulator itself (not by what the proxy says). Legitimate
//! requests are in the table too, so the suite cannot pass by refusing everything.

use std::time::Duration;

use axum::body::Body;
use enlist_emulator::Emulator;
use enlist_proxy::server::{Limits, serve};
use enlist_proxy::{Config, app};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

const TOKEN: &str = "abuse-suite-token-7f3c9a1e5b2d4f60a8c1";
const HOST: &str = "proxy.test:8080";
const ORIGIN: &str = "https://ui.example";
const DETECTOR: &str = "000000000000000e1157111122223333";
const GRAPH: &str = "arn:aws:detective:us-east-1:111122223333:graph:000000000000000e1157111122223333";

/// How a case is sent.
#[derive(Clone, Copy, PartialEq)]
enum Via {
    /// Over a socket and through `oneshot`.
    Both,
    /// Only over a socket: the bytes are not an HTTP request `oneshot` could carry.
    Socket,
}

/// What must come back.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// This status and, for the proxy's own errors, this `__type`.
    Status(u16, Option<&'static str>),
    /// Refused by the HTTP layer: a 4xx, or the connection closed without an answer.
    Rejected,
}

/// What the upstream must have received.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reaches {
    Nothing,
    /// This many requests (a legitimate control; a DeleteMembers check is one GetMembers).
    Requests(u64),
}

struct Case {
    name: &'static str,
    raw: Vec<u8>,
    expect: Expect,
    reaches: Reaches,
    via: Via,
    /// Which proxy: with tokens, or `--no-auth`.
    open: bool,
}

/// A request as text, with the headers a good caller sends unless the case changes them.
#[derive(Clone)]
struct Raw {
    method: String,
    target: String,
    version: &'static str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    length: bool,
}

impl Raw {
    fn new(method: &str, target: &str) -> Raw {
        Raw {
            method: method.to_owned(),
            target: target.to_owned(),
            version: "HTTP/1.1",
            headers: vec![("Host".into(), HOST.into()), ("Authorization".into(), format!("Bearer {TOKEN}"))],
            body: Vec::new(),
            length: true,
        }
    }
    fn get(target: &str) -> Raw {
        Raw::new("GET", target)
    }
    fn post(target: &str, body: &Value) -> Raw {
        Raw::new("POST", target).header("Content-Type", "application/json").body(body.to_string())
    }
    fn header(mut self, name: &str, value: &str) -> Raw {
        self.headers.push((name.into(), value.into()));
        self
    }
    fn without(mut self, name: &str) -> Raw {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }
    fn replace(self, name: &str, value: &str) -> Raw {
        self.without(name).header(name, value)
    }
    fn body(mut self, body: impl Into<Vec<u8>>) -> Raw {
        self.body = body.into();
        self
    }
    fn no_length(mut self) -> Raw {
        self.length = false;
        self
    }
    fn into_bytes(self) -> Vec<u8> {
        let mut out = format!("{} {} {}\r\n", self.method, self.target, self.version).into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        if self.length && (!self.body.is_empty() || self.method == "POST") {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

fn member_path() -> String {
    format!("/v1/guardduty/us-east-1/detector/{DETECTOR}/member")
}

fn details(n: usize) -> Value {
    json!({"accountDetails": (0..n).map(|i| json!({"accountId": format!("{:012}", 444_400_000_000u64 + i as u64), "email": format!("a{i}@example.com")})).collect::<Vec<_>>()})
}

fn detective(accounts: usize) -> Value {
    json!({"GraphArn": GRAPH, "Accounts": (0..accounts).map(|i| json!({"AccountId": format!("{:012}", 555_500_000_000u64 + i as u64), "EmailAddress": format!("d{i}@example.com")})).collect::<Vec<_>>()})
}

/// A good Security Hub CreateMembers, for the cases that change one thing about it.
fn hub_create() -> Raw {
    Raw::post("/v1/securityhub/us-east-1/members", &json!({"AccountDetails": [{"AccountId": "444400000002"}]}))
}

fn case(name: &'static str, raw: Raw, expect: Expect, reaches: Reaches) -> Case {
    Case { name, raw: raw.into_bytes(), expect, reaches, via: Via::Both, open: false }
}

fn socket(name: &'static str, raw: impl Into<Vec<u8>>, expect: Expect, reaches: Reaches) -> Case {
    Case { name, raw: raw.into(), expect, reaches, via: Via::Socket, open: false }
}

fn refused(status: u16, kind: &'static str) -> Expect {
    Expect::Status(status, Some(kind))
}

const NOTHING: Reaches = Reaches::Nothing;
const OK: Expect = Expect::Status(200, None);

fn cases() -> Vec<Case> {
    let member = member_path();
    let good = details(1);
    let unauthorized = refused(401, "EnlistProxy.Unauthorized");
    let not_allowed = refused(403, "EnlistProxy.OperationNotAllowed");
    let invalid = refused(400, "EnlistProxy.InvalidRequest");
    let unknown_region = refused(404, "EnlistProxy.UnknownRegion");
    let unknown_host = refused(421, "EnlistProxy.UnknownHost");
    let cross = refused(403, "EnlistProxy.CrossSite");
    let post = |path: &str| Raw::post(path, &good);
    let mut cases = vec![
        // Legitimate controls: each must succeed and reach the service.
        case("control: CreateMembers", post(&member), OK, Reaches::Requests(1)),
        case("control: ListDetectors", Raw::get("/v1/guardduty/us-east-1/detector"), OK, Reaches::Requests(1)),
        case(
            "control: ListMembers with its query",
            Raw::get(&format!("{member}?onlyAssociated=false&maxResults=50")),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: GetMembers",
            Raw::post(&format!("{member}/get"), &json!({"accountIds": ["444400000000"]})),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: InviteMembers",
            Raw::post(&format!("{member}/invite"), &json!({"accountIds": ["444400000000"], "message": "hi"})),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: Detective CreateMembers",
            Raw::post("/v1/detective/us-east-1/graph/members", &detective(2)),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: ListGraphs",
            Raw::post("/v1/detective/us-east-1/graphs/list", &json!({})),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: Detective ListMembers",
            Raw::post("/v1/detective/us-east-1/graph/members/list", &json!({"GraphArn": GRAPH})),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: a charset on the content type",
            post(&member).replace("Content-Type", "application/json; charset=utf-8"),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: the Host in another case",
            post(&member).replace("Host", "PROXY.test:8080"),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: an absolute-form target naming this proxy",
            Raw::get(&format!("http://{HOST}/v1/guardduty/us-east-1/detector")),
            OK,
            Reaches::Requests(1),
        ),
        case("control: the health check needs no token", Raw::get("/healthz").without("Authorization"), OK, NOTHING),
        case("control: the UI needs no token", Raw::get("/").without("Authorization"), OK, NOTHING),
        case("control: the configuration", Raw::get("/v1/config"), OK, Reaches::Requests(1)),
        case(
            "control: an allowed origin's request",
            Raw::get("/v1/guardduty/us-east-1/detector").header("Origin", ORIGIN),
            OK,
            Reaches::Requests(1),
        ),
        // Authentication.
        case("no Authorization", post(&member).without("Authorization"), unauthorized, NOTHING),
        case(
            "a wrong token",
            post(&member).replace("Authorization", "Bearer abuse-suite-token-7f3c9a1e5b2d4f60a8c2"),
            unauthorized,
            NOTHING,
        ),
        case("an empty bearer", post(&member).replace("Authorization", "Bearer "), unauthorized, NOTHING),
        case("a bearer of spaces", post(&member).replace("Authorization", "Bearer    "), unauthorized, NOTHING),
        case("a bearer of a tab", post(&member).replace("Authorization", "Bearer \t"), unauthorized, NOTHING),
        case("Bearer alone", post(&member).replace("Authorization", "Bearer"), unauthorized, NOTHING),
        case(
            "Basic credentials",
            post(&member).replace("Authorization", "Basic YWRtaW46YWRtaW4="),
            unauthorized,
            NOTHING,
        ),
        case(
            "the token's prefix",
            post(&member).replace("Authorization", &format!("Bearer {}", &TOKEN[..20])),
            unauthorized,
            NOTHING,
        ),
        case(
            "the token and more",
            post(&member).replace("Authorization", &format!("Bearer {TOKEN}x")),
            unauthorized,
            NOTHING,
        ),
        case(
            "the token in upper case",
            post(&member).replace("Authorization", &format!("Bearer {}", TOKEN.to_uppercase())),
            unauthorized,
            NOTHING,
        ),
        case(
            "the token twice",
            post(&member).replace("Authorization", &format!("Bearer {TOKEN} {TOKEN}")),
            unauthorized,
            NOTHING,
        ),
        case("a second Authorization", post(&member).header("Authorization", "Bearer nope"), unauthorized, NOTHING),
        case(
            "a token in the query",
            Raw::get(&format!("/v1/guardduty/us-east-1/detector?token={TOKEN}")).without("Authorization"),
            unauthorized,
            NOTHING,
        ),
        case(
            "a token in a cookie",
            post(&member).without("Authorization").header("Cookie", &format!("token={TOKEN}")),
            unauthorized,
            NOTHING,
        ),
        case(
            "the configuration without a token",
            Raw::get("/v1/config").without("Authorization"),
            unauthorized,
            NOTHING,
        ),
        // Security Hub: its five operations succeed; everything else of it is refused unsigned.
        case("control: DescribeHub", Raw::get("/v1/securityhub/us-east-1/accounts"), OK, Reaches::Requests(1)),
        case(
            "control: Security Hub CreateMembers",
            Raw::post("/v1/securityhub/us-east-1/members", &json!({"AccountDetails": [{"AccountId": "444400000001"}]})),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: Security Hub InviteMembers",
            Raw::post("/v1/securityhub/us-east-1/members/invite", &json!({"AccountIds": ["444400000001"]})),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: Security Hub GetMembers",
            Raw::post("/v1/securityhub/us-east-1/members/get", &json!({"AccountIds": ["444400000001"]})),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "control: Security Hub ListMembers",
            Raw::get("/v1/securityhub/us-east-1/members?OnlyAssociated=false&MaxResults=50"),
            OK,
            Reaches::Requests(1),
        ),
        case(
            "Security Hub DeleteMembers",
            Raw::post("/v1/securityhub/us-east-1/members/delete", &json!({"AccountIds": ["444400000001"]})),
            not_allowed,
            NOTHING,
        ),
        case(
            "Security Hub DisableSecurityHub",
            Raw::new("DELETE", "/v1/securityhub/us-east-1/accounts"),
            not_allowed,
            NOTHING,
        ),
        case(
            "Security Hub EnableSecurityHub",
            Raw::post("/v1/securityhub/us-east-1/accounts", &json!({})),
            not_allowed,
            NOTHING,
        ),
        case(
            "Security Hub AcceptAdministratorInvitation",
            Raw::post(
                "/v1/securityhub/us-east-1/administrator",
                &json!({"AdministratorId": "111122223333", "InvitationId": "x"}),
            ),
            not_allowed,
            NOTHING,
        ),
        case(
            "DescribeHub of another hub",
            Raw::get(
                "/v1/securityhub/us-east-1/accounts?HubArn=arn%3Aaws%3Asecurityhub%3Aus-east-1%3A999988887777%3Ahub%2Fdefault",
            ),
            invalid,
            NOTHING,
        ),
        case(
            "Security Hub CreateMembers with a field it does not have",
            Raw::post(
                "/v1/securityhub/us-east-1/members",
                &json!({"AccountDetails": [{"AccountId": "444400000001", "Role": "x"}]}),
            ),
            invalid,
            NOTHING,
        ),
        case(
            "Security Hub GetMembers of a malformed ID",
            Raw::post("/v1/securityhub/us-east-1/members/get", &json!({"AccountIds": ["4444"]})),
            invalid,
            NOTHING,
        ),
        case(
            "a service name in another case",
            Raw::get("/v1/SecurityHub/us-east-1/accounts"),
            refused(404, "EnlistProxy.UnknownService"),
            NOTHING,
        ),
        // What every route meets before its operation, on Security Hub's routes too.
        case("Security Hub without a token", hub_create().without("Authorization"), unauthorized, NOTHING),
        case("Security Hub with a rebinding Host", hub_create().replace("Host", "evil.example"), unknown_host, NOTHING),
        case(
            "Security Hub through an absolute-form target of another host",
            Raw::get("http://evil.example/v1/securityhub/us-east-1/accounts"),
            unknown_host,
            NOTHING,
        ),
        case(
            "Security Hub with an encoded slash",
            Raw::post("/v1/securityhub/us-east-1/members%2Finvite", &json!({"AccountIds": ["444400000001"]})),
            not_allowed,
            NOTHING,
        ),
        case(
            "Security Hub with a dot segment",
            Raw::post("/v1/securityhub/us-east-1/members/./invite", &json!({"AccountIds": ["444400000001"]})),
            not_allowed,
            NOTHING,
        ),
        case(
            "Security Hub with a query on a POST",
            Raw::post(
                "/v1/securityhub/us-east-1/members?x=1",
                &json!({"AccountDetails": [{"AccountId": "444400000001"}]}),
            ),
            invalid,
            NOTHING,
        ),
        case(
            "Security Hub with a body over 64 KiB",
            Raw::post(
                "/v1/securityhub/us-east-1/members",
                &json!({"AccountDetails": [{"AccountId": "444400000001", "Email": "x".repeat(70_000)}]}),
            ),
            Expect::Status(413, None),
            NOTHING,
        ),
        case(
            "Security Hub with a text body",
            hub_create().replace("Content-Type", "text/plain"),
            refused(415, "EnlistProxy.UnsupportedMediaType"),
            NOTHING,
        ),
        case(
            "Security Hub in an unknown region",
            Raw::get("/v1/securityhub/us-east-9/accounts"),
            unknown_region,
            NOTHING,
        ),
        // Operations Enlist never uses.
        case(
            "DisassociateMembers",
            Raw::post(&format!("{member}/disassociate"), &json!({"accountIds": ["444400000000"]})),
            not_allowed,
            NOTHING,
        ),
        case(
            "StopMonitoringMembers",
            Raw::post(&format!("{member}/stop"), &json!({"accountIds": ["444400000000"]})),
            not_allowed,
            NOTHING,
        ),
        case(
            "CreateDetector",
            Raw::post("/v1/guardduty/us-east-1/detector", &json!({"enable": true})),
            not_allowed,
            NOTHING,
        ),
        case("GetDetector", Raw::get(&format!("/v1/guardduty/us-east-1/detector/{DETECTOR}")), not_allowed, NOTHING),
        case(
            "DeleteDetector",
            Raw::new("DELETE", &format!("/v1/guardduty/us-east-1/detector/{DETECTOR}")),
            not_allowed,
            NOTHING,
        ),
        case(
            "PUT on members",
            Raw::new("PUT", &member).header("Content-Type", "application/json").body(good.to_string()),
            not_allowed,
            NOTHING,
        ),
        case(
            "PATCH on members",
            Raw::new("PATCH", &member).header("Content-Type", "application/json").body(good.to_string()),
            not_allowed,
            NOTHING,
        ),
        case("GET on invite", Raw::get(&format!("{member}/invite")), not_allowed, NOTHING),
        case("Detective CreateGraph", Raw::post("/v1/detective/us-east-1/graph", &json!({})), not_allowed, NOTHING),
        case(
            "Detective DeleteGraph",
            Raw::post("/v1/detective/us-east-1/graph/removal", &json!({"GraphArn": GRAPH})),
            not_allowed,
            NOTHING,
        ),
        case(
            "Detective DisassociateMembership",
            Raw::post("/v1/detective/us-east-1/membership/removal", &json!({"GraphArn": GRAPH})),
            not_allowed,
            NOTHING,
        ),
        case(
            "the emulator's controls",
            Raw::post("/v1/guardduty/us-east-1/_emulator/faults", &json!({})),
            not_allowed,
            NOTHING,
        ),
        case(
            "a delete of a member that verified fine",
            Raw::post(&format!("{member}/delete"), &json!({"accountIds": ["444400000000"]})),
            refused(403, "EnlistProxy.DeleteRefused"),
            Reaches::Requests(1),
        ),
        case(
            "another service",
            Raw::post("/v1/s3/us-east-1/bucket", &json!({})),
            refused(404, "EnlistProxy.UnknownService"),
            NOTHING,
        ),
        case(
            "STS through the proxy",
            Raw::post("/v1/sts/us-east-1/", &json!({})),
            refused(404, "EnlistProxy.UnknownService"),
            NOTHING,
        ),
        case("no service path", Raw::get("/v1/guardduty"), refused(404, "EnlistProxy.UnknownService"), NOTHING),
        // Regions.
        case("a made-up region", Raw::get("/v1/guardduty/moon-base-1x/detector"), unknown_region, NOTHING),
        case(
            "a well-formed region AWS does not have",
            Raw::get("/v1/guardduty/zz-evil-1/detector"),
            unknown_region,
            NOTHING,
        ),
        case(
            "a region of a partition that has no such region",
            Raw::get("/v1/guardduty/us-isob-east-9/detector"),
            unknown_region,
            NOTHING,
        ),
        case("a region in capitals", Raw::get("/v1/guardduty/US-EAST-1/detector"), unknown_region, NOTHING),
        case("an empty region", Raw::get("/v1/guardduty//detector"), unknown_region, NOTHING),
        case(
            "a region with a line break",
            Raw::get("/v1/guardduty/us-east-1%0a2099/detector"),
            unknown_region,
            NOTHING,
        ),
        case("a region with a NUL", Raw::get("/v1/guardduty/us-east-1%00/detector"), unknown_region, NOTHING),
        case("a region with a dot", Raw::get("/v1/guardduty/us-east-1.evil.example/detector"), unknown_region, NOTHING),
        case(
            "Detective in China",
            Raw::post("/v1/detective/cn-north-1/graphs/list", &json!({})),
            refused(400, "EnlistProxy.RegionNotServed"),
            NOTHING,
        ),
        // Paths and encodings.
        case("an empty segment after the region", Raw::get("/v1/guardduty/us-east-1//detector"), not_allowed, NOTHING),
        case(
            "an empty segment inside",
            post(&format!("/v1/guardduty/us-east-1/detector//{DETECTOR}/member")),
            not_allowed,
            NOTHING,
        ),
        case("a trailing slash", Raw::get("/v1/guardduty/us-east-1/detector/"), not_allowed, NOTHING),
        case(
            "dot segments",
            post(&format!("/v1/guardduty/us-east-1/detector/../detector/{DETECTOR}/member")),
            not_allowed,
            NOTHING,
        ),
        case(
            "a dot segment",
            post(&format!("/v1/guardduty/us-east-1/./detector/{DETECTOR}/member")),
            not_allowed,
            NOTHING,
        ),
        case("encoded dots", post("/v1/guardduty/us-east-1/detector/%2e%2e/member"), not_allowed, NOTHING),
        case(
            "an encoded slash",
            post(&format!("/v1/guardduty/us-east-1/detector/{DETECTOR}%2Fmember/member")),
            not_allowed,
            NOTHING,
        ),
        case("double encoding", post("/v1/guardduty/us-east-1/detector/%252e%252e/member"), not_allowed, NOTHING),
        case(
            "a backslash",
            post(&format!("/v1/guardduty/us-east-1/detector\\{DETECTOR}/member")),
            Expect::Rejected,
            NOTHING,
        ),
        case(
            "an encoded backslash",
            post(&format!("/v1/guardduty/us-east-1/detector%5C{DETECTOR}/member")),
            not_allowed,
            NOTHING,
        ),
        case(
            "a matrix parameter",
            post(&format!("/v1/guardduty/us-east-1/detector/{DETECTOR};x=1/member")),
            invalid,
            NOTHING,
        ),
        case("a query on a POST", post(&format!("{member}?accountId=999999999999")), invalid, NOTHING),
        case("an empty query on a POST", post(&format!("{member}?")), invalid, NOTHING),
        case(
            "an unknown query parameter",
            Raw::get("/v1/guardduty/us-east-1/detector?endpoint=http://evil"),
            invalid,
            NOTHING,
        ),
        case(
            "a repeated query parameter",
            Raw::get("/v1/guardduty/us-east-1/detector?maxResults=1&maxResults=2"),
            invalid,
            NOTHING,
        ),
        case(
            "a page size over the limit",
            Raw::get("/v1/guardduty/us-east-1/detector?maxResults=51"),
            invalid,
            NOTHING,
        ),
        case(
            "an absolute-form target naming another host",
            Raw::get("http://evil.example/v1/guardduty/us-east-1/detector"),
            unknown_host,
            NOTHING,
        ),
        case(
            "an absolute-form target with a port of ours on another host",
            Raw::get("http://evil.example:8080/v1/guardduty/us-east-1/detector"),
            unknown_host,
            NOTHING,
        ),
        case(
            "an absolute-form target of another host, with our Host header",
            Raw::get("http://169.254.169.254/v1/guardduty/us-east-1/detector"),
            unknown_host,
            NOTHING,
        ),
        // Identifiers.
        case("a detector ID with a quote", post("/v1/guardduty/us-east-1/detector/abc'def/member"), invalid, NOTHING),
        case(
            "a detector ID of 301 characters",
            post(&format!("/v1/guardduty/us-east-1/detector/{}/member", "a".repeat(301))),
            invalid,
            NOTHING,
        ),
        case(
            "an 11-digit account",
            Raw::post(&member, &json!({"accountDetails": [{"accountId": "11112222333", "email": "a@example.com"}]})),
            invalid,
            NOTHING,
        ),
        case(
            "a 13-digit account",
            Raw::post(&member, &json!({"accountDetails": [{"accountId": "1111222233334", "email": "a@example.com"}]})),
            invalid,
            NOTHING,
        ),
        case(
            "an account as a number",
            Raw::post(&member, &json!({"accountDetails": [{"accountId": 111122223333u64, "email": "a@example.com"}]})),
            invalid,
            NOTHING,
        ),
        case(
            "an account with letters",
            Raw::post(&member, &json!({"accountDetails": [{"accountId": "11112222333a", "email": "a@example.com"}]})),
            invalid,
            NOTHING,
        ),
        case(
            "a bad email",
            Raw::post(&member, &json!({"accountDetails": [{"accountId": "111122223333", "email": "a@@example.com"}]})),
            invalid,
            NOTHING,
        ),
        case(
            "an email with a line break",
            Raw::post(
                &member,
                &json!({"accountDetails": [{"accountId": "111122223333", "email": "a@example.com\r\nX: y"}]}),
            ),
            invalid,
            NOTHING,
        ),
        case("51 accounts", Raw::post(&member, &details(51)), invalid, NOTHING),
        case("no accounts", Raw::post(&member, &json!({"accountDetails": []})), invalid, NOTHING),
        case(
            "a graph of another region",
            Raw::post("/v1/detective/eu-west-1/graph/members", &detective(1)),
            invalid,
            NOTHING,
        ),
        case(
            "a graph of another partition",
            Raw::post(
                "/v1/detective/us-gov-west-1/graph/members",
                &json!({"GraphArn": GRAPH.replace("arn:aws:detective:us-east-1", "arn:aws-cn:detective:us-gov-west-1"), "Accounts": [{"AccountId": "555500000000"}]}),
            ),
            invalid,
            NOTHING,
        ),
        case(
            "members of a graph of another region",
            Raw::post("/v1/detective/eu-west-1/graph/members/list", &json!({"GraphArn": GRAPH})),
            invalid,
            NOTHING,
        ),
        case(
            "a GraphArn that is not one",
            Raw::post(
                "/v1/detective/us-east-1/graph/members",
                &json!({"GraphArn": "arn:aws:s3:::bucket", "Accounts": [{"AccountId": "555500000000"}]}),
            ),
            invalid,
            NOTHING,
        ),
        // Bodies.
        case("a body that is not JSON", post(&member).body("accountId=111122223333"), invalid, NOTHING),
        case("a JSON array", post(&member).body("[]"), invalid, NOTHING),
        case(
            "an unknown field",
            Raw::post(&member, &json!({"accountDetails": details(1)["accountDetails"], "extra": 1})),
            invalid,
            NOTHING,
        ),
        case(
            "an unknown field in an account",
            Raw::post(
                &member,
                &json!({"accountDetails": [{"accountId": "111122223333", "email": "a@example.com", "x": 1}]}),
            ),
            invalid,
            NOTHING,
        ),
        case(
            "a field twice",
            post(&member).body(
                r#"{"accountDetails":[],"accountDetails":[{"accountId":"111122223333","email":"a@example.com"}]}"#,
            ),
            invalid,
            NOTHING,
        ),
        case(
            "invalid UTF-8",
            post(&member).body(
                b"{\"accountDetails\":[{\"accountId\":\"111122223333\",\"email\":\"\xff@example.com\"}]}".to_vec(),
            ),
            invalid,
            NOTHING,
        ),
        case(
            "deep nesting",
            post(&member).body(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000))),
            invalid,
            NOTHING,
        ),
        case(
            "an invitation with a field Enlist never sends",
            Raw::post(&format!("{member}/invite"), &json!({"accountIds": ["444400000000"], "extra": 1})),
            invalid,
            NOTHING,
        ),
        case(
            "a ListGraphs naming a graph",
            Raw::post("/v1/detective/us-east-1/graphs/list", &json!({"GraphArn": GRAPH})),
            invalid,
            NOTHING,
        ),
        case(
            "no content type",
            post(&member).without("Content-Type"),
            refused(415, "EnlistProxy.UnsupportedMediaType"),
            NOTHING,
        ),
        case(
            "text/plain",
            post(&member).replace("Content-Type", "text/plain"),
            refused(415, "EnlistProxy.UnsupportedMediaType"),
            NOTHING,
        ),
        case(
            "form encoding",
            post(&member).replace("Content-Type", "application/x-www-form-urlencoded"),
            refused(415, "EnlistProxy.UnsupportedMediaType"),
            NOTHING,
        ),
        case(
            "two content types",
            post(&member).header("Content-Type", "text/plain"),
            refused(415, "EnlistProxy.UnsupportedMediaType"),
            NOTHING,
        ),
        case(
            "a body over 64 KiB",
            Raw::post(&member, &json!({"accountDetails": details(1)["accountDetails"], "pad": "x".repeat(70_000)})),
            Expect::Status(413, None),
            NOTHING,
        ),
        // Headers and hosts.
        case("a rebinding Host", post(&member).replace("Host", "evil.example"), unknown_host, NOTHING),
        case("our Host on another port", post(&member).replace("Host", "proxy.test:9999"), unknown_host, NOTHING),
        case("a second Host", post(&member).header("Host", "evil.example"), unknown_host, NOTHING),
        case(
            "the UI to a rebinding Host",
            Raw::get("/").replace("Host", "evil.example").without("Authorization"),
            unknown_host,
            NOTHING,
        ),
        case(
            "the health check to a rebinding Host",
            Raw::get("/healthz").replace("Host", "evil.example"),
            unknown_host,
            NOTHING,
        ),
        case(
            "the configuration to a rebinding Host",
            Raw::get("/v1/config").replace("Host", "evil.example"),
            unknown_host,
            NOTHING,
        ),
        case(
            "a preflight to a rebinding Host",
            Raw::new("OPTIONS", &member)
                .replace("Host", "evil.example")
                .header("Origin", ORIGIN)
                .header("Access-Control-Request-Method", "POST"),
            unknown_host,
            NOTHING,
        ),
        case("no Host", post(&member).without("Host"), Expect::Rejected, NOTHING),
        case(
            "a file outside the UI folder",
            Raw::get("/../Cargo.toml").without("Authorization"),
            Expect::Rejected,
            NOTHING,
        ),
        case(
            "an encoded way out of the UI folder",
            Raw::get("/%2e%2e/%2e%2e/etc/passwd").without("Authorization"),
            Expect::Rejected,
            NOTHING,
        ),
        // CORS.
        case(
            "a preflight from the allowed origin",
            Raw::new("OPTIONS", &member)
                .without("Authorization")
                .header("Origin", ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type"),
            OK,
            NOTHING,
        ),
        case(
            "a preflight from another origin",
            Raw::new("OPTIONS", &member)
                .without("Authorization")
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST"),
            OK,
            NOTHING,
        ),
        case(
            "a cross-site POST without a token",
            post(&member)
                .without("Authorization")
                .header("Origin", "https://evil.example")
                .header("Sec-Fetch-Site", "cross-site"),
            unauthorized,
            NOTHING,
        ),
        // Slow or greedy clients that still send whole requests.
        case(
            "a declared 10 MiB body that waits for 100-continue",
            post(&member)
                .body(Vec::new())
                .no_length()
                .header("Content-Length", "10485760")
                .header("Expect", "100-continue"),
            refused(413, "EnlistProxy.BodyTooLarge"),
            NOTHING,
        ),
    ];
    // What only a socket can carry: malformed or ambiguous HTTP/1.1, smuggling, other protocols.
    let body = good.to_string();
    let head = |extra: &str| {
        format!(
            "POST {member} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n{extra}"
        )
    };
    let smuggled = format!("{}\r\n\r\n{body}", head(&format!("Content-Length: {}", body.len())));
    let smuggled_len = smuggled.len();
    cases.extend([
        socket(
            "Content-Length and Transfer-Encoding together",
            format!("{}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}", head("")),
            Expect::Rejected,
            NOTHING,
        ),
        socket(
            "two different Content-Lengths",
            format!("{}Content-Length: 2\r\nContent-Length: {}\r\n\r\n[]{smuggled}", head(""), 2 + smuggled_len),
            Expect::Rejected,
            NOTHING,
        ),
        socket(
            "an obfuscated Transfer-Encoding",
            format!("{}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n{smuggled}", head("")),
            Expect::Rejected,
            NOTHING,
        ),
        socket(
            "a chunk longer than its size, hiding a second request",
            format!("{}Transfer-Encoding: chunked\r\n\r\n2\r\n[]{smuggled}\r\n0\r\n\r\n", head("")),
            Expect::Rejected,
            NOTHING,
        ),
        socket("a folded header", format!("{}X-A: 1\r\n folded: yes\r\nContent-Length: 2\r\n\r\n[]", head("")), Expect::Rejected, NOTHING),
        socket("a header without a colon", format!("{}NoColonHere\r\nContent-Length: 2\r\n\r\n[]", head("")), Expect::Rejected, NOTHING),
        socket("a NUL in a header", format!("{}X-A: a\0b\r\nContent-Length: 2\r\n\r\n[]", head("")), Expect::Rejected, NOTHING),
        socket("a bare line feed request", "GET /healthz HTTP/1.1\nHost: evil.example\n\n", Expect::Rejected, NOTHING),
        socket("a space before the colon", format!("{}Content-Length : 2\r\n\r\n[]", head("")), Expect::Rejected, NOTHING),
        socket("101 headers", format!("{}{}Content-Length: 2\r\n\r\n[]", head(""), (0..101).map(|i| format!("X-{i}: 1\r\n")).collect::<String>()), Expect::Rejected, NOTHING),
        socket("a 1 MiB header", format!("{}X-Big: {}\r\nContent-Length: 2\r\n\r\n[]", head(""), "a".repeat(1 << 20)), Expect::Rejected, NOTHING),
        socket("an HTTP/2 connection preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".as_bytes().to_vec(), Expect::Rejected, NOTHING),
        socket(
            "an upgrade to cleartext HTTP/2",
            format!("GET /v1/guardduty/us-east-1/detector HTTP/1.1\r\nHost: {HOST}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"),
            unauthorized,
            NOTHING,
        ),
        socket("HTTP/1.0 without a Host", "GET /v1/config HTTP/1.0\r\n\r\n".as_bytes().to_vec(), Expect::Rejected, NOTHING),
        socket("HTTP/0.9", "GET /v1/config\r\n\r\n".as_bytes().to_vec(), Expect::Rejected, NOTHING),
        socket("a CONNECT tunnel", format!("CONNECT guardduty.us-east-1.amazonaws.com:443 HTTP/1.1\r\nHost: {HOST}\r\n\r\n"), Expect::Rejected, NOTHING),
        socket("an asterisk target", format!("OPTIONS * HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"), Expect::Rejected, NOTHING),
        socket("a TLS handshake", vec![0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03], Expect::Rejected, NOTHING),
    ]);
    // Without tokens (`--no-auth` on loopback): nothing another site sends is signed.
    let open = |name: &'static str, raw: Raw, expect: Expect, reaches: Reaches| Case {
        open: true,
        ..case(name, raw.without("Authorization").replace("Host", "127.0.0.1:8080"), expect, reaches)
    };
    let list = "/v1/guardduty/us-east-1/detector";
    cases.extend([
        open("no token: a request with no browser marks (the CLI)", Raw::get(list), OK, Reaches::Requests(1)),
        open(
            "no token: the proxy's own page",
            Raw::get(list).header("Origin", "http://127.0.0.1:8080").header("Sec-Fetch-Site", "same-origin"),
            OK,
            Reaches::Requests(1),
        ),
        open(
            "no token: an allowed origin",
            Raw::get(list).header("Origin", ORIGIN).header("Sec-Fetch-Site", "cross-site"),
            OK,
            Reaches::Requests(1),
        ),
        open("no token: a typed address", Raw::get(list).header("Sec-Fetch-Site", "none"), OK, Reaches::Requests(1)),
        open(
            "no token: a cross-site no-cors GET",
            Raw::get(list).header("Sec-Fetch-Site", "cross-site").header("Sec-Fetch-Mode", "no-cors"),
            cross,
            NOTHING,
        ),
        open(
            "no token: a same-site GET from another port",
            Raw::get(list).header("Sec-Fetch-Site", "same-site"),
            cross,
            NOTHING,
        ),
        open("no token: another origin", Raw::get(list).header("Origin", "http://evil.example"), cross, NOTHING),
        open("no token: an origin of null", Raw::get(list).header("Origin", "null"), cross, NOTHING),
        open(
            "no token: another origin on our host's name",
            Raw::get(list).header("Origin", "http://127.0.0.1:9999"),
            cross,
            NOTHING,
        ),
        open(
            "no token: a cross-site POST",
            Raw::post(&member, &good).header("Origin", "http://evil.example").header("Sec-Fetch-Site", "cross-site"),
            cross,
            NOTHING,
        ),
        open(
            "no token: a cross-site configuration read",
            Raw::get("/v1/config").header("Sec-Fetch-Site", "cross-site"),
            cross,
            NOTHING,
        ),
        open(
            "no token: the UI from another site",
            Raw::get("/").header("Sec-Fetch-Site", "cross-site"),
            cross,
            NOTHING,
        ),
        open(
            "no token: an unknown Sec-Fetch-Site",
            Raw::get(list).header("Sec-Fetch-Site", "sideways"),
            cross,
            NOTHING,
        ),
    ]);
    cases
}

/// A UI folder for the cases that read it.
fn ui_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("enlist-abuse-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Enlist</title>").unwrap();
    dir
}

fn config(emulator: &Emulator, open: bool) -> Config {
    let mut config = Config::emulator(emulator.clone());
    if open {
        config.allow_unauthenticated = true;
        config.allowed_hosts = vec!["127.0.0.1:8080".into()];
    } else {
        config.tokens = vec![TOKEN.into()];
        config.allowed_hosts = vec![HOST.into()];
    }
    config.allowed_origins = vec![ORIGIN.into()];
    config.ui_dir = Some(ui_dir());
    config
}

/// The statuses of what came back on a socket (several if a second request was read).
async fn over_socket(address: std::net::SocketAddr, raw: &[u8]) -> Vec<(u16, String)> {
    let mut stream = TcpStream::connect(address).await.unwrap();
    // The server may close early (a refusal before the body); what it said still counts.
    let _ = stream.write_all(raw).await;
    let mut out = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(3), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buffer[..n]),
        }
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    let mut answers = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("HTTP/1.1 ") {
        let status = rest[at + 9..].get(..3).and_then(|s| s.parse().ok()).unwrap_or(0);
        let next = rest[at + 9..].find("HTTP/1.1 ").map_or(rest.len(), |n| at + 9 + n);
        answers.push((status, rest[at..next].to_owned()));
        rest = &rest[next..];
    }
    answers
}

/// The same bytes as an `http::Request`, for `oneshot`.
fn as_request(raw: &[u8]) -> http::Request<Body> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap().split(' ');
    let (method, target) = (first.next().unwrap(), first.next().unwrap());
    let mut builder = http::Request::builder().method(method).uri(target);
    for line in lines {
        let (name, value) = line.split_once(": ").unwrap_or((line.trim_end_matches(':'), ""));
        builder = builder.header(name, value);
    }
    builder.body(Body::from(body)).unwrap()
}

fn check(name: &str, via: &str, expect: Expect, answers: &[(u16, String)]) {
    match expect {
        Expect::Status(status, kind) => {
            assert_eq!(answers.len(), 1, "{name} ({via}): expected one answer, found {answers:?}");
            let (found, text) = &answers[0];
            assert_eq!(*found, status, "{name} ({via}): {text}");
            if let Some(kind) = kind {
                assert!(text.contains(&format!("\"__type\":\"{kind}\"")), "{name} ({via}): expected {kind}: {text}");
            }
            if status == 100 || text.starts_with("HTTP/1.1 100") {
                panic!("{name} ({via}): told to continue");
            }
        }
        Expect::Rejected => {
            for (status, text) in answers {
                assert!((400..500).contains(status), "{name} ({via}): expected a refusal, found {text}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_hostile_requests_and_their_controls() {
    let cases = cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    assert!(cases.iter().filter(|c| matches!(c.reaches, Reaches::Requests(_))).count() >= 15, "controls");
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let mut addresses = Vec::new();
    for open in [false, true] {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        addresses.push(listener.local_addr().unwrap());
        let app = app(config(&emulator, open));
        tokio::spawn(serve(listener, app, Limits::default(), std::future::pending()));
    }
    let routers = [app(config(&emulator, false)), app(config(&emulator, true))];
    for case in &cases {
        let expected = match case.reaches {
            Reaches::Nothing => 0,
            Reaches::Requests(n) => n,
        };
        let before = emulator.request_count();
        let answers = over_socket(addresses[usize::from(case.open)], &case.raw).await;
        check(case.name, "socket", case.expect, &answers);
        let reached = emulator.request_count() - before;
        // `/v1/config` asks STS once per proxy, then remembers.
        let reached = if case.name == "control: the configuration" { reached.max(1) } else { reached };
        assert_eq!(reached, expected, "{} (socket): requests that reached the service", case.name);
        if case.via == Via::Both {
            let before = emulator.request_count();
            let response = routers[usize::from(case.open)].clone().oneshot(as_request(&case.raw)).await.unwrap();
            let status = response.status().as_u16();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
            let text = format!("HTTP/1.1 {status}\r\n\r\n{}", String::from_utf8_lossy(&bytes));
            check(case.name, "oneshot", case.expect, &[(status, text)]);
            let reached = emulator.request_count() - before;
            let reached = if case.name == "control: the configuration" { reached.max(1) } else { reached };
            assert_eq!(reached, expected, "{} (oneshot): requests that reached the service", case.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_greedy_clients_are_cut_off() {
    let emulator = Emulator::new(enlist_emulator::Config::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let limits = Limits {
        header_timeout: Duration::from_millis(400),
        body_timeout: Duration::from_millis(400),
        max_connections: 2,
    };
    tokio::spawn(serve(listener, app(config(&emulator, false)), limits, std::future::pending()));
    let closed_within = |mut stream: TcpStream, within: Duration| async move {
        let mut buffer = [0u8; 1024];
        let started = std::time::Instant::now();
        let mut answer = Vec::new();
        loop {
            match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
                Err(_) => panic!("the connection stayed open"),
            }
        }
        assert!(started.elapsed() < within, "closed after {:?}", started.elapsed());
        String::from_utf8_lossy(&answer).into_owned()
    };
    // Slowloris: headers that never end.
    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Slow: 1\r\n").as_bytes()).await.unwrap();
    let answer = closed_within(slow, Duration::from_secs(2)).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    // An idle keep-alive connection is closed too.
    let mut idle = TcpStream::connect(address).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n").as_bytes()).await.unwrap();
    let answer = closed_within(idle, Duration::from_secs(2)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // A body that never arrives.
    let mut trickle = TcpStream::connect(address).await.unwrap();
    let body = details(1).to_string();
    trickle
        .write_all(
            format!(
                "POST {} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                member_path(),
                body.len(),
                &body[..10]
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let answer = closed_within(trickle, Duration::from_secs(3)).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    assert_eq!(emulator.request_count(), 0, "nothing half-sent reached the service");
    // Two connections held open: a third waits, and is served once one closes.
    let first = TcpStream::connect(address).await.unwrap();
    let second = TcpStream::connect(address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n");
    let third = tokio::spawn(async move { over_socket(address, request.as_bytes()).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!third.is_finished(), "a third connection was served while two were open");
    drop(first);
    let answers = third.await.unwrap();
    assert_eq!(answers.first().map(|a| a.0), Some(200), "{answers:?}");
    drop(second);
}
