//! Progress and the per-account outcome table. The table draws only the rows in view, so tens of
//! thousands of rows scroll as smoothly as ten.

use std::ops::Range;
use std::sync::Arc;

use enlist_core::engine::{Progress, Run};
use enlist_core::export::{ResultRow, result_row, row_count, row_status};
use enlist_core::{Service, describe_counts, label_words, thousands};
use leptos::prelude::*;

use crate::state::AppState;
use crate::{browser, model};

/// The height of a table row in pixels; fixed by the style sheet (`tbody tr`).
pub const ROW_HEIGHT: i64 = 30;
/// Rows drawn beyond each edge of the view, so fast scrolling shows no gaps.
const OVERSCAN: usize = 10;

/// The rows to draw for a scroll position: the ones in view plus `OVERSCAN` on each side.
pub fn window(scroll_top: i64, viewport: i64, total: usize) -> Range<usize> {
    let first = (scroll_top.max(0) / ROW_HEIGHT) as usize;
    let count = (viewport.max(0) + ROW_HEIGHT - 1) as usize / ROW_HEIGHT as usize + 1;
    let start = first.saturating_sub(OVERSCAN).min(total);
    let end = first.saturating_add(count + OVERSCAN).min(total);
    start..end
}

/// Calls `f` with the page's runs in the order their rows are shown: the earlier runs, then the
/// current one (tracked).
fn with_runs<R>(app: AppState, f: impl FnOnce(&[&Run]) -> R) -> R {
    app.earlier
        .with(|earlier| app.run.with(|run| f(&earlier.iter().map(|r| &**r).chain(run.as_ref()).collect::<Vec<_>>())))
}

fn with_runs_untracked<R>(app: AppState, f: impl FnOnce(&[&Run]) -> R) -> R {
    app.earlier.with_untracked(|earlier| {
        app.run.with_untracked(|run| f(&earlier.iter().map(|r| &**r).chain(run.as_ref()).collect::<Vec<_>>()))
    })
}

/// The run a row of the table belongs to, and its index in that run.
pub fn locate(counts: impl IntoIterator<Item = usize>, mut index: usize) -> Option<(usize, usize)> {
    for (run, n) in counts.into_iter().enumerate() {
        if index < n {
            return Some((run, index));
        }
        index -= n;
    }
    None
}

/// Texts of the same CSV shape, one after the other, with the header line once.
/// The lines of a run not sent for an error (not the excluded accounts).
fn not_sent(run: &Run) -> usize {
    run.skipped().iter().filter(|s| !s.is_exclusion()).count()
}

pub fn joined(texts: impl IntoIterator<Item = String>) -> String {
    let mut out = String::new();
    for (i, text) in texts.into_iter().enumerate() {
        let body = if i == 0 { text.as_str() } else { text.split_once('\n').map_or("", |(_, rest)| rest) };
        out.push_str(body);
    }
    out
}

/// The rows of several exported JSON lists (one row per line, as the core writes them) as one list.
pub fn joined_json(texts: impl IntoIterator<Item = String>) -> String {
    let rows: Vec<String> = texts
        .into_iter()
        .flat_map(|text| {
            text.lines().filter(|l| l.starts_with("  ")).map(|l| l.trim_end_matches(',').to_owned()).collect::<Vec<_>>()
        })
        .collect();
    if rows.is_empty() { "[]\n".to_owned() } else { format!("[\n{}\n]\n", rows.join(",\n")) }
}

