//! One configuration file as written: a map from kind to a list of objects. The JSON Schema in
//! `schema/pchat.schema.json` is generated from this type.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use super::*;

/// A pchat configuration file: the desired Persistent Chat configuration, kind by kind. Several
/// files may add to the same kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "pchat configuration")]
pub struct Document {
    /// Persistent Chat server pools (topology; not managed by the cmdlets).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<Pool>>")]
    pub pools: Vec<Pool>,
    /// The directory: users, groups and organisational units that lists may name.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<Principal>>")]
    pub principals: Vec<Principal>,
    /// Categories (`New-CsPersistentChatCategory`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<Category>>")]
    pub categories: Vec<Category>,
    /// Add-ins (`New-CsPersistentChatAddin`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<Addin>>")]
    pub addins: Vec<Addin>,
    /// Rooms (`New-CsPersistentChatRoom`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<Room>>")]
    pub rooms: Vec<Room>,
    /// Policies (`New-CsPersistentChatPolicy`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<PersistentChatPolicy>>")]
    pub policies: Vec<PersistentChatPolicy>,
    /// Grants of `tag:` policies to users (`Grant-CsPersistentChatPolicy`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<PolicyGrant>>")]
    pub policy_grants: Vec<PolicyGrant>,
    /// Compliance configurations (`New-CsPersistentChatComplianceConfiguration`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<ComplianceConfiguration>>")]
    pub compliance_configurations: Vec<ComplianceConfiguration>,
    /// Service configurations (`New-CsPersistentChatConfiguration`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<PersistentChatConfiguration>>")]
    pub configurations: Vec<PersistentChatConfiguration>,
    /// Endpoints (`New-CsPersistentChatEndpoint`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<Endpoint>>")]
    pub endpoints: Vec<Endpoint>,
    /// Pool states (`Set-CsPersistentChatState`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<PersistentChatState>>")]
    pub states: Vec<PersistentChatState>,
    /// Active servers of pools (`Set-CsPersistentChatActiveServer`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "crate::model::skip::no_entries"
    )]
    #[schemars(with = "Option<Vec<ActiveServers>>")]
    pub active_servers: Vec<ActiveServers>,
}

impl Document {
    /// The part of the document of one kind only.
    pub fn only(&self, kind: Kind) -> Document {
        fn of<T: super::Object>(from: &Document, kind: Kind, to: &mut Document) {
            if T::KIND == kind {
                *T::declared_mut(to) = T::declared(from).to_vec();
            }
        }
        let mut d = Document::default();
        super::kind::each_kind!(of, self, kind, &mut d);
        d
    }

    /// How many objects of a kind the document holds.
    pub fn len_of(&self, kind: Kind) -> usize {
        fn of<T: super::Object>(d: &Document, kind: Kind, n: &mut usize) {
            if T::KIND == kind {
                *n = T::declared(d).len();
            }
        }
        let mut n = 0;
        super::kind::each_kind!(of, self, kind, &mut n);
        n
    }
}

/// A kind's list; an empty key (`rooms:` with nothing under it) is an empty list, as users
/// leave one while they comment its entries out.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
