//! Enlist in the browser: paste a list, see every problem on its line, pick where the accounts go,
//! preview the batches, send them through the signing proxy, and follow every account's outcome.
//! The core does the work as a normal Rust dependency; this crate only shows it.

mod browser;
mod state;

use enlist_core::Severity;
use enlist_core::engine::Run;
use leptos::prelude::*;

use crate::state::AppState;

const EXAMPLE: &str = include_str!("../../crates/enlist-core/tests/fixtures/mixed-problems.csv");

/// How many diagnostics and result rows are drawn at once.
const SHOWN: usize = 300;

#[component]
pub fn App() -> impl IntoView {
    let app = AppState::new();
    view! {
        <header class="top">
            <h1>"Enlist"</h1>
            <p>"Add AWS accounts to GuardDuty and Detective: paste a list, fix what is wrong, send it in batches of 50."</p>
        </header>
        <main>
            <Saved app=app/>
            <Input app=app/>
            <Targets app=app/>
            <Results app=app/>
        </main>
    }
}

#[component]
fn Saved(app: AppState) -> impl IntoView {
    move || {
        app.saved.get().map(|_| {
            view! {
                <section class="saved" role="status">
                    <p>"A run from before this page was reloaded was found."</p>
                    <button on:click=move |_| app.resume()>"Resume it"</button>
                    <button on:click=move |_| app.discard()>"Discard it"</button>
                </section>
            }
        })
    }
}

