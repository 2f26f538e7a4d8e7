//! A run in the page: started from the core's plan, driven through the proxy with its journal in
//! IndexedDB, resumed after a reload, retried and repaired in place.

use std::sync::Arc;

use enlist_core::engine::{Run, RunConfig};
use enlist_core::{Plan, Policy};
use leptos::prelude::*;

use crate::browser::{self, Journal};
use crate::model::{self, Covered};
use crate::state::{AppState, Checked};

/// Where the list a run was started from is kept, beside the run.
const INPUT_KEY: &str = "input";
/// Where the journals of the page's earlier runs are kept (a JSON list of record lists), beside
/// the current run's.
const EARLIER_KEY: &str = "earlier";
/// When the run finished (milliseconds), from which its time in storage is counted.
const FINISHED_KEY: &str = "finished";
/// When an unfinished run last saved an answer (milliseconds, kept at most once a minute), from
/// which its time in storage is counted: a run left paused or closed mid-way expires too.
const TOUCHED_KEY: &str = "touched";
/// How often the time of an unfinished run's last answer is saved.
const TOUCH_EVERY_MS: u64 = 60_000;
/// Where the first version kept its journal and list (read once, then moved to IndexedDB).
const OLD_JOURNAL_KEY: &str = "enlist.journal";
const OLD_INPUT_KEY: &str = "enlist.input";

/// A run kept in this browser from before the page was loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedRun {
    /// The journal's records.
    pub records: Arc<Vec<String>>,
    /// The journals of the page's earlier runs, oldest first.
    pub earlier: Arc<Vec<Vec<String>>>,
    /// Accounts × destinations, when it started, and its counts.
    pub summary: String,
    /// Whether it had finished.
    pub finished: bool,
}

impl AppState {
    /// Starts a run of the current list to the chosen destinations: the core's plan checks every
    /// rule, then the run reads what each service holds, creates, invites and watches. After a
    /// run, only what it did not cover is sent, and its rows stay.
    pub fn send(&self) {
        if self.driving.get_untracked() || self.run.with_untracked(|r| r.as_ref().is_some_and(|r| !r.is_done())) {
            return self
                .notice
                .set(Some("expected the run to finish before another is sent; wait for it, or cancel it".to_owned()));
        }
        let Checked { parsed } = self.current();
        let destinations = match self.destinations() {
            Ok(destinations) => destinations,
            Err(problems) => return self.notice.set(Some(problems.join("\n"))),
        };
        let plan = match Plan::new(&parsed, destinations, Policy { skip_invalid: self.skip_invalid.get_untracked() }) {
            Ok(plan) => plan,
            Err(enlist_core::PlanError::Errors(n)) => {
                return self.notice.set(Some(format!(
                    "{}: choose to skip those lines, or fix them first",
                    enlist_core::PlanError::Errors(n)
                )));
            }
            Err(e) => return self.notice.set(Some(e.to_string())),
        };
        let covered = self.covered.get_untracked();
        let plan = if covered.is_empty() {
            plan
        } else {
            match plan.remaining(|d, a| covered.account(d, a), |s| covered.skipped(s)) {
                Some(plan) => plan,
                None => {
                    return self.notice.set(Some(
                        "every account of this list was sent to these destinations already; the outcomes are below"
                            .to_owned(),
                    ));
                }
            }
        };
        self.notice.set(None);
        let app = *self;
        let text = parsed.text().to_owned();
        leptos::task::spawn_local(async move {
            let journal = match app.open_journal().await {
                Ok(journal) => journal,
                Err(message) => return app.stopped(&message),
            };
            // The run before this one joins the earlier runs, in storage first.
            let previous = app.run.get_untracked();
            let earlier: Option<String> = previous.as_ref().map(|previous| {
                let mut journals: Vec<Vec<String>> = app.earlier.with_untracked(|runs| {
                    runs.iter().map(|r| r.snapshot().into_iter().map(|r| r.line).collect()).collect()
                });
                journals.push(previous.snapshot().into_iter().map(|r| r.line).collect());
                serde_json::to_string(&journals).unwrap_or_default()
            });
            let kept = async {
                match &earlier {
                    Some(earlier) => journal.replace(&[], &[FINISHED_KEY], &[(EARLIER_KEY, earlier)]).await?,
                    None => journal.clear().await?,
                }
                journal.set(INPUT_KEY, &text).await
            };
            if let Err(message) = kept.await {
                return app.stopped(&message);
            }
            let now = browser::now();
            app.filter.set(String::new());
            app.search.set(String::new());
            app.saved.set(None);
            if let Some(previous) = previous {
                app.earlier.update(|runs| runs.push(Arc::new(previous)));
            } else {
                app.earlier.set(Vec::new());
            }
            app.run.set(Some(plan.start(RunConfig { seed: now, ..RunConfig::default() }, now)));
            app.refresh_covered();
            app.focus_stage();
            app.drive(journal);
        });
    }

