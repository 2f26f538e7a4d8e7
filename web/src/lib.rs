//! Enlist in the browser: paste a list, see every problem on its line, pick where the accounts go,
//! preview the batches, send them through the signing proxy, and follow every account's outcome.
//! The core does the work as a normal Rust dependency; this crate only shows it.

mod browser;
pub mod editor;
pub mod results;
mod run;
pub mod settings;
pub mod state;
pub mod targets;

use leptos::prelude::*;

use crate::state::AppState;

/// The whole app. `settings` are what the host embedding it chose; without them the app reads the
/// `config.json` beside its page, if there is one.
#[component]
pub fn App(#[prop(optional)] settings: Option<settings::Settings>) -> impl IntoView {
    let app = AppState::new();
    // Every control that changes how the list is read checks it again.
    Effect::new(move |_| {
        app.track_options();
        app.recheck();
    });
    app.look_for_saved_run();
    match settings {
        Some(settings) => app.apply(settings),
        None => leptos::task::spawn_local(async move {
            match browser::config().await {
                Ok(Some(settings)) => app.apply(settings),
                Ok(None) => {}
                Err(message) => app.notice.set(Some(message)),
            }
        }),
    }
    view! {
        <header class="top">
            <h1>"Enlist"</h1>
            <p>"Add AWS accounts to GuardDuty and Detective: paste a list, fix what is wrong, send it — Enlist reads what each service holds, adds and invites what is missing, and follows every account until it settles."</p>
        </header>
        <main>
            <Saved app=app/>
            <editor::Input app=app/>
            <targets::Targets app=app/>
            <results::Results app=app/>
        </main>
    }
}

/// Mounts the app into `element` (in a page or inside a shadow root) with the host's settings; it
/// stays until the page goes.
pub fn mount(element: web_sys::HtmlElement, settings: settings::Settings) {
    leptos::mount::mount_to(element, move || view! { <App settings=settings/> }).forget();
}

#[component]
fn Saved(app: AppState) -> impl IntoView {
    move || {
        app.saved.get().map(|saved| {
            let (what, resume) = if saved.finished {
                ("A finished run is kept in this browser", "Show it (and try again what failed)")
            } else {
                ("A run that had not finished is kept in this browser", "Resume it")
            };
            view! {
                <section class="saved" role="status">
                    <p>{format!("{what}: {}.", saved.summary)}</p>
                    <button on:click=move |_| app.resume()>{resume}</button>
                    <button on:click=move |_| app.discard()>"Forget it"</button>
                </section>
            }
        })
    }
}
