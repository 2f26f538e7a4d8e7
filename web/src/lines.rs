//! The editor for long lists: the text is drawn a line at a time, only the lines in view, so a
//! keystroke or a paste costs the same in a 100,000-line list as in a short one. Typing, input
//! methods and the clipboard go through a small hidden textarea at the caret; the caret, the
//! selection, moving, undo and redo are kept here. `#list`, the page's textarea, still holds the whole
//! list (its `value` is the list at every moment), but is not laid out while the list is long.
//!
//! This file holds the model, pure and tested natively; `editor.rs` draws it.

use std::ops::Range;

use leptos::prelude::*;

use crate::editor::{LINE_HEIGHT, PADDING, line_top};
use crate::state::AppState;

/// Above this many lines the list is edited here; below [`SHORT`] it goes back to the textarea
/// (two thresholds, so a list at the limit does not flip at every Enter).
pub const LONG: usize = 2_000;
pub const SHORT: usize = 1_500;
/// The columns a tab advances to a multiple of, as the style sheet's `tab-size`.
const TAB: usize = 8;
/// How long after the last edit here `#list` is given the text.
pub const FILL_AFTER_MS: u32 = 250;
/// Typing within this long of the last keystroke, next to it, is one step for undo.
const TYPING_GROUP_MS: f64 = 1_000.0;

/// Whether a list of `lines` lines is edited here, given whether it was before.
pub fn is_long(lines: usize, was: bool) -> bool {
    if was { lines > SHORT } else { lines > LONG }
}

/// The text with its line breaks as a textarea's value has them: `\r\n` and a lone `\r` become
/// `\n` (the HTML rule for a textarea's API value), so the text the page checks, `#list` and the
/// long editor agree on every offset. Line numbers do not change: the core reads all three as one
/// line break.
pub fn textarea_breaks(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Where each line starts, in bytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineStarts(Vec<usize>);

impl LineStarts {
    pub fn of(text: &str) -> LineStarts {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        LineStarts(starts)
    }

    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// The longest line's length in bytes.
    pub fn widest(&self, text_len: usize) -> usize {
        self.0.windows(2).map(|w| w[1] - w[0]).chain(self.0.last().map(|&last| text_len - last)).max().unwrap_or(0)
    }

    /// The line (0-based) the byte `at` is on.
    pub fn line(&self, at: usize) -> usize {
        self.0.partition_point(|&start| start <= at).saturating_sub(1)
    }

    /// The bytes of line `line` (0-based, clamped), without its line break.
    pub fn range(&self, line: usize, text: &str) -> Range<usize> {
        if self.0.is_empty() {
            return 0..0;
        }
        let line = line.min(self.0.len() - 1);
        let start = self.0[line];
        let end = self.0.get(line + 1).map_or(text.len(), |next| next - 1);
        start..end.max(start)
    }

    /// Follows the edit that replaced `removed` bytes at `at` with `inserted`.
    pub fn splice(&mut self, at: usize, removed: usize, inserted: &str) {
        let first = self.0.partition_point(|&start| start <= at);
        let last = self.0.partition_point(|&start| start <= at + removed);
        let delta = inserted.len() as isize - removed as isize;
        let new = inserted.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| at + i + 1);
        let tail: Vec<usize> = self.0[last..].iter().map(|&s| (s as isize + delta) as usize).collect();
        self.0.truncate(first);
        self.0.extend(new);
        self.0.extend(tail);
    }
}

/// The selection: `anchor` stays where it began, `head` is the caret. Bytes of the text, always on
/// character boundaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub anchor: usize,
    pub head: usize,
}

impl Cursor {
    pub fn at(offset: usize) -> Cursor {
        Cursor { anchor: offset, head: offset }
    }

    pub fn range(self) -> Range<usize> {
        self.anchor.min(self.head)..self.anchor.max(self.head)
    }

    pub fn is_empty(self) -> bool {
        self.anchor == self.head
    }

    fn clamped(self, len: usize, text: &str) -> Cursor {
        let fit = |at: usize| floor_char(text, at.min(len));
        Cursor { anchor: fit(self.anchor), head: fit(self.head) }
    }
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A move of the caret, as the keys ask for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    Left,
    Right,
    WordLeft,
    WordRight,
    Up(usize),
    Down(usize),
    LineStart,
    LineEnd,
    Start,
    End,
}

/// What a key does here, when it is not typing a character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Move(Motion, bool),
    DeleteBack,
    DeleteForward,
    DeleteWordBack,
    DeleteWordForward,
    Newline,
    SelectAll,
    Undo,
    Redo,
    Find,
}

/// The modifier keys held, and whether the platform is a Mac (where Option moves by word and
/// Command to a line's or the list's ends).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Keys {
    pub ctrl: bool,
    pub meta: bool,
    pub shift: bool,
    pub alt: bool,
    pub mac: bool,
}

impl Keys {
    pub fn of(ev: &web_sys::KeyboardEvent) -> Keys {
        Keys { ctrl: ev.ctrl_key(), meta: ev.meta_key(), shift: ev.shift_key(), alt: ev.alt_key(), mac: is_mac() }
    }
}

/// The command for a key (`KeyboardEvent.key`, and `code`, the key's place on the keyboard) with
/// `keys` held; `page` is the lines a page moves. Ctrl or Command with a letter is read by the
/// letter whatever Caps Lock says, and by the key's place on a layout without Latin letters.
pub fn command(key: &str, code: &str, keys: Keys, page: usize) -> Option<Command> {
    let primary = keys.ctrl || keys.meta;
    let motion = |m| Some(Command::Move(m, keys.shift));
    if primary && !keys.alt {
        let mut chars = key.chars();
        let letter = match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            (Some(c), None) if !c.is_ascii() => {
                code.strip_prefix("Key").and_then(|k| k.chars().next()).map(|c| c.to_ascii_lowercase())
            }
            _ => None,
        };
        match letter {
            Some('a') => return Some(Command::SelectAll),
            Some('z') => return Some(if keys.shift { Command::Redo } else { Command::Undo }),
            Some('y') => return Some(Command::Redo),
            Some('f') => return Some(Command::Find),
            Some(_) => return None,
            None => {}
        }
    }
    if keys.mac {
        match (key, keys.meta, keys.alt) {
            ("ArrowLeft", true, false) => return motion(Motion::LineStart),
            ("ArrowRight", true, false) => return motion(Motion::LineEnd),
            ("ArrowUp", true, false) => return motion(Motion::Start),
            ("ArrowDown", true, false) => return motion(Motion::End),
            ("ArrowLeft", false, true) => return motion(Motion::WordLeft),
            ("ArrowRight", false, true) => return motion(Motion::WordRight),
            ("Backspace", false, true) => return Some(Command::DeleteWordBack),
            ("Delete", false, true) => return Some(Command::DeleteWordForward),
            _ => {}
        }
    }
    if keys.alt {
        return None;
    }
    match (key, primary) {
        ("ArrowLeft", false) => motion(Motion::Left),
        ("ArrowRight", false) => motion(Motion::Right),
        ("ArrowLeft", true) => motion(Motion::WordLeft),
        ("ArrowRight", true) => motion(Motion::WordRight),
        ("ArrowUp", false) => motion(Motion::Up(1)),
        ("ArrowDown", false) => motion(Motion::Down(1)),
        ("PageUp", _) => motion(Motion::Up(page.max(1))),
        ("PageDown", _) => motion(Motion::Down(page.max(1))),
        ("Home", false) => motion(Motion::LineStart),
        ("End", false) => motion(Motion::LineEnd),
        ("Home", true) => motion(Motion::Start),
        ("End", true) => motion(Motion::End),
        ("Backspace", false) => Some(Command::DeleteBack),
        ("Delete", false) => Some(Command::DeleteForward),
        ("Backspace", true) => Some(Command::DeleteWordBack),
        ("Delete", true) => Some(Command::DeleteWordForward),
        ("Enter", false) => Some(Command::Newline),
        _ => None,
    }
}

