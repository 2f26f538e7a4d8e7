//! Where the accounts go: services, regions, detectors and graphs (found or typed, with each
//! region's own result), the invitation, the connection — and the preview of what will be sent.

use enlist_core::{Destination, MAX_MESSAGE, Plan, Policy, Service, thousands};
use leptos::prelude::*;

use crate::model::{self, Stage, send_label};
use crate::state::AppState;

#[component]
pub fn Targets(app: AppState) -> impl IntoView {
    let message_problem = Memo::new(move |_| {
        let invitation = app.invitation();
        let organization = app.org_mode.get();
        app.services
            .get()
            .iter()
            .filter(|s| !(organization && *s == Service::Detective))
            .find_map(|s| invitation.check(s).err().map(|e| e.to_string()))
    });
    // A problem with a field goes once the field changes.
    Effect::new(move |_| {
        app.regions.track();
        app.regions_problem.set(None);
    });
    Effect::new(move |_| {
        app.token.track();
        app.proxy.track();
        app.token_problem.set(None);
    });
    view! {
        <section class="step" aria-labelledby="targets-title">
            <h2 id="targets-title">"2. Where they go"</h2>
            <fieldset>
                <legend>"Services"</legend>
                {Service::ALL.map(|service| view! {
                    <label><input type="checkbox" id=format!("service-{}", service.as_str())
                        prop:checked=move || app.services.get().contains(service)
                        on:change=move |ev| app.tick(service, event_target_checked(&ev))/>
                        {format!(" {}", service.display_name())}</label>
                })}
            </fieldset>
            <label for="regions">"Regions, separated by commas "</label>
            <input type="text" id="regions" bind:value=app.regions spellcheck="false"
                aria-invalid=move || app.regions_problem.with(Option::is_some).to_string() aria-describedby="regions-problem"/>
            <p id="regions-problem" class="field-problem" role="alert">
                {move || app.regions_problem.get().map(|(problem, fix)| view! {
                    {problem}
                    {fix.map(|fixed| {
                        let label = format!("Use {fixed}");
                        view! { " " <button class="fix" on:click=move |_| app.fix_regions(fixed.clone())>{label}</button> }
                    })}
                })}
            </p>
            <label>"Administrator account (left out of the list) "
                <input type="text" inputmode="numeric" id="admin" bind:value=app.admin placeholder="from the graph or hub ARN, or type it"/>
            </label>
            <fieldset class="invitation">
                <legend>"Invitation"</legend>
                <label>"Message (GuardDuty and Detective; Security Hub's invitations take none) "
                    <input type="text" id="message" bind:value=app.message maxlength=(MAX_MESSAGE + 200).to_string()
                        disabled=move || invitation_unused(app)
                        aria-invalid=move || message_problem.get().is_some().to_string() aria-describedby="message-problem"/>
                </label>
                <p id="message-problem" class="field-problem" role="alert">{move || message_problem.get()}</p>
                {move || invitation_unused(app).then(|| view! {
                    <p class="muted" data-testid="invitation-unused">"None of the services chosen takes these: Security Hub's invitations have no message or email setting, and an organization behavior graph invites nobody."</p>
                })}
                <label><input type="checkbox" id="no-email" bind:checked=app.disable_email
                    disabled=move || invitation_unused(app)/>" Send no invitation email (the accounts still have to accept)"</label>
                {move || app.services.get().contains(Service::Detective).then(|| view! {
                    <label><input type="checkbox" id="org-mode" bind:checked=app.org_mode/>" Detective organization behavior graph (tick it when the graph is your organization's): accounts are enabled without an invitation and need no email"</label>
                })}
            </fieldset>
            <details prop:open=move || app.connection_open.get()
                on:toggle=move |ev| app.connection_open.set(event_target::<web_sys::Element>(&ev).has_attribute("open"))>
                <summary>"Connection"</summary>
                <label>"Proxy URL (empty: this site) "<input type="url" id="proxy" bind:value=app.proxy/></label>
                <label>"Token (kept only until this tab closes) "<input type="password" id="token" autocomplete="off" bind:value=app.token
                    aria-invalid=move || app.token_problem.with(Option::is_some).to_string() aria-describedby="token-problem"/></label>
                <p id="token-problem" class="field-problem" role="alert">{move || app.token_problem.get()}</p>
            </details>
            <div class="row">
                <button id="find" on:click=move |_| app.later(move |later| (later.discover)(&app)) disabled=move || app.discovery.with(Option::is_some)>
                    {move || if app.discovery.with(Option::is_some) {
                        "Looking…"
                    } else {
                        crate::model::find_label(&app.services.get().iter().collect::<Vec<_>>())
                    }}
                </button>
            </div>
            {move || app.notice.get().map(|notice| view! { <pre class="notice bad" role="alert">{notice}</pre> })}
            <Destinations app=app/>
            <Preview app=app/>
            <RunState app=app/>
        </section>
    }
}

