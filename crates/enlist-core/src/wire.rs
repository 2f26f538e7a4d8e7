//! Wire codecs for the GuardDuty, Detective and Security Hub member operations: request builders, response
//! parsers, and error decoding as botocore does it (contract: `reference/aws-api.md`).
//!
//! Nothing here signs or sends: a [`Request`] is the operation's method, path, query, headers and
//! body, which the proxy signs and forwards; a [`Response`] is what came back.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::account::{Account, AccountId};
use crate::member::MemberStatus;
use crate::service::Service;
use crate::target::{DetectorId, GraphArn, Region, Target};

/// The operations Enlist sends, and the only ones the proxy forwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Operation {
    /// `POST /detector/{DetectorId}/member`
    GuardDutyCreateMembers,
    /// `POST /detector/{DetectorId}/member/get`
    GuardDutyGetMembers,
    /// `POST /detector/{DetectorId}/member/invite`
    GuardDutyInviteMembers,
    /// `POST /detector/{DetectorId}/member/delete` (the proxy allows it only for members whose
    /// email verification failed)
    GuardDutyDeleteMembers,
    /// `GET /detector`
    GuardDutyListDetectors,
    /// `GET /detector/{DetectorId}/member`
    GuardDutyListMembers,
    /// `POST /graph/members`
    DetectiveCreateMembers,
    /// `POST /graph/members/get`
    DetectiveGetMembers,
    /// `POST /graph/members/removal` (the proxy allows it only for members whose email
    /// verification failed)
    DetectiveDeleteMembers,
    /// `POST /graphs/list`
    DetectiveListGraphs,
    /// `POST /graph/members/list`
    DetectiveListMembers,
    /// `POST /members`
    SecurityHubCreateMembers,
    /// `POST /members/get`
    SecurityHubGetMembers,
    /// `POST /members/invite`
    SecurityHubInviteMembers,
    /// `GET /members`
    SecurityHubListMembers,
    /// `GET /accounts` (DescribeHub: whether Security Hub is enabled in the region)
    SecurityHubDescribeHub,
}

impl Operation {
    /// Every operation, in the order of the table above: what the proxy's IAM role must allow.
    pub const ALL: [Operation; 16] = [
        Operation::GuardDutyCreateMembers,
        Operation::GuardDutyGetMembers,
        Operation::GuardDutyInviteMembers,
        Operation::GuardDutyDeleteMembers,
        Operation::GuardDutyListDetectors,
        Operation::GuardDutyListMembers,
        Operation::DetectiveCreateMembers,
        Operation::DetectiveGetMembers,
        Operation::DetectiveDeleteMembers,
        Operation::DetectiveListGraphs,
        Operation::DetectiveListMembers,
        Operation::SecurityHubCreateMembers,
        Operation::SecurityHubGetMembers,
        Operation::SecurityHubInviteMembers,
        Operation::SecurityHubListMembers,
        Operation::SecurityHubDescribeHub,
    ];

    /// The service the operation belongs to.
    pub const fn service(self) -> Service {
        match self {
            Operation::GuardDutyCreateMembers
            | Operation::GuardDutyGetMembers
            | Operation::GuardDutyInviteMembers
            | Operation::GuardDutyDeleteMembers
            | Operation::GuardDutyListDetectors
            | Operation::GuardDutyListMembers => Service::GuardDuty,
            Operation::DetectiveCreateMembers
            | Operation::DetectiveGetMembers
            | Operation::DetectiveDeleteMembers
            | Operation::DetectiveListGraphs
            | Operation::DetectiveListMembers => Service::Detective,
            Operation::SecurityHubCreateMembers
            | Operation::SecurityHubGetMembers
            | Operation::SecurityHubInviteMembers
            | Operation::SecurityHubListMembers
            | Operation::SecurityHubDescribeHub => Service::SecurityHub,
        }
    }

    /// The API name, as in IAM policies: `CreateMembers`, `ListDetectors`, …
    pub const fn name(self) -> &'static str {
        match self {
            Operation::GuardDutyCreateMembers
            | Operation::DetectiveCreateMembers
            | Operation::SecurityHubCreateMembers => "CreateMembers",
            Operation::GuardDutyGetMembers | Operation::DetectiveGetMembers | Operation::SecurityHubGetMembers => {
                "GetMembers"
            }
            Operation::GuardDutyInviteMembers | Operation::SecurityHubInviteMembers => "InviteMembers",
            Operation::GuardDutyDeleteMembers | Operation::DetectiveDeleteMembers => "DeleteMembers",
            Operation::GuardDutyListDetectors => "ListDetectors",
            Operation::GuardDutyListMembers | Operation::DetectiveListMembers | Operation::SecurityHubListMembers => {
                "ListMembers"
            }
            Operation::DetectiveListGraphs => "ListGraphs",
            Operation::SecurityHubDescribeHub => "DescribeHub",
        }
    }

    /// The HTTP method.
    pub const fn method(self) -> Method {
        match self {
            Operation::GuardDutyListDetectors
            | Operation::GuardDutyListMembers
            | Operation::SecurityHubListMembers
            | Operation::SecurityHubDescribeHub => Method::Get,
            _ => Method::Post,
        }
    }

    /// Whether the operation changes what the service holds. Such a request that got no clear
    /// answer may have been applied: the engine reads before it acts again.
    pub const fn changes_members(self) -> bool {
        matches!(
            self,
            Operation::GuardDutyCreateMembers
                | Operation::GuardDutyInviteMembers
                | Operation::GuardDutyDeleteMembers
                | Operation::DetectiveCreateMembers
                | Operation::DetectiveDeleteMembers
                | Operation::SecurityHubCreateMembers
                | Operation::SecurityHubInviteMembers
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.service().display_name(), self.name())
    }
}

