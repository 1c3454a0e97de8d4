//! A command's store, reached from synchronous code: the imperative commands (`get`, the
//! cmdlets, messages) open it, do one thing and close it. What is read here is what the
//! library decides; the CLI only reports it.

use std::time::Duration;

use crate::imperative::{self, CmdletError, Done};
use crate::model::{DesiredState, Kind, Object, ObjectId};
use crate::ops::Operation;
use crate::store::{Focus, Store, StoreError, StoreUrl, Timeouts};

/// What a pipeline would act on: the objects by name, and the messages its room removals
/// would delete with them.
#[derive(Debug)]
pub struct Preview {
    pub names: Vec<String>,
    pub messages: u64,
}

/// Where and how a command reaches its store, and where it reports progress.
#[derive(Clone)]
pub struct Session {
    pub store: StoreUrl,
    /// Where `store` came from (the flag, the environment, the default), for the error that
    /// says it does not exist.
    pub origin: String,
    /// A store that does not exist is created empty (`--new-store`); otherwise it is an error.
    pub new_store: bool,
    pub lock_timeout: Duration,
    pub timeouts: Timeouts,
    pub progress: crate::progress::Reporter,
}

impl Session {
    /// Opens the store: one that does not exist is created only with `new_store`.
    pub async fn open(&self) -> Result<Store, StoreError> {
        if self.new_store {
            Store::open_with(&self.store, self.lock_timeout, self.timeouts).await
        } else {
            Store::open_existing(&self.store, self.lock_timeout, self.timeouts, &self.origin).await
        }
    }

    /// The same session on another store (`data`'s `--dbinstance` names one).
    pub fn on(&self, store: &StoreUrl, origin: &str) -> Session {
        Session {
            store: store.clone(),
            origin: origin.to_string(),
            ..self.clone()
        }
    }

    /// Opens the store, runs `f` on it and closes it, blocking until done.
    pub fn with<T, E: From<StoreError>>(
        &self,
        f: impl AsyncFnOnce(&Store) -> Result<T, E>,
    ) -> Result<T, E> {
        crate::store::block_on(async {
            let store = self.open().await?;
            let done = f(&store).await;
            store.close().await;
            done
        })
    }

    /// The whole live state.
    pub fn read_state(&self) -> Result<DesiredState, StoreError> {
        self.with(async |store| Ok(store.snapshot().await?.0))
    }

    /// Everything but rooms and users, then what `focus` names (`Tx::read_state_focused`).
    pub fn read_state_focused(&self, focus: Focus) -> Result<DesiredState, StoreError> {
        self.with(async |store| {
            let mut tx = store.read().await?;
            let state = tx.read_state_focused(|_| focus).await?;
            tx.finish().await?;
            Ok(state)
        })
    }

    /// The recorded applies, oldest first.
    pub fn history(&self) -> Result<Vec<crate::store::ApplyRecord>, StoreError> {
        self.with(async |store| {
            let mut tx = store.read().await?;
            let h = tx.applies().await?;
            tx.finish().await?;
            Ok(h)
        })
    }

    /// A state of only the rooms named: a `get` of one room reads that room alone.
    pub fn read_rooms(&self, rooms: &[ObjectId]) -> Result<DesiredState, StoreError> {
        self.with(async |store| {
            let mut tx = store.read().await?;
            let state = tx.read_rooms_named(rooms).await?;
            tx.finish().await?;
            Ok(state)
        })
    }

    /// What a `get` of kind `T` needs: rooms one by one when they are named, the whole state
    /// for rooms and users, and otherwise neither rooms nor users, so the read stays small.
    pub fn read_for<T: Object>(
        &self,
        rooms: Option<&[ObjectId]>,
    ) -> Result<DesiredState, StoreError> {
        match rooms {
            Some(rooms) => self.read_rooms(rooms),
            None if matches!(T::KIND, Kind::Room | Kind::Principal) => self.read_state(),
            None => self.read_state_focused(Focus::default()),
        }
    }

    /// How many messages the rooms hold (`imperative::messages_in`).
    pub fn messages_in(&self, rooms: &[ObjectId]) -> Result<u64, StoreError> {
        self.with(async |store| imperative::messages_in(store, rooms).await)
    }

    /// Runs one cmdlet in its own transaction (`imperative::run`).
    pub fn run(&self, op: &Operation) -> Result<Done, CmdletError> {
        self.with(async |store| imperative::run(store, op).await)
    }

    /// Runs the cmdlets `select` picks from the live state, in one transaction
    /// (`imperative::run_each`).
    pub fn run_each(
        &self,
        cmdlet: &'static str,
        select: impl FnOnce(&DesiredState) -> Result<Vec<Operation>, String>,
    ) -> Result<Done, CmdletError> {
        self.with(async |store| imperative::run_each(store, cmdlet, select).await)
    }

    /// What a pipeline would do without `--yes`: the names of the objects `select` picks from
    /// the live state, and how many messages the rooms it removes hold. A selection that
    /// cannot be made comes back as its reason.
    pub fn preview(
        &self,
        select: impl Fn(&DesiredState) -> Result<Vec<(String, Operation)>, String>,
    ) -> Result<Result<Preview, String>, StoreError> {
        // One opening of the store for the state and the count.
        self.with(async |store| {
            let picked = match select(&store.snapshot().await?.0) {
                Ok(p) => p,
                Err(why) => return Ok(Err(why)),
            };
            let rooms: Vec<ObjectId> = picked
                .iter()
                .filter_map(|(_, op)| match op {
                    Operation::RemoveRoom { identity } => Some(identity.clone()),
                    _ => None,
                })
                .collect();
            let messages = imperative::messages_in(store, &rooms).await?;
            let names = picked.into_iter().map(|(name, _)| name).collect();
            Ok(Ok(Preview { names, messages }))
        })
    }

    /// The one object of a kind whose name a bare identity (`--identity testCat`) gives, in
    /// any pool; none, or one in each of several pools, is an error naming the candidates.
    pub fn resolve_bare<T: Object>(&self, name: &str) -> Result<String, String> {
        let state = self.read_for::<T>(None).map_err(|e| e.to_string())?;
        let found: Vec<String> = T::map(&state)
            .iter()
            .filter(|(_, x)| {
                x.cell("name")
                    .is_some_and(|n| crate::model::same_name(&n, name))
            })
            .map(|(k, _)| k.to_string())
            .collect();
        match &found[..] {
            [one] => Ok(one.clone()),
            [] => Err(format!("cannot find {}", T::KIND.label(name))),
            _ => {
                Err(format!(
                "`{name}` names {} {}s, one in each of several pools: give `POOL_FQDN\\NAME`, one \
                 of {}",
                found.len(),
                T::KIND.desc().noun,
                found.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ))
            }
        }
    }
}