/// The column (0-based, tabs expanded) of byte `at` of `line`.
pub fn column(line: &str, at: usize) -> usize {
    let mut col = 0;
    for c in line[..floor_char(line, at.min(line.len()))].chars() {
        col = if c == '\t' { (col / TAB + 1) * TAB } else { col + 1 };
    }
    col
}

/// The byte of `line` nearest to column `col` (the inverse of [`column()`]).
pub fn at_column(line: &str, col: usize) -> usize {
    let mut at_col = 0;
    for (i, c) in line.char_indices() {
        let next = if c == '\t' { (at_col / TAB + 1) * TAB } else { at_col + 1 };
        if col < next {
            // Past the middle of the character: after it.
            return if col * 2 >= at_col + next { i + c.len_utf8() } else { i };
        }
        at_col = next;
    }
    line.len()
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The start of the word before `at` (skipping the spaces and punctuation before it first).
pub fn word_left(text: &str, at: usize) -> usize {
    let before = &text[..at];
    let mut chars = before.char_indices().rev().peekable();
    let mut start = at;
    while let Some(&(i, c)) = chars.peek() {
        if is_word(c) || c == '\n' {
            break;
        }
        start = i;
        chars.next();
    }
    if start == at
        && let Some(&(i, '\n')) = chars.peek()
    {
        return i;
    }
    while let Some(&(i, c)) = chars.peek() {
        if !is_word(c) {
            break;
        }
        start = i;
        chars.next();
    }
    start
}

/// The end of the word after `at`.
pub fn word_right(text: &str, at: usize) -> usize {
    let after = &text[at..];
    let mut end = at;
    let mut chars = after.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if is_word(c) || c == '\n' {
            break;
        }
        end = at + i + c.len_utf8();
        chars.next();
    }
    if end == at
        && let Some(&(_, '\n')) = chars.peek()
    {
        return at + 1;
    }
    while let Some(&(i, c)) = chars.peek() {
        if !is_word(c) {
            break;
        }
        end = at + i + c.len_utf8();
        chars.next();
    }
    end
}

/// The word (or the run of other characters) around `at`, for a double click.
pub fn word_at(text: &str, at: usize) -> Range<usize> {
    let at = floor_char(text, at.min(text.len()));
    let kind = |c: char| if c == '\n' { 2 } else { u8::from(is_word(c)) };
    let Some(here) = text[at..].chars().next().filter(|&c| c != '\n').or_else(|| text[..at].chars().next_back()) else {
        return at..at;
    };
    if here == '\n' {
        return at..at;
    }
    let k = kind(here);
    let start = text[..at].char_indices().rev().take_while(|&(_, c)| kind(c) == k).last().map_or(at, |(i, _)| i);
    let end = text[at..].char_indices().find(|&(_, c)| kind(c) != k).map_or(text.len(), |(i, _)| at + i);
    start..end.max(start)
}

/// The line around `at` with its line break, for a triple click (as Chromium's textarea selects).
pub fn line_at(text: &str, at: usize) -> Range<usize> {
    let at = floor_char(text, at.min(text.len()));
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    start..end
}

/// One change of the text, kept for undo and redo.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Edit {
    at: usize,
    removed: String,
    inserted: String,
    before: Cursor,
    after: Cursor,
}

/// The editor's state besides the text, which stays in the app's signal.
#[derive(Debug, Default)]
pub struct Model {
    pub starts: LineStarts,
    /// The column Up and Down keep to, across shorter lines.
    goal: Option<usize>,
    done: Vec<Edit>,
    undone: Vec<Edit>,
    /// When the last character was typed (ms), for grouping typing into one undo step.
    typed_at: Option<f64>,
    /// What the hidden input holds, and the bytes of the text it stands for.
    pub context: (Range<usize>, String),
    /// An input method is composing in the hidden input: its value is not to be touched.
    pub composing: bool,
    /// The text changed outside this editor (a paste into `#list`, a file, the example).
    stale: bool,
}

impl Model {
    /// The text was replaced as a whole: lines are counted again and undo forgets.
    pub fn replaced(&mut self) {
        self.stale = true;
        self.composing = false;
    }

    /// Keeps `edit` as the first step for undo (the paste that made the list long).
    fn keep_for_undo(&mut self, edit: Edit) {
        self.done.push(edit);
    }

    /// Catches up with a text replaced as a whole; returns the cursor clamped into it.
    pub fn sync(&mut self, text: &str, cursor: Cursor) -> Cursor {
        if self.stale || self.starts.count() == 0 {
            self.starts = LineStarts::of(text);
            self.done.clear();
            self.undone.clear();
            self.goal = None;
            self.typed_at = None;
            self.stale = false;
        }
        cursor.clamped(text.len(), text)
    }

    /// Replaces `range` of `text` with `insert` (line breaks made `\n`, as a textarea makes them) and
    /// returns the new cursor, after what was inserted. `typed_at` groups typing for undo.
    pub fn replace(
        &mut self,
        text: &mut String,
        cursor: Cursor,
        range: Range<usize>,
        insert: &str,
        typed_at: Option<f64>,
    ) -> Cursor {
        let insert =
            if insert.contains('\r') { insert.replace("\r\n", "\n").replace('\r', "\n") } else { insert.to_owned() };
        let range = floor_char(text, range.start.min(text.len()))..floor_char(text, range.end.min(text.len()));
        let range = range.start.min(range.end)..range.end.max(range.start);
        let after = Cursor::at(range.start + insert.len());
        let removed = text[range.clone()].to_owned();
        if removed.is_empty() && insert.is_empty() {
            return cursor;
        }
        text.replace_range(range.clone(), &insert);
        self.starts.splice(range.start, removed.len(), &insert);
        self.goal = None;
        self.undone.clear();
        let group = match (typed_at, self.typed_at, self.done.last_mut()) {
            (Some(now), Some(then), Some(last))
                if now - then < TYPING_GROUP_MS
                    && removed.is_empty()
                    && !insert.contains('\n')
                    && last.at + last.inserted.len() == range.start =>
            {
                last.inserted.push_str(&insert);
                last.after = after;
                true
            }
            _ => false,
        };
        if !group {
            self.done.push(Edit { at: range.start, removed, inserted: insert, before: cursor, after });
        }
        self.typed_at = typed_at;
        after
    }

    /// Takes back the last edit; `None` when there is none.
    pub fn undo(&mut self, text: &mut String) -> Option<Cursor> {
        self.step(text, true)
    }

    /// Does again the last edit undone.
    pub fn redo(&mut self, text: &mut String) -> Option<Cursor> {
        self.step(text, false)
    }

    /// Undo (`back`) or redo: the edit moves from one history to the other, if the text still
    /// holds what it left (else that history is forgotten).
    fn step(&mut self, text: &mut String, back: bool) -> Option<Cursor> {
        let (from, to) = if back { (&mut self.done, &mut self.undone) } else { (&mut self.undone, &mut self.done) };
        let edit = from.pop()?;
        let (there, put, cursor) = if back {
            (&edit.inserted, &edit.removed, edit.before)
        } else {
            (&edit.removed, &edit.inserted, edit.after)
        };
        let range = edit.at..edit.at + there.len();
        if text.get(range.clone()) != Some(there.as_str()) {
            from.clear();
            return None;
        }
        text.replace_range(range, put);
        self.starts.splice(edit.at, there.len(), put);
        to.push(edit);
        self.typed_at = None;
        self.goal = None;
        Some(cursor)
    }