/// The HTTP methods the operations use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl Method {
    /// `GET` or `POST`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One unsigned request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// What the request does.
    pub operation: Operation,
    /// The region it goes to.
    pub region: Region,
    /// The HTTP method.
    pub method: Method,
    /// The path, with identifiers percent-encoded.
    pub path: String,
    /// Query parameters, in order, not yet encoded.
    pub query: Vec<(String, String)>,
    /// Headers to send (the signer adds its own).
    pub headers: Vec<(String, String)>,
    /// The JSON body, if the operation has one.
    pub body: Option<String>,
}

impl Request {
    /// The path and the percent-encoded query string, as it goes on the wire.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query: Vec<String> =
            self.query.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
        format!("{}?{}", self.path, query.join("&"))
    }

    /// Where the request goes on an Enlist proxy: `/v1/{service}/{region}` and the AWS path and
    /// query. Every client (the CLI, the browser) sends it there, with the method, `headers` and
    /// `body` as they are.
    pub fn proxy_path(&self) -> String {
        format!("/v1/{}/{}{}", self.operation.service().as_str(), self.region, self.path_and_query())
    }

    /// The accounts this request carries, as the service will see them (for logs and checks).
    pub fn account_count(&self) -> usize {
        let Some(body) = self.body.as_deref() else { return 0 };
        ["accountDetails", "Accounts", "AccountDetails", "accountIds", "AccountIds"]
            .iter()
            .find_map(|key| serde_json::from_str::<Value>(body).ok()?.get(key)?.as_array().map(Vec::len))
            .unwrap_or(0)
    }
}

/// Percent-encodes everything but the unreserved characters `A-Z a-z 0-9 - . _ ~`, as botocore does
/// for path labels and query values.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn request(
    operation: Operation,
    region: &Region,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
) -> Request {
    let headers =
        if body.is_some() { vec![("Content-Type".to_owned(), "application/json".to_owned())] } else { Vec::new() };
    Request {
        operation,
        region: region.clone(),
        method: operation.method(),
        path,
        query,
        headers,
        body: body.map(|b| b.to_string()),
    }
}

fn detector_path(detector_id: &DetectorId, rest: &str) -> String {
    format!("/detector/{}/member{rest}", percent_encode(detector_id.as_str()))
}

fn ids_json(ids: impl IntoIterator<Item = AccountId>) -> Vec<Value> {
    ids.into_iter().map(|id| Value::from(id.to_string())).collect()
}

/// `CreateMembers` for `accounts` (a batch) on `target`.
///
/// GuardDuty: `{"accountDetails":[{"accountId","email"}]}`. Detective: `{"GraphArn","Message",
/// "DisableEmailNotification","Accounts":[{"AccountId","EmailAddress"}]}`, without emails for an
/// organization behavior graph. Security Hub: `{"AccountDetails":[{"AccountId","Email"}]}`, the
/// email left out where the account has none.
pub fn create_members(target: &Target, accounts: &[Account]) -> Request {
    create_members_for(target, accounts.iter().map(|a| (a.id(), a.email())))
}

/// `CreateMembers` for accounts given as validated IDs and optional emails (what the proxy
/// rebuilds from a request it received).
pub fn create_members_for<'a>(
    target: &Target,
    accounts: impl IntoIterator<Item = (AccountId, Option<&'a str>)>,
) -> Request {
    let region = target.region();
    if target.service() == Service::SecurityHub {
        return security_hub_create_members(region, accounts);
    }
    if let Some(detector_id) = target.detector_id() {
        let details: Vec<Value> = accounts
            .into_iter()
            .map(|(id, email)| serde_json::json!({"accountId": id.to_string(), "email": email.unwrap_or("")}))
            .collect();
        return request(
            Operation::GuardDutyCreateMembers,
            region,
            detector_path(detector_id, ""),
            Vec::new(),
            Some(serde_json::json!({ "accountDetails": details })),
        );
    }
    let organization = target.organization_mode();
    let details: Vec<Value> = accounts
        .into_iter()
        .map(|(id, email)| match email.filter(|_| !organization) {
            Some(email) => serde_json::json!({"AccountId": id.to_string(), "EmailAddress": email}),
            None => serde_json::json!({"AccountId": id.to_string()}),
        })
        .collect();
    let mut body = serde_json::Map::new();
    body.insert("GraphArn".to_owned(), target.resource_id().into());
    let invitation = target.invitation();
    if let Some(message) = &invitation.message {
        body.insert("Message".to_owned(), message.as_str().into());
    }
    body.insert("DisableEmailNotification".to_owned(), invitation.disable_email_notification.into());
    body.insert("Accounts".to_owned(), details.into());
    request(Operation::DetectiveCreateMembers, region, "/graph/members".to_owned(), Vec::new(), Some(body.into()))
}

