//! Writing model objects into the store. Large inserts go in multi-row statements, chunked
//! under both backends' bind-parameter limits. Callers hold a write transaction.

use std::collections::HashMap;

use sqlx::QueryBuilder;

use super::read::key_of;
use super::{on_tx, Result, Tx};
use crate::model::*;

/// Binds per statement: under SQLite's 32766 and PostgreSQL's 65535.
const MAX_BINDS: usize = 30_000;

/// A room's id and identity, as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomRef {
    pub id: i64,
    pub identity: ObjectId,
}

fn pool_of(field: &Option<String>) -> &str {
    field.as_deref().unwrap_or_default()
}

/// A statement's parameter, as the tables hold it (see [`exec!`]).
#[derive(Debug, Clone, Copy)]
pub(super) enum Arg<'a> {
    Text(&'a str),
    Opt(Option<&'a str>),
    Int(i64),
    Bool(bool),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(s)
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(s)
    }
}
impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(s: Option<&'a str>) -> Self {
        Arg::Opt(s)
    }
}
impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(s: &'a Option<String>) -> Self {
        Arg::Opt(s.as_deref())
    }
}
impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}
impl From<bool> for Arg<'_> {
    fn from(b: bool) -> Self {
        Arg::Bool(b)
    }
}

/// `exec!(tx, SQL, a, b, …)`: runs one statement on either backend, each value bound as the
/// [`Arg`] it converts to.
macro_rules! exec {
    ($tx:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $tx.exec($sql, &[$($crate::store::write::Arg::from($arg)),*])
    };
}
pub(super) use exec;

/// Rows of a principal list: (owner id, role, position, principal).
fn list_rows<'a>(
    id: i64,
    role: &'static str,
    list: &'a [String],
) -> impl Iterator<Item = (i64, &'static str, i64, &'a str)> {
    list.iter()
        .enumerate()
        .map(move |(i, p)| (id, role, i as i64, p.as_str()))
}

/// Rows of one object's principal lists (a category's or a room's): each list goes under the
/// role the kind layer gives it, `lists` in the order the kind describes them.
fn object_rows(
    kind: Kind,
    id: i64,
    lists: [&[String]; 3],
) -> impl Iterator<Item = (i64, &'static str, i64, &str)> {
    let roles = kind.desc().fields.iter().filter_map(|f| match f.stored {
        Stored::Rows { role, .. } => role,
        _ => None,
    });
    roles
        .zip(lists)
        .flat_map(move |(role, list)| list_rows(id, role, list))
}

