//! kcat-style format strings, both ways: `consume --format` renders records
//! with them and `produce --format` parses input with the same tokens,
//! escapes and modifiers, so what one prints the other reads back.
//!
//! Tokens: `%t` topic, `%p` partition, `%o` offset, `%k` key, `%s` (or
//! rpk's `%v`) value, `%T` timestamp, `%h` headers (`name=value,...`, a null
//! value is the bare name), `%K`/`%S` (or `%V`) key/value length in bytes
//! (-1 for null), `%%`. Escapes `\n \t \r \0 \\`. `%k`, `%s`/`%v` and `%h`
//! take a modifier: `{hex}` or `{base64}` (header names and values both;
//! unpadded there, as `=` separates them), for binary data that must not
//! collide with the format's literals.
//!
//! Parsing reads each field up to the literal that follows it in the
//! format, except a key or value after its length token (`%K %k`), which is
//! read by length: raw binary works then, and `-1` brings back a null.
//! `%t`, `%o` and the timestamp kind are read and ignored; `%p` and `%T`
//! set the record's partition and timestamp.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD as BASE64, STANDARD_NO_PAD as BASE64_NO_PAD};
use clap::ValueEnum;
use std::io::Write as _;

use kctl_client::consumer::TimestampType;

use crate::time::{parse_datetime_ms, rfc3339_ms};
use kctl_client::consumer::RecordFields;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TimestampStyle {
    /// Milliseconds since the epoch.
    Ms,
    /// UTC, e.g. 2024-05-01T12:00:00.250Z.
    Rfc3339,
}

/// How a field's bytes are written: as they are, or encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Raw,
    Hex,
    Base64,
}

impl Encoding {
    fn encode(self, bytes: &[u8], out: &mut Vec<u8>) {
        match self {
            Self::Raw => out.extend_from_slice(bytes),
            Self::Hex => {
                const DIGITS: &[u8; 16] = b"0123456789abcdef";
                for b in bytes {
                    out.push(DIGITS[usize::from(b >> 4)]);
                    out.push(DIGITS[usize::from(b & 0xf)]);
                }
            }
            Self::Base64 => out.extend_from_slice(BASE64.encode(bytes).as_bytes()),
        }
    }

    fn decode(self, text: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Self::Raw => Ok(text.to_vec()),
            Self::Hex => {
                if !text.len().is_multiple_of(2) {
                    return Err("hex with an odd number of digits".into());
                }
                text.chunks(2)
                    .map(|pair| {
                        std::str::from_utf8(pair)
                            .ok()
                            .and_then(|p| u8::from_str_radix(p, 16).ok())
                            .ok_or_else(|| {
                                format!("'{}' is not hex", String::from_utf8_lossy(pair))
                            })
                    })
                    .collect()
            }
            Self::Base64 => BASE64
                .decode(text)
                .map_err(|e| format!("invalid base64: {e}")),
        }
    }

    /// Header names and values: base64 without `=` padding, which would
    /// read as the name/value separator.
    fn encode_header(self, bytes: &[u8], out: &mut Vec<u8>) {
        match self {
            Self::Base64 => out.extend_from_slice(BASE64_NO_PAD.encode(bytes).as_bytes()),
            other => other.encode(bytes, out),
        }
    }

    fn decode_header(self, text: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Self::Base64 => BASE64_NO_PAD
                .decode(text)
                .map_err(|e| format!("invalid base64: {e}")),
            other => other.decode(text),
        }
    }

    /// The encoded size of `len` bytes.
    fn encoded_len(self, len: usize) -> usize {
        match self {
            Self::Raw => len,
            Self::Hex => len * 2,
            Self::Base64 => len.div_ceil(3) * 4,
        }
    }
}

/// One piece of a `--format` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Literal(Vec<u8>),
    Topic,
    Partition,
    Offset,
    Key(Encoding),
    Value(Encoding),
    Timestamp,
    /// `CreateTime`/`LogAppendTime`, for `print.timestamp` as Kafka prints it.
    TimestampKind,
    Headers(Encoding),
    KeyLength,
    ValueLength,
}

/// A parsed `--format` (or the plain layout built from `--property`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pub(crate) pieces: Vec<Piece>,
}

/// A header's name and value (null allowed), as bytes.
pub(crate) type RawHeader = (Vec<u8>, Option<Vec<u8>>);

