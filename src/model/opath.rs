//! The `-Filter` language of the Lync cmdlets that take one (`Get-CsAdPrincipal -Filter
//! {SipAddress -eq "sip:kenmyer@litwareinc.com"}`): comparisons of an object's properties,
//! joined by `-and` / `-or` (`-and` binds tighter), as PowerShell compares (without regard to
//! case). Anything else is refused with the reason, never read as "no match".
//!
//! Objects are judged as they are listed (`get --format json`): property names are their
//! fields, matched without regard to case (`SipAddress` is `sipAddress`).

use serde_json::Value;

use super::{pascal, DesiredState, Kind, Object};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Like,
    NotLike,
    Contains,
    NotContains,
}

const OPERATORS: &[(&str, Op)] = &[
    ("-eq", Op::Eq),
    ("-ne", Op::Ne),
    ("-gt", Op::Gt),
    ("-lt", Op::Lt),
    ("-ge", Op::Ge),
    ("-le", Op::Le),
    ("-like", Op::Like),
    ("-notlike", Op::NotLike),
    ("-contains", Op::Contains),
    ("-notcontains", Op::NotContains),
];

#[derive(Debug, Clone, PartialEq)]
struct Comparison {
    property: String,
    op: Op,
    value: String,
}

/// A parsed filter: any of its groups matches when all of that group's comparisons do.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    any: Vec<Vec<Comparison>>,
}

/// Whether a `-Filter` text is written in this language rather than as a name pattern: it has
/// an operator word (`-eq`, or one this filter does not support, such as `-match`, which is
/// then refused rather than matched as a name), or script-block braces.
pub fn is_opath(text: &str) -> bool {
    let t = text.trim();
    if t.starts_with('{') && t.ends_with('}') {
        return true;
    }
    tokens(text).is_ok_and(|t| {
        t.iter().any(|(tok, quoted)| {
            !quoted
                && tok.len() > 2
                && tok.starts_with('-')
                && tok[1..].chars().all(|c| c.is_ascii_alphabetic())
        })
    })
}

fn op_of(token: &str) -> Option<Op> {
    OPERATORS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(token))
        .map(|(_, o)| *o)
}

/// Splits a filter into words: quoted strings (`"…"`, `'…'`, a doubled quote inside stands for
/// one) are one word; braces around the whole are dropped.
fn tokens(text: &str) -> Result<Vec<(String, bool)>, String> {
    let mut t = text.trim();
    if let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        t = inner.trim();
    }
    let mut out = Vec::new();
    let mut chars = t.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' || c == '\'' {
            chars.next();
            let mut word = String::new();
            loop {
                match chars.next() {
                    None => {
                        return Err(format!("the quote {c} opened in the filter is not closed"))
                    }
                    Some(q) if q == c => {
                        if chars.peek() == Some(&c) {
                            chars.next();
                            word.push(c);
                        } else {
                            break;
                        }
                    }
                    Some(other) => word.push(other),
                }
            }
            out.push((word, true));
            continue;
        }
        if "(){}|;".contains(c) {
            return Err(format!(
                "`{c}` is not supported in a filter: write comparisons joined by -and or -or"
            ));
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            word.push(c);
            chars.next();
        }
        out.push((word, false));
    }
    Ok(out)
}