impl Tx<'_> {
    /// Replaces an object's principal lists: its rows in `table` go, `rows` come in.
    async fn replace_lists(
        &mut self,
        table: &str,
        owner: &str,
        row: i64,
        rows: Vec<(i64, &'static str, i64, &str)>,
    ) -> Result<()> {
        let sql = format!("DELETE FROM {table} WHERE {owner} = $1");
        on_tx!(self, |c| {
            sqlx::query(&sql).bind(row).execute(&mut *c).await?;
        });
        self.insert_lists(table, owner, &rows).await
    }

    async fn next_id(&mut self, table: &str) -> Result<i64> {
        let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
        Ok(on_tx!(self, |c| sqlx::query_scalar(&sql)
            .fetch_one(&mut *c)
            .await?))
    }

    async fn insert_lists(
        &mut self,
        table: &str,
        owner: &str,
        rows: &[(i64, &'static str, i64, &str)],
    ) -> Result<()> {
        let limit = self.statement_limit();
        if let super::TxInner::Postgres(t) = self.inner_mut() {
            let _watch = super::watch::watch("statement", limit);
            // Arrays through UNNEST: one small statement per 100k rows instead of a huge one
            // per 7.5k that the server must parse and plan.
            for chunk in rows.chunks(100_000) {
                let ids: Vec<i64> = chunk.iter().map(|r| r.0).collect();
                let roles: Vec<&str> = chunk.iter().map(|r| r.1).collect();
                let positions: Vec<i64> = chunk.iter().map(|r| r.2).collect();
                let principals: Vec<&str> = chunk.iter().map(|r| r.3).collect();
                sqlx::query(&format!(
                    "INSERT INTO {table} ({owner}, role, position, principal) \
                     SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[])"
                ))
                .bind(ids)
                .bind(roles)
                .bind(positions)
                .bind(principals)
                .execute(&mut **t)
                .await?;
            }
            return Ok(());
        }
        for chunk in rows.chunks(MAX_BINDS / 4) {
            let head = format!("INSERT INTO {table} ({owner}, role, position, principal) ");
            on_tx!(self, |c| {
                let mut qb = QueryBuilder::<Db>::new(head);
                qb.push_values(chunk, |mut b, &(id, role, pos, p)| {
                    b.push_bind(id).push_bind(role).push_bind(pos).push_bind(p);
                });
                qb.build().execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    /// Runs one statement whose parameters are all text; the rows it touched.
    pub(super) async fn simple(&mut self, sql: &str, args: &[&str]) -> Result<u64> {
        let args: Vec<Arg<'_>> = args.iter().map(|s| Arg::Text(s)).collect();
        self.exec(sql, &args).await
    }

    /// Runs one statement with its parameters (see [`exec!`]); the rows it touched.
    pub(super) async fn exec(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        Ok(on_tx!(self, |c| {
            let mut q = sqlx::query::<Db>(sql);
            for a in args {
                q = match *a {
                    Arg::Text(s) => q.bind(s),
                    Arg::Opt(s) => q.bind(s),
                    Arg::Int(n) => q.bind(n),
                    Arg::Bool(b) => q.bind(b),
                };
            }
            q.execute(&mut *c).await?.rows_affected()
        }))
    }

    /// Adds pools with their servers, a `Normal` state, and every server active.
    pub async fn insert_pools(&mut self, pools: &[Pool]) -> Result<()> {
        for p in pools {
            exec!(
                self,
                "INSERT INTO pools (fqdn, site) VALUES ($1, $2)",
                &p.fqdn,
                &p.site
            )
            .await?;
            let state = "INSERT INTO states (pool, pool_state) VALUES ($1, 'Normal')";
            exec!(self, state, &p.fqdn).await?;
            for table in ["pool_servers", "active_servers"] {
                self.set_servers(table, &p.fqdn, &p.servers).await?;
            }
        }
        Ok(())
    }

    /// Replaces a pool's list of servers in `table` (`pool_servers`, `active_servers`).
    async fn set_servers(&mut self, table: &str, pool: &str, servers: &[String]) -> Result<()> {
        self.simple(&format!("DELETE FROM {table} WHERE pool = $1"), &[pool])
            .await?;
        let insert = format!("INSERT INTO {table} (pool, position, server) VALUES ($1, $2, $3)");
        for (i, s) in servers.iter().enumerate() {
            exec!(self, &insert, pool, i as i64, s).await?;
        }
        Ok(())
    }

    /// Changes a pool's site and servers (its state and active servers stay).
    pub async fn update_pool(&mut self, p: &Pool) -> Result<()> {
        exec!(
            self,
            "UPDATE pools SET site = $2 WHERE fqdn = $1",
            &p.fqdn,
            &p.site
        )
        .await?;
        self.set_servers("pool_servers", &p.fqdn, &p.servers).await
    }

    /// Adds or replaces directory principals.
    pub async fn upsert_principals(&mut self, principals: &[Principal]) -> Result<()> {
        for p in principals {
            let key = key_of(p.identity());
            self.simple("DELETE FROM principals WHERE principal_key = $1", &[&key])
                .await?;
        }
        self.insert_principals(principals).await
    }

    /// Adds directory principals that are not in the store yet, in bulk.
    pub async fn insert_principals(&mut self, principals: &[Principal]) -> Result<()> {
        let keyed: Vec<(String, &Principal)> = principals
            .iter()
            .map(|p| (key_of(p.identity()), p))
            .collect();
        for chunk in keyed.chunks(MAX_BINDS / 7) {
            on_tx!(self, |c| {
                let mut qb = QueryBuilder::<Db>::new(
                    "INSERT INTO principals (principal_key, principal_type, sip_address, \
                     distinguished_name, display_name, site, enabled) ",
                );
                qb.push_values(chunk, |mut b, (key, p)| {
                    b.push_bind(key.as_str())
                        .push_bind(p.principal_type.as_str())
                        .push_bind(p.sip_address.as_deref())
                        .push_bind(p.distinguished_name.as_deref())
                        .push_bind(p.display_name.as_deref())
                        .push_bind(p.site.as_deref())
                        .push_bind(p.enabled);
                });
                qb.build().execute(&mut *c).await?;
            });
        }
        let members: Vec<(&str, i64, &str)> = keyed
            .iter()
            .flat_map(|(key, p)| {
                p.members
                    .iter()
                    .enumerate()
                    .map(move |(i, m)| (key.as_str(), i as i64, m.as_str()))
            })
            .collect();
        for chunk in members.chunks(MAX_BINDS / 3) {
            on_tx!(self, |c| {
                let mut qb = QueryBuilder::<Db>::new(
                    "INSERT INTO principal_members (principal_key, position, member) ",
                );
                qb.push_values(chunk, |mut b, &(key, i, m)| {
                    b.push_bind(key).push_bind(i).push_bind(m);
                });
                qb.build().execute(&mut *c).await?;
            });
        }
        Ok(())
    }
    /// Adds categories with their principal lists.
    pub async fn insert_categories(&mut self, categories: &[Category]) -> Result<()> {
        let first = self.next_id("categories").await?;
        for chunk in categories.chunks(MAX_BINDS / 7).enumerate() {
            let (n, chunk) = chunk;
            let base = first + (n * (MAX_BINDS / 7)) as i64;
            on_tx!(self, |c| {
                let mut qb = QueryBuilder::<Db>::new(
                    "INSERT INTO categories (id, pool, name, description, invitations, file_upload, chat_history) ",
                );
                qb.push_values(chunk.iter().enumerate(), |mut b, (i, cat)| {
                    b.push_bind(base + i as i64)
                        .push_bind(pool_of(&cat.persistent_chat_pool_fqdn))
                        .push_bind(&cat.name)
                        .push_bind(&cat.description)
                        .push_bind(cat.invitations)
                        .push_bind(cat.file_upload)
                        .push_bind(cat.chat_history);
                });
                qb.build().execute(&mut *c).await?;
            });
        }
        let rows: Vec<_> = categories
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                let id = first + i as i64;
                let lists = [&c.allowed_members[..], &c.denied_members, &c.creators];
                object_rows(Kind::Category, id, lists)
            })
            .collect();
        self.insert_lists("category_principals", "category_id", &rows)
            .await
    }

    /// Replaces a category's fields and lists; its rooms stay.
    pub async fn update_category(&mut self, id: &ObjectId, cat: &Category) -> Result<()> {
        let row: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
                "UPDATE categories SET description = $3, invitations = $4, file_upload = $5, \
                 chat_history = $6 WHERE pool = $1 AND name = $2 RETURNING id",
            )
            .bind(&id.pool)
            .bind(&id.name)
            .bind(&cat.description)
            .bind(cat.invitations)
            .bind(cat.file_upload)
            .bind(cat.chat_history)
            .fetch_one(&mut *c)
            .await?
        });
        let lists = [&cat.allowed_members[..], &cat.denied_members, &cat.creators];
        let rows = object_rows(Kind::Category, row, lists).collect();
        self.replace_lists("category_principals", "category_id", row, rows)
            .await
    }

    /// Removes a category, room or add-in; the rows that belong to it (its lists, a room's
    /// messages) go with it by `ON DELETE CASCADE`.
    pub async fn delete_pooled(&mut self, kind: Kind, id: &ObjectId) -> Result<u64> {
        debug_assert_eq!(kind.desc().naming, crate::model::Naming::Pooled);
        let table = kind.desc().table;
        let sql = format!("DELETE FROM {table} WHERE pool = $1 AND name = $2");
        self.simple(&sql, &[&id.pool, &id.name]).await
    }

    pub async fn insert_addins(&mut self, addins: &[Addin]) -> Result<()> {
        let first = self.next_id("addins").await?;
        for (i, a) in addins.iter().enumerate() {
            let pool = pool_of(&a.persistent_chat_pool_fqdn);
            let insert = "INSERT INTO addins (id, pool, name, url) VALUES ($1, $2, $3, $4)";
            exec!(self, insert, first + i as i64, pool, &a.name, &a.url).await?;
        }
        Ok(())
    }

    pub async fn update_addin(&mut self, id: &ObjectId, a: &Addin) -> Result<u64> {
        self.simple(
            "UPDATE addins SET url = $3 WHERE pool = $1 AND name = $2",
            &[&id.pool, &id.name, &a.url],
        )
        .await
    }

    /// Removes an add-in, detaching it from the rooms that show it.
    pub async fn delete_addin(&mut self, id: &ObjectId) -> Result<u64> {
        self.simple(
            "UPDATE rooms SET addin_id = NULL WHERE addin_id = \
             (SELECT id FROM addins WHERE pool = $1 AND name = $2)",
            &[&id.pool, &id.name],
        )
        .await?;
        self.delete_pooled(Kind::Addin, id).await
    }

    /// Ids of the named objects of a pool-scoped table, for references.
    async fn ids(&mut self, table: &str) -> Result<HashMap<(String, String), i64>> {
        let sql = format!("SELECT id, pool, name FROM {table}");
        let rows: Vec<(i64, String, String)> =
            on_tx!(self, |c| sqlx::query_as(&sql).fetch_all(&mut *c).await?);
        Ok(rows.into_iter().map(|(id, p, n)| ((p, n), id)).collect())
    }

    /// Adds rooms with their lists; their categories and add-ins must be in the store.
    pub async fn insert_rooms<R: std::borrow::Borrow<Room> + Sync>(
        &mut self,
        rooms: &[R],
    ) -> Result<Vec<RoomRef>> {
        let categories = self.ids("categories").await?;
        let addins = self.ids("addins").await?;
        let first = self.next_id("rooms").await?;
        let lookup = |map: &HashMap<(String, String), i64>, pool: &str, name: &str| {
            map.get(&(pool.to_string(), name.to_string())).copied()
        };
        let mut refs = Vec::with_capacity(rooms.len());
        let mut resolved = Vec::with_capacity(rooms.len());
        for (i, r) in rooms.iter().enumerate() {
            let r: &Room = r.borrow();
            let pool = pool_of(&r.persistent_chat_pool_fqdn);
            // A missing category fails the insert on the foreign key: id 0 never exists.
            let category = lookup(&categories, pool, &r.category).unwrap_or(0);
            let addin = r
                .addin
                .as_deref()
                .map(|a| lookup(&addins, pool, a).unwrap_or(0));
            let id = first + i as i64;
            refs.push(RoomRef {
                id,
                identity: ObjectId::new(pool, r.name.clone()),
            });
            resolved.push((id, category, addin, r));
        }
        for chunk in resolved.chunks(MAX_BINDS / 10) {
            on_tx!(self, |c| {
                let mut qb = QueryBuilder::<Db>::new(
                    "INSERT INTO rooms (id, pool, name, category_id, description, room_type, \
                     privacy, addin_id, invitations, disabled) ",
                );
                qb.push_values(chunk, |mut b, &(id, category, addin, r)| {
                    b.push_bind(id)
                        .push_bind(pool_of(&r.persistent_chat_pool_fqdn))
                        .push_bind(&r.name)
                        .push_bind(category)
                        .push_bind(&r.description)
                        .push_bind(r.room_type.as_str())
                        .push_bind(r.privacy.as_str())
                        .push_bind(addin)
                        .push_bind(r.invitations.as_str())
                        .push_bind(r.disabled);
                });
                qb.build().execute(&mut *c).await?;
            });
        }
        // The lists' rows a slice of rooms at a time: 100k rooms' rows at once are tens of MB.
        for chunk in resolved.chunks(20_000) {
            let rows: Vec<_> = chunk
                .iter()
                .flat_map(|&(id, _, _, r)| {
                    object_rows(Kind::Room, id, [&r.members[..], &r.managers, &r.presenters])
                })
                .collect();
            self.insert_lists("room_principals", "room_id", &rows)
                .await?;
        }
        Ok(refs)
    }

    /// Replaces a room's fields and lists (a changed category or add-in is looked up by name).
    pub async fn update_room(&mut self, id: &ObjectId, r: &Room) -> Result<()> {
        let row: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
                "UPDATE rooms SET category_id = COALESCE((SELECT id FROM categories WHERE pool = $1 AND name = $3), 0), \
                 description = $4, room_type = $5, privacy = $6, \
                 addin_id = (SELECT id FROM addins WHERE pool = $1 AND name = $7), \
                 invitations = $8, disabled = $9 WHERE pool = $1 AND name = $2 RETURNING id",
            )
            .bind(&id.pool)
            .bind(&id.name)
            .bind(&r.category)
            .bind(&r.description)
            .bind(r.room_type.as_str())
            .bind(r.privacy.as_str())
            .bind(&r.addin)
            .bind(r.invitations.as_str())
            .bind(r.disabled)
            .fetch_one(&mut *c)
            .await?
        });
        let rows = object_rows(
            Kind::Room,
            row,
            [&r.members[..], &r.managers, &r.presenters],
        )
        .collect();
        self.replace_lists("room_principals", "room_id", row, rows)
            .await
    }

    pub async fn upsert_policy(&mut self, p: &PersistentChatPolicy) -> Result<()> {
        let identity = p.identity.to_string();
        let upsert = "INSERT INTO policies (identity, enable_persistent_chat, description) \
                      VALUES ($1, $2, $3) ON CONFLICT (identity) DO UPDATE SET \
                      enable_persistent_chat = excluded.enable_persistent_chat, \
                      description = excluded.description";
        exec!(
            self,
            upsert,
            &identity,
            p.enable_persistent_chat,
            &p.description
        )
        .await?;
        Ok(())
    }

    /// Writes every policy, policy grant, scoped setting, pool state and active-server list of
    /// `s`, each replacing its row.
    pub async fn upsert_settings(&mut self, s: &DesiredState) -> Result<()> {
        for p in s.policies.values() {
            self.upsert_policy(p).await?;
        }
        for g in s.policy_grants.values() {
            self.upsert_grant(g).await?;
        }
        for c in s.compliance_configurations.values() {
            self.upsert_compliance(c).await?;
        }
        for c in s.configurations.values() {
            self.upsert_configuration(c).await?;
        }
        for st in s.states.values() {
            self.set_state(st).await?;
        }
        for a in s.active_servers.values() {
            self.set_active_servers(a).await?;
        }
        Ok(())
    }

    /// Removes a scoped setting (policy, compliance configuration, configuration); the global
    /// one is reset to its defaults instead, as the service always has one.
    pub async fn delete_setting(&mut self, kind: Kind, scope: &Scope) -> Result<u64> {
        if *scope == Scope::Global {
            let global = || Scope::Global;
            match kind {
                Kind::Policy => {
                    self.upsert_policy(&PersistentChatPolicy::defaults(global()))
                        .await?
                }
                Kind::ComplianceConfiguration => {
                    self.upsert_compliance(&ComplianceConfiguration::defaults(global()))
                        .await?
                }
                _ => {
                    self.upsert_configuration(&PersistentChatConfiguration::defaults(global()))
                        .await?
                }
            }
            return Ok(1);
        }
        let sql = format!("DELETE FROM {} WHERE identity = $1", kind.desc().table);
        self.simple(&sql, &[&scope.to_string()]).await
    }

    pub async fn upsert_grant(&mut self, g: &PolicyGrant) -> Result<()> {
        let key = key_of(&g.identity);
        let policy = format!("tag:{}", g.policy_name);
        self.simple("DELETE FROM policy_grants WHERE user_key = $1", &[&key])
            .await?;
        self.simple(
            "INSERT INTO policy_grants (user_key, identity, policy) VALUES ($1, $2, $3)",
            &[&key, &g.identity, &policy],
        )
        .await?;
        Ok(())
    }

    pub async fn delete_grant(&mut self, user: &str) -> Result<u64> {
        self.simple(
            "DELETE FROM policy_grants WHERE user_key = $1",
            &[&key_of(user)],
        )
        .await
    }

    pub async fn upsert_compliance(&mut self, x: &ComplianceConfiguration) -> Result<()> {
        let identity = x.identity.to_string();
        self.simple(
            "DELETE FROM compliance_configurations WHERE identity = $1",
            &[&identity],
        )
        .await?;
        let insert = "INSERT INTO compliance_configurations (identity, adapter_type, adapter_name, \
                      adapter_output_directory, run_interval_seconds, one_chat_room_per_output_file, \
                      add_chat_room_details, add_user_details, create_file_attachments_manifest, \
                      custom_configuration) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        exec!(
            self,
            insert,
            &identity,
            &x.adapter_type,
            &x.adapter_name,
            &x.adapter_output_directory,
            x.run_interval.as_secs() as i64,
            x.one_chat_room_per_output_file,
            x.add_chat_room_details,
            x.add_user_details,
            x.create_file_attachments_manifest,
            &x.custom_configuration
        )
        .await?;
        Ok(())
    }

    pub async fn upsert_configuration(&mut self, x: &PersistentChatConfiguration) -> Result<()> {
        let identity = x.identity.to_string();
        self.simple(
            "DELETE FROM configurations WHERE identity = $1",
            &[&identity],
        )
        .await?;
        let insert = "INSERT INTO configurations (identity, default_chat_history, \
                      participant_update_limit, max_file_size_kb, room_management_url) \
                      VALUES ($1, $2, $3, $4, $5)";
        let history = i64::from(x.default_chat_history);
        let (limit, size) = (
            i64::from(x.participant_update_limit),
            i64::from(x.max_file_size_kb),
        );
        exec!(
            self,
            insert,
            &identity,
            history,
            limit,
            size,
            &x.room_management_url
        )
        .await?;
        Ok(())
    }

    pub async fn insert_endpoint(&mut self, e: &Endpoint, is_default: bool) -> Result<()> {
        let insert = "INSERT INTO endpoints (sip_key, sip_address, pool, display_name, \
                      is_default) VALUES ($1, $2, $3, $4, $5)";
        let (key, pool) = (
            key_of(&e.sip_address),
            pool_of(&e.persistent_chat_pool_fqdn),
        );
        exec!(
            self,
            insert,
            &key,
            &e.sip_address,
            pool,
            &e.display_name,
            is_default
        )
        .await?;
        Ok(())
    }

    pub async fn delete_endpoint(&mut self, sip: &str) -> Result<u64> {
        self.simple("DELETE FROM endpoints WHERE sip_key = $1", &[&key_of(sip)])
            .await
    }

    pub async fn set_state(&mut self, s: &PersistentChatState) -> Result<u64> {
        self.simple(
            "UPDATE states SET pool_state = $2 WHERE pool = $1",
            &[&s.identity.pool, s.pool_state.as_str()],
        )
        .await
    }

    pub async fn set_active_servers(&mut self, a: &ActiveServers) -> Result<()> {
        let pool = &a.identity.pool;
        self.set_servers("active_servers", pool, &a.active_servers)
            .await
    }

    /// Writes a whole state into an empty store (import, seeding, benchmarks): pools, the
    /// directory, then each kind parents first.
    pub async fn insert_state(&mut self, s: &DesiredState) -> Result<()> {
        let pools: Vec<Pool> = s.pools.values().cloned().collect();
        self.insert_pools(&pools).await?;
        let principals: Vec<Principal> = s.principals.values().cloned().collect();
        self.insert_principals(&principals).await?;
        let categories: Vec<Category> = s.categories.values().cloned().collect();
        self.insert_categories(&categories).await?;
        let addins: Vec<Addin> = s.addins.values().cloned().collect();
        self.insert_addins(&addins).await?;
        let rooms: Vec<Room> = s.rooms.values().cloned().collect();
        self.insert_rooms(&rooms).await?;
        self.upsert_settings(s).await?;
        for e in s.endpoints.values() {
            self.insert_endpoint(e, false).await?;
        }
        Ok(())
    }
}

