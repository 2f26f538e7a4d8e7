//! The app's state as signals, and every state change as a method: the views only call these.

use std::sync::Arc;

use enlist_core::engine::{Action, Run, RunConfig};
use enlist_core::wire;
use enlist_core::{
    AccountId, DetectiveOptions, DetectorId, GraphArn, Options, Parsed, Region, Service, Services, Target, parse,
};
use leptos::prelude::*;

use crate::browser;
use crate::settings::Settings;

const JOURNAL_KEY: &str = "enlist.journal";
/// The list a run was started from, kept beside its journal so a reload shows it again.
const INPUT_KEY: &str = "enlist.input";
/// Texts up to this size are checked on every keystroke; longer ones once typing pauses.
const CHECK_AT_ONCE: usize = 1 << 20;
/// How long typing must pause before a long text is checked again.
const PAUSE_MS: u32 = 250;

/// The text the diagnostics describe, and what the core made of it.
#[derive(Clone, Debug)]
pub struct Checked {
    pub text: Arc<str>,
    pub parsed: Arc<Parsed>,
}

/// A detector or behavior graph to send to: found by discovery or typed, checked as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Destination {
    pub service: Service,
    pub region: Region,
    /// The detector ID or graph ARN as shown in its field.
    pub id: String,
    /// Why `id` cannot be used, or what discovery found wrong.
    pub problem: Option<String>,
}

