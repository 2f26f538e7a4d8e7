//! Issue 19's spike, Leptos half: the list kept as lines, only the lines on screen drawn (plus a
//! few either side), typing through a hidden textarea at the caret. Not an editor yet — no
//! selection, IME, undo or find —: it measures what drawing only the visible lines costs in Leptos,
//! and what it adds to the module, beside CodeMirror 6 (`bench/editor-spike/spike.mjs`).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Height of a line in pixels (the CSS's line-height).
const LINE: usize = 20;
/// Lines drawn beyond the visible ones, above and below.
const OVERSCAN: usize = 10;

#[component]
fn Editor() -> impl IntoView {
    let lines = RwSignal::new(vec![String::new()]);
    let first = RwSignal::new(0usize);
    let caret = RwSignal::new((0usize, 0usize));
    let scroller = NodeRef::<leptos::html::Div>::new();
    let input = NodeRef::<leptos::html::Textarea>::new();
    let visible = 352 / LINE + 1;

    // Typing at the caret: the hidden textarea takes the key, its text goes into the line.
    let on_input = move |_| {
        let Some(area) = input.get_untracked() else { return };
        let typed = area.value();
        area.set_value("");
        let (line, col) = caret.get_untracked();
        lines.update(|all| {
            if let Some(text) = all.get_mut(line) {
                let at = text.char_indices().nth(col).map_or(text.len(), |(i, _)| i);
                text.insert_str(at, &typed);
            }
        });
        caret.set((line, col + typed.chars().count()));
    };
    let rows = move || {
        let count = lines.with(Vec::len);
        let from = first.get().saturating_sub(OVERSCAN);
        from..(first.get() + visible + OVERSCAN).min(count)
    };

    // Hooks for the measuring script: paste a whole text, type or delete at a line and column.
    let window = web_sys::window().expect("a window");
    let spike = js_sys::Object::new();
    let paste = Closure::<dyn Fn(String)>::new(move |text: String| {
        lines.set(text.lines().map(str::to_owned).collect());
        caret.set((0, 0));
    });
    let edit =
        Closure::<dyn Fn(usize, usize, Option<String>)>::new(move |line: usize, col: usize, typed: Option<String>| {
            lines.update(|all| {
                if let Some(text) = all.get_mut(line) {
                    let at = |c: usize| text.char_indices().nth(c).map_or(text.len(), |(i, _)| i);
                    match &typed {
                        Some(typed) => {
                            let i = at(col);
                            text.insert_str(i, typed);
                        }
                        None if col > 0 => {
                            let (from, to) = (at(col - 1), at(col));
                            text.replace_range(from..to, "");
                        }
                        None => {}
                    }
                }
            });
            caret.set((line, if typed.is_some() { col + 1 } else { col.saturating_sub(1) }));
            if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top((line * LINE) as i32 - 160);
            }
        });
    let _ = js_sys::Reflect::set(&spike, &"paste".into(), paste.as_ref().unchecked_ref());
    let _ = js_sys::Reflect::set(&spike, &"edit".into(), edit.as_ref().unchecked_ref());
    let _ = js_sys::Reflect::set(&window, &"spike".into(), &spike);
    paste.forget();
    edit.forget();

    view! {
        <div class="editor" node_ref=scroller
            on:scroll=move |_| {
                if let Some(el) = scroller.get_untracked() {
                    first.set(el.scroll_top().max(0) as usize / LINE);
                }
            }
            on:click=move |_| { if let Some(area) = input.get_untracked() { let _ = area.focus(); } }>
            <div style:height=move || format!("{}px", lines.with(Vec::len) * LINE)></div>
            <For each=rows key=|i| *i let:i>
                <div class="row" style:top=format!("{}px", i * LINE)>
                    <span class="n">{i + 1}</span>
                    {move || lines.with(|all| all.get(i).cloned().unwrap_or_default())}
                </div>
            </For>
            <div class="caret"
                style:top=move || format!("{}px", caret.get().0 * LINE)
                style:left=move || format!("calc(4.5rem + {}ch)", caret.get().1)></div>
            <textarea class="input" node_ref=input aria-label="Account list" on:input=on_input
                style:top=move || format!("{}px", caret.get().0 * LINE)></textarea>
        </div>
    }
}

fn main() {
    leptos::mount::mount_to_body(Editor);
}
