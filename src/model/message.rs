//! Room messages: data, not configuration (never planned, never pruned). The filters of
//! `Remove-CsPersistentChatMessage` and `Clear-CsPersistentChatRoom`, and the UTC timestamps
//! they compare, as microseconds since 1970-01-01.

use serde::Serialize;

use super::identity::ObjectId;

/// The text that replaces a message when neither `-Remove` nor `-ReplaceMessage` is given.
pub const REPLACED_TEXT: &str = "This message was replaced by the Persistent Chat administrator.";

/// A posted message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    #[serde(serialize_with = "as_text")]
    pub room: ObjectId,
    pub sender: String,
    /// Microseconds since 1970-01-01 UTC.
    #[serde(serialize_with = "as_time")]
    pub posted_at: i64,
    pub body: String,
}

fn as_text<S: serde::Serializer>(id: &ObjectId, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(id)
}

fn as_time<S: serde::Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_time(*t))
}

/// How `-Filter` keywords must occur in a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MatchClause {
    /// Every keyword occurs.
    #[default]
    All,
    /// At least one keyword occurs.
    Or,
    /// The filter text occurs as it is, as one phrase.
    Exact,
}

crate::model::value_names!(MatchClause { All, Or, Exact });

/// Which messages of a room an administrator means.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    /// Only messages from this user (compared without regard to the case of scheme and host).
    pub user_uri: Option<String>,
    /// Posted at or after (microseconds).
    pub start: Option<i64>,
    /// Posted at or before (microseconds).
    pub end: Option<i64>,
    pub filter: Option<String>,
    pub match_clause: MatchClause,
    pub case_sensitive: bool,
}

impl MessageFilter {
    /// The messages posted between two dates as the cmdlets take them (a bare end date
    /// includes that whole day); either may be left open.
    ///
    /// # Errors
    /// A date that does not parse.
    pub fn between(start: Option<&str>, end: Option<&str>) -> Result<MessageFilter, String> {
        Ok(MessageFilter {
            start: start.map(|d| parse_time(d, DayEnd::Start)).transpose()?,
            end: end.map(|d| parse_time(d, DayEnd::End)).transpose()?,
            ..MessageFilter::default()
        })
    }