impl Tx<'_> {
    /// Renames a category, room or add-in row in place (its id, lists and messages stay) and
    /// moves its ownership record with it.
    pub async fn rename(&mut self, kind: Kind, from: &ObjectId, to: &ObjectId) -> Result<()> {
        let sql = format!(
            "UPDATE {} SET name = $3 WHERE pool = $1 AND name = $2",
            kind.desc().table
        );
        self.simple(&sql, &[&from.pool, &from.name, &to.name])
            .await?;
        self.simple(
            "UPDATE ownership SET identity = $3 WHERE kind = $1 AND identity = $2",
            &[kind.key(), &from.to_string(), &to.to_string()],
        )
        .await?;
        Ok(())
    }

    /// Writes the objects an operation touched, as they now are in `state`.
    pub async fn persist(
        &mut self,
        state: &DesiredState,
        touched: &[crate::ops::Touched],
    ) -> Result<()> {
        refuse_unstorable(state, touched)?;
        self.persist_checked(state, touched).await
    }

    /// [`Tx::persist`] of objects already judged storable (by `persist_net`, once for all).
    async fn persist_checked(
        &mut self,
        state: &DesiredState,
        touched: &[crate::ops::Touched],
    ) -> Result<()> {
        use crate::ops::{Effect, Touched};
        for t in touched {
            match t {
                Touched::Renamed(kind, from, to) => self.rename(*kind, from, to).await?,
                Touched::Pool(key, Effect::Created) => {
                    self.insert_pools(std::slice::from_ref(&state.pools[key]))
                        .await?
                }
                Touched::Pool(key, _) => self.update_pool(&state.pools[key]).await?,
                Touched::Principal(key, Effect::Removed) => {
                    self.simple("DELETE FROM principals WHERE principal_key = $1", &[key])
                        .await?;
                }
                Touched::Principal(key, _) => {
                    self.upsert_principals(std::slice::from_ref(&state.principals[key]))
                        .await?
                }
                Touched::Category(id, Effect::Created) => {
                    self.insert_categories(std::slice::from_ref(&state.categories[id]))
                        .await?
                }
                Touched::Category(id, Effect::Updated) => {
                    self.update_category(id, &state.categories[id]).await?
                }
                Touched::Category(id, Effect::Removed) => {
                    self.delete_pooled(Kind::Category, id).await?;
                }
                Touched::Room(id, Effect::Created) => {
                    self.insert_rooms(std::slice::from_ref(&state.rooms[id]))
                        .await?;
                }
                Touched::Room(id, Effect::Updated) => {
                    self.update_room(id, &state.rooms[id]).await?
                }
                Touched::Room(id, Effect::Removed) => {
                    self.delete_pooled(Kind::Room, id).await?;
                }
                Touched::Addin(id, Effect::Created) => {
                    self.insert_addins(std::slice::from_ref(&state.addins[id]))
                        .await?
                }
                Touched::Addin(id, Effect::Updated) => {
                    self.update_addin(id, &state.addins[id]).await?;
                }
                Touched::Addin(id, Effect::Removed) => {
                    self.delete_addin(id).await?;
                }
                Touched::Policy(s, Effect::Removed) => {
                    self.delete_setting(Kind::Policy, s).await?;
                }
                Touched::Policy(s, _) => self.upsert_policy(&state.policies[s]).await?,
                Touched::Grant(key, Effect::Removed) => {
                    self.delete_grant(key).await?;
                }
                Touched::Grant(key, _) => self.upsert_grant(&state.policy_grants[key]).await?,
                Touched::ComplianceConfiguration(s, Effect::Removed) => {
                    self.delete_setting(Kind::ComplianceConfiguration, s)
                        .await?;
                }
                Touched::ComplianceConfiguration(s, _) => {
                    self.upsert_compliance(&state.compliance_configurations[s])
                        .await?
                }
                Touched::Configuration(s, Effect::Removed) => {
                    self.delete_setting(Kind::Configuration, s).await?;
                }
                Touched::Configuration(s, _) => {
                    self.upsert_configuration(&state.configurations[s]).await?
                }
                Touched::Endpoint(key, Effect::Removed) => {
                    self.delete_endpoint(key).await?;
                }
                Touched::Endpoint(key, _) => {
                    self.insert_endpoint(&state.endpoints[key], false).await?
                }
                Touched::State(id) => {
                    self.set_state(&state.states[id]).await?;
                }
                Touched::ActiveServers(id) => {
                    self.set_active_servers(&state.active_servers[id]).await?
                }
            }
        }
        Ok(())
    }
}

