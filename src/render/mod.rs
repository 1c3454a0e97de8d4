//! Turning results into text for people and JSON for machines. The only place, with `cli`,
//! that knows about terminals and colours.

pub mod diagnostics;
pub mod json;
pub mod log;
pub mod markdown;
pub mod objects;
pub mod plan;
pub mod powershell;
pub mod style;
pub mod table;

/// The most characters of one value an error or warning line shows.
pub const VALUE_SHOWN: usize = 120;

/// Text for stderr with each long value cut to [`VALUE_SHOWN`] characters and a note of how
/// many more there were: an error about a 100 MB name must not print the name. A value is what
/// stands between backticks or double quotes, or a run without blanks; lines that are short
/// anyway are left alone.
pub fn clip_values(text: &str) -> std::borrow::Cow<'_, str> {
    const LONG_LINE: usize = VALUE_SHOWN + 40;
    if !text.lines().any(|l| l.len() > LONG_LINE) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len().min(1 << 16));
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.chars().count() <= LONG_LINE {
            out.push_str(line);
        } else {
            clip_line(line, &mut out);
        }
    }
    out.into()
}

fn clip_line(line: &str, out: &mut String) {
    // `seg` counts the characters of the value being read; past the limit they are counted only.
    let (mut open, mut seg, mut dropped) = (None::<char>, 0usize, 0usize);
    let end = |out: &mut String, seg: &mut usize, dropped: &mut usize| {
        if *dropped > 0 {
            out.push_str(&format!("… ({} more characters)", dropped));
        }
        *seg = 0;
        *dropped = 0;
    };
    for c in line.chars() {
        let closes = open == Some(c);
        let opens = open.is_none() && (c == '`' || c == '"');
        let blank = open.is_none() && c.is_whitespace();
        if closes || opens || blank {
            end(out, &mut seg, &mut dropped);
            out.push(c);
            open = if opens {
                Some(c)
            } else if closes {
                None
            } else {
                open
            };
            continue;
        }
        if seg < VALUE_SHOWN {
            out.push(c);
            seg += 1;
        } else {
            dropped += 1;
        }
    }
    end(out, &mut seg, &mut dropped);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_counted() {
        let name = "N".repeat(1_000_000);
        let text = format!("error: room `{name}`: name too long\nnext line\n");
        let clipped = clip_values(&text);
        let first = clipped.lines().next().unwrap();
        assert!(first.chars().count() < 200, "{first}");
        assert!(first.contains("999880 more characters"), "{first}");
        assert!(first.ends_with("`: name too long"), "{first}");
        assert!(clipped.ends_with("next line\n"));
        let spaced = format!("error: \"{}\" and {}", "a b ".repeat(100), "x".repeat(300));
        let clipped = clip_values(&spaced);
        assert!(clipped.contains("(280 more characters)\" and"), "{clipped}");
        assert!(clipped.contains("(180 more characters)"), "{clipped}");
        let short = "error: `short` value";
        assert_eq!(clip_values(short), short);
    }
}