    /// What the page's runs cover, for the next Send.
    fn refresh_covered(&self) {
        let covered = self.earlier.with_untracked(|earlier| {
            self.run.with_untracked(|run| Covered::of(earlier.iter().map(|r| &**r).chain(run.as_ref())))
        });
        self.covered.set(Arc::new(covered));
    }

    /// Moves the focus to the line at Send that says where the run stands, once it is drawn.
    pub(crate) fn focus_stage(&self) {
        let app = *self;
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(30).await;
            if let Some(stage) = app.stage.get_untracked() {
                browser::focus(&stage);
            }
        });
    }

    pub(crate) async fn open_journal(&self) -> Result<Journal, String> {
        if let Some(journal) = self.journal.get_value() {
            return Ok(journal);
        }
        let journal = Journal::open().await?;
        self.journal.set_value(Some(journal.clone()));
        Ok(journal)
    }

    /// The run cannot go on: it is cancelled (answers on their way are still kept) and the reason
    /// shown.
    fn stopped(&self, message: &str) {
        self.run.update(|run| {
            if let Some(run) = run {
                run.cancel();
            }
        });
        self.notice.set(Some(format!("the run stopped: {message}; nothing more is sent")));
    }

    /// Drives the run through the proxy, keeping its journal in IndexedDB before every send. It
    /// pauses when the proxy cannot be reached; when it ends, the focus goes to its state.
    fn drive(&self, journal: Journal) {
        if self.driving.get_untracked() {
            return;
        }
        self.driving.set(true);
        self.paused.set(false);
        let app = *self;
        leptos::task::spawn_local(async move {
            let mut touched = 0;
            let result = browser::drive(app.run, app.connection(), true, Run::take_records, async |records| {
                journal.write(&records).await?;
                let now = browser::now();
                if now.saturating_sub(touched) >= TOUCH_EVERY_MS {
                    touched = now;
                    journal.set(TOUCHED_KEY, &now.to_string()).await?;
                }
                Ok(())
            })
            .await;
            app.driving.set(false);
            match result {
                Ok(browser::Driven::Paused) => {
                    app.paused.set(true);
                    app.focus_stage();
                }
                Ok(browser::Driven::Done) => {
                    if app.run.with_untracked(|r| r.as_ref().is_some_and(Run::is_done)) {
                        let _ = journal.set(FINISHED_KEY, &browser::now().to_string()).await;
                        // "Retry failures" goes on with the next run that has failures.
                        if app.retrying.get_value() > 0 && app.retry_next(false) {
                            return;
                        }
                        app.focus_stage();
                    }
                }
                Err(message) => app.stopped(&message),
            }
        });
    }

    pub fn cancel(&self) {
        self.run.update(|run| {
            if let Some(run) = run {
                run.cancel();
            }
        });
    }

    /// Looks for a run kept in this browser (and moves one the first version kept in local
    /// storage). A run past its time (`keepRunsDays` since it finished, or since its last answer if it
    /// did not finish) is deleted, list and all.
    pub fn look_for_saved_run(&self) {
        let app = *self;
        leptos::task::spawn_local(async move {
            let Ok(journal) = app.open_journal().await else { return };
            if let Some(old) = browser::load(OLD_JOURNAL_KEY) {
                if let Ok(run) = Run::from_journal(&old) {
                    let input = browser::load(OLD_INPUT_KEY).unwrap_or_default();
                    let moved = async {
                        journal.clear().await?;
                        journal.write(&run.snapshot()).await?;
                        journal.set(INPUT_KEY, &input).await
                    };
                    if moved.await.is_err() {
                        return;
                    }
                }
                browser::forget(OLD_JOURNAL_KEY);
                browser::forget(OLD_INPUT_KEY);
            }
            let Ok(mut records) = journal.load().await else { return };
            let mut earlier: Vec<Vec<String>> = journal
                .get(EARLIER_KEY)
                .await
                .ok()
                .flatten()
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or_default();
            if records.is_empty() {
                // The tab closed after Send moved the run before into the earlier runs and before
                // the new run's first record: the last earlier run becomes the current one again.
                let Some(last) = earlier.pop() else { return };
                let lines: Vec<&str> = last.iter().map(String::as_str).collect();
                let Ok(run) = Run::from_lines(&lines) else { return };
                let rest = serde_json::to_string(&earlier).unwrap_or_default();
                if journal.replace(&run.snapshot(), &[], &[(EARLIER_KEY, &rest)]).await.is_err() {
                    return;
                }
                records = last;
            }
            let time = async |key| journal.get(key).await.ok().flatten().and_then(|t| t.parse::<u64>().ok());
            let finished_at = time(FINISHED_KEY).await;
            let touched_at = time(TOUCHED_KEY).await;
            let lines: Vec<&str> = records.iter().map(String::as_str).collect();
            let now = browser::now();
            let (summary, finished) = match Run::from_lines(&lines) {
                Ok(run) => {
                    let finished = run.is_done();
                    // A finished run counts from its end, an unfinished one from its last answer.
                    let since = if finished { finished_at } else { touched_at }
                        .unwrap_or_else(|| run.created_at())
                        .max(run.created_at());
                    if model::expired(since, now, app.keep_days.get_untracked()) {
                        let _ = journal.clear().await;
                        return;
                    }
                    let mut summary = model::describe_saved(&run, now);
                    if !earlier.is_empty() {
                        summary.push_str(&format!(
                            " (and {} earlier run{} of the same page)",
                            earlier.len(),
                            if earlier.len() == 1 { "" } else { "s" }
                        ));
                    }
                    (summary, finished)
                }
                Err(e) => (format!("it cannot be read: {e}"), false),
            };
            app.saved.set(Some(SavedRun { records: Arc::new(records), earlier: Arc::new(earlier), summary, finished }));
        });
    }

    /// Picks up the run kept in this browser. An unfinished one goes on: what was in flight is
    /// read back, what failed is tried again, and watching goes on until its deadline. A finished
    /// one is only shown.
    pub fn resume(&self) {
        let Some(saved) = self.saved.get_untracked() else { return };
        let lines: Vec<&str> = saved.records.iter().map(String::as_str).collect();
        let earlier: Result<Vec<Arc<Run>>, String> = saved
            .earlier
            .iter()
            .map(|journal| {
                let lines: Vec<&str> = journal.iter().map(String::as_str).collect();
                Run::from_lines(&lines).map(Arc::new).map_err(|e| e.to_string())
            })
            .collect();
        match Run::from_lines(&lines).map_err(|e| e.to_string()).and_then(|run| Ok((run, earlier?))) {
            Ok((mut run, earlier)) => {
                let app = *self;
                leptos::task::spawn_local(async move {
                    let Ok(journal) = app.open_journal().await else { return };
                    if let Ok(Some(input)) = journal.get(INPUT_KEY).await {
                        app.replace(input);
                    }
                    app.show_targets_of(&run);
                    if !saved.finished {
                        run.retry_failed(browser::now());
                    }
                    app.earlier.set(earlier);
                    app.run.set(Some(run));
                    app.saved.set(None);
                    app.refresh_covered();
                    if saved.finished {
                        app.focus_stage();
                    } else {
                        app.focus_stage();
                        app.drive(journal);
                    }
                });
            }
            Err(e) => {
                self.notice.set(Some(format!("the saved run cannot be resumed: {e}")));
                self.forget();
            }
        }
    }

    /// Puts the services, regions and invitation `run` went with back in the form (after a reload
    /// the form shows `config.json`'s), so that what the page shows and what a next Send would use
    /// is the run's.
    fn show_targets_of(&self, run: &Run) {
        let destinations = run.destinations();
        if destinations.is_empty() {
            return;
        }
        let mut regions: Vec<String> = Vec::new();
        for destination in destinations {
            let region = destination.region().to_string();
            if !regions.contains(&region) {
                regions.push(region);
            }
        }
        self.services.set(destinations.iter().map(enlist_core::Destination::service).collect());
        self.regions.set(regions.join(", "));
        let targets: Vec<&enlist_core::Target> =
            destinations.iter().filter_map(enlist_core::Destination::target).collect();
        // The invitation as sent: an organization graph and Security Hub take none.
        let invited =
            targets.iter().find(|t| t.service() != enlist_core::Service::SecurityHub && !t.organization_mode());
        if let Some(invitation) = invited.map(|t| t.invitation()) {
            self.message.set(invitation.message.clone().unwrap_or_default());
            self.disable_email.set(invitation.disable_email_notification);
        }
        self.org_mode.set(targets.iter().any(|t| t.organization_mode()));
    }

    /// Forgets the page's runs, in the page and in this browser's storage: their journals and the
    /// list they were started from.
    pub fn forget(&self) {
        self.saved.set(None);
        self.run.set(None);
        self.earlier.set(Vec::new());
        self.paused.set(false);
        self.refresh_covered();
        let app = *self;
        leptos::task::spawn_local(async move {
            if let Ok(journal) = app.open_journal().await {
                let _ = journal.clear().await;
            }
        });
    }

    /// Goes on with a paused or stopped run: what failed or never reached the proxy is tried again.
    pub fn go_on(&self) {
        self.run.update(|run| {
            if let Some(run) = run {
                run.retry_failed(browser::now());
            }
        });
        self.focus_stage();
        self.resume_driving();
    }

    /// Tries again, in the same runs and on the same rows, what failed or was cut short — after a
    /// pause too: the requests the proxy never got are sent again. The current run goes first;
    /// then each earlier run that has failures becomes the current one, in turn, and is retried
    /// once.
    pub fn retry_failures(&self) {
        let earlier = self.earlier.with_untracked(|e| e.iter().filter(|r| r.progress().retry > 0).count());
        self.retrying.set_value(earlier);
        self.retry_next(true);
    }

    /// Retries the current run if it has failures (and `current` allows it), else the first earlier
    /// run with failures that this round has not retried yet (runs retried go to the end of the
    /// list); `false` when there is none.
    fn retry_next(&self, current: bool) -> bool {
        let current = current && self.run.with_untracked(|r| r.as_ref().is_some_and(|r| r.progress().retry > 0));
        let mut earlier = None;
        if !current {
            let left = self.retrying.get_value();
            earlier =
                self.earlier.with_untracked(|e| e.iter().position(|r| r.progress().retry > 0)).filter(|_| left > 0);
            if earlier.is_none() {
                self.retrying.set_value(0);
                return false;
            }
            self.retrying.set_value(left - 1);
        }
        let app = *self;
        leptos::task::spawn_local(async move {
            let journal = match app.open_journal().await {
                Ok(journal) => journal,
                Err(message) => return app.stopped(&message),
            };
            if let Some(index) = earlier
                && let Err(message) = app.promote(index, &journal).await
            {
                return app.stopped(&message);
            }
            app.run.update(|run| {
                if let Some(run) = run {
                    run.retry_failed(browser::now());
                }
            });
            app.focus_stage();
            app.drive(journal);
        });
        true
    }

    /// Makes the page's earlier run `index` its current run, in storage first: only the current
    /// run is driven, so this is how an earlier run's failures are retried or its emails repaired,
    /// on its own rows. The current run joins the earlier ones; the promoted run's rows move to the
    /// end of the table, as the latest run's are.
    async fn promote(&self, index: usize, journal: &Journal) -> Result<(), String> {
        let mut earlier = self.earlier.get_untracked();
        if index >= earlier.len() {
            return Err(format!("expected an earlier run {index}, found {}", earlier.len()));
        }
        let promoted = earlier.remove(index);
        if let Some(current) = self.run.get_untracked() {
            earlier.push(Arc::new(current));
        }
        let journals: Vec<Vec<String>> =
            earlier.iter().map(|r| r.snapshot().into_iter().map(|r| r.line).collect()).collect();
        let run = Arc::try_unwrap(promoted).unwrap_or_else(|shared| (*shared).clone());
        let earlier_text = serde_json::to_string(&journals).unwrap_or_default();
        journal.replace(&run.snapshot(), &[FINISHED_KEY], &[(EARLIER_KEY, &earlier_text)]).await?;
        self.earlier.set(earlier);
        self.run.set(Some(run));
        Ok(())
    }

    /// Why [`AppState::repair`] would refuse `email` for `account` of run `run`, if it would, so
    /// the page can say so before asking to confirm.
    pub fn check_repair(&self, run: usize, account: usize, email: &str) -> Result<(), String> {
        let earlier = self.earlier.with_untracked(Vec::len);
        let failed = |r: &Run| {
            (0..r.destinations().len()).any(|d| {
                r.cell(d, account).is_some_and(|c| {
                    c.held == enlist_core::engine::Held::Member(enlist_core::MemberStatus::VerificationFailed)
                })
            })
        };
        let check = |r: &Run| {
            if !failed(r) {
                return Err("expected a member whose email verification failed, found none for this account".to_owned());
            }
            r.check_repair(account, email)
        };
        let no_run = || Err("expected a run, found none".to_owned());
        if run < earlier {
            self.earlier.with_untracked(|e| e.get(run).map_or_else(no_run, |r| check(r)))?;
        } else {
            self.run.with_untracked(|r| r.as_ref().map_or_else(no_run, check))?;
        }
        Ok(())
    }

    /// Corrects `account`'s email in the page's run `run` (an index over the earlier runs, then
    /// the current one) and deletes and creates again its members whose email verification failed
    /// (the proxy deletes nothing else). An earlier run becomes the current one first.
    pub fn repair(&self, run: usize, account: usize, email: &str) -> Result<(), String> {
        self.check_repair(run, account, email)?;
        let earlier = self.earlier.with_untracked(Vec::len);
        let (app, email) = (*self, email.to_owned());
        leptos::task::spawn_local(async move {
            let journal = match app.open_journal().await {
                Ok(journal) => journal,
                Err(message) => return app.stopped(&message),
            };
            if run < earlier
                && let Err(message) = app.promote(run, &journal).await
            {
                return app.stopped(&message);
            }
            let repaired = app.run.try_update(|r| r.as_mut().map(|r| r.repair(account, &email))).flatten();
            match repaired {
                Some(Ok(n)) if n > 0 => {
                    app.focus_stage();
                    app.drive(journal);
                }
                Some(Err(message)) => app.notice.set(Some(message)),
                _ => app.notice.set(Some(
                    "expected a member whose email verification failed, found none for this account".to_owned(),
                )),
            }
        });
        Ok(())
    }

    fn resume_driving(&self) {
        let app = *self;
        leptos::task::spawn_local(async move {
            match app.open_journal().await {
                Ok(journal) => app.drive(journal),
                Err(message) => app.stopped(&message),
            }
        });
    }

    /// Puts the accounts that need another try into the editor as a new list (a new run).
    pub fn load_failures(&self) {
        let list = self.earlier.with_untracked(|earlier| {
            self.run.with_untracked(|run| {
                crate::results::joined(
                    earlier.iter().map(|r| &**r).chain(run.as_ref()).map(enlist_core::export::retry_list),
                )
            })
        });
        self.replace(list);
        self.forget();
    }
}