/// Counts of statuses added up over runs, largest first.
fn merged(labels: impl IntoIterator<Item = (&'static str, usize)>) -> Vec<(&'static str, usize)> {
    let mut out: Vec<(&'static str, usize)> = Vec::new();
    for (label, n) in labels {
        match out.iter_mut().find(|(l, _)| *l == label) {
            Some((_, total)) => *total += n,
            None => out.push((label, n)),
        }
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    out
}

/// Shared rows; equal only to themselves, so a memo holding them always notifies.
#[derive(Clone)]
struct Shared<T>(Arc<T>);

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[component]
pub fn Results(app: AppState) -> impl IntoView {
    let total = Memo::new(move |_| with_runs(app, |runs| runs.iter().map(|r| row_count(r)).sum::<usize>()));
    // The rows that match the filter and the search, or `None` for all of them: without a filter,
    // an answer costs the page only the rows in view, however large the run.
    let shown = Memo::new(move |_| {
        // ASCII case folding: IDs, emails (7-bit ASCII for the services), regions, statuses and the
        // services' messages are ASCII, and Unicode's case tables would cost about 8 KB gzip.
        let (filter, search) = (app.filter.get(), app.search.get().trim().to_ascii_lowercase());
        if filter.is_empty() && search.is_empty() {
            return Shared(Arc::new(None));
        }
        let matching = with_runs(app, |runs| {
            let mut matching = Vec::new();
            let mut offset = 0;
            for run in runs {
                let n = row_count(run);
                matching.extend(
                    (0..n)
                        .filter(|&i| filter.is_empty() || row_status(run, i) == Some(filter.as_str()))
                        .filter(|&i| {
                            search.is_empty()
                                || result_row(run, i).is_some_and(|r| {
                                    [
                                        r.account.as_str(),
                                        r.email.as_deref().unwrap_or(""),
                                        &r.region,
                                        &r.detail,
                                        &r.service,
                                        // The column shows the name people write: `Security Hub`.
                                        r.service.parse::<Service>().map_or("", Service::display_name),
                                        &r.status,
                                        &r.action,
                                    ]
                                    .iter()
                                    .any(|field| field.to_ascii_lowercase().contains(&search))
                                })
                        })
                        .map(|i| i + offset),
                );
                offset += n;
            }
            matching
        });
        Shared(Arc::new(Some(matching)))
    });
    let count = move || shown.with(|s| (*s.0).as_ref().map_or_else(|| total.get(), Vec::len));
    let progress =
        Memo::new(move |_| app.run.with(|run| run.as_ref().map(|r| (r.progress(), r.is_done(), r.is_cancelled()))));
    // Every run's counts, skipped lines included: the filter's choices and the summary.
    let counts = Memo::new(move |_| {
        progress.track();
        with_runs(app, |runs| {
            let mut labels = Vec::new();
            for run in runs {
                labels.extend(run.progress().labels);
                if !run.skipped().is_empty() {
                    labels.push(("skipped", run.skipped().len()));
                }
            }
            // The filter lists them by name.
            let mut counts = merged(labels);
            counts.sort();
            counts
        })
    });
    // The filter's choices: every count, and the one chosen even when nothing has it any more (a
    // repair took the last failed email away), so the list always shows the filter in effect. Each
    // option says itself whether it is the one chosen: an option drawn again for a new count would
    // otherwise leave the list showing its first.
    let choices = move || {
        let mut choices: Vec<(String, usize)> = counts.get().into_iter().map(|(s, n)| (s.to_owned(), n)).collect();
        app.filter.with(|filter| {
            if !filter.is_empty() && !choices.iter().any(|(status, _)| status == filter) {
                choices.push((filter.clone(), 0));
                choices.sort();
            }
        });
        choices
    };
    let summary = Memo::new(move |_| {
        counts.with(|c| describe_counts(&c.iter().copied().filter(|(l, _)| *l != "skipped").collect::<Vec<_>>()))
    });
    // (accounts to retry, lines not sent for an error) of the page's runs, read once per answer.
    let left = Memo::new(move |_| {
        progress.track();
        with_runs(app, |runs| {
            runs.iter().fold((0, 0), |(retry, lines), r| (retry + r.progress().retry, lines + not_sent(r)))
        })
    });
    // Failures to retry, in any of the page's runs.
    let failures = Memo::new(move |_| left.get().0 > 0);
    // Something to copy: an account to retry, or a line not sent for an error.
    let any_failures = Memo::new(move |_| left.with(|(retry, lines)| retry + lines > 0));
    // What the last copy put on the clipboard, said beside the button.
    let copied: RwSignal<Option<String>> = RwSignal::new(None);
    // It describes the failures as they were: once they change (a retry, a new run), it goes.
    Effect::new(move |_| {
        left.track();
        copied.set(None);
    });
    // The account whose email is being corrected, and the text typed.
    // (run, account, email typed).
    let repairing: RwSignal<Option<(usize, usize, String)>> = RwSignal::new(None);
    let repair_problem: RwSignal<Option<String>> = RwSignal::new(None);
    // The row whose whole detail is shown below the table (the one with the focus, or clicked: the
    // cell cuts long text, and a tooltip needs a mouse): (run, row in that run, its account). It is
    // read from the run each time, so it follows the row as its outcome changes.
    let detail: RwSignal<Option<(usize, usize, String)>> = RwSignal::new(None);
    // The row with the keyboard's focus: (run, row in that run). Drawing the rows again (a scroll,
    // an answer) replaces their elements, which takes the focus away: it is given back to the
    // row's new element, or to the table when the row is no longer drawn.
    let focused: RwSignal<Option<(usize, usize)>> = RwSignal::new(None);
    let scroll = RwSignal::new(0_i64);
    let viewport = RwSignal::new(480_i64);
    let table = NodeRef::<leptos::html::Div>::new();
    // A new filter or search starts at the top.
    Effect::new(move |_| {
        app.filter.track();
        app.search.track();
        if let Some(table) = table.get_untracked() {
            table.set_scroll_top(0);
        }
        scroll.set(0);
    });

    let has_run = Memo::new(move |_| app.run.with(Option::is_some) || app.earlier.with(|e| !e.is_empty()));
    let done = move || progress.with(|p| p.as_ref().is_some_and(|(_, done, _)| *done));
    let idle = move || done() && !app.driving.get();
    // Only what changes with an answer is drawn again: the progress and the rows in view.
    move || {
        has_run.get().then(|| view! {
            <section class="step" aria-labelledby="results-title">
                <h2 id="results-title" tabindex="-1">"4. Outcomes"</h2>
                {move || {
                    let paused = app.paused.get() && !app.driving.get();
                    progress.get().map(|(progress, done, cancelled)| view! { <ProgressView progress=progress done=done cancelled=cancelled paused=paused/> })
                }}
                // With earlier runs in the table, the counts are the table's, not the latest run's
                // (whose own are in its headline above).
                <p class="summary" data-testid="summary">{move || {
                    let earlier = app.earlier.with(|e| !e.is_empty());
                    summary.with(|s| if earlier && !s.is_empty() { format!("Every run in the table: {s}") } else { s.clone() })
                }}</p>
                {move || app.earlier.with(|e| !e.is_empty()).then(|| view! {
                    <p class="muted">"The table also holds the rows of this page's earlier runs, above the latest run's."</p>
                })}
                <div class="row">
                    <button on:click=move |_| app.cancel() disabled=done>"Cancel"</button>
                    <button on:click=move |_| browser::download("enlist-results.csv", "text/csv", &with_runs_untracked(app, |runs| joined(runs.iter().map(|r| enlist_core::export::results_csv(r)))))>"Export CSV"</button>
                    <button on:click=move |_| browser::download("enlist-results.json", "application/json", &with_runs_untracked(app, |runs| joined_json(runs.iter().map(|r| enlist_core::export::results_json(r)))))>"Export JSON"</button>
                    <button on:click=move |_| app.retry_failures() disabled=move || !idle() || !failures.get()>"Retry failures"</button>
                    <button on:click=move |_| {
                        let (list, not_sent) = with_runs_untracked(app, |runs| {
                            (joined(runs.iter().map(|r| enlist_core::export::retry_list(r))), runs.iter().map(|r| not_sent(r)).sum::<usize>())
                        });
                        let retried = list.lines().count().saturating_sub(1 + not_sent);
                        browser::copy(&list);
                        copied.set(Some(model::copied(retried, not_sent)));
                    } disabled=move || !any_failures.get()>"Copy failures as a new list"</button>
                    <button on:click=move |_| app.load_failures() disabled=move || !failures.get()>"Edit failures as a new list"</button>
                    <button on:click=move |_| app.forget() disabled=move || app.driving.get()>"Forget this run"</button>
                    <span class="muted" role="status">{move || copied.get()}</span>
                </div>
                <p class="muted">"Exports hold every row of the table, whatever the filter and the search show."</p>
                <div class="row">
                    <label>"Show "
                        <select on:change=move |ev| app.filter.set(event_target_value(&ev))>
                            <option value="" prop:selected=move || app.filter.with(String::is_empty)>
                                {move || format!("every row ({})", thousands(total.get()))}
                            </option>
                            <For each=choices key=|(status, n)| (status.clone(), *n) let((status, n))>
                                <option value=status.clone() prop:selected={
                                    let status = status.clone();
                                    move || app.filter.with(|f| *f == status)
                                }>
                                    {format!("{} ({})", label_words(&status), thousands(n))}
                                </option>
                            </For>
                        </select>
                    </label>
                    <label>"Search "<input type="search" placeholder="ID, email, region…" prop:value=move || app.search.get() on:input=move |ev| app.search.set(event_target_value(&ev))/></label>
                    <span class="muted" aria-live="polite">{move || match count() { 1 => "1 row".to_owned(), n => format!("{} rows", thousands(n)) }}</span>
                </div>
                {move || repairing.get().map(|(run, account, email)| {
                    // The account, and where its member is deleted and added again: every
                    // destination whose verification failed, not only the row's.
                    let (id, places) = with_runs_untracked(app, |runs| {
                        let Some(r) = runs.get(run) else { return (String::new(), String::new()) };
                        let id = r.accounts().get(account).map(|a| a.id().to_string()).unwrap_or_default();
                        let places: Vec<String> = r.repairable(account).into_iter().filter_map(|d| r.destinations().get(d)).map(|d| format!("{} {}", d.service().display_name(), d.region())).collect();
                        (id, places.join(", "))
                    });
                    let asked = format!("Delete the failed member {id} in {places} and add it again with ");
                    view! {
                        <div class="repair" role="group" aria-labelledby="repair-title">
                            <p id="repair-title">{format!("Account {id}: its email verification failed in {places}. Type the account's root email; Enlist deletes the failed member there and adds it again with this email (the proxy deletes nothing else).")}</p>
                            <label>"Root email "<input type="email" id="repair-email" prop:value=email
                                on:input=move |ev| { repair_problem.set(None); repairing.update(|r| if let Some(r) = r { r.2 = event_target_value(&ev) }) }/></label>
                            <button class="primary" on:click=move |_| {
                                let Some((run, account, email)) = repairing.get_untracked() else { return };
                                // What would be refused is said before asking to confirm.
                                if let Err(e) = app.check_repair(run, account, &email) {
                                    repair_problem.set(Some(e));
                                    return browser::focus_later("repair-email");
                                }
                                let confirmed = web_sys::window().and_then(|w| w.confirm_with_message(&format!("{asked}{email}?")).ok()).unwrap_or(false);
                                if !confirmed { return; }
                                match app.repair(run, account, &email) {
                                    Ok(()) => { repairing.set(None); repair_problem.set(None); }
                                    Err(e) => repair_problem.set(Some(e)),
                                }
                            }>"Delete and add again"</button>
                            <button on:click=move |_| { repairing.set(None); repair_problem.set(None); }>"Cancel"</button>
                            <p class="field-problem" role="alert">{move || repair_problem.get()}</p>
                        </div>
                    }
                })}
                <div class="table-wrap" node_ref=table tabindex="0" role="region" aria-label="Outcomes, one row per account and destination"
                    on:scroll=move |ev| {
                        let element = event_target::<web_sys::HtmlElement>(&ev);
                        scroll.set(i64::from(element.scroll_top()));
                        viewport.set(i64::from(element.client_height()));
                    }>
                    <table data-testid="results">
                        <colgroup>
                            <col class="c-line"/><col class="c-account"/><col class="c-email"/><col class="c-service"/>
                            <col class="c-region"/><col class="c-outcome"/><col class="c-action"/><col/>
                        </colgroup>
                        <thead><tr><th>"Line"</th><th>"Account"</th><th>"Email"</th><th>"Service"</th><th>"Region"</th><th>"Status"</th><th>"This run"</th><th>"Detail"</th></tr></thead>
                        {move || {
                            let shown = shown.get();
                            let rows = count();
                            let range = window(scroll.get(), viewport.get(), rows);
                            let above = range.start as i64 * ROW_HEIGHT;
                            let below = (rows - range.end) as i64 * ROW_HEIGHT;
                            let drawn = with_runs(app, |runs| {
                                let counts: Vec<usize> = runs.iter().map(|r| row_count(r)).collect();
                                range
                                    .filter_map(|i| (*shown.0).as_ref().map_or(Some(i), |s| s.get(i).copied()))
                                    .filter_map(|index| {
                                        let (r, index) = locate(counts.iter().copied(), index)?;
                                        let run = runs[r];
                                        let row = result_row(run, index)?;
                                        let repair = repair_target(run, r, index, &row);
                                        Some((row, (r, index), repair))
                                    })
                                    .collect::<Vec<_>>()
                            });
                            if focused.get_untracked().is_some() {
                                leptos::task::spawn_local(refocus(table, focused));
                            }
                            view! {
                                <tbody>
                                    <tr class="spacer" aria-hidden="true"><td colspan="8" style:height=format!("{above}px")></td></tr>
                                    {drawn.into_iter().map(|(r, at, repair)| row(&r, at, repair, Table { repairing, detail, focused, scroll, element: table })).collect_view()}
                                    <tr class="spacer" aria-hidden="true"><td colspan="8" style:height=format!("{below}px")></td></tr>
                                </tbody>
                            }
                        }}
                    </table>
                </div>
                {move || (count() == 0 && total.get() > 0).then(|| view! {
                    <p class="muted" data-testid="no-rows">"No row matches the outcome and the search chosen above."</p>
                })}
                <p class="detail-full" data-testid="detail-full" aria-live="polite">
                    {move || {
                        let shown = detail.get().and_then(|(r, index, account)| {
                            with_runs(app, |runs| {
                                let run = runs.get(r)?;
                                let row = result_row(run, index).filter(|row| row.account == account)?;
                                Some((repair_target(run, r, index, &row), row))
                            })
                        });
                        match shown {
                            None => view! { "Tab to a row, or click or tap it, to read all of it here." }.into_any(),
                            // Where the table is too narrow for its Detail column, its "Fix email" is here.
                            Some((repair, row)) => view! {
                                {in_words(&row)}
                                {repair.map(|target| view! {
                                    " "
                                    <button class="fix" on:click=move |_| { repairing.set(Some(target.clone())); browser::focus_later("repair-email"); }>"Fix email"</button>
                                })}
                            }.into_any(),
                        }
                    }}
                </p>
            </section>
        })
    }
}

/// What "Fix email" on a row opens: (run, account, its email now), for a row whose email
/// verification failed. A failed email is repaired on its own row, in whichever run it is.
fn repair_target(run: &Run, r: usize, index: usize, row: &ResultRow) -> Option<(usize, usize, String)> {
    let accounts = run.accounts().len();
    let cells = accounts * run.destinations().len();
    (row.status == "verification-failed" && index < cells)
        .then(|| (r, index % accounts, row.email.clone().unwrap_or_default()))
}

/// The service as people write it: `GuardDuty`.
fn service_name(r: &ResultRow) -> String {
    r.service.parse::<enlist_core::Service>().map_or_else(|_| r.service.clone(), |s| s.display_name().to_owned())
}

/// The whole row in one sentence, for the line under the table.
fn in_words(r: &ResultRow) -> String {
    let place = format!("{} {}", service_name(r), r.region);
    model::row_in_words(r.line, &r.account, &place, &label_words(&r.status), &r.action, &r.detail)
}

/// Gives the focus back to the row that had it once the rows are drawn again, when nothing else
/// took it meanwhile; to the table itself when that row is no longer drawn (scrolled far away).
/// Spawned while the rows are drawn, it runs as a microtask right after they are in the page:
/// before the next key press, which would otherwise start from the page's top.
async fn refocus(table: NodeRef<leptos::html::Div>, focused: RwSignal<Option<(usize, usize)>>) {
    use wasm_bindgen::JsCast;
    let (Some((run, index)), Some(table)) = (focused.get_untracked(), table.get_untracked()) else { return };
    let document = web_sys::window().and_then(|w| w.document());
    let lost = document.and_then(|d| d.active_element()).is_none_or(|e| e.tag_name() == "BODY");
    if !lost {
        return;
    }
    let selector = format!("tr[data-row=\"{run}:{index}\"]");
    match table.query_selector(&selector).ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        Some(row) => browser::focus(&row),
        None => {
            focused.set(None);
            browser::focus(&table);
        }
    }
}

/// The outcome table's state a row takes part in.
#[derive(Clone, Copy)]
struct Table {
    repairing: RwSignal<Option<(usize, usize, String)>>,
    detail: RwSignal<Option<(usize, usize, String)>>,
    focused: RwSignal<Option<(usize, usize)>>,
    scroll: RwSignal<i64>,
    element: NodeRef<leptos::html::Div>,
}

fn row(
    r: &ResultRow,
    (run, index): (usize, usize),
    repair: Option<(usize, usize, String)>,
    Table { repairing, detail, focused, scroll, element }: Table,
) -> impl IntoView + use<> {
    let email = r.email.clone().unwrap_or_default();
    let tone = tone(&r.status);
    let service = service_name(r);
    let account = r.account.clone();
    let show = move || detail.set(Some((run, index, account.clone())));
    let on_focus = {
        let show = show.clone();
        move |_| {
            focused.set(Some((run, index)));
            // Focus scrolls the table at once, its scroll event comes a frame later: the rows
            // around this one are drawn now, so the next key press finds the next row there.
            if let Some(table) = element.get_untracked() {
                let top = i64::from(table.scroll_top());
                if scroll.get_untracked() != top {
                    scroll.set(top);
                }
            }
            show();
        }
    };
    // Focus that leaves a row still on the page went elsewhere on purpose; a row replaced by its
    // new drawing keeps its claim (see `refocus`).
    let on_blur = move |ev: leptos::ev::FocusEvent| {
        let element = event_target::<web_sys::HtmlElement>(&ev);
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(0).await;
            if element.is_connected() && focused.get_untracked() == Some((run, index)) {
                focused.set(None);
            }
        });
    };
    // Up and down arrows move between rows, as in a list.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        use wasm_bindgen::JsCast;
        let next = match ev.key().as_str() {
            "ArrowDown" => event_target::<web_sys::Element>(&ev).next_element_sibling(),
            "ArrowUp" => event_target::<web_sys::Element>(&ev).previous_element_sibling(),
            _ => return,
        };
        if let Some(row) =
            next.filter(|e| e.has_attribute("data-row")).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            ev.prevent_default();
            browser::focus(&row);
        }
    };
    view! {
        <tr class=format!("{} {tone}", r.status) data-line=r.line data-row=format!("{run}:{index}") tabindex="0"
            on:focus=on_focus on:blur=on_blur on:keydown=on_key on:click=move |_| show()>
            <td>{r.line}</td>
            <td>{r.account.clone()}</td>
            <td title=email.clone()>{email.clone()}</td>
            <td>{service}</td>
            <td>{r.region.clone()}</td>
            <td>{label_words(&r.status)}</td>
            <td>{r.action.clone()}</td>
            <td title=r.detail.clone()>
                {repair.map(|target| view! {
                    <button class="fix" on:click=move |_| { repairing.set(Some(target.clone())); browser::focus_later("repair-email"); }>"Fix email"</button>
                })}
                {r.detail.clone()}
            </td>
        </tr>
    }
}

