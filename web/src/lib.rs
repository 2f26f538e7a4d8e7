//! Enlist in the browser: paste a list, see every problem on its line, pick where the accounts go,
//! preview the batches, send them through the signing proxy, and follow every account's outcome.
//! The core does the work as a normal Rust dependency; this crate only shows it.

mod browser;
pub mod editor;
pub mod later;
pub mod lines;
pub mod model;
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
    // The rest of the page (`later.rs`) is fetched at once, beside `config.json`; a saved run is
    // looked at once the settings say how long one is kept.
    app.later(|_| ());
    match settings {
        Some(settings) => {
            app.apply(settings);
            app.look_for_saved_run_when_loaded();
        }
        None => leptos::task::spawn_local(async move {
            match browser::config().await {
                Ok(Some(settings)) => app.apply(settings),
                Ok(None) => {}
                Err(message) => app.notice.set(Some(message)),
            }
            app.look_for_saved_run_when_loaded();
        }),
    }
    app.ask_proxy();
    view! {
        <header class="top">
            <h1>"Enlist"</h1>
            <p>"Add AWS accounts to GuardDuty, Detective and Security Hub: paste a list, fix what is wrong, send it — Enlist reads what each service holds, adds and invites what is missing, and follows every account until it settles."</p>
        </header>
        <main>
            <Saved app=app/>
            <editor::Input app=app/>
            <later::Destinations app=app/>
            <later::Outcomes app=app/>
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
            // A finished run is not offered as something to resume: only its outcomes can be shown.
            let (what, resume) = if saved.finished {
                ("The last run in this browser finished", "Show its outcomes")
            } else {
                ("A run that had not finished is kept in this browser", "Resume it")
            };
            view! {
                <section class="saved" role="status" aria-labelledby="saved-text">
                    <p id="saved-text">{format!("{what}: {}.", saved.summary)}</p>
                    <p class="muted">{
                        // An unfinished run's time is counted from its last answer.
                        let from = if saved.finished { "after it finishes" } else { "after its last answer" };
                        match app.keep_days.get() {
                            1 => format!("Its list and outcomes, emails included, stay in this browser for 1 day {from}, or until you forget them."),
                            days => format!("Its list and outcomes, emails included, stay in this browser for {days} days {from}, or until you forget them."),
                        }
                    }</p>
                    <div class="row">
                        <button on:click=move |_| app.later(move |later| (later.resume)(&app))>{resume}</button>
                        <button on:click=move |_| app.later(move |later| (later.forget)(&app))>"Forget this run"</button>
                    </div>
                </section>
            }
        })
    }
}
