//! The input panel: an editor with line numbers that marks the lines with problems, file drop and
//! pick, the counts, and every diagnostic — click one to select its text and highlight its line.

use std::collections::BTreeMap;
use std::ops::Range;

use enlist_core::{ColumnEncoding, Fix, Severity, Span, thousands};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::state::{AppState, Checked};

/// The editor's line height and top padding in pixels; the style sheet sets the same.
pub const LINE_HEIGHT: i64 = 20;
pub const PADDING: i64 = 8;
/// Diagnostics drawn at first; the rest come a page at a time.
const PAGE: usize = 200;

const EXAMPLE: &str = include_str!("../../crates/enlist-core/tests/fixtures/mixed-problems.csv");

/// Where a line (1-based) starts in the editor's scrolled content.
pub fn line_top(line: usize) -> i64 {
    PADDING + (line.saturating_sub(1) as i64).saturating_mul(LINE_HEIGHT)
}

/// The line numbers (1-based) the gutter draws for a scroll position.
pub fn visible_lines(scroll_top: i64, height: i64, total: usize) -> Range<usize> {
    let first = ((scroll_top - PADDING).max(0) / LINE_HEIGHT) as usize + 1;
    let count = (height.max(0) + LINE_HEIGHT - 1) as usize / LINE_HEIGHT as usize + 2;
    first.min(total + 1)..(first + count).min(total + 1)
}

/// Lines in a text as the editor shows them.
pub fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

/// One diagnostic as the list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagnosticRow {
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub fix: Option<Fix>,
    pub start: usize,
    pub end: usize,
}

/// The first `limit` diagnostics of a check, with line and column as a person counts them.
pub fn rows(checked: &Checked, limit: usize) -> Vec<DiagnosticRow> {
    let (text, parsed) = (checked.text(), &checked.parsed);
    parsed
        .diagnostics
        .iter()
        .take(limit)
        .map(|d| {
            let at = parsed.line_index.line_col(text, d.span.start, ColumnEncoding::Chars);
            DiagnosticRow {
                line: at.line,
                column: at.column,
                severity: d.severity(),
                code: d.code.as_str(),
                message: d.message.clone(),
                fix: d.fix.clone(),
                start: d.span.start,
                end: d.span.end,
            }
        })
        .collect()
}

/// The worst severity on each line that has a diagnostic.
pub fn marks(checked: &Checked) -> BTreeMap<usize, Severity> {
    let mut marks = BTreeMap::new();
    for d in &checked.parsed.diagnostics {
        let line = checked.parsed.line_index.line_col(checked.text(), d.span.start, ColumnEncoding::Chars).line;
        let severity = d.severity();
        marks.entry(line).and_modify(|s: &mut Severity| *s = worst(*s, severity)).or_insert(severity);
    }
    marks
}

