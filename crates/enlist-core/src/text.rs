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

/// Reads a file's bytes as text.
///
/// UTF-8 is taken as is (a UTF-8 byte order mark is left for the parser to report); UTF-16 with a
/// byte order mark, as Excel's "Unicode text" writes it, is converted. Anything else is refused with
/// the line of the first bad byte rather than guessed at.
///
/// ```
/// assert_eq!(enlist_core::decode_text(b"111122223333\n").unwrap(), "111122223333\n");
/// let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("1,a".encode_utf16().flat_map(u16::to_le_bytes)).collect();
/// assert_eq!(enlist_core::decode_text(&utf16).unwrap(), "1,a");
/// assert!(enlist_core::decode_text(b"ok\n\xE9t\xE9").unwrap_err().to_string().contains("0xE9 on line 2"));
/// ```
pub fn decode_text(bytes: &[u8]) -> Result<String, Undecodable> {
    let utf16 = |rest: &[u8], big_endian: bool| -> Result<String, Undecodable> {
        if rest.len() % 2 == 1 {
            return Err(Undecodable(format!(
                "expected UTF-16 text (an even number of bytes) after the UTF-16 byte order mark, found {} bytes",
                rest.len()
            )));
        }
        let units = rest.chunks_exact(2).map(|pair| {
            if big_endian { u16::from_be_bytes([pair[0], pair[1]]) } else { u16::from_le_bytes([pair[0], pair[1]]) }
        });
        char::decode_utf16(units).collect::<Result<String, _>>().map_err(|_| {
            Undecodable("expected UTF-16 text after the UTF-16 byte order mark, found an unpaired surrogate".to_owned())
        })
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        _ => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(error) => {
                let at = error.valid_up_to();
                let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
                Err(Undecodable(format!(
                    "expected UTF-8 text, found the byte 0x{:02X} on line {line}; save the file as UTF-8 (in Excel: \"CSV UTF-8\")",
                    bytes[at]
                )))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_both_orders_and_damage() {
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("12,é".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode_text(&be).unwrap(), "12,é");
        assert!(decode_text(&[0xFF, 0xFE, 0x31]).unwrap_err().to_string().contains("found 1 bytes"));
        assert!(decode_text(&[0xFF, 0xFE, 0x00, 0xD8]).unwrap_err().to_string().contains("unpaired surrogate"));
        assert_eq!(decode_text(&[0xFF, 0xFE]).unwrap(), "");
        assert_eq!(decode_text(b"").unwrap(), "");
    }
}
