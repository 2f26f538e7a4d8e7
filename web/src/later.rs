//! What the page needs only once a list goes somewhere: discovery, the run (the engine, the wire
//! builders, the journal), resuming a saved run and the outcome table with its exports. The site's
//! build (`cargo xtask`, feature `split`) moves this code into a module of its own that the page
//! fetches after it has drawn the editor, so pasting a list never waits for it. Everything here is
//! reached only through `Later`: a direct call from the rest of the page would pull the code
//! back into the first module.

use leptos::prelude::*;

use crate::state::AppState;

/// The entry points of the later module.
pub(crate) struct Later {
    pub(crate) send: fn(&AppState),
    pub(crate) resume: fn(&AppState),
    pub(crate) forget: fn(&AppState),
    pub(crate) go_on: fn(&AppState),
    pub(crate) retry_failures: fn(&AppState),
    pub(crate) discover: fn(&AppState),
    pub(crate) look_for_saved_run: fn(&AppState),
    pub(crate) destinations: fn(AppState) -> AnyView,
    pub(crate) results: fn(AppState) -> AnyView,
}

static LATER: Later = Later {
    send: AppState::send,
    resume: AppState::resume,
    forget: AppState::forget,
    go_on: AppState::go_on,
    retry_failures: AppState::retry_failures,
    discover: AppState::discover,
    look_for_saved_run: AppState::look_for_saved_run,
    destinations: |app| view! { <crate::targets::Targets app=app/> }.into_any(),
    results: |app| view! { <crate::results::Results app=app/> }.into_any(),
};

/// The later module failed to load (the network went, or the site was replaced by a newer build).
#[derive(Debug)]
pub(crate) struct LoadFailed;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for LoadFailed {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> LoadFailed {
        LoadFailed
    }
}

/// Loads the later module, once; a failed load is tried again at the next call.
#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(enlist_later, wasm_split_path = ::leptos::wasm_split, fallible)]
fn load() -> Result<&'static Later, LoadFailed> {
    Ok(&LATER)
}

/// Without the split build (tests, `trunk serve`, the embeddable element) it is all one module.
#[cfg(not(feature = "split"))]
#[allow(clippy::unused_async)]
async fn load() -> Result<&'static Later, LoadFailed> {
    Ok(&LATER)
}

impl AppState {
    /// Calls `f` with the later module: at once when it is loaded, else once it is. A call that
    /// finds it cannot be loaded is dropped (the place of the later module says so, with "Try
    /// again"); only the saved run's lookup waits for the next load that works.
    pub(crate) fn later(&self, f: impl FnOnce(&'static Later) + 'static) {
        if let Some(later) = self.later.get_untracked() {
            self.look_if_asked(later);
            return f(later);
        }
        let app = *self;
        leptos::task::spawn_local(async move {
            match load().await {
                Ok(later) => {
                    app.later_failed.set(false);
                    app.later.set(Some(later));
                    app.look_if_asked(later);
                    f(later);
                }
                Err(LoadFailed) => app.later_failed.set(true),
            }
        });
    }

    /// Looks for a run kept in this browser as soon as the later module is there.
    pub(crate) fn look_for_saved_run_when_loaded(&self) {
        self.saved_pending.set_value(true);
        self.later(|_| ());
    }

    fn look_if_asked(&self, later: &'static Later) {
        if self.saved_pending.get_value() {
            self.saved_pending.set_value(false);
            (later.look_for_saved_run)(self);
        }
    }
}

/// Where the list goes (services, regions, destinations, the preview and Send), once the later
/// module is there: none of it is needed to paste a list and see its problems.
/// Until then, a problem with `config.json` is said here; and if the module could not be loaded,
/// that is said, with a way to try again.
#[component]
pub fn Destinations(app: AppState) -> impl IntoView {
    move || {
        match app.later.get() {
        Some(later) => (later.destinations)(app),
        None => view! {
            <section class="step" aria-labelledby="destinations-loading">
                <h2 id="destinations-loading">"2. Where they go"</h2>
                {move || app.notice.get().map(|notice| view! { <pre class="notice bad" role="alert">{notice}</pre> })}
                {move || app.later_failed.get().then(|| view! {
                    <p class="notice bad" role="alert" data-testid="later-failed">
                        "Expected the rest of the page (where the accounts go, sending and the outcomes) to load, but it did not arrive: check the connection and try again, or reload the page (a newer version may have been published since it was opened)."
                    </p>
                    // The button goes with the message: the focus goes to the section it brought.
                    <button on:click=move |_| app.later(|_| crate::browser::focus_later("service-guardduty"))>"Try again"</button>
                })}
                {move || (!app.later_failed.get()).then(|| view! { <p class="muted">"Loading…"</p> })}
            </section>
        }
        .into_any(),
    }
    }
}

/// The outcome table, once the later module is there.
#[component]
pub fn Outcomes(app: AppState) -> impl IntoView {
    move || app.later.get().map(|later| (later.results)(app))
}
