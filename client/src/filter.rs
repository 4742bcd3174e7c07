//! Record filters: keep a consumed record by its key, value or headers, or by
//! a jq expression over its JSON value (`kctl consume --filter`, the TUI's
//! Messages screen).
//!
//! # Syntax
//!
//! An expression is one or more conditions joined by ` && ` (with the
//! spaces); a record is kept when every condition holds.
//!
//! | condition | holds when |
//! |---|---|
//! | `key=TEXT` | the key's bytes are exactly `TEXT` |
//! | `key~REGEX` | `REGEX` matches somewhere in the key |
//! | `value=TEXT`, `value~REGEX` | the same, for the value |
//! | `header.NAME=TEXT` | some header `NAME` has the value `TEXT` |
//! | `header.NAME~REGEX` | some header `NAME` has a value `REGEX` matches |
//! | `header.NAME` | the record has a header `NAME` |
//! | `jq:EXPR` | the value is JSON and `EXPR` yields a truthy result |
//!
//! `!=` and `!~` negate `=` and `~`. A null key, value or header value never
//! equals or matches, so its negation holds. `TEXT` and `REGEX` run to the end
//! of the condition, spaces included; a regex that needs a literal ` && `
//! writes it as ` [&]& `. Regexes are Rust `regex` syntax (`(?i)` for case
//! folding) and run on bytes, so binary values can be searched too.
//!
//! A `jq:` condition runs a [jaq](https://github.com/01mf02/jaq) program on
//! the value parsed as JSON. Truthy follows jq: anything but `false` and
//! `null`. The record is kept as soon as an output is truthy; a value that is
//! not JSON, a null value, and an expression that fails at run time (such as
//! `.a.b` on a number) keep nothing. `jq:.status == "failed"`,
//! `jq:.items | length > 3`, `jq:.user.email | test("@example\\.com$")`.
//!
//! ```
//! use kctl_client::filter::RecordFilter;
//!
//! let filter = RecordFilter::parse(r#"key~^user- && jq:.amount > 100"#)?;
//! assert_eq!(filter.to_string(), r#"key~^user- && jq:.amount > 100"#);
//!
//! let err = RecordFilter::parse("kye~x").unwrap_err();
//! assert_eq!(err.column(), 1);
//! # Ok::<(), kctl_client::filter::FilterError>(())
//! ```

use std::fmt;

use jaq_core::data::JustLut;
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, unwrap_valr};
use jaq_json::Val;
use regex::bytes::Regex;

use crate::consumer::RecordFields;

/// What joins conditions: every one must hold.
const AND: &str = " && ";

/// A parsed filter expression: one or more conditions that must all hold.
/// Parse once, then call [`RecordFilter::matches`] per record; it is cheap for
/// key, value and header conditions and parses the value once per `jq:`.
pub struct RecordFilter {
    expression: String,
    conditions: Vec<Condition>,
}

/// Why an expression did not parse. `column` counts characters from 1 in the
/// whole expression, pointing at the condition (or, for regex and jq errors,
/// the place inside it) that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error(
        "empty condition at column {column}: expected key, value, header.NAME or jq:EXPR{}",
        if *.column == 1 { "" } else { " (conditions are joined by ` && `)" }
    )]
    /// A condition with nothing in it (`&&` at an end, or twice).
    Empty {
        /// Where the empty condition starts.
        column: usize,
    },
    #[error(
        "unknown field `{field}` at column {column}: expected key, value, header.NAME or jq:EXPR"
    )]
    /// A condition on something other than key, value, a header or jq.
    UnknownField {
        /// The name as written.
        field: String,
        /// Where it starts.
        column: usize,
    },
    #[error("`{field}` at column {column} needs an operator: =TEXT, !=TEXT, ~REGEX or !~REGEX")]
    /// A field with no `=`, `!=`, `~` or `!~` after it.
    MissingOperator {
        /// The field as written.
        field: String,
        /// Where it starts.
        column: usize,
    },
    #[error("`header.` at column {column} needs a header name, as in header.trace-id=abc")]
    /// `header.` with no name after the dot.
    EmptyHeaderName {
        /// Where the condition starts.
        column: usize,
    },
    #[error("invalid regex at column {column}: {message}")]
    /// A regex the `regex` crate refuses.
    Regex {
        /// Where the regex starts.
        column: usize,
        /// The regex crate's explanation.
        message: String,
    },
    #[error("invalid jq expression at column {column}: {message}")]
    /// A jq program jaq cannot parse or compile.
    Jq {
        /// Where the problem is, inside the expression.
        column: usize,
        /// jaq's explanation.
        message: String,
    },
}

