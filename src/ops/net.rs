//! The net change from one state to another, object by object, as `Touched` entries the store
//! writes (`Tx::persist_net`): what `pchat live load` makes of a snapshot.

use super::{Effect, Touched, Tracked};
use crate::model::kind::each_kind;
use crate::model::{DesiredState, Kind, ObjectId};

/// Every object `new` has and `old` lacks (created), has otherwise (updated) or lacks and `old`
/// has (removed). Pools are topology: they are created and updated, never removed.
pub fn changes(old: &DesiredState, new: &DesiredState) -> Vec<Touched> {
    let mut out = Vec::new();
    each_kind!(kind_changes, old, new, &mut out);
    out
}

fn kind_changes<T: Tracked + PartialEq>(
    old: &DesiredState,
    new: &DesiredState,
    out: &mut Vec<Touched>,
) {
    let (before, after) = (T::map(old), T::map(new));
    for (k, x) in after {
        match before.get_key_value(k) {
            None => out.push(T::touched(k.clone(), Effect::Created)),
            Some((stored, y)) => {
                // A named object spelt otherwise was renamed (in case only): the row follows.
                let respelt = stored.to_string() != k.to_string();
                if respelt && matches!(T::KIND, Kind::Category | Kind::Room | Kind::Addin) {
                    if let (Ok(from), Ok(to)) = (
                        stored.to_string().parse::<ObjectId>(),
                        k.to_string().parse::<ObjectId>(),
                    ) {
                        out.push(Touched::Renamed(T::KIND, from, to));
                    }
                }
                if y != x || respelt {
                    out.push(T::touched(k.clone(), Effect::Updated));
                }
            }
        }
    }
    if T::KIND == Kind::Pool {
        return;
    }
    for k in before.keys().filter(|k| !after.contains_key(*k)) {
        out.push(T::touched(k.clone(), Effect::Removed));
    }
}