/// A record read by [`Template::parse_record`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ParsedRecord {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<RawHeader>,
    pub partition: Option<i32>,
    pub timestamp_ms: Option<i64>,
}

/// Parses kcat's tokens and escapes; anything unknown is an error, so a
/// typo shows at once instead of as literal text in every line.
pub(crate) fn parse_format(text: &str) -> Result<Template, String> {
    let mut pieces = Vec::new();
    let mut literal = Vec::new();
    let mut chars = text.chars().peekable();
    let tokens = "%t %p %o %k %s (%v) %T %h %K %S (%V) %%; %k, %s and %h take {hex} or {base64}";
    while let Some(c) = chars.next() {
        let piece = match c {
            '%' => {
                let token = chars.next();
                // `{modifier}` right after the token.
                let modifier = if chars.peek() == Some(&'{') {
                    chars.next();
                    let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    Some(name)
                } else {
                    None
                };
                let encoding = |token: char| -> Result<Encoding, String> {
                    match modifier.as_deref() {
                        None | Some("raw") => Ok(Encoding::Raw),
                        Some("hex") => Ok(Encoding::Hex),
                        Some("base64") => Ok(Encoding::Base64),
                        Some(other) => Err(format!(
                            "unknown modifier %{token}{{{other}}} in --format '{text}'; modifiers: {{hex}}, {{base64}}"
                        )),
                    }
                };
                let piece = match token {
                    Some('t') => Piece::Topic,
                    Some('p') => Piece::Partition,
                    Some('o') => Piece::Offset,
                    Some('k') => Piece::Key(encoding('k')?),
                    Some(c @ ('s' | 'v')) => Piece::Value(encoding(c)?),
                    Some('T') => Piece::Timestamp,
                    Some('h') => Piece::Headers(encoding('h')?),
                    Some('K') => Piece::KeyLength,
                    Some('S' | 'V') => Piece::ValueLength,
                    Some('%') => {
                        literal.push(b'%');
                        continue;
                    }
                    Some(other) => {
                        return Err(format!(
                            "unknown token %{other} in --format '{text}'; tokens: {tokens}"
                        ));
                    }
                    None => {
                        return Err(format!(
                            "--format '{text}' ends with a lone %; use %% for a percent sign"
                        ));
                    }
                };
                if modifier.is_some()
                    && !matches!(piece, Piece::Key(_) | Piece::Value(_) | Piece::Headers(_))
                {
                    return Err(format!(
                        "--format '{text}': only %k, %s/%v and %h take a modifier"
                    ));
                }
                piece
            }
            '\\' => {
                let byte = match chars.next() {
                    Some('n') => b'\n',
                    Some('t') => b'\t',
                    Some('r') => b'\r',
                    Some('0') => 0,
                    Some('\\') => b'\\',
                    Some(other) => {
                        return Err(format!(
                            "unknown escape \\{other} in --format '{text}'; escapes: \\n \\t \\r \\0 \\\\"
                        ));
                    }
                    None => return Err(format!("--format '{text}' ends with a lone \\")),
                };
                literal.push(byte);
                continue;
            }
            c => {
                let mut utf8 = [0; 4];
                literal.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                continue;
            }
        };
        if !literal.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
        }
        pieces.push(piece);
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    if pieces.is_empty() {
        return Err("--format is empty".into());
    }
    Ok(Template { pieces })
}

