//! The per-kind diff: for each object, desired and live, decide create / update / replace /
//! delete / keep, and the operations and field diffs that say so.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{Action, Change, Destroys, Ignored, Live, Plan, Prune};
use crate::model::*;
use crate::ops::{ListChange, Operation};

/// One field's difference, for people: a value from old to new, or a list's added and removed
/// entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldDiff {
    Value {
        field: String,
        old: String,
        new: String,
    },
    List {
        field: String,
        added: Vec<String>,
        removed: Vec<String>,
    },
}

impl FieldDiff {
    pub fn field(&self) -> &str {
        match self {
            FieldDiff::Value { field, .. } | FieldDiff::List { field, .. } => field,
        }
    }
}

/// Whether two keys are written alike (`Display`), without allocating for each of 100k
/// objects: their ordering already ignores case, spelling does not.
fn spelt_alike<K: std::fmt::Display>(a: &K, b: &K) -> bool {
    use std::fmt::Write;
    thread_local! {
        static TEXT: std::cell::RefCell<(String, String)> = const {
            std::cell::RefCell::new((String::new(), String::new()))
        };
    }
    TEXT.with_borrow_mut(|(x, y)| {
        x.clear();
        y.clear();
        let _ = write!(x, "{a}");
        let _ = write!(y, "{b}");
        x == y
    })
}

fn show<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

use crate::model::principal::key_or_text as key;

/// A change's field differences. A creation's are every field its object sets, kept as the
/// object's JSON text and spelt out only when shown: as `FieldDiff`s, each of 100k creations
/// would hold about 1.2 KB of them beside its operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldDiffs {
    Listed(Vec<FieldDiff>),
    /// A JSON object with at least one field, `lifecycle` left out.
    Created(Box<str>),
}

impl Default for FieldDiffs {
    fn default() -> Self {
        FieldDiffs::Listed(Vec::new())
    }
}

impl From<Vec<FieldDiff>> for FieldDiffs {
    fn from(diffs: Vec<FieldDiff>) -> Self {
        FieldDiffs::Listed(diffs)
    }
}

impl FieldDiffs {
    /// The fields a new object sets (those it leaves at their defaults are not serialized), as
    /// added values.
    pub fn created<T: Serialize>(obj: &T) -> Self {
        match serde_json::to_value(obj) {
            Ok(serde_json::Value::Object(mut map)) => {
                map.remove("lifecycle");
                if map.is_empty() {
                    return FieldDiffs::default();
                }
                let text = serde_json::Value::Object(map).to_string();
                FieldDiffs::Created(text.into_boxed_str())
            }
            _ => FieldDiffs::default(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            FieldDiffs::Listed(diffs) => diffs.is_empty(),
            FieldDiffs::Created(_) => false,
        }
    }

    /// The differences, field by field (a creation's in the order of their names).
    pub fn get(&self) -> std::borrow::Cow<'_, [FieldDiff]> {
        match self {
            FieldDiffs::Listed(diffs) => std::borrow::Cow::Borrowed(diffs),
            FieldDiffs::Created(text) => std::borrow::Cow::Owned(spelt_out(text)),
        }
    }
}

fn spelt_out(text: &str) -> Vec<FieldDiff> {
    let Ok(map) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text) else {
        return Vec::new();
    };
    map.into_iter()
        .map(|(field, v)| match v {
            serde_json::Value::Array(items) => FieldDiff::List {
                field,
                added: items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect(),
                removed: vec![],
            },
            other => FieldDiff::Value {
                field,
                old: String::new(),
                new: other.to_string(),
            },
        })
        .collect()
}

/// Collects one object's field differences, leaving out (and recording) ignored ones.
pub(super) struct Fields<'a> {
    diffs: Vec<FieldDiff>,
    ignore: &'a [String],
    ignored: Vec<(String, String, String)>,
    /// Fields whose live value is unknown: never compared (the plan says so once).
    unknown: &'a [&'a str],
}

