//! The app's state as signals, and every state change as a method: the views only call these.
//! The rules of a run are the core's (`Plan`, `Target`, `Discovery`, `Run`); this module only
//! keeps them in signals and drives them through the browser.

use std::sync::Arc;

use enlist_core::engine::{Run, RunConfig};
use enlist_core::{
    AccountId, Destination, DetectorId, Discovery, Fix, GraphArn, HubArn, Invitation, Options, Parsed, Region, Service,
    Services, Span, Target, Unreachable, parse_shared, reparse,
};
use leptos::prelude::*;

use crate::browser::{self, Connection, Journal};
use crate::model::{self, Covered};
pub use crate::run::SavedRun;
use crate::settings::Settings;

/// Texts up to this size are checked on every keystroke; longer ones once typing pauses.
const CHECK_AT_ONCE: usize = 1 << 20;
/// How long typing must pause before a long text is checked again.
const PAUSE_MS: u32 = 250;

/// The list the diagnostics describe: the core's parse, which owns its text.
#[derive(Clone, Debug)]
pub struct Checked {
    pub parsed: Arc<Parsed>,
}

impl Checked {
    /// The text that was checked.
    pub fn text(&self) -> &str {
        self.parsed.text()
    }
}

/// A detector, behavior graph or hub field: found by discovery or typed, checked as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct DestinationField {
    pub service: Service,
    pub region: Region,
    /// The detector ID, graph ARN or hub ARN as shown in its field.
    pub id: String,
    /// Why the service cannot be used in this region, as discovery found.
    pub unreachable: Option<Unreachable>,
    /// Why `id` cannot be used.
    pub problem: Option<String>,
}

