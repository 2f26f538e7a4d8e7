//! Enlist's validator for JavaScript and TypeScript: glue between `enlist-core` and wasm-bindgen,
//! nothing more. Every check, message and request comes from the core; this crate only converts
//! (camelCase objects in, camelCase objects out, the core's messages as JavaScript `Error`s).
//!
//! ```js
//! import init, { parse, buildRequests, exportResults } from './enlist.js';
//! await init();
//! const report = parse(text, { services: ['guardduty'] });
//! for (const d of report.diagnostics) console.log(`${d.line}:${d.column} ${d.severity}[${d.code}] ${d.message}`);
//! ```

use std::collections::BTreeMap;

use enlist_core::{
    AccountId, ColumnEncoding, DetectiveOptions, Format, Options, Report, Service, Services, Target, report, wire,
};
use serde::{Deserialize, Serialize};
use tsify_next::Tsify;
use wasm_bindgen::prelude::*;

/// How to read a list. Every field is optional.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParseOptions {
    /// `["guardduty"]`, `["detective"]` or both (the default): the list must satisfy each one's rules.
    #[tsify(optional)]
    pub services: Option<Vec<String>>,
    /// A Detective organization behavior graph: accounts need no email.
    #[tsify(optional)]
    pub organization_mode: Option<bool>,
    /// The administrator account, left out of the list.
    #[tsify(optional)]
    pub admin_account: Option<String>,
    /// Force a format (`csv`, `tsv`, `json`, …) instead of detecting it.
    #[tsify(optional)]
    pub format: Option<String>,
}

impl ParseOptions {
    fn to_core(&self) -> Result<Options, String> {
        let services = match &self.services {
            None => Services::BOTH,
            Some(names) if names.is_empty() => {
                return Err("services: expected `guardduty`, `detective` or both, found an empty list".to_owned());
            }
            Some(names) => {
                let mut services = Services { guardduty: false, detective: false };
                for name in names {
                    match name.parse::<Service>().map_err(|e| format!("services: {e}"))? {
                        Service::GuardDuty => services.guardduty = true,
                        Service::Detective => services.detective = true,
                    }
                }
                services
            }
        };
        Ok(Options {
            services,
            organization_mode: self.organization_mode.unwrap_or(false),
            admin_account: self
                .admin_account
                .as_deref()
                .map(|a| a.parse::<AccountId>().map_err(|e| format!("adminAccount: {e}")))
                .transpose()?,
            format: self
                .format
                .as_deref()
                .map(|f| f.parse::<Format>().map_err(|e| format!("format: {e}")))
                .transpose()?,
        })
    }
}

/// Reads a JavaScript object through JSON, so that a misspelled field is an error that names it
/// rather than a field silently ignored (serde-wasm-bindgen reads only the fields it knows).
fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, JsError> {
    let json = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| JsError::new(&format!("{what}: expected an object, found a value JSON cannot hold")))?;
    serde_json::from_str(&json).map_err(|e| {
        // The position serde_json reports is in our own serialization, not in anything the caller
        // wrote: leave it out.
        let message = e.to_string();
        let message = match message.rsplit_once(" at line ") {
            Some((head, _)) if e.line() > 0 => head.to_owned(),
            _ => message,
        };
        JsError::new(&format!("{what}: {message}"))
    })
}

/// Parses and checks a list. Lines are 1-based and columns count UTF-16 units, as JavaScript
/// strings and editors do. Throws an `Error` only for bad options; problems in the list are
/// diagnostics.
#[wasm_bindgen]
pub fn parse(
    text: &str,
    #[wasm_bindgen(unchecked_param_type = "ParseOptions")] options: Option<js_sys::Object>,
) -> Result<Report, JsError> {
    let options: ParseOptions = match options {
        Some(object) => from_js(&object, "options")?,
        None => ParseOptions::default(),
    };
    let options = options.to_core().map_err(|e| JsError::new(&e))?;
    let parsed = enlist_core::parse(text, &options);
    Ok(report(text, &parsed, ColumnEncoding::Utf16))
}

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
    Ok(Requests { requests, report: report(&plan.text, &parsed, ColumnEncoding::Utf16) })
}

/// The results of a run from its journal (as `enlist submit --journal` and the UI save it):
/// `"csv"` (one row per account and target, skipped lines included), `"json"`, or `"retry"` (the
/// accounts to try again, as a list Enlist reads).
#[wasm_bindgen(js_name = exportResults)]
pub fn export_results(journal: &str, format: &str) -> Result<String, JsError> {
    let run = enlist_core::engine::Run::from_journal(journal).map_err(|e| JsError::new(&e.to_string()))?;
    match format {
        "csv" => Ok(enlist_core::export::results_csv(&run)),
        "json" => Ok(enlist_core::export::results_json(&run)),
        "retry" => Ok(enlist_core::export::retry_list(&run)),
        other => Err(JsError::new(&format!("format: expected `csv`, `json` or `retry`, found `{other}`"))),
    }
}

/// Mounts the whole Enlist app into `element` (with the `ui` feature; the `<enlist-members>` element
/// calls this). `config` takes the fields of `config.json`: `proxyUrl`, `regions`, `services`,
/// `organizationMode`, `detectiveMessage`, `disableEmailNotification`.
#[cfg(feature = "ui")]
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, config: Option<js_sys::Object>) -> Result<(), JsError> {
    let settings = match config {
        Some(object) => from_js(&object, "config")?,
        None => enlist_web::settings::Settings::default(),
    };
    enlist_web::mount(element, settings);
    Ok(())
}
