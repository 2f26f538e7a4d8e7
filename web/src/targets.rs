//! Where the accounts go: services, regions, detectors and graphs (found or typed, with each
//! region's own result), the invitation, the connection — and the preview of what will be sent.

use enlist_core::{Destination, MAX_MESSAGE, Plan, Policy, Service, thousands};
use leptos::prelude::*;

use crate::state::AppState;

#[component]
pub fn Targets(app: AppState) -> impl IntoView {
    let message_problem = Memo::new(move |_| {
        let invitation = app.invitation();
        let mut services = Vec::new();
        if app.guardduty.get() {
            services.push(Service::GuardDuty);
        }
        if app.detective.get() && !app.org_mode.get() {
            services.push(Service::Detective);
        }
        services.into_iter().find_map(|s| invitation.check(s).err().map(|e| e.to_string()))
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
            <fieldset class="invitation">
                <legend>"Invitation"</legend>
                <label>"Message (GuardDuty and Detective) "
                    <input type="text" id="message" bind:value=app.message maxlength=(MAX_MESSAGE + 200).to_string()
                        disabled=move || app.org_mode.get() && app.detective.get() && !app.guardduty.get()
                        aria-invalid=move || message_problem.get().is_some().to_string() aria-describedby="message-problem"/>
                </label>
                <p id="message-problem" class="field-problem" role="alert">{move || message_problem.get()}</p>
                <label><input type="checkbox" id="no-email" bind:checked=app.disable_email
                    disabled=move || app.org_mode.get() && app.detective.get() && !app.guardduty.get()/>" Send no invitation email (the accounts still have to accept)"</label>
                {move || app.detective.get().then(|| view! {
                    <label><input type="checkbox" id="org-mode" bind:checked=app.org_mode/>" Detective organization behavior graph: accounts are enabled without an invitation and need no email"</label>
                })}
            </fieldset>
            <details>
                <summary>"Connection"</summary>
                <label>"Proxy URL (empty: this site) "<input type="url" id="proxy" bind:value=app.proxy/></label>
                <label>"Token (kept only until this tab closes) "<input type="password" id="token" autocomplete="off" bind:value=app.token/></label>
            </details>
            <div class="row">
                <button on:click=move |_| app.discover() disabled=move || app.discovery.with(Option::is_some)>
                    {move || if app.discovery.with(Option::is_some) { "Looking…" } else { "Find detectors and graphs" }}
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
        let fields = app.destinations.get();
        (!fields.is_empty()).then(|| {
            let rows = fields
                .into_iter()
                .enumerate()
                .map(|(index, d)| {
                    let (label, placeholder) = match d.service {
                        Service::GuardDuty => ("detector ID", "12abc34d567e8fa901bc2d34e56789f0".to_owned()),
                        Service::Detective => {
                            ("behavior graph ARN", format!("arn:aws:detective:{}:111122223333:graph:…", d.region))
                        }
                    };
                    let id = format!("destination-{index}");
                    let problem_id = format!("{id}-problem");
                    let invalid = d.problem.is_some().to_string();
                    let unavailable = d.unreachable.is_some() && d.id.is_empty();
                    view! {
                        <li class:unavailable=unavailable>
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
    // Changes only when a run starts or ends: the preview is not drawn again on every answer.
    let sending = Memo::new(move |_| app.driving.get() || app.run.with(|r| r.as_ref().is_some_and(|r| !r.is_done())));
    move || {
        let destinations = app.destinations().ok().filter(|d| !d.is_empty())?;
        let parsed = app.checked.with(|c| c.parsed.clone());
        let summary = parsed.summary();
        let blocked = summary.errors > 0;
        // The preview shows what would go if the lines with errors were skipped.
        let plan = Plan::new(&parsed, destinations, Policy { skip_invalid: true });
        let (plan, problem) = match plan {
            Ok(plan) => (Some(plan), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let batches = plan.as_ref().map_or(0, |p| p.batches().len());
        let requests = plan.as_ref().map_or(0, Plan::request_count);
        let batch = selected.get().min(batches.saturating_sub(1));
        let items = plan.as_ref().map(|plan| {
            plan.destinations()
                .iter()
                .enumerate()
                .map(|(d, destination)| {
                    let line = match destination {
                        Destination::Unavailable { unreachable, .. } => format!(
                            "{} {}: nothing is sent here: {}",
                            destination.service().display_name(),
                            destination.region(),
                            unreachable.describe()
                        ),
                        Destination::Target(target) => format!(
                            "{} {}: {} accounts in {} batch{}",
                            target.service().display_name(),
                            target.region(),
                            thousands(plan.accounts().len()),
                            thousands(batches),
                            if batches == 1 { "" } else { "es" }
                        ),
                    };
                    let body = plan.request(d, batch).map(|r| {
                        let body = r.request.body.as_deref().and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok());
                        let pretty = body.and_then(|v| serde_json::to_string_pretty(&v).ok()).unwrap_or_default();
                        format!("{} {}\n{pretty}", r.request.method.as_str(), r.request.path_and_query())
                    });
                    view! {
                        <li>
                            {line}
                            {body.map(|body| view! {
                                <details><summary>{format!("CreateMembers of batch {} of {}", batch + 1, batches.max(1))}</summary><pre tabindex="0">{body}</pre></details>
                            })}
                        </li>
                    }
                })
                .collect_view()
        });
        Some(view! {
            <div class="preview" data-testid="preview">
                <h3>"3. Preview"</h3>
                {problem.map(|p| view! { <p class="notice bad">{p}</p> })}
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
                <p>{format!(
                    "Send first reads what each service holds, then sends at most {} CreateMembers request{} for the accounts that are not members yet, invites them (GuardDuty) and follows them until their status settles.",
                    thousands(requests),
                    if requests == 1 { "" } else { "s" }
                )}</p>
                <button class="primary" on:click=move |_| app.send()
                    disabled=move || (blocked && !app.skip_invalid.get()) || batches == 0 || sending.get()>"Send"</button>
            </div>
        })
    }
}
