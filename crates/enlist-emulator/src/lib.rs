//! An in-memory GuardDuty, Detective and Security Hub, wire-faithful enough for the AWS CLI and
//! boto3: the member operations with real semantics and wording, SigV4 verification, regions that
//! are not enabled (and Security Hub hubs that are not), Detective's asynchronous email
//! verification, invitations that accounts accept, quotas, and fault injection (a rate limit per
//! service and region answering throttling errors, 5xx, latency, dropped connections), all seeded.
//!
//! The service and region come from the request's SigV4 credential scope, as for any endpoint
//! override, so one listener serves every region of the three services. `POST /_emulator/faults`
//! sets the faults and `GET /_emulator/state` lists the members; the proxy never forwards those
//! paths.

// Handlers return the refusal itself as the error: an axum `Response` is large, and that is fine.
#![allow(clippy::result_large_err)]

mod detective;
mod guardduty;
mod securityhub;
mod sigv4;
mod time;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use enlist_core::AccountId;
use serde::{Deserialize, Serialize};

/// The access key the emulator accepts by default (never a real AWS key).
pub const ACCESS_KEY: &str = "AKIDENLISTEMULATOR01";
/// Its secret.
pub const SECRET_KEY: &str = "enlist/emulator/secret/not/a/real/aws/key";
/// The administrator account the emulator plays by default.
pub const ADMIN_ACCOUNT: &str = "111122223333";

/// Faults to inject, per emulator.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Faults {
    /// Requests per second per service and region before answering throttling errors; 0: none.
    pub rate_per_region: f64,
    /// Share of requests answered with a throttling error anyway (0–1).
    pub throttle_rate: f64,
    /// Share of requests answered with HTTP 500 (0–1).
    pub error_rate: f64,
    /// Share of connections dropped after the work is done (0–1).
    pub drop_rate: f64,
    /// Added latency per request, in milliseconds.
    pub latency_ms: u64,
    /// Seed for the random faults.
    pub seed: u64,
}

/// How the emulator starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Config {
    /// The administrator account (owner of every detector and graph).
    pub admin_account: String,
    /// Access key → secret of the callers it accepts.
    pub credentials: Vec<(String, String)>,
    /// Regions that answer as not enabled (opt-in regions nobody turned on).
    pub disabled_regions: Vec<String>,
    /// How long email verification takes (Detective after CreateMembers, GuardDuty after
    /// InviteMembers; Security Hub verifies none).
    pub verification_delay_ms: u64,
    /// Emails whose verification fails (not the account's root email).
    pub failing_emails: Vec<String>,
    /// Accounts that are members of another administrator already.
    pub foreign_members: Vec<String>,
    /// The administrator is the organization's delegated GuardDuty and Security Hub administrator:
    /// a detector takes up to 50,000 members instead of 1,000 invited ones, and both services
    /// enable organization accounts as they are created, without an invitation (and Security
    /// Hub's quota of 1,000 invited members leaves them out).
    pub organization: bool,
    /// The organization's accounts, when `organization` is set; empty means every account is in
    /// the organization.
    pub organization_accounts: Vec<String>,
    /// Share of invited accounts that accept (0–1), chosen per account (the same accounts every
    /// time); they become enabled `acceptance_delay_ms` after their invitation.
    pub acceptance_rate: f64,
    /// How long an account that accepts takes.
    pub acceptance_delay_ms: u64,
    /// Members a behavior graph takes before Detective answers 402 (1,200, as AWS documents;
    /// benchmarks raise it).
    pub detective_quota: usize,
    /// Regions where the administrator has not enabled Security Hub: every Security Hub operation
    /// there answers 401 `InvalidAccessException` (not subscribed).
    pub security_hub_disabled_regions: Vec<String>,
    /// Faults to inject.
    pub faults: Faults,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            admin_account: ADMIN_ACCOUNT.to_owned(),
            credentials: vec![(ACCESS_KEY.to_owned(), SECRET_KEY.to_owned())],
            disabled_regions: vec!["af-south-1".to_owned(), "me-south-1".to_owned(), "ap-east-1".to_owned()],
            verification_delay_ms: 5_000,
            failing_emails: Vec::new(),
            foreign_members: Vec::new(),
            organization: false,
            organization_accounts: Vec::new(),
            acceptance_rate: 0.0,
            acceptance_delay_ms: 30_000,
            detective_quota: 1_200,
            security_hub_disabled_regions: Vec::new(),
            faults: Faults::default(),
        }
    }
}