#[component]
fn Input(app: AppState) -> impl IntoView {
    let check = Memo::new(move |_| app.check(SHOWN));
    view! {
        <section class="step" aria-labelledby="input-title">
            <h2 id="input-title">"1. Accounts"</h2>
            <label for="list">"Paste a list: console CSV, a spreadsheet, "<code>"aws organizations list-accounts"</code>" output, JSON, or IDs and emails"</label>
            <textarea id="list" rows="12" spellcheck="false" prop:value=move || app.text.get() on:input=move |ev| app.text.set(event_target_value(&ev))></textarea>
            <div class="row">
                <button on:click=move |_| app.text.set(EXAMPLE.to_owned())>"Load an example"</button>
                <button on:click=move |_| app.apply_all_fixes() disabled=move || check.with(|c| c.rows.iter().all(|r| r.fix.is_none()))>"Apply all suggested fixes"</button>
            </div>
            <p class="counts" aria-live="polite" data-testid="counts">
                {move || check.with(|c| if c.empty { "Paste a list above, or load the example.".to_owned() } else { format!(
                    "{} accounts to send in {} batch{} · {} error{} · {} warning{} · read as {}",
                    c.accounts, c.batches, if c.batches == 1 { "" } else { "es" },
                    c.errors, if c.errors == 1 { "" } else { "s" },
                    c.warnings, if c.warnings == 1 { "" } else { "s" },
                    c.format
                ) })}
            </p>
            <ul class="diagnostics" data-testid="diagnostics">
                {move || check.get().rows.into_iter().map(|row| {
                    let class = match row.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Info => "info" };
                    let fix = row.fix.clone();
                    view! {
                        <li class=class>
                            <span class="where">{format!("line {}:{}", row.line, row.column)}</span>
                            <span class="code">{format!("{}[{}]", row.severity, row.code)}</span>
                            <span class="message">{row.message.clone()}</span>
                            {fix.map(|replacement| {
                                let label = format!("Use {replacement}");
                                view! { <button class="fix" on:click=move |_| app.apply_fix(row.start, row.end, &replacement)>{label}</button> }
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Targets(app: AppState) -> impl IntoView {
    view! {
        <section class="step" aria-labelledby="targets-title">
            <h2 id="targets-title">"2. Where they go"</h2>
            <fieldset>
                <legend>"Services"</legend>
                <label><input type="checkbox" bind:checked=app.guardduty/>" GuardDuty"</label>
                <label><input type="checkbox" bind:checked=app.detective/>" Detective"</label>
            </fieldset>
            <label>"Regions (comma-separated) "<input type="text" bind:value=app.regions/></label>
            <label>"Administrator account (excluded from the list) "<input type="text" inputmode="numeric" bind:value=app.admin/></label>
            <details>
                <summary>"Detective options"</summary>
                <label>"Invitation message "<input type="text" bind:value=app.message/></label>
                <label><input type="checkbox" bind:checked=app.disable_email/>" Send no invitation email"</label>
                <label><input type="checkbox" bind:checked=app.org_mode/>" Organization behavior graph (accounts need no email)"</label>
            </details>
            <details>
                <summary>"Connection"</summary>
                <label>"Proxy URL (empty: this site) "<input type="url" bind:value=app.proxy/></label>
                <label>"Token "<input type="password" autocomplete="off" bind:value=app.token/></label>
            </details>
            <div class="row">
                <button on:click=move |_| app.discover()>"Find detectors and graphs"</button>
            </div>
            {move || app.notice.get().map(|notice| view! { <pre class="notice" role="alert">{notice}</pre> })}
            <Preview app=app/>
        </section>
    }
}

#[component]
fn Preview(app: AppState) -> impl IntoView {
    move || {
        let targets = app.targets.get();
        if targets.is_empty() {
            return None;
        }
        let parsed = app.parse();
        let batches = parsed.batches.len();
        let first = parsed.batches.first().map(|b| b.accounts().to_vec());
        let items = targets
            .iter()
            .map(|target| {
                let body = first.as_ref().and_then(|accounts| {
                    let request = enlist_core::wire::create_members(target, accounts);
                    request.body.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok()).and_then(|v| serde_json::to_string_pretty(&v).ok())
                });
                view! {
                    <li>
                        {format!("{}: {} accounts in {} batch{}", target.label(), parsed.accounts.len(), batches, if batches == 1 { "" } else { "es" })}
                        <details><summary>"First request"</summary><pre>{body.unwrap_or_default()}</pre></details>
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <div class="preview" data-testid="preview">
                <h3>"3. Preview"</h3>
                <ul>{items}</ul>
                <button class="primary" on:click=move |_| app.send() disabled=move || app.run.with(|r| r.as_ref().is_some_and(|r| !r.is_done()))>"Send"</button>
            </div>
        })
    }
}

#[component]
fn Results(app: AppState) -> impl IntoView {
    move || app.run.with(|run| run.as_ref().map(|run| results(app, run)))
}

fn results(app: AppState, run: &Run) -> impl IntoView + use<> {
    let progress = run.progress();
    let rows = enlist_core::export::result_rows(run);
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for row in &rows {
        *counts.entry(row.outcome.clone()).or_default() += 1;
    }
    let (filter, search) = (app.filter.get(), app.search.get().to_lowercase());
    let shown: Vec<_> = rows
        .into_iter()
        .filter(|r| filter.is_empty() || r.outcome == filter)
        .filter(|r| {
            search.is_empty()
                || format!("{} {} {} {}", r.account, r.email.as_deref().unwrap_or(""), r.region, r.detail)
                    .to_lowercase()
                    .contains(&search)
        })
        .collect();
    let total = shown.len();
    let (csv, json) = (enlist_core::export::results_csv(run), enlist_core::export::results_json(run));
    let done = run.is_done();
    view! {
        <section class="step" aria-labelledby="results-title">
            <h2 id="results-title">"4. Outcomes"</h2>
            <p class="progress" aria-live="polite" data-testid="progress">
                {format!("{} of {} batches done · {} in flight · {} waiting · {} throttled", progress.done, progress.batches, progress.in_flight, progress.waiting, progress.throttled)}
            </p>
            <div class="row">
                <button on:click=move |_| app.cancel() disabled=done>"Cancel"</button>
                <button on:click=move |_| browser::download("enlist-results.csv", "text/csv", &csv)>"Export CSV"</button>
                <button on:click=move |_| browser::download("enlist-results.json", "application/json", &json)>"Export JSON"</button>
                <button on:click=move |_| app.load_failures()>"Load failures as a new list"</button>
            </div>
            <div class="row">
                <label>"Show "
                    <select on:change=move |ev| app.filter.set(event_target_value(&ev)) prop:value=filter.clone()>
                        <option value="">"every outcome"</option>
                        {counts.iter().map(|(outcome, n)| view! { <option value=outcome.clone()>{format!("{outcome} ({n})")}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Search "<input type="search" prop:value=app.search.get_untracked() on:input=move |ev| app.search.set(event_target_value(&ev))/></label>
            </div>
            <div class="table-wrap">
            <table data-testid="results">
                <thead><tr><th>"Line"</th><th>"Account"</th><th>"Email"</th><th>"Service"</th><th>"Region"</th><th>"Outcome"</th><th>"Detail"</th><th>"Attempts"</th></tr></thead>
                <tbody>
                    {shown.into_iter().take(SHOWN).map(|r| {
                        let class = r.outcome.clone();
                        view! {
                        <tr class=class>
                            <td>{r.line}</td><td>{r.account}</td><td>{r.email.unwrap_or_default()}</td><td>{r.service}</td>
                            <td>{r.region}</td><td>{r.outcome}</td><td>{r.detail}</td><td>{r.attempts}</td>
                        </tr>
                    }}).collect_view()}
                </tbody>
            </table>
            </div>
            {(total > SHOWN).then(|| view! { <p>{format!("Showing {SHOWN} of {total} rows; filter, search or export to see the rest.")}</p> })}
        </section>
    }
}
