//! kcat-style format strings (`consume --format`): parsing and rendering.
//!
//! One module for the template language, so `consume` and `produce` read
//! the same tokens and escapes.

use bytes::Bytes;
use clap::ValueEnum;
use kctl_client::consumer::{ConsumerRecord, Header, TimestampType};

use crate::time::rfc3339_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TimestampStyle {
    /// Milliseconds since the epoch.
    Ms,
    /// UTC, e.g. 2024-05-01T12:00:00.250Z.
    Rfc3339,
}

/// One piece of a `--format` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Literal(Vec<u8>),
    Topic,
    Partition,
    Offset,
    Key,
    Value,
    Timestamp,
    /// `CreateTime`/`LogAppendTime`, for `print.timestamp` as Kafka prints it.
    TimestampKind,
    Headers,
    KeyLength,
    ValueLength,
}

/// A parsed `--format` (or the plain layout built from `--property`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pub(crate) pieces: Vec<Piece>,
}

/// Parses kcat's tokens and escapes; anything unknown is an error, so a
/// typo shows at once instead of as literal text in every line.
pub(crate) fn parse_format(text: &str) -> Result<Template, String> {
    let mut pieces = Vec::new();
    let mut literal = Vec::new();
    let mut chars = text.chars();
    let tokens = "%t %p %o %k %s %T %h %K %S %%";
    while let Some(c) = chars.next() {
        let piece = match c {
            '%' => match chars.next() {
                Some('t') => Piece::Topic,
                Some('p') => Piece::Partition,
                Some('o') => Piece::Offset,
                Some('k') => Piece::Key,
                Some('s') => Piece::Value,
                Some('T') => Piece::Timestamp,
                Some('h') => Piece::Headers,
                Some('K') => Piece::KeyLength,
                Some('S') => Piece::ValueLength,
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
            },
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
        record: &ConsumerRecord,
        null_literal: &[u8],
        timestamps: TimestampStyle,
        out: &mut Vec<u8>,
    ) {
        let bytes_or_null = |out: &mut Vec<u8>, bytes: &Option<Bytes>| match bytes {
            Some(b) => out.extend_from_slice(b),
            None => out.extend_from_slice(null_literal),
        };
        let length =
            |bytes: &Option<Bytes>| bytes.as_ref().map_or(-1, |b| b.len() as i64).to_string();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.extend_from_slice(text),
                Piece::Topic => out.extend_from_slice(record.topic.as_bytes()),
                Piece::Partition => {
                    out.extend_from_slice(record.partition.to_string().as_bytes());
                }
                Piece::Offset => out.extend_from_slice(record.offset.to_string().as_bytes()),
                Piece::Key => bytes_or_null(out, &record.key),
                Piece::Value => bytes_or_null(out, &record.value),
                Piece::Timestamp => {
                    let text = match timestamps {
                        TimestampStyle::Ms => record.timestamp_ms.to_string(),
                        TimestampStyle::Rfc3339 => rfc3339_ms(record.timestamp_ms),
                    };
                    out.extend_from_slice(text.as_bytes());
                }
                Piece::TimestampKind => out.extend_from_slice(match record.timestamp_type {
                    TimestampType::LogAppend => b"LogAppendTime".as_slice(),
                    _ => b"CreateTime".as_slice(),
                }),
                Piece::Headers => render_headers(&record.headers, out),
                Piece::KeyLength => out.extend_from_slice(length(&record.key).as_bytes()),
                Piece::ValueLength => {
                    out.extend_from_slice(length(&record.value).as_bytes());
                }
            }
        }
    }
}

/// `name=value,name2=value2`; a null value is the bare name.
fn render_headers(headers: &[Header], out: &mut Vec<u8>) {
    for (i, header) in headers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&header.key);
        if let Some(value) = &header.value {
            out.push(b'=');
            out.extend_from_slice(value);
        }
    }
}