    pub fn matches(&self, m: &Message) -> bool {
        let key = super::principal::key_or_text;
        if let Some(u) = &self.user_uri {
            if key(u) != key(&m.sender) {
                return false;
            }
        }
        if self.start.is_some_and(|s| m.posted_at < s) || self.end.is_some_and(|e| m.posted_at > e)
        {
            return false;
        }
        let Some(filter) = &self.filter else {
            return true;
        };
        // A blank filter names no keyword: it selects nothing rather than everything (the
        // commands refuse it before it gets here).
        if filter.trim().is_empty() {
            return false;
        }
        let (body, filter) = if self.case_sensitive {
            (m.body.clone(), filter.clone())
        } else {
            (m.body.to_lowercase(), filter.to_lowercase())
        };
        match self.match_clause {
            MatchClause::Exact => body.contains(filter.as_str()),
            MatchClause::All => filter.split_whitespace().all(|w| body.contains(w)),
            MatchClause::Or => filter.split_whitespace().any(|w| body.contains(w)),
        }
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Which end of a day a bare date means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEnd {
    /// 00:00:00 (for start dates).
    Start,
    /// The last microsecond of the day (for end dates: "on or before that date").
    End,
}

/// Parses a UTC date or date-time as the cmdlets take one: ISO 8601 (`YYYY-MM-DD`,
/// `YYYY-MM-DDTHH:MM[:SS][Z]`, a space may stand for the `T`) or PowerShell's invariant
/// culture, as the help pages write dates (`3/1/2018` is March 1st; `3/1/2018 14:30`,
/// `3/1/2018 2:30 PM`). A bare date means the start or the end of that day.
pub fn parse_time(s: &str, bare: DayEnd) -> Result<i64, String> {
    let bad = || {
        format!(
            "`{s}` is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS (UTC) or MM/DD/YYYY \
             [HH:MM[:SS] [AM|PM]]"
        )
    };
    let t = s.trim().trim_end_matches('Z');
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (t, None),
    };
    let num = |p: &str, lo: i64, hi: i64| -> Result<i64, String> {
        let n: i64 = p.parse().map_err(|_| bad())?;
        if (lo..=hi).contains(&n) && !p.is_empty() {
            Ok(n)
        } else {
            Err(bad())
        }
    };
    let (y, m, d) = if date.contains('/') {
        // The invariant culture: month/day/year.
        let parts: Vec<&str> = date.split('/').collect();
        let [m, d, y] = parts[..] else {
            return Err(bad());
        };
        if y.len() != 4 {
            return Err(bad());
        }
        (num(y, 1, 9999)?, num(m, 1, 12)?, num(d, 1, 31)?)
    } else {
        let parts: Vec<&str> = date.split('-').collect();
        let [y, m, d] = parts[..] else {
            return Err(bad());
        };
        (num(y, 1, 9999)?, num(m, 1, 12)?, num(d, 1, 31)?)
    };
    let days = days_from_civil(y, m, d);
    if civil_from_days(days) != (y, m, d) {
        return Err(format!(
            "`{s}` is not a date: there is no day {d} in month {m} of {y}"
        ));
    }
    let base = days * MICROS_PER_DAY;
    match time {
        None => Ok(match bare {
            DayEnd::Start => base,
            DayEnd::End => base + MICROS_PER_DAY - 1,
        }),
        Some(clock) => {
            // A 12-hour clock ends in AM or PM.
            let (clock, half) = match clock.rsplit_once(' ') {
                Some((c, h)) if h.eq_ignore_ascii_case("AM") => (c.trim(), Some(0)),
                Some((c, h)) if h.eq_ignore_ascii_case("PM") => (c.trim(), Some(12)),
                _ => (clock, None),
            };
            let parts: Vec<&str> = clock.split(':').collect();
            let (h, mi, sec) = match parts[..] {
                [h, mi] => (num(h, 0, 23)?, num(mi, 0, 59)?, 0),
                [h, mi, sec] => (num(h, 0, 23)?, num(mi, 0, 59)?, num(sec, 0, 59)?),
                _ => return Err(bad()),
            };
            let h = match half {
                None => h,
                Some(_) if !(1..=12).contains(&h) => return Err(bad()),
                Some(offset) => h % 12 + offset,
            };
            Ok(base + ((h * 60 + mi) * 60 + sec) * 1_000_000)
        }
    }
}

/// Now, in microseconds since the epoch: the store's time of a message or an apply.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// `2026-01-31T10:00:00Z` (microseconds shown only when there are any).
pub fn format_time(t: i64) -> String {
    let days = t.div_euclid(MICROS_PER_DAY);
    let rest = t.rem_euclid(MICROS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let secs = rest / 1_000_000;
    let micros = rest % 1_000_000;
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if micros == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros:06}Z")
    }
}

