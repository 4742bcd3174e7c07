//! Times and durations on the command line, parsed and printed with jiff:
//! instants (`--offset @TIME`, `--until`, `--to-datetime`, `find --since`),
//! durations (`--timeout`, `--interval`), look-backs (`--by-duration`) and
//! the RFC 3339 timestamps kctl prints.

use std::time::Duration;

use jiff::{SignedDuration, Span, SpanTotal, Timestamp, Unit};

/// An instant as ms since the epoch: RFC 3339 / ISO 8601 with a zone
/// (`2024-05-01T12:00:00Z`, `2024-05-01 14:00:00.250+02:00`,
/// `2024-05-01T14:00+02`) or a bare number of ms. A time without a zone is
/// refused: Kafka reads it in the local zone, and guessing wrong moves
/// offsets by hours.
pub(crate) fn parse_datetime_ms(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    match text.parse::<Timestamp>() {
        Ok(instant) => Ok(instant.as_millisecond()),
        Err(_) if text.parse::<jiff::civil::DateTime>().is_ok() => Err(format!(
            "'{text}' has no time zone; add Z (UTC) or an offset such as +02:00"
        )),
        Err(e) => Err(format!(
            "expected YYYY-MM-DDTHH:MM:SS[.sss] with Z or ±HH:MM, or ms since the epoch, got '{text}' ({e})"
        )),
    }
}

/// A positive duration: `500ms`, `10s`, `2m`, `1.5s`, `1h30m`, ISO 8601
/// `PT10S`, or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = || format!("expected a positive duration like 500ms, 10s or 2m, got '{text}'");
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds > 0.0 && seconds.is_finite())
            .then(|| Duration::from_secs_f64(seconds))
            .ok_or_else(bad);
    }
    let parsed: SignedDuration = text.parse().map_err(|_| bad())?;
    Duration::try_from(parsed)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(bad)
}

/// A look-back: ISO 8601 `PnWnDTnHnMnS` (Kafka's `--by-duration`) or
/// `90m`, `45s`, `500ms`, `2h`, `1d`, `1.5h`. Days are 24 hours.
pub(crate) fn parse_lookback(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let bad = || format!("expected a duration like PT1H30M, P1D, 2h, 90m or 45s, got '{text}'");
    if let Ok(duration) = parse_duration(trimmed) {
        return Ok(duration);
    }
    let span: Span = trimmed.parse().map_err(|_| bad())?;
    let seconds = span
        .total(SpanTotal::from(Unit::Second).days_are_24_hours())
        .map_err(|_| bad())?;
    (seconds > 0.0 && seconds.is_finite())
        .then(|| Duration::from_secs_f64(seconds))
        .ok_or_else(bad)
}

/// `find --since`: an instant, or a look-back from now (`2h` = two hours
/// ago).
pub(crate) fn parse_since_ms(text: &str) -> Result<i64, String> {
    if let Ok(ms) = parse_datetime_ms(text) {
        return Ok(ms);
    }
    let ago = parse_lookback(text).map_err(|_| {
        format!(
            "expected a time (RFC 3339 such as 2024-05-01T12:00:00Z, or ms since the epoch) \
             or a duration ago (90s, 30m, 2h, 7d), got '{}'",
            text.trim()
        )
    })?;
    Ok(Timestamp::now().as_millisecond() - ago.as_millis() as i64)
}

