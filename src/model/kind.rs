//! The kind layer: one description per kind of object, which the planner, the store, the
//! renderers and the CLI read instead of spelling each kind out again.
//!
//! A [`KindDesc`] states a kind's YAML key and noun, the fields of its identity, its cmdlets, its
//! fields (YAML name, cmdlet parameter, Get- output property, store column or rows, whether
//! `New-` can set it, whether `get` shows it as a column), whether it is a setting that is reset
//! instead of removed, its parents (which order changes take) and its store table.
//!
//! Invariant: adding a field to a kind touches the model struct and its description here, and
//! nothing else that is table-driven; `tests/it/tidy.rs` fails when the two disagree, when a
//! described column is missing from a migration, or when a described parameter is never sent.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use super::*;

/// The kinds of object a configuration declares, in the order the YAML keys are documented
/// and parents come before children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Pool,
    Principal,
    Category,
    Addin,
    Room,
    Policy,
    PolicyGrant,
    ComplianceConfiguration,
    Configuration,
    Endpoint,
    State,
    ActiveServers,
}

/// Where a field lives in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A column of the kind's table.
    Column(&'static str),
    /// Rows of a list table, one per entry, marked with a role (`None`: the table is the list's).
    Rows {
        table: &'static str,
        role: Option<&'static str>,
    },
    /// The ownership table (`lifecycle`): pchat's own record, not the service's.
    Ownership,
    /// Nowhere: a hint to the planner that only the configuration carries (`previousNames`).
    Hint,
}

/// One field of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The YAML (and JSON) name.
    pub yaml: &'static str,
    /// The cmdlet parameter that sets it (`None`: part of the identity, or pchat's own).
    pub param: Option<&'static str>,
    pub stored: Stored,
    /// A list of principals or servers (changed with `@{Add=…; Remove=…}`).
    pub list: bool,
    /// `New-` takes it; otherwise a creation is a `New-` then a `Set-`.
    pub on_new: bool,
    /// A column of `get`'s table, headed by its parameter name.
    pub shown: bool,
    /// What its parameter takes (the CLI's flag and `ops::build` read it).
    pub ty: Ty,
    /// The name `New-` takes it under, where that differs (`-EnableInvitations`, a switch).
    pub new_param: Option<&'static str>,
    /// `New-` cannot run without it.
    pub required: bool,
    /// What its flag's help says.
    pub help: Option<&'static str>,
    /// The property of the Get- output that holds it, where the output names it otherwise than
    /// the parameter (`Invites` for `-Invitations`).
    pub property: Option<&'static str>,
    /// The Get- output always holds a value (a text property is never `$null`).
    pub never_null: bool,
}

/// What a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Text,
    /// A text that `$null` clears.
    Clearable,
    /// `$True`/`$False` (or `true`/`false`).
    Bool,
    /// A whole number.
    Number,
    /// `[d.]hh:mm:ss`.
    TimeSpan,
    /// One of these words (any case).
    Choice(&'static [&'static str]),
    /// A list, replaced whole or edited, its entries written with this separator.
    List(char),
}

/// How the cmdlets name an object of a kind on `-Identity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `POOL_FQDN\NAME`, or a bare name where it is the only one.
    Pooled,
    /// `global`, `site:NAME`, `tag:NAME` or `service:…`.
    Scope,
    /// `PersistentChatServer:POOL_FQDN` (or the pool's FQDN).
    Service,
    /// Its SIP address.
    Sip,
    /// Pools and principals: no cmdlet names them.
    Other,
}

impl Field {
    /// The header of its `get` column: the parameter's name, or for a field no cmdlet sets
    /// (topology), the YAML name capitalized.
    pub fn header(&self) -> String {
        match self.param {
            Some(p) => p.to_string(),
            None => pascal(self.yaml),
        }
    }

    const fn new(yaml: &'static str, param: Option<&'static str>, stored: Stored) -> Field {
        Field {
            yaml,
            param,
            stored,
            list: false,
            on_new: true,
            shown: false,
            ty: Ty::Text,
            new_param: None,
            required: false,
            help: None,
            property: None,
            never_null: false,
        }
    }