impl<'a> Fields<'a> {
    pub(super) fn new(ignore: &'a [String]) -> Self {
        Fields {
            diffs: Vec::new(),
            ignore,
            ignored: Vec::new(),
            unknown: &[],
        }
    }

    fn unknown(self, unknown: &'a [&'a str]) -> Self {
        Fields { unknown, ..self }
    }

    /// Whether the field must be set.
    pub(super) fn value<T: PartialEq + Serialize>(
        &mut self,
        field: &str,
        old: &T,
        new: &T,
    ) -> bool {
        if old == new || self.unknown.contains(&field) {
            return false;
        }
        if self.ignore.iter().any(|f| f == field) {
            self.ignored.push((field.to_string(), show(old), show(new)));
            return false;
        }
        self.diffs.push(FieldDiff::Value {
            field: field.to_string(),
            old: show(old),
            new: show(new),
        });
        true
    }

    /// The add/remove change a list needs (entries compare as principals; order is not a change).
    pub(super) fn list(&mut self, field: &str, old: &[String], new: &[String]) -> ListChange {
        // Spelt the same, entry by entry: nothing to add or remove, and nothing to normalize
        // (a converged plan of 100k rooms compares 1M entries).
        if old == new || self.unknown.contains(&field) {
            return ListChange::default();
        }
        let old_keys: Vec<String> = old.iter().map(|p| key(p)).collect();
        let new_keys: Vec<String> = new.iter().map(|p| key(p)).collect();
        // The entries of one side whose keys the other side lacks.
        let only = |list: &[String], keys: &[String], other: &[String]| -> Vec<String> {
            list.iter()
                .zip(keys)
                .filter(|(_, k)| !other.contains(k))
                .map(|(p, _)| p.clone())
                .collect()
        };
        let added = only(new, &new_keys, &old_keys);
        let removed = only(old, &old_keys, &new_keys);
        if added.is_empty() && removed.is_empty() {
            return ListChange::default();
        }
        if self.ignore.iter().any(|f| f == field) {
            self.ignored
                .push((field.to_string(), show(&old), show(&new)));
            return ListChange::default();
        }
        self.diffs.push(FieldDiff::List {
            field: field.to_string(),
            added: added.clone(),
            removed: removed.clone(),
        });
        ListChange::new(None, added, removed)
    }
}

impl Fields<'_> {
    /// The new value when the field must be set.
    pub(super) fn set<T: PartialEq + Serialize + Clone>(
        &mut self,
        field: &str,
        old: &T,
        new: &T,
    ) -> Option<T> {
        self.value(field, old, new).then(|| new.clone())
    }
}

/// A store key as an object identity (`POOL\\NAME`); only pooled kinds are renamed.
fn parse_object_id(key: &impl ToString) -> ObjectId {
    let text = key.to_string();
    text.parse()
        .unwrap_or_else(|_| ObjectId::new(String::new(), text))
}

