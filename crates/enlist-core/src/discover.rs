//! Discovery: the detector (GuardDuty), the behavior graph (Detective) and the hub (Security Hub,
//! DescribeHub) of each region, as a sans-IO machine driven like a run ([`Machine`]), with the
//! same pace, retries and deadlines. Every page of a listing is read. Each region ends with its
//! own result — found, not enabled, no detector, no graph, no hub, access denied — and one
//! region's problem never stops the others.

use std::fmt;

use crate::engine::{Action, CallId, Jitter, Lane, Machine, Millis, RetryPolicy, RunConfig, TransportError, backoff};
use crate::service::{Service, Services};
use crate::target::{Destination, DetectorId, GraphArn, HubArn, Invitation, Region, Target, Unreachable};
use crate::wire::{self, FailureKind, Request, Response};

/// Detector IDs and graph ARNs the user gave, per region, so those regions are not searched.
/// Security Hub's hub is never given: its member operations act on the caller's own hub, so a hub
/// is only what DescribeHub answers for the credentials the proxy signs with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Given {
    detectors: Vec<(Region, DetectorId)>,
    graphs: Vec<GraphArn>,
}

impl Given {
    /// Reads `--detector-id` values (`REGION=ID`, or a bare ID when there is one region) and
    /// `--graph-arn` values (an ARN names its region).
    pub fn from_flags(detector_ids: &[String], graph_arns: &[String], regions: &[Region]) -> Result<Given, String> {
        let mut given = Given::default();
        for value in detector_ids {
            let (region, id) = match value.split_once('=') {
                Some((region, id)) => {
                    (region.trim().parse::<Region>().map_err(|e| format!("--detector-id {value}: {e}"))?, id.trim())
                }
                None if regions.len() == 1 => (regions[0].clone(), value.trim()),
                None => {
                    return Err(format!(
                        "--detector-id: expected REGION=ID with several regions (detectors are per region), found `{value}`"
                    ));
                }
            };
            let id: DetectorId = id.parse().map_err(|e| format!("--detector-id {value}: {e}"))?;
            if !regions.contains(&region) {
                return Err(format!("--detector-id: expected one of the --region values, found {region}"));
            }
            if given.detectors.iter().any(|(r, _)| *r == region) {
                return Err(format!("--detector-id: expected one detector for {region}, found two"));
            }
            given.detectors.push((region, id));
        }
        for value in graph_arns {
            let arn: GraphArn = value.trim().parse().map_err(|e| format!("--graph-arn: {e}"))?;
            let region = arn.region().ok_or_else(|| format!("--graph-arn: expected a region in `{value}`"))?;
            if !regions.contains(&region) {
                return Err(format!(
                    "--graph-arn: expected a graph in one of the --region values, found one in {region}"
                ));
            }
            if given.graphs.iter().any(|g| g.region().as_ref() == Some(&region)) {
                return Err(format!("--graph-arn: expected one behavior graph for {region}, found two"));
            }
            given.graphs.push(arn);
        }
        Ok(given)
    }

    /// A detector for `region`.
    pub fn detector(&mut self, region: Region, id: DetectorId) {
        self.detectors.retain(|(r, _)| *r != region);
        self.detectors.push((region, id));
    }

    /// A behavior graph (its ARN names the region).
    pub fn graph(&mut self, arn: GraphArn) {
        let region = arn.region();
        self.graphs.retain(|g| g.region() != region);
        self.graphs.push(arn);
    }

    fn find(&self, service: Service, region: &Region) -> Option<String> {
        match service {
            Service::GuardDuty => {
                self.detectors.iter().find(|(r, _)| r == region).map(|(_, id)| id.as_str().to_owned())
            }
            Service::Detective => {
                self.graphs.iter().find(|g| g.region().as_ref() == Some(region)).map(|g| g.as_str().to_owned())
            }
            Service::SecurityHub => None,
        }
    }
}

/// What discovery found for a service in a region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The service.
    pub service: Service,
    /// The region.
    pub region: Region,
    /// The detector ID, graph ARN or hub ARN, or why there is none.
    pub result: Result<String, Unreachable>,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.result {
            Ok(id) => write!(f, "{} {}: {id}", self.service.display_name(), self.region),
            Err(why) => write!(f, "{} {}: {}", self.service.display_name(), self.region, why.describe()),
        }
    }
}

#[derive(Clone, Debug)]
struct Item {
    service: Service,
    region: Region,
    lane: usize,
    token: Option<String>,
    not_before: Millis,
    attempts: u32,
    throttles: u32,
    in_flight: Option<(CallId, Millis)>,
    result: Option<Result<String, Unreachable>>,
}

/// Finds the detector, the behavior graph and the hub of each region.
#[derive(Clone, Debug)]
pub struct Discovery {
    items: Vec<Item>,
    lanes: Vec<Lane>,
    config: RunConfig,
    jitter: Jitter,
    next_call: u64,
    cancelled: bool,
}

