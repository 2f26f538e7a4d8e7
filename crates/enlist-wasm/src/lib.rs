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
//!
//! Features: `build-requests` and `export-results` (both on by default) add `buildRequests` and
//! `exportResults`; without them the module only parses and is much smaller (`cargo xtask
//! dist-embed` ships it as `enlist-parse.js`). `ui` adds `mount`, the whole app.

use enlist_core::{AccountId, ColumnEncoding, Format, Options, Report, Service, Services, report};
use serde::Deserialize;
use tsify_next::Tsify;
use wasm_bindgen::prelude::*;

#[cfg(feature = "export-results")]
mod export;
#[cfg(feature = "build-requests")]
mod requests;

#[cfg(feature = "export-results")]
pub use export::export_results;
#[cfg(feature = "build-requests")]
pub use requests::{HttpRequest, Plan, PlanTarget, Requests, build_requests};

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
            Some(names) => names
                .iter()
                .map(|name| name.parse::<Service>().map_err(|e| format!("services: {e}")))
                .collect::<Result<Services, _>>()?,
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
    Ok(report(&parsed, ColumnEncoding::Utf16))
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