impl FilterError {
    /// The 1-based character column of the expression the error points at.
    pub fn column(&self) -> usize {
        match self {
            Self::Empty { column }
            | Self::UnknownField { column, .. }
            | Self::MissingOperator { column, .. }
            | Self::EmptyHeaderName { column }
            | Self::Regex { column, .. }
            | Self::Jq { column, .. } => *column,
        }
    }
}

enum Condition {
    /// `key`/`value`/`header.NAME` compared with text or a regex.
    Field {
        field: Field,
        test: Test,
        negated: bool,
    },
    /// `header.NAME` alone.
    HeaderPresent(Vec<u8>),
    Jq(JqProgram),
}

enum Field {
    Key,
    Value,
    Header(Vec<u8>),
}

enum Test {
    Equals(Vec<u8>),
    Matches(Regex),
}

impl Test {
    fn holds(&self, bytes: &[u8]) -> bool {
        match self {
            Self::Equals(text) => bytes == text.as_slice(),
            Self::Matches(regex) => regex.is_match(bytes),
        }
    }
}

/// A compiled jq program. It owns its terms (no borrow of the source), so a
/// filter can move to another task or thread.
struct JqProgram(jaq_core::Filter<JustLut<Val>>);

impl JqProgram {
    fn compile(code: &str) -> Result<Self, (usize, String)> {
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let arena = Arena::default();
        let modules = Loader::new(defs)
            .load(&arena, File { code, path: () })
            .map_err(|errors| load_error(code, errors))?;
        Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map(Self)
            .map_err(|errors| {
                #[allow(
                    clippy::expect_used,
                    reason = "jaq returns Err only with at least one error"
                )]
                let (name, undefined) = errors
                    .into_iter()
                    .flat_map(|(_, errs)| errs)
                    .next()
                    .expect("jaq reports at least one error when compiling fails");
                (
                    offset_in(code, name),
                    format!("undefined {} `{name}`", undefined.as_str()),
                )
            })
    }

    fn keeps(&self, value: &[u8]) -> bool {
        let Ok(input) = jaq_json::read::parse_single(value) else {
            return false;
        };
        let ctx = Ctx::<JustLut<Val>>::new(&self.0.lut, Vars::new([]));
        for output in self.0.id.run((ctx, input)).map(unwrap_valr) {
            match output {
                Ok(output) if jaq_core::ValT::as_bool(&output) => return true,
                Ok(_) => {}
                // jq stops a program at its first error; so do we.
                Err(_) => return false,
            }
        }
        false
    }
}

/// The first lexing or parsing error of a jq program, as (byte offset, text).
fn load_error(code: &str, errors: jaq_core::load::Errors<&str, ()>) -> (usize, String) {
    use jaq_core::load::{Error, lex};
    let first = errors.into_iter().map(|(_, error)| error).next();
    match first {
        Some(Error::Lex(errors)) => match errors.into_iter().next() {
            Some((expected, at)) => {
                let wanted = match expected {
                    lex::Expect::Delim(open) => format!("a match for `{open}`"),
                    other => other.as_str().to_owned(),
                };
                (offset_in(code, at), format!("expected {wanted}"))
            }
            None => (0, "cannot lex".to_owned()),
        },
        Some(Error::Parse(errors)) => match errors.into_iter().next() {
            Some((expected, at)) => {
                let found = if at.is_empty() {
                    "the end".to_owned()
                } else {
                    format!("`{}`", at.chars().take(20).collect::<String>())
                };
                (
                    offset_in(code, at),
                    format!("expected {}, found {found}", expected.as_str()),
                )
            }
            None => (0, "cannot parse".to_owned()),
        },
        Some(Error::Io(errors)) => (
            0,
            errors
                .into_iter()
                .map(|(path, why)| format!("{path}: {why}"))
                .next()
                .unwrap_or_else(|| "modules cannot be loaded".to_owned()),
        ),
        None => (0, "cannot load".to_owned()),
    }
}

