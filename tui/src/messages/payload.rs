//! How a key, header or value is shown: pretty-printed JSON when the bytes
//! are a JSON object or array, text when they are UTF-8, and a hex dump
//! otherwise.

use std::fmt::Write as _;

/// What the bytes turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadKind {
    /// A null key or value (not the same as empty).
    Null,
    Empty,
    Json,
    Text,
    Binary,
}

impl PayloadKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Empty => "empty",
            Self::Json => "json",
            Self::Text => "utf-8",
            Self::Binary => "binary",
        }
    }
}

pub fn kind(bytes: Option<&[u8]>) -> PayloadKind {
    let Some(bytes) = bytes else {
        return PayloadKind::Null;
    };
    if bytes.is_empty() {
        return PayloadKind::Empty;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if is_json_document(text) => PayloadKind::Json,
        Ok(_) => PayloadKind::Text,
        Err(_) => PayloadKind::Binary,
    }
}

/// Objects and arrays only: a bare `42` or `"id"` reads better as text.
fn is_json_document(text: &str) -> bool {
    text.trim_start().starts_with(['{', '['])
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// The bytes as lines for the record view.
pub fn lines(bytes: Option<&[u8]>) -> Vec<String> {
    match (kind(bytes), bytes) {
        (PayloadKind::Null, _) => vec!["(null)".to_owned()],
        (PayloadKind::Empty, _) => vec!["(empty)".to_owned()],
        (PayloadKind::Json, Some(b)) => pretty_json(&String::from_utf8_lossy(b))
            .lines()
            .map(str::to_owned)
            .collect(),
        (PayloadKind::Text, Some(b)) => String::from_utf8_lossy(b)
            .lines()
            .map(escape_controls)
            .collect(),
        (_, bytes) => hex_dump(bytes.unwrap_or_default()),
    }
}

/// One line for a table cell: JSON and text with control characters
/// escaped, binary as hex. At most `max_chars` characters are produced, so
/// a 1 MiB value costs what the cell shows.
pub fn preview(bytes: Option<&[u8]>, max_chars: usize) -> String {
    let Some(bytes) = bytes else {
        return "(null)".to_owned();
    };
    // Enough bytes for `max_chars` characters of UTF-8 (4 bytes each at
    // most); cutting inside a character only loses that character.
    let head = &bytes[..bytes.len().min(max_chars.saturating_mul(4) + 4)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        Err(e) if e.error_len().is_none() && head.len() < bytes.len() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    match text {
        Some(text) => escape_controls(text).chars().take(max_chars).collect(),
        None => {
            let mut hex = String::from("0x");
            for b in head.iter().take(max_chars.saturating_sub(2) / 2) {
                let _ = write!(hex, "{b:02x}");
            }
            hex
        }
    }
}

/// Control characters as `\n`, `\t` or `\u{1b}`, so a value cannot move
/// the cursor or paint the terminal.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Re-indents JSON that has already been validated, two spaces a level.
/// Done on the text rather than through `serde_json::Value` so keys keep
/// the producer's order and numbers their exact spelling.
fn pretty_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|&n| n == '}' || n == ']') {
                    // `{}` and `[]` stay on one line.
                    if let Some(close) = chars.next() {
                        out.push(close);
                    }
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// `offset  hex bytes (16 a line)  ascii`, like `xxd`.
fn hex_dump(bytes: &[u8]) -> Vec<String> {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(i, chunk)| {
            let mut line = format!("{:08x}  ", i * 16);
            for (j, b) in chunk.iter().enumerate() {
                let _ = write!(line, "{b:02x}{}", if j == 7 { "  " } else { " " });
            }
            let pad = 16 - chunk.len();
            line.push_str(&"   ".repeat(pad));
            if chunk.len() <= 8 {
                line.push(' ');
            }
            line.push(' ');
            line.extend(chunk.iter().map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    char::from(b)
                } else {
                    '.'
                }
            }));
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_documents_are_pretty_printed_in_their_own_key_order() {
        let value = br#"{"z":1,"a":{"list":[1, 2.50,{}],"s":"x, {y}: \"q\""},"e":[]}"#;
        assert_eq!(kind(Some(value)), PayloadKind::Json);
        assert_eq!(
            lines(Some(value)),
            vec![
                "{",
                r#"  "z": 1,"#,
                r#"  "a": {"#,
                r#"    "list": ["#,
                "      1,",
                "      2.50,",
                "      {}",
                "    ],",
                r#"    "s": "x, {y}: \"q\"""#,
                "  },",
                r#"  "e": []"#,
                "}",
            ]
        );
    }

    #[test]
    fn scalars_and_broken_json_are_text() {
        assert_eq!(kind(Some(b"42")), PayloadKind::Text);
        assert_eq!(kind(Some(b"{\"a\":")), PayloadKind::Text);
        assert_eq!(kind(Some("grüße\tü".as_bytes())), PayloadKind::Text);
        assert_eq!(
            lines(Some(b"one\ntwo\x1b[31m")),
            vec!["one", "two\\u{1b}[31m"]
        );
    }

    #[test]
    fn null_and_empty_differ() {
        assert_eq!(kind(None), PayloadKind::Null);
        assert_eq!(kind(Some(b"")), PayloadKind::Empty);
        assert_eq!(lines(None), vec!["(null)"]);
        assert_eq!(preview(None, 10), "(null)");
    }

    #[test]
    fn binary_is_a_hex_dump() {
        let bytes: Vec<u8> = (0u8..20).chain([0xff, b'A']).collect();
        assert_eq!(kind(Some(&bytes)), PayloadKind::Binary);
        assert_eq!(
            lines(Some(&bytes)),
            vec![
                "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................",
                "00000010  10 11 12 13 ff 41                                 .....A",
            ]
        );
        assert_eq!(preview(Some(&bytes), 10), "0x00010203");
    }

    #[test]
    fn preview_is_bounded_and_escaped() {
        let long = "é".repeat(10_000);
        assert_eq!(preview(Some(long.as_bytes()), 5), "ééééé");
        assert_eq!(preview(Some(b"a\nb"), 10), "a\\nb");
    }
}