impl Tx<'_> {
    /// Writes the net effect of many operations (an apply): each object once, as it ends up in
    /// `state` (a creation then a change is one insert). Creations go in bulk, parents first;
    /// then changes; then removals, children first.
    pub async fn persist_net(
        &mut self,
        state: &DesiredState,
        touched: &[crate::ops::Touched],
    ) -> Result<()> {
        use crate::ops::{Effect, Touched};
        use std::collections::HashMap;
        refuse_unstorable(state, touched)?;
        // Renames first, in order: what follows names the objects by their new names.
        for t in touched {
            if let Touched::Renamed(kind, from, to) = t {
                self.rename(*kind, from, to).await?;
            }
        }
        // Per object, in first-touched order: its first touch, that touch's effect and the net
        // effect of all. Keys are borrowed: 100k creations are 200k touches.
        let mut firsts: Vec<(&Touched, Effect, Effect)> = Vec::new();
        let mut at: HashMap<crate::ops::TouchedKey<'_>, usize> = HashMap::new();
        for t in touched {
            let Some((k, e)) = t.object() else { continue };
            match at.entry(k) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(firsts.len());
                    firsts.push((t, e, e));
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    let net = &mut firsts[*o.get()].2;
                    *net = match (*net, e) {
                        (Effect::Created, Effect::Removed) => Effect::Removed, // Never stored: see below.
                        (Effect::Created, _) => Effect::Created,
                        (Effect::Removed, Effect::Created) => Effect::Updated, // Replace: delete, insert.
                        (_, e) => e,
                    };
                }
            }
        }
        drop(at);
        // A creation's first touch is the creation; the others are written with their net effect.
        let mut creates: Vec<&Touched> = Vec::new();
        let mut updates: Vec<Touched> = Vec::new();
        let mut deletes: Vec<Touched> = Vec::new();
        for (t, first, e) in firsts {
            match (first, e) {
                (Effect::Created, Effect::Removed) => {}
                // Not in the store before this apply, there after it (also when removed and
                // created again in between): one insert.
                (Effect::Created, _) | (_, Effect::Created) => creates.push(t),
                (_, Effect::Updated) => updates.push(t.with_effect(e)),
                (_, Effect::Removed) => deletes.push(t.with_effect(e)),
            }
        }
        // Bulk creations, kind by kind in parent-first order.
        self.insert_pools(&owned(created(state, &creates))).await?;
        self.insert_principals(&owned(created(state, &creates)))
            .await?;
        self.insert_categories(&owned(created(state, &creates)))
            .await?;
        self.insert_addins(&owned(created(state, &creates))).await?;
        // Rooms by reference: 100k of them copied would be a fourth copy of the configuration.
        self.insert_rooms(&created::<Room>(state, &creates)).await?;
        let bulk = [
            Kind::Pool,
            Kind::Principal,
            Kind::Category,
            Kind::Addin,
            Kind::Room,
        ];
        let rest: Vec<Touched> = creates
            .into_iter()
            .filter(|t| !bulk.contains(&t.kind()))
            .cloned()
            .collect();
        self.persist_checked(state, &rest).await?;
        // Changes; a replaced endpoint is removed and inserted again.
        for t in &updates {
            if let Touched::Endpoint(k, _) = t {
                self.delete_endpoint(k).await?;
                self.insert_endpoint(&state.endpoints[k], false).await?;
            } else {
                self.persist_checked(state, std::slice::from_ref(t)).await?;
            }
        }
        // Removals, children first.
        deletes.sort_by_key(|t| std::cmp::Reverse(t.kind()));
        self.persist_checked(state, &deletes).await?;
        let tables = [
            "rooms",
            "room_principals",
            "principals",
            "principal_members",
        ];
        self.analyze_after_bulk(touched.len(), &tables).await
    }
}