impl Template {
    /// Appends `record` as this template lays it out; `null_literal` stands
    /// for a null key or value.
    pub(crate) fn render(
        &self,
        record: &impl RecordFields,
        null_literal: &[u8],
        timestamps: TimestampStyle,
        out: &mut Vec<u8>,
    ) {
        let bytes_or_null =
            |out: &mut Vec<u8>, bytes: Option<&[u8]>, encoding: Encoding| match bytes {
                Some(b) => encoding.encode(b, out),
                None => out.extend_from_slice(null_literal),
            };
        // Numbers are written straight into `out`, not through a String.
        let number = |out: &mut Vec<u8>, n: i64| {
            let _ = write!(out, "{n}");
        };
        let length = |bytes: Option<&[u8]>| bytes.map_or(-1, |b| b.len() as i64);
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.extend_from_slice(text),
                Piece::Topic => out.extend_from_slice(record.topic().as_bytes()),
                Piece::Partition => number(out, i64::from(record.partition())),
                Piece::Offset => number(out, record.offset()),
                Piece::Key(encoding) => bytes_or_null(out, record.key(), *encoding),
                Piece::Value(encoding) => bytes_or_null(out, record.value(), *encoding),
                Piece::Timestamp => match timestamps {
                    TimestampStyle::Ms => number(out, record.timestamp_ms()),
                    TimestampStyle::Rfc3339 => {
                        out.extend_from_slice(rfc3339_ms(record.timestamp_ms()).as_bytes());
                    }
                },
                Piece::TimestampKind => out.extend_from_slice(match record.timestamp_type() {
                    TimestampType::LogAppend => b"LogAppendTime".as_slice(),
                    _ => b"CreateTime".as_slice(),
                }),
                Piece::Headers(encoding) => render_headers(record.headers(), *encoding, out),
                Piece::KeyLength => number(out, length(record.key())),
                Piece::ValueLength => number(out, length(record.value())),
            }
        }
    }

    /// Reads one record from the start of `input`: the record and the bytes
    /// it took, or `None` when `input` is empty. The error says which field
    /// failed and at which byte of `input`.
    pub(crate) fn parse_record(
        &self,
        input: &[u8],
        timestamps: TimestampStyle,
    ) -> Result<Option<(ParsedRecord, usize)>, String> {
        if input.is_empty() {
            return Ok(None);
        }
        let mut record = ParsedRecord::default();
        let mut at = 0;
        // Lengths from %K and %S for the key or value that follows.
        let (mut key_len, mut value_len): (Option<i64>, Option<i64>) = (None, None);
        for (i, piece) in self.pieces.iter().enumerate() {
            let rest = &input[at..];
            if let Piece::Literal(text) = piece {
                if !rest.starts_with(text) {
                    return Err(format!(
                        "byte {at}: expected '{}'",
                        String::from_utf8_lossy(text).escape_default()
                    ));
                }
                at += text.len();
                continue;
            }
            let by_length = match piece {
                Piece::Key(encoding) => key_len.take().map(|n| (n, *encoding)),
                Piece::Value(encoding) => value_len.take().map(|n| (n, *encoding)),
                _ => None,
            };
            let (field, null) = match by_length {
                Some((-1, _)) => (&rest[..0], true),
                Some((n, encoding)) => {
                    let len = usize::try_from(n)
                        .map_err(|_| format!("byte {at}: length {n} is negative"))?;
                    let len = encoding.encoded_len(len);
                    if rest.len() < len {
                        return Err(format!(
                            "byte {at}: {len} bytes wanted, the input ends after {}",
                            rest.len()
                        ));
                    }
                    (&rest[..len], false)
                }
                None => {
                    let end = match self.pieces.get(i + 1) {
                        Some(Piece::Literal(next)) => find(rest, next).ok_or_else(|| {
                            format!(
                                "byte {at}: no '{}' after the {}",
                                String::from_utf8_lossy(next).escape_default(),
                                piece_name(piece)
                            )
                        })?,
                        None => rest.len(),
                        Some(next) => {
                            return Err(format!(
                                "the format puts {} right after {}: they need a literal between them (or a length token before the {})",
                                piece_name(next),
                                piece_name(piece),
                                piece_name(piece)
                            ));
                        }
                    };
                    (&rest[..end], false)
                }
            };
            at += field.len();
            let text = || -> Result<&str, String> {
                std::str::from_utf8(field)
                    .map_err(|_| format!("byte {at}: the {} is not text", piece_name(piece)))
            };
            let number = |what: &str| -> Result<i64, String> {
                text()?.trim().parse::<i64>().map_err(|_| {
                    format!(
                        "byte {at}: {what} '{}' is not a number",
                        text().unwrap_or("?")
                    )
                })
            };
            match piece {
                Piece::Literal(_) => unreachable!("handled above"),
                Piece::Topic | Piece::Offset | Piece::TimestampKind => {}
                Piece::Partition => {
                    record.partition = Some(
                        i32::try_from(number("partition")?)
                            .map_err(|_| format!("byte {at}: partition out of range"))?,
                    );
                }
                Piece::Timestamp => {
                    record.timestamp_ms = Some(match timestamps {
                        TimestampStyle::Ms => number("timestamp")?,
                        TimestampStyle::Rfc3339 => {
                            parse_datetime_ms(text()?).map_err(|e| format!("byte {at}: {e}"))?
                        }
                    });
                }
                Piece::KeyLength => key_len = Some(number("key length")?),
                Piece::ValueLength => value_len = Some(number("value length")?),
                Piece::Key(encoding) | Piece::Value(encoding) => {
                    let bytes = if null {
                        None
                    } else {
                        Some(
                            encoding
                                .decode(field)
                                .map_err(|e| format!("byte {at}: {}: {e}", piece_name(piece)))?,
                        )
                    };
                    if matches!(piece, Piece::Key(_)) {
                        record.key = bytes;
                    } else {
                        record.value = bytes;
                    }
                }
                Piece::Headers(encoding) => {
                    record.headers = parse_headers(field, *encoding)
                        .map_err(|e| format!("byte {at}: headers: {e}"))?;
                }
            }
        }
        Ok(Some((record, at)))
    }
}