    /// The property of the Get- output that holds it (`None`: the output has none of its own).
    pub fn output_property(&self) -> Option<&'static str> {
        self.property.or(self.param)
    }

    /// The output names it `property`.
    const fn reported_as(mut self, property: &'static str) -> Field {
        self.property = Some(property);
        self
    }

    /// The service reports a value for it on every object, though a configuration may leave it
    /// out.
    const fn never_null(mut self) -> Field {
        self.never_null = true;
        self
    }

    const fn help(mut self, help: &'static str) -> Field {
        self.help = Some(help);
        self
    }

    const fn ty(mut self, ty: Ty) -> Field {
        self.ty = ty;
        self
    }

    /// `New-` takes it as the switch `param`.
    const fn new_as(mut self, param: &'static str) -> Field {
        self.new_param = Some(param);
        self
    }

    const fn required(mut self) -> Field {
        self.required = true;
        self.never_null = true;
        self
    }

    const fn list(mut self) -> Field {
        self.list = true;
        self.on_new = false;
        self.ty = Ty::List(';');
        self
    }

    const fn shown(mut self) -> Field {
        self.shown = true;
        self
    }
}

/// A scalar field with a parameter and a column.
const fn scalar(yaml: &'static str, param: &'static str, column: &'static str) -> Field {
    Field::new(yaml, Some(param), Stored::Column(column))
}

/// A list field stored as rows of `table` marked with `role`.
const fn rows(
    yaml: &'static str,
    param: &'static str,
    table: &'static str,
    role: &'static str,
) -> Field {
    Field::new(
        yaml,
        Some(param),
        Stored::Rows {
            table,
            role: Some(role),
        },
    )
    .list()
}

/// An identity field: no parameter of its own beyond the identity.
const fn key(yaml: &'static str, column: &'static str) -> Field {
    Field::new(yaml, None, Stored::Column(column))
}

const LIFECYCLE: Field = Field::new("lifecycle", None, Stored::Ownership);

/// The name of a pooled object: part of its identity, changed in place by `Set-… -Name`.
const NAME: Field = Field::new("name", Some("Name"), Stored::Column("name"))
    .required()
    .help("The name, unique within the pool");

const DESCRIPTION: Field =
    scalar("description", "Description", "description").help("Free text shown to users");

const PREVIOUS_NAMES: Field = Field::new("previousNames", None, Stored::Hint).list();

/// The cmdlets of a kind (`None`: the service has no such cmdlet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cmdlets {
    pub get: Option<&'static str>,
    pub new: Option<&'static str>,
    pub set: Option<&'static str>,
    pub remove: Option<&'static str>,
}

const NO_CMDLETS: Cmdlets = Cmdlets {
    get: None,
    new: None,
    set: None,
    remove: None,
};

/// Everything pchat knows about a kind, stated once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindDesc {
    pub kind: Kind,
    /// The top-level YAML key that lists objects of this kind.
    pub key: &'static str,
    /// The singular noun used in messages.
    pub noun: &'static str,
    /// The fields that make up an object's identity: never changed in place, never ignorable.
    pub identity: &'static [&'static str],
    pub cmdlets: Cmdlets,
    pub fields: &'static [Field],
    /// A scoped setting: the global one is reset by `Remove-`, never gone.
    pub reset_not_removed: bool,
    /// Kinds whose objects this kind's objects refer to (created first, removed last).
    pub parents: &'static [Kind],
    /// The store table of its rows.
    pub table: &'static str,
    /// How `-Identity` names one of its objects.
    pub naming: Naming,
    /// Switches a cmdlet takes beyond the fields, by verb (`("remove", "Force")`).
    pub switches: &'static [(&'static str, &'static str)],
}

const POOL: KindDesc = KindDesc {
    kind: Kind::Pool,
    key: "pools",
    noun: "pool",
    identity: &["fqdn"],
    // Pools belong to the topology (Topology Builder), not to the Persistent Chat cmdlets.
    cmdlets: NO_CMDLETS,
    fields: &[
        key("fqdn", "fqdn").shown(),
        Field::new("site", None, Stored::Column("site")).shown(),
        Field::new(
            "servers",
            None,
            Stored::Rows {
                table: "pool_servers",
                role: None,
            },
        )
        .list()
        .shown(),
    ],
    reset_not_removed: false,
    parents: &[],
    table: "pools",
    naming: Naming::Other,
    switches: &[],
};

