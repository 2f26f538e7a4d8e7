//! `buildRequests` (the `build-requests` feature, on by default): the exact CreateMembers requests
//! of a plan.

use std::collections::BTreeMap;

use enlist_core::{ColumnEncoding, DetectiveOptions, Report, Target, report, wire};
use serde::{Deserialize, Serialize};
use tsify_next::Tsify;
use wasm_bindgen::prelude::*;

use crate::{ParseOptions, from_js};

/// Where a list goes: a GuardDuty detector or a Detective behavior graph in a region.
#[derive(Clone, Debug, Deserialize, Tsify)]
#[serde(tag = "service", deny_unknown_fields)]
pub enum PlanTarget {
    /// GuardDuty CreateMembers on a detector.
    #[serde(rename = "guardduty", rename_all = "camelCase")]
    GuardDuty {
        /// Such as `us-east-1`.
        region: String,
        /// The detector's 32-character ID.
        detector_id: String,
    },
    /// Detective CreateMembers on a behavior graph.
    #[serde(rename = "detective", rename_all = "camelCase")]
    Detective {
        /// Such as `us-east-1`.
        region: String,
        /// `arn:aws:detective:REGION:ACCOUNT:graph:…`
        graph_arn: String,
        /// The invitation message (1 to 1,000 characters).
        #[serde(default)]
        #[tsify(optional)]
        message: Option<String>,
        /// Send no invitation email.
        #[serde(default)]
        #[tsify(optional)]
        disable_email_notification: bool,
        /// An organization behavior graph: accounts are enabled without emails.
        #[serde(default)]
        #[tsify(optional)]
        organization_mode: bool,
    },
}

impl PlanTarget {
    fn to_core(&self) -> Result<Target, String> {
        Ok(match self {
            PlanTarget::GuardDuty { region, detector_id } => Target::GuardDuty {
                region: region.parse().map_err(|e| format!("region: {e}"))?,
                detector_id: detector_id.parse().map_err(|e| format!("detectorId: {e}"))?,
            },
            PlanTarget::Detective { region, graph_arn, message, disable_email_notification, organization_mode } => {
                let options = DetectiveOptions {
                    message: message.clone(),
                    disable_email_notification: *disable_email_notification,
                    organization_mode: *organization_mode,
                };
                options.validate().map_err(|e| format!("message: {e}"))?;
                Target::Detective {
                    region: region.parse().map_err(|e| format!("region: {e}"))?,
                    graph_arn: graph_arn.parse().map_err(|e| format!("graphArn: {e}"))?,
                    options,
                }
            }
        })
    }
}

/// A list and where it goes.
#[derive(Clone, Debug, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    /// The list, as pasted.
    pub text: String,
    /// How to read it.
    #[tsify(optional)]
    pub options: Option<ParseOptions>,
    /// Where it goes.
    pub targets: Vec<PlanTarget>,
    /// Build requests for the valid accounts of a list that has errors (otherwise that is an error).
    #[serde(default)]
    #[tsify(optional)]
    pub skip_invalid: bool,
}

/// One unsigned HTTP request, for the signing proxy (`POST {proxy}/v1/{service}/{region}{path}`).
#[derive(Clone, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest {
    /// `guardduty` or `detective`.
    pub service: String,
    /// Such as `us-east-1`.
    pub region: String,
    /// Such as `GuardDutyCreateMembers`.
    pub operation: String,
    /// The 0-based batch this request carries.
    pub batch: usize,
    /// `POST`.
    pub method: String,
    /// The path and query, encoded as sent.
    pub path: String,
    /// Headers to send (the proxy signs and adds its own).
    pub headers: BTreeMap<String, String>,
    /// The JSON body.
    #[tsify(optional)]
    pub body: Option<String>,
}

/// The requests of a plan.
#[derive(Clone, Debug, Serialize, Tsify)]
#[tsify(into_wasm_abi)]
#[serde(rename_all = "camelCase")]
pub struct Requests {
    /// One per batch per target, targets in the plan's order.
    pub requests: Vec<HttpRequest>,
    /// The report of the list the requests were built from.
    pub report: Report,
}

/// Builds the exact CreateMembers requests of a plan: batches of at most 50 per target. Throws an
/// `Error` for a bad target or options, or a list with errors unless `skipInvalid` is set.
#[wasm_bindgen(js_name = buildRequests)]
pub fn build_requests(
    #[wasm_bindgen(unchecked_param_type = "Plan")] plan: &js_sys::Object,
) -> Result<Requests, JsError> {
    let plan: Plan = from_js(plan, "plan")?;
    let error = |message: String| JsError::new(&message);
    let options = plan.options.clone().unwrap_or_default().to_core().map_err(error)?;
    if plan.targets.is_empty() {
        return Err(error("targets: expected at least one detector or behavior graph, found none".to_owned()));
    }
    let targets = plan
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| t.to_core().map_err(|e| format!("targets[{i}].{e}")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(error)?;
    let parsed = enlist_core::parse(&plan.text, &options);
    let summary = parsed.summary();
    if summary.errors > 0 && !plan.skip_invalid {
        return Err(error(format!(
            "expected a list without errors, found {}; fix them, or set skipInvalid to send the valid accounts",
            summary.errors
        )));
    }
    let mut requests = Vec::new();
    for target in &targets {
        for (batch, accounts) in parsed.batches.iter().enumerate() {
            let request = wire::create_members(target, accounts.accounts());
            requests.push(HttpRequest {
                service: target.service().as_str().to_owned(),
                region: target.region().to_string(),
                operation: request.operation.to_string(),
                batch,
                method: request.method.as_str().to_owned(),
                path: request.path_and_query(),
                headers: request.headers.iter().cloned().collect(),
                body: request.body.clone(),
            });
        }
    }
    Ok(Requests { requests, report: report(&parsed, ColumnEncoding::Utf16) })
}
