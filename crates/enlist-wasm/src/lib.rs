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

use enlist_core::{ColumnEncoding, OptionValue, Options, report};
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
#[cfg(any(feature = "build-requests", feature = "export-results"))]
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

/// Reads `parse`'s options field by field with the core's rules ([`Options::set`]). Not through
/// JSON as `from_js` does: that would put a JSON parser, and with it float formatting, into the
/// parse-only module (26 KB of its gzip size when measured).
fn read_options(object: &JsValue) -> Result<Options, String> {
    if !object.is_object() || js_sys::Array::is_array(object) {
        return Err(format!("expected an object, found {}", as_text(object)));
    }
    let mut options = Options::default();
    for key in js_sys::Object::keys(object.unchecked_ref::<js_sys::Object>()).iter() {
        let name = key.as_string().unwrap_or_default();
        let value = js_sys::Reflect::get(object, &key).unwrap_or(JsValue::UNDEFINED);
        options.set(&name, option_value(&value))?;
    }
    Ok(options)
}

fn option_value(value: &JsValue) -> OptionValue {
    if value.is_null() || value.is_undefined() {
        OptionValue::Missing
    } else if let Some(on) = value.as_bool() {
        OptionValue::Bool(on)
    } else if let Some(text) = value.as_string() {
        OptionValue::Text(text)
    } else if js_sys::Array::is_array(value) {
        let items = js_sys::Array::from(value);
        OptionValue::List(items.iter().map(|item| item.as_string().ok_or_else(|| as_text(&item))).collect())
    } else {
        OptionValue::Other(as_text(value))
    }
}

/// How a JavaScript value reads, for a message: its JSON, as JavaScript writes it.
fn as_text(value: &JsValue) -> String {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "a value JSON cannot hold".to_owned())
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
    let options = match options {
        Some(object) => read_options(&object).map_err(|e| JsError::new(&format!("options: {e}")))?,
        None => Options::default(),
    };
    to_js(&report(&enlist_core::parse(text, &options), ColumnEncoding::Utf16))
}

/// Mounts the whole Enlist app into `element` (with the `ui` feature; the `<enlist-members>` element
/// calls this). `config` takes the fields of `config.json` (`proxyUrl`, `regions`, `services`,
/// `organizationMode`, `detectiveMessage`, `disableEmailNotification`, `keepRunsDays`), read by the
/// same rules.
#[cfg(feature = "ui")]
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, config: Option<js_sys::Object>) -> Result<(), JsError> {
    let settings = match config {
        Some(object) => {
            let json = js_sys::JSON::stringify(&object)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| JsError::new("config: expected an object, found a value JSON cannot hold"))?;
            enlist_web::settings::Settings::read(&json).map_err(|e| JsError::new(&format!("config: {e}")))?
        }
        None => enlist_web::settings::Settings::default(),
    };
    enlist_web::mount(element, settings);
    Ok(())
}