impl Discovery {
    /// Discovery of `services` in `regions`; what `given` names is taken as given.
    pub fn new(services: Services, regions: &[Region], given: &Given, config: RunConfig) -> Discovery {
        let mut lanes: Vec<Lane> = Vec::new();
        let mut items = Vec::new();
        for region in regions {
            for service in services.iter() {
                let lane =
                    lanes.iter().position(|l| l.service == service && &l.region == region).unwrap_or_else(|| {
                        lanes.push(Lane::new(service, region.clone(), &config.pacing, &config.retry));
                        lanes.len() - 1
                    });
                items.push(Item {
                    service,
                    region: region.clone(),
                    lane,
                    token: None,
                    not_before: 0,
                    attempts: 0,
                    throttles: 0,
                    in_flight: None,
                    result: given.find(service, region).map(Ok),
                });
            }
        }
        Discovery { items, lanes, jitter: Jitter::new(config.seed), config, next_call: 1, cancelled: false }
    }

    /// Whether every service in every region has its result.
    pub fn is_done(&self) -> bool {
        self.items.iter().all(|i| i.result.is_some() && i.in_flight.is_none())
    }

    /// What was found, region by region, in order (only the finished ones).
    pub fn found(&self) -> Vec<Found> {
        self.items
            .iter()
            .filter_map(|i| {
                i.result.clone().map(|result| Found { service: i.service, region: i.region.clone(), result })
            })
            .collect()
    }

    /// The destinations: a target where a detector or graph was found (with `invitation`; an
    /// organization behavior graph when `organization`), and the reason elsewhere.
    pub fn destinations(&self, invitation: &Invitation, organization: bool) -> Vec<Destination> {
        self.found().into_iter().map(|found| destination(found, invitation, organization)).collect()
    }

    fn request(&self, item: &Item) -> Request {
        match item.service {
            Service::GuardDuty => wire::list_detectors(&item.region, Some(50), item.token.as_deref()),
            Service::Detective => wire::list_graphs(&item.region, Some(200), item.token.as_deref()),
            Service::SecurityHub => wire::describe_hub(&item.region),
        }
    }

    fn item_of(&self, call: CallId) -> Option<usize> {
        self.items.iter().position(|i| i.in_flight.is_some_and(|(c, _)| c == call))
    }

    fn fail(
        &mut self,
        index: usize,
        kind: FailureKind,
        code: &str,
        message: &str,
        retry_after: Option<Millis>,
        now: Millis,
    ) {
        let policy: &RetryPolicy = &self.config.retry;
        let item = &mut self.items[index];
        match kind {
            FailureKind::Throttled if item.throttles + 1 < policy.max_throttled_attempts => {
                item.throttles += 1;
                item.not_before = now.saturating_add(retry_after.unwrap_or(0));
                return;
            }
            FailureKind::Transient if item.attempts < policy.max_attempts => {
                let cost = if code == "Timeout" { policy.timeout_retry_cost } else { policy.retry_cost };
                if self.lanes[item.lane].take_retry(cost) {
                    let delay = backoff(policy, item.attempts, self.jitter.unit());
                    item.not_before = now.saturating_add(retry_after.unwrap_or(delay));
                    return;
                }
            }
            _ => {}
        }
        item.result = Some(Err(unreachable(item.service, kind, code, message)));
    }
}

/// What a failed listing says about the region.
fn unreachable(service: Service, kind: FailureKind, code: &str, message: &str) -> Unreachable {
    match (kind, code) {
        // Security Hub answers DescribeHub in a region where the account has not enabled it with
        // `InvalidAccessException` ("… is not subscribed to AWS Security Hub").
        (_, "InvalidAccessException") if service == Service::SecurityHub => Unreachable::NoHub,
        // AWS answers an opt-in region nobody enabled as if it did not know the credentials.
        (_, "UnrecognizedClientException" | "InvalidClientTokenId") => Unreachable::NotEnabled,
        (FailureKind::Auth, _) => Unreachable::AccessDenied { message: format!("{code}: {message}") },
        _ => Unreachable::Failed { code: code.to_owned(), message: message.to_owned() },
    }
}

fn destination(found: Found, invitation: &Invitation, organization: bool) -> Destination {
    let Found { service, region, result } = found;
    let unavailable = |unreachable| Destination::Unavailable { service, region: region.clone(), unreachable };
    let id = match result {
        Ok(id) => id,
        Err(unreachable) => return unavailable(unreachable),
    };
    let target = match service {
        Service::GuardDuty => id
            .parse::<DetectorId>()
            .and_then(|detector| Target::guardduty(region.clone(), detector, invitation.clone())),
        Service::Detective => id
            .parse::<GraphArn>()
            .and_then(|arn| Target::detective(region.clone(), arn, invitation.clone(), organization)),
        Service::SecurityHub => id.parse::<HubArn>().and_then(|arn| Target::security_hub(region.clone(), arn)),
    };
    match target {
        Ok(target) => Destination::Target(target),
        Err(e) => unavailable(Unreachable::Failed { code: "InvalidTarget".to_owned(), message: e.to_string() }),
    }
}

