//! Mounts the Enlist app on the page.

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| view! { <enlist_web::App/> });
}
