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

/// Sends a core request through the proxy at `base` (empty: this origin). The engine ends a
/// request that stalls (its deadline), as it does for the CLI.
pub(crate) async fn send(base: &str, token: &str, request: &Request) -> Result<Response, TransportError> {
    let url = format!("{}{}", base.trim_end_matches('/'), request.proxy_path());
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

/// The proxy's `GET /v1/config`: `Ok(None)` when the proxy has none to give (an older proxy, or
/// none reached), an error when it refused the token.
pub(crate) async fn proxy_config(connection: &Connection) -> Result<Option<crate::settings::ProxyConfig>, String> {
    let url = format!("{}/v1/config", connection.base.trim_end_matches('/'));
    let request = gloo_net::http::Request::get(&url).header("Authorization", &format!("Bearer {}", connection.token));
    let Ok(response) = request.send().await else { return Ok(None) };
    if response.status() == 401 {
        return Err(TOKEN_REFUSED.to_owned());
    }
    if !response.ok() {
        return Ok(None);
    }
    let Ok(text) = response.text().await else { return Ok(None) };
    Ok(crate::settings::ProxyConfig::from_json(&text).ok())
}

/// What the page says at the token field when the proxy refuses the token.
pub(crate) const TOKEN_REFUSED: &str =
    "the proxy refused this token (HTTP 401); paste the token `enlist serve` printed, or the one your team gave you";

/// Reads a picked or dropped file as text (UTF-8, UTF-16 with a byte order mark, or else
/// Windows-1252, as the core decides), with the core's note when it was not UTF-8.
pub(crate) async fn read_file(file: &web_sys::File) -> Result<enlist_core::Decoded, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "the browser could not read the file".to_owned())?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    enlist_core::decode_text(&bytes).map_err(|e| e.to_string())
}

/// Replaces the selection of the focused text field with `text` through the browser's editing
/// command, so the field's undo stack records it; `false` where the browser refuses.
pub(crate) fn insert_text(text: &str) -> bool {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return false };
    let Ok(document) = document.dyn_into::<web_sys::HtmlDocument>() else { return false };
    let command = if text.is_empty() { "delete" } else { "insertText" };
    document.exec_command_with_show_ui_and_value(command, false, text).unwrap_or(false)
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

thread_local! {
    /// Whether the page was opened with `window.enlistTrace = true` (the scale benchmark sets it
    /// before the app loads): only then are the run's hot paths measured, since a mark per answer
    /// would pile up in a long run.
    static TRACING: bool = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &wasm_bindgen::JsValue::from_str("enlistTrace")).ok())
        .is_some_and(|v| v.is_truthy());
}

/// [`measured`] when tracing is on, else just `f`.
pub(crate) fn traced<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if TRACING.with(|on| *on) { measured(name, f) } else { f() }
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

/// The run journal in IndexedDB (database `enlist`): each record under its key, so an answer costs
/// what its batch costs, and the list the run was started from beside it. One run at a time.
#[derive(Clone, Debug)]
pub(crate) struct Journal {
    db: web_sys::IdbDatabase,
}

const RECORDS: &str = "records";
const META: &str = "meta";

/// Resolves when `request` succeeds, with its result.
async fn done(request: &web_sys::IdbRequest) -> Result<wasm_bindgen::JsValue, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = request.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(&wasm_bindgen::JsValue::NULL, &ok.result().unwrap_or(wasm_bindgen::JsValue::NULL));
        });
        let failed = request.clone();
        let on_error = Closure::once_into_js(move || {
            let message = failed.error().ok().flatten().map_or_else(|| "unknown error".to_owned(), |e| e.message());
            let _ = reject.call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::from_str(&message));
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| e.as_string().unwrap_or_else(|| "unknown error".to_owned()))
}

/// Resolves when `transaction` has committed.
async fn committed(transaction: &web_sys::IdbTransaction) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        });
        let failed = transaction.clone();
        let reject_with = move || {
            let message = failed.error().map_or_else(|| "the write was aborted".to_owned(), |e| e.message());
            let _ = reject.call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::from_str(&message));
        };
        let reject_again = reject_with.clone();
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        transaction.set_onerror(Some(Closure::once_into_js(reject_with).unchecked_ref()));
        transaction.set_onabort(Some(Closure::once_into_js(reject_again).unchecked_ref()));
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.map(|_| ()).map_err(|e| e.as_string().unwrap_or_default())
}