const PRINCIPAL: KindDesc = KindDesc {
    kind: Kind::Principal,
    key: "principals",
    noun: "principal",
    identity: &["type", "sipAddress", "distinguishedName"],
    // The directory (Active Directory) is not managed by the Persistent Chat cmdlets.
    cmdlets: NO_CMDLETS,
    fields: &[
        key("type", "principal_type").shown(),
        key("sipAddress", "sip_address"),
        key("distinguishedName", "distinguished_name"),
        Field::new("displayName", None, Stored::Column("display_name")).shown(),
        Field::new("site", None, Stored::Column("site")),
        Field::new("enabled", None, Stored::Column("enabled")).shown(),
        Field::new(
            "members",
            None,
            Stored::Rows {
                table: "principal_members",
                role: None,
            },
        )
        .list(),
    ],
    reset_not_removed: false,
    parents: &[],
    table: "principals",
    naming: Naming::Other,
    switches: &[],
};

const CATEGORY: KindDesc = KindDesc {
    kind: Kind::Category,
    key: "categories",
    noun: "category",
    identity: &["name", "persistentChatPoolFqdn"],
    cmdlets: Cmdlets {
        get: Some("Get-CsPersistentChatCategory"),
        new: Some("New-CsPersistentChatCategory"),
        set: Some("Set-CsPersistentChatCategory"),
        remove: Some("Remove-CsPersistentChatCategory"),
    },
    fields: &[
        NAME,
        PREVIOUS_NAMES,
        key("persistentChatPoolFqdn", "pool"),
        DESCRIPTION,
        // New- takes these as the switches -EnableInvitations, -EnableFileUpload and
        // -RemoveChatHistory (the last one inverted).
        scalar("invitations", "Invitations", "invitations")
            .ty(Ty::Bool)
            .new_as("EnableInvitations")
            .reported_as("Invites")
            .shown()
            .help("Whether rooms of the category may send invitations"),
        scalar("fileUpload", "FileUpload", "file_upload")
            .ty(Ty::Bool)
            .new_as("EnableFileUpload")
            .shown()
            .help("Whether files may be uploaded to rooms of the category"),
        scalar("chatHistory", "ChatHistory", "chat_history")
            .ty(Ty::Bool)
            .new_as("RemoveChatHistory")
            .shown()
            .help("Whether rooms of the category keep their chat history"),
        rows(
            "allowedMembers",
            "AllowedMembers",
            "category_principals",
            "allowed",
        )
        .shown(),
        rows(
            "deniedMembers",
            "DeniedMembers",
            "category_principals",
            "denied",
        )
        .shown(),
        rows("creators", "Creators", "category_principals", "creator").shown(),
        LIFECYCLE,
    ],
    reset_not_removed: false,
    parents: &[Kind::Pool],
    table: "categories",
    naming: Naming::Pooled,
    switches: &[],
};

const ADDIN: KindDesc = KindDesc {
    kind: Kind::Addin,
    key: "addins",
    noun: "add-in",
    identity: &["name", "persistentChatPoolFqdn"],
    cmdlets: Cmdlets {
        get: Some("Get-CsPersistentChatAddin"),
        new: Some("New-CsPersistentChatAddin"),
        set: Some("Set-CsPersistentChatAddin"),
        remove: Some("Remove-CsPersistentChatAddin"),
    },
    fields: &[
        NAME,
        PREVIOUS_NAMES,
        key("persistentChatPoolFqdn", "pool"),
        scalar("url", "Url", "url")
            .required()
            .shown()
            .help("The add-in's web page (http or https), shown beside the room"),
        LIFECYCLE,
    ],
    reset_not_removed: false,
    parents: &[Kind::Pool],
    table: "addins",
    naming: Naming::Pooled,
    switches: &[("remove", "Force")],
};

