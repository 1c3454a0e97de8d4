//! Objects as `get` prints them: a table of their identity and columns, or every object as
//! JSON or YAML with its `identity` first and every field with its value, defaults included
//! (what scripts read must not leave a default out). A kind's columns come from its
//! description: the fields it marks `shown`, headed by their parameter names.

use serde::Serialize;

use super::table::table;
use crate::model::skip::full;
use crate::model::{Field, Object};

/// How `get` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Yaml,
}

/// A table column: its header and how to show an object in it.
pub type Column<'a, T> = (&'a str, &'a dyn Fn(&T) -> String);

/// Objects of a kind: the table's columns are the fields its description shows.
pub fn of_kind<T: Object>(format: Format, items: &[&T]) -> String {
    let desc = T::KIND.desc();
    // A kind named by one field (an endpoint's SIP address, a pool's FQDN) shows it once, as
    // its identity.
    let named_by = match desc.identity {
        [one] => Some(*one),
        _ => None,
    };
    let shown: Vec<&Field> = desc
        .fields
        .iter()
        .filter(|f| f.shown && Some(f.yaml) != named_by)
        .collect();
    let headers: Vec<String> = shown.iter().map(|f| f.header()).collect();
    let row = |x: &T| -> Vec<String> {
        shown
            .iter()
            .map(|f| x.cell(f.yaml).unwrap_or_default())
            .collect()
    };
    // Scoped settings and grants carry an `identity` field of their own, serialized first.
    let identity = |x: &T| x.identity();
    let wrap = named_by != Some("identity");
    let headers = headers.iter().map(String::as_str).collect();
    render(format, items, (&identity, wrap), headers, row)
}

/// Objects with the columns given (header, value per object).
pub fn with_columns<T: Serialize>(
    format: Format,
    items: &[T],
    identity: &dyn Fn(&T) -> String,
    columns: &[Column<'_, T>],
) -> String {
    let headers = columns.iter().map(|(h, _)| *h).collect();
    let items: Vec<&T> = items.iter().collect();
    render(format, &items, (identity, true), headers, |item| {
        columns.iter().map(|(_, f)| f(item)).collect()
    })
}

/// An object with its identity put first, for JSON and YAML.
#[derive(Serialize)]
struct Identified<'a, T> {
    identity: String,
    #[serde(flatten)]
    object: &'a T,
}

/// How an object is named: by a function, and whether its serialization lacks the `identity`
/// (so it must be added).
type Naming<'a, T> = (&'a dyn Fn(&T) -> String, bool);

fn render<T: Serialize>(
    format: Format,
    items: &[&T],
    (identity, add): Naming<'_, T>,
    headers: Vec<&str>,
    row: impl Fn(&T) -> Vec<String>,
) -> String {
    let identified = || -> Vec<Identified<'_, T>> {
        items
            .iter()
            .map(|&object| Identified {
                identity: identity(object),
                object,
            })
            .collect()
    };
    match (format, add) {
        (Format::Json, true) => full(|| json(&identified())),
        (Format::Json, false) => full(|| json(&items)),
        (Format::Yaml, true) => full(|| crate::config::yaml::to_yaml(&identified())),
        (Format::Yaml, false) => full(|| crate::config::yaml::to_yaml(&items)),
        (Format::Table, _) => {
            let headers = std::iter::once("Identity").chain(headers).collect();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|item| std::iter::once(identity(item)).chain(row(item)).collect())
                .collect();
            table(headers, rows)
        }
    }
}

fn json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("objects serialize");
    s.push('\n');
    s
}