/// How the planner reconciles the objects of one kind: the calls that create one, change one
/// and remove one (`src/plan/kinds.rs` has one implementation per kind).
pub(super) trait Planned: Object + PartialEq {
    /// The calls that create `d` (a `New-`, then a `Set-` for what `New-` cannot take).
    fn create(id: &Self::Key, d: &Self) -> Vec<Operation>;
    /// Records in `f` how `l` differs from `d` and returns the call that makes it so.
    fn change(id: &Self::Key, l: &Self, d: &Self, f: &mut Fields<'_>) -> Operation;
    /// The call that removes `l`; `None`: a plan never removes it (topology).
    fn remove(id: &Self::Key, l: &Self) -> Option<Operation>;
    /// The object the service has even when the store lacks it (a global setting); a managed
    /// one the configuration drops is reset to it, not removed.
    fn standing(_id: &Self::Key) -> Option<Self> {
        None
    }
    /// The identity an object declared as `declared` and stored as `stored` (alike without
    /// regard to case) is renamed to, or `None` when the service sees no rename: only a
    /// respelt name is one, so the store's spelling of a pool stays.
    fn respelt(_stored: &Self::Key, _declared: &Self::Key) -> Option<Self::Key> {
        None
    }
    /// A new object declared in a pool the store spells otherwise (`stored` finds the store's
    /// spelling), as created there: in the store's spelling, as existing objects keep it.
    fn in_stored_pool(
        _id: &Self::Key,
        _d: &Self,
        _stored: &dyn Fn(&str) -> Option<String>,
    ) -> Option<(Self::Key, Self)> {
        None
    }
    /// The identities `d` had before (`previousNames`), as listed.
    fn previous(_id: &Self::Key, _d: &Self) -> Vec<Self::Key> {
        Vec::new()
    }
    /// The live object as it reads after the renames this plan makes of what it names (a
    /// room's category or add-in); `None`: unchanged.
    fn translate(_l: &Self, _planner: &Planner<'_>) -> Option<Self> {
        None
    }
}

pub struct Planner<'a> {
    live: Live<'a>,
    prune: Prune,
    upserts: Vec<Change>,
    deletes: Vec<Change>,
    kept: Vec<(Kind, String)>,
    ignored: Vec<Ignored>,
    unknown: Vec<super::Unknown>,
    /// Renamed objects: (kind, new identity) to the identity the store and its ownership record
    /// still have.
    renamed: HashMap<(Kind, String), ObjectId>,
    ambiguous: Vec<(Kind, String, String)>,
    /// When set, the only live objects this plan may rename, remove or keep (see
    /// [`super::plan_scoped`]).
    scope: Option<&'a super::PlanScope>,
    /// The buffer [`Planner::recorded`] writes keys into.
    key: std::cell::RefCell<(Kind, String)>,
    /// How many declared and live objects of a kind are planned in two halves (see
    /// [`Planner::kind`]).
    halves_from: usize,
}

/// How many declared and live objects of one kind make it worth two threads (a thread costs
/// tens of microseconds; planning 100k rooms against 100k, 75 ms).
const PLANNED_IN_HALVES: usize = 20_000;

fn in_scope(scope: Option<&super::PlanScope>, kind: Kind, id: &dyn std::fmt::Display) -> bool {
    scope.is_none_or(|s| s.contains(&(kind, crate::model::identity::fold(&id.to_string()))))
}

impl<'a> Planner<'a> {
    pub fn new(live: Live<'a>, prune: Prune) -> Self {
        Planner {
            live,
            prune,
            upserts: Vec::new(),
            deletes: Vec::new(),
            kept: Vec::new(),
            ignored: Vec::new(),
            unknown: Vec::new(),
            renamed: HashMap::new(),
            ambiguous: Vec::new(),
            scope: None,
            key: std::cell::RefCell::new((Kind::Pool, String::new())),
            halves_from: PLANNED_IN_HALVES,
        }
    }

    /// Plans kinds of at least `n` declared and live objects in two halves (tests split small
    /// ones).
    #[cfg(test)]
    pub(super) fn halves_from(self, n: usize) -> Self {
        Planner {
            halves_from: n,
            ..self
        }
    }

    /// Limits what this plan does to live objects to those of `scope`.
    pub fn scoped(mut self, scope: &'a super::PlanScope) -> Self {
        self.scope = Some(scope);
        self
    }

    fn in_scope(&self, kind: Kind, identity: &dyn std::fmt::Display) -> bool {
        in_scope(self.scope, kind, identity)
    }

