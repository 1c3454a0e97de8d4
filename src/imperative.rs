//! Running one cmdlet against the store: the imperative path. Reads the live state inside the
//! write transaction, applies the operation with `ops`, refuses what the model's rules refuse,
//! writes what changed and commits; a refusal leaves the store untouched.

use crate::model::principal::{principal_key, RefKind};
use crate::model::rules::{self, Violation};
use crate::model::{DesiredState, ObjectId};
use crate::ops::{self, Operation, Refusal, Touched};
use crate::store::{Focus, Store, StoreError};

/// Why a cmdlet did not run.
#[derive(Debug, thiserror::Error)]
pub enum CmdletError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{cmdlet} refused: {refusal}")]
    Refused {
        cmdlet: &'static str,
        refusal: Refusal,
    },
}

impl CmdletError {
    /// Lock timeouts are refusals for safety (exit 3); everything else is an error (exit 1).
    pub fn is_safety_refusal(&self) -> bool {
        matches!(self, CmdletError::Store(e) if e.is_refusal())
    }
}

/// What a cmdlet did.
#[derive(Debug)]
pub struct Done {
    pub touched: Vec<Touched>,
    /// Warnings the change introduced (it ran anyway).
    pub warnings: Vec<Violation>,
    /// The store revision after the change.
    pub revision: i64,
    /// The state after the change, for printing the object.
    pub state: DesiredState,
}

impl Done {
    /// What `cmdlet` did, a line per object it changed.
    pub fn report(&self, cmdlet: &str) -> String {
        if self.touched.is_empty() {
            return format!("{cmdlet}: nothing to change\n");
        }
        let line = |t: &Touched| format!("{cmdlet}: {t} (store revision {})\n", self.revision);
        self.touched.iter().map(line).collect()
    }
}

/// Runs one operation in one write transaction.
///
/// # Errors
/// `Refused` when the service's or the model's rules refuse it (nothing is written); `Store`
/// when the store fails or its lock cannot be had in time.
pub async fn run(store: &Store, op: &Operation) -> Result<Done, CmdletError> {
    let one = |_: &DesiredState| Ok(vec![op.clone()]);
    let Some(focused) = focus(op) else {
        return run_each(store, op.cmdlet(), one).await;
    };
    match run_with(store, op.cmdlet(), one, Some(&focused)).await {
        // A room that is not there is looked for among all of them, to suggest the nearest
        // name (nothing was written: the refusal rolled back).
        Err(CmdletError::Refused {
            refusal:
                Refusal::NotFound {
                    kind: crate::model::Kind::Room,
                    ..
                },
            ..
        }) => run_each(store, op.cmdlet(), one).await,
        done => done,
    }
}

