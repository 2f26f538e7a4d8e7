//! The journal file of `enlist submit`: records appended as the run goes, compacted now and then.

use std::io::Write;
use std::path::{Path, PathBuf};

use enlist_core::engine::{Record, Run};

use crate::driver::now;

/// An append-only journal file: records are appended as the run goes (an answer costs what its
/// batch costs), and the file is rewritten as a snapshot when it has grown past twice what a
/// snapshot takes. Writes are not synced: a killed process loses nothing the kernel took.
pub(crate) struct JournalFile {
    path: PathBuf,
    file: std::fs::File,
    appended: u64,
    snapshot: u64,
    /// When `ENLIST_JOURNAL_STATS` names a file: how long each write and each compaction took, for
    /// `cargo xtask bench scale`.
    stats: Option<JournalStats>,
}

#[derive(Debug, Default, serde::Serialize)]
struct JournalStats {
    #[serde(skip)]
    path: PathBuf,
    /// Microseconds per write (what answering a batch costs), in order.
    writes_us: Vec<u64>,
    /// Microseconds per compaction.
    compactions_us: Vec<u64>,
    /// The largest the file grew.
    peak_bytes: u64,
}

impl Drop for JournalFile {
    fn drop(&mut self) {
        if let Some(stats) = &self.stats
            && let Ok(json) = serde_json::to_string(stats)
        {
            let _ = std::fs::write(&stats.path, json);
        }
    }
}

fn journal_stats() -> Option<JournalStats> {
    std::env::var_os("ENLIST_JOURNAL_STATS").map(|path| JournalStats { path: path.into(), ..JournalStats::default() })
}

const COMPACT_AT_LEAST: u64 = 4 << 20;

impl JournalFile {
    pub(crate) fn create(path: &Path) -> Result<JournalFile, String> {
        let file = std::fs::OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot create the journal {}: {e}", path.display()))?;
        Ok(JournalFile { path: path.to_owned(), file, appended: 0, snapshot: 0, stats: journal_stats() })
    }

    /// Loads the run in `path`, makes a fresh attempt at what failed, and rewrites the journal as
    /// a snapshot of the current version.
    pub(crate) fn resume(path: &Path) -> Result<(Run, JournalFile), String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read the journal {}: {e}", path.display()))?;
        let mut run = Run::from_journal(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        run.retry_failed(now());
        let mut journal = JournalFile::create_or_replace(path, &run)?;
        journal.stats = journal_stats();
        run.take_records();
        journal.appended = 0;
        Ok((run, journal))
    }

    fn create_or_replace(path: &Path, run: &Run) -> Result<JournalFile, String> {
        let text = enlist_core::engine::to_text(&run.snapshot());
        // Written beside it and renamed, so a crash leaves the old journal or the new one.
        let partial = path.with_extension("partial");
        std::fs::write(&partial, &text)
            .and_then(|()| std::fs::rename(&partial, path))
            .map_err(|e| format!("cannot write the journal {}: {e}", path.display()))?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the journal {}: {e}", path.display()))?;
        Ok(JournalFile { path: path.to_owned(), file, appended: 0, snapshot: text.len() as u64, stats: None })
    }

    pub(crate) fn write(&mut self, run: &mut Run) -> Result<(), String> {
        let started = std::time::Instant::now();
        let records: Vec<Record> = run.take_records();
        if records.is_empty() {
            return Ok(());
        }
        let text = enlist_core::engine::to_text(&records);
        self.file
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write the journal {}: {e}", self.path.display()))?;
        self.appended += text.len() as u64;
        let size = self.snapshot + self.appended;
        let wrote = started.elapsed().as_micros() as u64;
        if self.appended > self.snapshot.max(COMPACT_AT_LEAST) {
            let compacting = std::time::Instant::now();
            let stats = self.stats.take();
            *self = JournalFile::create_or_replace(&self.path, run)?;
            self.stats = stats;
            if let Some(stats) = &mut self.stats {
                stats.compactions_us.push(compacting.elapsed().as_micros() as u64);
            }
        }
        if let Some(stats) = &mut self.stats {
            stats.writes_us.push(wrote);
            stats.peak_bytes = stats.peak_bytes.max(size);
        }
        Ok(())
    }
}