    pub fn finish(mut self) -> Plan {
        // Removals children first: the reverse of the kind order, each kind in identity order.
        self.deletes.sort_by(|a, b| {
            b.kind
                .cmp(&a.kind)
                .then_with(|| a.identity.cmp(&b.identity))
        });
        let mut changes = self.upserts;
        changes.extend(self.deletes);
        let mut unknown: Vec<super::Unknown> = (self.live.state.facts.unknown_fields.iter())
            .map(|((kind, field), why)| super::Unknown {
                kind: *kind,
                identity: None,
                field: field.clone(),
                why: why.clone(),
            })
            .collect();
        unknown.extend(self.unknown);
        Plan {
            revision: self.live.revision,
            changes,
            kept: self.kept,
            ignored: self.ignored,
            ambiguous_renames: self.ambiguous,
            unknown,
        }
    }

    /// Calls `f` with the key an object's ownership record has: its identity, or the one it
    /// is renamed from. The key is written into a buffer kept for it: a converged plan of 100k
    /// rooms looks up each one's record, and allocating each key was a tenth of that plan.
    fn recorded<R>(
        &self,
        kind: Kind,
        identity: &dyn std::fmt::Display,
        f: impl FnOnce(&(Kind, String)) -> R,
    ) -> R {
        use std::fmt::Write;
        let mut key = self.key.borrow_mut();
        key.0 = kind;
        key.1.clear();
        let _ = write!(key.1, "{identity}");
        // A renamed object's ownership record is still under its old identity.
        match self.renamed.get(&*key) {
            Some(old) => f(&(kind, old.to_string())),
            None => f(&key),
        }
    }

    fn managed(&self, kind: Kind, identity: &dyn std::fmt::Display) -> Option<bool> {
        self.recorded(kind, identity, |key| self.live.managed.get(key).copied())
    }

    /// Whether any category or add-in is renamed (only then may a room name a new name).
    pub(super) fn renames(&self) -> bool {
        !self.renamed.is_empty()
    }

    /// The new name of a category or add-in this plan renames (rooms name them by name).
    pub(super) fn new_name(&self, kind: Kind, old: &ObjectId) -> Option<&str> {
        if self.renamed.is_empty() {
            return None;
        }
        self.renamed
            .iter()
            .find(|((k, _), from)| *k == kind && *from == old)
            .map(|((_, new), _)| new.rsplit('\\').next().unwrap_or(new))
    }

    fn push(
        &mut self,
        action: Action,
        kind: Kind,
        identity: String,
        operations: Vec<Operation>,
        fields: FieldDiffs,
        protect: bool,
    ) {
        let managed = self.managed(kind, &identity);
        // An object the configuration still declares is protected as it says now (so
        // `protect: false` lifts the protection); a removed one as its last apply recorded.
        let protected = match action {
            Action::Delete => managed == Some(true),
            _ => protect,
        };
        let change = Change {
            action,
            kind,
            identity,
            operations,
            fields,
            protected,
            managed: managed.is_some(),
            renamed_from: None,
            destroys: None,
            drift: false,
        };
        if action == Action::Delete {
            self.deletes.push(change);
        } else {
            self.upserts.push(change);
        }
    }

    /// An update if any field changed, or if the protection recorded for a managed object is
    /// not the configured one (that change is pchat's own record: it needs no cmdlet); ignored
    /// drift is recorded either way.
    fn update(
        &mut self,
        kind: Kind,
        identity: &dyn std::fmt::Display,
        fields: Fields<'_>,
        op: Operation,
        (protect, consent): (bool, bool),
    ) {
        for (field, live, desired) in fields.ignored {
            self.ignored.push(Ignored {
                kind,
                identity: identity.to_string(),
                field,
                live,
                desired,
            });
        }
        let mut diffs = fields.diffs;
        let operations = if diffs.is_empty() { vec![] } else { vec![op] };
        let managed = self.managed(kind, identity);
        match managed {
            Some(recorded) if recorded != protect => diffs.push(FieldDiff::Value {
                field: "lifecycle.protect".into(),
                old: recorded.to_string(),
                new: protect.to_string(),
            }),
            _ => {}
        }
        // Consent is recorded only for what pchat manages.
        if managed.is_some() {
            let consented = self.recorded(kind, identity, |key| self.live.consented.contains(key));
            if consented != consent {
                diffs.push(FieldDiff::Value {
                    field: "lifecycle.allowDestroy".into(),
                    old: consented.to_string(),
                    new: consent.to_string(),
                });
            }
        }
        if !diffs.is_empty() {
            self.push(
                Action::Update,
                kind,
                identity.to_string(),
                operations,
                diffs.into(),
                protect,
            );
        }
    }

