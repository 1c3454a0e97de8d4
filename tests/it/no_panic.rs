//! Whatever bytes it is given, the loader answers Ok or Err and never panics.

use proptest::prelude::*;

use pchat::config;

pub fn load(text: String) {
    let _ = config::load_texts(vec!["fuzz.yaml".into()], vec![text]);
}

/// Pieces of YAML syntax and of our vocabulary, so mutations reach deep into the loader.
pub const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "\n",
    "\n  ",
    "\n    - ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!tag ",
    "'",
    "\"",
    "#",
    "|\n  ",
    ">\n  ",
    "\t",
    "~",
    "null",
    "true",
    "False",
    "0x1F",
    "-1",
    "1e400",
    "rooms",
    "categories",
    "pools",
    "members",
    "privacy",
    "Auditorium",
    "sip:",
    "@",
    "CN=",
    "OU=x,",
    "global",
    "site:",
    "tag:",
    "service:PersistentChatServer:",
    "\\",
    "00:00:00",
    "99.99:99:99",
    "persistentChatPoolFqdn",
    "lifecycle",
    "ignoreChanges",
    "é",
    "\u{feff}",
    "<<: *a",
];

pub fn seed_texts() -> Vec<String> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["examples/litware", "examples/invalid"] {
        for f in config::collect_files(&[root.join(dir)]).unwrap() {
            out.push(std::fs::read_to_string(f).unwrap());
        }
    }
    out
}

#[derive(Debug, Clone)]
pub enum Edit {
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
}

pub fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(a, t)| Edit::Insert(a, t)),
        (any::<usize>(), 0usize..200).prop_map(|(a, n)| Edit::Duplicate(a, n)),
    ]
}

pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut s: Vec<char> = text.chars().collect();
    for e in edits {
        let len = s.len().max(1);
        match *e {
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(s.len());
                if at < end {
                    s.drain(at..end);
                }
            }
            Edit::Insert(at, t) => {
                let at = at % (s.len() + 1);
                s.splice(at..at, TOKENS[t].chars());
            }
            Edit::Duplicate(at, n) => {
                let at = at % len;
                let end = (at + n).min(s.len());
                if at < end {
                    let piece: Vec<char> = s[at..end].to_vec();
                    s.splice(at..at, piece);
                }
            }
        }
    }
    s.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,300}") {
        load(text);
    }

    #[test]
    fn random_token_soup_never_panics(tokens in proptest::collection::vec(0..TOKENS.len(), 0..80)) {
        load(tokens.into_iter().map(|t| TOKENS[t]).collect());
    }

    #[test]
    fn mutated_examples_never_panic(
        which in any::<usize>(),
        edits in proptest::collection::vec(edit(), 1..8),
    ) {
        let seeds = seed_texts();
        let text = apply(&seeds[which % seeds.len()], &edits);
        load(text);
    }
}