const ROOM: KindDesc = KindDesc {
    kind: Kind::Room,
    key: "rooms",
    noun: "room",
    identity: &["name", "persistentChatPoolFqdn"],
    cmdlets: Cmdlets {
        get: Some("Get-CsPersistentChatRoom"),
        new: Some("New-CsPersistentChatRoom"),
        set: Some("Set-CsPersistentChatRoom"),
        remove: Some("Remove-CsPersistentChatRoom"),
    },
    fields: &[
        NAME,
        PREVIOUS_NAMES,
        key("persistentChatPoolFqdn", "pool"),
        scalar("category", "Category", "category_id")
            .required()
            .shown()
            .help("The category the room is in (by name, in the room's pool)"),
        DESCRIPTION,
        scalar("type", "Type", "room_type")
            .ty(Ty::Choice(&["Normal", "Auditorium"]))
            .shown()
            .help("Normal (members post) or Auditorium (only presenters post)"),
        scalar("privacy", "Privacy", "privacy")
            .ty(Ty::Choice(&["Open", "Closed", "Secret"]))
            .shown()
            .help("Who may find and read the room: Open (anyone), Closed (anyone finds it, members read it) or Secret (only members find it)"),
        scalar("addin", "Addin", "addin_id")
            .ty(Ty::Clearable)
            .shown()
            .help("The add-in the room shows (by name, in the room's pool)"),
        scalar("invitations", "Invitations", "invitations")
            .ty(Ty::Choice(&["Inherit", "False"]))
            .help("Whether members are invited: Inherit (the category's choice), true or false"),
        scalar("disabled", "Disabled", "disabled")
            .ty(Ty::Bool)
            .shown()
            .help("Whether the room is disabled (kept, but nobody may enter it)"),
        rows("members", "Members", "room_principals", "member").shown(),
        rows("managers", "Managers", "room_principals", "manager").shown(),
        rows("presenters", "Presenters", "room_principals", "presenter").shown(),
        LIFECYCLE,
    ],
    reset_not_removed: false,
    parents: &[Kind::Pool, Kind::Category, Kind::Addin],
    table: "rooms",
    naming: Naming::Pooled,
    switches: &[],
};

const POLICY: KindDesc = KindDesc {
    kind: Kind::Policy,
    key: "policies",
    noun: "policy",
    identity: &["identity"],
    cmdlets: Cmdlets {
        get: Some("Get-CsPersistentChatPolicy"),
        new: Some("New-CsPersistentChatPolicy"),
        set: Some("Set-CsPersistentChatPolicy"),
        remove: Some("Remove-CsPersistentChatPolicy"),
    },
    fields: &[
        key("identity", "identity"),
        scalar(
            "enablePersistentChat",
            "EnablePersistentChat",
            "enable_persistent_chat",
        )
        .ty(Ty::Bool)
        .shown()
        .help("Whether users this policy applies to may use Persistent Chat"),
        DESCRIPTION.shown(),
        LIFECYCLE,
    ],
    reset_not_removed: true,
    parents: &[],
    table: "policies",
    naming: Naming::Scope,
    switches: &[("remove", "Force")],
};

const POLICY_GRANT: KindDesc = KindDesc {
    kind: Kind::PolicyGrant,
    key: "policyGrants",
    noun: "policy grant",
    identity: &["identity"],
    // A grant is a user's property: read with Get-CsUser, written with Grant-.
    cmdlets: Cmdlets {
        get: Some("Get-CsUser"),
        new: None,
        set: Some("Grant-CsPersistentChatPolicy"),
        remove: None,
    },
    fields: &[
        key("identity", "identity"),
        scalar("policyName", "PolicyName", "policy")
            .reported_as("PersistentChatPolicy")
            .shown(),
        LIFECYCLE,
    ],
    reset_not_removed: false,
    parents: &[Kind::Principal, Kind::Policy],
    table: "policy_grants",
    naming: Naming::Other,
    switches: &[],
};

const COMPLIANCE: KindDesc = KindDesc {
    kind: Kind::ComplianceConfiguration,
    key: "complianceConfigurations",
    noun: "compliance configuration",
    identity: &["identity"],
    cmdlets: Cmdlets {
        get: Some("Get-CsPersistentChatComplianceConfiguration"),
        new: Some("New-CsPersistentChatComplianceConfiguration"),
        set: Some("Set-CsPersistentChatComplianceConfiguration"),
        remove: Some("Remove-CsPersistentChatComplianceConfiguration"),
    },
    fields: &[
        key("identity", "identity"),
        scalar("adapterType", "AdapterType", "adapter_type")
            .shown()
            .help("The compliance adapter's type (XmlAdapter, or a third party's)"),
        scalar("adapterName", "AdapterName", "adapter_name")
            .shown()
            .help("The compliance adapter's name"),
        scalar(
            "adapterOutputDirectory",
            "AdapterOutputDirectory",
            "adapter_output_directory",
        )
        .shown()
        .help("Where the adapter writes its files (a UNC path on the server)"),
        scalar("runInterval", "RunInterval", "run_interval_seconds")
            .ty(Ty::TimeSpan)
            .shown()
            .help("How often the compliance adapter runs: `[d.]hh:mm:ss`, 1 minute to 30 days"),
        scalar(
            "oneChatRoomPerOutputFile",
            "OneChatRoomPerOutputFile",
            "one_chat_room_per_output_file",
        )
        .ty(Ty::Bool)
        .help("Whether each room gets an output file of its own"),
        scalar(
            "addChatRoomDetails",
            "AddChatRoomDetails",
            "add_chat_room_details",
        )
        .ty(Ty::Bool)
        .help("Whether the output carries each room's details"),
        scalar("addUserDetails", "AddUserDetails", "add_user_details")
            .ty(Ty::Bool)
            .help("Whether the output carries each user's details"),
        scalar(
            "createFileAttachmentsManifest",
            "CreateFileAttachmentsManifest",
            "create_file_attachments_manifest",
        )
        .ty(Ty::Bool)
        .help("Whether a manifest of file attachments is written"),
        scalar(
            "customConfiguration",
            "CustomConfiguration",
            "custom_configuration",
        )
        .help("The adapter's own settings, as XML text"),
        LIFECYCLE,
    ],
    reset_not_removed: true,
    parents: &[Kind::Pool],
    table: "compliance_configurations",
    naming: Naming::Scope,
    switches: &[],
};