    /// What removing a live object takes with it, as far as the state tells: a category's rooms,
    /// the rooms an add-in is shown in, a tag policy's grants (a room's messages are counted by
    /// the caller, from the store: `Plan::weigh_messages`).
    fn content(&self, kind: Kind, identity: &str) -> Option<Destroys> {
        let state = self.live.state;
        let (count, what) = match kind {
            Kind::Category | Kind::Addin => {
                let id: ObjectId = identity.parse().ok()?;
                let rooms = state.rooms.iter().filter(|(k, r)| {
                    k.pool == id.pool
                        && match kind {
                            Kind::Category => same_name(&r.category, &id.name),
                            _ => r.addin.as_deref().is_some_and(|a| same_name(a, &id.name)),
                        }
                });
                (rooms.count(), "room")
            }
            Kind::Policy => {
                let tag = identity.strip_prefix("tag:")?;
                let grants = state
                    .policy_grants
                    .values()
                    .filter(|g| same_name(&g.policy_name, tag));
                (grants.count(), "grant")
            }
            _ => return None,
        };
        (count > 0).then_some(Destroys {
            count: count as u64,
            what,
        })
    }

    /// A live object missing from the configuration: removed or kept, by the prune mode.
    fn gone(&mut self, kind: Kind, identity: String, op: Operation) {
        let managed = self.managed(kind, &identity);
        let remove = match (self.prune, managed) {
            (Prune::None, _) => false,
            (Prune::All, _) => true,
            (Prune::Managed, Some(_)) => true,
            (Prune::Managed, None) => false,
        };
        if remove {
            let destroys = self.content(kind, &identity);
            self.push(
                Action::Delete,
                kind,
                identity,
                vec![op],
                FieldDiffs::default(),
                false,
            );
            if let Some(last) = self.deletes.last_mut() {
                last.destroys = destroys;
            }
        } else {
            self.kept.push((kind, identity));
        }
    }

    /// Plans one kind: creations and changes of what the configuration declares, then what
    /// happens to the live objects it does not.
    pub fn kind<T: Planned + Sync>(&mut self, desired: &DesiredState)
    where
        T::Key: Send + Sync,
    {
        let live = T::map(self.live.state);
        let declared = T::map(desired);
        let mut moved_away = std::collections::BTreeSet::new();
        // A large kind is planned in two halves on two threads: the configuration and the store
        // are read by then, so both cores are free; each half plans into a planner of its own,
        // and the second is joined after the first, as one walk would have planned them. Only
        // against a store that has as many: a plan of creations allocates rather than compares,
        // and a second thread's allocations cannot reuse the memory the parser freed (the peak
        // of planning 100k rooms against an empty store rose 15 MB).
        let half = (declared.len().min(live.len()) >= self.halves_from.max(2))
            .then(|| declared.keys().nth(declared.len() / 2))
            .flatten();
        match half {
            None => {
                let (d, l) = (declared.iter(), live.iter());
                self.declared::<T>(d, l, live, declared, &mut moved_away);
            }
            Some(mid) => {
                let mut second = self.fork();
                let mut moved_second = std::collections::BTreeSet::new();
                std::thread::scope(|threads| {
                    let worker = threads.spawn(|| {
                        let (d, l) = (declared.range(mid..), live.range(mid..));
                        second.declared::<T>(d, l, live, declared, &mut moved_second);
                    });
                    let (d, l) = (declared.range(..mid), live.range(..mid));
                    self.declared::<T>(d, l, live, declared, &mut moved_away);
                    worker.join().expect("planning does not panic");
                });
                self.join(second);
                moved_away.append(&mut moved_second);
            }
        }
        self.undeclared::<T>(live, declared, &moved_away);
    }

