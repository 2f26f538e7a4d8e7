//! What the page needs only once a list goes somewhere: discovery, the run (the engine, the wire
//! builders, the journal), resuming a saved run and the outcome table with its exports. The site's
//! build (`cargo xtask`, feature `split`) moves this code into a module of its own that the page
//! fetches after it has drawn the editor, so pasting a list never waits for it. Everything here is
//! reached only through [`Later`]: a direct call from the rest of the page would pull the code
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
    /// Calls `f` with the later module: at once when it is loaded, else once it is.
    pub(crate) fn later(&self, f: impl FnOnce(&'static Later) + 'static) {
        if let Some(later) = self.later.get_untracked() {
            return f(later);
        }
        let app = *self;
        leptos::task::spawn_local(async move {
            match load().await {
                Ok(later) => {
                    app.later.set(Some(later));
                    f(later);
                }
                Err(LoadFailed) => app.notice.set(Some(
                    "expected the rest of the page (its run and outcome code) to load, but it did not: check the connection and reload the page".to_owned(),
                )),
            }
        });
    }
}

/// Where the list goes (services, regions, destinations, the preview and Send), once the later
/// module is there: none of it is needed to paste a list and see its problems.
#[component]
pub fn Destinations(app: AppState) -> impl IntoView {
    move || app.later.get().map(|later| (later.destinations)(app))
}

/// The outcome table, once the later module is there.
#[component]
pub fn Outcomes(app: AppState) -> impl IntoView {
    move || app.later.get().map(|later| (later.results)(app))
}