const CONFIGURATION: KindDesc = KindDesc {
    kind: Kind::Configuration,
    key: "configurations",
    noun: "configuration",
    identity: &["identity"],
    cmdlets: Cmdlets {
        get: Some("Get-CsPersistentChatConfiguration"),
        new: Some("New-CsPersistentChatConfiguration"),
        set: Some("Set-CsPersistentChatConfiguration"),
        remove: Some("Remove-CsPersistentChatConfiguration"),
    },
    fields: &[
        key("identity", "identity"),
        scalar(
            "defaultChatHistory",
            "DefaultChatHistory",
            "default_chat_history",
        )
        .ty(Ty::Number)
        .shown()
        .help("How many messages a room shows when a user enters it (1 to 500)"),
        scalar(
            "participantUpdateLimit",
            "ParticipantUpdateLimit",
            "participant_update_limit",
        )
        .ty(Ty::Number)
        .shown()
        .help("Up to how many members a room shows its participant list live (the service's default: 75)"),
        scalar("maxFileSizeKB", "MaxFileSizeKB", "max_file_size_kb")
            .ty(Ty::Number)
            .shown()
            .help("The largest file users may upload, in kilobytes (the service's default: 20000)"),
        scalar(
            "roomManagementUrl",
            "RoomManagementUrl",
            "room_management_url",
        )
        .ty(Ty::Clearable)
        .shown()
        .help("The web page where users manage rooms (a URL; `$null` clears it)"),
        LIFECYCLE,
    ],
    reset_not_removed: true,
    parents: &[Kind::Pool],
    table: "configurations",
    naming: Naming::Scope,
    switches: &[],
};

const ENDPOINT: KindDesc = KindDesc {
    kind: Kind::Endpoint,
    key: "endpoints",
    noun: "endpoint",
    identity: &["sipAddress"],
    // No Set-: a changed endpoint is removed and created again.
    cmdlets: Cmdlets {
        get: Some("Get-CsPersistentChatEndpoint"),
        new: Some("New-CsPersistentChatEndpoint"),
        set: None,
        remove: Some("Remove-CsPersistentChatEndpoint"),
    },
    fields: &[
        Field::new(
            "sipAddress",
            Some("SipAddress"),
            Stored::Column("sip_address"),
        )
        .required()
        .shown()
        .help("The endpoint's SIP address (`sip:chat@example.com`)"),
        scalar("persistentChatPoolFqdn", "PersistentChatPoolFqdn", "pool")
            .never_null()
            .shown(),
        scalar("displayName", "DisplayName", "display_name")
            .shown()
            .help("The name users see"),
        LIFECYCLE,
    ],
    reset_not_removed: false,
    parents: &[Kind::Pool],
    table: "endpoints",
    naming: Naming::Sip,
    switches: &[],
};

const STATE: KindDesc = KindDesc {
    kind: Kind::State,
    key: "states",
    noun: "state",
    identity: &["identity"],
    cmdlets: Cmdlets {
        get: Some("Get-CsPersistentChatState"),
        new: None,
        set: Some("Set-CsPersistentChatState"),
        remove: None,
    },
    fields: &[
        key("identity", "pool"),
        scalar("poolState", "PoolState", "pool_state")
            .ty(Ty::Choice(&["Normal", "FailedOver"]))
            .required()
            .shown()
            .help("Normal (the primary databases) or FailedOver (the backup databases)"),
        LIFECYCLE,
    ],
    reset_not_removed: true,
    parents: &[Kind::Pool],
    table: "states",
    naming: Naming::Service,
    switches: &[],
};

