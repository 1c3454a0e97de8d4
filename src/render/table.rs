//! Plain text tables, as `get`, `history` and `message get` print them: columns padded to
//! their widths, and nothing from data that a terminal would act on.

/// A cell as a terminal shows it harmlessly: control characters from data (an escape sequence
/// in a message body or an actor name would set the title or clear the screen; a newline would
/// break the table) are written as `\xHH`.
pub fn visible(cell: String) -> String {
    if !cell.chars().any(char::is_control) {
        return cell;
    }
    let mut out = String::with_capacity(cell.len() + 8);
    for c in cell.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A plain text table: a header, a rule, one line per row, columns padded to their widths.
pub fn table(headers: Vec<&str>, rows: Vec<Vec<String>>) -> String {
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(visible).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = w));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(headers.clone());
    out.push_str(&line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    if rows.is_empty() {
        out.push_str("(none)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_padded_and_control_characters_shown_as_escapes() {
        let t = table(
            vec!["Identity", "Body"],
            vec![vec!["a".into(), "x\u{1b}]0;pwned\u{7}".into()]],
        );
        assert_eq!(
            t,
            "Identity  Body\n--------  -----------------\na         x\\x1B]0;pwned\\x07\n"
        );
        assert_eq!(table(vec!["A"], vec![]), "A\n-\n(none)\n");
    }
}