/// Refuses an object touched that holds text the store cannot hold (a NUL), naming it and its
/// field: SQLite would keep it and PostgreSQL fail without a place, so neither sees it.
fn refuse_unstorable(state: &DesiredState, touched: &[crate::ops::Touched]) -> Result<()> {
    use crate::model::*;
    use crate::ops::Tracked;
    fn kind<T: Tracked>(state: &DesiredState, touched: &[crate::ops::Touched]) -> Result<()> {
        let map = T::map(state);
        let objects = touched.iter().filter_map(|t| map.get(T::key_in(t)?));
        for x in objects {
            if holds_nul(x) {
                let field = crate::model::storable::nul_paths(x).join(", ");
                return Err(super::StoreError::Unstorable {
                    what: format!("{}: `{field}`", T::KIND.label(&x.identity())),
                });
            }
        }
        Ok(())
    }
    kind::<Pool>(state, touched)?;
    kind::<Principal>(state, touched)?;
    kind::<Category>(state, touched)?;
    kind::<Addin>(state, touched)?;
    kind::<Room>(state, touched)?;
    kind::<PersistentChatPolicy>(state, touched)?;
    kind::<PolicyGrant>(state, touched)?;
    kind::<ComplianceConfiguration>(state, touched)?;
    kind::<PersistentChatConfiguration>(state, touched)?;
    kind::<Endpoint>(state, touched)?;
    kind::<PersistentChatState>(state, touched)?;
    kind::<ActiveServers>(state, touched)
}