/// ms since the epoch as RFC 3339 in UTC with milliseconds
/// (`2024-05-01T12:00:00.250Z`); the bare number if jiff's range (years
/// -9999 to 9999) cannot hold it.
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(instant) => format!("{instant:.3}"),
        Err(_) => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEAP_DAY_MS: i64 = 1_709_209_815_250;

    #[test]
    fn datetime_spellings() {
        // (spelling, ms)
        let cases = [
            ("1700000000000", 1_700_000_000_000),
            ("-5", -5),
            ("1970-01-01T00:00:00Z", 0),
            ("2024-02-29T12:30:15.250Z", LEAP_DAY_MS),
            ("2024-02-29t12:30:15.250z", LEAP_DAY_MS),
            ("2024-02-29 12:30:15.250Z", LEAP_DAY_MS),
            ("2024-02-29T14:30:15.250+02:00", LEAP_DAY_MS),
            ("2024-02-29T10:30:15.250-02:00", LEAP_DAY_MS),
            ("2024-02-29T14:30:15.250+02", LEAP_DAY_MS),
            ("2024-02-29T14:30:15.250+0200", LEAP_DAY_MS),
            ("2024-02-29T12:30:15.2501234Z", LEAP_DAY_MS),
            ("2024-02-29T12:30:15.25Z", LEAP_DAY_MS),
            ("2024-02-29T12:30Z", LEAP_DAY_MS - 15_250),
            ("  2024-02-29T12:30:15.250Z ", LEAP_DAY_MS),
        ];
        for (text, ms) in cases {
            assert_eq!(parse_datetime_ms(text), Ok(ms), "{text}");
        }
    }

    #[test]
    fn datetimes_without_a_zone_or_out_of_range_are_refused() {
        assert!(
            parse_datetime_ms("2024-02-29T12:30:15")
                .unwrap_err()
                .contains("no time zone")
        );
        for bad in [
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "yesterday",
            "",
            "12:00Z",
        ] {
            assert!(parse_datetime_ms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn duration_spellings() {
        let cases = [
            ("500ms", Duration::from_millis(500)),
            ("10s", Duration::from_secs(10)),
            ("2m", Duration::from_secs(120)),
            ("1.5s", Duration::from_millis(1500)),
            ("2", Duration::from_secs(2)),
            ("0.25", Duration::from_millis(250)),
            (" 3s ", Duration::from_secs(3)),
            ("1h30m", Duration::from_secs(5400)),
            ("PT10S", Duration::from_secs(10)),
        ];
        for (text, duration) in cases {
            assert_eq!(parse_duration(text), Ok(duration), "{text}");
        }
        for bad in ["0s", "0", "-1s", "soon", "", "inf"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lookback_spellings() {
        let cases = [
            ("PT1H30M", 5400.0),
            ("P1DT1S", 86_401.0),
            ("P1D", 86_400.0),
            ("P1W", 604_800.0),
            ("p1dt1s", 86_401.0),
            ("PT0.5S", 0.5),
            ("PT1.5H", 5400.0),
            ("2h", 7200.0),
            ("1.5h", 5400.0),
            ("1d", 86_400.0),
            ("90m", 5400.0),
            ("45s", 45.0),
            ("500ms", 0.5),
            ("30", 30.0),
        ];
        for (text, seconds) in cases {
            assert_eq!(
                parse_lookback(text),
                Ok(Duration::from_secs_f64(seconds)),
                "{text}"
            );
        }
        for bad in ["PT", "P1X", "P", "-PT1H", "PT0S", "later"] {
            assert!(parse_lookback(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn since_takes_an_instant_or_a_lookback() {
        assert_eq!(parse_since_ms("1970-01-01T00:00:01Z"), Ok(1000));
        let now = Timestamp::now().as_millisecond();
        let two_hours_ago = parse_since_ms("2h").unwrap();
        assert!((now - 7_200_000 - two_hours_ago).abs() < 5_000);
        let week = parse_since_ms("7d").unwrap();
        assert!((now - 7 * 86_400_000 - week).abs() < 5_000);
        assert!(parse_since_ms("whenever").is_err());
    }

    #[test]
    fn rfc3339_has_milliseconds_and_round_trips() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(LEAP_DAY_MS), "2024-02-29T12:30:15.250Z");
        assert_eq!(rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(rfc3339_ms(i64::MAX), i64::MAX.to_string());
        for ms in [0, 1, 999, LEAP_DAY_MS, 4_102_444_800_000, -86_400_001] {
            assert_eq!(parse_datetime_ms(&rfc3339_ms(ms)), Ok(ms));
        }
    }
}
