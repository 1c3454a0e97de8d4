//! `Export-CsPersistentChatData` and `Import-CsPersistentChatData`: the store's data as a zip
//! archive, and back.
//!
//! # Format (version 1)
//! A zip of UTF-8 JSON files, written deterministically (sorted content, fixed entry times),
//! so exporting what was imported gives the same archive:
//! - `manifest.json`: `{"format": "pchat-data", "version": 1, "level": …, "scope": […],
//!   "startDate": …}`;
//! - one file per kind, named by its YAML key (`rooms.json`, `policyGrants.json`, …), each a
//!   list of objects exactly as configuration files write them;
//! - `messages.json`: `[{"id", "room": "POOL\\NAME", "sender", "postedAt" (microseconds since
//!   1970 UTC), "body"}]`.
//!
//! Levels choose the files: `User` (principals, policies, grants), `Category` (pools,
//! categories), `RoomDirectory` (also add-ins and rooms), `Content` (also messages: they need
//! their rooms), `All` (everything). `--scope` keeps only some categories with their rooms and
//! messages; `--start-date` keeps messages posted from then on.

use std::collections::BTreeSet;
use std::io::{Cursor, Write};

use serde::{Deserialize, Serialize};

use crate::model::kind::each_kind;
use crate::model::message::Message;
use crate::model::*;
use crate::store::{Store, StoreError};

mod archive;
use archive::Archive;
pub use archive::Limits as ArchiveLimits;

/// The archive format this pchat writes and reads.
pub const FORMAT: &str = "pchat-data";
pub const VERSION: u32 = 1;

/// How much to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    All,
    User,
    Category,
    RoomDirectory,
    Content,
}

crate::model::value_names!(Level {
    All,
    User,
    Category,
    RoomDirectory,
    Content
});

/// The cmdlets' `-DBInstance` and `-DBName` as a store: a store URL is used, a SQL Server
/// instance (`atl-sql-001.litwareinc.com\rtc`) cannot be reached and `default` is used
/// instead; either comes with a note saying what was not used.
pub fn database(
    instance: Option<&str>,
    name: Option<&str>,
    default: &crate::store::StoreUrl,
) -> (crate::store::StoreUrl, Option<String>) {
    let mut note = name.map(|n| {
        format!("--db-name `{n}` is not used: a pchat store holds one Persistent Chat database")
    });
    let Some(instance) = instance else {
        return (default.clone(), note);
    };
    let is_url = instance.starts_with("sqlite:") || instance.contains("://");
    match instance.parse::<crate::store::StoreUrl>() {
        Ok(url) if is_url => (url, note),
        _ => {
            let text = format!(
                "--db-instance `{}` names a SQL Server instance, which pchat does not reach: it \
                 uses its store {default}",
                crate::store::mask(instance),
            );
            note = Some(match note {
                Some(n) => format!("{text}\nnote: {n}"),
                None => text,
            });
            (default.clone(), note)
        }
    }
}

impl Level {
    /// The kinds (by YAML key) a level holds, plus `messages`.
    fn files(self) -> &'static [&'static str] {
        match self {
            Level::User => &["principals", "policies", "policyGrants"],
            Level::Category => &["pools", "categories"],
            Level::RoomDirectory => &["pools", "categories", "addins", "rooms"],
            Level::Content => &["pools", "categories", "addins", "rooms", "messages"],
            Level::All => &[
                "pools",
                "principals",
                "categories",
                "addins",
                "rooms",
                "policies",
                "policyGrants",
                "complianceConfigurations",
                "configurations",
                "endpoints",
                "states",
                "activeServers",
                "messages",
            ],
        }
    }
}

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    pub level: Level,
    /// Category names or `POOL\NAME` identities; empty: all.
    pub scope: Vec<String>,
    /// Only messages posted at or after (microseconds).
    pub start_date: Option<i64>,
    /// Disable the exported rooms afterwards (categories have no disabled state).
    pub disable_exported_nodes: bool,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Manifest {
    format: String,
    version: u32,
    level: Level,
    scope: Vec<String>,
    start_date: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MessageRecord {
    id: i64,
    room: String,
    sender: String,
    posted_at: i64,
    body: String,
}

/// Why an archive could not be written or read, or an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the archive is not a pchat data export: {0}")]
    Format(String),
    #[error(
        "{count} objects of the archive already exist in the store (first: {first}); pass \
         --force to overwrite them"
    )]
    Exists { count: usize, first: String },
    #[error("the import would break the store's rules:\n{0}")]
    Refused(crate::ops::Refusal),
    /// The archive passes a limit, or is ambiguous: nothing of it is loaded.
    #[error("{0}")]
    Limit(String),
}

