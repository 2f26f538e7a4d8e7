//! Fuzzes `decode_text` and `parse` with arbitrary bytes under every format (YAML among them)
//! and option set: they must never panic, and what they return must hold together. Bytes that
//! are not UTF-8 go through the Windows-1252 reading, as a dropped file's would.

#![no_main]

use enlist_core::{Format, Options, Service, Services, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(decoded) = enlist_core::decode_text(rest) else { return };
    let text = decoded.text.as_str();
    // One more than the formats: 0 detects.
    let choices = Format::ALL.len() + 1;
    let format = match usize::from(selector) % choices {
        0 => None,
        n => Some(Format::ALL[n - 1]),
    };
    let services = match (usize::from(selector) / choices) % 3 {
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
