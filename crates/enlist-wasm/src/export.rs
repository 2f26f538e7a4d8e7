//! `exportResults` (the `export-results` feature, on by default): a saved run's outcomes.

use wasm_bindgen::prelude::*;

/// The results of a run from its journal (as `enlist submit --journal` writes it, or the UI's
/// export): `"csv"` (one row per account and target, skipped lines included), `"json"`, `"retry"`
/// (the accounts to try again, as a list Enlist reads) or `"repair"` (the accounts whose email
/// verification failed, to correct).
#[wasm_bindgen(js_name = exportResults)]
pub fn export_results(journal: &str, format: &str) -> Result<String, JsError> {
    let run = enlist_core::engine::Run::from_journal(journal).map_err(|e| JsError::new(&e.to_string()))?;
    match format {
        "csv" => Ok(enlist_core::export::results_csv(&run)),
        "json" => Ok(enlist_core::export::results_json(&run)),
        "retry" => Ok(enlist_core::export::retry_list(&run)),
        "repair" => Ok(enlist_core::export::repair_list(&run)),
        other => Err(JsError::new(&format!("format: expected `csv`, `json`, `retry` or `repair`, found `{other}`"))),
    }
}