/// What an import brought in.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub objects: usize,
    pub messages: usize,
    pub revision: i64,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {} and {} (store revision {})",
            crate::plural(self.objects, "object"),
            crate::plural(self.messages, "message"),
            self.revision
        )
    }
}

fn in_scope(scope: &[String], id: &ObjectId) -> bool {
    scope.is_empty()
        || scope
            .iter()
            .any(|s| same_name(s, &id.name) || same_name(s, &id.to_string()))
}

fn json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).expect("data serializes");
    v.push(b'\n');
    v
}

/// Exports the store's data as a zip archive (in memory).
///
/// # Errors
/// Store failures; the writer lock when `disable_exported_nodes` is set.
pub async fn export(store: &Store, opts: &ExportOptions) -> Result<Vec<u8>, DataError> {
    let mut tx = store.write().await?;
    let state = tx.read_state().await?;
    let messages = tx
        .messages(None, opts.start_date)
        .await?
        .unwrap_or_default();
    let files = opts.level.files();
    let wanted = |k: &str| files.contains(&k);
    let categories: Vec<&Category> = state
        .categories
        .iter()
        .filter(|(id, _)| in_scope(&opts.scope, id))
        .map(|(_, c)| c)
        .collect();
    let room_ids: BTreeSet<&ObjectId> = state
        .rooms
        .iter()
        .filter(|(id, r)| {
            in_scope(
                &opts.scope,
                &ObjectId::new(id.pool.clone(), r.category.clone()),
            )
        })
        .map(|(id, _)| id)
        .collect();
    let mut entries: Vec<(String, Vec<u8>)> = vec![(
        "manifest.json".into(),
        json(&Manifest {
            format: FORMAT.into(),
            version: VERSION,
            level: opts.level,
            scope: opts.scope.clone(),
            start_date: opts.start_date,
        }),
    )];
    let mut add = |name: &str, bytes: Vec<u8>| {
        if wanted(name) {
            entries.push((format!("{name}.json"), bytes));
        }
    };
    // Every kind whole, but categories and rooms: a scoped export takes those in its scope.
    let mut kinds = Vec::new();
    each_kind!(whole, &state, &mut kinds);
    for (kind, bytes) in kinds {
        let bytes = match kind {
            Kind::Category => json(&categories),
            Kind::Room => json(
                &room_ids
                    .iter()
                    .map(|id| &state.rooms[*id])
                    .collect::<Vec<_>>(),
            ),
            _ => bytes,
        };
        add(kind.key(), bytes);
    }
    let records: Vec<MessageRecord> = messages
        .iter()
        .filter(|m| room_ids.contains(&m.room))
        .map(|m| MessageRecord {
            id: m.id,
            room: m.room.to_string(),
            sender: m.sender.clone(),
            posted_at: m.posted_at,
            body: m.body.clone(),
        })
        .collect();
    add("messages", json(&records));

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // A fixed time makes the archive a function of its content.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, bytes) in &entries {
        zip.start_file(name.as_str(), options)
            .and_then(|()| zip.write_all(bytes).map_err(Into::into))
            .map_err(|e| DataError::Format(format!("cannot write {name}: {e}")))?;
    }
    let bytes = zip
        .finish()
        .map_err(|e| DataError::Format(format!("cannot finish the archive: {e}")))?
        .into_inner();

    let touches_rooms = wanted("rooms");
    if opts.disable_exported_nodes && touches_rooms && !room_ids.is_empty() {
        for id in &room_ids {
            let mut r = state.rooms[*id].clone();
            r.disabled = true;
            tx.update_room(id, &r).await?;
        }
        tx.commit_write().await?;
    } else {
        tx.finish().await?;
    }
    Ok(bytes)
}

/// The entry names a pchat archive may hold.
fn known_entries() -> Vec<String> {
    let mut names = vec!["manifest.json".to_string(), "messages.json".to_string()];
    names.extend(Kind::ALL.iter().map(|k| format!("{}.json", k.key())));
    names
}