/// A member as the emulator keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The account ID.
    pub account_id: String,
    /// The email, if one was given.
    pub email: Option<String>,
    /// GuardDuty `relationshipStatus`, Detective `Status` or Security Hub `MemberStatus` when it
    /// was last written.
    pub status: String,
    /// When it was created.
    #[serde(skip)]
    pub created: SystemTime,
    /// When email verification completes (or completed), once it started; for Security Hub,
    /// which verifies no email, when the account was invited.
    #[serde(skip)]
    pub verified_at: Option<SystemTime>,
}

impl Config {
    /// Whether GuardDuty enables `account` at creation: an account of the organization whose
    /// delegated administrator this is.
    pub(crate) fn in_organization(&self, account: &str) -> bool {
        self.organization
            && (self.organization_accounts.is_empty() || self.organization_accounts.iter().any(|a| a == account))
    }

    fn fails(&self, email: Option<&String>) -> bool {
        email.is_some_and(|e| self.failing_emails.iter().any(|f| f.eq_ignore_ascii_case(e)))
    }

    /// Whether `account` accepts its invitation (the same answer every time for an account).
    fn accepts(&self, account: &str) -> bool {
        let hash =
            account.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        (hash % 1_000) as f64 / 1_000.0 < self.acceptance_rate
    }
}

/// A member with its status as of `now`: verification completes after the configured delay, and
/// accounts that accept become enabled after theirs, counted from `verified_at` (for Security Hub,
/// the invitation itself). Any of the three services' spellings: GuardDuty and Security Hub share
/// `Invited` → `Enabled`, and only GuardDuty passes through `EmailVerificationInProgress` first.
pub(crate) fn current(member: &Member, now: SystemTime, config: &Config) -> Member {
    let mut member = member.clone();
    let Some(verified_at) = member.verified_at else { return member };
    if now < verified_at {
        return member;
    }
    let fails = config.fails(member.email.as_ref());
    member.status = match member.status.as_str() {
        "VERIFICATION_IN_PROGRESS" if fails => "VERIFICATION_FAILED",
        "VERIFICATION_IN_PROGRESS" => "INVITED",
        "EmailVerificationInProgress" if fails => "EmailVerificationFailed",
        "EmailVerificationInProgress" => "Invited",
        other => other,
    }
    .to_owned();
    let accepted =
        now >= verified_at + Duration::from_millis(config.acceptance_delay_ms) && config.accepts(&member.account_id);
    if accepted {
        member.status = match member.status.as_str() {
            "INVITED" => "ENABLED",
            "Invited" => "Enabled",
            other => other,
        }
        .to_owned();
    }
    member
}

#[derive(Debug)]
struct Inner {
    config: Config,
    /// `(region, detector id)` → members.
    guardduty: BTreeMap<(String, String), BTreeMap<String, Member>>,
    /// graph ARN → members.
    detective: BTreeMap<String, BTreeMap<String, Member>>,
    /// region → members of the administrator's hub.
    securityhub: BTreeMap<String, BTreeMap<String, Member>>,
    /// Token buckets per `service region`.
    buckets: HashMap<String, (f64, SystemTime)>,
    rng: u64,
    requests: u64,
    clock_offset: Duration,
}

/// A running emulator: clone it freely; every clone shares the state.
#[derive(Clone, Debug)]
pub struct Emulator {
    inner: Arc<Mutex<Inner>>,
}