/// Puts each record under its key (a later record of a key replaces the earlier one).
fn put_records(store: &web_sys::IdbObjectStore, records: &[enlist_core::engine::Record]) -> Result<(), String> {
    for record in records {
        store
            .put_with_key(&wasm_bindgen::JsValue::from_str(&record.line), &wasm_bindgen::JsValue::from_str(&record.key))
            .map_err(|_| "this browser refused to save the run".to_owned())?;
    }
    Ok(())
}

impl Journal {
    /// Opens (or creates) the database.
    pub(crate) async fn open() -> Result<Journal, String> {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let unavailable = |what: String| format!("this browser cannot keep the run (IndexedDB: {what})");
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or_else(|| unavailable("not available".to_owned()))?;
        let request = factory.open_with_u32("enlist", 1).map_err(|_| unavailable("cannot be opened".to_owned()))?;
        let upgrading = request.clone();
        let upgrade = Closure::once_into_js(move || {
            if let Ok(result) = upgrading.result()
                && let Ok(db) = result.dyn_into::<web_sys::IdbDatabase>()
            {
                let _ = db.create_object_store(RECORDS);
                let _ = db.create_object_store(META);
            }
        });
        request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
        let db = done(&request).await.map_err(unavailable)?;
        Ok(Journal { db: db.unchecked_into() })
    }

    fn store(&self, name: &str, write: bool) -> Result<(web_sys::IdbTransaction, web_sys::IdbObjectStore), String> {
        let mode = if write { web_sys::IdbTransactionMode::Readwrite } else { web_sys::IdbTransactionMode::Readonly };
        let transaction = self
            .db
            .transaction_with_str_and_mode(name, mode)
            .map_err(|_| "this browser refused to open its storage for the run".to_owned())?;
        let store = transaction.object_store(name).map_err(|_| "the run's storage is damaged".to_owned())?;
        Ok((transaction, store))
    }

    /// Writes records and resolves once the browser has committed them. A large write (the
    /// snapshot a run starts with) goes in several transactions, one after the other, so no task
    /// of the page puts more than [`RECORDS_PER_TRANSACTION`] records; an answer's few records are
    /// one transaction.
    pub(crate) async fn write(&self, records: &[enlist_core::engine::Record]) -> Result<(), String> {
        for chunk in records.chunks(RECORDS_PER_TRANSACTION) {
            let (transaction, store) = self.store(RECORDS, true)?;
            traced("enlist:journal", || put_records(&store, chunk))?;
            committed(&transaction).await.map_err(|e| format!("this browser could not save the run ({e})"))?;
        }
        Ok(())
    }

    /// Replaces the run in one transaction over both stores, so a tab closed in the middle
    /// leaves the old state or the new one, never a mix: clears the records, forgets `forget`,
    /// keeps `keep` beside the run and puts `records`. Used when a run moves into or out of the
    /// earlier runs, where losing a step would lose a run; it may hold the page longer than
    /// [`Journal::write`]'s transactions, and is a user's action, not an answer's.
    pub(crate) async fn replace(
        &self,
        records: &[enlist_core::engine::Record],
        forget: &[&str],
        keep: &[(&str, &str)],
    ) -> Result<(), String> {
        let names = js_sys::Array::of2(&RECORDS.into(), &META.into());
        let transaction = self
            .db
            .transaction_with_str_sequence_and_mode(&names, web_sys::IdbTransactionMode::Readwrite)
            .map_err(|_| "this browser refused to open its storage for the run".to_owned())?;
        let damaged = |_| "the run's storage is damaged".to_owned();
        let (store, meta) =
            (transaction.object_store(RECORDS).map_err(damaged)?, transaction.object_store(META).map_err(damaged)?);
        let refused = |_| "this browser refused to save the run".to_owned();
        store.clear().map_err(refused)?;
        for key in forget {
            meta.delete(&wasm_bindgen::JsValue::from_str(key)).map_err(refused)?;
        }
        for (key, value) in keep {
            meta.put_with_key(&wasm_bindgen::JsValue::from_str(value), &wasm_bindgen::JsValue::from_str(key))
                .map_err(refused)?;
        }
        put_records(&store, records)?;
        committed(&transaction).await.map_err(|e| format!("this browser could not save the run ({e})"))
    }