    /// Where `motion` takes the caret from `head`.
    pub fn moved(&mut self, text: &str, head: usize, motion: Motion) -> usize {
        let line = self.starts.line(head);
        let here = self.starts.range(line, text);
        let vertical = |model: &mut Model, target: usize| {
            let goal = *model.goal.get_or_insert_with(|| column(&text[here.clone()], head - here.start));
            let there = model.starts.range(target, text);
            there.start + at_column(&text[there.clone()], goal)
        };
        let last = self.starts.count() - 1;
        let next = match motion {
            Motion::Up(_) if line == 0 => 0,
            Motion::Up(n) => return vertical(self, line.saturating_sub(n)),
            Motion::Down(_) if line == last => text.len(),
            Motion::Down(n) => return vertical(self, (line + n).min(last)),
            Motion::Left => text[..head].chars().next_back().map_or(head, |c| head - c.len_utf8()),
            Motion::Right => text[head..].chars().next().map_or(head, |c| head + c.len_utf8()),
            Motion::WordLeft => word_left(text, head),
            Motion::WordRight => word_right(text, head),
            Motion::LineStart => here.start,
            Motion::LineEnd => here.end,
            Motion::Start => 0,
            Motion::End => text.len(),
        };
        self.goal = None;
        next
    }

    /// What the hidden input should hold for `cursor`: the caret's line, or nothing while the
    /// selection spans lines (typing then replaces the whole selection). The selection inside it is
    /// in UTF-16 units, as the input counts them.
    pub fn context_for(&self, text: &str, cursor: Cursor) -> ((Range<usize>, String), (u32, u32)) {
        let range = cursor.range();
        let line = self.starts.line(cursor.head);
        let bytes = self.starts.range(line, text);
        if bytes.start <= range.start && range.end <= bytes.end {
            let value = text[bytes.clone()].to_owned();
            let utf16 = |at: usize| text[bytes.start..at].encode_utf16().count() as u32;
            let selection = (utf16(range.start), utf16(range.end));
            ((bytes, value), selection)
        } else {
            ((range, String::new()), (0, 0))
        }
    }

    /// The hidden input's value became `value` (typing, an input method, a dead key, autocorrect)
    /// with its caret at UTF-16 unit `caret`: the same change is made to the text. Returns the new
    /// cursor, or `None` when nothing changed.
    pub fn input(&mut self, text: &mut String, cursor: Cursor, value: &str, caret: u32, now: f64) -> Option<Cursor> {
        let (range, old) = self.context.clone();
        if old == value || text.get(range.clone()).is_none() {
            return None;
        }
        let (prefix, suffix) = if old.is_empty() { (0, 0) } else { crate::model::changed_range(&old, value) };
        let start = range.start + prefix;
        let end = if old.is_empty() { range.end } else { range.end - suffix };
        let insert = &value[prefix..value.len() - suffix];
        let typed = (!insert.is_empty() && !insert.contains('\n')).then_some(now);
        self.replace(text, cursor, start..end, insert, typed);
        let caret_bytes = utf16_to_bytes(value, caret);
        self.context = (range.start..range.start + value.len(), value.to_owned());
        Some(Cursor::at(range.start + caret_bytes))
    }
}

/// The UTF-16 unit (as the DOM counts) of byte `at` of `s`.
pub fn bytes_to_utf16(s: &str, at: usize) -> u32 {
    s.get(..floor_char(s, at.min(s.len()))).map_or(0, |p| p.encode_utf16().count()) as u32
}

/// The byte offset of UTF-16 unit `units` in `s`.
pub fn utf16_to_bytes(s: &str, units: u32) -> usize {
    let mut count = 0;
    for (i, c) in s.char_indices() {
        if count >= units as usize {
            return i;
        }
        count += c.len_utf16();
    }
    s.len()
}

/// Where `query` occurs in `text`, ignoring ASCII case, as byte offsets of non-overlapping
/// matches, at most `limit` of them (a query of one common letter in a 100,000-line list would
/// otherwise count millions). An empty query matches nothing.
pub fn find_all(text: &str, query: &str, limit: usize) -> Vec<usize> {
    if query.is_empty() || query.len() > text.len() {
        return Vec::new();
    }
    let (haystack, needle) = (text.as_bytes(), query.as_bytes());
    let first = needle[0].to_ascii_lowercase();
    let mut found = Vec::new();
    let mut at = 0;
    while at + needle.len() <= haystack.len() && found.len() < limit {
        if haystack[at].to_ascii_lowercase() == first && haystack[at..at + needle.len()].eq_ignore_ascii_case(needle) {
            found.push(at);
            at += needle.len();
        } else {
            at += 1;
        }
    }
    found
}

/// The match to go to from a selection `from` (its start going forward — so the selected match
/// itself is passed over by its end — or its start going back), wrapping around the list.
pub fn next_match(matches: &[usize], from: Range<usize>, forward: bool) -> Option<usize> {
    if matches.is_empty() {
        return None;
    }
    Some(if forward {
        let after = if from.is_empty() { from.start } else { from.start + 1 };
        matches.partition_point(|&m| m < after) % matches.len()
    } else {
        matches.partition_point(|&m| m < from.start).checked_sub(1).unwrap_or(matches.len() - 1)
    })
}

/// The match to select from the selection `from`, as its byte offset and its index among the
/// first `limit` matches (none when it lies past them), and how many matches were counted. Past
/// the counted matches the text is searched on from the selection itself, so Next and Previous
/// reach every match, not only the first `limit`.
pub fn pick_match(
    text: &str,
    query: &str,
    from: Range<usize>,
    forward: bool,
    limit: usize,
) -> (Option<(usize, Option<usize>)>, usize) {
    let matches = find_all(text, query, limit);
    let counted = matches.len();
    let wrapped = next_match(&matches, from.clone(), forward).map(|i| (matches[i], Some(i)));
    let Some(&last) = matches.last() else { return (None, 0) };
    if counted < limit {
        return (wrapped, counted);
    }
    let ceil = |mut at: usize| {
        while at < text.len() && !text.is_char_boundary(at) {
            at += 1;
        }
        at.min(text.len())
    };
    let uncounted = if forward {
        let after = ceil(if from.is_empty() { from.start } else { from.start + 1 });
        if after <= last {
            return (wrapped, counted);
        }
        find_all(text.get(after..).unwrap_or_default(), query, 1).first().map(|m| after + m)
    } else {
        let start = last + query.len();
        let end = floor_char(text, (from.start + query.len()).saturating_sub(1).min(text.len()));
        if from.start <= start || end <= start {
            return (wrapped, counted);
        }
        find_all(text.get(start..end).unwrap_or_default(), query, usize::MAX)
            .into_iter()
            .rfind(|&m| start + m < from.start)
            .map(|m| start + m)
    };
    (uncounted.map(|at| (at, None)).or(wrapped), counted)
}

