//! Wire codecs for the GuardDuty and Detective member operations: request builders, response
//! parsers, and error decoding as botocore does it (contract: `reference/aws-api.md`).
//!
//! Nothing here signs or sends: a [`Request`] is the operation's method, path, query, headers and
//! body, which the proxy signs and forwards; a [`Response`] is what came back.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::account::{Account, AccountId};
use crate::service::Service;
use crate::target::{DetectorId, GraphArn, Region, Target};

/// The operations Enlist sends, and the only ones the proxy forwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Operation {
    /// `POST /detector/{DetectorId}/member`
    GuardDutyCreateMembers,
    /// `GET /detector`
    GuardDutyListDetectors,
    /// `GET /detector/{DetectorId}/member`
    GuardDutyListMembers,
    /// `POST /graph/members`
    DetectiveCreateMembers,
    /// `POST /graphs/list`
    DetectiveListGraphs,
    /// `POST /graph/members/list`
    DetectiveListMembers,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 6] = [
        Operation::GuardDutyCreateMembers,
        Operation::GuardDutyListDetectors,
        Operation::GuardDutyListMembers,
        Operation::DetectiveCreateMembers,
        Operation::DetectiveListGraphs,
        Operation::DetectiveListMembers,
    ];

    /// The service the operation belongs to.
    pub const fn service(self) -> Service {
        match self {
            Operation::GuardDutyCreateMembers | Operation::GuardDutyListDetectors | Operation::GuardDutyListMembers => {
                Service::GuardDuty
            }
            _ => Service::Detective,
        }
    }

    /// The API name, as in IAM policies: `CreateMembers`, `ListDetectors`, …
    pub const fn name(self) -> &'static str {
        match self {
            Operation::GuardDutyCreateMembers | Operation::DetectiveCreateMembers => "CreateMembers",
            Operation::GuardDutyListDetectors => "ListDetectors",
            Operation::GuardDutyListMembers | Operation::DetectiveListMembers => "ListMembers",
            Operation::DetectiveListGraphs => "ListGraphs",
        }
    }

    /// The HTTP method.
    pub const fn method(self) -> Method {
        match self {
            Operation::GuardDutyListDetectors | Operation::GuardDutyListMembers => Method::Get,
            _ => Method::Post,
        }
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

fn json_headers() -> Vec<(String, String)> {
    vec![("Content-Type".to_owned(), "application/json".to_owned())]
}

fn request(
    operation: Operation,
    region: &Region,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
) -> Request {
    let headers = if body.is_some() { json_headers() } else { Vec::new() };
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

/// `CreateMembers` for `accounts` (a batch) on `target`.
///
/// GuardDuty: `{"accountDetails":[{"accountId","email"}]}`. Detective: `{"GraphArn","Message",
/// "DisableEmailNotification","Accounts":[{"AccountId","EmailAddress"}]}`, without emails in
/// organization mode.
pub fn create_members(target: &Target, accounts: &[Account]) -> Request {
    create_members_for(target, accounts.iter().map(|a| (a.id(), a.email())))
}

/// `CreateMembers` for accounts given as validated IDs and optional emails (what the proxy
/// rebuilds from a request it received).
pub fn create_members_for<'a>(
    target: &Target,
    accounts: impl IntoIterator<Item = (AccountId, Option<&'a str>)>,
) -> Request {
    match target {
        Target::GuardDuty { region, detector_id } => {
            let details: Vec<Value> = accounts
                .into_iter()
                .map(|(id, email)| serde_json::json!({"accountId": id.to_string(), "email": email.unwrap_or("")}))
                .collect();
            request(
                Operation::GuardDutyCreateMembers,
                region,
                format!("/detector/{}/member", percent_encode(detector_id.as_str())),
                Vec::new(),
                Some(serde_json::json!({ "accountDetails": details })),
            )
        }
        Target::Detective { region, graph_arn, options } => {
            let details: Vec<Value> = accounts
                .into_iter()
                .map(|(id, email)| match email.filter(|_| !options.organization_mode) {
                    Some(email) => serde_json::json!({"AccountId": id.to_string(), "EmailAddress": email}),
                    None => serde_json::json!({"AccountId": id.to_string()}),
                })
                .collect();
            let mut body = serde_json::Map::new();
            body.insert("GraphArn".to_owned(), graph_arn.as_str().into());
            if let Some(message) = &options.message {
                body.insert("Message".to_owned(), message.as_str().into());
            }
            body.insert("DisableEmailNotification".to_owned(), options.disable_email_notification.into());
            body.insert("Accounts".to_owned(), details.into());
            request(
                Operation::DetectiveCreateMembers,
                region,
                "/graph/members".to_owned(),
                Vec::new(),
                Some(body.into()),
            )
        }
    }
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
    request(
        Operation::GuardDutyListMembers,
        region,
        format!("/detector/{}/member", percent_encode(detector_id.as_str())),
        query,
        None,
    )
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

/// A GuardDuty or Detective account that CreateMembers did not process, with the service's words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnprocessedAccount {
    /// The account ID as the service returned it.
    #[serde(alias = "accountId", alias = "AccountId")]
    pub account_id: String,
    /// The reason (GuardDuty `result`, Detective `Reason`).
    #[serde(alias = "result", alias = "Reason")]
    pub reason: String,
}

#[derive(Deserialize)]
struct GuardDutyCreateMembersOutput {
    #[serde(rename = "unprocessedAccounts", default)]
    unprocessed_accounts: Vec<UnprocessedAccount>,
}

/// GuardDuty CreateMembers output: the accounts not processed. Accounts not listed were accepted.
pub fn parse_guardduty_create_members(body: &str) -> Result<Vec<UnprocessedAccount>, BodyError> {
    read::<GuardDutyCreateMembersOutput>(Operation::GuardDutyCreateMembers, body).map(|o| o.unprocessed_accounts)
}

/// Detective's view of one member account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MemberDetail {
    /// The member's account ID.
    pub account_id: String,
    /// The email on the invitation.
    #[serde(default)]
    pub email_address: Option<String>,
    /// `INVITED`, `VERIFICATION_IN_PROGRESS`, `VERIFICATION_FAILED`, `ENABLED`, `ACCEPTED_BUT_DISABLED`.
    #[serde(default)]
    pub status: Option<String>,
    /// Why an accepted member is disabled: `VOLUME_TOO_HIGH`, `VOLUME_UNKNOWN`.
    #[serde(default)]
    pub disabled_reason: Option<String>,
    /// `INVITATION` or `ORGANIZATION`.
    #[serde(default)]
    pub invitation_type: Option<String>,
    /// When it was invited (ISO-8601; epoch milliseconds are turned into text as given).
    #[serde(default, deserialize_with = "timestamp")]
    pub invited_time: Option<String>,
    /// When it last changed.
    #[serde(default, deserialize_with = "timestamp")]
    pub updated_time: Option<String>,
}

/// Timestamps arrive as ISO-8601 strings, or in some documents as epoch milliseconds.
fn timestamp<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Detective CreateMembers output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DetectiveCreateMembersOutput {
    /// The accounts Detective took, with their status.
    pub members: Vec<MemberDetail>,
    /// The accounts it did not, with the reason (accounts already invited are here too).
    pub unprocessed_accounts: Vec<UnprocessedAccount>,
}

/// Detective CreateMembers output.
pub fn parse_detective_create_members(body: &str) -> Result<DetectiveCreateMembersOutput, BodyError> {
    read(Operation::DetectiveCreateMembers, body)
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
    #[serde(rename = "detectorIds", default)]
    detector_ids: Vec<String>,
    #[serde(rename = "nextToken", default)]
    next_token: Option<String>,
}

/// GuardDuty ListDetectors output.
pub fn parse_list_detectors(body: &str) -> Result<Page<String>, BodyError> {
    let out: ListDetectorsOutput = read(Operation::GuardDutyListDetectors, body)?;
    Ok(Page { items: out.detector_ids, next_token: out.next_token.filter(|t| !t.is_empty()) })
}

/// A GuardDuty member as ListMembers returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardDutyMember {
    /// The member's account ID.
    pub account_id: String,
    /// The member's email.
    #[serde(default)]
    pub email: Option<String>,
    /// `Created`, `Invited`, `Enabled`, `Disabled`, `Removed`, `Resigned`, `EmailVerificationInProgress`,
    /// `EmailVerificationFailed`.
    #[serde(default)]
    pub relationship_status: Option<String>,
    /// The administrator (`administratorId`, or the older `masterId`).
    #[serde(default, alias = "masterId")]
    pub administrator_id: Option<String>,
}