fn worst(a: Severity, b: Severity) -> Severity {
    let rank = |s: Severity| match s {
        Severity::Error => 2,
        Severity::Warning => 1,
        Severity::Info => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn class(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

#[component]
pub fn Input(app: AppState) -> impl IntoView {
    let scroll = RwSignal::new(0_i64);
    let height = RwSignal::new(360_i64);
    let dragging = RwSignal::new(false);
    let limit = RwSignal::new(PAGE);
    let long = app.long;
    let lines = long.lines;
    Effect::watch(move || long.on.get(), move |&on, _, _| app.long_switched(on), false);
    let marks = Memo::new(move |_| app.checked.with(marks));
    let summary =
        Memo::new(move |_| app.checked.with(|c| (c.text().trim().is_empty(), c.parsed.summary(), c.parsed.format)));
    let diagnostics = Memo::new(move |_| app.checked.with(|c| rows(c, limit.get())));
    let total = Memo::new(move |_| app.checked.with(|c| c.parsed.diagnostics.len()));
    let fixable = Memo::new(move |_| {
        app.checked
            .with(|c| c.parsed.diagnostics.iter().filter(|d| d.fix.as_ref().is_some_and(|f| !f.is_choice())).count())
    });
    // "Keep line N" is a choice only the user can make: never part of "Apply all".
    let choices = Memo::new(move |_| {
        app.checked.with(|c| c.parsed.diagnostics.iter().filter(|d| d.fix.as_ref().is_some_and(Fix::is_choice)).count())
    });
    let on_files = move |files: Option<web_sys::FileList>| {
        let files = files.map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
        app.open_files(files);
    };

    view! {
        <section class="step" aria-labelledby="input-title">
            <h2 id="input-title">"1. Accounts"</h2>
            <label for=move || if long.on.get() { "list-input" } else { "list" }>"Paste a list — console CSV, a spreadsheet, "<code>"aws organizations list-accounts"</code>" output, JSON, or IDs and emails — or drop a file on the editor"</label>
            {move || long.find_open.get().then(|| view! { <FindBar app=app/> })}
            <div class="editor" class:dragging=move || dragging.get()
                on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: web_sys::DragEvent| {
                    dragging.set(false);
                    let files = ev.data_transfer().and_then(|d| d.files()).filter(|f| f.length() > 0);
                    if files.is_some() {
                        ev.prevent_default();
                        on_files(files);
                    }
                }>
                <div class="gutter" aria-hidden="true">
                    <div style:transform=move || {
                        let range = visible_lines(scroll.get(), height.get(), lines.get());
                        format!("translateY({}px)", line_top(range.start) - scroll.get())
                    }>
                        {move || {
                            let range = visible_lines(scroll.get(), height.get(), lines.get());
                            marks.with(|marks| range.map(|n| {
                                let class = marks.get(&n).map_or("", |s| class(*s));
                                view! { <div class=class>{n}</div> }
                            }).collect_view())
                        }}
                    </div>
                </div>
                <div class="code" class:long=move || long.on.get()>
                    {move || app.highlight.get().map(|line| view! {
                        <div class="highlight" data-testid="highlight" data-line=line style:top=move || format!("{}px", line_top(line) - scroll.get())></div>
                    })}
                    <div class="scroller" node_ref=long.scroller
                        on:scroll=move |ev| if long.on.get_untracked() {
                            let element = event_target::<web_sys::HtmlElement>(&ev);
                            scroll.set(i64::from(element.scroll_top()));
                            height.set(i64::from(element.client_height()));
                        }>
                        <textarea id="list" node_ref=app.editor wrap="off" spellcheck="false" autocomplete="off" autocapitalize="off"
                            aria-describedby="counts"
                            aria-hidden=move || long.on.get().then_some("true")
                            tabindex=move || if long.on.get() { "-1" } else { "0" }
                            placeholder="111122223333,security@example.com"
                            prop:value=move || { app.replaced.track(); app.text.get_untracked() }
                            on:input=move |ev| {
                                let pasted = ev.dyn_ref::<web_sys::InputEvent>().is_some_and(|e| {
                                    let kind = e.input_type();
                                    kind.starts_with("insertFromPaste") || kind == "insertFromDrop"
                                });
                                app.edit(event_target_value(&ev), pasted);
                            }
                            on:paste=move |ev: web_sys::ClipboardEvent| if long.on.get_untracked() { app.long_paste(&ev) } else { app.paste_into_list(&ev) }
                            on:keydown=move |ev: web_sys::KeyboardEvent| {
                                use crate::lines::{Command, Keys, command};
                                if command(&ev.key(), &ev.code(), Keys::of(&ev), 0) == Some(Command::Find) {
                                    ev.prevent_default();
                                    app.find_open();
                                }
                            }
                            on:focus=move |_| if long.on.get_untracked() { app.long_fill_list(); app.long_list_focused() }
                            // Before the browser can edit `#list` itself (a paste from the context
                            // menu, text dragged onto it), it is given the latest text.
                            on:mousedown=move |ev| if long.on.get_untracked() { app.long_fill_list(); app.long_mouse_down(&ev) }
                            on:dragenter=move |_| if long.on.get_untracked() { app.long_fill_list() }
                            on:mousemove=move |ev| if long.on.get_untracked() { app.long_mouse_move(&ev) }
                            on:dblclick=move |ev| if long.on.get_untracked() { app.long_double_click(&ev) }
                            on:scroll=move |ev| if !long.on.get_untracked() {
                                let element = event_target::<web_sys::HtmlElement>(&ev);
                                scroll.set(i64::from(element.scroll_top()));
                                height.set(i64::from(element.client_height()));
                            }></textarea>
                        {move || long.on.get().then(|| view! { <LongLines app=app scroll=scroll height=height/> })}
                    </div>
                </div>
            </div>
            <div class="row">
                <button on:click=move |_| app.edit_as_user(EXAMPLE.to_owned())>"Load an example"</button>
                <label class="button">"Open a file…"
                    <input type="file" class="visually-hidden" accept=".csv,.tsv,.txt,.json,.jsonl,.yaml,.yml,text/csv,text/plain,application/json"
                        on:change=move |ev| {
                            let input = event_target::<web_sys::HtmlInputElement>(&ev);
                            on_files(input.files());
                            input.set_value("");
                        }/>
                </label>
                <button on:click=move |_| app.apply_all_fixes() disabled=move || fixable.get() == 0>
                    {move || match fixable.get() { 0 => "Apply all suggested fixes".to_owned(), 1 => "Apply the suggested fix".to_owned(), n => format!("Apply all {} suggested fixes", thousands(n)) }}
                </button>
                {move || (fixable.get() == 0 && choices.get() > 0).then(|| view! {
                    <span class="muted" data-testid="choices">"Which line of a duplicate to keep is yours to choose: see “Keep line” below"</span>
                })}
            </div>
            {move || app.input_notice.get().map(|(bad, message)| view! {
                <p class=if bad { "notice bad" } else { "notice" } role=if bad { "alert" } else { "status" }>{message}</p>
            })}
            <p class="counts" id="counts" aria-live="polite" data-testid="counts" tabindex="-1">
                {move || summary.with(|(empty, s, format)| if *empty {
                    "Paste a list above, open a file, or load the example.".to_owned()
                } else {
                    format!(
                        "{} to send in {} · {} · {} · read as {}",
                        plural(s.accounts, "account", "accounts"), plural(s.batches, "batch", "batches"),
                        plural(s.errors, "error", "errors"), plural(s.warnings, "warning", "warnings"),
                        format.description()
                    )
                })}
            </p>
            <ul class="diagnostics" data-testid="diagnostics" node_ref=app.diagnostics>
                <For each=move || diagnostics.get() key=|row| (row.start, row.end, row.code, row.message.clone()) let(row)>
                    <Diagnostic app=app row=row/>
                </For>
            </ul>
            {move || {
                let (shown, total) = (diagnostics.with(Vec::len), total.get());
                (total > shown).then(|| view! {
                    <p class="more">
                        {format!("Showing {} of {} problems and notes. ", thousands(shown), thousands(total))}
                        <button on:click=move |_| limit.update(|l| *l += PAGE * 5)>"Show more"</button>
                    </p>
                })
            }}
        </section>
    }
}

/// Find in the list (Ctrl+F in the editor): Enter goes to the next match, Shift+Enter to the one
/// before, Escape goes back to the editor with the match selected.
#[component]
fn FindBar(app: AppState) -> impl IntoView {
    let long = app.long;
    // Focused as soon as it is drawn, in the same task: a key pressed right after Ctrl+F goes to
    // the field, not to the list.
    long.find_field.on_load(|field| {
        let _ = field.focus();
        field.select();
    });
    let said = move || match long.find_found.get() {
        None => String::new(),
        Some((_, 0)) => "no match".to_owned(),
        Some((at, n)) => {
            let total = if n >= crate::lines::FIND_LIMIT { format!("{}+", thousands(n)) } else { thousands(n) };
            match at {
                Some(i) => format!("{} of {total}", thousands(i + 1)),
                None => format!("{total} matches"),
            }
        }
    };
    view! {
        <div class="find" role="search" data-testid="find">
            <input type="search" id="find-in-list" node_ref=long.find_field aria-label="Find in the list" placeholder="Find in the list"
                autocomplete="off" spellcheck="false" aria-describedby="find-count"
                prop:value=move || long.find_query.get()
                on:input=move |ev| app.find_typed(event_target_value(&ev))
                on:keydown=move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
                    "Enter" => { ev.prevent_default(); app.find_step(!ev.shift_key()); }
                    "Escape" => { ev.prevent_default(); app.find_close(); }
                    _ => {}
                }/>
            <span class="muted" id="find-count" aria-live="polite" data-testid="find-count">{said}</span>
            <button on:click=move |_| app.find_step(false)>"Previous"</button>
            <button on:click=move |_| app.find_step(true)>"Next"</button>
            <button on:click=move |_| app.find_close()>"Close"</button>
        </div>
    }
}

/// Lines drawn either side of those in view, so a short scroll shows no gap.
const OVERSCAN: usize = 10;

/// The long list's lines in view, the selection and the caret, over a box as tall as the list; the
/// hidden input at the caret takes typing, input methods and the clipboard.
#[component]
fn LongLines(app: AppState, scroll: RwSignal<i64>, height: RwSignal<i64>) -> impl IntoView {
    use crate::lines::{Cursor, column};
    let long = app.long;
    let size = Memo::new(move |_| {
        app.text.with(|t| {
            long.model
                .try_update_value(|m| {
                    m.sync(t, Cursor::default());
                    (m.starts.count(), m.starts.widest(t.len()))
                })
                .unwrap_or((1, 0))
        })
    });
    // The lines drawn: their number (1-based), text and the selected columns on each.
    let drawn = Memo::new(move |_| {
        let (total, _) = size.get();
        let range = visible_lines(scroll.get(), height.get(), total);
        let (first, last) = (range.start.saturating_sub(OVERSCAN).max(1), (range.end + OVERSCAN).min(total + 1));
        let selected = long.cursor.get().range();
        app.text.with(|t| {
            long.model
                .try_update_value(|m| {
                    m.sync(t, Cursor::default());
                    (first..last)
                        .map(|n| {
                            let bytes = m.starts.range(n - 1, t);
                            let line = &t[bytes.clone()];
                            let marked = (selected.start <= bytes.end && selected.end > bytes.start
                                || selected.start == bytes.start && !selected.is_empty())
                            .then(|| {
                                let from = column(line, selected.start.saturating_sub(bytes.start));
                                let to = column(line, selected.end.saturating_sub(bytes.start));
                                (from, to - from + usize::from(selected.end > bytes.end))
                            });
                            (n, line.to_owned(), marked)
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let caret = Memo::new(move |_| {
        let head = long.cursor.get().head;
        app.text.with(|t| {
            long.model
                .try_update_value(|m| {
                    m.sync(t, Cursor::default());
                    let line = m.starts.line(head.min(t.len()));
                    let bytes = m.starts.range(line, t);
                    (line + 1, column(&t[bytes.clone()], head.saturating_sub(bytes.start)))
                })
                .unwrap_or((1, 0))
        })
    });
    let at = move |line: usize, col: usize| (format!("{}px", line_top(line)), format!("calc({PADDING}px + {col}ch)"));
    Effect::new(move |_| {
        // Drawn: the hidden input gets the caret's line.
        app.long_sync_input();
    });
    view! {
        <div class="sizer" node_ref=long.sizer
            style:height=move || format!("{}px", line_top(size.get().0 + 1) + PADDING)
            style:width=move || format!("calc({}ch + {}px)", size.get().1, 4 * PADDING)>
            <span class="measure" aria-hidden="true">"0000000000"</span>
            <div class="lines" aria-hidden="true" data-testid="lines">
                {move || drawn.with(|drawn| drawn.iter().map(|(n, text, marked)| {
                    let (top, _) = at(*n, 0);
                    let mark = marked.map(|(from, width)| {
                        let (_, left) = at(*n, from);
                        view! { <div class="selected" style:top=top.clone() style:left=left style:width=format!("{width}ch")></div> }
                    });
                    view! { {mark}<div class="line" style:top=top data-line=*n>{text.clone()}</div> }
                }).collect_view())}
            </div>
            <div class="caret" class:shown=move || long.focused.get() aria-hidden="true"
                style:top=move || at(caret.get().0, 0).0 style:left=move || { let (line, col) = caret.get(); at(line, col).1 }></div>
            <textarea class="input" id="list-input" node_ref=long.input wrap="off" spellcheck="false" autocomplete="off" autocapitalize="off"
                aria-describedby="counts" aria-multiline="true"
                style:top=move || at(caret.get().0, 0).0 style:left=move || { let (line, col) = caret.get(); at(line, col).1 }
                on:keydown=move |ev| app.long_key(&ev)
                on:input=move |_| app.long_input()
                on:compositionstart=move |_| app.long_composing(true)
                on:compositionend=move |_| app.long_composing(false)
                on:paste=move |ev| app.long_paste(&ev)
                on:copy=move |ev| app.long_copy(&ev, false)
                on:cut=move |ev| app.long_copy(&ev, true)
                on:focus=move |_| long.focused.set(true)
                on:blur=move |_| {
                    long.focused.set(false);
                    long.model.update_value(|m| m.composing = false);
                }></textarea>
        </div>
    }
}

/// The core's messages quote values in backticks; the page shows them as code, not as backticks.
pub fn pieces(message: &str) -> Vec<(bool, String)> {
    message.split('`').enumerate().filter(|(_, p)| !p.is_empty()).map(|(i, p)| (i % 2 == 1, p.to_owned())).collect()
}

fn quoted(message: &str) -> impl IntoView + use<> {
    pieces(message)
        .into_iter()
        .map(|(code, text)| if code { view! { <code>{text}</code> }.into_any() } else { text.into_any() })
        .collect_view()
}

/// What a fix's button says.
fn fix_label(fix: &Fix, line: usize) -> String {
    if fix.is_choice() {
        format!("Keep line {line}")
    } else if fix.replacement.is_empty() {
        "Remove it".to_owned()
    } else {
        format!("Use {}", fix.replacement)
    }
}

#[component]
fn Diagnostic(app: AppState, row: DiagnosticRow) -> impl IntoView {
    let DiagnosticRow { line, column, severity, code, message, fix, start, end } = row;
    view! {
        <li class=class(severity)>
            <button class="where" title="Show this line in the editor" on:click=move |_| app.jump_to(start, end, line)>
                {format!("line {line}:{column}")}
            </button>
            <span class="code">{format!("{severity}[{code}]")}</span>
            <span class="message">{quoted(&message)}</span>
            {fix.map(|fix| {
                let label = fix_label(&fix, line);
                let span = Span::new(start, end);
                view! { <button class="fix" on:click=move |_| app.apply_fix(span, &fix)>{label}</button> }
            })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_geometry() {
        assert_eq!(line_top(1), PADDING);
        assert_eq!(line_top(11), PADDING + 200);
        assert_eq!(visible_lines(0, 100, 3), 1..4);
        assert_eq!(visible_lines(0, 100, 1_000), 1..8);
        assert_eq!(visible_lines(0, 101, 1_000), 1..9);
        assert_eq!(visible_lines(PADDING + 2_000, 100, 1_000), 101..108);
        assert_eq!(visible_lines(1_000_000_000, 100, 1_000), 1001..1001);
        assert_eq!(visible_lines(-50, -1, 1_000), 1..3);
        assert_eq!(line_count(""), 1);
        assert_eq!(line_count("a\nb\n"), 3);
    }

    #[test]
    fn rows_and_marks_follow_the_core() {
        let text = "Account ID,Email\n11122223333,a@example.com\n12,b@example.com\n";
        let parsed = enlist_core::parse(text, &enlist_core::Options::default());
        let checked = Checked { parsed: parsed.into() };
        let rows = rows(&checked, 10);
        assert!(
            rows.iter().any(|r| r.line == 2 && r.fix.as_ref().map(|f| f.replacement.as_str()) == Some("011122223333")),
            "{rows:?}"
        );
        assert!(rows.iter().any(|r| r.line == 3 && r.severity == Severity::Error), "{rows:?}");
        let marks = marks(&checked);
        assert_eq!(marks.get(&3), Some(&Severity::Error));
        assert_eq!(rows.len().min(1), super::rows(&checked, 1).len());
        assert_eq!(plural(1, "batch", "batches"), "1 batch");
        assert_eq!(plural(12_345, "batch", "batches"), "12,345 batches");
        let piece = |code: bool, text: &str| (code, text.to_owned());
        assert_eq!(
            pieces("expected `a`, found `b` here"),
            [
                piece(false, "expected "),
                piece(true, "a"),
                piece(false, ", found "),
                piece(true, "b"),
                piece(false, " here")
            ]
        );
        assert_eq!(pieces("`x`"), [piece(true, "x")]);
        assert_eq!(pieces("no quotes"), [piece(false, "no quotes")]);
    }
}
