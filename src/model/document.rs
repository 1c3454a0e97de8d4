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
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<Pool>>")]
    pub pools: Vec<Pool>,
    /// The directory: users, groups and organisational units that lists may name.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<Principal>>")]
    pub principals: Vec<Principal>,
    /// Categories (`New-CsPersistentChatCategory`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<Category>>")]
    pub categories: Vec<Category>,
    /// Add-ins (`New-CsPersistentChatAddin`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<Addin>>")]
    pub addins: Vec<Addin>,
    /// Rooms (`New-CsPersistentChatRoom`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<Room>>")]
    pub rooms: Vec<Room>,
    /// Policies (`New-CsPersistentChatPolicy`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<PersistentChatPolicy>>")]
    pub policies: Vec<PersistentChatPolicy>,
    /// Grants of `tag:` policies to users (`Grant-CsPersistentChatPolicy`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<PolicyGrant>>")]
    pub policy_grants: Vec<PolicyGrant>,
    /// Compliance configurations (`New-CsPersistentChatComplianceConfiguration`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<ComplianceConfiguration>>")]
    pub compliance_configurations: Vec<ComplianceConfiguration>,
    /// Service configurations (`New-CsPersistentChatConfiguration`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<PersistentChatConfiguration>>")]
    pub configurations: Vec<PersistentChatConfiguration>,
    /// Endpoints (`New-CsPersistentChatEndpoint`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<Endpoint>>")]
    pub endpoints: Vec<Endpoint>,
    /// Pool states (`Set-CsPersistentChatState`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<PersistentChatState>>")]
    pub states: Vec<PersistentChatState>,
    /// Active servers of pools (`Set-CsPersistentChatActiveServer`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Option<Vec<ActiveServers>>")]
    pub active_servers: Vec<ActiveServers>,
}

impl Document {
    /// The part of the document of one kind only.
    pub fn only(&self, kind: Kind) -> Document {
        let mut d = Document::default();
        match kind {
            Kind::Pool => d.pools = self.pools.clone(),
            Kind::Principal => d.principals = self.principals.clone(),
            Kind::Category => d.categories = self.categories.clone(),
            Kind::Addin => d.addins = self.addins.clone(),
            Kind::Room => d.rooms = self.rooms.clone(),
            Kind::Policy => d.policies = self.policies.clone(),
            Kind::PolicyGrant => d.policy_grants = self.policy_grants.clone(),
            Kind::ComplianceConfiguration => {
                d.compliance_configurations = self.compliance_configurations.clone()
            }
            Kind::Configuration => d.configurations = self.configurations.clone(),
            Kind::Endpoint => d.endpoints = self.endpoints.clone(),
            Kind::State => d.states = self.states.clone(),
            Kind::ActiveServers => d.active_servers = self.active_servers.clone(),
        }
        d
    }

    /// How many objects of a kind the document holds.
    pub fn len_of(&self, kind: Kind) -> usize {
        match kind {
            Kind::Pool => self.pools.len(),
            Kind::Principal => self.principals.len(),
            Kind::Category => self.categories.len(),
            Kind::Addin => self.addins.len(),
            Kind::Room => self.rooms.len(),
            Kind::Policy => self.policies.len(),
            Kind::PolicyGrant => self.policy_grants.len(),
            Kind::ComplianceConfiguration => self.compliance_configurations.len(),
            Kind::Configuration => self.configurations.len(),
            Kind::Endpoint => self.endpoints.len(),
            Kind::State => self.states.len(),
            Kind::ActiveServers => self.active_servers.len(),
        }
    }
}

/// A kind's list; an empty key (`rooms:` with nothing under it) is an empty list, as users
/// leave one while they comment its entries out.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