impl Emulator {
    /// An emulator with `config`.
    pub fn new(config: Config) -> Emulator {
        let rng = config.faults.seed;
        Emulator {
            inner: Arc::new(Mutex::new(Inner {
                config,
                guardduty: BTreeMap::new(),
                detective: BTreeMap::new(),
                securityhub: BTreeMap::new(),
                buckets: HashMap::new(),
                rng,
                requests: 0,
                clock_offset: Duration::ZERO,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The detector ID of the administrator in `region` (the same in every region, like a real
    /// one that was created by the same automation).
    pub fn detector_id(&self) -> String {
        detector_id(&self.lock().config.admin_account)
    }

    /// The behavior graph ARN of the administrator in `region`.
    pub fn graph_arn(&self, region: &str) -> String {
        graph_arn(&self.lock().config.admin_account, region)
    }

    /// GuardDuty members of the administrator's detector in `region`.
    pub fn guardduty_members(&self, region: &str) -> Vec<Member> {
        let inner = self.lock();
        let now = inner.now();
        let key = (region.to_owned(), detector_id(&inner.config.admin_account));
        inner
            .guardduty
            .get(&key)
            .map(|m| m.values().map(|member| current(member, now, &inner.config)).collect())
            .unwrap_or_default()
    }

    /// Detective members of the administrator's graph in `region`, with their current status.
    pub fn detective_members(&self, region: &str) -> Vec<Member> {
        let inner = self.lock();
        let now = inner.now();
        let arn = graph_arn(&inner.config.admin_account, region);
        inner
            .detective
            .get(&arn)
            .map(|m| m.values().map(|member| current(member, now, &inner.config)).collect())
            .unwrap_or_default()
    }

    /// The Security Hub hub ARN of the administrator in `region`.
    pub fn hub_arn(&self, region: &str) -> String {
        hub_arn(&self.lock().config.admin_account, region)
    }

    /// Security Hub members of the administrator's hub in `region`, with their current status.
    pub fn securityhub_members(&self, region: &str) -> Vec<Member> {
        let inner = self.lock();
        let now = inner.now();
        inner
            .securityhub
            .get(region)
            .map(|m| m.values().map(|member| current(member, now, &inner.config)).collect())
            .unwrap_or_default()
    }

    /// Replaces the faults.
    pub fn set_faults(&self, faults: Faults) {
        let mut inner = self.lock();
        inner.rng = faults.seed;
        inner.config.faults = faults;
    }

    /// Moves the emulator's clock forward (tests of verification delays and signature expiry).
    pub fn advance_clock(&self, by: Duration) {
        self.lock().clock_offset += by;
    }

    /// Requests handled so far.
    pub fn request_count(&self) -> u64 {
        self.lock().requests
    }
}

impl Inner {
    fn now(&self) -> SystemTime {
        // The emulator is a test double: its clock is the system clock plus an offset tests move.
        #[allow(clippy::disallowed_methods)]
        let now = SystemTime::now();
        now + self.clock_offset
    }

    fn roll(&mut self) -> f64 {
        self.rng = self.rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The 32-hex-digit detector ID the emulator gives an administrator.
fn detector_id(admin: &str) -> String {
    format!("{:0>32}", format!("e1157{admin}"))
}

fn graph_arn(admin: &str, region: &str) -> String {
    format!("arn:aws:detective:{region}:{admin}:graph:{:0>32}", format!("e1157{admin}"))
}

fn hub_arn(admin: &str, region: &str) -> String {
    format!("arn:aws:securityhub:{region}:{admin}:hub/default")
}

/// The router: every AWS path, plus the control endpoints.
pub fn app(emulator: Emulator) -> Router {
    Router::new()
        .route("/_emulator/faults", post(set_faults))
        .route("/_emulator/state", get(state))
        .fallback(handle)
        .with_state(emulator)
}

async fn set_faults(State(emulator): State<Emulator>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(faults) => {
            emulator.set_faults(faults);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, format!("expected faults as JSON, found: {e}")).into_response(),
    }
}

async fn state(State(emulator): State<Emulator>) -> Response {
    let regions: Vec<String> = {
        let inner = emulator.lock();
        let mut regions: Vec<String> = inner.guardduty.keys().map(|(r, _)| r.clone()).collect();
        regions.extend(inner.detective.keys().filter_map(|arn| arn.split(':').nth(3).map(str::to_owned)));
        regions.extend(inner.securityhub.keys().cloned());
        regions.sort();
        regions.dedup();
        regions
    };
    let body: BTreeMap<String, serde_json::Value> = regions
        .iter()
        .map(|r| {
            let members = serde_json::json!({
                "guardduty": emulator.guardduty_members(r),
                "detective": emulator.detective_members(r),
                "securityhub": emulator.securityhub_members(r),
            });
            (r.clone(), members)
        })
        .collect();
    axum::Json(body).into_response()
}

/// STS GetCallerIdentity, the only STS action the emulator knows: the administrator's account, as
/// STS's query protocol answers (XML).
fn caller_identity(admin: &str, access_key: &str, method: &Method, path: &str, body: &[u8]) -> Response {
    let form = String::from_utf8_lossy(body);
    let mut fields = form.split('&');
    let asks = *method == Method::POST && path == "/" && fields.any(|f| f == "Action=GetCallerIdentity");
    if !asks {
        let mut response = (
            StatusCode::BAD_REQUEST,
            "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>the emulator's STS knows GetCallerIdentity only</Message></Error></ErrorResponse>",
        )
            .into_response();
        response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/xml"));
        return response;
    }
    let xml = format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::{admin}:user/enlist-emulator</Arn><UserId>{access_key}</UserId><Account>{admin}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
        request_id()
    );
    let mut response = (StatusCode::OK, xml).into_response();
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/xml"));
    response
}

/// An AWS-shaped error: status, `x-amzn-ErrorType`, and the body each service uses.
pub(crate) fn aws_error(status: StatusCode, kind: &str, message: &str, service: &str) -> Response {
    let body = match service {
        "detective" => serde_json::json!({"Message": message}),
        "securityhub" => serde_json::json!({"Message": message, "Code": kind}),
        _ => serde_json::json!({"message": message, "__type": kind}),
    };
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = kind.parse() {
        headers.insert("x-amzn-ErrorType", value);
    }
    headers.insert("x-amzn-RequestId", request_id().parse().unwrap_or_else(|_| http::HeaderValue::from_static("0")));
    response
}

pub(crate) fn ok(body: serde_json::Value) -> Response {
    let mut response = axum::Json(body).into_response();
    response
        .headers_mut()
        .insert("x-amzn-RequestId", request_id().parse().unwrap_or_else(|_| http::HeaderValue::from_static("0")));
    response
}

fn request_id() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("e1157000-0000-4000-8000-{n:012x}")
}

async fn handle(
    State(emulator): State<Emulator>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (scope, signed, signature) = match sigv4::claimed_scope(&headers) {
        Ok(claimed) => claimed,
        Err(e) => return aws_error(StatusCode::FORBIDDEN, e.kind, &e.message, ""),
    };
    let service = scope.service.clone();
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let (latency, drop) = {
        let mut inner = emulator.lock();
        inner.requests += 1;
        let now = inner.now();
        let Some(secret) =
            inner.config.credentials.iter().find(|(k, _)| *k == scope.access_key).map(|(_, s)| s.clone())
        else {
            return aws_error(
                StatusCode::FORBIDDEN,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
                &service,
            );
        };
        if let Err(e) =
            sigv4::verify(method.as_str(), &path_and_query, &headers, &body, &scope, &signed, &signature, &secret, now)
        {
            return aws_error(StatusCode::FORBIDDEN, e.kind, &e.message, &service);
        }
        if service == "sts" {
            return caller_identity(&inner.config.admin_account, &scope.access_key, &method, uri.path(), &body);
        }
        if inner.config.disabled_regions.contains(&scope.region) {
            return aws_error(
                StatusCode::FORBIDDEN,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
                &service,
            );
        }
        if let Some(refusal) = inject(&mut inner, &scope, now) {
            return refusal;
        }
        let faults = inner.config.faults.clone();
        let drop = inner.roll() < faults.drop_rate;
        (Duration::from_millis(faults.latency_ms), drop)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = {
        let mut inner = emulator.lock();
        let now = inner.now();
        match service.as_str() {
            "guardduty" => guardduty::handle(&mut inner, &scope.region, &method, &uri, &body, now),
            "detective" => detective::handle(&mut inner, &scope.region, &method, uri.path(), &body, now),
            "securityhub" => securityhub::handle(&mut inner, &scope.region, &method, &uri, &body, now),
            other => aws_error(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                &format!("the emulator serves guardduty, detective and securityhub, not {other}"),
                "",
            ),
        }
    };
    if drop {
        // The work is done, but the connection dies before the answer: a body that fails, so
        // the server aborts the connection mid-response.
        let failing = futures_util::stream::iter([Err::<Bytes, std::io::Error>(std::io::Error::other(
            "connection dropped by the emulator",
        ))]);
        return Response::builder().status(StatusCode::OK).body(Body::from_stream(failing)).unwrap_or(response);
    }
    response
}

/// A throttling error (429) as `service` answers it: Security Hub throttles with
/// `LimitExceededException`.
fn throttled(service: &str) -> Response {
    let kind = if service == "securityhub" { "LimitExceededException" } else { "TooManyRequestsException" };
    aws_error(StatusCode::TOO_MANY_REQUESTS, kind, "Rate exceeded", service)
}

/// Throttling (rate limit or random) and random 5xx, before any work is done.
fn inject(inner: &mut Inner, scope: &sigv4::Scope, now: SystemTime) -> Option<Response> {
    let faults = inner.config.faults.clone();
    if faults.rate_per_region > 0.0 {
        let key = format!("{} {}", scope.service, scope.region);
        let (tokens, last) = inner.buckets.entry(key).or_insert((faults.rate_per_region, now));
        let elapsed = now.duration_since(*last).unwrap_or(Duration::ZERO).as_secs_f64();
        *tokens = (*tokens + elapsed * faults.rate_per_region).min(faults.rate_per_region.max(1.0));
        *last = now;
        if *tokens < 1.0 {
            return Some(throttled(&scope.service));
        }
        *tokens -= 1.0;
    }
    if inner.roll() < faults.throttle_rate {
        return Some(throttled(&scope.service));
    }
    if inner.roll() < faults.error_rate {
        let kind = match scope.service.as_str() {
            "detective" => "InternalServerException",
            "securityhub" => "InternalException",
            _ => "InternalServerErrorException",
        };
        return Some(aws_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            kind,
            "The request processing has failed because of an unknown error, exception or failure.",
            &scope.service,
        ));
    }
    None
}

/// Validated account IDs for the handlers.
pub(crate) fn account_id(text: &str) -> Option<AccountId> {
    text.parse().ok()
}