/// Which chosen services Send invites members of separately, in words: ` (GuardDuty)`,
/// ` (GuardDuty and Security Hub)`; Detective invites as it creates.
fn inviting(services: enlist_core::Services) -> String {
    let names: Vec<&str> = services.iter().filter(|s| s.invites_separately()).map(Service::display_name).collect();
    if names.is_empty() { String::new() } else { format!(" ({})", names.join(" and ")) }
}

/// Whether no chosen service takes the invitation: Security Hub sends its own, and an organization
/// behavior graph invites nobody.
fn invitation_unused(app: AppState) -> bool {
    let organization = app.org_mode.get();
    !app.services.get().iter().any(|s| match s {
        Service::GuardDuty => true,
        Service::Detective => !organization,
        Service::SecurityHub => false,
    })
}

#[component]
fn Destinations(app: AppState) -> impl IntoView {
    move || {
        // Before the first Find there is nothing to say; after it, only the fields the form asks
        // for now are shown, or why none can be used.
        if app.destinations.with(Vec::is_empty) {
            return None;
        }
        let fields = match app.chosen_fields() {
            Ok(fields) => fields,
            Err(problem) => {
                return Some(
                    view! { <p class="field-problem" data-testid="destinations-stale" role="alert">{problem}</p> }
                        .into_any(),
                );
            }
        };
        (!fields.is_empty()).then(|| {
            let rows = fields
                .into_iter()
                .map(|(index, d)| {
                    let (label, placeholder) = match d.service {
                        Service::GuardDuty => ("detector ID", "12abc34d567e8fa901bc2d34e56789f0".to_owned()),
                        Service::Detective => {
                            ("behavior graph ARN", format!("arn:aws:detective:{}:111122223333:graph:…", d.region))
                        }
                        Service::SecurityHub => ("hub ARN", "found by asking Security Hub".to_owned()),
                    };
                    // Security Hub acts on the hub of the credentials' own account: it is found,
                    // never typed.
                    let found_only = d.service == Service::SecurityHub;
                    let id = format!("destination-{index}");
                    let problem_id = format!("{id}-problem");
                    let invalid = d.problem.is_some().to_string();
                    let unavailable = d.unreachable.is_some() && d.id.is_empty();
                    view! {
                        <li class:unavailable=unavailable>
                            <label for=id.clone()>{format!("{} {} {label}", d.service.display_name(), d.region)}</label>
                            <input type="text" id=id spellcheck="false" value=d.id placeholder=placeholder aria-invalid=invalid aria-describedby=problem_id.clone()
                                readonly=found_only
                                on:change=move |ev| app.set_destination(index, event_target_value(&ev))/>
                            <p class="field-problem" id=problem_id role="alert">{d.problem}</p>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="destinations" data-testid="destinations">{rows}</ul> }.into_any()
        })
    }
}

#[component]
fn Preview(app: AppState) -> impl IntoView {
    let selected = RwSignal::new(0_usize);
    // Changes only when a run starts or ends: the preview is not drawn again on every answer.
    let sending = Memo::new(move |_| {
        app.driving.get() || app.paused.get() || app.run.with(|r| r.as_ref().is_some_and(|r| !r.is_done()))
    });
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
        // After a run, Send sends only what the page's runs have not covered.
        let covered = app.covered.get();
        let first = covered.is_empty();
        // (accounts, destinations, requests) of what Send would send.
        let sizes = |p: &Plan| (p.accounts().len(), p.destinations().len(), p.request_count());
        let left = if first {
            plan.as_ref().map(sizes)
        } else {
            plan.as_ref()
                .and_then(|p| p.remaining(|d, a| covered.account(d, a), |s| covered.skipped(s)))
                .as_ref()
                .map(sizes)
        };
        let label = send_label(
            first,
            left.map(|(a, d, _)| (a, d)),
            plan.as_ref().map_or((0, 0), |p| (p.accounts().len(), p.destinations().len())),
        );
        let nothing_left = left.is_none();
        // While a run is going on (or paused), Send waits for it: it says so rather than "Sent".
        let busy = sending.get();
        let label = if busy { "Sending…".to_owned() } else { label };
        let (left_accounts, _, left_requests) = left.unwrap_or_default();
        let batches = plan.as_ref().map_or(0, |p| p.batches().len());
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
                            "{} {}: {} account{} in {} batch{}",
                            target.service().display_name(),
                            target.region(),
                            thousands(plan.accounts().len()),
                            if plan.accounts().len() == 1 { "" } else { "s" },
                            thousands(batches),
                            if batches == 1 { "" } else { "es" }
                        ),
                    };
                    let request_label = format!("The request to {}, batch {}", destination.label(), batch + 1);
                    let body = plan.request(d, batch).map(|r| {
                        let body = r.request.body.as_deref().and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok());
                        let pretty = body.and_then(|v| serde_json::to_string_pretty(&v).ok()).unwrap_or_default();
                        format!("{} {}\n{pretty}", r.request.method.as_str(), r.request.path_and_query())
                    });
                    view! {
                        <li>
                            {line}
                            {body.map(|body| view! {
                                <details><summary>{format!("CreateMembers of batch {} of {}", batch + 1, batches.max(1))}</summary><pre tabindex="0" role="region" aria-label=request_label.clone()>{body}</pre></details>
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
                            " Send the {} valid account{} and skip the lines that have errors ({}; they are listed as skipped in the outcomes)",
                            thousands(summary.accounts),
                            if summary.accounts == 1 { "" } else { "s" },
                            if summary.errors == 1 { "1 error".to_owned() } else { format!("{} errors", thousands(summary.errors)) }
                        )}
                    </label>
                })}
                <p data-testid="send-says">{if busy {
                    "A run is going on; its state is below. Send is ready again once it has finished or was cancelled.".to_owned()
                } else if first {
                    format!(
                        "Send first reads what each service holds, then sends at most {} CreateMembers request{} for the accounts that are not members yet, invites them{} and follows them until their status settles.",
                        thousands(left_requests),
                        if left_requests == 1 { "" } else { "s" },
                        inviting(app.services.get())
                    )
                } else if nothing_left {
                    "This list was sent to these destinations; its outcomes are below. Change the list or the destinations to send more.".to_owned()
                } else {
                    format!(
                        "Send reads and adds only the {} account{} the earlier runs of this page did not cover ({} CreateMembers request{} at most); the earlier outcomes stay in the table.",
                        thousands(left_accounts),
                        if left_accounts == 1 { "" } else { "s" },
                        thousands(left_requests),
                        if left_requests == 1 { "" } else { "s" }
                    )
                }}</p>
                <button class="primary" on:click=move |_| app.later(move |later| (later.send)(&app))
                    disabled=move || (blocked && !app.skip_invalid.get()) || batches == 0 || nothing_left || sending.get()>{label}</button>
            </div>
        })
    }
}