/// The dates a filter was understood to mean, said back (`3/1/2018` is March, not January).
pub fn window(filter: &MessageFilter) -> String {
    let day = |t: i64| {
        let text = format_time(t);
        text.strip_suffix("T00:00:00Z")
            .map(|d| format!("{d} (UTC)"))
            .unwrap_or(text)
    };
    // A bare end date is the day's last microsecond: say the day.
    let end_day = |t: i64| {
        let last = format_time(t);
        match last.strip_suffix("T23:59:59.999999Z") {
            Some(d) => format!("{d} (UTC)"),
            None => last,
        }
    };
    match (filter.start, filter.end) {
        (Some(s), Some(e)) => format!(" posted from {} to {}", day(s), end_day(e)),
        (Some(s), None) => format!(" posted on or after {}", day(s)),
        (None, Some(e)) => format!(" posted on or before {}", end_day(e)),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(sender: &str, at: &str, body: &str) -> Message {
        Message {
            id: 1,
            room: ObjectId::new("p.l.com", "R"),
            sender: sender.into(),
            posted_at: parse_time(at, DayEnd::Start).unwrap(),
            body: body.into(),
        }
    }

    #[test]
    fn a_match_clause_is_read_in_any_case_and_a_wrong_one_lists_the_right_ones() {
        for m in [MatchClause::All, MatchClause::Or, MatchClause::Exact] {
            assert_eq!(m.as_str().to_uppercase().parse::<MatchClause>(), Ok(m));
            assert_eq!(MatchClause::from_name(m.as_str()), Some(m));
        }
        assert_eq!(
            MatchClause::from_name("exact"),
            None,
            "the store's names are exact"
        );
        assert_eq!(
            "Any".parse::<MatchClause>(),
            Err("expected one of All, Or, Exact".to_string())
        );
        assert_eq!(
            "Exakt".parse::<MatchClause>(),
            Err("expected one of All, Or, Exact (did you mean `Exact`?)".to_string())
        );
    }

    #[test]
    fn dates_as_the_help_pages_write_them() {
        let iso = |t: &str| parse_time(t, DayEnd::Start).unwrap();
        assert_eq!(parse_time("3/1/2018", DayEnd::Start), Ok(iso("2018-03-01")));
        assert_eq!(
            parse_time("4/1/2012", DayEnd::End),
            Ok(iso("2012-04-02") - 1)
        );
        assert_eq!(
            parse_time("12/31/2019 2:30 PM", DayEnd::Start),
            Ok(iso("2019-12-31T14:30"))
        );
        assert_eq!(
            parse_time("12/31/2019 12:05:09 AM", DayEnd::Start),
            Ok(iso("2019-12-31T00:05:09"))
        );
        assert_eq!(
            parse_time("1/2/2020 23:59", DayEnd::Start),
            Ok(iso("2020-01-02T23:59"))
        );
        for bad in [
            "13/1/2018",
            "2/30/2018",
            "3/1/18",
            "3/1",
            "1/1/2018 13:00 PM",
            "1/1/2018 0:00 AM",
        ] {
            assert!(parse_time(bad, DayEnd::Start).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_round_trip_and_bare_dates_cover_the_day() {
        let t = parse_time("2026-01-31T10:20:30Z", DayEnd::Start).unwrap();
        assert_eq!(format_time(t), "2026-01-31T10:20:30Z");
        assert_eq!(parse_time("1970-01-01", DayEnd::Start), Ok(0));
        assert_eq!(
            parse_time("1970-01-01", DayEnd::End),
            Ok(MICROS_PER_DAY - 1)
        );
        assert_eq!(
            parse_time("2024-02-29 00:00", DayEnd::Start)
                .map(format_time)
                .unwrap(),
            "2024-02-29T00:00:00Z"
        );
        assert!(parse_time("2025-02-29", DayEnd::Start)
            .unwrap_err()
            .contains("no day 29"));
        assert!(parse_time("31/01/2026", DayEnd::Start).is_err());
    }

    #[test]
    fn filters_by_user_dates_and_keywords() {
        let m = msg(
            "sip:Kim@Litware.com",
            "2026-01-31T12:00:00",
            "Quarterly Budget review at noon",
        );
        let f = |x: MessageFilter| x.matches(&m);
        let day = |d: &str, e| parse_time(d, e).ok();
        let user = |u: &str| MessageFilter {
            user_uri: Some(u.into()),
            ..Default::default()
        };
        let until = |d: &str| MessageFilter {
            end: day(d, DayEnd::End),
            ..Default::default()
        };
        let from = |d: &str| MessageFilter {
            start: day(d, DayEnd::Start),
            ..Default::default()
        };
        for (filter, matches, why) in [
            (
                user("SIP:Kim@litware.COM"),
                true,
                "scheme and host ignore case",
            ),
            (
                user("sip:kim@litware.com"),
                true,
                "the user part ignores case too, as Active Directory compares it",
            ),
            (user("sip:kimberly@litware.com"), false, "another user"),
            (until("2026-01-31"), true, "on the end date counts"),
            (until("2026-01-30"), false, "before the end date"),
            (
                from("2026-01-31T12:00:00"),
                true,
                "the start instant counts",
            ),
            (
                from("2026-01-31T12:00:01"),
                false,
                "after the start instant",
            ),
        ] {
            assert_eq!(f(filter), matches, "{why}");
        }
        let kw = |text: &str, clause, case_sensitive| MessageFilter {
            filter: Some(text.into()),
            match_clause: clause,
            case_sensitive,
            ..Default::default()
        };
        assert!(f(kw("budget noon", MatchClause::All, false)));
        assert!(!f(kw("budget lunch", MatchClause::All, false)));
        assert!(f(kw("budget lunch", MatchClause::Or, false)));
        assert!(!f(kw("lunch dinner", MatchClause::Or, false)));
        assert!(f(kw("budget review", MatchClause::Exact, false)));
        assert!(!f(kw("review budget", MatchClause::Exact, false)));
        assert!(
            !f(kw("budget", MatchClause::All, true)),
            "case-sensitive: `Budget` is not `budget`"
        );
        assert!(f(kw("Budget", MatchClause::All, true)));
        for blank in ["", " ", "\t\n"] {
            for clause in [MatchClause::All, MatchClause::Or, MatchClause::Exact] {
                assert!(!f(kw(blank, clause, false)), "{blank:?} {clause:?}");
            }
        }
    }
}
