//! Plans of a configuration that differs from the one the store was marked converged with in
//! a few files: only those files are parsed, and only the rows their objects concern are read.
//!
//! # Why the answer is the full plan's
//! The mark says the whole configuration as it was planned empty against the store, and no
//! write has landed since. A file whose digest is the recorded one declares what it declared
//! then, so its objects are in the store as it asks (its identities resolve alike while the
//! declared pools are the same, and changed files declaring pools are not taken here). So the
//! full plan differs from an empty one only in the objects the changed files declared then or
//! declare now (the scope), which are planned here against the store read around them.
//!
//! The rules are judged on the objects around the scope, as declared: a violation this finds
//! that the marked configuration did not have sends the caller to the full path, which places
//! it in its file. So does anything this does not take: files declaring kinds other than rooms,
//! categories and add-ins, several pools, targets, a file that does not parse, a duplicate.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::config;
use crate::model::desired::Origins;
use crate::model::identity::fold;
use crate::model::kind::each_kind;
use crate::model::{rules, Addin, Category, DesiredState, Document, Kind, Object, ObjectId, Room};
use crate::plan::{self, Live, Plan, PlanOptions, PlanScope, Refusal};
use crate::store::{Declaration, DeclaredFile, Focus, Store, StoreError, Tx};

/// How a configuration file is named in the records.
pub fn file_name(path: &std::path::Path) -> String {
    path.to_string_lossy().into_owned()
}

/// What each file of a loaded configuration declares, for the convergence mark.
pub fn declared_files(
    state: &DesiredState,
    origins: &Origins<usize>,
    files: &[PathBuf],
    digests: &[String],
) -> Vec<DeclaredFile> {
    fn add<T: Object>(s: &DesiredState, o: &Origins<usize>, out: &mut [Vec<(Kind, String)>]) {
        for key in T::map(s).keys() {
            let id = key.to_string();
            if let Some((file, _)) = o.get(T::KIND, &id) {
                out[file].push((T::KIND, id));
            }
        }
    }
    let mut objects = vec![Vec::new(); files.len()];
    each_kind!(add, state, origins, &mut objects);
    let mut previous = vec![Vec::new(); files.len()];
    for (kind, id, names) in previous_names(state) {
        if let Some((file, _)) = origins.get(kind, &id.to_string()) {
            let ids = plan::previous_ids(id, names);
            previous[file].extend(ids.into_iter().map(|p| (kind, p.to_string())));
        }
    }
    files
        .iter()
        .zip(digests)
        .zip(objects.into_iter().zip(previous))
        .map(|((f, d), (objects, previous))| DeclaredFile {
            file: file_name(f),
            digest: d.clone(),
            objects,
            previous,
        })
        .collect()
}

/// A partial plan and what it was made from.
#[derive(Debug)]
pub struct Partial {
    /// The objects of the files that changed.
    pub desired: DesiredState,
    /// What was read of the store.
    pub live: DesiredState,
    pub plan: Plan,
    pub refusals: Vec<Refusal>,
    /// How many files were parsed, of how many.
    pub parsed: (usize, usize),
}

/// The kinds a partial plan takes.
fn taken(kind: Kind) -> bool {
    matches!(kind, Kind::Room | Kind::Category | Kind::Addin)
}

fn key(kind: Kind, identity: &str) -> (Kind, String) {
    (kind, fold(identity))
}

/// Plans `files` (with their digests as they were read; the few that changed are read again)
/// against the store when it is marked converged with a configuration that differs in a few
/// of them; `None` when the full plan is needed.
pub async fn plan(
    store: &Store,
    files: &[PathBuf],
    digests: &[String],
    opts: &PlanOptions,
) -> Result<Option<Partial>, StoreError> {
    if !opts.targets.is_empty() || files.len() < 2 {
        return Ok(None);
    }
    let mut tx = store.read().await?;
    let partial = plan_in(&mut tx, files, digests, opts).await;
    tx.finish().await?;
    partial
}

/// The files that changed since the mark (by index) and the recorded files now gone, or
/// `None` when the store is not marked converged with these options.
async fn changes(
    tx: &mut Tx<'_>,
    files: &[PathBuf],
    digests: &[String],
    opts: &PlanOptions,
) -> Result<Option<(i64, Vec<usize>, Vec<String>)>, StoreError> {
    let options = crate::apply::fingerprint("", opts);
    let (revision, mark) = tx.convergence_if(|m| m.starts_with(&options)).await?;
    if mark.is_none() {
        return Ok(None);
    }
    let recorded = tx.declared_files().await?;
    let names: Vec<String> = files.iter().map(|f| file_name(f)).collect();
    let changed: Vec<usize> = (0..files.len())
        .filter(|&i| recorded.get(&names[i]) != Some(&digests[i]))
        .collect();
    // Past half the files, the full plan costs about as much.
    if recorded.is_empty() || changed.len() * 2 > files.len() {
        return Ok(None);
    }
    let gone = recorded
        .into_keys()
        .filter(|f| !names.contains(f))
        .collect();
    Ok(Some((revision, changed, gone)))
}