/// Where the run stands, at Send: sending, paused because the proxy cannot be reached, finished,
/// finished with failures — with what can be done next. The element stays while a run is shown,
/// so the focus put on it when a run starts or ends is not lost as answers arrive.
#[component]
fn RunState(app: AppState) -> impl IntoView {
    let state = Memo::new(move |_| {
        app.run.with(|r| {
            r.as_ref().map(|r| {
                let progress = r.progress();
                let counts = model::run_counts(r, &progress.labels);
                (progress, r.is_done(), r.is_cancelled(), counts)
            })
        })
    });
    let stage = Memo::new(move |_| {
        state.with(|s| {
            s.as_ref().map(|(progress, done, cancelled, counts)| {
                let stage = Stage::of(progress, *done, *cancelled, app.driving.get(), app.paused.get());
                let headline = stage.headline(progress);
                (stage, headline, counts.clone())
            })
        })
    });
    let has_run = Memo::new(move |_| app.run.with(Option::is_some));
    let key = move || stage.with(|s| s.as_ref().map_or("", |(stage, ..)| stage.key()));
    let failures = move || {
        stage.with(|s| match s {
            Some((Stage::Finished { failures, .. }, ..)) => *failures,
            _ => 0,
        })
    };
    move || {
        has_run.get().then(|| view! {
            <div class="run-state" data-testid="run-state" data-stage=key node_ref=app.stage tabindex="-1" role="group" aria-labelledby="run-state-headline">
                <p class="headline" id="run-state-headline">{move || stage.with(|s| s.as_ref().map(|(_, headline, _)| headline.clone()))}</p>
                <p class="muted" data-testid="run-counts">{move || stage.with(|s| s.as_ref().map(|(.., counts)| counts.clone()))}</p>
                <div class="row">
                    {move || matches!(key(), "paused" | "stopped").then(|| view! {
                        <button class="primary" on:click=move |_| app.later(move |later| (later.go_on)(&app))>"Resume"</button>
                    })}
                    {move || (failures() > 0 && !app.driving.get()).then(|| {
                        let n = failures();
                        view! {
                            <button on:click=move |_| app.later(move |later| (later.retry_failures)(&app))>
                                {if n == 1 { "Retry the failure".to_owned() } else { format!("Retry {} failures", thousands(n)) }}
                            </button>
                        }
                    })}
                    <a href="#results-title">"Go to the outcomes"</a>
                </div>
            </div>
        })
    }
}
