//! Reading the store into the model: the live state as a [`DesiredState`], in one transaction.

use std::collections::HashMap;

use super::{on_tx, Result, Tx};
use crate::model::*;

type PrincipalRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
);
type CategoryRow = (i64, String, String, String, bool, bool, bool);
type RoomRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    bool,
);
const PRINCIPAL_COLUMNS: &str = "SELECT principal_key, principal_type, sip_address, \
     distinguished_name, display_name, site, enabled FROM principals";

fn insert_principals(s: &mut DesiredState, rows: Vec<PrincipalRow>) {
    for (key, t, sip, dn, display, site, enabled) in rows {
        s.principals.insert(
            key,
            Principal {
                principal_type: PrincipalType::from_name(&t).unwrap_or(PrincipalType::User),
                sip_address: sip,
                distinguished_name: dn,
                display_name: display,
                site,
                enabled,
                members: vec![],
            },
        );
    }
}

/// A room row with its category's and add-in's names (`ROOM_COLUMNS`).
const ROOM_COLUMNS: &str = "SELECT r.id, r.pool, r.name, c.name, r.description, r.room_type, \
     r.privacy, a.name, r.invitations, r.disabled \
     FROM rooms r JOIN categories c ON c.id = r.category_id \
     LEFT JOIN addins a ON a.id = r.addin_id";

/// [`ROOM_COLUMNS`] packed (see [`Tx::fetch_large`]); JSON wants `disabled` as `true`/`false`,
/// where SQLite keeps 1/0.
const ROOMS_PACKED: Packed = Packed {
    row: "json_array(r.id, r.pool, r.name, c.name, r.description, r.room_type, r.privacy, \
          a.name, r.invitations, json(iif(r.disabled, 'true', 'false')))",
    from: "FROM rooms r JOIN categories c ON c.id = r.category_id \
           LEFT JOIN addins a ON a.id = r.addin_id",
    key: "r.id",
    keys: ("rooms", "id"),
    width: 20_000,
};

/// A large read from SQLite (see [`Tx::fetch_large`]): each row as a JSON array, where the
/// rows come from, and the indexed integer column they are read in ranges of.
pub(super) struct Packed {
    /// One row: `json_array(…)`.
    pub row: &'static str,
    /// `FROM …` with its joins, and no `WHERE`.
    pub from: &'static str,
    /// The column ranges are taken on, as `from` names it…
    pub key: &'static str,
    /// …and as its own table names it: `(table, column)`.
    pub keys: (&'static str, &'static str),
    /// How many key values a range spans: each range's rows come as one JSON text of a few MB.
    pub width: i64,
}

/// What a one-object command reads beyond everything but rooms and users (see
/// [`Tx::read_state_focused`]).
#[derive(Debug, Default)]
pub struct Focus {
    /// Rooms by identity.
    pub rooms: Vec<ObjectId>,
    /// Categories and add-ins all of whose rooms are read.
    pub rooms_of_categories: Vec<ObjectId>,
    pub rooms_of_addins: Vec<ObjectId>,
    /// Principals the command names, beyond those on the rooms read and their categories.
    pub principals: Vec<String>,
}

/// Puts a listed principal on the room's list of that role.
fn push_listed(room: &mut Room, role: &str, principal: String) {
    match role {
        "member" => room.members.push(principal),
        "manager" => room.managers.push(principal),
        "presenter" => room.presenters.push(principal),
        _ => {} // pchat writes no other role (`store::write::object_rows`).
    }
}

/// A room row as its id, identity and room (lists empty).
fn room_of(row: RoomRow) -> (i64, ObjectId, Room) {
    let (id, pool, name, category, description, t, privacy, addin, inv, disabled) = row;
    let key = ObjectId::new(pool.clone(), name.clone());
    let room = Room {
        name,
        previous_names: vec![],
        persistent_chat_pool_fqdn: Some(pool),
        category,
        description,
        room_type: RoomType::from_name(&t).unwrap_or_default(),
        privacy: Privacy::from_name(&privacy).unwrap_or_default(),
        addin,
        invitations: if inv == "False" {
            RoomInvitations::False
        } else {
            RoomInvitations::Inherit
        },
        disabled,
        members: vec![],
        managers: vec![],
        presenters: vec![],
        lifecycle: Lifecycle::default(),
    };
    (id, key, room)
}

type ComplianceRow = (
    String,
    String,
    String,
    String,
    i64,
    bool,
    bool,
    bool,
    bool,
    String,
);

