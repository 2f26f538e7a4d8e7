//! Fuzzes `parse` with arbitrary text under every format and option set: it must never panic,
//! and what it returns must hold together.

#![no_main]

use enlist_core::{Format, Options, Service, Services, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let format = match selector % 9 {
        0 => None,
        n => Some(Format::ALL[usize::from(n - 1)]),
    };
    let services = match (selector / 9) % 3 {
        0 => Services::only(Service::GuardDuty),
        1 => Services::only(Service::Detective),
        _ => Services::BOTH,
    };
    let options = Options { services, organization_mode: selector & 0x80 != 0, admin_account: None, format };
    let parsed = parse(text, &options);
    for diagnostic in &parsed.diagnostics {
        assert!(diagnostic.span.start <= diagnostic.span.end && diagnostic.span.end <= text.len());
        assert!(text.is_char_boundary(diagnostic.span.start) && text.is_char_boundary(diagnostic.span.end));
    }
    let batched: usize = parsed.batches.iter().map(|b| b.len()).sum();
    assert_eq!(batched, parsed.accounts.len());
    assert!(parsed.batches.iter().all(|b| (1..=50).contains(&b.len())));
});