const ACTIVE_SERVERS: KindDesc = KindDesc {
    kind: Kind::ActiveServers,
    key: "activeServers",
    noun: "active servers",
    identity: &["identity"],
    cmdlets: Cmdlets {
        get: Some("Get-CsPersistentChatActiveServer"),
        new: None,
        set: Some("Set-CsPersistentChatActiveServer"),
        remove: None,
    },
    fields: &[
        key("identity", "pool"),
        Field::new(
            "activeServers",
            Some("ActiveServers"),
            Stored::Rows {
                table: "active_servers",
                role: None,
            },
        )
        .list()
        .ty(Ty::List(','))
        .shown(),
        LIFECYCLE,
    ],
    reset_not_removed: true,
    parents: &[Kind::Pool],
    table: "active_servers",
    naming: Naming::Service,
    switches: &[("set", "Swap")],
};

const DESCRIPTIONS: [KindDesc; 12] = [
    POOL,
    PRINCIPAL,
    CATEGORY,
    ADDIN,
    ROOM,
    POLICY,
    POLICY_GRANT,
    COMPLIANCE,
    CONFIGURATION,
    ENDPOINT,
    STATE,
    ACTIVE_SERVERS,
];

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::Pool,
        Kind::Principal,
        Kind::Category,
        Kind::Addin,
        Kind::Room,
        Kind::Policy,
        Kind::PolicyGrant,
        Kind::ComplianceConfiguration,
        Kind::Configuration,
        Kind::Endpoint,
        Kind::State,
        Kind::ActiveServers,
    ];

    /// This kind's description.
    pub fn desc(self) -> &'static KindDesc {
        &DESCRIPTIONS[self as usize]
    }

    /// The top-level YAML key that lists objects of this kind.
    pub fn key(self) -> &'static str {
        self.desc().key
    }

    /// The singular noun used in messages.
    pub fn noun(self) -> &'static str {
        self.desc().noun
    }

    /// `n` objects of this kind, in words: `1 room`, `7 categories`, `2 active-server lists`.
    pub fn count_of(self, n: usize) -> String {
        let (one, many) = match self {
            Kind::Category => ("category", "categories"),
            Kind::Policy => ("policy", "policies"),
            Kind::ActiveServers => ("active-server list", "active-server lists"),
            _ => return crate::plural(n, self.noun()),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }

    /// The YAML field names of an object of this kind.
    pub fn fields(self) -> impl Iterator<Item = &'static str> {
        self.desc().fields.iter().map(|f| f.yaml)
    }

    /// The fields that make up an object's identity: never changed in place, so never ignorable.
    pub fn identity_fields(self) -> &'static [&'static str] {
        self.desc().identity
    }

    /// The field of this kind named `yaml`.
    pub fn field(self, yaml: &str) -> Option<&'static Field> {
        self.desc().fields.iter().find(|f| f.yaml == yaml)
    }

    /// An object of this kind named in a message: ``room `POOL\Name` ``, ``policy grant of `sip:…` ``.
    pub fn label(self, identity: &str) -> String {
        match self {
            Kind::PolicyGrant | Kind::ActiveServers => format!("{} of `{identity}`", self.noun()),
            _ => format!("{} `{identity}`", self.noun()),
        }
    }

    /// The kind named by a top-level YAML key.
    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == key)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.noun())
    }
}

/// A model type that is one kind's object, and where a state keeps it.
pub trait Object: Serialize + serde::de::DeserializeOwned + JsonSchema + Clone + Sized {
    const KIND: Kind;
    /// The key of the state's map (normalized where the service ignores case or form); its
    /// text (as plans name objects) parses back.
    type Key: Ord + Clone + std::fmt::Display + std::str::FromStr;