/// The long-list editor's handle: its reactive state and its elements.
#[derive(Clone, Copy, Debug)]
pub struct LongEditor {
    /// Lines in the text.
    pub lines: Memo<usize>,
    /// The list is long: it is edited here, `#list` is not laid out. Decided when the text comes
    /// from outside this editor (typed or pasted in `#list`, a file, the example); edits here never
    /// turn it off, so select all, delete and undo work as in one editor.
    pub on: RwSignal<bool>,
    pub cursor: RwSignal<Cursor>,
    /// The hidden input has the focus (the caret is drawn).
    pub focused: RwSignal<bool>,
    pub(crate) model: StoredValue<Model>,
    /// The hidden input at the caret: typing, input methods and the clipboard.
    pub(crate) input: NodeRef<leptos::html::Textarea>,
    /// The scrolled box the lines are drawn in.
    pub(crate) scroller: NodeRef<leptos::html::Div>,
    /// The box as tall as the whole list, inside the scroller.
    pub(crate) sizer: NodeRef<leptos::html::Div>,
    /// The width of a character (the font is monospaced), measured once drawn.
    pub(crate) char_width: StoredValue<f64>,
    /// The mouse is selecting.
    pub(crate) dragging: StoredValue<bool>,
    /// `#list` does not hold the text yet: it is given it once typing pauses ([`FILL_AFTER_MS`]),
    /// as setting a textarea's value costs time in the length of the list (about 14 ms for
    /// 10,000 lines in Chromium, laid out or not), too much for every keystroke.
    pub(crate) list_stale: StoredValue<bool>,
    pub(crate) fill_timer: StoredValue<Option<gloo_timers::callback::Timeout>, LocalStorage>,
    /// Where the caret goes when the list has just become long by a paste.
    pub(crate) arriving: StoredValue<Option<(Cursor, Edit)>>,
    /// The find bar (Ctrl+F, in either editor): open, its query, the match selected and how many.
    pub find_open: RwSignal<bool>,
    pub find_query: RwSignal<String>,
    pub find_found: RwSignal<Option<(Option<usize>, usize)>>,
    pub(crate) find_field: NodeRef<leptos::html::Input>,
}

impl LongEditor {
    pub fn new(text: RwSignal<String>) -> LongEditor {
        let lines = Memo::new(move |_| text.with(|t| crate::editor::line_count(t)));
        LongEditor {
            lines,
            on: RwSignal::new(false),
            cursor: RwSignal::new(Cursor::default()),
            focused: RwSignal::new(false),
            model: StoredValue::new(Model::default()),
            input: NodeRef::new(),
            scroller: NodeRef::new(),
            sizer: NodeRef::new(),
            char_width: StoredValue::new(0.0),
            dragging: StoredValue::new(false),
            list_stale: StoredValue::new(false),
            fill_timer: StoredValue::new_local(None),
            arriving: StoredValue::new(None),
            find_open: RwSignal::new(false),
            find_query: RwSignal::new(String::new()),
            find_found: RwSignal::new(None),
            find_field: NodeRef::new(),
        }
    }

    /// The text came from outside this editor: whether the list is long is decided again.
    pub(crate) fn decide(&self, text: &str) {
        let on = is_long(crate::editor::line_count(text), self.on.get_untracked());
        if on != self.on.get_untracked() {
            self.on.set(on);
        }
    }
}

impl AppState {
    /// `#list`'s selection, in bytes of the text.
    fn list_selection(&self, list: &web_sys::HtmlTextAreaElement) -> Cursor {
        self.text.with_untracked(|text| {
            let at = |units: Option<u32>| utf16_to_bytes(text, units.unwrap_or(0));
            Cursor { anchor: at(list.selection_start().ok().flatten()), head: at(list.selection_end().ok().flatten()) }
        })
    }

    /// `#list` took the focus while the list is long (a script or a test focused it): the hidden
    /// input takes it, with `#list`'s selection.
    pub(crate) fn long_list_focused(&self) {
        let long = self.long;
        let Some(list) = self.editor.get_untracked() else { return };
        long.cursor.set(self.list_selection(&list));
        if let Some(input) = long.input.get_untracked() {
            focus_quietly(&input);
        }
        self.long_sync_input();
    }
}

/// Focuses without scrolling: the caret is scrolled into view here, where it will be drawn.
pub(crate) fn focus_quietly(element: &web_sys::HtmlElement) {
    let options = web_sys::FocusOptions::new();
    options.set_prevent_scroll(true);
    let _ = element.focus_with_options(&options);
}