    /// What happens to the live objects of one kind the configuration does not declare (and
    /// no rename moved away from): removed, kept or, for a setting, reset.
    fn undeclared<T: Planned>(
        &mut self,
        live: &BTreeMap<T::Key, T>,
        declared: &BTreeMap<T::Key, T>,
        moved_away: &std::collections::BTreeSet<T::Key>,
    ) {
        let scope = self.scope;
        // Both maps are in key order: one walk finds the live objects not declared.
        let mut declared_keys = declared.keys().peekable();
        let mut undeclared = |k: &T::Key| {
            use std::cmp::Ordering::{Equal, Less};
            while declared_keys.next_if(|d| d.cmp(&k) == Less).is_some() {}
            declared_keys.peek().is_none_or(|d| d.cmp(&k) != Equal)
        };
        for (id, l) in live
            .iter()
            .filter(|(k, _)| undeclared(k) && !moved_away.contains(*k))
            .filter(|(k, _)| in_scope(scope, T::KIND, k))
        {
            match T::standing(id) {
                // Dropping a managed setting resets it.
                Some(defaults) => {
                    if self.managed(T::KIND, id).is_some() && *l != defaults {
                        let mut f = Fields::new(&[]);
                        T::change(id, l, &defaults, &mut f);
                        if let Some(op) = T::remove(id, l) {
                            self.update(T::KIND, id, f, op, (false, false));
                        }
                    }
                }
                None => {
                    if let Some(op) = T::remove(id, l) {
                        self.gone(T::KIND, id.to_string(), op);
                    }
                }
            }
        }
    }