    /// The identity as the cmdlets print it (`POOL\Name`, `site:Redmond`, `sip:…`).
    fn identity(&self) -> String;
    /// A field's value as `get` shows it in a table cell (`None`: no such field).
    fn cell(&self, yaml: &str) -> Option<String>;
    fn map(state: &DesiredState) -> &BTreeMap<Self::Key, Self>;
    fn map_mut(state: &mut DesiredState) -> &mut BTreeMap<Self::Key, Self>;
    /// The objects of this kind one file declares.
    fn declared(doc: &Document) -> &[Self];
    fn declared_mut(doc: &mut Document) -> &mut Vec<Self>;
    /// pchat's own settings for the object (pools and principals have none).
    fn lifecycle(&self) -> Option<&Lifecycle>;
}

/// Adds the (kind, key) of every object of a kind in `state`.
pub fn keys_of<T: Object>(state: &DesiredState, out: &mut Vec<(Kind, String)>) {
    out.extend(T::map(state).keys().map(|k| (T::KIND, k.to_string())));
}

fn pooled(pool: &Option<String>, name: &str) -> String {
    format!("{}\\{name}", pool.as_deref().unwrap_or_default())
}

/// A field's value as a table cell.
trait Cell {
    fn cell(&self) -> String;
}

macro_rules! cell_by {
    (|$x:ident| $f:expr => $($t:ty),*) => {
        $(impl Cell for $t {
            fn cell(&self) -> String {
                let $x = self;
                $f
            }
        })*
    };
}

cell_by!(|x| x.to_string() => bool, u32, String, TimeSpan, Scope, ServiceId);
cell_by!(|x| x.clone().unwrap_or_default() => Option<String>);
cell_by!(|x| x.join(", ") => Vec<String>);
cell_by!(|x| x.as_str().to_string() => RoomType, Privacy, PoolState, PrincipalType, RoomInvitations);

/// The fields of each kind by YAML name, for [`Object::cell`].
macro_rules! cells {
    ($($t:ty { $($name:literal => $field:ident),* })*) => {
        $(impl Cells for $t {
            fn cell(&self, yaml: &str) -> Option<String> {
                match yaml {
                    $($name => Some(self.$field.cell()),)*
                    _ => None,
                }
            }
        })*
    };
}

trait Cells {
    fn cell(&self, yaml: &str) -> Option<String>;
}

cells! {
    Pool { "fqdn" => fqdn, "site" => site, "servers" => servers }
    Principal { "type" => principal_type, "sipAddress" => sip_address,
        "distinguishedName" => distinguished_name, "displayName" => display_name,
        "site" => site, "enabled" => enabled, "members" => members }
    Category { "name" => name, "previousNames" => previous_names,
        "persistentChatPoolFqdn" => persistent_chat_pool_fqdn,
        "description" => description, "invitations" => invitations,
        "fileUpload" => file_upload, "chatHistory" => chat_history,
        "allowedMembers" => allowed_members, "deniedMembers" => denied_members,
        "creators" => creators }
    Addin { "name" => name, "previousNames" => previous_names,
        "persistentChatPoolFqdn" => persistent_chat_pool_fqdn, "url" => url }
    Room { "name" => name, "previousNames" => previous_names,
        "persistentChatPoolFqdn" => persistent_chat_pool_fqdn,
        "category" => category, "description" => description, "type" => room_type,
        "privacy" => privacy, "addin" => addin, "invitations" => invitations,
        "disabled" => disabled, "members" => members, "managers" => managers,
        "presenters" => presenters }
    PersistentChatPolicy { "identity" => identity,
        "enablePersistentChat" => enable_persistent_chat, "description" => description }
    PolicyGrant { "identity" => identity, "policyName" => policy_name }
    ComplianceConfiguration { "identity" => identity, "adapterType" => adapter_type,
        "adapterName" => adapter_name, "adapterOutputDirectory" => adapter_output_directory,
        "runInterval" => run_interval,
        "oneChatRoomPerOutputFile" => one_chat_room_per_output_file,
        "addChatRoomDetails" => add_chat_room_details, "addUserDetails" => add_user_details,
        "createFileAttachmentsManifest" => create_file_attachments_manifest,
        "customConfiguration" => custom_configuration }
    PersistentChatConfiguration { "identity" => identity,
        "defaultChatHistory" => default_chat_history,
        "participantUpdateLimit" => participant_update_limit,
        "maxFileSizeKB" => max_file_size_kb, "roomManagementUrl" => room_management_url }
    Endpoint { "sipAddress" => sip_address, "persistentChatPoolFqdn" => persistent_chat_pool_fqdn,
        "displayName" => display_name }
    PersistentChatState { "identity" => identity, "poolState" => pool_state }
    ActiveServers { "identity" => identity, "activeServers" => active_servers }
}

