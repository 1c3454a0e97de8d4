//! Parsers for cmdlet parameter values: enums in the cmdlets' spelling (matched without regard
//! to case), identities, TimeSpans, and list modifiers.

use crate::model::*;
use crate::ops::ListChange;
use crate::suggest::nearest;

fn one_of<T: Copy>(s: &str, options: &[(&str, T)]) -> Result<T, String> {
    if let Some((_, v)) = options.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
        return Ok(*v);
    }
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let hint = nearest(s, names.iter().copied())
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    Err(format!("expected one of {}{hint}", names.join(", ")))
}

pub fn privacy(s: &str) -> Result<Privacy, String> {
    one_of(
        s,
        &[
            ("Open", Privacy::Open),
            ("Closed", Privacy::Closed),
            ("Secret", Privacy::Secret),
        ],
    )
}

pub fn room_type(s: &str) -> Result<RoomType, String> {
    one_of(
        s,
        &[
            ("Normal", RoomType::Normal),
            ("Auditorium", RoomType::Auditorium),
        ],
    )
}

pub fn invitations(s: &str) -> Result<RoomInvitations, String> {
    one_of(
        s,
        &[
            ("Inherit", RoomInvitations::Inherit),
            ("False", RoomInvitations::False),
        ],
    )
}

pub fn pool_state(s: &str) -> Result<PoolState, String> {
    one_of(
        s,
        &[
            ("Normal", PoolState::Normal),
            ("FailedOver", PoolState::FailedOver),
        ],
    )
}

/// A Boolean parameter's value as PowerShell writes it: `true`/`false`, `$True`/`$False` (any
/// case), or `1`/`0`.
pub fn boolean(s: &str) -> Result<bool, String> {
    let v = s.strip_prefix('$').unwrap_or(s);
    if v.eq_ignore_ascii_case("true") || v == "1" {
        Ok(true)
    } else if v.eq_ignore_ascii_case("false") || v == "0" {
        Ok(false)
    } else {
        Err("expected true or false ($True or $False)".into())
    }
}

pub fn scope(s: &str) -> Result<Scope, String> {
    s.parse()
}

/// `POOL_FQDN\NAME`, or a bare name (an empty pool), which the command resolves to the one
/// object of that name in any pool (resolved by the command), as the cmdlets take it.
pub fn object_id(s: &str) -> Result<ObjectId, String> {
    match s.parse() {
        Ok(id) => Ok(id),
        Err(_) if !s.is_empty() && !s.contains('\\') => Ok(ObjectId::new("", s)),
        Err(e) => Err(e),
    }
}

/// Whether an identity was given as a bare name (no pool).
pub fn is_bare(id: &ObjectId) -> bool {
    id.pool.is_empty()
}

pub fn service_id(s: &str) -> Result<ServiceId, String> {
    s.parse::<ServiceId>()
        .or_else(|_| format!("PersistentChatServer:{s}").parse())
}

pub fn timespan(s: &str) -> Result<TimeSpan, String> {
    s.parse()
}

/// `$Null`, `null` or an empty value: the cmdlets' way to clear a value.
pub fn is_null(s: &str) -> bool {
    s.is_empty() || s.eq_ignore_ascii_case("$null") || s.eq_ignore_ascii_case("null")
}

/// A list parameter as three flags and a clear switch.
pub fn list_change(
    replace: &Option<Vec<String>>,
    add: &[String],
    remove: &[String],
    clear: bool,
) -> ListChange {
    ListChange::new(
        if clear { Some(vec![]) } else { replace.clone() },
        add.to_vec(),
        remove.to_vec(),
    )
}

/// Declares the flags of one list parameter (`--members a;b`, `--members-add`,
/// `--members-remove`, `--clear-members`) as a struct to flatten into a `Set` command.
macro_rules! list_args {
    ($name:ident, $list:ident, $add:ident, $remove:ident, $clear:ident, $delim:literal) => {
        #[derive(Debug, clap::Args)]
        pub struct $name {
            /// Replace the list
            #[arg(long, num_args = 1.., value_delimiter = $delim)]
            pub $list: Option<Vec<String>>,
            /// Add these entries
            #[arg(long)]
            pub $add: Vec<String>,
            /// Remove these entries
            #[arg(long)]
            pub $remove: Vec<String>,
            /// Empty the list ($Null)
            #[arg(long)]
            pub $clear: bool,
        }

        impl $name {
            pub fn change(&self) -> ListChange {
                list_change(&self.$list, &self.$add, &self.$remove, self.$clear)
            }
        }
    };
}

list_args!(
    Members,
    members,
    members_add,
    members_remove,
    clear_members,
    ';'
);
list_args!(
    Managers,
    managers,
    managers_add,
    managers_remove,
    clear_managers,
    ';'
);
list_args!(
    Presenters,
    presenters,
    presenters_add,
    presenters_remove,
    clear_presenters,
    ';'
);
list_args!(
    AllowedMembers,
    allowed_members,
    allowed_members_add,
    allowed_members_remove,
    clear_allowed_members,
    ';'
);
list_args!(
    DeniedMembers,
    denied_members,
    denied_members_add,
    denied_members_remove,
    clear_denied_members,
    ';'
);
list_args!(
    Creators,
    creators,
    creators_add,
    creators_remove,
    clear_creators,
    ';'
);
list_args!(
    ActiveServerList,
    active_servers,
    active_servers_add,
    active_servers_remove,
    clear_active_servers,
    ','
);

/// Output format of `get` commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GetFormat {
    Table,
    Json,
    Yaml,
}

