//! Leptos's hello world, built by `cargo xtask bench` with the UI's trunk settings (Cargo profile
//! `web`, the same wasm-opt flags), so the UI's transfer size can be read against Leptos's floor.

use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(|| view! { <p>"Hello, world!"</p> });
}