    /// Every record of the run, if there is one.
    pub(crate) async fn load(&self) -> Result<Vec<String>, String> {
        let (_, store) = self.store(RECORDS, false)?;
        let request = store.get_all().map_err(|_| "the run's storage cannot be read".to_owned())?;
        let all = done(&request).await?;
        Ok(js_sys::Array::from(&all).iter().filter_map(|v| v.as_string()).collect())
    }

    /// Forgets the run and its list.
    pub(crate) async fn clear(&self) -> Result<(), String> {
        for name in [RECORDS, META] {
            let (transaction, store) = self.store(name, true)?;
            store.clear().map_err(|_| "the run's storage cannot be cleared".to_owned())?;
            committed(&transaction).await?;
        }
        Ok(())
    }

    /// Keeps a value beside the run (the list it was started from).
    pub(crate) async fn set(&self, key: &str, value: &str) -> Result<(), String> {
        let (transaction, store) = self.store(META, true)?;
        store
            .put_with_key(&wasm_bindgen::JsValue::from_str(value), &wasm_bindgen::JsValue::from_str(key))
            .map_err(|_| "this browser refused to save the list".to_owned())?;
        committed(&transaction).await.map_err(|e| format!("this browser could not save the list ({e})"))
    }

    /// A value kept beside the run.
    pub(crate) async fn get(&self, key: &str) -> Result<Option<String>, String> {
        let (_, store) = self.store(META, false)?;
        let request =
            store.get(&wasm_bindgen::JsValue::from_str(key)).map_err(|_| "the list cannot be read".to_owned())?;
        Ok(done(&request).await?.as_string())
    }
}

/// How a drive ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Driven {
    /// The machine is done, or was taken away.
    Done,
    /// The proxy could not be reached [`crate::model::PAUSE_AFTER`] times in a row: nothing more
    /// was sent, and what was in flight has been answered (or gave up).
    Paused,
}

/// How many requests a run starts in one task of the page before it lets the page draw and
/// handle input (measured: about 1 ms of fetch() each in headless Chromium on 2 cores).
const SENDS_PER_TASK: usize = 16;

/// How many answers the run's loop handles in one turn (measured: handling every answer that had
/// arrived, in one go, took up to 43 ms in a 340,000-outcome run).
const ANSWERS_PER_TURN: usize = 64;

/// How long the run's loop works before it gives the page back, at most (one frame).
const SLICE_MS: Millis = 16;

/// How many journal records one IndexedDB transaction puts (measured in a 340,000-outcome run:
/// its largest write in one transaction held the page for 83 ms, in transactions of 2,000 records
/// for up to 50 ms).
const RECORDS_PER_TRANSACTION: usize = 1_000;