/// How a status reads at a glance: `good` (invited, enabled), `neutral` (still going, or left out
/// on purpose), `bad` (needs someone to act).
pub fn tone(status: &str) -> &'static str {
    match status {
        "invited" | "enabled" => "good",
        "pending" | "sending" | "verifying-email" | "created" | "skipped" | "not-a-member" => "neutral",
        _ => "bad",
    }
}

#[component]
fn ProgressView(progress: Progress, done: bool, cancelled: bool, paused: bool) -> impl IntoView {
    let state = match (done, cancelled) {
        (false, false) if paused => " · paused: the proxy could not be reached (Resume above)".to_owned(),
        (false, false) => String::new(),
        (false, true) => " · cancelling (answers still on their way are recorded)".to_owned(),
        (true, false) if progress.retry == 1 => " · finished with 1 failure".to_owned(),
        (true, false) if progress.retry > 0 => format!(" · finished with {} failures", thousands(progress.retry)),
        (true, false) => " · finished".to_owned(),
        (true, true) => " · cancelled".to_owned(),
    };
    let overall = format!(
        "{} of {} outcomes settled · {} in flight · {} throttled{}",
        thousands(progress.done),
        thousands(progress.accounts),
        progress.in_flight,
        progress.throttled,
        state
    );
    let lanes = progress
        .destinations
        .into_iter()
        .map(|lane| {
            let text = match &lane.unreachable {
                Some(why) => format!(": nothing sent: {why}"),
                None => {
                    let mut phases = Vec::new();
                    for (n, what) in [
                        (lane.to_read, "to read"),
                        (lane.to_delete, "to delete and add again"),
                        (lane.to_create, "to create"),
                        (lane.to_invite, "to invite"),
                        (lane.watching, "waiting to settle"),
                    ] {
                        if n > 0 {
                            phases.push(format!("{} {what}", thousands(n)));
                        }
                    }
                    let counts = describe_counts(&lane.labels);
                    let pace = if lane.interval_ms > 0 {
                        format!(" · slowed to one every {} ms", lane.interval_ms)
                    } else {
                        String::new()
                    };
                    let throttled =
                        if lane.throttled > 0 { format!(" · throttled {}×", lane.throttled) } else { String::new() };
                    let faults = if lane.faults > 0 {
                        format!(" · server error or lost connection {}×", lane.faults)
                    } else {
                        String::new()
                    };
                    format!(
                        ": {}{}{}{throttled}{faults}{pace}",
                        if counts.is_empty() { "nothing settled yet".to_owned() } else { counts },
                        if phases.is_empty() { String::new() } else { format!(" · {}", phases.join(" · ")) },
                        if lane.in_flight > 0 { format!(" · {} in flight", lane.in_flight) } else { String::new() },
                    )
                }
            };
            view! {
                <li><strong>{format!("{} {}", lane.service.display_name(), lane.region)}</strong>{text}</li>
            }
        })
        .collect_view();
    view! {
        <p class="progress" data-testid="progress">{overall}</p>
        <progress max=progress.accounts.max(1) value=if progress.accounts == 0 { 1 } else { progress.done } aria-label="Accounts settled"></progress>
        <ul class="lanes">{lanes}</ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_covers_the_view_and_stays_in_bounds() {
        assert_eq!(window(0, 300, 10_000), 0..21);
        assert_eq!(window(0, 301, 10_000), 0..22);
        assert_eq!(window(30_000, 300, 10_000), 990..1021);
        assert_eq!(window(299_700, 300, 10_000), 9980..10_000);
        assert_eq!(window(1_000_000_000, 300, 10_000), 10_000..10_000);
        assert_eq!(window(-5, -1, 3), 0..3);
        assert_eq!(window(0, 300, 0), 0..0);
        assert_eq!((tone("invited"), tone("verifying-email"), tone("verification-failed")), ("good", "neutral", "bad"));
    }

    #[test]
    fn several_runs_read_as_one_table() {
        for (index, expect) in [(0, Some((0, 0))), (2, Some((0, 2))), (3, Some((2, 0))), (7, Some((2, 4))), (8, None)] {
            assert_eq!(locate([3, 0, 5], index), expect, "{index}");
        }
        assert_eq!(joined(["h\na\n".to_owned(), "h\nb\nc\n".to_owned(), "h\n".to_owned()]), "h\na\nb\nc\n");
        assert_eq!(
            joined_json([
                "[\n  {\"a\":1},\n  {\"a\":2}\n]\n".to_owned(),
                "[]\n".to_owned(),
                "[\n  {\"a\":3}\n]\n".to_owned()
            ]),
            "[\n  {\"a\":1},\n  {\"a\":2},\n  {\"a\":3}\n]\n"
        );
        assert_eq!(joined_json(["[]\n".to_owned()]), "[]\n");
        assert_eq!(merged([("invited", 2), ("failed", 3), ("invited", 2)]), [("invited", 4), ("failed", 3)]);
    }
}