/// Where `part`, a slice jaq returned, starts in `code` (its end if `part`
/// does not point into `code`, as an empty slice at the end may not).
fn offset_in(code: &str, part: &str) -> usize {
    (part.as_ptr() as usize)
        .checked_sub(code.as_ptr() as usize)
        .filter(|offset| *offset <= code.len())
        .unwrap_or(code.len())
}

impl RecordFilter {
    /// Parses an expression (see the [module docs](self) for the syntax).
    pub fn parse(expr: &str) -> Result<RecordFilter, FilterError> {
        let mut conditions = Vec::new();
        let mut start = 0;
        for part in expr.split(AND) {
            conditions.push(parse_condition(expr, start, part)?);
            start += part.len() + AND.len();
        }
        Ok(RecordFilter {
            expression: expr.to_owned(),
            conditions,
        })
    }

    /// True if every condition holds for `record` (a
    /// [`ConsumerRecord`](crate::consumer::ConsumerRecord) or
    /// a [`RecordRef`](crate::consumer::RecordRef) read in place).
    pub fn matches(&self, record: &impl RecordFields) -> bool {
        self.conditions
            .iter()
            .all(|condition| condition.holds(record))
    }
}

impl Condition {
    fn holds(&self, record: &impl RecordFields) -> bool {
        match self {
            Self::Field {
                field,
                test,
                negated,
            } => {
                let held = match field {
                    Field::Key => record.key().is_some_and(|key| test.holds(key)),
                    Field::Value => record.value().is_some_and(|value| test.holds(value)),
                    Field::Header(name) => headers_named(record, name)
                        .any(|value| value.is_some_and(|v| test.holds(v))),
                };
                held != *negated
            }
            Self::HeaderPresent(name) => headers_named(record, name).next().is_some(),
            Self::Jq(program) => record.value().is_some_and(|value| program.keeps(value)),
        }
    }
}