impl DestinationField {
    /// The core's destination for this field: a checked target, or the reason there is none.
    fn destination(&self, invitation: &Invitation, organization: bool) -> Result<Destination, String> {
        let region = self.region.clone();
        let id = self.id.trim();
        if id.is_empty()
            && let Some(unreachable) = &self.unreachable
        {
            return Ok(Destination::Unavailable { service: self.service, region, unreachable: unreachable.clone() });
        }
        let target = match self.service {
            Service::GuardDuty => {
                id.parse::<DetectorId>().and_then(|detector| Target::guardduty(region, detector, invitation.clone()))
            }
            Service::Detective => {
                id.parse::<GraphArn>().and_then(|arn| Target::detective(region, arn, invitation.clone(), organization))
            }
            Service::SecurityHub => id.parse::<HubArn>().and_then(|arn| Target::security_hub(region, arn)),
        };
        target.map(Destination::Target).map_err(|e| e.to_string())
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
    /// The list of diagnostics, where the focus goes after a fix.
    pub diagnostics: NodeRef<leptos::html::Ul>,
    /// The line the last clicked diagnostic is on.
    pub highlight: RwSignal<Option<usize>>,
    /// What happened to the last file or paste, for the input panel.
    pub input_notice: RwSignal<Option<(bool, String)>>,
    /// The services ticked (none is allowed while the user changes them).
    pub services: RwSignal<Services>,
    pub org_mode: RwSignal<bool>,
    pub admin: RwSignal<String>,
    pub regions: RwSignal<String>,
    /// The invitation message (GuardDuty InviteMembers and Detective CreateMembers).
    pub message: RwSignal<String>,
    pub disable_email: RwSignal<bool>,
    pub proxy: RwSignal<String>,
    pub token: RwSignal<String>,
    pub destinations: RwSignal<Vec<DestinationField>>,
    pub discovery: RwSignal<Option<Discovery>>,
    /// Send the valid accounts of a list that has errors, skipping the lines with errors.
    pub skip_invalid: RwSignal<bool>,
    pub notice: RwSignal<Option<String>>,
    pub run: RwSignal<Option<Run>>,
    /// The run's requests are being sent (its driver is running).
    pub driving: RwSignal<bool>,
    pub(crate) journal: StoredValue<Option<Journal>, LocalStorage>,
    pub saved: RwSignal<Option<SavedRun>>,
    /// Earlier runs of this page, finished before the list changed and was sent again; their rows
    /// stay above the current run's.
    pub earlier: RwSignal<Vec<Arc<Run>>>,
    /// What the earlier runs and the current one cover; changes only when a run starts or goes.
    pub covered: RwSignal<Arc<Covered>>,
    /// The run stopped sending because the proxy could not be reached.
    pub paused: RwSignal<bool>,
    /// How many earlier runs "Retry failures" has still to retry, one after the other.
    pub(crate) retrying: StoredValue<usize>,
    /// Days a finished run stays in this browser's storage (`config.json`'s `keepRunsDays`).
    pub keep_days: RwSignal<u32>,
    /// Why the token was refused, shown at the token field (in the opened connection section).
    pub token_problem: RwSignal<Option<String>>,
    /// What is wrong with the region list, shown at its field, with the mended list as a fix.
    pub regions_problem: RwSignal<Option<(String, Option<String>)>>,
    pub connection_open: RwSignal<bool>,
    /// The line at Send that says where the run stands; focus moves there when a run starts or
    /// ends.
    pub stage: NodeRef<leptos::html::Div>,
    pub filter: RwSignal<String>,
    pub search: RwSignal<String>,
    /// The code the page needs only once a list goes somewhere, when it has loaded.
    pub(crate) later: RwSignal<Option<&'static crate::later::Later>>,
    /// The later module could not be loaded (the last try failed).
    pub(crate) later_failed: RwSignal<bool>,
    /// The saved run is to be looked for once the later module is there (asked at load; a load
    /// that fails keeps it asked, so the first load that works, "Try again" included, does it).
    pub(crate) saved_pending: StoredValue<bool>,
    /// The editor for long lists (`lines.rs`).
    pub long: crate::lines::LongEditor,
}

impl Default for AppState {
    fn default() -> AppState {
        AppState::new()
    }
}

impl AppState {
    pub fn new() -> AppState {
        let empty = Checked { parsed: Arc::new(parse_shared(Arc::from(""), &Options::default())) };
        let text = RwSignal::new(String::new());
        AppState {
            text,
            long: crate::lines::LongEditor::new(text),
            replaced: RwSignal::new(0),
            checked: RwSignal::new(empty),
            pending: StoredValue::new_local(None),
            editor: NodeRef::new(),
            diagnostics: NodeRef::new(),
            highlight: RwSignal::new(None),
            input_notice: RwSignal::new(None),
            services: RwSignal::new(Services::only(Service::GuardDuty)),
            org_mode: RwSignal::new(false),
            admin: RwSignal::new(String::new()),
            regions: RwSignal::new("us-east-1".to_owned()),
            message: RwSignal::new(String::new()),
            disable_email: RwSignal::new(false),
            proxy: RwSignal::new(String::new()),
            token: RwSignal::new(browser::load_token().unwrap_or_default()),
            destinations: RwSignal::new(Vec::new()),
            discovery: RwSignal::new(None),
            skip_invalid: RwSignal::new(false),
            notice: RwSignal::new(None),
            run: RwSignal::new(None),
            driving: RwSignal::new(false),
            journal: StoredValue::new_local(None),
            saved: RwSignal::new(None),
            earlier: RwSignal::new(Vec::new()),
            covered: RwSignal::new(Arc::new(Covered::default())),
            paused: RwSignal::new(false),
            retrying: StoredValue::new(0),
            keep_days: RwSignal::new(model::KEEP_RUNS_DAYS),
            token_problem: RwSignal::new(None),
            regions_problem: RwSignal::new(None),
            connection_open: RwSignal::new(false),
            stage: NodeRef::new(),
            filter: RwSignal::new(String::new()),
            search: RwSignal::new(String::new()),
            later: RwSignal::new(None),
            later_failed: RwSignal::new(false),
            saved_pending: StoredValue::new(false),
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
            self.services.set(services.into_iter().collect());
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
        if let Some(days) = settings.keep_runs_days {
            self.keep_days.set(days);
        }
    }

    /// The parse options the controls describe (read without tracking).
    pub fn options(&self) -> Options {
        Options {
            services: self.services(),
            organization_mode: self.org_mode.get_untracked(),
            admin_account: self.admin.get_untracked().trim().parse::<AccountId>().ok(),
            format: None,
        }
    }

    fn services(&self) -> Services {
        let services = self.services.get_untracked();
        if services.is_empty() { Services::BOTH } else { services }
    }

    /// The services ticked, as they are (none when none is), tracked.
    fn services_tracked(&self) -> Services {
        self.services.get()
    }

    /// Ticks or unticks `service`.
    pub fn tick(&self, service: Service, on: bool) {
        self.services.update(|s| *s = s.set(service, on));
    }

    /// Subscribes the caller to every control that changes how the list is read.
    pub fn track_options(&self) {
        self.services.track();
        self.org_mode.track();
        self.admin.track();
    }

    /// Checks the editor's text now.
    pub fn recheck(&self) {
        self.pending.set_value(None);
        let text: Arc<str> = self.text.with_untracked(|t| Arc::from(t.as_str()));
        let options = self.options();
        // Only the lines an edit changed are read again (`reparse` falls back to a whole parse).
        let previous = self.checked.with_untracked(|c| Arc::clone(&c.parsed));
        let parsed = Arc::new(browser::measured("enlist:parse", || reparse(&previous, text, &options)));
        self.checked.set(Checked { parsed });
    }

    /// The checked list, checking first if typing has not settled yet.
    pub fn current(&self) -> Checked {
        if self.pending.with_value(Option::is_some)
            || self.checked.with_untracked(|c| self.text.with_untracked(|t| c.text() != t))
        {
            self.recheck();
        }
        self.checked.get_untracked()
    }

    /// The user typed or pasted: short texts (and any paste) are checked at once, long ones once
    /// typing pauses so keystrokes stay fast.
    pub fn edit(&self, value: String, pasted: bool) {
        let value = crate::lines::textarea_breaks(value);
        self.long_list_current();
        self.long.decide(&value);
        self.text.set(value);
        self.long.model.update_value(crate::lines::Model::replaced);
        self.long_text_replaced(false);
        self.check_edit(pasted);
    }

    /// Checks the text after an edit: at once when short (or pasted), once typing pauses when long.
    pub(crate) fn check_edit(&self, pasted: bool) {
        let long = self.text.with_untracked(|t| t.len() > CHECK_AT_ONCE);
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
        let value = crate::lines::textarea_breaks(value);
        self.long_list_current();
        self.long.decide(&value);
        self.text.set(value);
        self.long.model.update_value(crate::lines::Model::replaced);
        self.long_text_replaced(true);
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
                Ok(decoded) => {
                    let mut notice = format!("Read {} ({})", file.name(), crate::settings::size(file.size()));
                    if let Some(note) = &decoded.note {
                        notice.push_str(&format!(": {note}"));
                    }
                    app.input_notice.set(Some((false, notice)));
                    app.replace(decoded.text);
                }
                Err(message) => app.input_notice.set(Some((true, format!("{}: {message}", file.name())))),
            }
        });
    }

    /// Selects the bytes `start..end` of the checked text in the editor and highlights their line.
    pub fn jump_to(&self, start: usize, end: usize, line: usize) {
        // The spans are the checked text's: it is checked now if typing left it behind.
        self.current();
        self.select_span(start, end, line, true);
    }

    /// Applies a diagnostic's fix on `span` of the checked text, if the editor still holds that
    /// text, as one edit the editor's undo (Ctrl+Z) takes back.
    pub fn apply_fix(&self, span: Span, fix: &Fix) {
        if let Some(fixed) = enlist_core::apply_fix(&self.current().parsed, span, fix) {
            self.edit_as_user(fixed);
            self.after_fix();
        }
    }

    /// Applies every suggested repair as one edit the editor's undo takes back.
    pub fn apply_all_fixes(&self) {
        self.edit_as_user(enlist_core::apply_fixes(&self.current().parsed));
        self.after_fix();
    }

    /// Puts `fixed` in the editor as if typed: only the part that differs is replaced, through the
    /// browser's own editing command, so the textarea's undo and redo know it. Where the browser
    /// refuses the command, the text is replaced outright (undo then cannot take it back).
    pub(crate) fn edit_as_user(&self, fixed: String) {
        let current = self.text.get_untracked();
        if current == fixed {
            return;
        }
        let (prefix, suffix) = model::changed_range(&current, &fixed);
        if self.long.on.get_untracked() {
            self.long_replace(prefix..current.len() - suffix, &fixed[prefix..fixed.len() - suffix], None);
            return self.recheck();
        }
        let Some(editor) = self.editor.get_untracked() else { return self.replace(fixed) };
        let start = crate::lines::bytes_to_utf16(&current, prefix);
        let end = crate::lines::bytes_to_utf16(&current, current.len() - suffix);
        let insert = &fixed[prefix..fixed.len() - suffix];
        let _ = editor.focus();
        let _ = editor.set_selection_range(start, end);
        if browser::insert_text(insert) && editor.value() == fixed {
            // The input event carried the text to `edit`; check it now rather than after a pause.
            self.highlight.set(None);
            self.recheck();
        } else {
            self.replace(fixed);
        }
    }

    /// The fixed line's problem is gone, and with it the button that had the focus: the focus
    /// goes to the next fix, or to the counts when none is left.
    fn after_fix(&self) {
        let list = self.diagnostics;
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(30).await;
            use wasm_bindgen::JsCast;
            let next = list
                .get_untracked()
                .and_then(|list| list.query_selector("button.fix").ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            match next {
                Some(next) => browser::focus(&next),
                None => browser::focus_later("counts"),
            }
        });
    }

    /// The invitation the controls describe (for GuardDuty's InviteMembers and Detective's
    /// CreateMembers alike; the core drops it for an organization behavior graph).
    pub fn invitation(&self) -> Invitation {
        Invitation::new(Some(self.message.get().as_str()), self.disable_email.get())
    }

    /// The destinations to send to, or what stops them from being used.
    pub fn destinations(&self) -> Result<Vec<Destination>, Vec<String>> {
        let (invitation, organization) = (self.invitation(), self.org_mode.get());
        let mut problems = Vec::new();
        let mut destinations = Vec::new();
        for (_, field) in self.chosen_fields().map_err(|problem| vec![problem])? {
            match field.destination(&invitation, organization) {
                Ok(destination) => destinations.push(destination),
                Err(e) => problems.push(format!("{} {}: {e}", field.service.display_name(), field.region)),
            }
        }
        if problems.is_empty() { Ok(destinations) } else { Err(problems) }
    }

    /// The destination fields the form asks for now (the chosen services in the listed regions),
    /// with their index among all the fields discovery filled; or why they cannot be used (a
    /// service or region chosen since that has no field yet, or a region list to mend).
    pub fn chosen_fields(&self) -> Result<Vec<(usize, DestinationField)>, String> {
        let regions = model::region_list(&self.regions.get())?;
        let services: Vec<Service> = self.services_tracked().iter().collect();
        let fields = self.destinations.get();
        let found: Vec<(Service, &Region)> = fields.iter().map(|f| (f.service, &f.region)).collect();
        let chosen = model::chosen_destinations(&found, &services, &regions)?;
        Ok(chosen.into_iter().map(|i| (i, fields[i].clone())).collect())
    }

    /// Changes the detector ID or graph ARN of one destination, checking it as typed.
    pub fn set_destination(&self, index: usize, id: String) {
        let (invitation, organization) = (self.invitation(), self.org_mode.get_untracked());
        self.destinations.update(|list| {
            if let Some(field) = list.get_mut(index) {
                field.id = id;
                field.problem = field.destination(&invitation, organization).err();
            }
        });
    }

    pub(crate) fn connection(&self) -> Connection {
        Connection { base: self.proxy.get_untracked(), token: self.token.get_untracked() }
    }

    /// Finds the detector and behavior graph of each chosen region through the proxy, with the
    /// core's discovery (the CLI's): every page read, throttling retried, and a result per region.
    /// First the proxy is asked for the administrator account, which also tells whether it takes
    /// the token.
    pub fn discover(&self) {
        browser::save_token(&self.token.get_untracked());
        self.notice.set(None);
        self.token_problem.set(None);
        let text = self.regions.get_untracked();
        let regions = match model::region_list(&text) {
            Ok(regions) => regions,
            Err(problem) => {
                self.regions_problem.set(Some((problem, model::region_fix(&text))));
                return browser::focus_later("regions");
            }
        };
        self.regions_problem.set(None);
        if self.services.get_untracked().is_empty() {
            self.notice.set(Some(
                "expected one or more services to be chosen (GuardDuty, Detective, Security Hub), found none"
                    .to_owned(),
            ));
            return;
        }
        let services = self.services();
        let listed = regions.clone();
        let discovery = Discovery::new(
            services,
            &regions,
            &enlist_core::Given::default(),
            RunConfig { seed: browser::now(), ..RunConfig::default() },
        );
        self.discovery.set(Some(discovery));
        let app = *self;
        leptos::task::spawn_local(async move {
            if !app.take_proxy_config().await {
                app.discovery.set(None);
                return;
            }
            let driven = browser::drive(app.discovery, app.connection(), false, |_| Vec::new(), async |_| Ok(())).await;
            let Some(discovery) = app.discovery.try_update(Option::take).flatten() else { return };
            if let Err(message) = driven {
                app.notice.set(Some(message));
            }
            let found = discovery.found();
            if found.iter().any(|f| f.result.as_ref().is_err_and(model::token_refused)) {
                return app.refused(browser::TOKEN_REFUSED.to_owned());
            }
            // A region the proxy does not serve is a problem of the list, said once at its field.
            let mut unknown: Vec<Region> = Vec::new();
            for f in &found {
                if f.result.as_ref().is_err_and(model::unknown_region) && !unknown.contains(&f.region) {
                    unknown.push(f.region.clone());
                }
            }
            if !unknown.is_empty() {
                app.regions_problem.set(Some(model::unknown_regions_problem(&listed, &unknown)));
                return browser::focus_later("regions");
            }
            let mut fields = Vec::new();
            for found in found {
                let (id, unreachable) = match found.result {
                    Ok(id) => (id, None),
                    Err(why) => (String::new(), Some(why)),
                };
                // A graph or hub ARN names its administrator account, which is left out of the list.
                let named = id.parse::<GraphArn>().ok().and_then(|arn| arn.account());
                if let Some(admin) = named.or_else(|| id.parse::<HubArn>().ok().and_then(|arn| arn.account())) {
                    app.admin.update(|a| {
                        if a.trim().is_empty() {
                            *a = admin.to_string();
                        }
                    });
                }
                let problem = unreachable.as_ref().map(Unreachable::describe);
                fields.push(DestinationField {
                    service: found.service,
                    region: found.region,
                    id,
                    unreachable,
                    problem,
                });
            }
            app.destinations.set(fields);
            // The focus goes to what was found: the first region's field.
            browser::focus_later("destination-0");
        });
    }

    /// The proxy refused the token: say so at the token field, in the opened connection section.
    fn refused(&self, problem: String) {
        self.token_problem.set(Some(problem));
        self.connection_open.set(true);
        // The token field is drawn by the later module: at load it may not be there yet.
        self.later(|_| browser::focus_later("token"));
    }

    /// Puts the mended region list in the field.
    pub fn fix_regions(&self, fixed: String) {
        self.regions.set(fixed);
        self.regions_problem.set(None);
        browser::focus_later("regions");
    }

    /// Asks the proxy for the administrator account when a token is at hand (at load); a refusal
    /// is told at the token field.
    pub fn ask_proxy(&self) {
        if self.token.get_untracked().is_empty() {
            return;
        }
        let app = *self;
        leptos::task::spawn_local(async move {
            app.take_proxy_config().await;
        });
    }

    /// Reads the proxy's `/v1/config` and takes the administrator it names; `false` when the proxy
    /// refused the token (said at the token field).
    async fn take_proxy_config(self) -> bool {
        match browser::proxy_config(&self.connection()).await {
            Ok(config) => {
                if let Some(admin) = config.as_ref().and_then(|c| c.administrator()) {
                    self.admin.set(admin.to_string());
                }
                true
            }
            Err(refused) => {
                self.refused(refused);
                false
            }
        }
    }
}