/// Drives any of the core's machines kept in `machine` — the same contract as the CLI's loop: poll,
/// keep what `take` returns (the journal) before sending anything, send through the proxy, then
/// wait for the first answer or the machine's next deadline. Ends when the machine is done, is
/// taken away, or `keep` fails; with `pause`, also when the proxy cannot be reached several times
/// in a row, once the requests in flight have their answers.
pub(crate) async fn drive<M: enlist_core::engine::Machine + Send + Sync + 'static>(
    machine: leptos::prelude::RwSignal<Option<M>>,
    connection: Connection,
    pause: bool,
    mut take: impl FnMut(&mut M) -> Vec<enlist_core::engine::Record>,
    mut keep: impl AsyncFnMut(Vec<enlist_core::engine::Record>) -> Result<(), String>,
) -> Result<Driven, String> {
    use enlist_core::engine::Action;
    use futures::StreamExt;
    use leptos::prelude::Update;
    let (answers, mut arrived) = futures::channel::mpsc::unbounded();
    let mut in_flight = 0_usize;
    let mut streak = crate::model::Streak::default();
    let mut pausing = false;
    // When the loop last gave the page back (a task of its own from then on).
    let mut slice = now();
    loop {
        // Answers that arrive together are handled in one go, and the loop does not wait for an
        // answer already there: after a slice of work, the page gets to draw and handle input.
        if now().saturating_sub(slice) >= SLICE_MS {
            gloo_timers::future::TimeoutFuture::new(0).await;
            slice = now();
        }
        let at = now();
        let mut wake = None;
        if pausing {
            if in_flight == 0 {
                // What the last answers changed is kept before the pause is reported.
                let records = machine.try_update(|m| m.as_mut().map(&mut take)).flatten().unwrap_or_default();
                keep(records).await?;
                return Ok(Driven::Paused);
            }
            // The engine's own deadline for a request is 40 s; a pause waits no longer.
            wake = Some(at + 45_000);
        } else {
            let polled =
                traced("enlist:answer", || machine.try_update(|m| m.as_mut().map(|m| (m.poll(at), take(m)))).flatten());
            let Some((actions, records)) = polled else {
                return Ok(Driven::Done);
            };
            keep(records).await?;
            let mut started = 0_usize;
            for action in actions {
                match action {
                    Action::Done => return Ok(Driven::Done),
                    Action::WaitUntil(until) => wake = Some(until),
                    Action::Send { call, request } => {
                        // The browser's fetch() costs about a millisecond a call here: a poll that
                        // starts hundreds of requests gives the page back between groups of them.
                        if started > 0 && started.is_multiple_of(SENDS_PER_TASK) {
                            gloo_timers::future::TimeoutFuture::new(0).await;
                            slice = now();
                        }
                        started += 1;
                        let (connection, answers) = (connection.clone(), answers.clone());
                        in_flight += 1;
                        leptos::task::spawn_local(async move {
                            let result = send(&connection.base, &connection.token, &request).await;
                            let _ = answers.unbounded_send((call, result));
                        });
                    }
                }
            }
        }
        let wait = wake.map_or(60_000, |until| until.saturating_sub(at)).min(60_000);
        let timer = gloo_timers::future::TimeoutFuture::new(wait as u32);
        match futures::future::select(arrived.next(), timer).await {
            futures::future::Either::Left((Some(first), _)) => {
                let mut batch = vec![first];
                // The rest waits for the next turn, after the page has had its slice.
                while batch.len() < ANSWERS_PER_TURN
                    && let Ok(more) = arrived.try_recv()
                {
                    batch.push(more);
                }
                in_flight = in_flight.saturating_sub(batch.len());
                for (_, result) in &batch {
                    pausing |= pause && streak.record(result.is_ok());
                }
                let reported = traced("enlist:answer", || {
                    machine.try_update(|m| {
                        if let Some(m) = m {
                            for (call, result) in batch {
                                match result {
                                    Ok(response) => m.on_response(call, &response, now()),
                                    Err(error) => m.on_transport_error(call, error, now()),
                                }
                            }
                        }
                    })
                });
                if reported.is_none() {
                    return Ok(Driven::Done);
                }
            }
            // A pause that waited its longest goes ahead; the engine times out what never came.
            _ if pausing => in_flight = 0,
            _ => {}
        }
    }
}

/// Moves the focus to the element with this `id` once the page has drawn what changed (a
/// fraction of a second later); nothing when there is none (or the app lives in a shadow root).
pub(crate) fn focus_later(id: &'static str) {
    leptos::task::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(30).await;
        use wasm_bindgen::JsCast;
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            focus(&element);
        }
    });
}

/// Moves the keyboard's focus to `element` (the browser scrolls it into view), so what the user's
/// action changed is where they are, and a screen reader reads it out.
pub(crate) fn focus(element: &web_sys::HtmlElement) {
    let _ = element.focus();
}

/// Where requests go: the proxy's base URL (empty: this site) and the bearer token.
#[derive(Clone, Debug)]
pub(crate) struct Connection {
    pub(crate) base: String,
    pub(crate) token: String,
}