/// The values of the record's headers called `name`.
fn headers_named<'h>(
    record: &'h impl RecordFields,
    name: &'h [u8],
) -> impl Iterator<Item = Option<&'h [u8]>> {
    record
        .headers()
        .filter(move |(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// 1-based character column of byte offset `at` in `expr`.
fn column(expr: &str, at: usize) -> usize {
    expr[..at].chars().count() + 1
}

/// Parses one condition, `part`, found at byte `start` of `expr`.
fn parse_condition(expr: &str, start: usize, part: &str) -> Result<Condition, FilterError> {
    // Leading spaces are layout; trailing ones belong to the text or regex.
    let trimmed = part.trim_start();
    let start = start + (part.len() - trimmed.len());
    let at = |offset: usize| column(expr, start + offset);
    if trimmed.is_empty() {
        return Err(FilterError::Empty { column: at(0) });
    }
    if let Some(code) = trimmed.strip_prefix("jq:") {
        return JqProgram::compile(code)
            .map(Condition::Jq)
            .map_err(|(offset, message)| FilterError::Jq {
                column: at("jq:".len() + offset),
                message,
            });
    }
    // The field name runs to the first operator character.
    let name_end = trimmed.find(['=', '~', '!']).unwrap_or(trimmed.len());
    let name = &trimmed[..name_end];
    let rest = &trimmed[name_end..];
    let field = match name {
        "key" => Field::Key,
        "value" => Field::Value,
        _ => match name.strip_prefix("header.") {
            Some("") => return Err(FilterError::EmptyHeaderName { column: at(0) }),
            Some(header) => Field::Header(header.as_bytes().to_vec()),
            None => {
                return Err(FilterError::UnknownField {
                    field: name.trim_end().to_owned(),
                    column: at(0),
                });
            }
        },
    };
    let (negated, rest) = match rest.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let operand_at = name_end + usize::from(negated) + 1;
    let test = if let Some(text) = rest.strip_prefix('=') {
        Test::Equals(text.as_bytes().to_vec())
    } else if let Some(pattern) = rest.strip_prefix('~') {
        Test::Matches(Regex::new(pattern).map_err(|e| FilterError::Regex {
            column: at(operand_at),
            message: e.to_string(),
        })?)
    } else {
        return match field {
            Field::Header(name) if rest.is_empty() => Ok(Condition::HeaderPresent(name)),
            _ => Err(FilterError::MissingOperator {
                field: name.to_owned(),
                column: at(name_end),
            }),
        };
    };
    Ok(Condition::Field {
        field,
        test,
        negated,
    })
}

impl fmt::Display for RecordFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

impl fmt::Debug for RecordFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RecordFilter")
            .field(&self.expression)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bytes::Bytes;
    use proptest::prelude::*;

    use super::*;
    use crate::consumer::TimestampType;
    use crate::consumer::{ConsumerRecord, Header};

    fn record(
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[(&str, Option<&str>)],
    ) -> ConsumerRecord {
        ConsumerRecord {
            topic: Arc::from("t"),
            partition: 0,
            offset: 0,
            timestamp_ms: 0,
            timestamp_type: TimestampType::Creation,
            key: key.map(Bytes::copy_from_slice),
            value: value.map(Bytes::copy_from_slice),
            headers: headers
                .iter()
                .map(|(k, v)| Header {
                    key: Bytes::copy_from_slice(k.as_bytes()),
                    value: v.map(|v| Bytes::copy_from_slice(v.as_bytes())),
                })
                .collect(),
            leader_epoch: None,
        }
    }

    fn keeps(expr: &str, record: &ConsumerRecord) -> bool {
        RecordFilter::parse(expr).unwrap().matches(record)
    }

    #[test]
    fn filters_can_move_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<RecordFilter>();
    }

    #[test]
    fn key_and_value_equality_and_regex() {
        let r = record(Some(b"user-42"), Some(b"hello world"), &[]);
        assert!(keeps("key=user-42", &r));
        assert!(!keeps("key=user-4", &r));
        assert!(keeps("key!=user-4", &r));
        assert!(keeps(r"key~^user-\d+$", &r));
        assert!(!keeps("key!~user", &r));
        assert!(keeps("value~o w", &r));
        assert!(keeps("value=hello world", &r));
        assert!(keeps("value~(?i)HELLO", &r));
        assert!(!keeps("value~HELLO", &r));
    }

    #[test]
    fn null_fields_never_match_and_their_negation_holds() {
        let r = record(None, None, &[("h", None)]);
        assert!(!keeps("key~", &r));
        assert!(!keeps("key=", &r));
        assert!(keeps("key!~", &r));
        assert!(!keeps("value~.*", &r));
        assert!(keeps("value!=x", &r));
        assert!(!keeps("header.h~", &r));
        assert!(keeps("header.h", &r));
        assert!(!keeps("jq:true", &r));
    }

    #[test]
    fn regexes_search_binary_values() {
        let r = record(None, Some(&[0xff, 0x00, 0x41, 0xfe]), &[]);
        assert!(keeps(r"value~(?-u)\x00A", &r));
        assert!(!keeps(r"value~(?-u)\x00B", &r));
    }

    #[test]
    fn headers_match_any_of_repeated_names() {
        let r = record(
            None,
            None,
            &[
                ("trace", Some("a1")),
                ("trace", Some("b2")),
                ("env", Some("prod")),
            ],
        );
        assert!(keeps("header.trace=b2", &r));
        assert!(keeps("header.trace~^a", &r));
        assert!(!keeps("header.trace=c3", &r));
        assert!(keeps("header.trace!=c3", &r));
        assert!(!keeps("header.trace!=a1", &r));
        assert!(keeps("header.env", &r));
        assert!(!keeps("header.missing", &r));
        assert!(!keeps("header.missing=prod", &r));
    }

    #[test]
    fn jq_keeps_truthy_results_on_json_values() {
        let r = record(
            None,
            Some(br#"{"status":"failed","items":[1,2,3,4],"n":null}"#),
            &[],
        );
        assert!(keeps(r#"jq:.status == "failed""#, &r));
        assert!(!keeps(r#"jq:.status == "ok""#, &r));
        assert!(keeps("jq:.items | length > 3", &r));
        assert!(keeps("jq:.items[]", &r), "numbers are truthy");
        assert!(!keeps("jq:.n", &r), "null is falsy");
        assert!(!keeps("jq:.missing", &r));
        assert!(keeps(r#"jq:.status | test("^fail")"#, &r), "jaq-std regex");
        assert!(keeps("jq:.items | map(. * 2) | add == 20", &r));
        assert!(keeps("jq:empty, false, 1", &r), "any truthy output keeps");
    }

    #[test]
    fn jq_keeps_nothing_for_non_json_or_runtime_errors() {
        assert!(!keeps("jq:true", &record(None, Some(b"not json"), &[])));
        assert!(!keeps("jq:.a.b", &record(None, Some(b"5"), &[])));
        assert!(!keeps(
            "jq:error(\"x\"), true",
            &record(None, Some(b"{}"), &[])
        ));
        assert!(keeps("jq:. == 5", &record(None, Some(b" 5 "), &[])));
    }

    #[test]
    fn conditions_joined_by_and_must_all_hold() {
        let r = record(Some(b"k1"), Some(br#"{"a":1}"#), &[("h", Some("v"))]);
        assert!(keeps("key=k1 && header.h=v && jq:.a == 1", &r));
        assert!(!keeps("key=k1 && header.h=w", &r));
        assert!(!keeps("key=k2 && jq:.a == 1", &r));
        // jq's own `and` is not a separator.
        assert!(keeps("jq:.a == 1 and true", &r));
    }

    #[test]
    fn display_gives_back_the_expression() {
        for expr in [
            "key~a",
            "  value!=b ",
            "jq:.x and .y && header.h",
            "header.a=b && key~c",
        ] {
            assert_eq!(RecordFilter::parse(expr).unwrap().to_string(), expr);
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        let err = |expr: &str| RecordFilter::parse(expr).unwrap_err();
        assert_eq!(
            err("kye=1"),
            FilterError::UnknownField {
                field: "kye".into(),
                column: 1
            }
        );
        assert_eq!(
            err("key=1 && vlaue~x"),
            FilterError::UnknownField {
                field: "vlaue".into(),
                column: 10
            }
        );
        assert_eq!(
            err("key"),
            FilterError::MissingOperator {
                field: "key".into(),
                column: 4
            }
        );
        assert_eq!(err("key=1 && "), FilterError::Empty { column: 10 });
        assert_eq!(err(""), FilterError::Empty { column: 1 });
        assert_eq!(err("header.=x"), FilterError::EmptyHeaderName { column: 1 });
        let regex = err("key=a && value~(ab");
        assert!(
            matches!(regex, FilterError::Regex { column: 16, .. }),
            "{regex:?}"
        );
        assert!(
            regex
                .to_string()
                .starts_with("invalid regex at column 16: "),
            "{regex}"
        );
        let jq = err("jq:.a ==");
        assert!(matches!(jq, FilterError::Jq { .. }), "{jq:?}");
        assert!(jq.to_string().contains("expected term"), "{jq}");
        let undefined = err("key=1 && jq:.a | nosuchfn");
        assert_eq!(
            undefined,
            FilterError::Jq {
                column: 18,
                message: "undefined filter `nosuchfn`".into()
            }
        );
        let unclosed = err("jq:(.a");
        assert!(
            unclosed.to_string().contains("a match for `(`"),
            "{unclosed}"
        );
        // Columns count characters, not bytes.
        assert_eq!(
            err("key=é && x=1"),
            FilterError::UnknownField {
                field: "x".into(),
                column: 10
            }
        );
    }

    #[test]
    fn imports_are_refused() {
        let err = RecordFilter::parse(r#"jq:import "evil" as e; ."#).unwrap_err();
        assert!(matches!(err, FilterError::Jq { .. }), "{err:?}");
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_keeps_the_text(expr in ".{0,40}") {
            if let Ok(filter) = RecordFilter::parse(&expr) {
                prop_assert_eq!(filter.to_string(), expr);
            }
        }

        #[test]
        fn key_equality_and_escaped_regex_agree_with_bytes(
            key in proptest::collection::vec(any::<u8>(), 0..16),
            text in "[^&]{0,8}",
        ) {
            let r = record(Some(&key), None, &[]);
            prop_assert_eq!(keeps(&format!("key={text}"), &r), key == text.as_bytes());
            let contains = key.windows(text.len().max(1)).any(|w| w == text.as_bytes())
                || text.is_empty();
            prop_assert_eq!(keeps(&format!("key~{}", regex::escape(&text)), &r), contains);
            prop_assert_eq!(keeps(&format!("key!~{}", regex::escape(&text)), &r), !contains);
        }

        #[test]
        fn jq_equality_agrees_with_json_numbers(n in any::<i32>(), m in any::<i32>()) {
            let value = format!(r#"{{"n":{n}}}"#);
            let r = record(None, Some(value.as_bytes()), &[]);
            prop_assert_eq!(keeps(&format!("jq:.n == {m}"), &r), n == m);
            prop_assert_eq!(keeps(&format!("jq:.n < {m}"), &r), n < m);
        }
    }
}
