//! The app's state as signals, and every state change as a method: the views only call these.

use enlist_core::engine::{Action, Run, RunConfig};
use enlist_core::wire;
use enlist_core::{AccountId, DetectiveOptions, Options, Parsed, Service, Services, Severity, Target, parse};
use leptos::prelude::*;

use crate::browser;

const JOURNAL_KEY: &str = "enlist.journal";
/// The list a run was started from, kept beside its journal so a reload shows it again.
const INPUT_KEY: &str = "enlist.input";

/// One diagnostic as the list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagnosticRow {
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub fix: Option<String>,
    pub start: usize,
    pub end: usize,
}

/// What the input panel shows about the current text.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Check {
    /// Nothing but whitespace has been pasted yet.
    pub empty: bool,
    pub format: String,
    pub accounts: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub batches: usize,
    pub rows: Vec<DiagnosticRow>,
}

#[derive(Clone, Copy, Debug)]
pub struct AppState {
    pub text: RwSignal<String>,
    pub guardduty: RwSignal<bool>,
    pub detective: RwSignal<bool>,
    pub org_mode: RwSignal<bool>,
    pub admin: RwSignal<String>,
    pub regions: RwSignal<String>,
    pub message: RwSignal<String>,
    pub disable_email: RwSignal<bool>,
    pub proxy: RwSignal<String>,
    pub token: RwSignal<String>,
    pub targets: RwSignal<Vec<Target>>,
    pub notice: RwSignal<Option<String>>,
    pub run: RwSignal<Option<Run>>,
    pub saved: RwSignal<Option<String>>,
    pub filter: RwSignal<String>,
    pub search: RwSignal<String>,
}

impl AppState {
    pub fn new() -> AppState {
        AppState {
            text: RwSignal::new(String::new()),
            guardduty: RwSignal::new(true),
            detective: RwSignal::new(false),
            org_mode: RwSignal::new(false),
            admin: RwSignal::new(String::new()),
            regions: RwSignal::new("us-east-1".to_owned()),
            message: RwSignal::new(String::new()),
            disable_email: RwSignal::new(false),
            proxy: RwSignal::new(String::new()),
            token: RwSignal::new(browser::load_token().unwrap_or_default()),
            targets: RwSignal::new(Vec::new()),
            notice: RwSignal::new(None),
            run: RwSignal::new(None),
            saved: RwSignal::new(browser::load(JOURNAL_KEY)),
            filter: RwSignal::new(String::new()),
            search: RwSignal::new(String::new()),
        }
    }

    /// The parse options the controls describe.
    pub fn options(&self) -> Options {
        let services = Services { guardduty: self.guardduty.get(), detective: self.detective.get() };
        Options {
            services: if services.guardduty || services.detective { services } else { Services::BOTH },
            organization_mode: self.org_mode.get(),
            admin_account: self.admin.get().trim().parse::<AccountId>().ok(),
            format: None,
        }
    }

    pub fn parse(&self) -> Parsed {
        parse(&self.text.get(), &self.options())
    }

    /// Counts and the diagnostics of the current text (at most `limit` rows).
    pub fn check(&self, limit: usize) -> Check {
        let text = self.text.get();
        let parsed = parse(&text, &self.options());
        let summary = parsed.summary();
        let rows = parsed
            .diagnostics
            .iter()
            .take(limit)
            .map(|d| {
                let at = parsed.line_index.line_col(&text, d.span.start, enlist_core::ColumnEncoding::Chars);
                DiagnosticRow {
                    line: at.line,
                    column: at.column,
                    severity: d.severity(),
                    code: d.code.as_str(),
                    message: d.message.clone(),
                    fix: d.fix.as_ref().map(|f| f.replacement.clone()),
                    start: d.span.start,
                    end: d.span.end,
                }
            })
            .collect();
        Check {
            empty: text.trim().is_empty(),
            format: parsed.format.description().to_owned(),
            accounts: summary.accounts,
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
            batches: summary.batches,
            rows,
        }
    }

    /// Replaces the bytes `start..end` of the text with `replacement`, if they are still there.
    pub fn apply_fix(&self, start: usize, end: usize, replacement: &str) {
        self.text.update(|text| {
            if text.is_char_boundary(start) && text.is_char_boundary(end) && start <= end && end <= text.len() {
                text.replace_range(start..end, replacement);
            }
        });
    }

