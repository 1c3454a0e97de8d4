//! Rooms (`Get/New/Set/Remove/Clear-CsPersistentChatRoom`).

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::is_false;
use super::lifecycle::Lifecycle;

/// A Persistent Chat room. Identity `POOL_FQDN\NAME`.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Room {
    /// The room's name, unique within its pool.
    pub name: String,
    /// The pool the room lives in; defaults to its category's pool when exactly one pool is declared.
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub persistent_chat_pool_fqdn: Option<String>,
    /// The name of the room's category, in the same pool.
    pub category: String,
    /// Free text shown to users.
    #[serde(default, skip_serializing_if = "crate::model::skip::empty")]
    pub description: String,
    /// `Normal`, or `Auditorium` where only presenters post.
    #[serde(
        default,
        rename = "type",
        skip_serializing_if = "crate::model::skip::default"
    )]
    pub room_type: RoomType,
    /// Who finds and joins the room: `Open`, `Closed` (the default) or `Secret`.
    #[serde(default, skip_serializing_if = "crate::model::skip::default")]
    pub privacy: Privacy,
    /// The name of an add-in of the same pool shown beside the room.
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub addin: Option<String>,
    /// `Inherit` takes the category's setting; `False` sends no invitations.
    #[serde(default, skip_serializing_if = "crate::model::skip::default")]
    pub invitations: RoomInvitations,
    /// A disabled room cannot be found or joined.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disabled: bool,
    /// Principals who are members; empty means the category's membership.
    #[serde(default, skip_serializing_if = "crate::model::skip::no_entries")]
    pub members: Vec<String>,
    /// Principals who may change the room's membership and settings.
    #[serde(default, skip_serializing_if = "crate::model::skip::no_entries")]
    pub managers: Vec<String>,
    /// Principals who may post in an auditorium room (only there).
    #[serde(default, skip_serializing_if = "crate::model::skip::no_entries")]
    pub presenters: Vec<String>,
    /// Names this room had before (in its pool). When the store has no room named `name` but
    /// has one under a previous name, the plan renames that one in place (`Set-… -Name`): it
    /// keeps its id, lists, history and ownership instead of being removed and created again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_names: Vec<String>,
    /// How pchat's apply treats this object.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
}

/// The kind of room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum RoomType {
    /// Every member may post.
    #[default]
    Normal,
    /// Only presenters post; the others read.
    Auditorium,
}

impl RoomType {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// Who may find and join a room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Privacy {
    /// Anyone finds and joins the room.
    Open,
    /// Anyone finds the room; only members join it.
    #[default]
    Closed,
    /// Only members find and join the room.
    Secret,
}

impl Privacy {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// Whether a room sends invitations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RoomInvitations {
    /// Take the category's setting.
    #[default]
    Inherit,
    /// Send no invitations. YAML's boolean `false` is accepted for it.
    False,
}

impl JsonSchema for RoomInvitations {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RoomInvitations".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // An unquoted `False` is a boolean to YAML tools, so the schema admits `false` as well.
        schemars::json_schema!({
            "description": "`Inherit` takes the category's setting; `False` (or `false`) sends no invitations.",
            "anyOf": [
                { "type": "string", "enum": ["Inherit", "False"] },
                { "const": false }
            ]
        })
    }
}

impl RoomInvitations {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

super::value_names!(RoomInvitations { Inherit, False });

impl Serialize for RoomInvitations {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RoomInvitations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RoomInvitations;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`Inherit` or `False`")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                if v {
                    Err(E::custom(
                        "unknown variant `true`, expected `Inherit` or `False`",
                    ))
                } else {
                    Ok(RoomInvitations::False)
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                RoomInvitations::from_name(v)
                    .ok_or_else(|| E::unknown_variant(v, RoomInvitations::NAMES))
            }
        }
        d.deserialize_any(V)
    }
}

impl Room {
    /// Every principal the room lists: members, managers, presenters.
    pub fn named(&self) -> impl Iterator<Item = &String> {
        self.members
            .iter()
            .chain(&self.managers)
            .chain(&self.presenters)
    }
}
