//! Batches: the at-most-50 accounts one CreateMembers call carries.

use std::fmt;

use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::account::{Account, AccountId};

/// The most accounts one CreateMembers request may carry, for GuardDuty and Detective alike.
pub const MAX_BATCH: usize = 50;

/// Between 1 and [`MAX_BATCH`] accounts with distinct IDs, in input order.
///
/// Batches of one list share it: making and cloning them copies no account.
#[derive(Clone)]
pub struct Batch {
    all: Arc<[Account]>,
    range: Range<usize>,
}

impl PartialEq for Batch {
    fn eq(&self, other: &Batch) -> bool {
        self.accounts() == other.accounts()
    }
}

impl Eq for Batch {}

impl fmt::Debug for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.accounts()).finish()
    }
}

impl Serialize for Batch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.accounts())
    }
}

/// Why accounts cannot form a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchError {
    /// No account at all.
    Empty,
    /// More than [`MAX_BATCH`] accounts; the count found.
    TooMany(usize),
    /// The same account twice.
    Duplicate(AccountId),
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Empty => write!(f, "expected 1 to {MAX_BATCH} accounts in a batch, found none"),
            BatchError::TooMany(n) => write!(f, "expected 1 to {MAX_BATCH} accounts in a batch, found {n}"),
            BatchError::Duplicate(id) => {
                write!(f, "expected distinct accounts in a batch, found {id} twice")
            }
        }
    }
}

impl std::error::Error for BatchError {}

impl Batch {
    /// A batch of `accounts`, if there are 1 to 50 of them and no ID repeats.
    pub fn new(accounts: Vec<Account>) -> Result<Batch, BatchError> {
        if accounts.is_empty() {
            return Err(BatchError::Empty);
        }
        if accounts.len() > MAX_BATCH {
            return Err(BatchError::TooMany(accounts.len()));
        }
        let mut seen = FxHashSet::default();
        if let Some(dup) = accounts.iter().find(|a| !seen.insert(a.id())) {
            return Err(BatchError::Duplicate(dup.id()));
        }
        let range = 0..accounts.len();
        Ok(Batch { all: accounts.into(), range })
    }

    /// The accounts, in input order.
    pub fn accounts(&self) -> &[Account] {
        self.all.get(self.range.clone()).unwrap_or_default()
    }

    /// Where its accounts stand in the list the batch was made from.
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }

    /// How many accounts; between 1 and 50.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Always `false`: a batch holds at least one account.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

/// Splits accounts into batches of at most 50, in order.
///
/// ```
/// use enlist_core::{batches, parse, Options};
/// let ids: String = (0..120).map(|i| format!("{:012} ops{i}@example.com\n", 100_000_000_000u64 + i)).collect();
/// let parsed = parse(&ids, &Options::default());
/// let sizes: Vec<usize> = batches(&parsed.accounts).unwrap().iter().map(|b| b.len()).collect();
/// assert_eq!(sizes, [50, 50, 20]);
/// ```
pub fn batches(accounts: &[Account]) -> Result<Vec<Batch>, BatchError> {
    let mut seen = FxHashSet::default();
    if let Some(dup) = accounts.iter().find(|a| !seen.insert(a.id())) {
        return Err(BatchError::Duplicate(dup.id()));
    }
    Ok(chunk_unique(&accounts.into()))
}

/// Chunks accounts already known to be distinct (as `parse` guarantees), sharing the list.
pub(crate) fn chunk_unique(accounts: &Arc<[Account]>) -> Vec<Batch> {
    (0..accounts.len())
        .step_by(MAX_BATCH)
        .map(|start| Batch { all: Arc::clone(accounts), range: start..(start + MAX_BATCH).min(accounts.len()) })
        .collect()
}