/// `GetMembers` for `ids` (1 to 50) on `target`: what the service holds for each.
pub fn get_members(target: &Target, ids: impl IntoIterator<Item = AccountId>) -> Request {
    if target.service() == Service::SecurityHub {
        return security_hub_get_members(target.region(), ids);
    }
    match target.detector_id() {
        Some(detector_id) => request(
            Operation::GuardDutyGetMembers,
            target.region(),
            detector_path(detector_id, "/get"),
            Vec::new(),
            Some(serde_json::json!({ "accountIds": ids_json(ids) })),
        ),
        None => request(
            Operation::DetectiveGetMembers,
            target.region(),
            "/graph/members/get".to_owned(),
            Vec::new(),
            Some(serde_json::json!({ "GraphArn": target.resource_id(), "AccountIds": ids_json(ids) })),
        ),
    }
}

/// `InviteMembers` for `ids` (1 to 50): GuardDuty's with the target's invitation, Security Hub's
/// `{"AccountIds"}` (it takes no message). `None` for a Detective target: Detective invites as it
/// creates.
pub fn invite_members(target: &Target, ids: impl IntoIterator<Item = AccountId>) -> Option<Request> {
    if target.service() == Service::SecurityHub {
        return Some(security_hub_invite_members(target.region(), ids));
    }
    let detector_id = target.detector_id()?;
    let invitation = target.invitation();
    let mut body = serde_json::Map::new();
    body.insert("accountIds".to_owned(), ids_json(ids).into());
    body.insert("disableEmailNotification".to_owned(), invitation.disable_email_notification.into());
    if let Some(message) = &invitation.message {
        body.insert("message".to_owned(), message.as_str().into());
    }
    Some(request(
        Operation::GuardDutyInviteMembers,
        target.region(),
        detector_path(detector_id, "/invite"),
        Vec::new(),
        Some(body.into()),
    ))
}

/// `DeleteMembers` for `ids` (1 to 50) on `target`: GuardDuty `POST …/member/delete`, Detective
/// `POST /graph/members/removal`. Enlist deletes only members whose email verification failed,
/// to create them again with the right email; `None` for Security Hub, which verifies no email.
pub fn delete_members(target: &Target, ids: impl IntoIterator<Item = AccountId>) -> Option<Request> {
    if !target.service().verifies_email() {
        return None;
    }
    Some(match target.detector_id() {
        Some(detector_id) => request(
            Operation::GuardDutyDeleteMembers,
            target.region(),
            detector_path(detector_id, "/delete"),
            Vec::new(),
            Some(serde_json::json!({ "accountIds": ids_json(ids) })),
        ),
        None => request(
            Operation::DetectiveDeleteMembers,
            target.region(),
            "/graph/members/removal".to_owned(),
            Vec::new(),
            Some(serde_json::json!({ "GraphArn": target.resource_id(), "AccountIds": ids_json(ids) })),
        ),
    })
}

fn page_query(max_results: Option<u32>, next_token: Option<&str>) -> Vec<(String, String)> {
    let mut query = Vec::new();
    if let Some(max) = max_results {
        query.push(("maxResults".to_owned(), max.to_string()));
    }
    if let Some(token) = next_token {
        query.push(("nextToken".to_owned(), token.to_owned()));
    }
    query
}

/// GuardDuty `ListDetectors` (`maxResults` 1–50).
pub fn list_detectors(region: &Region, max_results: Option<u32>, next_token: Option<&str>) -> Request {
    request(
        Operation::GuardDutyListDetectors,
        region,
        "/detector".to_owned(),
        page_query(max_results, next_token),
        None,
    )
}

/// GuardDuty `ListMembers`, invited members included (`onlyAssociated=false`).
pub fn list_guardduty_members(
    region: &Region,
    detector_id: &DetectorId,
    max_results: Option<u32>,
    next_token: Option<&str>,
) -> Request {
    let mut query = page_query(max_results, next_token);
    query.push(("onlyAssociated".to_owned(), "false".to_owned()));
    request(Operation::GuardDutyListMembers, region, detector_path(detector_id, ""), query, None)
}

fn detective_page(max_results: Option<u32>, next_token: Option<&str>, body: &mut serde_json::Map<String, Value>) {
    if let Some(token) = next_token {
        body.insert("NextToken".to_owned(), token.into());
    }
    if let Some(max) = max_results {
        body.insert("MaxResults".to_owned(), max.into());
    }
}

/// Detective `ListGraphs` (`MaxResults` 1–200).
pub fn list_graphs(region: &Region, max_results: Option<u32>, next_token: Option<&str>) -> Request {
    let mut body = serde_json::Map::new();
    detective_page(max_results, next_token, &mut body);
    request(Operation::DetectiveListGraphs, region, "/graphs/list".to_owned(), Vec::new(), Some(body.into()))
}