    /// Applies every suggested fix, from the end of the text backwards so spans stay valid.
    pub fn apply_all_fixes(&self) {
        let text = self.text.get();
        let parsed = parse(&text, &self.options());
        let mut fixes: Vec<(usize, usize, String)> = parsed
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref().map(|f| (d.span.start, d.span.end, f.replacement.clone())))
            .collect();
        fixes.sort_by_key(|f| std::cmp::Reverse(f.0));
        let mut fixed = text;
        let mut limit = usize::MAX;
        for (start, end, replacement) in fixes {
            if end <= limit && fixed.is_char_boundary(start) && fixed.is_char_boundary(end) {
                fixed.replace_range(start..end, &replacement);
                limit = start;
            }
        }
        self.text.set(fixed);
    }

    fn services(&self) -> Vec<Service> {
        let mut services = Vec::new();
        if self.guardduty.get() {
            services.push(Service::GuardDuty);
        }
        if self.detective.get() {
            services.push(Service::Detective);
        }
        services
    }

    fn regions(&self) -> Vec<String> {
        self.regions.get().split([',', ' ', '\n']).map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned).collect()
    }

    /// Finds the detector and behavior graph of each chosen region through the proxy.
    pub fn discover(&self) {
        let app = *self;
        browser::save_token(&self.token.get());
        leptos::task::spawn_local(async move {
            app.notice.set(Some("looking for detectors and behavior graphs…".to_owned()));
            let (base, token) = (app.proxy.get_untracked(), app.token.get_untracked());
            let options = DetectiveOptions {
                message: Some(app.message.get_untracked()).filter(|m| !m.trim().is_empty()),
                disable_email_notification: app.disable_email.get_untracked(),
                organization_mode: app.org_mode.get_untracked(),
            };
            let mut targets = Vec::new();
            let mut problems = Vec::new();
            for region_name in app.regions() {
                let region = match region_name.parse() {
                    Ok(region) => region,
                    Err(e) => {
                        problems.push(format!("{region_name}: {e}"));
                        continue;
                    }
                };
                for service in app.services() {
                    let request = match service {
                        Service::GuardDuty => wire::list_detectors(&region, None, None),
                        Service::Detective => wire::list_graphs(&region, None, None),
                    };
                    match browser::send(&base, &token, &request).await {
                        Ok(response) if response.is_success() => match service {
                            Service::GuardDuty => match wire::parse_list_detectors(&response.body)
                                .ok()
                                .and_then(|p| p.items.into_iter().next())
                            {
                                Some(id) => match id.parse() {
                                    Ok(detector_id) => {
                                        targets.push(Target::GuardDuty { region: region.clone(), detector_id });
                                    }
                                    Err(e) => problems.push(format!("GuardDuty {region}: {e}")),
                                },
                                None => problems.push(format!(
                                    "GuardDuty {region}: no detector; enable GuardDuty in this region first"
                                )),
                            },
                            Service::Detective => match wire::parse_list_graphs(&response.body)
                                .ok()
                                .and_then(|p| p.items.into_iter().next())
                            {
                                Some(graph) => match graph.arn.parse() {
                                    Ok(graph_arn) => targets.push(Target::Detective {
                                        region: region.clone(),
                                        graph_arn,
                                        options: options.clone(),
                                    }),
                                    Err(e) => problems.push(format!("Detective {region}: {e}")),
                                },
                                None => problems.push(format!(
                                    "Detective {region}: no behavior graph; enable Detective in this region first"
                                )),
                            },
                        },
                        Ok(response) => problems.push(format!(
                            "{} {region}: {}",
                            service.display_name(),
                            wire::decode_error(&response)
                        )),
                        Err(e) => problems.push(format!("{} {region}: {e:?}", service.display_name())),
                    }
                }
            }
            app.targets.set(targets);
            app.notice.set(if problems.is_empty() { None } else { Some(problems.join("\n")) });
        });
    }

    /// Starts a run of the current list to the discovered targets.
    pub fn send(&self) {
        let text = self.text.get();
        let parsed = parse(&text, &self.options());
        let config = RunConfig { seed: browser::now(), ..RunConfig::default() };
        match Run::new(&text, &parsed, self.targets.get(), config) {
            Ok(run) => {
                browser::save(INPUT_KEY, &text);
                self.run.set(Some(run));
                self.drive();
            }
            Err(e) => self.notice.set(Some(e.to_string())),
        }
    }

    /// Drives the engine: sends what it asks for, reports answers, saves the journal as it goes.
    pub fn drive(&self) {
        let app = *self;
        leptos::task::spawn_local(async move {
            loop {
                let now = browser::now();
                let Some(actions) = app.run.try_update(|run| run.as_mut().map(|r| r.poll(now))).flatten() else {
                    return;
                };
                let mut wait = 50;
                for action in actions {
                    match action {
                        Action::Done => {
                            app.persist();
                            return;
                        }
                        Action::WaitUntil(at) => wait = at.saturating_sub(now).clamp(10, 50),
                        Action::Send { key, request, .. } => {
                            let (base, token) = (app.proxy.get_untracked(), app.token.get_untracked());
                            leptos::task::spawn_local(async move {
                                let result = browser::send(&base, &token, &request).await;
                                app.run.update(|run| {
                                    if let Some(run) = run {
                                        match result {
                                            Ok(response) => run.on_response(key, &response, browser::now()),
                                            Err(error) => run.on_transport_error(key, error, browser::now()),
                                        }
                                    }
                                });
                                app.persist();
                            });
                        }
                    }
                }
                gloo_timers::future::TimeoutFuture::new(wait as u32).await;
            }
        });
    }

    fn persist(&self) {
        if let Some(journal) = self.run.with_untracked(|run| run.as_ref().map(Run::to_journal)) {
            browser::save(JOURNAL_KEY, &journal);
        }
    }

    pub fn cancel(&self) {
        self.run.update(|run| {
            if let Some(run) = run {
                run.cancel();
            }
        });
        self.persist();
    }

    /// Picks up the run saved before the page was reloaded.
    pub fn resume(&self) {
        let Some(journal) = self.saved.get() else { return };
        match Run::from_journal(&journal) {
            Ok(run) => {
                let done = run.is_done();
                if let Some(input) = browser::load(INPUT_KEY) {
                    self.text.set(input);
                }
                self.run.set(Some(run));
                self.saved.set(None);
                if !done {
                    self.drive();
                }
            }
            Err(e) => {
                self.notice.set(Some(e.to_string()));
                self.discard();
            }
        }
    }

    pub fn discard(&self) {
        browser::forget(JOURNAL_KEY);
        browser::forget(INPUT_KEY);
        self.saved.set(None);
    }

    /// Puts the accounts that need another try into the editor as a new list.
    pub fn load_failures(&self) {
        if let Some(list) = self.run.with(|run| run.as_ref().map(enlist_core::export::retry_list)) {
            self.text.set(list);
            self.run.set(None);
            browser::forget(JOURNAL_KEY);
            browser::forget(INPUT_KEY);
        }
    }
}