/// A Mac, iPhone or iPad: Option moves by word, Command to a line's ends.
fn is_mac() -> bool {
    web_sys::window()
        .and_then(|w| w.navigator().platform().ok())
        .is_some_and(|p| p.starts_with("Mac") || p.starts_with("iP"))
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

impl AppState {
    /// Replaces `range` of the text with `insert`, as one step for undo (typing close together
    /// makes one step when `typed_at` says when).
    pub(crate) fn long_replace(&self, range: Range<usize>, insert: &str, typed_at: Option<f64>) {
        let long = self.long;
        let cursor = long.cursor.get_untracked();
        let mut next = cursor;
        self.text.update(|text| {
            long.model.update_value(|m| {
                let cursor = m.sync(text, cursor);
                next = m.replace(text, cursor, range, insert, typed_at);
            });
        });
        self.long_edited(next);
    }

    fn long_edited(&self, cursor: Cursor) {
        self.long.cursor.set(cursor);
        self.long_list_stale();
        self.check_edit(false);
        self.long_sync_input();
        self.long_reveal();
    }

    /// The cursor, caught up with the text: clamped into it, on a character boundary.
    fn long_cursor(&self) -> Cursor {
        let long = self.long;
        let cursor = long.cursor.get_untracked();
        let synced =
            self.text.with_untracked(|text| long.model.try_update_value(|m| m.sync(text, cursor))).unwrap_or_default();
        if synced != cursor {
            long.cursor.set(synced);
        }
        synced
    }

    /// The text was replaced from outside this editor while it stays in use: the caret is put
    /// where the text has room for it (`at_start`: the top, for a new list) and the hidden input
    /// given its line, so nothing typed next lands on an offset of the old text.
    pub(crate) fn long_text_replaced(&self, at_start: bool) {
        if !self.long.on.get_untracked() {
            return;
        }
        if at_start {
            self.long.cursor.set(Cursor::default());
        }
        self.long_cursor();
        self.long_sync_input();
    }

    /// The text changed and `#list` does not hold it: it is given it once typing pauses.
    pub(crate) fn long_list_stale(&self) {
        self.long.list_stale.set_value(true);
        let app = *self;
        let timer = gloo_timers::callback::Timeout::new(FILL_AFTER_MS, move || app.long_fill_list());
        self.long.fill_timer.set_value(Some(timer));
    }

    /// `#list` holds the text (it was just typed or pasted there).
    pub(crate) fn long_list_current(&self) {
        self.long.list_stale.set_value(false);
        self.long.fill_timer.set_value(None);
    }

    /// Gives `#list` the text, if an edit here changed it since.
    pub(crate) fn long_fill_list(&self) {
        self.long.fill_timer.set_value(None);
        if self.long.list_stale.get_value() {
            self.long.list_stale.set_value(false);
            if let Some(list) = self.editor.get_untracked() {
                self.text.with_untracked(|t| list.set_value(t));
            }
        }
    }

    /// Puts the caret's line in the hidden input, with the selection, unless an input method is
    /// composing there.
    pub(crate) fn long_sync_input(&self) {
        let long = self.long;
        let Some(input) = long.input.get_untracked() else { return };
        let cursor = long.cursor.get_untracked();
        let selection = self.text.with_untracked(|text| {
            long.model
                .try_update_value(|m| {
                    let cursor = m.sync(text, cursor);
                    if m.composing {
                        return None;
                    }
                    let (context, selection) = m.context_for(text, cursor);
                    let value = context.1.clone();
                    m.context = context;
                    Some((value, selection, cursor.head < cursor.anchor))
                })
                .flatten()
        });
        if let Some((value, (start, end), backward)) = selection {
            if input.value() != value {
                input.set_value(&value);
            }
            let direction = if backward { "backward" } else { "forward" };
            let _ = input.set_selection_range_with_direction(start, end, direction);
        }
    }

    /// Scrolls so the caret is in view.
    pub(crate) fn long_reveal(&self) {
        let long = self.long;
        let Some(scroller) = long.scroller.get_untracked() else { return };
        let head = long.cursor.get_untracked().head;
        let (line, col) = self.text.with_untracked(|text| {
            long.model.with_value(|m| {
                let line = m.starts.line(head.min(text.len()));
                let range = m.starts.range(line, text);
                (line + 1, column(&text[range.clone()], head.saturating_sub(range.start)))
            })
        });
        let top = line_top(line) as i32;
        let height = scroller.client_height();
        if top < scroller.scroll_top() {
            scroller.set_scroll_top((top - PADDING as i32).max(0));
        } else if top + LINE_HEIGHT as i32 > scroller.scroll_top() + height {
            scroller.set_scroll_top(top + LINE_HEIGHT as i32 + PADDING as i32 - height);
        }
        let x = (PADDING as f64 + col as f64 * long.char_width.get_value()) as i32;
        let width = scroller.client_width();
        if x < scroller.scroll_left() + PADDING as i32 {
            scroller.set_scroll_left((x - 4 * PADDING as i32).max(0));
        } else if x > scroller.scroll_left() + width - 2 * PADDING as i32 {
            scroller.set_scroll_left(x - width + 4 * PADDING as i32);
        }
    }

    /// A key pressed in the hidden input: moving, deleting, a new line, select all, undo and redo
    /// are done here; characters are left to the input (see [`AppState::long_input`]).
    pub(crate) fn long_key(&self, ev: &web_sys::KeyboardEvent) {
        // Safari sends the key that ends a composition (Enter) after `compositionend`, marked only
        // by key code 229.
        if ev.is_composing() || ev.key_code() == 229 {
            return;
        }
        let long = self.long;
        let page = long
            .scroller
            .get_untracked()
            .map_or(10, |s| (s.client_height() as usize / LINE_HEIGHT as usize).saturating_sub(1));
        let Some(command) = command(&ev.key(), &ev.code(), Keys::of(ev), page) else { return };
        ev.prevent_default();
        let cursor = self.long_cursor();
        let text_len = self.text.with_untracked(String::len);
        let step = |motion: Motion| {
            self.text.with_untracked(|text| {
                long.model.try_update_value(|m| m.moved(text, cursor.head, motion)).unwrap_or(cursor.head)
            })
        };
        match command {
            Command::Move(motion, extend) => {
                let next = match (motion, extend, cursor.is_empty()) {
                    (Motion::Left, false, false) => Cursor::at(cursor.range().start),
                    (Motion::Right, false, false) => Cursor::at(cursor.range().end),
                    (_, true, _) => Cursor { anchor: cursor.anchor, head: step(motion) },
                    (_, false, _) => Cursor::at(step(motion)),
                };
                long.cursor.set(next);
                self.long_sync_input();
                self.long_reveal();
            }
            Command::Find => self.find_open(),
            Command::SelectAll => {
                long.cursor.set(Cursor { anchor: 0, head: text_len });
                self.long_sync_input();
            }
            Command::Newline => self.long_replace(cursor.range(), "\n", None),
            Command::DeleteBack | Command::DeleteForward | Command::DeleteWordBack | Command::DeleteWordForward => {
                let range = if cursor.is_empty() {
                    let to = step(match command {
                        Command::DeleteBack => Motion::Left,
                        Command::DeleteForward => Motion::Right,
                        Command::DeleteWordBack => Motion::WordLeft,
                        _ => Motion::WordRight,
                    });
                    to.min(cursor.head)..to.max(cursor.head)
                } else {
                    cursor.range()
                };
                if !range.is_empty() {
                    self.long_replace(range, "", None);
                }
            }
            Command::Undo | Command::Redo => {
                let mut next = None;
                self.text.update(|text| {
                    long.model.update_value(|m| {
                        m.sync(text, cursor);
                        next = if command == Command::Undo { m.undo(text) } else { m.redo(text) };
                    });
                });
                if let Some(next) = next {
                    self.long_edited(next);
                }
            }
        }
    }

    /// The hidden input's value changed (a character typed, an input method, a dead key): the
    /// same change is made to the text.
    pub(crate) fn long_input(&self) {
        let long = self.long;
        let Some(input) = long.input.get_untracked() else { return };
        let value = input.value();
        let caret = input.selection_end().ok().flatten().unwrap_or(0);
        let cursor = long.cursor.get_untracked();
        let mut next = None;
        self.text.update(|text| {
            long.model.update_value(|m| {
                let cursor = m.sync(text, cursor);
                next = m.input(text, cursor, &value, caret, now());
            });
        });
        if let Some(next) = next {
            self.long_edited(next);
        }
    }

    pub(crate) fn long_composing(&self, composing: bool) {
        self.long.model.update_value(|m| m.composing = composing);
        if !composing {
            self.long_input();
            self.long_sync_input();
        }
    }

    /// Pasted text replaces the selection.
    pub(crate) fn long_paste(&self, ev: &web_sys::ClipboardEvent) {
        let Some(pasted) = ev.clipboard_data().and_then(|d| d.get_data("text/plain").ok()) else { return };
        if pasted.is_empty() {
            // No text on the clipboard (an image, say): nothing to paste, the selection stays.
            ev.prevent_default();
            return;
        }
        ev.prevent_default();
        self.long_replace(self.long.cursor.get_untracked().range(), &pasted, None);
    }

    /// Copy (and cut) put the selection on the clipboard.
    pub(crate) fn long_copy(&self, ev: &web_sys::ClipboardEvent, cut: bool) {
        let range = self.long_cursor().range();
        let Some(data) = ev.clipboard_data() else { return };
        ev.prevent_default();
        if range.is_empty() {
            return;
        }
        let Some(selected) = self.text.with_untracked(|t| t.get(range.clone()).map(str::to_owned)) else { return };
        let _ = data.set_data("text/plain", &selected);
        if cut {
            self.long_replace(range, "", None);
        }
    }

    /// The byte of the text under the pointer.
    fn long_hit(&self, ev: &web_sys::MouseEvent) -> Option<usize> {
        let long = self.long;
        let sizer = long.sizer.get_untracked()?;
        if long.char_width.get_value() <= 0.0 {
            let probe = sizer.query_selector(".measure").ok().flatten()?;
            long.char_width.set_value(probe.get_bounding_client_rect().width() / 10.0);
        }
        let rect = sizer.get_bounding_client_rect();
        let y = f64::from(ev.client_y()) - rect.top() - PADDING as f64;
        let x = f64::from(ev.client_x()) - rect.left() - PADDING as f64;
        let width = long.char_width.get_value().max(1.0);
        Some(self.text.with_untracked(|text| {
            long.model.try_update_value(|m| {
                m.sync(text, Cursor::default());
                let line = ((y / LINE_HEIGHT as f64).floor().max(0.0) as usize).min(m.starts.count() - 1);
                let range = m.starts.range(line, text);
                range.start + at_column(&text[range], (x / width).round().max(0.0) as usize)
            })
        }))
        .flatten()
    }

    /// A press on the list: the caret goes there (Shift extends the selection; the third press
    /// of a triple click selects the line) and the hidden input takes the focus.
    pub(crate) fn long_mouse_down(&self, ev: &web_sys::MouseEvent) {
        if ev.button() != 0 {
            return;
        }
        ev.prevent_default();
        let long = self.long;
        if let Some(at) = self.long_hit(ev) {
            let cursor = long.cursor.get_untracked();
            long.cursor.set(if ev.detail() >= 3 {
                let line = self.text.with_untracked(|t| line_at(t, at));
                Cursor { anchor: line.start, head: line.end }
            } else if ev.shift_key() {
                Cursor { anchor: cursor.anchor, head: at }
            } else {
                Cursor::at(at)
            });
            long.dragging.set_value(ev.detail() < 3);
        }
        if let Some(input) = long.input.get_untracked() {
            focus_quietly(&input);
        }
        self.long_sync_input();
    }

    pub(crate) fn long_mouse_move(&self, ev: &web_sys::MouseEvent) {
        let long = self.long;
        if !long.dragging.get_value() {
            return;
        }
        if ev.buttons() & 1 == 0 {
            long.dragging.set_value(false);
            return;
        }
        if let Some(at) = self.long_hit(ev) {
            long.cursor.update(|c| c.head = at);
            self.long_sync_input();
        }
    }

    pub(crate) fn long_double_click(&self, ev: &web_sys::MouseEvent) {
        if let Some(at) = self.long_hit(ev) {
            let word = self.text.with_untracked(|t| word_at(t, at));
            self.long.cursor.set(Cursor { anchor: word.start, head: word.end });
            self.long_sync_input();
        }
    }

    /// The list became long (`true`) or short again: the caret, the selection, the scroll and the
    /// focus go from one editor to the other.
    pub(crate) fn long_switched(&self, on: bool) {
        let long = self.long;
        let Some(list) = self.editor.get_untracked() else { return };
        if on {
            let had_focus = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .is_some_and(|e| e.id() == "list");
            let arriving = long.arriving.try_update_value(Option::take).flatten();
            let (arriving, paste) = arriving.map_or((None, None), |(cursor, edit)| (Some(cursor), Some(edit)));
            let cursor = arriving.unwrap_or_else(|| self.list_selection(&list));
            long.model.update_value(Model::replaced);
            long.cursor.set(cursor);
            if let Some(paste) = paste {
                // The paste that made the list long is the first step undo takes back.
                self.text.with_untracked(|text| {
                    long.model.update_value(|m| {
                        m.sync(text, cursor);
                        m.keep_for_undo(paste);
                    });
                });
            }
            let scroll = list.scroll_top();
            let app = *self;
            request_animation_frame(move || {
                if let Some(scroller) = long.scroller.get_untracked() {
                    scroller.set_scroll_top(scroll);
                }
                if had_focus && let Some(input) = long.input.get_untracked() {
                    focus_quietly(&input);
                }
                app.long_sync_input();
            });
        } else {
            long.list_stale.set_value(true);
            self.long_fill_list();
            let had_focus = long.focused.get_untracked();
            let cursor = long.cursor.get_untracked();
            let (start, end) = self
                .text
                .with_untracked(|t| (bytes_to_utf16(t, cursor.range().start), bytes_to_utf16(t, cursor.range().end)));
            let scroll = long.scroller.get_untracked().map_or(0, |s| s.scroll_top());
            request_animation_frame(move || {
                if had_focus {
                    let _ = list.focus();
                }
                let _ = list.set_selection_range(start, end);
                list.set_scroll_top(scroll);
            });
        }
    }

    /// A paste into the textarea that would make the list long is made here instead, so the
    /// textarea never lays the long list out.
    pub(crate) fn paste_into_list(&self, ev: &web_sys::ClipboardEvent) {
        let Some(pasted) = ev.clipboard_data().and_then(|d| d.get_data("text/plain").ok()) else { return };
        let Some(list) = self.editor.get_untracked() else { return };
        let current = list.value();
        let start = utf16_to_bytes(&current, list.selection_start().ok().flatten().unwrap_or(0));
        let end = utf16_to_bytes(&current, list.selection_end().ok().flatten().unwrap_or(0)).max(start);
        let pasted = pasted.replace("\r\n", "\n").replace('\r', "\n");
        let lines = crate::editor::line_count(&current) - current[start..end].matches('\n').count()
            + pasted.matches('\n').count();
        if !is_long(lines, false) {
            return;
        }
        ev.prevent_default();
        let caret = start + pasted.len();
        let edit = Edit {
            at: start,
            removed: current[start..end].to_owned(),
            inserted: pasted.clone(),
            before: Cursor { anchor: start, head: end },
            after: Cursor::at(caret),
        };
        self.long.arriving.set_value(Some((Cursor::at(caret), edit)));
        self.edit(format!("{}{pasted}{}", &current[..start], &current[end..]), true);
        self.long_list_stale();
    }

    /// Selects `start..end` of the text in whichever editor is in use, scrolls `line` to a third
    /// of the view and highlights it. With `focus` (a jump to a problem) the editor takes the focus
    /// and the page scrolls as far as needed to show it; without (find), the focus stays put.
    pub(crate) fn select_span(&self, start: usize, end: usize, line: usize, focus: bool) {
        self.highlight.set(Some(line));
        let third = |height: i32| (line_top(line) - i64::from(height) / 3).clamp(0, i64::from(i32::MAX)) as i32;
        let long = self.long;
        if long.on.get_untracked() {
            long.cursor.set(Cursor { anchor: start, head: end });
            self.long_cursor();
            if let Some(scroller) = long.scroller.get_untracked() {
                scroller.set_scroll_top(third(scroller.client_height()));
                if focus {
                    let options = web_sys::ScrollIntoViewOptions::new();
                    options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                    scroller.scroll_into_view_with_scroll_into_view_options(&options);
                }
            }
            if focus && let Some(input) = long.input.get_untracked() {
                focus_quietly(&input);
            }
            return self.long_sync_input();
        }
        let Some(list) = self.editor.get_untracked() else { return };
        let (start, end) = self.text.with_untracked(|t| (bytes_to_utf16(t, start), bytes_to_utf16(t, end)));
        if focus {
            let _ = list.focus();
        }
        let _ = list.set_selection_range(start, end);
        list.set_scroll_top(third(list.client_height()));
    }
}

/// Matches counted at most: past this the find bar says "100,000+".
pub const FIND_LIMIT: usize = 100_000;

impl AppState {
    /// The selection in whichever editor is in use, in bytes.
    fn selection(&self) -> Range<usize> {
        if self.long.on.get_untracked() {
            return self.long.cursor.get_untracked().range();
        }
        self.editor.get_untracked().map_or(0..0, |list| self.list_selection(&list).range())
    }

    /// Ctrl+F in the editor: the find bar opens with the selected text (when on one line) and
    /// takes the focus.
    pub(crate) fn find_open(&self) {
        let long = self.long;
        let selected = self.selection();
        let picked = self
            .text
            .with_untracked(|t| t.get(selected).filter(|s| !s.is_empty() && !s.contains('\n')).map(str::to_owned));
        if let Some(picked) = picked {
            long.find_query.set(picked);
            long.find_found.set(None);
        }
        // Once drawn, the bar focuses its field itself (`FindBar`); when it is already open, here.
        if long.find_open.get_untracked()
            && let Some(field) = long.find_field.get_untracked()
        {
            let _ = field.focus();
            field.select();
        }
        long.find_open.set(true);
    }

    /// The query changed: the first match from the selection's start is selected.
    pub(crate) fn find_typed(&self, query: String) {
        self.long.find_query.set(query);
        let start = self.selection().start;
        self.find_from(start..start, true);
    }

    /// Enter (forward) or Shift+Enter in the find bar, or its buttons.
    pub(crate) fn find_step(&self, forward: bool) {
        self.find_from(self.selection(), forward);
    }

    fn find_from(&self, from: Range<usize>, forward: bool) {
        let long = self.long;
        let query = long.find_query.get_untracked();
        if query.is_empty() {
            long.find_found.set(None);
            return;
        }
        let (picked, counted) = self.text.with_untracked(|text| {
            let (picked, counted) = pick_match(text, &query, from, forward, FIND_LIMIT);
            (picked.map(|(at, index)| (at, index, crate::editor::line_count(&text[..at]))), counted)
        });
        long.find_found.set(Some((picked.and_then(|(_, index, _)| index), counted)));
        if let Some((at, _, line)) = picked {
            // The focus stays in the find bar; the line is highlighted, as the textarea does not
            // draw a selection without the focus.
            self.select_span(at, at + query.len(), line, false);
        }
    }

    /// Escape in the find bar: it closes, and the editor takes the focus with the match selected.
    pub(crate) fn find_close(&self) {
        let long = self.long;
        long.find_open.set(false);
        if long.on.get_untracked() {
            if let Some(input) = long.input.get_untracked() {
                focus_quietly(&input);
            }
            self.long_sync_input();
        } else if let Some(list) = self.editor.get_untracked() {
            focus_quietly(&list);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        let mut m = Model::default();
        m.sync(text, Cursor::default());
        m
    }

    #[test]
    fn line_starts_follow_edits() {
        let mut text = "ab\ncd\nef".to_owned();
        let mut starts = LineStarts::of(&text);
        assert_eq!(starts.0, [0, 3, 6]);
        assert_eq!((starts.line(0), starts.line(2), starts.line(3), starts.line(8)), (0, 0, 1, 2));
        assert_eq!(starts.range(1, &text), 3..5);
        assert_eq!(starts.range(9, &text), 6..8);
        for (at, removed, inserted) in
            [(1, 0, "x\ny"), (0, 3, ""), (2, 4, "\n\n"), (0, 0, "\n"), (5, 0, "z"), (0, 6, "q")]
        {
            let at = at.min(text.len());
            let removed = removed.min(text.len() - at);
            text.replace_range(at..at + removed, inserted);
            starts.splice(at, removed, inserted);
            assert_eq!(starts, LineStarts::of(&text), "after ({at}, {removed}, {inserted:?}): {text:?}");
        }
        assert_eq!(LineStarts::of("").count(), 1);
        assert!(is_long(2_001, false) && !is_long(2_000, false) && is_long(1_501, true) && !is_long(1_500, true));
    }

    #[test]
    fn columns_expand_tabs() {
        assert_eq!(column("a\tb", 2), 8);
        assert_eq!(column("ab", 9), 2);
        assert_eq!(at_column("a\tb", 8), 2);
        assert_eq!(at_column("a\tb", 3), 1);
        assert_eq!(at_column("a\tb", 5), 2);
        assert_eq!(at_column("zoë", 3), "zoë".len());
        assert_eq!(at_column("zoë", 2), 2);
        assert_eq!(at_column("", 4), 0);
    }

    #[test]
    fn words() {
        let text = "111122223333,sec@example.com\nnext";
        assert_eq!(word_right(text, 0), 12);
        assert_eq!(word_right(text, 12), 16);
        assert_eq!(word_left(text, 16), 13);
        assert_eq!(word_right(text, 28), 29);
        assert_eq!(word_left(text, 29), 28);
        assert_eq!(word_left(text, 0), 0);
        assert_eq!(word_at(text, 3), 0..12);
        assert_eq!(word_at(text, 14), 13..16);
        assert_eq!(word_at(text, 12), 12..13);
        assert_eq!(word_at("", 0), 0..0);
        assert_eq!(word_at("ab\n", 3), 3..3);
    }

    #[test]
    fn lines_for_a_triple_click() {
        let text = "aaa bbb\nccc ddd\neee";
        assert_eq!(line_at(text, 2), 0..8);
        assert_eq!(line_at(text, 7), 0..8, "on the line break: its line");
        assert_eq!(line_at(text, 8), 8..16);
        assert_eq!(line_at(text, 17), 16..19, "the last line has no line break");
        assert_eq!(line_at(text, 99), 16..19);
        assert_eq!(line_at("", 0), 0..0);
        assert_eq!(line_at("é\n", 1), 0..3, "inside a character: its line");
    }

    #[test]
    fn keys() {
        let none = Keys::default();
        let ctrl = Keys { ctrl: true, ..none };
        let shift = Keys { shift: true, ..none };
        assert_eq!(command("ArrowUp", "ArrowUp", shift, 10), Some(Command::Move(Motion::Up(1), true)));
        assert_eq!(command("PageDown", "PageDown", none, 17), Some(Command::Move(Motion::Down(17), false)));
        assert_eq!(command("z", "KeyZ", ctrl, 1), Some(Command::Undo));
        assert_eq!(command("Z", "KeyZ", Keys { shift: true, ..ctrl }, 1), Some(Command::Redo));
        // Caps Lock, a Russian layout, Command on a Mac.
        assert_eq!(command("Z", "KeyZ", ctrl, 1), Some(Command::Undo));
        assert_eq!(command("я", "KeyZ", ctrl, 1), Some(Command::Undo));
        assert_eq!(command("ф", "KeyA", Keys { meta: true, mac: true, ..none }, 1), Some(Command::SelectAll));
        assert_eq!(command("f", "KeyF", ctrl, 1), Some(Command::Find));
        assert_eq!(command("c", "KeyC", ctrl, 1), None);
        assert_eq!(command("a", "KeyA", none, 1), None);
        assert_eq!(command("Tab", "Tab", none, 1), None);
        // Alt+Left is the browser's Back outside a Mac; on a Mac Option moves by word and Command
        // to the line's ends.
        assert_eq!(command("ArrowLeft", "ArrowLeft", Keys { alt: true, ..none }, 1), None);
        let mac = Keys { mac: true, ..none };
        assert_eq!(
            command("ArrowLeft", "ArrowLeft", Keys { alt: true, ..mac }, 1),
            Some(Command::Move(Motion::WordLeft, false))
        );
        assert_eq!(
            command("ArrowRight", "ArrowRight", Keys { meta: true, shift: true, ..mac }, 1),
            Some(Command::Move(Motion::LineEnd, true))
        );
        assert_eq!(
            command("ArrowDown", "ArrowDown", Keys { meta: true, ..mac }, 1),
            Some(Command::Move(Motion::End, false))
        );
        assert_eq!(command("Backspace", "Backspace", Keys { alt: true, ..mac }, 1), Some(Command::DeleteWordBack));
        assert_eq!(command("ArrowLeft", "ArrowLeft", ctrl, 1), Some(Command::Move(Motion::WordLeft, false)));
    }

    #[test]
    fn moving_keeps_the_column() {
        let text = "abcdef\nab\nabcdefgh\n";
        let mut m = model(text);
        assert_eq!(m.moved(text, 5, Motion::Down(1)), 9);
        assert_eq!(m.moved(text, 9, Motion::Down(1)), 15);
        assert_eq!(m.moved(text, 15, Motion::Down(1)), 19);
        let mut m = model(text);
        assert_eq!(m.moved(text, 5, Motion::Up(1)), 0);
        assert_eq!(m.moved(text, 9, Motion::LineStart), 7);
        assert_eq!(m.moved(text, 7, Motion::LineEnd), 9);
        assert_eq!(m.moved(text, 7, Motion::Left), 6);
        assert_eq!(m.moved(text, 6, Motion::Right), 7);
        assert_eq!(m.moved(text, 0, Motion::Left), 0);
        assert_eq!(m.moved(text, 3, Motion::End), text.len());
        assert_eq!(m.moved(text, 12, Motion::Up(100)), 2);
        let accented = "zoë\nx";
        let mut m = model(accented);
        assert_eq!(m.moved(accented, 4, Motion::Left), 2);
        assert_eq!(m.moved(accented, 2, Motion::Right), 4);
    }

    #[test]
    fn typing_groups_for_undo_and_redo_puts_it_back() {
        let mut text = "abc\ndef".to_owned();
        let mut m = model(&text);
        let c = m.replace(&mut text, Cursor::at(3), 3..3, "x", Some(0.0));
        let c = m.replace(&mut text, c, c.head..c.head, "y", Some(100.0));
        assert_eq!((text.as_str(), c), ("abcxy\ndef", Cursor::at(5)));
        // A pause starts a new step.
        let c = m.replace(&mut text, c, c.head..c.head, "z", Some(5_000.0));
        // A paste with Windows line breaks is stored as the textarea stores it.
        let c = m.replace(&mut text, c, 0..1, "1\r\n2", None);
        assert_eq!(text, "1\n2bcxyz\ndef");
        assert_eq!(m.starts, LineStarts::of(&text));
        assert_eq!(c, Cursor::at(3));
        assert_eq!(m.undo(&mut text), Some(Cursor::at(6)));
        assert_eq!(text, "abcxyz\ndef");
        assert_eq!(m.undo(&mut text), Some(Cursor::at(5)));
        assert_eq!(m.undo(&mut text), Some(Cursor::at(3)));
        assert_eq!(text, "abc\ndef");
        assert_eq!(m.undo(&mut text), None);
        assert_eq!(m.redo(&mut text), Some(Cursor::at(5)));
        assert_eq!(text, "abcxy\ndef");
        assert_eq!(m.starts, LineStarts::of(&text));
        // An edit after undo drops what could be redone.
        m.replace(&mut text, Cursor::at(0), 0..0, "q", None);
        assert_eq!(m.redo(&mut text), None);
        // A text replaced from outside forgets the history.
        m.replaced();
        m.sync("other", Cursor::at(40));
        assert_eq!(m.undo(&mut text), None);
        assert_eq!(m.sync("other", Cursor::at(40)), Cursor::at(5));
    }

    #[test]
    fn the_hidden_input_stands_for_the_caret_line() {
        let mut text = "111122223333,a@example.com\nzoë@x\n".to_owned();
        let mut m = model(&text);
        let cursor = Cursor::at(31);
        let (context, selection) = m.context_for(&text, cursor);
        assert_eq!(context, (27..33, "zoë@x".to_owned()));
        assert_eq!(selection, (3, 3));
        m.context = context;
        // An input method commits "ï" after "zoë": the input now reads "zoëï@x" with its caret at 4.
        let c = m.input(&mut text, cursor, "zoëï@x", 4, 0.0).unwrap();
        assert_eq!(text, "111122223333,a@example.com\nzoëï@x\n");
        assert_eq!(c, Cursor::at(33));
        assert_eq!(m.context, (27..35, "zoëï@x".to_owned()));
        // A selection across lines: the input is empty and what is typed replaces the selection.
        let cursor = Cursor { anchor: 4, head: 29 };
        let (context, _) = m.context_for(&text, cursor);
        assert_eq!(context, (4..29, String::new()));
        m.context = context;
        let c = m.input(&mut text, cursor, "9", 1, 10.0).unwrap();
        assert_eq!(text, "11119ëï@x\n");
        assert_eq!(c, Cursor::at(5));
        assert_eq!(m.starts, LineStarts::of(&text));
        assert_eq!(m.input(&mut text, c, "9", 1, 11.0), None);
        assert_eq!(utf16_to_bytes("zoë😀a", 5), "zoë😀".len());
        assert_eq!(utf16_to_bytes("ab", 7), 2);
    }

    #[test]
    fn find_ignores_ascii_case_and_wraps() {
        let text = "111122223333,A@example.com\n444455556666,a@EXAMPLE.com\nzoë@exämple.com";
        let found = find_all(text, "example", 10);
        assert_eq!(found, vec![15, 42]);
        assert_eq!(find_all(text, "exä", 10), vec![text.find("exä").unwrap()]);
        assert_eq!(find_all(text, "", 10), Vec::<usize>::new());
        assert_eq!(find_all("aaaa", "aa", 10), vec![0, 2]);
        assert_eq!(find_all("aaaa", "a", 3), vec![0, 1, 2]);
        assert_eq!(find_all("a", "ab", 3), Vec::<usize>::new());
        // From the caret at 0: the first; from the first selected: the second; then around.
        assert_eq!(next_match(&found, 0..0, true), Some(0));
        assert_eq!(next_match(&found, 15..22, true), Some(1));
        assert_eq!(next_match(&found, 42..49, true), Some(0));
        assert_eq!(next_match(&found, 42..49, false), Some(0));
        assert_eq!(next_match(&found, 15..22, false), Some(1));
        assert_eq!(next_match(&[], 0..0, true), None);
    }

    #[test]
    fn line_breaks_become_a_textareas() {
        assert_eq!(textarea_breaks("a\r\nb\rc\n".to_owned()), "a\nb\nc\n");
        assert_eq!(textarea_breaks("zoë\r\n".to_owned()), "zoë\n");
        let plain = "a\nb".to_owned();
        assert_eq!(textarea_breaks(plain.clone()), plain);
    }

    #[test]
    fn a_kept_edit_is_undone_first() {
        let mut text = "one\ntwo".to_owned();
        let mut m = model(&text);
        m.keep_for_undo(Edit {
            at: 4,
            removed: "x".to_owned(),
            inserted: "two".to_owned(),
            before: Cursor::at(4),
            after: Cursor::at(7),
        });
        assert_eq!(m.undo(&mut text), Some(Cursor::at(4)));
        assert_eq!(text, "one\nx");
        assert_eq!(m.redo(&mut text), Some(Cursor::at(7)));
        assert_eq!(text, "one\ntwo");
    }

    #[test]
    fn find_reaches_matches_past_those_counted() {
        // Five matches, two counted.
        let text = "ab ab ab ab ab";
        assert_eq!(pick_match(text, "ab", 0..0, true, 2), (Some((0, Some(0))), 2));
        assert_eq!(pick_match(text, "ab", 3..5, true, 2), (Some((6, None)), 2));
        assert_eq!(pick_match(text, "ab", 9..11, true, 2), (Some((12, None)), 2));
        // From the last, around to the first.
        assert_eq!(pick_match(text, "ab", 12..14, true, 2), (Some((0, Some(0))), 2));
        // Back from the last: the one before it, though not counted.
        assert_eq!(pick_match(text, "ab", 12..14, false, 2), (Some((9, None)), 2));
        assert_eq!(pick_match(text, "ab", 6..8, false, 2), (Some((3, Some(1))), 2));
        assert_eq!(pick_match(text, "ab", 0..2, false, 2), (Some((3, Some(1))), 2));
        // Every match counted: as before.
        assert_eq!(pick_match(text, "ab", 12..14, true, 10), (Some((0, Some(0))), 5));
        assert_eq!(pick_match(text, "zz", 0..0, true, 10), (None, 0));
        // Non-ASCII text around the selection does not split a character.
        let text = "é ab é ab é ab";
        assert_eq!(pick_match(text, "ab", 3..5, true, 1), (Some((9, None)), 1));
        assert_eq!(pick_match(text, "ab", 7..7, true, 1), (Some((9, None)), 1));
        assert_eq!(pick_match(text, "ab", 16..17, false, 1), (Some((15, None)), 1));
        assert_eq!(pick_match(text, "ab", 13..13, false, 1), (Some((9, None)), 1));
    }
}
