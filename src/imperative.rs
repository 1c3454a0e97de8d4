//! Running one cmdlet against the store: the imperative path. Reads the live state inside the
//! write transaction, applies the operation with `ops`, refuses what the model's rules refuse,
//! writes what changed and commits; a refusal leaves the store untouched.

use crate::model::rules::{self, Violation};
use crate::model::{DesiredState, ObjectId};
use crate::ops::{self, Operation, Refusal, Touched};
use crate::store::{Store, StoreError};

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

/// Runs one operation in one write transaction.
///
/// # Errors
/// `Refused` when the service's or the model's rules refuse it (nothing is written); `Store`
/// when the store fails or its lock cannot be had in time.
pub async fn run(store: &Store, op: &Operation) -> Result<Done, CmdletError> {
    let one = |_: &DesiredState| Ok(vec![op.clone()]);
    let Some(rooms) = room_focus(op) else {
        return run_each(store, op.cmdlet(), one).await;
    };
    match run_with(store, op.cmdlet(), one, Some(&rooms)).await {
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

/// The rooms a command about one room concerns (the room, a name it takes, a room it
/// creates in whichever pool), and the principals it puts on their lists: reading only those
/// keeps its cost flat however many rooms and users the store holds. The rules it is judged by
/// concern that room, its category, add-in and pool and the principals involved, which are
/// read (`Tx::read_state_focused`). `None`: the operation needs the whole state.
fn room_focus(
    op: &Operation,
) -> Option<impl Fn(&DesiredState) -> (Vec<ObjectId>, Vec<String>) + '_> {
    use Operation::*;
    match op {
        NewRoom { .. } | SetRoom { .. } | RemoveRoom { .. } => {}
        _ => return None,
    }
    Some(move |state: &DesiredState| match op {
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
    })
}

pub async fn run_each(
    store: &Store,
    cmdlet: &'static str,
    select: impl FnOnce(&DesiredState) -> Result<Vec<Operation>, String>,
) -> Result<Done, CmdletError> {
    run_with(
        store,
        cmdlet,
        select,
        None::<&fn(&DesiredState) -> (Vec<ObjectId>, Vec<String>)>,
    )
    .await
}

/// `run_each` on the whole state, or on the state with only the rooms `focus` names.
async fn run_with(
    store: &Store,
    cmdlet: &'static str,
    select: impl FnOnce(&DesiredState) -> Result<Vec<Operation>, String>,
    focus: Option<&impl Fn(&DesiredState) -> (Vec<ObjectId>, Vec<String>)>,
) -> Result<Done, CmdletError> {
    let mut tx = store.write().await?;
    let mut state = match focus {
        Some(rooms) => tx.read_state_focused(rooms).await?,
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