/// The changed files' objects, parsed and resolved as the whole configuration would resolve
/// them (against the pools and the other files' categories and add-ins of `seed`), and the
/// kinds and identities they declare; `None` when a partial plan cannot take them.
fn parse_changed(
    mut seed: DesiredState,
    docs: Option<Vec<(usize, Document)>>,
) -> Option<(DesiredState, Vec<(Kind, String)>)> {
    let docs = docs?;
    let mut declared = Vec::new();
    let dups = seed.extend_from_documents(docs, &mut |kind, key, _, _| {
        declared.push((kind, key.to_string()))
    });
    if !dups.is_empty() || declared.iter().any(|(k, _)| !taken(*k)) {
        return None;
    }
    let mut ours = DesiredState::default();
    fn take<T: Object>(from: &mut DesiredState, to: &mut DesiredState, ids: &[(Kind, String)]) {
        let mine: HashSet<&str> = ids
            .iter()
            .filter(|(k, _)| *k == T::KIND)
            .map(|(_, id)| id.as_str())
            .collect();
        let keys: Vec<T::Key> = T::map(from)
            .keys()
            .filter(|k| mine.contains(k.to_string().as_str()))
            .cloned()
            .collect();
        for k in keys {
            if let Some(v) = T::map_mut(from).remove(&k) {
                T::map_mut(to).insert(k, v);
            }
        }
    }
    take::<Category>(&mut seed, &mut ours, &declared);
    take::<Addin>(&mut seed, &mut ours, &declared);
    take::<Room>(&mut seed, &mut ours, &declared);
    Some((ours, declared))
}

/// Keeps only the objects `keep` admits.
fn retain(state: &mut DesiredState, keep: &dyn Fn(Kind, &str) -> bool) {
    fn one<T: Object>(s: &mut DesiredState, keep: &dyn Fn(Kind, &str) -> bool) {
        T::map_mut(s).retain(|k, _| keep(T::KIND, &k.to_string()));
    }
    each_kind!(one, state, keep);
}

/// What the store is read for: the scope's rooms, the rooms of its categories and add-ins, and
/// the principals the new objects name.
fn focus(ours: &DesiredState, old: &[Declaration], previous: &[(Kind, ObjectId)]) -> Focus {
    let mut f = Focus::default();
    let parse = |d: &Declaration| d.identity.parse::<ObjectId>().ok();
    for d in old {
        match (d.kind, parse(d)) {
            (Kind::Room, Some(id)) => f.rooms.push(id),
            (Kind::Category, Some(id)) => f.rooms_of_categories.push(id),
            (Kind::Addin, Some(id)) => f.rooms_of_addins.push(id),
            _ => {}
        }
    }
    for (kind, id) in previous {
        match kind {
            Kind::Room => f.rooms.push(id.clone()),
            Kind::Category => f.rooms_of_categories.push(id.clone()),
            _ => f.rooms_of_addins.push(id.clone()),
        }
    }
    f.rooms.extend(ours.rooms.keys().cloned());
    f.rooms_of_categories
        .extend(ours.categories.keys().cloned());
    f.rooms_of_addins.extend(ours.addins.keys().cloned());
    for r in ours.rooms.values() {
        f.principals.extend(r.named().cloned());
    }
    for c in ours.categories.values() {
        f.principals.extend(c.named().cloned());
    }
    f
}

/// The objects that may name previous names, with theirs.
fn previous_names(s: &DesiredState) -> impl Iterator<Item = (Kind, &ObjectId, &[String])> {
    let categories = s.categories.iter();
    let addins = s.addins.iter();
    let rooms = s.rooms.iter();
    (categories.map(|(id, c)| (Kind::Category, id, &c.previous_names[..])))
        .chain(addins.map(|(id, a)| (Kind::Addin, id, &a.previous_names[..])))
        .chain(rooms.map(|(id, r)| (Kind::Room, id, &r.previous_names[..])))
}

/// The previous identities of the new objects.
fn previous_of(ours: &DesiredState) -> Vec<(Kind, ObjectId)> {
    let mut out = Vec::new();
    for (kind, id, names) in previous_names(ours) {
        out.extend(plan::previous_ids(id, names).into_iter().map(|p| (kind, p)));
    }
    out
}

/// What the store's records say was declared: by every file, and by the files that did not
/// change (whose objects stand as declared).
#[derive(Default)]
struct Declared {
    then: HashSet<(Kind, String)>,
    elsewhere: HashSet<(Kind, String)>,
}