/// Detective `ListMembers`.
pub fn list_detective_members(
    region: &Region,
    graph_arn: &GraphArn,
    max_results: Option<u32>,
    next_token: Option<&str>,
) -> Request {
    let mut body = serde_json::Map::new();
    body.insert("GraphArn".to_owned(), graph_arn.as_str().into());
    detective_page(max_results, next_token, &mut body);
    request(Operation::DetectiveListMembers, region, "/graph/members/list".to_owned(), Vec::new(), Some(body.into()))
}

/// Security Hub `CreateMembers` in `region` (its operations name no hub: the caller's is meant).
pub fn security_hub_create_members<'a>(
    region: &Region,
    accounts: impl IntoIterator<Item = (AccountId, Option<&'a str>)>,
) -> Request {
    let details: Vec<Value> = accounts
        .into_iter()
        .map(|(id, email)| match email {
            Some(email) => serde_json::json!({"AccountId": id.to_string(), "Email": email}),
            None => serde_json::json!({"AccountId": id.to_string()}),
        })
        .collect();
    request(
        Operation::SecurityHubCreateMembers,
        region,
        "/members".to_owned(),
        Vec::new(),
        Some(serde_json::json!({ "AccountDetails": details })),
    )
}

/// Security Hub `GetMembers` in `region`.
pub fn security_hub_get_members(region: &Region, ids: impl IntoIterator<Item = AccountId>) -> Request {
    request(
        Operation::SecurityHubGetMembers,
        region,
        "/members/get".to_owned(),
        Vec::new(),
        Some(serde_json::json!({ "AccountIds": ids_json(ids) })),
    )
}

/// Security Hub `InviteMembers` in `region`.
pub fn security_hub_invite_members(region: &Region, ids: impl IntoIterator<Item = AccountId>) -> Request {
    request(
        Operation::SecurityHubInviteMembers,
        region,
        "/members/invite".to_owned(),
        Vec::new(),
        Some(serde_json::json!({ "AccountIds": ids_json(ids) })),
    )
}

/// Security Hub `ListMembers` (`MaxResults` 1–50), invited members included (`OnlyAssociated=false`;
/// the service's default is `true`, enabled members only).
pub fn list_security_hub_members(region: &Region, max_results: Option<u32>, next_token: Option<&str>) -> Request {
    let mut query = vec![("OnlyAssociated".to_owned(), "false".to_owned())];
    if let Some(max) = max_results {
        query.push(("MaxResults".to_owned(), max.to_string()));
    }
    if let Some(token) = next_token {
        query.push(("NextToken".to_owned(), token.to_owned()));
    }
    request(Operation::SecurityHubListMembers, region, "/members".to_owned(), query, None)
}

/// Security Hub `DescribeHub` (`GET /accounts`): the hub when Security Hub is enabled in the
/// region, `InvalidAccessException` when it is not.
pub fn describe_hub(region: &Region) -> Request {
    request(Operation::SecurityHubDescribeHub, region, "/accounts".to_owned(), Vec::new(), None)
}

/// An HTTP response as the transport received it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers (names in any case).
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Response {
    /// The first header named `name`, compared without case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `x-amzn-RequestId`, if the service sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.header("x-amzn-requestid")
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// An error response, decoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsError {
    /// HTTP status.
    pub status: u16,
    /// The error code, such as `BadRequestException`.
    pub code: String,
    /// The service's message (may be empty).
    pub message: String,
    /// `x-amzn-RequestId`.
    pub request_id: Option<String>,
    /// `x-amz-retry-after` in milliseconds, when the service asked for a pause.
    pub retry_after_ms: Option<u64>,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {})", self.code, self.status)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// Decodes an error response exactly as botocore's rest-json parser does: the code from
/// `x-amzn-ErrorType`, else the body's `code`/`Code`, else `__type`, else the status; anything
/// after `:` dropped and anything before `#` dropped; the message from `message`/`Message` (and,
/// beyond botocore, `errorMessage`); a body that is not JSON is the message.
pub fn decode_error(response: &Response) -> AwsError {
    let request_id = response.request_id().map(str::to_owned);
    let retry_after_ms = response.header("x-amz-retry-after").and_then(|v| v.trim().parse().ok());
    // A 5xx with an empty or HTML body (a load balancer's page) has no protocol error in it:
    // botocore reports the status and its reason phrase.
    let trimmed = response.body.trim();
    if response.status >= 500 && (trimmed.is_empty() || trimmed.starts_with("<html>")) {
        return AwsError {
            status: response.status,
            code: response.status.to_string(),
            message: reason_phrase(response.status).to_owned(),
            request_id,
            retry_after_ms,
        };
    }
    let body: serde_json::Map<String, Value> = if response.body.trim().is_empty() {
        serde_json::Map::new()
    } else {
        match serde_json::from_str::<Value>(&response.body) {
            Ok(Value::Object(map)) => map,
            Ok(_) => serde_json::Map::new(),
            Err(_) => {
                let mut map = serde_json::Map::new();
                map.insert("message".to_owned(), response.body.clone().into());
                map
            }
        }
    };
    let text = |key: &str| body.get(key).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
    let message = text("message").or_else(|| text("Message")).or_else(|| text("errorMessage")).unwrap_or_default();
    let mut code = text("__type").unwrap_or_else(|| response.status.to_string());
    code = code.split(':').next().unwrap_or("").to_owned();
    if let Some((_, rest)) = code.rsplit_once('#') {
        code = rest.to_owned();
    }
    let explicit =
        response.header("x-amzn-errortype").map(str::to_owned).or_else(|| text("code").or_else(|| text("Code")));
    if let Some(explicit) = explicit {
        let head = explicit.split(':').next().unwrap_or("");
        code = head.rsplit('#').next().unwrap_or(head).to_owned();
    }
    AwsError { status: response.status, code, message, request_id, retry_after_ms }
}

