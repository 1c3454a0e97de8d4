//! Units the flags take: durations (`30s`, `500ms`, `2m`), timeouts and intervals bounded
//! below, and sizes (`512MiB`). Bounded above too: the stores take whole milliseconds in 32 bits.

use std::time::Duration;

/// Parses `--lock-timeout` values: `30`, `30s`, `500ms`, `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (n, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (e.g. 30s, 500ms, 2m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        _ => return Err(format!("`{s}` is not a duration (e.g. 30s, 500ms, 2m)")),
    };
    // The stores take whole milliseconds in 32 bits (SQLite's busy timeout panics past that
    // inside its worker thread): a day is more than any writer should wait.
    if !(0.0..=MAX_WAIT_SECS).contains(&secs) {
        return Err(format!(
            "`{s}` is longer than a day ({MAX_WAIT_SECS} s), the longest pchat waits"
        ));
    }
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{s}` is not a duration: {e}"))
}

/// A timeout: a duration of at least a millisecond. `0s` would mean "no wait" to SQLite and
/// "no limit" to PostgreSQL, so it is refused rather than read as either.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    at_least(
        s,
        Duration::from_millis(1),
        "is no time at all: give at least 1ms (pchat has no \"no limit\")",
    )
}

/// How often `drift --watch` checks: at least a second (less would re-plan in a busy loop).
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    at_least(
        s,
        Duration::from_secs(1),
        "is shorter than a second: drift checks at most once a second",
    )
}

fn at_least(s: &str, least: Duration, why: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < least {
        return Err(format!("`{}` {why}", s.trim()));
    }
    Ok(d)
}

/// A size in bytes: a number with an optional binary unit (`512MiB`, `2G`, `100KiB`, `4096`).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let bad = || format!("`{s}` is not a size (e.g. 512MiB, 2GiB, 100KiB, 4096)");
    let n: u64 = n.parse().map_err(|_| bad())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(bad()),
    };
    n.checked_mul(1 << shift)
        .filter(|&b| b <= 1 << 40)
        .ok_or_else(|| format!("`{s}` is more than 1 TiB, the largest file pchat reads"))
}

/// The longest `--lock-timeout` (and any other wait) pchat accepts.
const MAX_WAIT_SECS: f64 = 86_400.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert!(parse_duration("soon").is_err());
    }
}

#[cfg(test)]
mod duration_tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_are_bounded_and_never_panic() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1440m"), Ok(Duration::from_secs(86_400)));
        for bad in [
            "9999999999s",
            "18446744073709551615ms",
            "1441m",
            "99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999s",
            "1..2s",
            "",
            "s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod duration_props {
    use super::{parse_duration, parse_size};
    use proptest::prelude::*;

    fn with_unit() -> impl Strategy<Value = String> {
        (
            prop_oneof![
                any::<u64>().prop_map(|n| n.to_string()),
                any::<f64>().prop_map(|f| f.to_string()),
                "[0-9]{1,40}(\\.[0-9]{0,40})?",
            ],
            prop_oneof![
                Just(""),
                Just("ms"),
                Just("s"),
                Just("m"),
                Just("h"),
                Just("KiB"),
                Just("G")
            ],
        )
            .prop_map(|(n, u)| format!("{n}{u}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4_000, ..ProptestConfig::default() })]

        #[test]
        fn a_duration_is_a_day_at_most_or_an_error(s in prop_oneof![with_unit(), "\\PC{0,30}"]) {
            if let Ok(d) = parse_duration(&s) {
                prop_assert!(d.as_secs() <= 86_400, "{s} gave {d:?}");
            }
            if let Ok(n) = parse_size(&s) {
                prop_assert!(n <= 1 << 40, "{s} gave {n}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever the parser accepts, the store takes as a lock timeout without panicking
        /// (SQLite's driver panicked in its worker thread past 32 bits of milliseconds).
        #[test]
        fn the_lock_path_takes_any_accepted_duration(ms in prop_oneof![0u64..1_000, 86_399_000u64..=86_400_000]) {
            let d = parse_duration(&format!("{ms}ms")).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let url: crate::store::StoreUrl =
                format!("sqlite://{}", dir.path().join("s.db").display()).parse().unwrap();
            let written = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let store = crate::store::Store::open(&url, d).await?;
                    let tx = store.write().await?;
                    let revision = tx.commit_write().await?;
                    store.close().await;
                    Ok::<_, crate::store::StoreError>(revision)
                });
            prop_assert_eq!(written.unwrap(), 1);
        }
    }
}
