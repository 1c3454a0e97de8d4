//! Running one cmdlet against the store: the imperative path. Reads the live state inside the
//! write transaction, applies the operation with `ops`, refuses what the model's rules refuse,
//! writes what changed and commits; a refusal leaves the store untouched.

use crate::model::rules::{self, Violation};
use crate::model::DesiredState;
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
    run_each(store, op.cmdlet(), |_| Ok(vec![op.clone()])).await
}

/// Runs the operations `select` makes from the live state (a pipeline: `Get-… | Remove-…`),
/// all in one write transaction: every one is done, or none (the first refusal names its
/// object).
///
/// # Errors
/// As `run`; a selection that fails is `Refused` with its reason, nothing written.
pub async fn run_each(
    store: &Store,
    cmdlet: &'static str,
    select: impl FnOnce(&DesiredState) -> Result<Vec<Operation>, String>,
) -> Result<Done, CmdletError> {
    let mut tx = store.write().await?;
    let mut state = tx.read_state().await?;
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