/// Whether any string of a serialized value holds a NUL, found without building the value:
/// the serialization is scanned as it is written, for the `\u0000` escape JSON writes for one
/// (a backslash written as text comes out doubled, and so is told apart).
fn holds_nul<T: serde::Serialize + ?Sized>(value: &T) -> bool {
    /// Counts the backslashes in a row; an odd run followed by `u0000` is the escape.
    struct Scan {
        run: usize,
        tail: Option<usize>,
        found: bool,
    }
    impl std::io::Write for Scan {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            for &b in buf {
                if let Some(n) = self.tail {
                    let want = b"u0000"[n];
                    self.tail = (b == want).then_some(n + 1).filter(|&k| k < 5);
                    if b == want && n == 4 {
                        self.found = true;
                    }
                    if b != want {
                        self.run = usize::from(b == b'\\');
                    }
                    continue;
                }
                if b == b'\\' {
                    self.run += 1;
                } else {
                    if b == b'u' && self.run % 2 == 1 {
                        self.tail = Some(1);
                    }
                    self.run = 0;
                }
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut scan = Scan {
        run: 0,
        tail: None,
        found: false,
    };
    let _ = serde_json::to_writer(&mut scan, value);
    scan.found
}

/// The objects of one kind among `creates`, as they end up in `state`.
fn created<'s, T: crate::ops::Tracked>(
    state: &'s DesiredState,
    creates: &[&crate::ops::Touched],
) -> Vec<&'s T> {
    let map = T::map(state);
    creates
        .iter()
        .filter_map(|t| T::key_in(t))
        .map(|k| &map[k])
        .collect()
}