impl Filter {
    /// Parses `Property -op value [-and|-or Property -op value]…`.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let words = tokens(text)?;
        let expected = "write `Property -eq value`, with -ne, -gt, -lt, -ge, -le, -like, \
                        -notlike, -contains or -notcontains, joined by -and or -or";
        if words.is_empty() {
            return Err(format!("the filter is empty: {expected}"));
        }
        let mut any = vec![Vec::new()];
        let mut rest = &words[..];
        loop {
            let [(property, false), (op, false), (value, quoted), tail @ ..] = rest else {
                return Err(format!("cannot read the filter `{text}`: {expected}"));
            };
            let op = op_of(op).ok_or_else(|| {
                format!("`{op}` is not a comparison this filter supports: {expected}")
            })?;
            if property.starts_with('-') || property.starts_with('$') {
                return Err(format!("cannot read the filter `{text}`: {expected}"));
            }
            let value = if *quoted {
                value.clone()
            } else {
                // `$True`, `$False` and `$Null` are PowerShell's constants.
                match value.to_ascii_lowercase().as_str() {
                    "$true" => "true".into(),
                    "$false" => "false".into(),
                    "$null" => String::new(),
                    _ => value.clone(),
                }
            };
            any.last_mut().expect("one group").push(Comparison {
                property: property.clone(),
                op,
                value,
            });
            match tail {
                [] => break,
                [(join, false), more @ ..] if join.eq_ignore_ascii_case("-and") => rest = more,
                [(join, false), more @ ..] if join.eq_ignore_ascii_case("-or") => {
                    any.push(Vec::new());
                    rest = more;
                }
                [(other, _), ..] => {
                    return Err(format!(
                        "`{other}` cannot follow a comparison in a filter: join comparisons \
                         with -and or -or"
                    ))
                }
            }
        }
        Ok(Filter { any })
    }

    /// Checks every property the filter names against the fields a listed object has, so a
    /// misspelt property is an error rather than an empty answer.
    pub fn check_properties<'a>(
        &self,
        known: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<(), String> {
        for c in self.any.iter().flatten() {
            if !known
                .clone()
                .into_iter()
                .any(|k| k.eq_ignore_ascii_case(&c.property))
            {
                let names: Vec<&str> = known.clone().into_iter().collect();
                let hint = crate::suggest::nearest(&c.property, names.iter().copied())
                    .map(|n| format!(" (did you mean `{}`?)", pascal(n)))
                    .unwrap_or_default();
                return Err(format!(
                    "the filter names `{}`, which these objects do not have{hint}; they have {}",
                    c.property,
                    names
                        .iter()
                        .map(|n| pascal(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Whether a listed object (a JSON object of its fields) matches.
    pub fn matches(&self, object: &Value) -> bool {
        self.any
            .iter()
            .any(|all| all.iter().all(|c| c.holds(object)))
    }
}

/// A user's granted policy, as `Get-CsUser` lists it (`PersistentChatPolicy`).
const USER_POLICY: &str = "persistentChatPolicy";

/// An object as a filter judges it and `get --format json` lists it: every field with its
/// value, defaults included ([`super::skip::full`]), its `identity`, and each field also under
/// its cmdlet parameter's and output property's names; a user also has the policy granted to
/// it (`PersistentChatPolicy`, null when none).
pub fn listed<T: Object>(x: &T, state: &DesiredState) -> Value {
    let mut v = super::skip::full(|| serde_json::to_value(x)).unwrap_or_default();
    let Some(m) = v.as_object_mut() else {
        return v;
    };
    m.entry("identity")
        .or_insert_with(|| Value::String(x.identity()));
    let fields = T::KIND.desc().fields.iter();
    // The parameter's name, and the output's where it differs (`Invites` for `-Invitations`).
    let aliases = fields.flat_map(|f| [f.param, f.property].map(|a| a.map(|a| (a, f.yaml))));
    for (alias, field) in aliases.flatten() {
        if !m.keys().any(|k| k.eq_ignore_ascii_case(alias)) {
            if let Some(value) = m.get(field).cloned() {
                m.insert(alias.to_string(), value);
            }
        }
    }
    if T::KIND == Kind::Principal {
        let sip = m
            .get("sipAddress")
            .and_then(Value::as_str)
            .and_then(|s| super::principal::principal_key(s).ok())
            .map(|(_, key)| key);
        let granted = sip
            .and_then(|s| state.policy_grants.get(&s))
            .map(|g| Value::String(g.policy_name.clone()));
        m.insert(USER_POLICY.into(), granted.unwrap_or(Value::Null));
    }
    v
}

/// The property names a filter may use on objects of a kind: the fields, `identity`, the
/// parameters' and output properties' names, and a user's `PersistentChatPolicy`.
pub fn property_names(kind: Kind) -> Vec<&'static str> {
    let desc = kind.desc();
    let mut names = vec!["identity"];
    names.extend(desc.fields.iter().map(|f| f.yaml));
    names.extend(desc.fields.iter().filter_map(|f| f.param));
    names.extend(desc.fields.iter().filter_map(|f| f.property));
    if kind == Kind::Principal {
        names.push(USER_POLICY);
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.to_ascii_lowercase()));
    names
}

/// The objects of a `get` selection that a `--filter` written as comparisons keeps (a name
/// pattern was applied by the selection already), each judged as it is listed
/// (`listed`: every field with its value, defaults included).
pub fn narrow<'s, T: Object>(
    state: &DesiredState,
    items: Vec<&'s T>,
    filter: Option<&str>,
) -> Result<Vec<&'s T>, String> {
    narrow_with(state, items, filter, |x| *x)
}

/// `narrow` of anything that leads to an object (`object` finds it).
pub fn narrow_with<X, T: Object>(
    state: &DesiredState,
    mut items: Vec<X>,
    filter: Option<&str>,
    object: impl Fn(&X) -> &T,
) -> Result<Vec<X>, String> {
    let Some(f) = filter.filter(|f| is_opath(f)) else {
        return Ok(items);
    };
    let f = Filter::parse(f)?;
    f.check_properties(property_names(T::KIND))?;
    items.retain(|item| f.matches(&listed(object(item), state)));
    Ok(items)
}

impl Comparison {
    fn holds(&self, object: &Value) -> bool {
        let field = object.as_object().and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&self.property))
                .map(|(_, v)| v)
        });
        match field {
            // A list property matches when one of its entries does (PowerShell's -eq on a
            // collection); `-ne`/`-notlike` then mean none does.
            Some(Value::Array(items)) => {
                let one = |v: &Value| self.compare(&text(v));
                match self.op {
                    Op::Ne | Op::NotLike | Op::NotContains => items.iter().all(one),
                    _ => items.iter().any(one),
                }
            }
            Some(v) => self.compare(&text(v)),
            // An absent property is empty, as `$Null`.
            None => self.compare(""),
        }
    }

    fn compare(&self, actual: &str) -> bool {
        let wanted = &self.value;
        let ordered = || match (actual.parse::<f64>(), wanted.parse::<f64>()) {
            (Ok(a), Ok(b)) => a.partial_cmp(&b),
            _ => Some(crate::model::identity::fold_cmp(actual, wanted)),
        };
        use std::cmp::Ordering::*;
        match self.op {
            // A scalar is a list of one for `-contains`, as in PowerShell.
            Op::Eq | Op::Contains => crate::model::same_name(actual, wanted),
            Op::Ne | Op::NotContains => !crate::model::same_name(actual, wanted),
            Op::Gt => ordered() == Some(Greater),
            Op::Lt => ordered() == Some(Less),
            Op::Ge => matches!(ordered(), Some(Greater | Equal)),
            Op::Le => matches!(ordered(), Some(Less | Equal)),
            Op::Like => wildcard(wanted, actual),
            Op::NotLike => !wildcard(wanted, actual),
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `*` and `?` wildcards, without regard to case (PowerShell's `-like`).
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == t[ti] || p[pi] == '?') {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kim() -> Value {
        json!({
            "identity": "sip:kenmyer@litwareinc.com",
            "type": "User",
            "sipAddress": "sip:kenmyer@litwareinc.com",
            "displayName": "Ken Myer",
            "enabled": true,
            "members": ["a", "b"],
            "defaultChatHistory": 30
        })
    }

    #[test]
    fn the_help_pages_comparisons_match_as_powershell_does() {
        let cases = [
            (r#"SipAddress -eq "sip:kenmyer@litwareinc.com""#, true),
            (r#"{SipAddress -eq "SIP:KenMyer@litwareinc.com"}"#, true),
            (r#"SipAddress -ne "sip:kenmyer@litwareinc.com""#, false),
            ("DisplayName -like 'Ken*'", true),
            ("DisplayName -notlike 'Ken*'", false),
            ("DisplayName -like '*Smith'", false),
            ("Enabled -eq $True", true),
            ("Enabled -eq $False", false),
            ("DefaultChatHistory -gt 20", true),
            ("DefaultChatHistory -lt 20", false),
            (
                "DefaultChatHistory -ge 30 -and DefaultChatHistory -le 30",
                true,
            ),
            ("Type -eq 'Group' -or DisplayName -eq 'Ken Myer'", true),
            ("Type -eq 'Group' -and DisplayName -eq 'Ken Myer'", false),
            ("Members -eq 'b'", true),
            ("Members -ne 'b'", false),
            ("Site -eq $Null", true),
            ("DisplayName -eq 'It''s'", false),
        ];
        for (text, expected) in cases {
            let f = Filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(f.matches(&kim()), expected, "{text}");
        }
    }

    #[test]
    fn what_it_cannot_read_is_refused_with_the_reason() {
        for (text, says) in [
            ("SipAddress -match 'x'", "not a comparison"),
            ("SipAddress -eq", "cannot read"),
            ("(SipAddress -eq 'a')", "not supported"),
            ("SipAddress -eq 'a' SipAddress", "cannot follow"),
            ("SipAddress -eq 'a", "not closed"),
            ("", "empty"),
        ] {
            let err = Filter::parse(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
        let f = Filter::parse("SipAdress -eq 'x'").unwrap();
        let err = f
            .check_properties(["identity", "sipAddress", "displayName"])
            .unwrap_err();
        assert!(err.contains("did you mean `SipAddress`"), "{err}");
    }

    #[test]
    fn name_patterns_are_not_filters() {
        assert!(is_opath("SipAddress -eq 'x'"));
        assert!(is_opath("{Enabled -EQ $true}"));
        assert!(!is_opath("*Sales*"));
        assert!(!is_opath("site:*"));
        assert!(!is_opath("'a -eq b'"));
        assert!(is_opath("SipAddress -match 'ken'"));
        assert!(is_opath("{anything}"));
    }
}