/// Reads an archive's entries (within the default limits).
pub fn entries(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, DataError> {
    let mut archive = Archive::open(bytes, ArchiveLimits::default(), &known_entries())?;
    let mut out = Vec::new();
    for name in archive.names() {
        let content = archive.bytes(&name)?.unwrap_or_default();
        out.push((name, content));
    }
    Ok(out)
}

/// Reads one kind's entry into `doc`; the first failure is kept in `result`. The same object
/// twice is refused: one of them would silently win.
fn parse_kind<T: Object>(
    archive: &mut Archive<'_>,
    doc: &mut Document,
    result: &mut Result<(), DataError>,
) {
    if result.is_err() {
        return;
    }
    let name = format!("{}.json", T::KIND.key());
    match archive.json::<Vec<T>>(&name) {
        Ok(list) => {
            let list = list.unwrap_or_default();
            let mut seen: std::collections::HashMap<String, usize> = Default::default();
            for (i, object) in list.iter().enumerate() {
                if let Some(first) = seen.insert(object.identity(), i) {
                    *result = Err(DataError::Limit(format!(
                        "`{name}` holds {} twice, at [{first}] and [{i}]: which one is meant \
                         cannot be told",
                        T::KIND.label(&object.identity())
                    )));
                    return;
                }
            }
            *T::declared_mut(doc) = list;
        }
        Err(e) => *result = Err(e),
    }
}

/// Imports an archive. Objects that already exist are refused unless `force`; the global
/// settings, pool states and active servers always exist and are simply set.
///
/// # Errors
/// `Format` for a foreign or broken archive, `Exists` for conflicts without `force`, `Refused`
/// when the result would break the model's rules. Nothing is written then.
pub async fn import(
    store: &Store,
    bytes: &[u8],
    force: bool,
    limits: ArchiveLimits,
    progress: &crate::progress::Reporter,
) -> Result<ImportSummary, DataError> {
    use crate::progress::Unit;
    progress.begin("reading the archive", bytes.len() as u64, Unit::Bytes);
    let (doc, messages) = read_archive(bytes, limits)?;
    progress.advance(bytes.len() as u64);
    let mut tx = store.write().await?;
    let state = tx.read_state().await?;
    let before = rules::validate(&state);
    let (incoming, _) = DesiredState::from_documents(vec![(0, doc)]);

    // Conflicts: objects that exist and are not singletons.
    let mut conflicts: Vec<String> = Vec::new();
    each_kind!(conflicts_of, &incoming, &state, &mut conflicts);
    let existing_messages: BTreeSet<i64> = tx
        .messages(None, None)
        .await?
        .unwrap_or_default()
        .iter()
        .map(|m| m.id)
        .collect();
    for m in messages
        .iter()
        .filter(|m| existing_messages.contains(&m.id))
    {
        conflicts.push(format!("message {}", m.id));
    }
    if !conflicts.is_empty() && !force {
        tx.finish().await?;
        return Err(DataError::Exists {
            count: conflicts.len(),
            first: conflicts[0].clone(),
        });
    }

    // Judge the merged state by the model's rules before writing anything.
    let mut merged = state.clone();
    each_kind!(merge, &mut merged, &incoming);
    if let Err(refusal) = crate::ops::check(&before, &merged) {
        tx.finish().await?;
        return Err(DataError::Refused(refusal));
    }

    write_objects(&mut tx, &state, &incoming).await?;
    let replaced: Vec<i64> = messages
        .iter()
        .map(|m| m.id)
        .filter(|id| existing_messages.contains(id))
        .collect();
    tx.delete_messages(&replaced).await?;
    progress.begin("importing messages", messages.len() as u64, Unit::Messages);
    for chunk in messages.chunks(1_000) {
        tx.insert_messages(chunk).await?;
        progress.advance(chunk.len() as u64);
    }
    progress.begin("committing", 0, Unit::Unknown);
    let revision = tx.commit_write().await?;
    progress.finish();
    let mut objects = 0;
    each_kind!(count, &incoming, &mut objects);
    Ok(ImportSummary {
        objects,
        messages: messages.len(),
        revision,
    })
}

/// A kind's objects as an archive entry (categories and rooms are scoped by the caller).
fn whole<T: Object>(state: &DesiredState, out: &mut Vec<(Kind, Vec<u8>)>) {
    let bytes = match T::KIND {
        Kind::Category | Kind::Room => Vec::new(),
        _ => json(&T::map(state).values().collect::<Vec<_>>()),
    };
    out.push((T::KIND, bytes));
}

/// The objects and messages of an archive, its manifest checked.
fn read_archive(
    bytes: &[u8],
    limits: ArchiveLimits,
) -> Result<(Document, Vec<Message>), DataError> {
    let mut archive = Archive::open(bytes, limits, &known_entries())?;
    let manifest: Manifest = archive
        .json("manifest.json")?
        .ok_or_else(|| DataError::Format("it has no manifest.json".into()))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(DataError::Format(format!(
            "format `{}` version {}, this pchat reads `{FORMAT}` version {VERSION}",
            manifest.format, manifest.version
        )));
    }
    let mut doc = Document::default();
    let mut parsed = Ok(());
    each_kind!(parse_kind, &mut archive, &mut doc, &mut parsed);
    parsed?;
    if let Some(at) = crate::model::storable::nul_paths(&doc).first() {
        return Err(DataError::Format(format!(
            "`{at}` {}",
            crate::model::storable::WHY
        )));
    }
    let records: Vec<MessageRecord> = archive.json("messages.json")?.unwrap_or_default();
    let mut ids: std::collections::HashMap<i64, usize> = Default::default();
    for (i, r) in records.iter().enumerate() {
        use crate::model::storable::{has_nul, WHY};
        if let Some(field) = [("room", &r.room), ("sender", &r.sender), ("body", &r.body)]
            .into_iter()
            .find_map(|(f, v)| has_nul(v).then_some(f))
        {
            return Err(DataError::Format(format!(
                "`messages.json` [{i}].{field} {WHY}"
            )));
        }
        if let Some(first) = ids.insert(r.id, i) {
            return Err(DataError::Limit(format!(
                "`messages.json` holds message {} twice, at [{first}] and [{i}]: which one is \
                 meant cannot be told",
                r.id
            )));
        }
    }
    let messages: Vec<Message> = records
        .into_iter()
        .map(|r| {
            let room: ObjectId = r.room.parse().map_err(DataError::Format)?;
            Ok(Message {
                id: r.id,
                room,
                sender: r.sender,
                posted_at: r.posted_at,
                body: r.body,
            })
        })
        .collect::<Result<_, DataError>>()?;
    Ok((doc, messages))
}