#[derive(Deserialize)]
struct GuardDutyListMembersOutput {
    #[serde(default)]
    members: Vec<GuardDutyMember>,
    #[serde(rename = "nextToken", default)]
    next_token: Option<String>,
}

/// GuardDuty ListMembers output.
pub fn parse_list_guardduty_members(body: &str) -> Result<Page<GuardDutyMember>, BodyError> {
    let out: GuardDutyListMembersOutput = read(Operation::GuardDutyListMembers, body)?;
    Ok(Page { items: out.members, next_token: out.next_token.filter(|t| !t.is_empty()) })
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
    #[serde(default)]
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
#[serde(rename_all = "PascalCase")]
struct DetectiveListMembersOutput {
    #[serde(default)]
    member_details: Vec<MemberDetail>,
    #[serde(default)]
    next_token: Option<String>,
}

/// Detective ListMembers output.
pub fn parse_list_detective_members(body: &str) -> Result<Page<MemberDetail>, BodyError> {
    let out: DetectiveListMembersOutput = read(Operation::DetectiveListMembers, body)?;
    Ok(Page { items: out.member_details, next_token: out.next_token.filter(|t| !t.is_empty()) })
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
            (400, "ThrottlingException", FailureKind::Throttled),
            (400, "TooManyRequestsException", FailureKind::Throttled),
            (402, "ServiceQuotaExceededException", FailureKind::Quota),
            (403, "AccessDeniedException", FailureKind::Auth),
            (403, "UnrecognizedClientException", FailureKind::Auth),
            (400, "UnrecognizedClientException", FailureKind::Auth),
            (500, "InternalServerErrorException", FailureKind::Transient),
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
    fn parses_outputs() {
        let unprocessed = parse_guardduty_create_members(
            r#"{"unprocessedAccounts":[{"accountId":"111122223333","result":"The account is already a member"}]}"#,
        )
        .unwrap();
        assert_eq!(
            unprocessed,
            [UnprocessedAccount {
                account_id: "111122223333".into(),
                reason: "The account is already a member".into()
            }]
        );
        assert_eq!(parse_guardduty_create_members("").unwrap(), []);
        let out = parse_detective_create_members(
            r#"{"Members":[{"AccountId":"111122223333","EmailAddress":"a@example.com","Status":"VERIFICATION_IN_PROGRESS","InvitedTime":1600000000000,"UpdatedTime":"2020-09-13T12:26:40Z"}],"UnprocessedAccounts":[{"AccountId":"222233334444","Reason":"already invited"}]}"#,
        )
        .unwrap();
        assert_eq!(out.members[0].status.as_deref(), Some("VERIFICATION_IN_PROGRESS"));
        assert_eq!(out.members[0].invited_time.as_deref(), Some("1600000000000"));
        assert_eq!(out.unprocessed_accounts[0].reason, "already invited");
        let page = parse_list_detectors(r#"{"detectorIds":["d1","d2"],"nextToken":""}"#).unwrap();
        assert_eq!((page.items.len(), page.next_token), (2, None));
        let page = parse_list_guardduty_members(r#"{"members":[{"accountId":"1","email":"e","relationshipStatus":"Invited","masterId":"9"}],"nextToken":"n"}"#).unwrap();
        assert_eq!(page.items[0].administrator_id.as_deref(), Some("9"));
        assert_eq!(page.next_token.as_deref(), Some("n"));
        let page = parse_list_graphs(r#"{"GraphList":[{"Arn":"arn","CreatedTime":"2020-01-01T00:00:00Z"}]}"#).unwrap();
        assert_eq!(page.items[0].arn, "arn");
        let error = parse_list_graphs("[1,2]").unwrap_err();
        assert!(error.to_string().starts_with("expected a Detective ListGraphs response body, found "), "{error}");
    }

    #[test]
    fn encodes_path_labels_and_queries() {
        assert_eq!(percent_encode("a b/c~d.e_f-g"), "a%20b%2Fc~d.e_f-g");
        let request = list_detectors(&"us-east-1".parse().unwrap(), Some(50), Some("x y"));
        assert_eq!(request.path_and_query(), "/detector?maxResults=50&nextToken=x%20y");
    }
}
