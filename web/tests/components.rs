//! Component tests: the real `App` mounted in headless Chromium by wasm-bindgen-test, driven through
//! the DOM the way a user's events arrive. `cargo xtask ci` runs them with
//! `cargo test -p enlist-web --target wasm32-unknown-unknown` (runner: wasm-bindgen-test-runner,
//! browser: Debian's Chromium through chromedriver). The Playwright tests in `ui.test.mjs` cover
//! whole runs against the proxy and the emulator.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Document, HtmlElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// Mounts a fresh app into its own element. The test runner's own output lives in the same body, so
/// only the app's element is replaced; the returned handle unmounts the app when dropped.
fn mount() -> leptos::mount::UnmountHandle<impl leptos::prelude::Mountable> {
    let document = document();
    if let Some(old) = document.get_element_by_id("app") {
        old.remove();
    }
    let root: HtmlElement = document.create_element("div").expect("an element").unchecked_into();
    root.set_id("app");
    document.body().expect("a body").append_child(&root).expect("appended");
    leptos::mount::mount_to(root, || leptos::view! { <enlist_web::App/> })
}

/// Lets the app's effects run.
async fn settle() {
    gloo_timers::future::TimeoutFuture::new(20).await;
}

fn text(selector: &str) -> String {
    document().query_selector(selector).ok().flatten().and_then(|e| e.text_content()).unwrap_or_default()
}

fn editor() -> HtmlTextAreaElement {
    document().get_element_by_id("list").expect("the editor").unchecked_into()
}

/// Types into the editor as a paste would arrive.
fn paste(value: &str) {
    let editor = editor();
    editor.set_value(value);
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    init.set_input_type("insertFromPaste");
    let event = web_sys::InputEvent::new_with_event_init_dict("input", &init).expect("an input event");
    editor.dispatch_event(&event).expect("dispatched");
}

fn click(selector: &str) {
    let element: HtmlElement = document().query_selector(selector).ok().flatten().expect(selector).unchecked_into();
    element.click();
}

#[wasm_bindgen_test]
async fn a_paste_is_counted_and_its_fix_applies_in_the_editor() {
    let _app = mount();
    settle().await;
    assert_eq!(text("[data-testid=counts]"), "Paste a list above, open a file, or load the example.");
    paste("Account ID,Email\n11122223333,a@example.com\n111122224444,b@example.com\n");
    settle().await;
    assert!(
        text("[data-testid=counts]").starts_with("1 account to send in 1 batch · 1 error"),
        "{}",
        text("[data-testid=counts]")
    );
    assert!(text(".gutter .error").contains('2'), "line 2 is marked: {}", text(".gutter"));
    click("button.fix");
    settle().await;
    assert_eq!(editor().value(), "Account ID,Email\n011122223333,a@example.com\n111122224444,b@example.com\n");
    assert!(text("[data-testid=counts]").starts_with("2 accounts to send in 1 batch · 0 errors"));
}

#[wasm_bindgen_test]
async fn clicking_a_problem_selects_it_and_highlights_its_line() {
    let _app = mount();
    settle().await;
    paste("111122223333,a@example.com\n111122224444,not-an-email\n");
    settle().await;
    click("[data-testid=diagnostics] li.error button.where");
    settle().await;
    let editor = editor();
    let (start, end) = (editor.selection_start().unwrap().unwrap(), editor.selection_end().unwrap().unwrap());
    // The selection is the diagnostic's span: the record on line 2, which holds the bad email.
    let selected = &editor.value()[start as usize..end as usize];
    assert!(selected.contains("not-an-email") && !selected.contains("111122223333"), "{selected}");
    let highlight = document().query_selector("[data-testid=highlight]").ok().flatten().expect("a highlight");
    assert_eq!(highlight.get_attribute("data-line").as_deref(), Some("2"));
}

#[wasm_bindgen_test]
async fn choosing_detective_organization_mode_changes_what_is_an_error() {
    let _app = mount();
    settle().await;
    paste("111122223333\n111122224444\n");
    settle().await;
    assert!(
        text("[data-testid=counts]").contains("2 errors"),
        "GuardDuty needs emails: {}",
        text("[data-testid=counts]")
    );
    click("#service-guardduty");
    click("#service-detective");
    settle().await;
    click("#org-mode");
    settle().await;
    assert!(
        text("[data-testid=counts]").starts_with("2 accounts to send in 1 batch · 0 errors"),
        "{}",
        text("[data-testid=counts]")
    );
}