fn owned<T: Clone>(refs: Vec<&T>) -> Vec<T> {
    refs.into_iter().cloned().collect()
}

impl Tx<'_> {
    /// Makes `facts` (a loaded snapshot's) the store's: both tables rewritten whole. A room of
    /// `chat_content` is found without regard to case; one the store lacks is skipped.
    pub async fn write_facts(&mut self, facts: &crate::model::LiveFacts) -> Result<()> {
        for sql in ["DELETE FROM live_unknown", "DELETE FROM live_chat_content"] {
            on_tx!(self, |c| {
                sqlx::query(sql).execute(&mut *c).await?;
            });
        }
        let pools = facts.unknown_active_servers.iter().map(|(pool, why)| {
            (
                Kind::ActiveServers,
                pool.as_str(),
                "activeServers",
                why.as_str(),
            )
        });
        let fields = (facts.unknown_fields.iter())
            .map(|((kind, field), why)| (*kind, "", field.as_str(), why.as_str()));
        for (kind, identity, field, why) in pools.chain(fields) {
            let insert =
                "INSERT INTO live_unknown (kind, identity, field, why) VALUES ($1, $2, $3, $4)";
            exec!(self, insert, kind.key(), identity, field, why).await?;
        }
        for room in &facts.chat_content {
            let insert = "INSERT INTO live_chat_content (room_id) SELECT id FROM rooms \
                          WHERE lower(pool) = lower($1) AND lower(name) = lower($2)";
            exec!(self, insert, &room.pool, &room.name).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::holds_nul;

    #[test]
    fn a_nul_is_found_in_the_json_written_and_an_escaped_backslash_is_not_one() {
        for (text, nul) in [
            ("a\u{0}b", true),
            ("\u{0}", true),
            ("\\u0000", false),
            ("\\\u{0}", true),
            ("u0000", false),
            ("\\\\u0000", false),
        ] {
            assert_eq!(
                holds_nul(&serde_json::json!({"x": [text]})),
                nul,
                "{text:?}"
            );
        }
    }
}