/// A `--filter` as a name pattern; `None` when there is none or it is written as comparisons
/// (`Name -like 'Sales*'`), which `get` judges instead.
pub fn pattern(filter: &Option<String>) -> Option<&str> {
    filter
        .as_deref()
        .filter(|f| !crate::model::opath::is_opath(f))
}
use std::collections::BTreeMap;

/// `get` of a kind named `POOL\NAME`: by identity, name pattern or pool.
#[derive(Debug, clap::Args)]
pub struct PooledGet {
    /// One object, `POOL_FQDN\NAME`
    #[arg(long, value_parser = object_id)]
    pub identity: Option<ObjectId>,
    /// Objects whose name matches this pattern (`*` and `?` wildcards), or comparisons of
    /// their properties (`Description -like '*sales*' -and Disabled -eq $False`)
    #[arg(long)]
    pub filter: Option<String>,
    /// Objects of this pool
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

impl PooledGet {
    pub fn keeps(&self, id: &ObjectId) -> bool {
        self.identity
            .as_ref()
            .is_none_or(|i| i == id || (is_bare(i) && crate::model::same_name(&i.name, &id.name)))
            && pattern(&self.filter).is_none_or(|f| crate::model::opath::wildcard(f, &id.name))
            && self
                .persistent_chat_pool_fqdn
                .as_ref()
                .is_none_or(|p| p.eq_ignore_ascii_case(&id.pool))
    }

    pub fn pick<'s, T>(&self, map: &'s BTreeMap<ObjectId, T>) -> Vec<&'s T> {
        map.iter()
            .filter(|(id, _)| self.keeps(id))
            .map(|(_, x)| x)
            .collect()
    }
}

/// `get` of a scoped kind (`global`, `site:NAME`, `tag:NAME`, `service:…`).
#[derive(Debug, clap::Args)]
pub struct ScopedGet {
    #[arg(long, value_parser = scope)]
    pub identity: Option<Scope>,
    /// Identities matching this pattern (`site:*`), or comparisons of their properties
    /// (`EnablePersistentChat -eq $True`)
    #[arg(long)]
    pub filter: Option<String>,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

impl ScopedGet {
    pub fn pick<'s, T>(&self, map: &'s BTreeMap<Scope, T>) -> Vec<&'s T> {
        map.iter()
            .filter(|(id, _)| {
                self.identity.as_ref().is_none_or(|i| i == *id)
                    && pattern(&self.filter)
                        .is_none_or(|f| crate::model::opath::wildcard(f, &id.to_string()))
            })
            .map(|(_, x)| x)
            .collect()
    }
}

/// `get` of a per-pool kind (state, active servers).
#[derive(Debug, clap::Args)]
pub struct ServiceGet {
    /// `PersistentChatServer:POOL_FQDN` (or the pool's FQDN)
    #[arg(long, value_parser = service_id)]
    pub identity: Option<ServiceId>,
    /// Identities matching this pattern (`*.litwareinc.com`), or comparisons of properties
    #[arg(long)]
    pub filter: Option<String>,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

impl ServiceGet {
    pub fn pick<'s, T>(&self, map: &'s BTreeMap<ServiceId, T>) -> Vec<&'s T> {
        map.iter()
            .filter(|(id, _)| {
                self.identity
                    .as_ref()
                    .is_none_or(|i| i.pool.eq_ignore_ascii_case(&id.pool))
                    && pattern(&self.filter).is_none_or(|f| {
                        crate::model::opath::wildcard(f, &id.to_string())
                            || crate::model::opath::wildcard(f, &id.pool)
                    })
            })
            .map(|(_, x)| x)
            .collect()
    }
}

/// A pipeline's selection (`Get-… | Remove-…`, `| Clear-…`, `| Grant-…`): every object
/// (`--all`) or those a `--filter` selects as `get` would list them; with `--yes` the cmdlet
/// runs on each in one transaction, without it the count and names are shown and nothing is done.
#[derive(Debug, clap::Args)]
pub struct Pipe {
    /// Act on every object (`Get-… | Remove-…`)
    #[arg(long, conflicts_with = "identity")]
    pub all: bool,
    /// Act on the objects whose name matches this pattern (`*` and `?`), or whose properties
    /// match these comparisons (`Disabled -eq $True`)
    #[arg(long, conflicts_with = "identity")]
    pub filter: Option<String>,
    /// Go ahead with what `--all` or `--filter` selects (without it, the selection is shown);
    /// `room remove --identity` of a room that holds messages needs it too
    #[arg(long)]
    pub yes: bool,
}

impl Pipe {
    /// Whether the command acts on a selection rather than one `--identity`.
    pub fn selects(&self) -> bool {
        self.all || self.filter.is_some()
    }

    /// The keys of the objects selected, in identity order; `name` is what a pattern matches.
    pub fn pick<'s, T: crate::model::Object + 's>(
        &self,
        state: &'s crate::model::DesiredState,
        name: impl Fn(&T::Key, &T) -> String,
    ) -> Result<Vec<&'s T::Key>, String> {
        let named: Vec<(&T::Key, &T)> = T::map(state)
            .iter()
            .filter(|(k, x)| {
                pattern(&self.filter).is_none_or(|p| crate::model::opath::wildcard(p, &name(k, x)))
            })
            .collect();
        let kept =
            crate::model::opath::narrow_with(state, named, self.filter.as_deref(), |(_, x)| *x)?;
        Ok(kept.into_iter().map(|(k, _)| k).collect())
    }
}
