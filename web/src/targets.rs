//! Where the accounts go: services, regions, detectors and graphs (found or typed), Detective's
//! options, the connection — and the preview of exactly what will be sent.

use enlist_core::{Service, thousands};
use leptos::prelude::*;

use crate::state::AppState;

#[component]
pub fn Targets(app: AppState) -> impl IntoView {
    let message_problem = Memo::new(move |_| {
        let options = app.detective_options();
        (app.detective.get()).then(|| options.validate().err().map(|e| e.to_string())).flatten()
    });
    view! {
        <section class="step" aria-labelledby="targets-title">
            <h2 id="targets-title">"2. Where they go"</h2>
            <fieldset>
                <legend>"Services"</legend>
                <label><input type="checkbox" id="service-guardduty" bind:checked=app.guardduty/>" GuardDuty"</label>
                <label><input type="checkbox" id="service-detective" bind:checked=app.detective/>" Detective"</label>
            </fieldset>
            <label>"Regions, separated by commas "<input type="text" id="regions" bind:value=app.regions/></label>
            <label>"Administrator account (left out of the list) "
                <input type="text" inputmode="numeric" id="admin" bind:value=app.admin placeholder="from the graph ARN, or type it"/>
            </label>
            {move || app.detective.get().then(|| view! {
                <fieldset class="detective">
                    <legend>"Detective"</legend>
                    <label><input type="checkbox" id="org-mode" bind:checked=app.org_mode/>" Organization behavior graph: accounts are enabled without an invitation and need no email"</label>
                    <label>"Invitation message "
                        <input type="text" id="message" bind:value=app.message disabled=move || app.org_mode.get() maxlength="1200"
                            aria-invalid=move || message_problem.get().is_some().to_string() aria-describedby="message-problem"/>
                    </label>
                    <p id="message-problem" class="field-problem" role="alert">{move || message_problem.get()}</p>
                    <label><input type="checkbox" bind:checked=app.disable_email disabled=move || app.org_mode.get()/>" Send no invitation email (the accounts still have to accept)"</label>
                </fieldset>
            })}
            <details>
                <summary>"Connection"</summary>
                <label>"Proxy URL (empty: this site) "<input type="url" id="proxy" bind:value=app.proxy/></label>
                <label>"Token (kept only until this tab closes) "<input type="password" id="token" autocomplete="off" bind:value=app.token/></label>
            </details>
            <div class="row">
                <button on:click=move |_| app.discover() disabled=move || app.discovering.get()>
                    {move || if app.discovering.get() { "Looking…" } else { "Find detectors and graphs" }}
                </button>
            </div>
            {move || app.notice.get().map(|notice| view! { <pre class="notice bad" role="alert">{notice}</pre> })}
            <Destinations app=app/>
            <Preview app=app/>
        </section>
    }
}

#[component]
fn Destinations(app: AppState) -> impl IntoView {
    move || {
        let destinations = app.destinations.get();
        (!destinations.is_empty()).then(|| {
            let rows = destinations
                .into_iter()
                .enumerate()
                .map(|(index, d)| {
                    let (label, placeholder) = match d.service {
                        Service::GuardDuty => ("detector ID", "12abc34d567e8fa901bc2d34e56789f0"),
                        Service::Detective => ("behavior graph ARN", "arn:aws:detective:us-east-1:111122223333:graph:…"),
                    };
                    let id = format!("destination-{index}");
                    let problem_id = format!("{id}-problem");
                    let invalid = d.problem.is_some().to_string();
                    view! {
                        <li>
                            <label for=id.clone()>{format!("{} {} {label}", d.service.display_name(), d.region)}</label>
                            <input type="text" id=id spellcheck="false" value=d.id placeholder=placeholder aria-invalid=invalid aria-describedby=problem_id.clone()
                                on:change=move |ev| app.set_destination(index, event_target_value(&ev))/>
                            <p class="field-problem" id=problem_id role="alert">{d.problem}</p>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="destinations" data-testid="destinations">{rows}</ul> }
        })
    }
}

#[component]
fn Preview(app: AppState) -> impl IntoView {
    let selected = RwSignal::new(0_usize);
    move || {
        let targets = app.targets().ok().filter(|t| !t.is_empty())?;
        let parsed = app.checked.with(|c| c.parsed.clone());
        let batches = parsed.batches.len();
        let summary = parsed.summary();
        let blocked = summary.errors > 0;
        let requests = targets.len() * batches;
        let batch = selected.get().min(batches.saturating_sub(1));
        let items = targets
            .iter()
            .map(|target| {
                let body = parsed.batches.get(batch).map(|b| {
                    let request = enlist_core::wire::create_members(target, b.accounts());
                    let body = request.body.as_deref().and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok());
                    let pretty = body.and_then(|v| serde_json::to_string_pretty(&v).ok()).unwrap_or_default();
                    format!("{} {}\n{pretty}", request.method.as_str(), request.path_and_query())
                });
                view! {
                    <li>
                        {format!("{} {}: {} accounts in {} batch{}", target.service().display_name(), target.region(), thousands(parsed.accounts.len()), thousands(batches), if batches == 1 { "" } else { "es" })}
                        <details><summary>{format!("Request of batch {} of {}", batch + 1, batches.max(1))}</summary><pre>{body.unwrap_or_default()}</pre></details>
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <div class="preview" data-testid="preview">
                <h3>"3. Preview"</h3>
                <ul>{items}</ul>
                {(batches > 1).then(|| view! {
                    <label>"Show batch "
                        <input type="number" min="1" max=batches prop:value=batch + 1
                            on:change=move |ev| selected.set(event_target_value(&ev).parse::<usize>().unwrap_or(1).saturating_sub(1))/>
                        {format!(" of {batches}")}
                    </label>
                })}
                {blocked.then(|| view! {
                    <label class="skip">
                        <input type="checkbox" bind:checked=app.skip_invalid/>
                        {format!(
                            " Send the {} valid accounts and skip the lines with {} (they are listed as skipped in the outcomes)",
                            thousands(summary.accounts),
                            if summary.errors == 1 { "the error".to_owned() } else { format!("{} errors", thousands(summary.errors)) }
                        )}
                    </label>
                })}
                <p>{format!("Nothing has been sent yet. Send makes {} request{} to the proxy.", thousands(requests), if requests == 1 { "" } else { "s" })}</p>
                <button class="primary" on:click=move |_| app.send()
                    disabled=move || (blocked && !app.skip_invalid.get()) || batches == 0 || app.run.with(|r| r.as_ref().is_some_and(|r| !r.is_done()))>"Send"</button>
            </div>
        })
    }
}