/// The HTTP reason phrases of the 5xx statuses, as Python's `http.client.responses` has them.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "",
    }
}

/// What kind of failure a whole request met, which decides whether it is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FailureKind {
    /// Too many requests: retried after a pause, and the pace slows.
    Throttled,
    /// 5xx, timeouts, dropped connections: retried.
    Transient,
    /// A member quota (Detective's HTTP 402): never retried.
    Quota,
    /// Credentials, signature or permission (401/403), or a region not enabled: never retried.
    Auth,
    /// The request itself is wrong (other 4xx): never retried.
    InvalidRequest,
    /// Anything else: never retried.
    Unknown,
}

impl FailureKind {
    /// Whether a request that failed this way may be tried again.
    pub const fn is_retryable(self) -> bool {
        matches!(self, FailureKind::Throttled | FailureKind::Transient)
    }

    /// A word for tables: `throttled`, `transient`, …
    pub const fn as_str(self) -> &'static str {
        match self {
            FailureKind::Throttled => "throttled",
            FailureKind::Transient => "transient",
            FailureKind::Quota => "quota",
            FailureKind::Auth => "auth",
            FailureKind::InvalidRequest => "invalid-request",
            FailureKind::Unknown => "unknown",
        }
    }
}

/// The throttling codes of the AWS SDKs' standard retry mode.
pub const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
];

const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalServerErrorException",
    "InternalServerException",
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
];

const AUTH_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "MissingAuthenticationToken",
    "UnauthorizedOperation",
    "AuthFailure",
];

/// Classifies a decoded error (see `reference/aws-api.md`): throttling codes and 429 first, then
/// quota (402), credentials and permissions (401/403), transient 5xx, other 4xx.
pub fn classify(error: &AwsError) -> FailureKind {
    let code = error.code.as_str();
    if error.status == 429 || THROTTLING_CODES.contains(&code) {
        FailureKind::Throttled
    } else if error.status == 402 || code == "ServiceQuotaExceededException" {
        FailureKind::Quota
    } else if matches!(error.status, 401 | 403) || AUTH_CODES.contains(&code) {
        FailureKind::Auth
    } else if matches!(error.status, 500 | 502 | 503 | 504) || TRANSIENT_CODES.contains(&code) {
        FailureKind::Transient
    } else if (400..500).contains(&error.status) {
        FailureKind::InvalidRequest
    } else {
        FailureKind::Unknown
    }
}

/// Why a body could not be read as the operation's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyError {
    /// The operation whose output was expected.
    pub operation: Operation,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected a {} response body, found {}", self.operation, self.message)
    }
}

impl std::error::Error for BodyError {}

fn read<T: for<'de> Deserialize<'de>>(operation: Operation, body: &str) -> Result<T, BodyError> {
    let body = if body.trim().is_empty() { "{}" } else { body };
    serde_json::from_str(body).map_err(|e| BodyError { operation, message: e.to_string() })
}

/// A list that a service may also send as `null`.
fn list<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// A string a service may also send as `null`.
fn text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// An account a member operation did not process, with the service's words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnprocessedAccount {
    /// The account ID as the service returned it.
    #[serde(alias = "accountId", alias = "AccountId", default, deserialize_with = "text")]
    pub account_id: String,
    /// The reason (GuardDuty `result`, Detective `Reason`, Security Hub `ProcessingResult`); the
    /// models make both optional, so a missing or `null` one is empty.
    #[serde(alias = "result", alias = "Reason", alias = "ProcessingResult", default, deserialize_with = "text")]
    pub reason: String,
}

/// A member as GetMembers, ListMembers or Detective's CreateMembers describe it, in either
/// service's casing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The member's account ID as the service returned it.
    pub account_id: String,
    /// The email the service holds for it.
    pub email: Option<String>,
    /// The relationship status.
    pub status: MemberStatus,
    /// The administrator account.
    pub administrator_id: Option<String>,
    /// Detective's `InvitationType`: `INVITATION` or `ORGANIZATION`.
    pub invitation_type: Option<String>,
    /// When it was last updated (ISO-8601; epoch milliseconds are kept as given).
    pub updated_at: Option<String>,
}