impl Destination {
    fn target(&self, options: &DetectiveOptions) -> Result<Target, String> {
        let region = self.region.clone();
        match self.service {
            Service::GuardDuty => self
                .id
                .trim()
                .parse::<DetectorId>()
                .map(|detector_id| Target::GuardDuty { region, detector_id })
                .map_err(|e| e.to_string()),
            Service::Detective => {
                let graph_arn = self.id.trim().parse::<GraphArn>().map_err(|e| e.to_string())?;
                if graph_arn.region().is_some_and(|r| r != self.region) {
                    return Err(format!("expected a behavior graph in {}, found one in another region", self.region));
                }
                Ok(Target::Detective { region, graph_arn, options: options.clone() })
            }
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct AppState {
    /// What is in the editor now.
    pub text: RwSignal<String>,
    /// Bumped when the text is replaced by the app (a fix, a file, the example) rather than typed.
    pub replaced: RwSignal<u64>,
    pub checked: RwSignal<Checked>,
    pending: StoredValue<Option<gloo_timers::callback::Timeout>, LocalStorage>,
    pub editor: NodeRef<leptos::html::Textarea>,
    /// The line the last clicked diagnostic is on.
    pub highlight: RwSignal<Option<usize>>,
    /// What happened to the last file or paste, for the input panel.
    pub input_notice: RwSignal<Option<(bool, String)>>,
    pub guardduty: RwSignal<bool>,
    pub detective: RwSignal<bool>,
    pub org_mode: RwSignal<bool>,
    pub admin: RwSignal<String>,
    pub regions: RwSignal<String>,
    pub message: RwSignal<String>,
    pub disable_email: RwSignal<bool>,
    pub proxy: RwSignal<String>,
    pub token: RwSignal<String>,
    pub destinations: RwSignal<Vec<Destination>>,
    pub discovering: RwSignal<bool>,
    /// Send the valid accounts of a list that has errors, skipping the lines with errors.
    pub skip_invalid: RwSignal<bool>,
    pub notice: RwSignal<Option<String>>,
    pub run: RwSignal<Option<Run>>,
    pub saved: RwSignal<Option<String>>,
    pub filter: RwSignal<String>,
    pub search: RwSignal<String>,
}

impl Default for AppState {
    fn default() -> AppState {
        AppState::new()
    }
}

impl AppState {
    pub fn new() -> AppState {
        let empty = Checked { text: Arc::from(""), parsed: Arc::new(parse("", &Options::default())) };
        AppState {
            text: RwSignal::new(String::new()),
            replaced: RwSignal::new(0),
            checked: RwSignal::new(empty),
            pending: StoredValue::new_local(None),
            editor: NodeRef::new(),
            highlight: RwSignal::new(None),
            input_notice: RwSignal::new(None),
            guardduty: RwSignal::new(true),
            detective: RwSignal::new(false),
            org_mode: RwSignal::new(false),
            admin: RwSignal::new(String::new()),
            regions: RwSignal::new("us-east-1".to_owned()),
            message: RwSignal::new(String::new()),
            disable_email: RwSignal::new(false),
            proxy: RwSignal::new(String::new()),
            token: RwSignal::new(browser::load_token().unwrap_or_default()),
            destinations: RwSignal::new(Vec::new()),
            discovering: RwSignal::new(false),
            skip_invalid: RwSignal::new(false),
            notice: RwSignal::new(None),
            run: RwSignal::new(None),
            saved: RwSignal::new(browser::load(JOURNAL_KEY)),
            filter: RwSignal::new(String::new()),
            search: RwSignal::new(String::new()),
        }
    }

    /// Applies the host's `config.json`.
    pub fn apply(&self, settings: Settings) {
        if let Some(proxy) = settings.proxy_url {
            self.proxy.set(proxy);
        }
        if let Some(regions) = settings.regions {
            self.regions.set(regions.join(", "));
        }
        if let Some(services) = settings.services {
            self.guardduty.set(services.contains(&Service::GuardDuty));
            self.detective.set(services.contains(&Service::Detective));
        }
        if let Some(org_mode) = settings.organization_mode {
            self.org_mode.set(org_mode);
        }
        if let Some(message) = settings.detective_message {
            self.message.set(message);
        }
        if let Some(disable) = settings.disable_email_notification {
            self.disable_email.set(disable);
        }
    }

    /// The parse options the controls describe (read without tracking).
    pub fn options(&self) -> Options {
        let services =
            Services { guardduty: self.guardduty.get_untracked(), detective: self.detective.get_untracked() };
        Options {
            services: if services.guardduty || services.detective { services } else { Services::BOTH },
            organization_mode: self.org_mode.get_untracked(),
            admin_account: self.admin.get_untracked().trim().parse::<AccountId>().ok(),
            format: None,
        }
    }

    /// Subscribes the caller to every control that changes how the list is read.
    pub fn track_options(&self) {
        self.guardduty.track();
        self.detective.track();
        self.org_mode.track();
        self.admin.track();
    }

    /// Checks the editor's text now.
    pub fn recheck(&self) {
        self.pending.set_value(None);
        let text: Arc<str> = self.text.with_untracked(|t| Arc::from(t.as_str()));
        let options = self.options();
        let parsed = Arc::new(browser::measured("enlist:parse", || parse(&text, &options)));
        self.checked.set(Checked { text, parsed });
    }

    /// The checked text and its parse, checking first if typing has not settled yet.
    pub fn current(&self) -> Checked {
        if self.pending.with_value(Option::is_some)
            || self.checked.with_untracked(|c| self.text.with_untracked(|t| *c.text != **t))
        {
            self.recheck();
        }
        self.checked.get_untracked()
    }

    /// The user typed or pasted: short texts (and any paste) are checked at once, long ones once
    /// typing pauses so keystrokes stay fast.
    pub fn edit(&self, value: String, pasted: bool) {
        let long = value.len() > CHECK_AT_ONCE;
        self.text.set(value);
        self.highlight.set(None);
        if pasted || !long {
            self.recheck();
        } else {
            let app = *self;
            let timer = gloo_timers::callback::Timeout::new(PAUSE_MS, move || app.recheck());
            self.pending.set_value(Some(timer));
        }
    }

    /// Replaces the whole text (the example, a file, a fix) and checks it.
    pub fn replace(&self, value: String) {
        self.text.set(value);
        self.replaced.update(|n| *n += 1);
        self.highlight.set(None);
        self.recheck();
    }

    /// Reads a picked or dropped file into the editor; anything that is not a text list is refused
    /// with a message saying what was expected.
    pub fn open_files(&self, files: Vec<web_sys::File>) {
        let app = *self;
        let names: Vec<String> = files.iter().map(web_sys::File::name).collect();
        let Some(file) = files.into_iter().next() else { return };
        if names.len() > 1 {
            self.input_notice.set(Some((
                true,
                format!("expected one file, found {}: {}; drop them one at a time", names.len(), names.join(", ")),
            )));
            return;
        }
        if let Err(message) = crate::settings::acceptable_file(&file.name(), file.size()) {
            self.input_notice.set(Some((true, message)));
            return;
        }
        leptos::task::spawn_local(async move {
            match browser::read_file(&file).await {
                Ok(text) => {
                    app.input_notice
                        .set(Some((false, format!("Read {} ({})", file.name(), crate::settings::size(file.size())))));
                    app.replace(text);
                }
                Err(message) => app.input_notice.set(Some((true, format!("{}: {message}", file.name())))),
            }
        });
    }

    /// Selects the bytes `start..end` of the checked text in the editor and highlights their line.
    pub fn jump_to(&self, start: usize, end: usize, line: usize) {
        let checked = self.current();
        let Some(editor) = self.editor.get_untracked() else { return };
        let text = &checked.text;
        let utf16 = |at: usize| text.get(..at.min(text.len())).map_or(0, |s| s.encode_utf16().count()) as u32;
        let _ = editor.focus();
        let _ = editor.set_selection_range(utf16(start), utf16(end));
        let top = crate::editor::line_top(line) - i64::from(editor.client_height()) / 3;
        editor.set_scroll_top(top.clamp(0, i64::from(i32::MAX)) as i32);
        self.highlight.set(Some(line));
    }

    /// Replaces the bytes `start..end` of the checked text with `replacement`, if the editor still
    /// holds that text.
    pub fn apply_fix(&self, start: usize, end: usize, replacement: &str) {
        let Checked { text, .. } = self.current();
        if end <= text.len() && start <= end && text.is_char_boundary(start) && text.is_char_boundary(end) {
            let mut fixed = text.to_string();
            fixed.replace_range(start..end, replacement);
            self.replace(fixed);
        }
    }

    /// Applies every suggested fix, from the end of the text backwards so spans stay valid.
    pub fn apply_all_fixes(&self) {
        let Checked { text, parsed } = self.current();
        let mut fixes: Vec<(usize, usize, &str)> = parsed
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref().map(|f| (d.span.start, d.span.end, f.replacement.as_str())))
            .collect();
        fixes.sort_by_key(|f| std::cmp::Reverse(f.0));
        let mut fixed = text.to_string();
        let mut limit = usize::MAX;
        for (start, end, replacement) in fixes {
            if end <= limit && fixed.is_char_boundary(start) && fixed.is_char_boundary(end) {
                fixed.replace_range(start..end, replacement);
                limit = start;
            }
        }
        self.replace(fixed);
    }

    fn services(&self) -> Vec<Service> {
        let mut services = Vec::new();
        if self.guardduty.get_untracked() {
            services.push(Service::GuardDuty);
        }
        if self.detective.get_untracked() {
            services.push(Service::Detective);
        }
        services
    }

    /// The Detective options the controls describe; organization accounts get no invitation, so
    /// its message and email setting are not sent.
    pub fn detective_options(&self) -> DetectiveOptions {
        let organization_mode = self.org_mode.get();
        DetectiveOptions {
            message: Some(self.message.get()).filter(|m| !organization_mode && !m.trim().is_empty()),
            disable_email_notification: !organization_mode && self.disable_email.get(),
            organization_mode,
        }
    }

    /// The targets to send to, or what stops them from being used.
    pub fn targets(&self) -> Result<Vec<Target>, Vec<String>> {
        let options = self.detective_options();
        let mut problems = Vec::new();
        if self.detective.get()
            && let Err(e) = options.validate()
        {
            problems.push(format!("Detective: {e}"));
        }
        let mut targets = Vec::new();
        for destination in self.destinations.get() {
            match destination.target(&options) {
                Ok(target) => targets.push(target),
                Err(e) => problems.push(format!("{} {}: {e}", destination.service.display_name(), destination.region)),
            }
        }
        if problems.is_empty() { Ok(targets) } else { Err(problems) }
    }

    /// Changes the detector ID or graph ARN of one destination, checking it as typed.
    pub fn set_destination(&self, index: usize, id: String) {
        let options = self.detective_options();
        self.destinations.update(|list| {
            if let Some(destination) = list.get_mut(index) {
                destination.id = id;
                destination.problem = destination.target(&options).err();
            }
        });
    }

    /// Finds the detector and behavior graph of each chosen region through the proxy. A region
    /// where none is found still gets a row, so its ID can be typed.
    pub fn discover(&self) {
        let app = *self;
        browser::save_token(&self.token.get_untracked());
        self.discovering.set(true);
        self.notice.set(None);
        leptos::task::spawn_local(async move {
            let (base, token) = (app.proxy.get_untracked(), app.token.get_untracked());
            let mut destinations = Vec::new();
            let mut problems = Vec::new();
            let regions: Vec<String> = app
                .regions
                .get_untracked()
                .split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect();
            if regions.is_empty() {
                problems.push("expected at least one region, such as us-east-1, found none".to_owned());
            }
            if app.services().is_empty() {
                problems.push("expected GuardDuty, Detective or both to be chosen, found neither".to_owned());
            }
            for name in regions {
                let region: Region = match name.parse() {
                    Ok(region) => region,
                    Err(e) => {
                        problems.push(format!("region {name:?}: {e}"));
                        continue;
                    }
                };
                for service in app.services() {
                    let found = find(&base, &token, service, &region).await;
                    // A graph ARN names its administrator account, which is left out of the list.
                    if let Ok(id) = &found
                        && let Ok(arn) = id.parse::<GraphArn>()
                        && let Some(admin) = arn.account()
                    {
                        app.admin.update(|a| {
                            if a.trim().is_empty() {
                                *a = admin.to_string();
                            }
                        });
                    }
                    let (id, problem) = match found {
                        Ok(id) => (id, None),
                        Err(problem) => (String::new(), Some(problem)),
                    };
                    destinations.push(Destination { service, region: region.clone(), id, problem });
                }
            }
            app.destinations.set(destinations);
            app.notice.set(if problems.is_empty() { None } else { Some(problems.join("\n")) });
            app.discovering.set(false);
        });
    }

    /// Starts a run of the current list to the chosen targets.
    pub fn send(&self) {
        let Checked { text, parsed } = self.current();
        let targets = match self.targets() {
            Ok(targets) if !targets.is_empty() => targets,
            Ok(_) => {
                return self.notice.set(Some("expected at least one detector or behavior graph, found none".into()));
            }
            Err(problems) => return self.notice.set(Some(problems.join("\n"))),
        };
        if parsed.has_errors() && !self.skip_invalid.get_untracked() {
            let errors = parsed.summary().errors;
            return self.notice.set(Some(format!(
                "expected a list without errors, found {}; fix them or choose to skip those lines",
                if errors == 1 { "1".to_owned() } else { enlist_core::thousands(errors) }
            )));
        }
        let config = RunConfig { seed: browser::now(), ..RunConfig::default() };
        match Run::new(&text, &parsed, targets, config) {
            Ok(run) => {
                browser::save(INPUT_KEY, &text);
                self.filter.set(String::new());
                self.search.set(String::new());
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
        let Some(journal) = self.saved.get_untracked() else { return };
        match Run::from_journal(&journal) {
            Ok(run) => {
                let done = run.is_done();
                if let Some(input) = browser::load(INPUT_KEY) {
                    self.replace(input);
                }
                self.run.set(Some(run));
                self.saved.set(None);
                if !done {
                    self.drive();
                }
            }
            Err(e) => {
                self.notice.set(Some(format!("the saved run cannot be resumed: {e}")));
                self.discard();
            }
        }
    }

    pub fn discard(&self) {
        browser::forget(JOURNAL_KEY);
        browser::forget(INPUT_KEY);
        self.saved.set(None);
    }

    /// Sends the accounts that need another try again, to the same targets.
    pub fn retry_failures(&self) {
        let Some((list, targets)) = self
            .run
            .with_untracked(|run| run.as_ref().map(|r| (enlist_core::export::retry_list(r), r.targets().to_vec())))
        else {
            return;
        };
        self.replace(list);
        let Checked { text, parsed } = self.current();
        let config = RunConfig { seed: browser::now(), ..RunConfig::default() };
        match Run::new(&text, &parsed, targets, config) {
            Ok(run) => {
                browser::save(INPUT_KEY, &text);
                self.filter.set(String::new());
                self.run.set(Some(run));
                self.drive();
            }
            Err(e) => self.notice.set(Some(e.to_string())),
        }
    }

    /// Puts the accounts that need another try into the editor as a new list.
    pub fn load_failures(&self) {
        if let Some(list) = self.run.with_untracked(|run| run.as_ref().map(enlist_core::export::retry_list)) {
            self.replace(list);
            self.run.set(None);
            browser::forget(JOURNAL_KEY);
            browser::forget(INPUT_KEY);
        }
    }
}

/// The first detector (GuardDuty) or behavior graph ARN (Detective) of a region, or why there is none.
async fn find(base: &str, token: &str, service: Service, region: &Region) -> Result<String, String> {
    let request = match service {
        Service::GuardDuty => wire::list_detectors(region, None, None),
        Service::Detective => wire::list_graphs(region, None, None),
    };
    let response = browser::send(base, token, &request).await.map_err(|e| e.to_string())?;
    if !response.is_success() {
        return Err(wire::decode_error(&response).to_string());
    }
    let first = match service {
        Service::GuardDuty => {
            wire::parse_list_detectors(&response.body).map_err(|e| e.to_string())?.items.into_iter().next()
        }
        Service::Detective => {
            wire::parse_list_graphs(&response.body).map_err(|e| e.to_string())?.items.into_iter().next().map(|g| g.arn)
        }
    };
    first.ok_or_else(|| match service {
        Service::GuardDuty => "no detector in this region; enable GuardDuty here first, or type its ID".to_owned(),
        Service::Detective => {
            "no behavior graph in this region; enable Detective here first, or type its ARN".to_owned()
        }
    })
}