impl Declared {
    fn add(&mut self, d: &Declaration, changed: &HashSet<&str>) {
        let k = key(d.kind, &d.identity);
        if !changed.contains(d.file.as_str()) {
            self.elsewhere.insert(k.clone());
        }
        self.then.insert(k);
    }
}

/// The seed the changed files are resolved against: the other files' pools, categories and
/// add-ins, as the store has them (the mark vouches they are as declared).
fn seed(live: &DesiredState, declared: &Declared) -> DesiredState {
    let mut seed = DesiredState {
        pools: live.pools.clone(),
        categories: live.categories.clone(),
        addins: live.addins.clone(),
        ..Default::default()
    };
    retain(&mut seed, &|k, id| declared.elsewhere.contains(&key(k, id)));
    seed
}

async fn plan_in(
    tx: &mut Tx<'_>,
    files: &[PathBuf],
    digests: &[String],
    opts: &PlanOptions,
) -> Result<Option<Partial>, StoreError> {
    let t0 = std::time::Instant::now();
    let lap =
        |step: &str| tracing::debug!(step, seconds = t0.elapsed().as_secs_f64(), "partial plan");
    let Some((revision, changed, gone)) = changes(tx, files, digests, opts).await? else {
        return Ok(None);
    };
    // The changed files are parsed on a thread of their own while the store is read.
    let paths: Vec<PathBuf> = changed.iter().map(|&i| files[i].clone()).collect();
    let Ok(texts) = config::read_files(&paths) else {
        return Ok(None);
    };
    // A file that changed again since it was digested: the full path reads it whole.
    let now = config::file_digests(&paths, &texts);
    if changed.iter().zip(&now).any(|(&i, d)| *d != digests[i]) {
        return Ok(None);
    }
    let owned: Vec<(usize, String)> = changed.iter().copied().zip(texts).collect();
    let parsing = std::thread::spawn(move || {
        owned
            .into_iter()
            .map(|(i, text)| config::yaml::parse_document(&text).ok().map(|d| (i, d)))
            .collect::<Option<Vec<_>>>()
    });
    let mut old_files: Vec<String> = changed.iter().map(|&i| file_name(&files[i])).collect();
    old_files.extend(gone);
    let changed_files: HashSet<&str> = old_files.iter().map(String::as_str).collect();
    let old = tx.declarations_in(&old_files).await?;
    let others = tx.declarations_but_rooms().await?;
    if old.iter().any(|d| !taken(d.kind)) {
        return Ok(None);
    }
    let pools = others.iter().filter(|d| d.kind == Kind::Pool).count();
    lap("declarations");
    let mut declared = Declared::default();
    for d in &others {
        declared.add(d, &changed_files);
    }
    let mut parsed = None;
    let live = tx
        .read_state_focused(|s| {
            match parse_changed(seed(s, &declared), parsing.join().ok().flatten()) {
                Some((ours, now)) => {
                    let previous = previous_of(&ours);
                    let f = focus(&ours, &old, &previous);
                    parsed = Some((ours, now, previous));
                    f
                }
                None => Focus::default(),
            }
        })
        .await?;
    lap("read");
    let Some((ours, now, previous)) = parsed else {
        return Ok(None);
    };
    // With several pools, a room declared without one goes where its category's name is, so
    // the other files' rooms keep their identities only while the categories are the same.
    let categories =
        |ids: &mut dyn Iterator<Item = (Kind, &str)>| -> std::collections::BTreeSet<String> {
            ids.filter(|(k, _)| *k == Kind::Category)
                .map(|(_, id)| fold(id))
                .collect()
        };
    let then = categories(&mut old.iter().map(|d| (d.kind, d.identity.as_str())));
    if pools > 1 && then != categories(&mut now.iter().map(|(k, id)| (*k, id.as_str()))) {
        return Ok(None);
    }
    let mut rooms: Vec<String> = live.rooms.keys().map(ToString::to_string).collect();
    rooms.extend(
        now.iter()
            .filter(|(k, _)| *k == Kind::Room)
            .map(|(_, id)| id.clone()),
    );
    let previous_rooms = previous.iter().filter(|(k, _)| *k == Kind::Room);
    rooms.extend(previous_rooms.map(|(_, id)| id.to_string()));
    // A room the changed files declared then has that one record (a key has one): only the
    // others are looked up.
    let then_here: HashSet<String> = old
        .iter()
        .filter(|d| d.kind == Kind::Room)
        .map(|d| {
            declared.add(d, &changed_files);
            fold(&d.identity)
        })
        .collect();
    rooms.retain(|id| !then_here.contains(&fold(id)));
    for d in tx.declarations_of(Kind::Room, &rooms).await? {
        declared.add(&d, &changed_files);
    }
    // Declared by a file that did not change as well: a duplicate, which the full path places.
    if now
        .iter()
        .any(|(k, id)| declared.elsewhere.contains(&key(*k, id)))
    {
        return Ok(None);
    }
    // A name another file renames from, declared now or claimed as a previous name here too:
    // the full path refuses both (a rename cycle; one object cannot become two).
    let mut names: Vec<(Kind, String)> = now.clone();
    names.extend(previous.iter().map(|(k, id)| (*k, id.to_string())));
    let claims = tx.previous_claims(&names).await?;
    let declared_elsewhere =
        |(k, id): &(Kind, ObjectId)| declared.elsewhere.contains(&key(*k, &id.to_string()));
    if claims
        .iter()
        .any(|(_, _, file)| !changed_files.contains(file.as_str()))
        || previous.iter().any(declared_elsewhere)
    {
        return Ok(None);
    }
    lap("room declarations");
    if !rules_hold(&live, &ours, &declared) {
        return Ok(None);
    }
    let mut scope: PlanScope = old.iter().map(|d| key(d.kind, &d.identity)).collect();
    scope.extend(now.iter().map(|(k, id)| key(*k, id)));
    scope.extend(previous.iter().map(|(k, id)| key(*k, &id.to_string())));
    lap("rules");
    let (plan, refusals) = plan_scope(tx, &ours, &live, &old, &scope, revision, opts).await?;
    lap("plan");
    Ok(Some(Partial {
        desired: ours,
        live,
        plan,
        refusals,
        parsed: (changed.len(), files.len()),
    }))
}