/// What a command about one object concerns, so that reading only that keeps its cost flat
/// however many rooms and users the store holds: for a room, the room (a name it takes, a
/// room it creates in whichever pool) and the principals it puts on its lists; for a category
/// or an add-in, every room under it (a rename, a removal or new admission rules reach them)
/// and the principals its lists name; for a policy, the user it is granted to; for settings
/// and topology, nothing beyond. The rules it is
/// judged by concern those objects, their categories, add-ins and pools and the principals
/// involved, which are read (`Tx::read_state_focused`). `None`: the operation needs the whole
/// state.
fn focus(op: &Operation) -> Option<impl Fn(&DesiredState) -> Focus + '_> {
    use Operation::*;
    match op {
        NewRoom { .. } | SetRoom { .. } | RemoveRoom { .. } => {}
        NewCategory { .. } | SetCategory { .. } | RemoveCategory { .. } => {}
        NewAddin { .. } | SetAddin { .. } | RemoveAddin { .. } => {}
        // A user named otherwise than by SIP URI is found among all users.
        GrantPolicy { user, .. } if !matches!(principal_key(user), Ok((RefKind::Sip, _))) => {
            return None
        }
        NewPolicy { .. } | SetPolicy { .. } | RemovePolicy { .. } | GrantPolicy { .. } => {}
        // Settings and topology: their rules concern them and their pools alone.
        NewComplianceConfiguration { .. }
        | SetComplianceConfiguration { .. }
        | RemoveComplianceConfiguration { .. }
        | NewConfiguration { .. }
        | SetConfiguration { .. }
        | RemoveConfiguration { .. }
        | NewEndpoint { .. }
        | RemoveEndpoint { .. }
        | SetState { .. }
        | SetActiveServer { .. } => {}
        // A pool or a principal reaches rooms anywhere.
        SetPool { .. } | SetPrincipal { .. } | RemovePrincipal { .. } => return None,
    }
    Some(move |state: &DesiredState| {
        let (rooms, principals) = room_focus(state, op);
        let mut f = Focus {
            rooms,
            principals,
            ..Focus::default()
        };
        // In every pool when the command names none (it may go to any).
        let everywhere = |pool: &Option<String>, name: &str| -> Vec<ObjectId> {
            match pool {
                Some(p) => vec![ObjectId::new(p.clone(), name.to_string())],
                None => state
                    .pools
                    .values()
                    .map(|p| ObjectId::new(p.fqdn.clone(), name.to_string()))
                    .collect(),
            }
        };
        match op {
            NewCategory { pool, name, .. } => f.rooms_of_categories = everywhere(pool, name),
            SetCategory {
                identity,
                allowed_members,
                denied_members,
                creators,
                ..
            } => {
                f.rooms_of_categories = vec![identity.clone()];
                if let Some(c) = state.categories.get(identity) {
                    f.principals.extend(c.named().cloned());
                }
                f.principals.extend(
                    [allowed_members, denied_members, creators]
                        .into_iter()
                        .flat_map(|l| l.replace.iter().flatten().chain(&l.add).cloned()),
                );
            }
            RemoveCategory { identity } => f.rooms_of_categories = vec![identity.clone()],
            NewAddin { pool, name, .. } => f.rooms_of_addins = everywhere(pool, name),
            SetAddin { identity, .. } | RemoveAddin { identity, .. } => {
                f.rooms_of_addins = vec![identity.clone()]
            }
            GrantPolicy { user, .. } => f.principals.push(user.clone()),
            _ => {}
        }
        f
    })
}

/// For a room command: the rooms it concerns and the principals it names.
fn room_focus(state: &DesiredState, op: &Operation) -> (Vec<ObjectId>, Vec<String>) {
    use Operation::*;
    match op {
        NewRoom {
            pool: Some(p),
            name,
            ..
        } => (vec![ObjectId::new(p.clone(), name.clone())], vec![]),
        // Without a pool, the room may go to any pool (its category's).
        NewRoom { name, .. } => (
            state
                .pools
                .values()
                .map(|p| ObjectId::new(p.fqdn.clone(), name.clone()))
                .collect(),
            vec![],
        ),
        SetRoom {
            identity,
            name,
            category,
            members,
            managers,
            presenters,
            ..
        } => {
            let mut ids = vec![identity.clone()];
            ids.extend(
                name.iter()
                    .map(|n| ObjectId::new(identity.pool.clone(), n.clone())),
            );
            let mut named: Vec<String> = [members, managers, presenters]
                .into_iter()
                .flat_map(|l| l.replace.iter().flatten().chain(&l.add).cloned())
                .collect();
            // A category it moves to: who that category admits.
            if let Some(c) = category.as_ref().and_then(|c| {
                state
                    .categories
                    .get(&ObjectId::new(identity.pool.clone(), c.clone()))
            }) {
                named.extend(c.allowed_members.iter().chain(&c.denied_members).cloned());
            }
            (ids, named)
        }
        RemoveRoom { identity } => (vec![identity.clone()], vec![]),
        _ => (vec![], vec![]),
    }
}

pub async fn run_each(
    store: &Store,
    cmdlet: &'static str,
    select: impl FnOnce(&DesiredState) -> Result<Vec<Operation>, String>,
) -> Result<Done, CmdletError> {
    run_with(store, cmdlet, select, None::<&fn(&DesiredState) -> Focus>).await
}

