//! `export` and `adopt` on a live store: the live state as configuration files that plan to
//! zero changes, and taking the live objects a configuration declares under management.
//! Nothing here writes a file or prints; the CLI does.

use std::collections::HashMap;

use crate::config;
use crate::model::identity::fold;
use crate::model::{DesiredState, Document, Kind};
use crate::store::{Store, StoreError};

/// The first line of every exported file: editors find the schema beside it.
pub const MODELINE: &str = "# yaml-language-server: $schema=pchat.schema.json\n";

/// The live state as a configuration: protection included, since it is desired state and an
/// export that dropped it would unprotect on apply.
pub async fn exported(store: &Store) -> Result<DesiredState, StoreError> {
    let (mut state, _) = store.snapshot().await?;
    let mut tx = store.read().await?;
    let owned = tx.ownership().await?;
    tx.finish().await?;
    let protected = owned
        .into_iter()
        .filter_map(|(key, protect)| protect.then_some(key))
        .collect();
    state.mark_protected(&protected);
    Ok(state)
}

/// A configuration split into files: the schema, then one file per kind that has objects,
/// each as (file name, text).
pub fn files(doc: &Document) -> Vec<(String, String)> {
    let mut files = vec![("pchat.schema.json".to_string(), crate::schema::generate())];
    for kind in Kind::ALL {
        let part = doc.only(kind);
        if part.len_of(kind) > 0 {
            files.push((
                format!("{}.yaml", kind.key()),
                format!("{MODELINE}{}", config::yaml::to_string(&part)),
            ));
        }
    }
    files
}

/// Takes the live objects `desired` declares under management, as the store spells them (the
/// configuration may spell them otherwise), in one write: how many, and the revision after.
pub async fn adopt(store: &Store, desired: &DesiredState) -> Result<(usize, i64), StoreError> {
    let mut tx = store.write().await?;
    let live = tx.read_state().await?;
    let revision = tx.revision().await? + 1;
    let present: HashMap<(Kind, String), String> = crate::plan::identities(&live)
        .into_iter()
        .map(|(k, id)| ((k, fold(&id)), id))
        .collect();
    let protected = crate::apply::protected_set(desired);
    let mut adopted = 0;
    for (kind, id) in crate::plan::identities(desired) {
        let key = (kind, fold(&id));
        if let Some(stored) = present.get(&key) {
            tx.set_managed(kind, stored, protected.contains(&key), revision)
                .await?;
            adopted += 1;
        }
    }
    Ok((adopted, tx.commit_write().await?))
}