/// Whether the configuration with the changed files' objects breaks no rule that the marked
/// one kept, judged on the objects around them as the files declare them.
fn rules_hold(live: &DesiredState, ours: &DesiredState, declared: &Declared) -> bool {
    let mut after = live.clone();
    retain(&mut after, &|k, id| {
        declared.elsewhere.contains(&key(k, id))
    });
    after.categories.extend(ours.categories.clone());
    after.addins.extend(ours.addins.clone());
    after.rooms.extend(ours.rooms.clone());
    let found = rules::validate(&after);
    if found.is_empty() {
        return true;
    }
    // Some may be only the edge of what was read (a reference to an object not read), which
    // the marked configuration shows as well.
    drop(after);
    let mut before = live.clone();
    retain(&mut before, &|k, id| declared.then.contains(&key(k, id)));
    let was: HashSet<rules::Violation> = rules::validate(&before).into_iter().collect();
    found.iter().all(|v| was.contains(v))
}

/// Plans the scope against what was read, with the ownership records of its objects.
async fn plan_scope(
    tx: &mut Tx<'_>,
    ours: &DesiredState,
    live: &DesiredState,
    old: &[Declaration],
    scope: &PlanScope,
    revision: i64,
    opts: &PlanOptions,
) -> Result<(Plan, Vec<Refusal>), StoreError> {
    // Every spelling the planner may look a record up by: the configuration's, the store's,
    // and the one recorded.
    let mut spellings: Vec<(Kind, String)> = Vec::new();
    fn add<T: Object>(s: &DesiredState, scope: &PlanScope, out: &mut Vec<(Kind, String)>) {
        let ids = T::map(s).keys().map(ToString::to_string);
        out.extend(
            ids.filter(|id| scope.contains(&key(T::KIND, id)))
                .map(|id| (T::KIND, id)),
        );
    }
    for s in [ours, live] {
        add::<Category>(s, scope, &mut spellings);
        add::<Addin>(s, scope, &mut spellings);
        add::<Room>(s, scope, &mut spellings);
    }
    spellings.extend(old.iter().map(|d| (d.kind, d.identity.clone())));
    spellings.sort();
    spellings.dedup();
    let owned = tx.ownership_of(&spellings).await?;
    let rooms = tx.count_rows(Kind::Room).await?;
    let view = Live {
        state: live,
        managed: &owned.managed,
        consented: &owned.consented,
        revision,
    };
    let mut p = plan::plan_scoped(ours, view, opts, scope);
    p.classify(ours, &owned.applied);
    let removed = p.removed_rooms();
    let messages = if removed.is_empty() {
        HashMap::new()
    } else {
        tx.message_counts(&removed).await?
    };
    p.weigh_messages(&messages, live);
    let mut refusals = p.destroy_refusals(view, &messages, false);
    // The store counts the rooms; every other kind the scope changes was read whole.
    let count = |k: Kind| {
        if k == Kind::Room {
            rooms
        } else {
            live.count(k)
        }
    };
    refusals.extend(p.refusals_counted(opts.threshold, false, &count));
    Ok((p, refusals))
}