    /// Plans the declared objects of one kind that `declared` walks, in key order, beside a
    /// walk of the live ones from the same key on; collects in `moved_away` the identities
    /// renamed objects leave.
    fn declared<'m, T: Planned>(
        &mut self,
        declared: impl Iterator<Item = (&'m T::Key, &'m T)>,
        live_from: impl Iterator<Item = (&'m T::Key, &'m T)>,
        live: &'m BTreeMap<T::Key, T>,
        all: &'m BTreeMap<T::Key, T>,
        moved_away: &mut std::collections::BTreeSet<T::Key>,
    ) {
        // Both maps are in key order: a cursor over the live one finds each declared object's
        // live entry without a lookup for each of 100k.
        let mut cursor = live_from.peekable();
        let state: &'a DesiredState = self.live.state;
        let unknown: Vec<&str> = state.facts.unknown_of(T::KIND).map(|(f, _)| f).collect();
        for (id, d) in declared {
            let (protect, consent, ignore) = d.lifecycle().map_or((false, false, &[][..]), |l| {
                (l.protect, l.allow_destroy, &l.ignore_changes[..])
            });
            // Names match without regard to case: the store may spell this identity otherwise.
            // A named object so respelt is renamed (`-Name`); any other keeps the store's
            // spelling, which its ownership record has.
            use std::cmp::Ordering::{Equal, Less};
            while cursor.next_if(|(k, _)| (*k).cmp(id) == Less).is_some() {}
            let found = cursor
                .peek()
                .copied()
                .filter(|(k, _)| (*k).cmp(id) == Equal);
            let respelt = found.map(|(k, _)| k).filter(|k| !spelt_alike(*k, id));
            // A respelt name is renamed; a respelt pool is not (the store's spelling stays).
            let renamed_to = respelt.and_then(|stored| T::respelt(stored, id));
            let id = match (respelt, &renamed_to) {
                (Some(_), Some(new)) => new,
                (Some(stored), None) => stored,
                _ => id,
            };
            // Renamed: the store has it under a previous name (one nothing else declares), not
            // under this one; it is changed in place.
            let previous = match respelt.filter(|_| renamed_to.is_some()) {
                Some(stored) => Some(stored.clone()),
                None => {
                    let mut previous = T::previous(id, d).into_iter().filter(|p| {
                        live.contains_key(p) && !all.contains_key(p) && self.in_scope(T::KIND, p)
                    });
                    match previous.next() {
                        Some(old) if found.is_some() => {
                            self.ambiguous
                                .push((T::KIND, id.to_string(), old.to_string()));
                            None
                        }
                        found => found,
                    }
                }
            };
            let standing = T::standing(id);
            let (from, l) = match &previous {
                Some(old) => (old, live.get(old)),
                // `id` names the entry found above (the store's spelling or the same key).
                None => (id, found.map(|(_, l)| l).or(standing.as_ref())),
            };
            let Some(l) = l else {
                let pools = &state.pools;
                let stored = |p: &str| pools.get(&p.to_ascii_lowercase()).map(|x| x.fqdn.clone());
                let respelt = T::in_stored_pool(id, d, &stored);
                let (id, d) = respelt.as_ref().map_or((id, d), |(k, v)| (k, v));
                self.push(
                    Action::Create,
                    T::KIND,
                    id.to_string(),
                    T::create(id, d),
                    FieldDiffs::created(d),
                    protect,
                );
                continue;
            };
            if let Some(old) = &previous {
                self.renamed
                    .insert((T::KIND, id.to_string()), parse_object_id(old));
                moved_away.insert(old.clone());
            }
            let translated = T::translate(l, self);
            let mut f = Fields::new(ignore).unknown(&unknown);
            let op = T::change(from, translated.as_ref().unwrap_or(l), d, &mut f);
            let pushed = self.upserts.len();
            self.update(T::KIND, id, f, op, (protect, consent));
            // Only the change this object made, if it made one: a rename that changes nothing
            // the service sees must not mark the change planned before it.
            if let (Some(old), Some(last)) = (&previous, self.upserts.get_mut(pushed)) {
                last.renamed_from = Some(old.to_string());
            }
        }
    }

    /// A planner for part of a kind beside this one: it sees the same store and renames.
    fn fork(&self) -> Self {
        Planner {
            renamed: self.renamed.clone(),
            scope: self.scope,
            halves_from: self.halves_from,
            ..Planner::new(self.live, self.prune)
        }
    }

    /// Takes what a [`Planner::fork`] planned, as if this planner had planned it after its own.
    fn join(&mut self, other: Planner<'_>) {
        self.upserts.extend(other.upserts);
        self.deletes.extend(other.deletes);
        self.kept.extend(other.kept);
        self.ignored.extend(other.ignored);
        self.unknown.extend(other.unknown);
        self.renamed.extend(other.renamed);
        self.ambiguous.extend(other.ambiguous);
    }

    pub fn endpoints(&mut self, desired: &DesiredState) {
        for (k, d) in &desired.endpoints {
            let new = Operation::NewEndpoint {
                sip_address: d.sip_address.clone(),
                pool: d.persistent_chat_pool_fqdn.clone(),
                display_name: d.display_name.clone(),
            };
            match self.live.state.endpoints.get(k) {
                None => self.push(
                    Action::Create,
                    Kind::Endpoint,
                    k.clone(),
                    vec![new],
                    FieldDiffs::created(d),
                    d.lifecycle.protect,
                ),
                Some(l) => {
                    // No Set- for endpoints: a change is a Remove and a New.
                    let mut f = Fields::new(&d.lifecycle.ignore_changes);
                    f.value(
                        "persistentChatPoolFqdn",
                        &l.persistent_chat_pool_fqdn,
                        &d.persistent_chat_pool_fqdn,
                    );
                    f.value("displayName", &l.display_name, &d.display_name);
                    for (field, live, desired) in std::mem::take(&mut f.ignored) {
                        self.ignored.push(Ignored {
                            kind: Kind::Endpoint,
                            identity: k.clone(),
                            field,
                            live,
                            desired,
                        });
                    }
                    if !f.diffs.is_empty() {
                        let remove = Operation::RemoveEndpoint {
                            sip_address: l.sip_address.clone(),
                        };
                        self.push(
                            Action::Replace,
                            Kind::Endpoint,
                            k.clone(),
                            vec![remove, new],
                            f.diffs.into(),
                            d.lifecycle.protect,
                        );
                    }
                }
            }
        }
        for (k, l) in self
            .live
            .state
            .endpoints
            .iter()
            .filter(|(k, _)| !desired.endpoints.contains_key(*k))
        {
            self.gone(
                Kind::Endpoint,
                k.clone(),
                Operation::RemoveEndpoint {
                    sip_address: l.sip_address.clone(),
                },
            );
        }
    }

    pub fn states(&mut self, desired: &DesiredState) {
        for (id, l) in &self.live.state.states {
            let d = desired.states.get(id);
            let target = match d {
                Some(d) => d.pool_state,
                // A singleton: dropping a managed one resets it.
                None if self.managed(Kind::State, id).is_some() => PoolState::Normal,
                None => continue,
            };
            let ignore = d.map_or(&[][..], |d| &d.lifecycle.ignore_changes[..]);
            let mut f = Fields::new(ignore);
            f.value("poolState", &l.pool_state, &target);
            let op = Operation::SetState {
                identity: id.clone(),
                pool_state: target,
            };
            self.update(Kind::State, id, f, op, (false, false));
        }
        // A state of a pool the store does not have yet: the pool's creation brings a Normal one.
        for (id, d) in desired
            .states
            .iter()
            .filter(|(k, _)| !self.live.state.states.contains_key(*k))
        {
            if d.pool_state != PoolState::Normal {
                let mut f = Fields::new(&[]);
                f.value("poolState", &PoolState::Normal, &d.pool_state);
                let op = Operation::SetState {
                    identity: id.clone(),
                    pool_state: d.pool_state,
                };
                self.update(Kind::State, id, f, op, (false, false));
            }
        }
    }

    pub fn active_servers(&mut self, desired: &DesiredState) {
        let pool_servers = |id: &ServiceId| -> Vec<String> {
            desired
                .pools
                .get(&id.pool.to_ascii_lowercase())
                .or_else(|| self.live.state.pools.get(&id.pool.to_ascii_lowercase()))
                .map(|p| p.servers.clone())
                .unwrap_or_default()
        };
        let mut ids: Vec<&ServiceId> = self.live.state.active_servers.keys().collect();
        ids.extend(
            desired
                .active_servers
                .keys()
                .filter(|k| !self.live.state.active_servers.contains_key(*k)),
        );
        for id in ids {
            let d = desired.active_servers.get(id);
            if let Some(why) =
                (self.live.state.facts.unknown_active_servers).get(&id.pool.to_ascii_lowercase())
            {
                self.unknown.push(super::Unknown {
                    kind: Kind::ActiveServers,
                    identity: Some(id.to_string()),
                    field: "activeServers".into(),
                    why: why.clone(),
                });
                continue;
            }
            let live = self
                .live
                .state
                .active_servers
                .get(id)
                .map(|a| a.active_servers.clone())
                // A pool the plan creates starts with every server active.
                .unwrap_or_else(|| pool_servers(id));
            let target = match d {
                Some(d) => d.active_servers.clone(),
                None if self.managed(Kind::ActiveServers, id).is_some() => pool_servers(id),
                None => continue,
            };
            let ignore = d.map_or(&[][..], |d| &d.lifecycle.ignore_changes[..]);
            let mut f = Fields::new(ignore);
            let change = f.list("activeServers", &live, &target);
            let op = Operation::SetActiveServer {
                identity: id.clone(),
                active_servers: change,
                swap: false,
            };
            self.update(Kind::ActiveServers, id, f, op, (false, false));
        }
    }
}
