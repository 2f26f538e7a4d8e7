//! `buildRequests` (the `build-requests` feature, on by default): the exact CreateMembers requests
//! of a plan, from the core's planning layer.

use std::collections::BTreeMap;

use enlist_core::{ColumnEncoding, Destination, Options, Plan, Policy, Report, Target, report};
use serde::{Deserialize, Serialize};
use tsify_next::Tsify;
use wasm_bindgen::prelude::*;

use crate::{from_js, to_js};

/// A list and where it goes: `{ text, options?, targets, skipInvalid? }` (TypeScript: `Plan`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanInput {
    /// The list, as pasted.
    pub text: String,
    /// How to read it.
    #[serde(default)]
    pub options: Option<Options>,
    /// Where it goes: the core's targets, checked as they are read.
    pub targets: Vec<Target>,
    /// Build requests for the valid accounts of a list that has errors (otherwise that is an error).
    #[serde(default)]
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
    /// Such as `GuardDuty CreateMembers`.
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
#[serde(rename_all = "camelCase")]
pub struct Requests {
    /// One per batch per target, targets in the plan's order.
    pub requests: Vec<HttpRequest>,
    /// The report of the list the requests were built from.
    #[tsify(type = "Report")]
    pub report: Report,
}

/// Builds the exact CreateMembers requests of a plan: batches of at most 50 per target. Throws an
/// `Error` for a bad target or options, or a list with errors unless `skipInvalid` is set.
#[wasm_bindgen(js_name = buildRequests, unchecked_return_type = "Requests")]
pub fn build_requests(
    #[wasm_bindgen(unchecked_param_type = "Plan")] plan: &js_sys::Object,
) -> Result<JsValue, JsError> {
    let input: PlanInput = from_js(plan, "plan")?;
    to_js(&requests(input).map_err(|e| JsError::new(&e))?)
}

/// The core's plan and its requests, as the bindings return them.
pub(crate) fn requests(input: PlanInput) -> Result<Requests, String> {
    let parsed = enlist_core::parse(&input.text, &input.options.unwrap_or_default());
    let destinations = input.targets.into_iter().map(Destination::Target).collect();
    let plan = Plan::new(&parsed, destinations, Policy { skip_invalid: input.skip_invalid }).map_err(|e| match e {
        enlist_core::PlanError::Errors(_) => format!("{e}, or set skipInvalid to send the valid accounts"),
        other => other.to_string(),
    })?;
    let requests = plan
        .requests()
        .into_iter()
        .map(|planned| {
            let request = planned.request;
            HttpRequest {
                service: request.operation.service().as_str().to_owned(),
                region: request.region.to_string(),
                operation: request.operation.to_string(),
                batch: planned.batch,
                method: request.method.as_str().to_owned(),
                path: request.path_and_query(),
                headers: request.headers.iter().cloned().collect(),
                body: request.body,
            }
        })
        .collect();
    Ok(Requests { requests, report: report(&parsed, ColumnEncoding::Utf16) })
}
