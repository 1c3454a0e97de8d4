//! The .NET `TimeSpan` text form the service uses for intervals: `[d.]hh:mm:ss`.

use std::fmt;
use std::str::FromStr;

/// A whole number of seconds, written `[d.]hh:mm:ss`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeSpan {
    seconds: u64,
}

impl TimeSpan {
    pub const fn from_secs(seconds: u64) -> Self {
        TimeSpan { seconds }
    }
    pub const fn as_secs(self) -> u64 {
        self.seconds
    }
}

impl fmt::Display for TimeSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds / 86_400;
        let rest = self.seconds % 86_400;
        let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
        if days > 0 {
            write!(f, "{days}.")?;
        }
        write!(f, "{h:02}:{m:02}:{s:02}")
    }
}

impl FromStr for TimeSpan {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| format!("invalid TimeSpan `{text}`: {why} (expected `[d.]hh:mm:ss`)");
        let (days, clock) = match text.split_once('.') {
            Some((d, rest)) => (Some(d), rest),
            None => (None, text),
        };
        let number = |part: &str, what: &str, max: u64| -> Result<u64, String> {
            if part.is_empty() || part.len() > 9 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&format!("{what} `{part}` is not a number")));
            }
            let n: u64 = part.parse().map_err(|_| bad(what))?;
            if n > max {
                return Err(bad(&format!("{what} must be at most {max}")));
            }
            Ok(n)
        };
        let days = match days {
            Some(d) => number(d, "days", 10_675_199)?,
            None => 0,
        };
        let fields: Vec<&str> = clock.split(':').collect();
        let [h, m, s] = fields[..] else {
            return Err(bad("it needs hours, minutes and seconds"));
        };
        if h.len() > 2 || m.len() != 2 || s.len() != 2 {
            return Err(bad("hours, minutes and seconds take two digits each"));
        }
        let (h, m, s) = (
            number(h, "hours", 23)?,
            number(m, "minutes", 59)?,
            number(s, "seconds", 59)?,
        );
        Ok(TimeSpan::from_secs(days * 86_400 + h * 3600 + m * 60 + s))
    }
}

text_type!(
    TimeSpan,
    "A .NET TimeSpan: `[d.]hh:mm:ss`, e.g. `00:15:00` or `1.00:00:00`.",
    "^([0-9]{1,8}\\.)?([01]?[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_canonically() {
        for (text, secs) in [
            ("00:15:00", 900),
            ("1.00:00:00", 86_400),
            ("30.00:00:00", 2_592_000),
        ] {
            let t: TimeSpan = text.parse().unwrap();
            assert_eq!(t.as_secs(), secs);
            assert_eq!(t.to_string(), text);
        }
        assert_eq!(
            "0:01:00".parse::<TimeSpan>().unwrap().to_string(),
            "00:01:00"
        );
    }

    #[test]
    fn refuses_malformed_text() {
        for bad in [
            "15",
            "00:15",
            "24:00:00",
            "00:60:00",
            "00:00:5",
            "x.00:00:00",
            "-1:00:00",
            "",
        ] {
            assert!(bad.parse::<TimeSpan>().is_err(), "{bad} should fail");
        }
    }
}