#[derive(Deserialize)]
struct RawMember {
    #[serde(rename = "accountId", alias = "AccountId")]
    account_id: String,
    #[serde(rename = "email", alias = "EmailAddress", alias = "Email", default)]
    email: Option<String>,
    #[serde(rename = "relationshipStatus", alias = "Status", alias = "MemberStatus", default)]
    status: Option<String>,
    #[serde(rename = "DisabledReason", default)]
    disabled_reason: Option<String>,
    #[serde(rename = "administratorId", alias = "AdministratorId", default)]
    administrator_id: Option<String>,
    // The deprecated name, sent beside the new one: a separate field, or serde would see a
    // duplicate.
    #[serde(rename = "masterId", alias = "MasterId", default)]
    master_id: Option<String>,
    #[serde(rename = "InvitationType", default)]
    invitation_type: Option<String>,
    #[serde(rename = "updatedAt", alias = "UpdatedTime", alias = "UpdatedAt", default, deserialize_with = "timestamp")]
    updated_at: Option<String>,
}

impl From<RawMember> for Member {
    fn from(raw: RawMember) -> Member {
        Member {
            status: MemberStatus::from_wire(raw.status.as_deref().unwrap_or(""), raw.disabled_reason.as_deref()),
            account_id: raw.account_id,
            email: raw.email,
            administrator_id: raw.administrator_id.or(raw.master_id),
            invitation_type: raw.invitation_type,
            updated_at: raw.updated_at,
        }
    }
}

/// Timestamps arrive as ISO-8601 strings, or in some documents as epoch milliseconds.
fn timestamp<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// What a member operation answered: the members it described, the accounts it did not process,
/// and the next page of a listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MembersAnswer {
    /// Members with their status (GetMembers, ListMembers, Detective CreateMembers).
    pub members: Vec<Member>,
    /// Accounts not processed, with the service's words. For GetMembers, accounts that are not
    /// members.
    pub unprocessed: Vec<UnprocessedAccount>,
    /// The token of the next page (ListMembers).
    pub next_token: Option<String>,
}

#[derive(Deserialize)]
struct RawAnswer {
    #[serde(rename = "members", alias = "Members", alias = "MemberDetails", default, deserialize_with = "list")]
    members: Vec<RawMember>,
    #[serde(rename = "unprocessedAccounts", alias = "UnprocessedAccounts", default, deserialize_with = "list")]
    unprocessed: Vec<UnprocessedAccount>,
    #[serde(rename = "nextToken", alias = "NextToken", default)]
    next_token: Option<String>,
}

/// Reads the answer of any member operation (CreateMembers, GetMembers, InviteMembers,
/// DeleteMembers, ListMembers) of any service.
pub fn parse_members(operation: Operation, body: &str) -> Result<MembersAnswer, BodyError> {
    let raw: RawAnswer = read(operation, body)?;
    Ok(MembersAnswer {
        members: raw.members.into_iter().map(Member::from).collect(),
        unprocessed: raw.unprocessed,
        next_token: raw.next_token.filter(|t| !t.is_empty()),
    })
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The token for the next page, if there is one.
    pub next_token: Option<String>,
}

#[derive(Deserialize)]
struct ListDetectorsOutput {
    #[serde(rename = "detectorIds", default, deserialize_with = "list")]
    detector_ids: Vec<String>,
    #[serde(rename = "nextToken", default)]
    next_token: Option<String>,
}

/// GuardDuty ListDetectors output.
pub fn parse_list_detectors(body: &str) -> Result<Page<String>, BodyError> {
    let out: ListDetectorsOutput = read(Operation::GuardDutyListDetectors, body)?;
    Ok(Page { items: out.detector_ids, next_token: out.next_token.filter(|t| !t.is_empty()) })
}

/// A behavior graph as ListGraphs returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Graph {
    /// The graph ARN.
    pub arn: String,
    /// When it was created.
    #[serde(default, deserialize_with = "timestamp")]
    pub created_time: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListGraphsOutput {
    #[serde(default, deserialize_with = "list")]
    graph_list: Vec<Graph>,
    #[serde(default)]
    next_token: Option<String>,
}

/// Detective ListGraphs output.
pub fn parse_list_graphs(body: &str) -> Result<Page<Graph>, BodyError> {
    let out: ListGraphsOutput = read(Operation::DetectiveListGraphs, body)?;
    Ok(Page { items: out.graph_list, next_token: out.next_token.filter(|t| !t.is_empty()) })
}

#[derive(Deserialize)]
struct DescribeHubOutput {
    #[serde(rename = "HubArn", default)]
    hub_arn: Option<String>,
}