impl Machine for Discovery {
    fn poll(&mut self, now: Millis) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut wake: Option<Millis> = None;
        let mut soonest = |at: Millis| wake = Some(wake.map_or(at, |w: Millis| w.min(at)));
        for index in 0..self.items.len() {
            if let Some((call, sent_at)) = self.items[index].in_flight {
                let deadline = sent_at.saturating_add(self.config.retry.request_timeout_ms);
                if deadline <= now {
                    self.on_transport_error(call, TransportError::Timeout, now);
                } else {
                    soonest(deadline);
                    continue;
                }
            }
            let item = &self.items[index];
            if item.result.is_some() || self.cancelled {
                continue;
            }
            if item.not_before > now {
                soonest(item.not_before);
                continue;
            }
            match self.lanes[item.lane].ready(now) {
                Ok(()) => {}
                Err(Some(at)) => {
                    soonest(at);
                    continue;
                }
                Err(None) => continue,
            }
            let request = self.request(item);
            let call = CallId(self.next_call);
            self.next_call += 1;
            let lane = item.lane;
            self.lanes[lane].sent(now);
            let item = &mut self.items[index];
            item.in_flight = Some((call, now));
            item.attempts += 1;
            actions.push(Action::Send { call, request });
        }
        if self.cancelled {
            for item in &mut self.items {
                if item.result.is_none() && item.in_flight.is_none() {
                    item.result = Some(Err(Unreachable::Failed {
                        code: "Cancelled".to_owned(),
                        message: "discovery was cancelled".to_owned(),
                    }));
                }
            }
        }
        if self.is_done() {
            return vec![Action::Done];
        }
        if let Some(at) = wake {
            actions.push(Action::WaitUntil(at.max(now)));
        }
        actions
    }

    fn on_response(&mut self, call: CallId, response: &Response, now: Millis) {
        let Some(index) = self.item_of(call) else { return };
        let (lane, sent_at) = (self.items[index].lane, self.items[index].in_flight.map_or(now, |(_, at)| at));
        self.items[index].in_flight = None;
        if !response.is_success() {
            let error = wire::decode_error(response);
            let kind = wire::classify(&error);
            self.lanes[lane].answered(kind == FailureKind::Throttled, sent_at, now, &self.config.pacing);
            self.fail(index, kind, &error.code, &error.message, error.retry_after_ms, now);
            return;
        }
        self.lanes[lane].answered(false, sent_at, now, &self.config.pacing);
        let item = &mut self.items[index];
        let page = match item.service {
            Service::SecurityHub => wire::parse_describe_hub(&response.body).and_then(|arn| match arn {
                Some(arn) => Ok(wire::Page { items: vec![arn], next_token: None }),
                None => Err(wire::BodyError {
                    operation: wire::Operation::SecurityHubDescribeHub,
                    message: "an answer without `HubArn`".to_owned(),
                }),
            }),
            Service::GuardDuty => wire::parse_list_detectors(&response.body),
            Service::Detective => wire::parse_list_graphs(&response.body)
                .map(|p| wire::Page { items: p.items.into_iter().map(|g| g.arn).collect(), next_token: p.next_token }),
        };
        match page {
            Ok(page) => {
                item.attempts = 0;
                item.throttles = 0;
                if let Some(first) = page.items.into_iter().find(|i| !i.is_empty()) {
                    item.result = Some(Ok(first));
                } else if let Some(token) = page.next_token.filter(|t| Some(t) != item.token.as_ref()) {
                    // An empty page with more to come: services page by what they scanned.
                    item.token = Some(token);
                } else {
                    item.result = Some(Err(match item.service {
                        Service::GuardDuty => Unreachable::NoDetector,
                        Service::Detective => Unreachable::NoGraph,
                        Service::SecurityHub => Unreachable::NoHub,
                    }));
                }
            }
            Err(error) => {
                item.result =
                    Some(Err(Unreachable::Failed { code: "InvalidResponse".to_owned(), message: error.to_string() }));
            }
        }
    }

    fn on_transport_error(&mut self, call: CallId, error: TransportError, now: Millis) {
        let Some(index) = self.item_of(call) else { return };
        self.items[index].in_flight = None;
        let lane = self.items[index].lane;
        self.lanes[lane].abandoned();
        let (code, message) = match &error {
            TransportError::Timeout => ("Timeout", "no answer in time".to_owned()),
            TransportError::Connection(message) => ("ConnectionError", message.clone()),
        };
        self.fail(index, FailureKind::Transient, code, &message, None, now);
    }

    fn cancel(&mut self) {
        self.cancelled = true;
    }
}