/// Rows packed as one JSON array of JSON arrays (see [`Tx::fetch_large`]), each as `R`.
fn unpack<R: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<R>> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)).into())
}

fn scope(s: &str) -> Scope {
    // The store only ever holds identities pchat wrote; anything else reads as a site.
    s.parse().unwrap_or_else(|_| Scope::Site(s.to_string()))
}

impl Tx<'_> {
    /// Every row a query returns, on either backend.
    async fn fetch<R>(&mut self, sql: &str) -> Result<Vec<R>>
    where
        R: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        Ok(on_tx!(self, |c| sqlx::query_as(sql)
            .fetch_all(&mut *c)
            .await?))
    }

    /// Every row of a large read. On SQLite the rows come packed, a range of keys at a time
    /// as one JSON array of rows (`packed` selects from the same rows as `plain`): sqlx copies
    /// every value SQLite hands it and hands rows over one by one, and for 100k rooms that
    /// costs more than their text (10 columns a row: 0.8 s as values, 0.27 s as a JSON array
    /// a row, 0.13 s as one JSON text per 20k rows). The rows of a range may come in any order.
    /// On PostgreSQL they come through `COPY` ([`Self::copy_all`]): its values are cheap, its
    /// JSON is not, and its row objects cost the client twice what `COPY`'s text lines do.
    pub(super) async fn fetch_large<R>(&mut self, plain: &str, packed: &Packed) -> Result<Vec<R>>
    where
        R: serde::de::DeserializeOwned + super::copy::FromCopy,
    {
        match self.inner_mut() {
            super::TxInner::Sqlite(_) => self.fetch_packed(packed).await,
            super::TxInner::Postgres(_) => self.copy_all(plain).await,
        }
    }

    /// [`Self::fetch_large`] on SQLite.
    async fn fetch_packed<R: serde::de::DeserializeOwned>(
        &mut self,
        packed: &Packed,
    ) -> Result<Vec<R>> {
        let super::TxInner::Sqlite(c) = self.inner_mut() else {
            unreachable!("called for SQLite only")
        };
        let (table, column) = packed.keys;
        // Ranges of key values, not of rows: a range query then costs its rows alone. Where
        // the keys thin out (rows removed), the next range starts at the next key.
        let next = format!("SELECT min({column}) FROM {table} WHERE {column} >= ?1");
        let range = format!(
            "SELECT json_group_array({}), count(*) {} WHERE {key} >= ?1 AND {key} <= ?2",
            packed.row,
            packed.from,
            key = packed.key
        );
        let mut rows = Vec::new();
        let mut from = Some(i64::MIN);
        while let Some(low) = from {
            let found: Option<i64> = sqlx::query_scalar(&next)
                .bind(low)
                .fetch_one(&mut **c)
                .await?;
            let Some(mut low) = found else { break };
            loop {
                let high = low.saturating_add(packed.width - 1);
                let (text, n): (String, i64) = sqlx::query_as(&range)
                    .bind(low)
                    .bind(high)
                    .fetch_one(&mut **c)
                    .await?;
                rows.extend(unpack::<R>(&text)?);
                from = high.checked_add(1);
                match from {
                    Some(l) if n > 0 => low = l,
                    _ => break,
                }
            }
        }
        Ok(rows)
    }

    /// Every row of `plain`, with `args` bound as text in order; on SQLite `packed` selects the
    /// same rows as one JSON array of rows (see [`Self::fetch_large`]).
    pub(super) async fn fetch_by_text<R>(
        &mut self,
        plain: &str,
        packed: &str,
        args: &[&str],
    ) -> Result<Vec<R>>
    where
        R: Send
            + Unpin
            + serde::de::DeserializeOwned
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let super::TxInner::Sqlite(c) = self.inner_mut() else {
            return self.fetch_pg(plain, args).await;
        };
        let mut q = sqlx::query_scalar(packed);
        for a in args {
            q = q.bind(*a);
        }
        let text: String = q.fetch_one(&mut **c).await?;
        unpack(&text)
    }

    /// Every row of `sql` on PostgreSQL, with `args` bound as text in order.
    async fn fetch_pg<R>(&mut self, sql: &str, args: &[&str]) -> Result<Vec<R>>
    where
        R: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let limit = self.statement_limit();
        let super::TxInner::Postgres(c) = self.inner_mut() else {
            unreachable!("called for PostgreSQL only")
        };
        let _watch = super::watch::watch("statement", limit);
        let mut q = sqlx::query_as(sql);
        for a in args {
            q = q.bind(*a);
        }
        Ok(q.fetch_all(&mut **c).await?)
    }

    /// Reads every object in the store.
    pub async fn read_state(&mut self) -> Result<DesiredState> {
        let (mut s, ids) = self.read_state_but_room_lists().await?;
        let lists = self.read_room_lists().await?;
        attach_room_lists(&mut s, &ids, lists);
        Ok(s)
    }

    /// Each room's members, managers and presenters, in room-id order. A row an entry:
    /// aggregating them a room at a time costs the store more than it saves (an ordered
    /// aggregate sorts each room's entries).
    pub(super) async fn read_room_lists(&mut self) -> Result<Vec<RoomLists>> {
        let sql = format!("{PG_ENTRIES} ORDER BY room_id, role, position");
        let entries = self.fetch_large(&sql, &LISTS_PACKED).await?;
        Ok(group_entries(entries))
    }

    /// Everything but the rooms' lists, and the room ids in id order with their identities.
    pub(super) async fn read_state_but_room_lists(
        &mut self,
    ) -> Result<(DesiredState, Vec<(i64, ObjectId)>)> {
        let mut s = DesiredState::default();
        self.read_pools(&mut s).await?;
        self.read_principals(&mut s).await?;
        self.read_categories(&mut s).await?;
        self.read_addins(&mut s).await?;
        let ids = self.read_rooms(&mut s).await?;
        self.read_policies(&mut s).await?;
        self.read_settings(&mut s).await?;
        self.read_endpoints(&mut s).await?;
        self.read_services(&mut s).await?;
        self.read_facts(&mut s).await?;
        Ok((s, ids))
    }

    /// What the last loaded snapshot could not read, and the rooms it reported chat content
    /// for (`LiveFacts`; few rows, read whole on every path).
    async fn read_facts(&mut self, s: &mut DesiredState) -> Result<()> {
        let unknown: Vec<(String, String, String, String)> = self
            .fetch("SELECT kind, identity, field, why FROM live_unknown ORDER BY kind, identity, field")
            .await?;
        for (kind, identity, field, why) in unknown {
            match Kind::from_key(&kind) {
                Some(Kind::ActiveServers) => {
                    s.facts.unknown_active_servers.insert(identity, why);
                }
                Some(kind) if identity.is_empty() => {
                    s.facts.unknown_fields.insert((kind, field), why);
                }
                // Written by no pchat this one knows: not trusted to leave anything out.
                _ => {}
            }
        }
        let content: Vec<(String, String)> = self
            .fetch(
                "SELECT r.pool, r.name FROM live_chat_content c JOIN rooms r ON r.id = c.room_id",
            )
            .await?;
        s.facts.chat_content.extend(
            content
                .into_iter()
                .map(|(pool, name)| ObjectId::new(pool, name)),
        );
        Ok(())
    }

    /// What a command about one object needs, at a cost that does not grow with the store's
    /// other rooms or users: everything but rooms and users; then the rooms `focus` names from
    /// that (each found without regard to case, by the index on `lower(pool), lower(name)`),
    /// and every room of the categories and add-ins it names, with their lists; then the users
    /// those rooms, their categories and `focus`'s further principals name (groups and OUs are
    /// read whole: they say who is under them).
    pub async fn read_state_focused(
        &mut self,
        focus: impl FnOnce(&DesiredState) -> Focus,
    ) -> Result<DesiredState> {
        let mut s = DesiredState::default();
        self.read_pools(&mut s).await?;
        self.read_categories(&mut s).await?;
        self.read_addins(&mut s).await?;
        self.read_policies(&mut s).await?;
        self.read_settings(&mut s).await?;
        self.read_endpoints(&mut s).await?;
        self.read_services(&mut s).await?;
        self.read_facts(&mut s).await?;
        let Focus {
            rooms,
            rooms_of_categories,
            rooms_of_addins,
            principals: named,
        } = focus(&s);
        self.read_rooms_batch(&mut s, &rooms).await?;
        for (table, column, ids) in [
            ("categories", "category_id", &rooms_of_categories),
            ("addins", "addin_id", &rooms_of_addins),
        ] {
            for id in ids {
                self.read_rooms_under(&mut s, table, column, id).await?;
            }
        }
        // Each name once, and each category's once, before any is normalized.
        let mut seen: std::collections::HashSet<&str> = named.iter().map(String::as_str).collect();
        let mut categories = std::collections::HashSet::new();
        for r in s.rooms.values() {
            seen.extend(r.named().map(String::as_str));
            let pool = r.persistent_chat_pool_fqdn.as_deref().unwrap_or_default();
            if categories.insert((pool, r.category.as_str())) {
                let category = ObjectId::new(pool, r.category.clone());
                if let Some(c) = s.categories.get(&category) {
                    seen.extend(c.named().map(String::as_str));
                }
            }
        }
        let keys: std::collections::BTreeSet<String> = seen
            .into_iter()
            .map(crate::model::principal::key_or_text)
            .collect();
        self.read_principals_named(&mut s, &keys).await?;
        Ok(s)
    }

    /// Every group and OU, and the users among `keys`, with the groups' members.
    async fn read_principals_named(
        &mut self,
        s: &mut DesiredState,
        keys: &std::collections::BTreeSet<String>,
    ) -> Result<()> {
        let mut rows: Vec<PrincipalRow> = self
            .fetch(&format!(
                "{PRINCIPAL_COLUMNS} WHERE principal_type <> 'User'"
            ))
            .await?;
        let keys: Vec<&String> = keys.iter().collect();
        // PostgreSQL: every key in one statement (an array); a round trip per 500 keys was
        // what a partial plan of 5,000 rooms waited on.
        let limit = self.statement_limit();
        if let super::TxInner::Postgres(c) = self.inner_mut() {
            let _watch = super::watch::watch("statement", limit);
            let found: Vec<PrincipalRow> = sqlx::query_as(&format!(
                "{PRINCIPAL_COLUMNS} WHERE principal_type = 'User' AND principal_key = ANY($1)"
            ))
            .bind(&keys)
            .fetch_all(&mut **c)
            .await?;
            rows.extend(found);
            insert_principals(s, rows);
            return self.read_group_members(s).await;
        }
        for chunk in keys.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let filter = format!(
                "WHERE principal_type = 'User' AND principal_key IN ({})",
                marks.join(", ")
            );
            let packed = format!(
                "SELECT json_group_array(json_array(principal_key, principal_type, sip_address, \
                 distinguished_name, display_name, site, json(iif(enabled, 'true', 'false')))) \
                 FROM principals {filter}"
            );
            let args: Vec<&str> = chunk.iter().map(|k| k.as_str()).collect();
            let found: Vec<PrincipalRow> = self
                .fetch_by_text(&format!("{PRINCIPAL_COLUMNS} {filter}"), &packed, &args)
                .await?;
            rows.extend(found);
        }
        insert_principals(s, rows);
        self.read_group_members(s).await
    }

    /// Only these rooms (with their lists): what showing them needs.
    pub async fn read_rooms_named(&mut self, ids: &[ObjectId]) -> Result<DesiredState> {
        let mut s = DesiredState::default();
        for id in ids {
            self.read_one_room(&mut s, id).await?;
        }
        Ok(s)
    }

    /// Every room of the category or add-in `id` (found without regard to case), with its
    /// lists: two indexed queries, whatever the store's size.
    async fn read_rooms_under(
        &mut self,
        s: &mut DesiredState,
        table: &str,
        column: &str,
        id: &ObjectId,
    ) -> Result<()> {
        let owner = format!(
            "(SELECT id FROM {table} WHERE lower(pool) = lower($1) AND lower(name) = lower($2))"
        );
        let sql = format!("{ROOM_COLUMNS} WHERE r.{column} = {owner}");
        let rows: Vec<RoomRow> = on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(&id.pool)
            .bind(&id.name)
            .fetch_all(&mut *c)
            .await?);
        let lists = format!(
            "SELECT p.room_id, p.role, p.principal FROM room_principals p \
             JOIN rooms r ON r.id = p.room_id WHERE r.{column} = {owner} \
             ORDER BY p.room_id, p.role, p.position"
        );
        let lists: Vec<(i64, String, String)> = on_tx!(self, |c| sqlx::query_as(&lists)
            .bind(&id.pool)
            .bind(&id.name)
            .fetch_all(&mut *c)
            .await?);
        let mut by_id = std::collections::HashMap::new();
        for row in rows {
            let (room_id, key, room) = room_of(row);
            by_id.insert(room_id, (key, room));
        }
        for (room_id, role, principal) in lists {
            if let Some((_, room)) = by_id.get_mut(&room_id) {
                push_listed(room, &role, principal);
            }
        }
        s.rooms.extend(by_id.into_values());
        Ok(())
    }

    /// These rooms with their lists, a few hundred a query (a plan of one edited file reads
    /// thousands).
    async fn read_rooms_batch(&mut self, s: &mut DesiredState, ids: &[ObjectId]) -> Result<()> {
        if ids.len() < 4 {
            for id in ids {
                self.read_one_room(s, id).await?;
            }
            return Ok(());
        }
        let mut by_pool: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
        // Each name once: a focus may name a room twice (as it was and as it is declared).
        let ids: std::collections::HashSet<&ObjectId> = ids.iter().collect();
        for id in ids {
            by_pool
                .entry(id.pool.to_ascii_lowercase())
                .or_default()
                .push(&id.name);
        }
        let mut found = std::collections::HashMap::new();
        for (pool, names) in &by_pool {
            for chunk in names.chunks(500) {
                let marks: Vec<String> = (2..chunk.len() + 2)
                    .map(|i| format!("lower(${i})"))
                    .collect();
                let filter = format!(
                    "WHERE lower(r.pool) = lower($1) AND lower(r.name) IN ({})",
                    marks.join(", ")
                );
                let packed = format!(
                    "SELECT json_group_array({}) {} {filter}",
                    ROOMS_PACKED.row, ROOMS_PACKED.from
                );
                let mut args = vec![pool.as_str()];
                args.extend(chunk);
                let rows: Vec<RoomRow> = self
                    .fetch_by_text(&format!("{ROOM_COLUMNS} {filter}"), &packed, &args)
                    .await?;
                for row in rows {
                    let (room_id, key, room) = room_of(row);
                    found.insert(room_id, (key, room));
                }
            }
        }
        let room_ids: Vec<i64> = found.keys().copied().collect();
        for (room_id, members, managers, presenters) in self.read_lists_of(&room_ids).await? {
            if let Some((_, room)) = found.get_mut(&room_id) {
                room.members = members;
                room.managers = managers;
                room.presenters = presenters;
            }
        }
        s.rooms.extend(found.into_values());
        Ok(())
    }

    /// These rooms' lists, 500 rooms a query.
    async fn read_lists_of(&mut self, room_ids: &[i64]) -> Result<Vec<RoomLists>> {
        let mut entries: Vec<ListEntry> = Vec::new();
        for chunk in room_ids.chunks(500) {
            if let super::TxInner::Postgres(_) = self.inner_mut() {
                // `COPY` takes no parameters; the ids are integers, written as such.
                let ids: Vec<String> = chunk.iter().map(i64::to_string).collect();
                let sql = format!("{PG_ENTRIES} WHERE room_id IN ({})", ids.join(", "));
                entries.extend(self.copy_all::<ListEntry>(&sql).await?);
                continue;
            }
            let super::TxInner::Sqlite(c) = self.inner_mut() else {
                unreachable!("PostgreSQL is read above")
            };
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let packed = format!(
                "SELECT json_group_array({}) {} WHERE room_id IN ({})",
                LISTS_PACKED.row,
                LISTS_PACKED.from,
                marks.join(", ")
            );
            let mut q = sqlx::query_scalar(&packed);
            for id in chunk {
                q = q.bind(*id);
            }
            let text: String = q.fetch_one(&mut **c).await?;
            entries.extend(unpack::<ListEntry>(&text)?);
        }
        Ok(group_entries(entries))
    }

    async fn read_one_room(&mut self, s: &mut DesiredState, id: &ObjectId) -> Result<()> {
        let sql =
            format!("{ROOM_COLUMNS} WHERE lower(r.pool) = lower($1) AND lower(r.name) = lower($2)");
        let row: Option<RoomRow> = on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(&id.pool)
            .bind(&id.name)
            .fetch_optional(&mut *c)
            .await?);
        let Some(row) = row else {
            return Ok(());
        };
        let (room_id, key, mut room) = room_of(row);
        let lists: Vec<(String, String)> = on_tx!(self, |c| {
            sqlx::query_as(
            "SELECT role, principal FROM room_principals WHERE room_id = $1 ORDER BY role, position",
        )
        .bind(room_id)
        .fetch_all(&mut *c)
        .await?
        });
        for (role, principal) in lists {
            push_listed(&mut room, &role, principal);
        }
        s.rooms.insert(key, room);
        Ok(())
    }

    async fn read_pools(&mut self, s: &mut DesiredState) -> Result<()> {
        let pools: Vec<(String, Option<String>)> = self
            .fetch("SELECT fqdn, site FROM pools ORDER BY fqdn")
            .await?;
        let servers: Vec<(String, String)> = self
            .fetch("SELECT pool, server FROM pool_servers ORDER BY pool, position")
            .await?;
        for (fqdn, site) in pools {
            s.pools.insert(
                fqdn.to_ascii_lowercase(),
                Pool {
                    fqdn,
                    site,
                    servers: vec![],
                },
            );
        }
        for (pool, server) in servers {
            if let Some(p) = s.pools.get_mut(&pool.to_ascii_lowercase()) {
                p.servers.push(server);
            }
        }
        Ok(())
    }

    async fn read_principals(&mut self, s: &mut DesiredState) -> Result<()> {
        let rows: Vec<PrincipalRow> = self.fetch(PRINCIPAL_COLUMNS).await?;
        insert_principals(s, rows);
        self.read_group_members(s).await
    }

    /// Each group's members, onto the groups `s` holds.
    async fn read_group_members(&mut self, s: &mut DesiredState) -> Result<()> {
        let members: Vec<(String, String)> = self
            .fetch("SELECT principal_key, member FROM principal_members ORDER BY principal_key, position")
            .await?;
        for (key, m) in members {
            if let Some(p) = s.principals.get_mut(&key) {
                p.members.push(m);
            }
        }
        Ok(())
    }

    async fn read_categories(&mut self, s: &mut DesiredState) -> Result<()> {
        let categories: Vec<CategoryRow> = self
            .fetch(
                "SELECT id, pool, name, description, invitations, file_upload, chat_history \
             FROM categories",
            )
            .await?;
        let mut category_ids = HashMap::with_capacity(categories.len());
        for (id, pool, name, description, invitations, file_upload, chat_history) in categories {
            let key = ObjectId::new(pool.clone(), name.clone());
            category_ids.insert(id, key.clone());
            s.categories.insert(
                key,
                Category {
                    name,
                    previous_names: vec![],
                    persistent_chat_pool_fqdn: Some(pool),
                    description,
                    allowed_members: vec![],
                    denied_members: vec![],
                    creators: vec![],
                    invitations,
                    file_upload,
                    chat_history,
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        let lists: Vec<(i64, String, String)> = self
            .fetch(
                "SELECT category_id, role, principal FROM category_principals \
             ORDER BY category_id, role, position",
            )
            .await?;
        for (id, role, principal) in lists {
            let Some(cat) = category_ids.get(&id).and_then(|k| s.categories.get_mut(k)) else {
                continue;
            };
            match role.as_str() {
                "allowed" => cat.allowed_members.push(principal),
                "denied" => cat.denied_members.push(principal),
                "creator" => cat.creators.push(principal),
                _ => {} // pchat writes no other role (`store::write::object_rows`).
            }
        }
        Ok(())
    }

    async fn read_addins(&mut self, s: &mut DesiredState) -> Result<()> {
        let addins: Vec<(String, String, String)> =
            self.fetch("SELECT pool, name, url FROM addins").await?;
        for (pool, name, url) in addins {
            s.addins.insert(
                ObjectId::new(pool.clone(), name.clone()),
                Addin {
                    name,
                    previous_names: vec![],
                    persistent_chat_pool_fqdn: Some(pool),
                    url,
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        Ok(())
    }

    async fn read_rooms(&mut self, s: &mut DesiredState) -> Result<Vec<(i64, ObjectId)>> {
        let mut rooms: Vec<RoomRow> = self
            .fetch_large(&format!("{ROOM_COLUMNS} ORDER BY r.id"), &ROOMS_PACKED)
            .await?;
        // Packed rows come in key order in practice, which SQLite does not promise.
        if !rooms.is_sorted_by_key(|r| r.0) {
            rooms.sort_unstable_by_key(|r| r.0);
        }
        let mut room_keys: Vec<(i64, ObjectId)> = Vec::with_capacity(rooms.len());
        let mut built: Vec<Room> = Vec::with_capacity(rooms.len());
        for row in rooms {
            let (id, key, room) = room_of(row);
            room_keys.push((id, key));
            built.push(room);
        }
        s.rooms = room_keys
            .iter()
            .map(|(_, k)| k.clone())
            .zip(built)
            .collect();
        Ok(room_keys)
    }

    async fn read_policies(&mut self, s: &mut DesiredState) -> Result<()> {
        let policies: Vec<(String, bool, String)> = self
            .fetch("SELECT identity, enable_persistent_chat, description FROM policies")
            .await?;
        for (identity, enable, description) in policies {
            let identity = scope(&identity);
            s.policies.insert(
                identity.clone(),
                PersistentChatPolicy {
                    identity,
                    enable_persistent_chat: enable,
                    description,
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        let grants: Vec<(String, String, String)> = self
            .fetch("SELECT user_key, identity, policy FROM policy_grants")
            .await?;
        for (key, identity, policy) in grants {
            s.policy_grants.insert(
                key,
                PolicyGrant {
                    identity,
                    policy_name: policy.strip_prefix("tag:").unwrap_or(&policy).to_string(),
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        Ok(())
    }

    async fn read_settings(&mut self, s: &mut DesiredState) -> Result<()> {
        let compliance: Vec<ComplianceRow> = self
            .fetch(
                "SELECT identity, adapter_type, adapter_name, adapter_output_directory, \
             run_interval_seconds, one_chat_room_per_output_file, add_chat_room_details, \
             add_user_details, create_file_attachments_manifest, custom_configuration \
             FROM compliance_configurations",
            )
            .await?;
        for (identity, at, an, dir, secs, one, room, user, manifest, custom) in compliance {
            let identity = scope(&identity);
            s.compliance_configurations.insert(
                identity.clone(),
                ComplianceConfiguration {
                    identity,
                    adapter_type: at,
                    adapter_name: an,
                    adapter_output_directory: dir,
                    run_interval: TimeSpan::from_secs(secs.max(0) as u64),
                    one_chat_room_per_output_file: one,
                    add_chat_room_details: room,
                    add_user_details: user,
                    create_file_attachments_manifest: manifest,
                    custom_configuration: custom,
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        let configurations: Vec<(String, i64, i64, i64, Option<String>)> = self
            .fetch(
                "SELECT identity, default_chat_history, participant_update_limit, \
             max_file_size_kb, room_management_url FROM configurations",
            )
            .await?;
        for (identity, history, limit, max_kb, url) in configurations {
            let identity = scope(&identity);
            s.configurations.insert(
                identity.clone(),
                PersistentChatConfiguration {
                    identity,
                    default_chat_history: history as u32,
                    participant_update_limit: limit as u32,
                    max_file_size_kb: max_kb as u32,
                    room_management_url: url,
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        Ok(())
    }

    async fn read_endpoints(&mut self, s: &mut DesiredState) -> Result<()> {
        let endpoints: Vec<(String, String, String, Option<String>)> = self
            .fetch("SELECT sip_key, sip_address, pool, display_name FROM endpoints")
            .await?;
        for (key, sip, pool, display) in endpoints {
            s.endpoints.insert(
                key,
                Endpoint {
                    sip_address: sip,
                    persistent_chat_pool_fqdn: Some(pool),
                    display_name: display,
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        Ok(())
    }

    async fn read_services(&mut self, s: &mut DesiredState) -> Result<()> {
        let states: Vec<(String, String)> =
            self.fetch("SELECT pool, pool_state FROM states").await?;
        for (pool, state) in states {
            let id = ServiceId { pool };
            s.states.insert(
                id.clone(),
                PersistentChatState {
                    identity: id,
                    pool_state: PoolState::from_name(&state).unwrap_or_default(),
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        let active: Vec<(String, String)> = self
            .fetch("SELECT pool, server FROM active_servers ORDER BY pool, position")
            .await?;
        // Every pool has an active-server list, empty or not, as the service has.
        for p in s.pools.values() {
            let servers = ActiveServers::new(&p.fqdn, vec![]);
            s.active_servers.insert(servers.identity.clone(), servers);
        }
        for (pool, server) in active {
            if let Some(a) = s.active_servers.get_mut(&ServiceId { pool }) {
                a.active_servers.push(server);
            }
        }
        Ok(())
    }
}

/// A room's id and its members, managers and presenters, each in position order.
pub(super) type RoomLists = (i64, Vec<String>, Vec<String>, Vec<String>);

/// Every list entry of every room, packed (see [`Tx::fetch_large`]).
const LISTS_PACKED: Packed = Packed {
    row: "json_array(room_id, role, position, principal)",
    from: "FROM room_principals",
    key: "room_id",
    keys: ("room_principals", "room_id"),
    width: 4_000,
};

/// Every list entry as PostgreSQL reads it through `COPY` (a `WHERE` or `ORDER BY` may follow),
/// each role a small integer ([`role_of`]) rather than its text.
const PG_ENTRIES: &str = "SELECT room_id, CASE role WHEN 'manager' THEN 0::int2 \
     WHEN 'member' THEN 1::int2 WHEN 'presenter' THEN 2::int2 ELSE 3::int2 END, position, \
     principal FROM room_principals";

/// A role as [`PG_ENTRIES`] codes it.
fn role_of(code: i64) -> Role {
    match code {
        0 => Role::Manager,
        1 => Role::Member,
        2 => Role::Presenter,
        _ => Role::Other,
    }
}

/// A list entry as [`LISTS_PACKED`] reads it: room id, role, position, principal.
#[derive(serde::Deserialize)]
struct ListEntry(i64, Role, i64, String);

impl super::copy::FromCopy for ListEntry {
    /// As [`PG_ENTRIES`] selects it.
    fn from_copy(r: &mut super::copy::CopyRow<'_>) -> Result<Self> {
        let (room, code, position) = (r.int()?, r.int()?, r.int()?);
        Ok(ListEntry(room, role_of(code), position, r.string()?))
    }
}

impl ListEntry {
    fn order(&self) -> (i64, Role, i64) {
        (self.0, self.1, self.2)
    }
}

/// A list's role, ordered as its stored text is; read without copying the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Manager,
    Member,
    Presenter,
    /// pchat writes no other role (`store::write::object_rows`); one written by hand is not read.
    Other,
}

impl<'de> serde::Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = Role;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a role")
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Role, E> {
                Ok(match v {
                    "manager" => Role::Manager,
                    "member" => Role::Member,
                    "presenter" => Role::Presenter,
                    _ => Role::Other,
                })
            }
        }
        d.deserialize_str(Name)
    }
}

/// Entries into each room's lists, in room-id order.
fn group_entries(mut entries: Vec<ListEntry>) -> Vec<RoomLists> {
    // Packed rows come in key order in practice, which SQLite does not promise.
    if !entries.is_sorted_by_key(ListEntry::order) {
        entries.sort_unstable_by_key(ListEntry::order);
    }
    let mut lists: Vec<RoomLists> = Vec::new();
    for ListEntry(room, role, _, principal) in entries {
        if lists.last().map(|l| l.0) != Some(room) {
            lists.push((room, vec![], vec![], vec![]));
        }
        let (_, members, managers, presenters) = lists.last_mut().expect("just pushed");
        match role {
            Role::Member => members.push(principal),
            Role::Manager => managers.push(principal),
            Role::Presenter => presenters.push(principal),
            Role::Other => {}
        }
    }
    lists
}

/// Puts the lists (in room-id order) on their rooms; `ids` pairs room ids, ascending, with
/// identities.
pub(super) fn attach_room_lists(
    s: &mut DesiredState,
    ids: &[(i64, ObjectId)],
    lists: Vec<RoomLists>,
) {
    // Both sides are in room-id order: a merge, not a search per room.
    let mut i = 0;
    for (room_id, members, managers, presenters) in lists {
        while i < ids.len() && ids[i].0 < room_id {
            i += 1;
        }
        if i == ids.len() || ids[i].0 != room_id {
            continue;
        }
        if let Some(r) = s.rooms.get_mut(&ids[i].1) {
            r.members = members;
            r.managers = managers;
            r.presenters = presenters;
        }
    }
}

/// The key the store files a principal under (its normalized identity), or the text itself.
pub(super) use crate::model::principal::key_or_text as key_of;

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries in any order group as entries in key order do: SQLite does not promise the
    /// order of an aggregate's rows, so `group_entries` sorts what comes out of order.
    #[test]
    fn list_entries_group_in_position_order_whatever_order_they_come_in() {
        let text = r#"[[7, "member", 1, "sip:b@x"], [3, "presenter", 0, "sip:p@x"],
            [7, "manager", 0, "sip:m@x"], [7, "member", 0, "sip:a@x"], [7, "owner", 0, "sip:o@x"],
            [3, "member", 4, "sip:z\"q@x"], [3, "member", 2, "sip:y@x"]]"#;
        let entries: Vec<ListEntry> = unpack(text).unwrap();
        let s = |v: &[&str]| v.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(
            group_entries(entries),
            vec![
                (3, s(&["sip:y@x", "sip:z\"q@x"]), s(&[]), s(&["sip:p@x"])),
                (7, s(&["sip:a@x", "sip:b@x"]), s(&["sip:m@x"]), s(&[])),
            ]
        );
    }
}
