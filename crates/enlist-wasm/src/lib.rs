//! Enlist's validator for JavaScript and TypeScript: glue between `enlist-core` and wasm-bindgen,
//! nothing more. Every export reads its input into the core's own types, makes one core call and
//! returns the core's answer (camelCase objects in and out, the core's messages as JavaScript
//! `Error`s); the TypeScript declarations of those types are in `typescript.rs`, checked against
//! what the core really serializes.
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

use enlist_core::{ColumnEncoding, Options, report};
use wasm_bindgen::prelude::*;

#[cfg(feature = "export-results")]
mod export;
#[cfg(feature = "build-requests")]
mod requests;
mod typescript;

#[cfg(feature = "export-results")]
pub use export::export_results;
#[cfg(feature = "build-requests")]
pub use requests::{HttpRequest, PlanInput, Requests, build_requests};

/// Reads a JavaScript object through JSON, so that a misspelled field is an error that names it
/// rather than a field silently ignored (serde-wasm-bindgen alone reads only the fields it knows).
pub(crate) fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, JsError> {
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

/// A core value as a plain JavaScript object (`null` for a missing optional value, as in JSON).
pub(crate) fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("the answer could not be converted: {e}")))
}

/// Parses and checks a list. Lines are 1-based and columns count UTF-16 units, as JavaScript
/// strings and editors do. Throws an `Error` only for bad options; problems in the list are
/// diagnostics.
#[wasm_bindgen(unchecked_return_type = "Report")]
pub fn parse(
    text: &str,
    #[wasm_bindgen(unchecked_param_type = "ParseOptions")] options: Option<js_sys::Object>,
) -> Result<JsValue, JsError> {
    let options: Options = match options {
        Some(object) => from_js(&object, "options")?,
        None => Options::default(),
    };
    to_js(&report(&enlist_core::parse(text, &options), ColumnEncoding::Utf16))
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