macro_rules! object {
    ($t:ty, $kind:ident, $key:ty, $field:ident, |$x:ident| $identity:expr $(, $no:ident)?) => {
        impl Object for $t {
            const KIND: Kind = Kind::$kind;
            type Key = $key;
            fn identity(&self) -> String {
                let $x = self;
                $identity
            }
            fn cell(&self, yaml: &str) -> Option<String> {
                Cells::cell(self, yaml)
            }
            fn map(state: &DesiredState) -> &BTreeMap<$key, Self> {
                &state.$field
            }
            fn map_mut(state: &mut DesiredState) -> &mut BTreeMap<$key, Self> {
                &mut state.$field
            }
            fn declared(doc: &Document) -> &[Self] {
                &doc.$field
            }
            fn declared_mut(doc: &mut Document) -> &mut Vec<Self> {
                &mut doc.$field
            }
            fn lifecycle(&self) -> Option<&Lifecycle> {
                object!(@lifecycle self $($no)?)
            }
        }
    };
    (@lifecycle $s:ident) => {
        Some(&$s.lifecycle)
    };
    (@lifecycle $s:ident no_lifecycle) => {
        None
    };
}

object!(Pool, Pool, String, pools, |x| x.fqdn.clone(), no_lifecycle);
object!(
    Principal,
    Principal,
    String,
    principals,
    |x| x.identity().to_string(),
    no_lifecycle
);
object!(Category, Category, ObjectId, categories, |x| pooled(
    &x.persistent_chat_pool_fqdn,
    &x.name
));
object!(Addin, Addin, ObjectId, addins, |x| pooled(
    &x.persistent_chat_pool_fqdn,
    &x.name
));
object!(Room, Room, ObjectId, rooms, |x| pooled(
    &x.persistent_chat_pool_fqdn,
    &x.name
));
object!(PersistentChatPolicy, Policy, Scope, policies, |x| x
    .identity
    .to_string());
object!(PolicyGrant, PolicyGrant, String, policy_grants, |x| x
    .identity
    .clone());
object!(
    ComplianceConfiguration,
    ComplianceConfiguration,
    Scope,
    compliance_configurations,
    |x| x.identity.to_string()
);
object!(
    PersistentChatConfiguration,
    Configuration,
    Scope,
    configurations,
    |x| x.identity.to_string()
);
object!(Endpoint, Endpoint, String, endpoints, |x| x
    .sip_address
    .clone());
object!(PersistentChatState, State, ServiceId, states, |x| x
    .identity
    .to_string());
object!(
    ActiveServers,
    ActiveServers,
    ServiceId,
    active_servers,
    |x| x.identity.to_string()
);

/// Calls a function generic over [`Object`] once per kind, parents first:
/// `each_kind!(count, &state, &mut n)` calls `count::<Pool>(&state, &mut n)`, then
/// `count::<Principal>(…)`, and so on.
macro_rules! each_kind {
    ($f:ident $(, $arg:expr)*) => {{
        use $crate::model as m;
        $f::<m::Pool>($($arg),*);
        $f::<m::Principal>($($arg),*);
        $f::<m::Category>($($arg),*);
        $f::<m::Addin>($($arg),*);
        $f::<m::Room>($($arg),*);
        $f::<m::PersistentChatPolicy>($($arg),*);
        $f::<m::PolicyGrant>($($arg),*);
        $f::<m::ComplianceConfiguration>($($arg),*);
        $f::<m::PersistentChatConfiguration>($($arg),*);
        $f::<m::Endpoint>($($arg),*);
        $f::<m::PersistentChatState>($($arg),*);
        $f::<m::ActiveServers>($($arg),*);
    }};
}
pub(crate) use each_kind;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_in_kind_order() {
        for k in Kind::ALL {
            assert_eq!(k.desc().kind, k);
            for p in k.desc().parents {
                assert!(*p < k, "{k}: parent {p} must come first");
            }
            for id in k.identity_fields() {
                assert!(k.field(id).is_some(), "{k}: identity field {id}");
            }
            // New- takes these as switches: the generated flag is a Boolean.
            for f in k.desc().fields.iter().filter(|f| f.new_param.is_some()) {
                assert_eq!(f.ty, Ty::Bool, "{k}: {}", f.yaml);
            }
        }
    }
}
