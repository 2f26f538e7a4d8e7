//! Everything the app asks of the browser: the clock, storage, HTTP to the proxy, downloads.

use enlist_core::engine::{Millis, TransportError};
use enlist_core::wire::{Request, Response};

/// Milliseconds since the epoch, from the browser's clock.
pub(crate) fn now() -> Millis {
    js_sys::Date::now() as Millis
}

fn storage(session: bool) -> Option<web_sys::Storage> {
    let window = web_sys::window()?;
    if session { window.session_storage().ok().flatten() } else { window.local_storage().ok().flatten() }
}

/// A value kept across reloads (the run journal, settings).
pub(crate) fn load(key: &str) -> Option<String> {
    storage(false)?.get_item(key).ok().flatten()
}

pub(crate) fn save(key: &str, value: &str) {
    if let Some(storage) = storage(false) {
        let _ = storage.set_item(key, value);
    }
}

pub(crate) fn forget(key: &str) {
    if let Some(storage) = storage(false) {
        let _ = storage.remove_item(key);
    }
}

/// The bearer token lives in session storage only: gone when the tab closes.
pub(crate) fn load_token() -> Option<String> {
    storage(true)?.get_item("enlist.token").ok().flatten().or_else(token_from_fragment)
}

pub(crate) fn save_token(token: &str) {
    if let Some(storage) = storage(true) {
        let _ = storage.set_item("enlist.token", token);
    }
}

/// `enlist serve` prints `http://…/#token=…`; the token is read once and the fragment cleared.
fn token_from_fragment() -> Option<String> {
    let location = web_sys::window()?.location();
    let hash = location.hash().ok()?;
    let token = hash.strip_prefix("#token=")?.to_owned();
    let _ = location.set_hash("");
    save_token(&token);
    Some(token)
}

/// Sends a core request through the proxy at `base` (empty: this origin).
pub(crate) async fn send(base: &str, token: &str, request: &Request) -> Result<Response, TransportError> {
    let url = format!(
        "{}/v1/{}/{}{}",
        base.trim_end_matches('/'),
        request.operation.service().as_str(),
        request.region,
        request.path_and_query()
    );
    let mut builder = match request.method {
        enlist_core::wire::Method::Get => gloo_net::http::Request::get(&url),
        enlist_core::wire::Method::Post => gloo_net::http::Request::post(&url),
    };
    builder = builder.header("Authorization", &format!("Bearer {token}"));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let sent = match &request.body {
        Some(body) => builder.body(body.clone()).map_err(|e| TransportError::Connection(e.to_string()))?.send().await,
        None => builder.send().await,
    };
    let response = sent.map_err(|_| TransportError::Connection("the proxy could not be reached".to_owned()))?;
    let headers = ["x-amzn-errortype", "x-amzn-requestid", "x-amz-retry-after", "content-type"]
        .iter()
        .filter_map(|name| response.headers().get(name).map(|v| ((*name).to_owned(), v)))
        .collect();
    let body = response.text().await.map_err(|_| TransportError::Connection("the answer was cut off".to_owned()))?;
    Ok(Response { status: response.status(), headers, body })
}

/// The host's `config.json` beside `index.html`: `None` when there is none.
pub(crate) async fn config() -> Result<Option<crate::settings::Settings>, String> {
    let Ok(response) = gloo_net::http::Request::get("config.json").send().await else {
        return Ok(None);
    };
    if response.status() == 404 || response.status() == 403 {
        return Ok(None);
    }
    if !response.ok() {
        return Err(format!("config.json: expected the file or none, found HTTP {}", response.status()));
    }
    let text = response.text().await.map_err(|_| "config.json: the answer was cut off".to_owned())?;
    crate::settings::Settings::from_json(&text).map(Some)
}

/// Reads a picked or dropped file as text (UTF-8, or UTF-16 with a byte order mark).
pub(crate) async fn read_file(file: &web_sys::File) -> Result<String, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "the browser could not read the file".to_owned())?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    enlist_core::decode_text(&bytes).map_err(|e| e.to_string())
}

/// Puts `text` on the clipboard.
pub(crate) fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Runs `f` between two performance marks, so the browser's profiler and the benchmarks can read
/// how long it took (`performance.getEntriesByName(name)`).
pub(crate) fn measured<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let performance = web_sys::window().and_then(|w| w.performance());
    let start = format!("{name}:start");
    if let Some(performance) = &performance {
        let _ = performance.mark(&start);
    }
    let out = f();
    if let Some(performance) = &performance {
        let _ = performance.measure_with_start_mark(name, &start);
    }
    out
}

/// Offers `text` as a file download.
pub(crate) fn download(name: &str, mime: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Ok(element) = document.create_element("a") {
        use wasm_bindgen::JsCast;
        if let Ok(anchor) = element.dyn_into::<web_sys::HtmlAnchorElement>() {
            anchor.set_href(&url);
            anchor.set_download(name);
            anchor.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