/// Objects of a kind an archive brings that the store has already. Pools, pool states and
/// active servers are set, never in conflict; nor are the global settings, which always exist.
fn conflicts_of<T: Object>(incoming: &DesiredState, state: &DesiredState, out: &mut Vec<String>) {
    if matches!(T::KIND, Kind::Pool | Kind::State | Kind::ActiveServers) {
        return;
    }
    let live = T::map(state);
    for k in T::map(incoming).keys() {
        let global = T::KIND.desc().reset_not_removed && k.to_string() == "global";
        if !global && live.contains_key(k) {
            out.push(T::KIND.label(&k.to_string()));
        }
    }
}

fn merge<T: Object>(merged: &mut DesiredState, incoming: &DesiredState) {
    T::map_mut(merged).extend(T::map(incoming).clone());
}

fn count<T: Object>(state: &DesiredState, n: &mut usize) {
    *n += T::map(state).len();
}

/// Writes what an archive brings: new objects in bulk, existing ones changed in place.
async fn write_objects(
    tx: &mut crate::store::Tx<'_>,
    state: &DesiredState,
    incoming: &DesiredState,
) -> Result<(), DataError> {
    let new_pools: Vec<Pool> = incoming
        .pools
        .iter()
        .filter(|(k, _)| !state.pools.contains_key(*k))
        .map(|(_, p)| p.clone())
        .collect();
    tx.insert_pools(&new_pools).await?;
    let principals: Vec<Principal> = incoming.principals.values().cloned().collect();
    tx.upsert_principals(&principals).await?;
    let (new, old) = split_new(&incoming.categories, &state.categories);
    tx.insert_categories(&new).await?;
    for (k, c) in old {
        tx.update_category(k, c).await?;
    }
    let (new, old) = split_new(&incoming.addins, &state.addins);
    tx.insert_addins(&new).await?;
    for (k, a) in old {
        tx.update_addin(k, a).await?;
    }
    let (new, old) = split_new(&incoming.rooms, &state.rooms);
    tx.insert_rooms(&new).await?;
    for (k, r) in old {
        tx.update_room(k, r).await?;
    }
    tx.upsert_settings(incoming).await?;
    for (k, e) in &incoming.endpoints {
        if state.endpoints.contains_key(k) {
            tx.delete_endpoint(k).await?;
        }
        tx.insert_endpoint(e, false).await?;
    }
    Ok(())
}

/// The incoming objects the store lacks (to insert) and those it has (to update).
fn split_new<'a, K: Ord, T: Clone>(
    incoming: &'a std::collections::BTreeMap<K, T>,
    live: &std::collections::BTreeMap<K, T>,
) -> (Vec<T>, Vec<(&'a K, &'a T)>) {
    let (new, old): (Vec<_>, Vec<_>) = incoming.iter().partition(|(k, _)| !live.contains_key(*k));
    (new.into_iter().map(|(_, x)| x.clone()).collect(), old)
}
