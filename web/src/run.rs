//! A run in the page: started from the core's plan, driven through the proxy with its journal in
//! IndexedDB, resumed after a reload, retried and repaired in place.

use std::sync::Arc;

use enlist_core::engine::{Run, RunConfig};
use enlist_core::{Plan, Policy};
use leptos::prelude::*;

use crate::browser::{self, Journal};
use crate::state::{AppState, Checked};

/// Where the list a run was started from is kept, beside the run.
const INPUT_KEY: &str = "input";
/// Where the first version kept its journal and list (read once, then moved to IndexedDB).
const OLD_JOURNAL_KEY: &str = "enlist.journal";
const OLD_INPUT_KEY: &str = "enlist.input";

/// A run kept in this browser from before the page was loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedRun {
    /// The journal's records.
    pub records: Arc<Vec<String>>,
    /// Accounts × destinations, and how many had their final outcome.
    pub summary: String,
    /// Whether it had finished.
    pub finished: bool,
}

impl AppState {
    /// Starts a run of the current list to the chosen destinations: the core's plan checks every
    /// rule, then the run reads what each service holds, creates, invites and watches.
    pub fn send(&self) {
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
        self.notice.set(None);
        let app = *self;
        let text = parsed.text().to_owned();
        leptos::task::spawn_local(async move {
            let journal = match app.open_journal().await {
                Ok(journal) => journal,
                Err(message) => return app.stopped(&message),
            };
            let kept = async {
                journal.clear().await?;
                journal.set(INPUT_KEY, &text).await
            };
            if let Err(message) = kept.await {
                return app.stopped(&message);
            }
            let now = browser::now();
            app.filter.set(String::new());
            app.search.set(String::new());
            app.saved.set(None);
            app.run.set(Some(plan.start(RunConfig { seed: now, ..RunConfig::default() }, now)));
            app.drive(journal);
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

    /// Drives the run through the proxy, keeping its journal in IndexedDB before every send.
    fn drive(&self, journal: Journal) {
        if self.driving.get_untracked() {
            return;
        }
        self.driving.set(true);
        let app = *self;
        leptos::task::spawn_local(async move {
            let result = browser::drive(app.run, app.connection(), Run::take_records, async |records| {
                journal.write(&records).await
            })
            .await;
            app.driving.set(false);
            if let Err(message) = result {
                app.stopped(&message);
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

    /// Looks for a run kept in this browser (and moves one the first version kept in local storage).
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
            let Ok(records) = journal.load().await else { return };
            if records.is_empty() {
                return;
            }
            let lines: Vec<&str> = records.iter().map(String::as_str).collect();
            let summary = match Run::from_lines(&lines) {
                Ok(run) => {
                    let progress = run.progress();
                    let finished = run.is_done();
                    let counts = enlist_core::describe_counts(&progress.labels);
                    let destinations: Vec<String> = progress.destinations.iter().map(|d| d.label.clone()).collect();
                    (
                        format!(
                            "{} accounts to {}{}",
                            enlist_core::thousands(run.accounts().len()),
                            destinations.join(", "),
                            if counts.is_empty() { String::new() } else { format!(": {counts}") }
                        ),
                        finished,
                    )
                }
                Err(e) => (format!("it cannot be read: {e}"), false),
            };
            app.saved.set(Some(SavedRun { records: Arc::new(records), summary: summary.0, finished: summary.1 }));
        });
    }

    /// Picks up the run kept in this browser: what was in flight is read back, what failed is tried
    /// again, and watching goes on until its deadline.
    pub fn resume(&self) {
        let Some(saved) = self.saved.get_untracked() else { return };
        let lines: Vec<&str> = saved.records.iter().map(String::as_str).collect();
        match Run::from_lines(&lines) {
            Ok(mut run) => {
                let app = *self;
                leptos::task::spawn_local(async move {
                    let Ok(journal) = app.open_journal().await else { return };
                    if let Ok(Some(input)) = journal.get(INPUT_KEY).await {
                        app.replace(input);
                    }
                    run.retry_failed(browser::now());
                    app.run.set(Some(run));
                    app.saved.set(None);
                    app.drive(journal);
                });
            }
            Err(e) => {
                self.notice.set(Some(format!("the saved run cannot be resumed: {e}")));
                self.discard();
            }
        }
    }

    /// Forgets the run kept in this browser.
    pub fn discard(&self) {
        self.saved.set(None);
        let app = *self;
        leptos::task::spawn_local(async move {
            if let Ok(journal) = app.open_journal().await {
                let _ = journal.clear().await;
            }
        });
    }

    /// Tries again, in the same run and on the same rows, what failed or was cut short.
    pub fn retry_failures(&self) {
        self.run.update(|run| {
            if let Some(run) = run {
                run.retry_failed(browser::now());
            }
        });
        self.resume_driving();
    }

    /// Corrects `account`'s email and deletes and creates again its members whose email
    /// verification failed (the proxy deletes nothing else).
    pub fn repair(&self, account: usize, email: &str) -> Result<(), String> {
        let repaired = self
            .run
            .try_update(|run| run.as_mut().map(|r| r.repair(account, email)))
            .flatten()
            .unwrap_or_else(|| Err("expected a run, found none".to_owned()))?;
        if repaired == 0 {
            return Err("expected a member whose email verification failed, found none for this account".to_owned());
        }
        self.resume_driving();
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
        if let Some(list) = self.run.with_untracked(|run| run.as_ref().map(enlist_core::export::retry_list)) {
            self.replace(list);
            self.run.set(None);
            self.discard();
        }
    }
}