fn piece_name(piece: &Piece) -> &'static str {
    match piece {
        Piece::Literal(_) => "literal",
        Piece::Topic => "topic (%t)",
        Piece::Partition => "partition (%p)",
        Piece::Offset => "offset (%o)",
        Piece::Key(_) => "key (%k)",
        Piece::Value(_) => "value (%s)",
        Piece::Timestamp => "timestamp (%T)",
        Piece::TimestampKind => "timestamp type",
        Piece::Headers(_) => "headers (%h)",
        Piece::KeyLength => "key length (%K)",
        Piece::ValueLength => "value length (%S)",
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `name=value,name2=value2`; a null value is the bare name.
fn render_headers<'a>(
    headers: impl Iterator<Item = (&'a [u8], Option<&'a [u8]>)>,
    encoding: Encoding,
    out: &mut Vec<u8>,
) {
    for (i, (key, value)) in headers.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        encoding.encode_header(key, out);
        if let Some(value) = value {
            out.push(b'=');
            encoding.encode_header(value, out);
        }
    }
}

/// What [`render_headers`] wrote. Raw names and values must not contain
/// `,` (nor names `=`): use `{hex}` or `{base64}` when they might.
fn parse_headers(text: &[u8], encoding: Encoding) -> Result<Vec<RawHeader>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(|b| *b == b',')
        .map(|header| {
            let (name, value) = match header.iter().position(|b| *b == b'=') {
                Some(eq) => (&header[..eq], Some(&header[eq + 1..])),
                None => (header, None),
            };
            Ok((
                encoding.decode_header(name)?,
                value.map(|v| encoding.decode_header(v)).transpose()?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use bytes::Bytes;
    use kctl_client::consumer::{ConsumerRecord, Header};

    fn record(
        key: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
        headers: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    ) -> ConsumerRecord {
        ConsumerRecord {
            topic: Arc::from("t"),
            partition: 3,
            offset: 9,
            timestamp_ms: 1_700_000_000_123,
            timestamp_type: TimestampType::Creation,
            key: key.map(Bytes::from),
            value: value.map(Bytes::from),
            headers: headers
                .into_iter()
                .map(|(k, v)| Header {
                    key: Bytes::from(k),
                    value: v.map(Bytes::from),
                })
                .collect(),
            leader_epoch: None,
        }
    }

    fn round_trip(format: &str, r: &ConsumerRecord) -> ParsedRecord {
        let template = parse_format(format).unwrap();
        let mut out = Vec::new();
        template.render(r, b"", TimestampStyle::Ms, &mut out);
        let (parsed, used) = template
            .parse_record(&out, TimestampStyle::Ms)
            .unwrap_or_else(|e| panic!("{format}: {e}\n{out:?}"))
            .unwrap();
        assert_eq!(used, out.len(), "{format}");
        parsed
    }

    #[test]
    fn modifiers_encode_and_lengths_bring_back_nulls() {
        let r = record(
            Some(vec![0xff, 0x00]),
            None,
            vec![(b"a".to_vec(), Some(b"1,2".to_vec()))],
        );
        let template = parse_format(r"%K %k{hex} %S %v{base64} %h{hex}\n").unwrap();
        let mut out = Vec::new();
        template.render(&r, b"", TimestampStyle::Ms, &mut out);
        assert_eq!(out, b"2 ff00 -1  61=312c32\n");
        let parsed = round_trip(r"%K %k{hex} %S %v{base64} %h{hex}\n", &r);
        assert_eq!(parsed.key, Some(vec![0xff, 0x00]));
        assert_eq!(parsed.value, None);
        assert_eq!(parsed.headers, [(b"a".to_vec(), Some(b"1,2".to_vec()))]);
    }

    #[test]
    fn partition_and_timestamp_are_read_back() {
        let r = record(Some(b"k".to_vec()), Some(b"v".to_vec()), vec![]);
        let parsed = round_trip(r"%t %p %o %T %k=%s\n", &r);
        assert_eq!(parsed.partition, Some(3));
        assert_eq!(parsed.timestamp_ms, Some(1_700_000_000_123));
        let template = parse_format(r"%T|%s\n").unwrap();
        let (parsed, _) = template
            .parse_record(b"2023-11-14T22:13:20.123Z|v\n", TimestampStyle::Rfc3339)
            .unwrap()
            .unwrap();
        assert_eq!(parsed.timestamp_ms, Some(1_700_000_000_123));
    }

    #[test]
    fn parse_errors_say_where() {
        let template = parse_format(r"%k:%s\n").unwrap();
        let err = template
            .parse_record(b"no colon\n", TimestampStyle::Ms)
            .unwrap_err();
        assert!(err.contains("no ':' after the key (%k)"), "{err}");
        let template = parse_format(r"%K %k\n").unwrap();
        let err = template
            .parse_record(b"5 abc\n", TimestampStyle::Ms)
            .unwrap_err();
        assert!(err.contains("5 bytes wanted"), "{err}");
        let template = parse_format(r"%k%s\n").unwrap();
        let err = template
            .parse_record(b"ab\n", TimestampStyle::Ms)
            .unwrap_err();
        assert!(err.contains("need a literal between them"), "{err}");
        assert!(
            parse_format("%k{rot13}")
                .unwrap_err()
                .contains("unknown modifier")
        );
        assert!(parse_format("%p{hex}").unwrap_err().contains("only %k"));
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..24)
    }

    fn headers() -> impl Strategy<Value = Vec<(Vec<u8>, Option<Vec<u8>>)>> {
        proptest::collection::vec((bytes(), proptest::option::of(bytes())), 0..4)
    }

    proptest! {
        /// Binary keys and values, nulls and headers survive formats that
        /// give lengths or encode.
        #[test]
        fn binary_formats_round_trip(
            key in proptest::option::of(bytes()),
            value in proptest::option::of(bytes()),
            headers in headers(),
            format in prop::sample::select(vec![
                r"%K %k %S %s %h{hex}\n",
                r"%K|%k{hex}|%S|%v{base64}|%h{base64}\n",
                r"%S:%K:%h{hex}:%k{base64}:%s\0",
            ]),
        ) {
            // An empty header list and one header with an empty name and no
            // value render alike; Kafka header names are never empty.
            let headers: Vec<_> = headers.into_iter().filter(|(k, _)| !k.is_empty()).collect();
            let r = record(key.clone(), value.clone(), headers.clone());
            let parsed = round_trip(format, &r);
            prop_assert_eq!(parsed.key, key);
            prop_assert_eq!(parsed.value, value);
            prop_assert_eq!(parsed.headers, headers);
        }

        /// Text fields round trip through raw tokens when they avoid the
        /// format's literals.
        #[test]
        fn text_formats_round_trip(
            key in "[a-z0-9_-]{0,12}",
            value in "[ -~&&[^\t]]{0,40}",
            name in "[a-z]{1,8}",
            header_value in "[a-z0-9 ]{0,8}",
        ) {
            let r = record(
                Some(key.clone().into_bytes()),
                Some(value.clone().into_bytes()),
                vec![(name.clone().into_bytes(), Some(header_value.clone().into_bytes()))],
            );
            let parsed = round_trip(r"%k\t%h\t%s\n", &r);
            prop_assert_eq!(parsed.key, Some(key.into_bytes()));
            prop_assert_eq!(parsed.value, Some(value.into_bytes()));
            prop_assert_eq!(parsed.headers, vec![(name.into_bytes(), Some(header_value.into_bytes()))]);
        }
    }
}