/// Security Hub DescribeHub output: the hub's ARN (`None` if the answer has none).
pub fn parse_describe_hub(body: &str) -> Result<Option<String>, BodyError> {
    let out: DescribeHubOutput = read(Operation::SecurityHubDescribeHub, body)?;
    Ok(out.hub_arn.filter(|arn| !arn.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: u16, code: &str) -> AwsError {
        AwsError { status, code: code.to_owned(), message: String::new(), request_id: None, retry_after_ms: None }
    }

    #[test]
    fn classifies_failures() {
        let cases = [
            (429, "429", FailureKind::Throttled),
            (429, "LimitExceededException", FailureKind::Throttled),
            (401, "InvalidAccessException", FailureKind::Auth),
            (400, "ThrottlingException", FailureKind::Throttled),
            (400, "TooManyRequestsException", FailureKind::Throttled),
            (402, "ServiceQuotaExceededException", FailureKind::Quota),
            (403, "AccessDeniedException", FailureKind::Auth),
            (403, "UnrecognizedClientException", FailureKind::Auth),
            (400, "UnrecognizedClientException", FailureKind::Auth),
            (500, "InternalServerErrorException", FailureKind::Transient),
            (502, "EnlistProxy.UpstreamUnavailable", FailureKind::Transient),
            (503, "503", FailureKind::Transient),
            (408, "RequestTimeoutException", FailureKind::Transient),
            (400, "BadRequestException", FailureKind::InvalidRequest),
            (404, "ResourceNotFoundException", FailureKind::InvalidRequest),
            (301, "301", FailureKind::Unknown),
        ];
        for (status, code, kind) in cases {
            assert_eq!(classify(&error(status, code)), kind, "{status} {code}");
        }
        assert!(FailureKind::Throttled.is_retryable() && FailureKind::Transient.is_retryable());
        for kind in [FailureKind::Quota, FailureKind::Auth, FailureKind::InvalidRequest, FailureKind::Unknown] {
            assert!(!kind.is_retryable(), "{kind:?}");
        }
    }

    #[test]
    fn reads_retry_after_and_request_id() {
        let response = Response {
            status: 400,
            headers: vec![("X-Amz-Retry-After".into(), "1500".into()), ("X-Amzn-RequestId".into(), "r1".into())],
            body: r#"{"__type":"ThrottlingException","message":"slow down"}"#.into(),
        };
        let error = decode_error(&response);
        assert_eq!((error.retry_after_ms, error.request_id.as_deref()), (Some(1500), Some("r1")));
        assert_eq!(error.to_string(), "ThrottlingException (HTTP 400): slow down");
    }

    #[test]
    fn reads_every_member_answer_in_both_casings() {
        let guardduty = parse_members(
            Operation::GuardDutyGetMembers,
            r#"{"members":[{"accountId":"111122223333","email":"a@example.com","relationshipStatus":"Invited","masterId":"9","administratorId":"9","updatedAt":"2024-01-01T00:00:00Z"}],"unprocessedAccounts":[{"accountId":"222233334444","result":"not a member"}]}"#,
        )
        .unwrap();
        let member = &guardduty.members[0];
        assert_eq!((member.status.clone(), member.administrator_id.as_deref()), (MemberStatus::Invited, Some("9")));
        assert_eq!(guardduty.unprocessed[0].reason, "not a member");
        let detective = parse_members(
            Operation::DetectiveGetMembers,
            r#"{"MemberDetails":[{"AccountId":"111122223333","EmailAddress":"a@example.com","Status":"ACCEPTED_BUT_DISABLED","DisabledReason":"VOLUME_TOO_HIGH","MasterId":"9","AdministratorId":"9","InvitationType":"INVITATION","UpdatedTime":1600000000000}],"UnprocessedAccounts":null}"#,
        )
        .unwrap();
        assert_eq!(detective.members[0].status, MemberStatus::AcceptedButDisabled(Some("VOLUME_TOO_HIGH".into())));
        assert_eq!(detective.members[0].updated_at.as_deref(), Some("1600000000000"));
        assert!(detective.unprocessed.is_empty());
        let created = parse_members(
            Operation::DetectiveCreateMembers,
            r#"{"Members":[{"AccountId":"1","Status":"VERIFICATION_IN_PROGRESS"}],"UnprocessedAccounts":[{"AccountId":"2","Reason":"already invited"}]}"#,
        )
        .unwrap();
        assert_eq!(created.members[0].status, MemberStatus::VerifyingEmail);
        assert_eq!(parse_members(Operation::GuardDutyCreateMembers, "").unwrap(), MembersAnswer::default());
        let deleted =
            parse_members(Operation::DetectiveDeleteMembers, r#"{"AccountIds":["1"],"UnprocessedAccounts":[]}"#);
        assert!(deleted.is_ok());
        let error = parse_members(Operation::GuardDutyGetMembers, "[1,2]").unwrap_err();
        assert!(error.to_string().starts_with("expected a GuardDuty GetMembers response body, found "), "{error}");
    }

    #[test]
    fn reads_listings() {
        let page = parse_list_detectors(r#"{"detectorIds":["d1","d2"],"nextToken":""}"#).unwrap();
        assert_eq!((page.items.len(), page.next_token), (2, None));
        let page =
            parse_list_graphs(r#"{"GraphList":[{"Arn":"arn","CreatedTime":"2020-01-01T00:00:00Z"}],"NextToken":"n"}"#)
                .unwrap();
        assert_eq!((page.items[0].arn.as_str(), page.next_token.as_deref()), ("arn", Some("n")));
        let page = parse_members(Operation::DetectiveListMembers, r#"{"MemberDetails":[],"NextToken":"2"}"#).unwrap();
        assert_eq!(page.next_token.as_deref(), Some("2"));
    }

    #[test]
    fn builds_the_lifecycle_requests() {
        let region: Region = "eu-west-1".parse().unwrap();
        let invitation = crate::Invitation::new(Some("hello"), true);
        let guardduty = Target::guardduty(region.clone(), "d-1".parse().unwrap(), invitation.clone()).unwrap();
        let id: AccountId = "111122223333".parse().unwrap();
        let invite = invite_members(&guardduty, [id]).unwrap();
        assert_eq!(invite.path, "/detector/d-1/member/invite");
        assert_eq!(
            invite.body.as_deref(),
            Some(r#"{"accountIds":["111122223333"],"disableEmailNotification":true,"message":"hello"}"#)
        );
        assert_eq!(get_members(&guardduty, [id]).path, "/detector/d-1/member/get");
        assert_eq!(delete_members(&guardduty, [id]).unwrap().path, "/detector/d-1/member/delete");
        assert_eq!(get_members(&guardduty, [id]).proxy_path(), "/v1/guardduty/eu-west-1/detector/d-1/member/get");
        let arn = "arn:aws:detective:eu-west-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899";
        let detective = Target::detective(region, arn.parse().unwrap(), invitation, false).unwrap();
        assert!(invite_members(&detective, [id]).is_none(), "Detective invites as it creates");
        let removal = delete_members(&detective, [id]).unwrap();
        assert_eq!((removal.path.as_str(), removal.account_count()), ("/graph/members/removal", 1));
        assert_eq!(Operation::ALL.iter().filter(|o| o.changes_members()).count(), 7);
    }

    #[test]
    fn builds_security_hub_requests() {
        let region: Region = "eu-west-1".parse().unwrap();
        let hub = Target::security_hub(
            region.clone(),
            "arn:aws:securityhub:eu-west-1:111122223333:hub/default".parse().unwrap(),
        )
        .unwrap();
        let with: AccountId = "222233334444".parse().unwrap();
        let without: AccountId = "333344445555".parse().unwrap();
        let create = create_members_for(&hub, [(with, Some("ops@example.com")), (without, None)]);
        assert_eq!((create.method, create.path.as_str()), (Method::Post, "/members"));
        assert_eq!(
            create.body.as_deref(),
            Some(
                r#"{"AccountDetails":[{"AccountId":"222233334444","Email":"ops@example.com"},{"AccountId":"333344445555"}]}"#
            )
        );
        assert_eq!(create.account_count(), 2);
        let invite = invite_members(&hub, [with]).unwrap();
        assert_eq!(
            (invite.path.as_str(), invite.body.as_deref()),
            ("/members/invite", Some(r#"{"AccountIds":["222233334444"]}"#))
        );
        assert_eq!(get_members(&hub, [with]).proxy_path(), "/v1/securityhub/eu-west-1/members/get");
        assert!(delete_members(&hub, [with]).is_none(), "Security Hub verifies no email: nothing to repair");
        let list = list_security_hub_members(&region, Some(50), Some("t 1"));
        assert_eq!(list.path_and_query(), "/members?OnlyAssociated=false&MaxResults=50&NextToken=t%201");
        assert_eq!((describe_hub(&region).method, describe_hub(&region).path.as_str()), (Method::Get, "/accounts"));
        let answer = parse_members(
            Operation::SecurityHubGetMembers,
            r#"{"Members":[{"AccountId":"222233334444","Email":"ops@example.com","MasterId":"111122223333","AdministratorId":"111122223333","MemberStatus":"Invited","InvitedAt":"2024-01-01T00:00:00Z","UpdatedAt":"2024-01-02T00:00:00Z"}],"UnprocessedAccounts":[{"AccountId":"333344445555","ProcessingResult":"Account is not a member"}]}"#,
        )
        .unwrap();
        assert_eq!(answer.members[0].status, MemberStatus::Invited);
        assert_eq!(answer.members[0].email.as_deref(), Some("ops@example.com"));
        assert_eq!(answer.members[0].updated_at.as_deref(), Some("2024-01-02T00:00:00Z"));
        assert_eq!(answer.unprocessed[0].reason, "Account is not a member");
        let sparse = parse_members(
            Operation::SecurityHubCreateMembers,
            r#"{"UnprocessedAccounts":[{"AccountId":"333344445555"},{"AccountId":"444455556666","ProcessingResult":null}]}"#,
        )
        .unwrap();
        assert_eq!(sparse.unprocessed.iter().map(|u| u.reason.as_str()).collect::<Vec<_>>(), ["", ""]);
        assert_eq!(
            parse_describe_hub(
                r#"{"HubArn":"arn:aws:securityhub:eu-west-1:111122223333:hub/default","SubscribedAt":"2024-01-01T00:00:00.000Z"}"#
            ),
            Ok(Some("arn:aws:securityhub:eu-west-1:111122223333:hub/default".to_owned()))
        );
    }

    #[test]
    fn encodes_path_labels_and_queries() {
        assert_eq!(percent_encode("a b/c~d.e_f-g"), "a%20b%2Fc~d.e_f-g");
        let request = list_detectors(&"us-east-1".parse().unwrap(), Some(50), Some("x y"));
        assert_eq!(request.path_and_query(), "/detector?maxResults=50&nextToken=x%20y");
    }
}
