//! Turning the bytes of a dropped or named file into text, the same way everywhere.

use std::fmt;

/// Why a file's bytes are not text Enlist can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undecodable(String);

impl fmt::Display for Undecodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Undecodable {}

/// A file's text, and how it was read when that is worth telling the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// A note for the user, once per file, when the bytes were not UTF-8 and were read as a
    /// legacy encoding (Windows-1252); `None` for UTF-8 and UTF-16.
    pub note: Option<String>,
}

/// Reads a file's bytes as text.
///
/// UTF-8 is taken as is (a UTF-8 byte order mark is left for the parser to report); UTF-16 with a
/// byte order mark, as Excel's "Unicode text" writes it, is converted. Bytes that are not UTF-8
/// (and have no byte order mark) are read as Windows-1252, which Excel on Windows writes for
/// "CSV (Comma delimited)", and [`Decoded::note`] says so with the line of the first such byte.
/// A file that starts with a UTF-8 byte order mark but is not UTF-8 is refused: it names its own
/// encoding, and guessing another would only hide the damage.
///
/// ```
/// assert_eq!(enlist_core::decode_text(b"111122223333\n").unwrap().text, "111122223333\n");
/// let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("1,a".encode_utf16().flat_map(u16::to_le_bytes)).collect();
/// assert_eq!(enlist_core::decode_text(&utf16).unwrap().text, "1,a");
/// let legacy = enlist_core::decode_text(b"ok\n\xE9t\xE9").unwrap();
/// assert_eq!(legacy.text, "ok\n\u{e9}t\u{e9}");
/// assert!(legacy.note.unwrap().contains("0xE9 on line 2"));
/// ```
pub fn decode_text(bytes: &[u8]) -> Result<Decoded, Undecodable> {
    let utf16 = |rest: &[u8], big_endian: bool| -> Result<Decoded, Undecodable> {
        if rest.len() % 2 == 1 {
            return Err(Undecodable(format!(
                "expected UTF-16 text (an even number of bytes) after the UTF-16 byte order mark, found {} bytes",
                rest.len()
            )));
        }
        let units = rest.chunks_exact(2).map(|pair| {
            if big_endian { u16::from_be_bytes([pair[0], pair[1]]) } else { u16::from_le_bytes([pair[0], pair[1]]) }
        });
        let text = char::decode_utf16(units).collect::<Result<String, _>>().map_err(|_| {
            Undecodable("expected UTF-16 text after the UTF-16 byte order mark, found an unpaired surrogate".to_owned())
        })?;
        Ok(Decoded { text, note: None })
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        _ => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Decoded { text: text.to_owned(), note: None }),
            Err(error) => {
                let at = error.valid_up_to();
                let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
                let byte = bytes.get(at).copied().unwrap_or(0);
                if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
                    return Err(Undecodable(format!(
                        "expected UTF-8 text after the UTF-8 byte order mark, found the byte 0x{byte:02X} on line {line}; save the file as UTF-8 (in Excel: \"CSV UTF-8\")"
                    )));
                }
                let text: String = bytes.iter().map(|&b| windows_1252(b)).collect();
                let note = format!(
                    "read as Windows-1252, not UTF-8 (the byte 0x{byte:02X} on line {line} is not UTF-8); check the accented characters, or save the file as UTF-8 (in Excel: \"CSV UTF-8\")"
                );
                Ok(Decoded { text, note: Some(note) })
            }
        },
    }
}

/// One byte of Windows-1252 as the WHATWG Encoding Standard maps it: Latin-1, except 0x80–0x9F,
/// which hold typographic characters (the five bytes it leaves undefined map to the C1 controls
/// of the same number, so no byte is lost).
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{2C6}',
        '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}',
        '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}',
        '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_both_orders_and_damage() {
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("12,é".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode_text(&be).unwrap().text, "12,é");
        assert!(decode_text(&[0xFF, 0xFE, 0x31]).unwrap_err().to_string().contains("found 1 bytes"));
        assert!(decode_text(&[0xFF, 0xFE, 0x00, 0xD8]).unwrap_err().to_string().contains("unpaired surrogate"));
        assert_eq!(decode_text(&[0xFF, 0xFE]).unwrap().text, "");
        assert_eq!(decode_text(b"").unwrap(), Decoded { text: String::new(), note: None });
    }

    #[test]
    fn windows_1252_is_read_and_reported_once() {
        // `José;jose@example.com` and `“quoted”` as Excel writes them on Windows.
        let decoded =
            decode_text(b"Account ID;Email\r\n111122223333;Jos\xE9 \x93ops\x94@example.com\r\n\x80\x81").unwrap();
        assert_eq!(decoded.text, "Account ID;Email\r\n111122223333;José “ops”@example.com\r\n€\u{81}");
        let note = decoded.note.unwrap();
        assert!(note.contains("the byte 0xE9 on line 2"), "{note}");
        assert!(note.starts_with("read as Windows-1252"), "{note}");
        // Every byte has a character: nothing is lost.
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode_text(&all).unwrap().text.chars().count(), 256);
        // A UTF-8 byte order mark names the encoding: damage after it is refused.
        let error = decode_text(b"\xEF\xBB\xBFok\n\xE9").unwrap_err().to_string();
        assert!(error.contains("0xE9 on line 2"), "{error}");
    }
}