/// `run_each` on the whole state, or on the state with only the rooms `focus` names.
async fn run_with(
    store: &Store,
    cmdlet: &'static str,
    select: impl FnOnce(&DesiredState) -> Result<Vec<Operation>, String>,
    focus: Option<&impl Fn(&DesiredState) -> Focus>,
) -> Result<Done, CmdletError> {
    let mut tx = store.write().await?;
    let mut state = match focus {
        Some(focus) => tx.read_state_focused(focus).await?,
        None => tx.read_state().await?,
    };
    let before = rules::validate(&state);
    let refused = |refusal| CmdletError::Refused { cmdlet, refusal };
    let ops = select(&state).map_err(|why| refused(Refusal::Rule(why)))?;
    let mut touched = Vec::new();
    for op in &ops {
        touched.extend(ops::apply(&mut state, op).map_err(refused)?);
    }
    let warnings = ops::check(&before, &state).map_err(refused)?;
    if touched.is_empty() {
        let revision = tx.revision().await?;
        tx.finish().await?;
        return Ok(Done {
            touched,
            warnings,
            revision,
            state,
        });
    }
    tx.persist(&state, &touched).await?;
    let revision = tx.commit_write().await?;
    Ok(Done {
        touched,
        warnings,
        revision,
        state,
    })
}

/// Declares a pool in one write transaction (topology: no cmdlet). `Ok(Err(why))`: it exists
/// already, or the rules refuse it (nothing is written).
///
/// # Errors
/// When the store fails or its lock cannot be had in time.
pub async fn add_pool(
    store: &Store,
    pool: crate::model::Pool,
) -> Result<Result<i64, String>, StoreError> {
    use crate::model::{Kind, Severity};
    let mut tx = store.write().await?;
    let state = tx.read_state().await?;
    if state.declared_pool(&pool.fqdn).is_some() {
        tx.finish().await?;
        return Ok(Err(format!("pool `{}` already exists", pool.fqdn)));
    }
    let mut after = state;
    after
        .pools
        .insert(pool.fqdn.to_ascii_lowercase(), pool.clone());
    let problems: Vec<String> = rules::validate(&after)
        .into_iter()
        .filter(|v| v.kind == Kind::Pool && v.severity == Severity::Error)
        .map(|v| v.message)
        .collect();
    if !problems.is_empty() {
        tx.finish().await?;
        return Ok(Err(problems.join("; ")));
    }
    tx.insert_pools(std::slice::from_ref(&pool)).await?;
    Ok(Ok(tx.commit_write().await?))
}

/// How many messages the rooms hold: what removing them destroys.
///
/// # Errors
/// When the store fails.
pub async fn messages_in(store: &Store, rooms: &[ObjectId]) -> Result<u64, StoreError> {
    if rooms.is_empty() {
        return Ok(0);
    }
    let mut tx = store.read().await?;
    let counts = tx.message_counts(rooms).await?;
    tx.finish().await?;
    Ok(counts.values().sum())
}

/// `pchat principal import`: adds or updates directory entries in one write, refused when
/// they would break a rule the store kept until now. The store's revision after.
///
/// # Errors
/// When the store fails; a refusal comes back inside.
pub async fn import_principals(
    store: &Store,
    principals: &[crate::model::Principal],
) -> Result<Result<i64, Refusal>, StoreError> {
    let mut tx = store.write().await?;
    let mut state = tx.read_state().await?;
    let before = rules::validate(&state);
    for p in principals {
        state.principals.insert(
            crate::model::principal::key_or_text(p.identity()),
            p.clone(),
        );
    }
    if let Err(refusal) = ops::check(&before, &state) {
        tx.finish().await?;
        return Ok(Err(refusal));
    }
    tx.upsert_principals(principals).await?;
    Ok(Ok(tx.commit_write().await?))
}
