//! An operation from its cmdlet's parameters by name: the inverse of `params`. A command made
//! from the kind layer (`cli::noun`) hands over what it was given, by the cmdlet's own names,
//! and gets the call back without knowing any kind's struct. Values are typed here (one parser
//! per [`Ty`]), so the CLI's flags and this agree on what a value may be.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// What a cmdlet does to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    New,
    Set,
    Remove,
}

crate::model::value_names!(Verb { New = "new", Set = "set", Remove = "remove" });

/// The parameters a command was given, by the cmdlet's names (`Privacy`, `Members`, `Force`).
#[derive(Debug, Default, Clone)]
pub struct Given {
    values: BTreeMap<&'static str, String>,
    lists: BTreeMap<&'static str, ListChange>,
    switches: BTreeSet<&'static str>,
}

impl Given {
    pub fn value(&mut self, param: &'static str, v: String) {
        self.values.insert(param, v);
    }
    pub fn list(&mut self, param: &'static str, change: ListChange) {
        self.lists.insert(param, change);
    }
    pub fn switch(&mut self, param: &'static str) {
        self.switches.insert(param);
    }

    fn text(&self, p: &str) -> Option<String> {
        self.values.get(p).cloned()
    }
    fn need(&self, p: &str) -> Result<String, String> {
        self.text(p).ok_or_else(|| format!("-{p} is required"))
    }
    fn parsed<T>(
        &self,
        p: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        self.values
            .get(p)
            .map(|v| parse(v).map_err(|e| format!("-{p} `{v}`: {e}")))
            .transpose()
    }
    fn bool(&self, p: &str) -> Result<Option<bool>, String> {
        self.parsed(p, boolean)
    }
    /// A switch, or a Boolean given as one (`-Disabled`, `-Disabled:$True`).
    fn on(&self, p: &str) -> Result<bool, String> {
        Ok(self.switches.contains(p) || self.bool(p)?.unwrap_or(false))
    }
    /// `Some(None)`: `$null` clears it.
    fn clearable(&self, p: &str) -> Option<Option<String>> {
        self.text(p).map(|v| (!is_null(&v)).then_some(v))
    }
    fn changes(&self, p: &str) -> ListChange {
        self.lists.get(p).cloned().unwrap_or_default()
    }
}

/// `$Null`, `null` or an empty value: the cmdlets' way to clear a value.
pub fn is_null(s: &str) -> bool {
    s.is_empty() || s.eq_ignore_ascii_case("$null") || s.eq_ignore_ascii_case("null")
}

/// A Boolean parameter's value as PowerShell writes it: `true`/`false`, `$True`/`$False` (any
/// case), or `1`/`0`.
pub fn boolean(s: &str) -> Result<bool, String> {
    let v = s.strip_prefix('$').unwrap_or(s);
    if v.eq_ignore_ascii_case("true") || v == "1" {
        Ok(true)
    } else if v.eq_ignore_ascii_case("false") || v == "0" {
        Ok(false)
    } else {
        Err("expected true or false ($True or $False)".into())
    }
}

/// One of `options`, matched without regard to case, in its own spelling.
pub fn choice(options: &[&'static str], s: &str) -> Result<&'static str, String> {
    let named: Vec<(&str, &'static str)> = options.iter().map(|o| (*o, *o)).collect();
    crate::model::identity::one_of(s, &named)
}

pub use crate::model::identity::service_id;

fn number(s: &str) -> Result<u32, String> {
    s.parse().map_err(|_| "expected a whole number".to_string())
}

fn timespan(s: &str) -> Result<TimeSpan, String> {
    s.parse()
}

/// One parameter a cmdlet takes, as its description gives it.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub param: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// What the parameter sets, for a flag's help (`None`: said elsewhere).
    pub help: Option<&'static str>,
}

impl Param {
    pub const fn new(param: &'static str, ty: Ty) -> Param {
        Param {
            param,
            ty,
            required: false,
            help: None,
        }
    }

    const fn help(mut self, help: &'static str) -> Param {
        self.help = Some(help);
        self
    }

    /// The parameter as a command-line flag: `MaxFileSizeKB` → `max-file-size-kb`.
    pub fn long(&self) -> String {
        let c: Vec<char> = self.param.chars().collect();
        let mut out = String::new();
        for (i, ch) in c.iter().enumerate() {
            let starts = i > 0
                && ch.is_ascii_uppercase()
                && (c[i - 1].is_ascii_lowercase()
                    || c.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
            if starts {
                out.push('-');
            }
            out.push(ch.to_ascii_lowercase());
        }
        out
    }
}

/// `Get-CsPersistentChatRoom`'s parameters beyond identity, filter and pool.
pub const ROOM_FILTERS: &[Param] = &[
    Param::new("Category", Ty::Text).help("Only rooms of this category (by name)"),
    Param::new("Privacy", Ty::Choice(&["Open", "Closed", "Secret"]))
        .help("Only rooms of this privacy"),
    Param::new("Type", Ty::Choice(&["Normal", "Auditorium"])).help("Only rooms of this type"),
    Param::new("Member", Ty::Text).help("Rooms with this member"),
    Param::new("Manager", Ty::Text).help("Rooms with this manager"),
    Param::new("Presenter", Ty::Text).help("Rooms with this presenter"),
    Param::new("Disabled", Ty::Bool).help("Disabled (true) or enabled (false) rooms"),
    Param::new("Addin", Ty::Text).help("Rooms showing this add-in (by name)"),
    Param::new("Invitations", Ty::Choice(&["Inherit", "False"])).help("Inherit or False"),
    Param::new("SearchDescription", Ty::Bool).help("`--filter` matches the description too"),
    Param::new("ResultSize", Ty::Number).help("At most this many rooms (0: none)"),
];

/// The room filters given ([`ROOM_FILTERS`]).
///
/// # Errors
/// A value its parameter does not take.
pub fn room_query(g: &Given) -> Result<crate::model::query::RoomQuery, String> {
    Ok(crate::model::query::RoomQuery {
        category: g.text("Category"),
        privacy: g.parsed("Privacy", str::parse::<Privacy>)?,
        room_type: g.parsed("Type", str::parse::<RoomType>)?,
        member: g.text("Member"),
        manager: g.text("Manager"),
        presenter: g.text("Presenter"),
        disabled: g.bool("Disabled")?,
        addin: g.text("Addin"),
        invitations: g.parsed("Invitations", str::parse::<RoomInvitations>)?,
        search_description: g.on("SearchDescription")?,
        result_size: g.parsed("ResultSize", number)?.map(|n| n as usize),
    })
}

/// The pool a pooled object is created in, beside its fields.
pub const POOL_PARAM: &str = "PersistentChatPoolFqdn";

/// The parameters `verb` takes for `kind`, from its description.
pub fn params(kind: Kind, verb: Verb) -> Vec<Param> {
    let desc = kind.desc();
    let mut out = Vec::new();
    if verb == Verb::New && desc.naming == Naming::Pooled {
        out.push(Param::new(POOL_PARAM, Ty::Text));
    }
    for f in desc.fields {
        let Some(param) = f.param else { continue };
        // `New-` takes only some fields, some under names of their own (Booleans still);
        // `Set-` takes every field with a parameter; `Remove-` none.
        // A switch of `New-` under a name of its own says its own help (`-RemoveChatHistory`).
        let (param, taken, help) = match verb {
            Verb::New => (
                f.new_param.unwrap_or(param),
                f.on_new,
                f.help.filter(|_| f.new_param.is_none()),
            ),
            Verb::Set => (param, true, f.help),
            Verb::Remove => (param, false, None),
        };
        if taken {
            out.push(Param {
                param,
                ty: f.ty,
                required: f.required && (verb == Verb::New || desc.cmdlets.new.is_none()),
                help,
            });
        }
    }
    for (v, switch) in desc.switches {
        if *v == verb.as_str() {
            out.push(Param::new(switch, Ty::Bool));
        }
    }
    out
}

/// Whether `s` is a value a parameter of type `ty` takes (what a flag checks as it parses).
pub fn check(ty: Ty, s: &str) -> Result<(), String> {
    match ty {
        Ty::Text | Ty::Clearable | Ty::List(_) => Ok(()),
        Ty::Bool => boolean(s).map(drop),
        Ty::Number => number(s).map(drop),
        Ty::TimeSpan => timespan(s).map(drop),
        Ty::Choice(options) => choice(options, s).map(drop),
    }
}

/// The call of `verb` on an object of `kind` named `identity` (its key's text) with the
/// parameters `g`.
///
/// # Errors
/// A required parameter missing, a value its parameter does not take, an identity that does
/// not parse, or a verb the service has no cmdlet for.
pub fn operation(
    kind: Kind,
    verb: Verb,
    identity: Option<&str>,
    g: &Given,
) -> Result<Operation, String> {
    use Operation::*;
    let id = || identity.ok_or_else(|| "-Identity is required".to_string());
    let object = || id()?.parse::<ObjectId>();
    let scope = || id()?.parse::<Scope>();
    let service = || service_id(id()?);
    let pool = || g.text("PersistentChatPoolFqdn");
    let description = || g.text("Description").unwrap_or_default();
    Ok(match (kind, verb) {
        (Kind::Category, Verb::New) => NewCategory {
            pool: pool(),
            name: g.need("Name")?,
            description: description(),
            enable_invitations: g.on("EnableInvitations")?,
            enable_file_upload: g.on("EnableFileUpload")?,
            remove_chat_history: g.on("RemoveChatHistory")?,
        },
        (Kind::Category, Verb::Set) => SetCategory {
            identity: object()?,
            name: g.text("Name"),
            description: g.text("Description"),
            invitations: g.bool("Invitations")?,
            file_upload: g.bool("FileUpload")?,
            chat_history: g.bool("ChatHistory")?,
            allowed_members: g.changes("AllowedMembers"),
            denied_members: g.changes("DeniedMembers"),
            creators: g.changes("Creators"),
        },
        (Kind::Category, Verb::Remove) => RemoveCategory {
            identity: object()?,
        },
        (Kind::Room, Verb::New) => NewRoom {
            pool: pool(),
            name: g.need("Name")?,
            category: g.need("Category")?,
            description: description(),
            room_type: g
                .parsed("Type", str::parse::<RoomType>)?
                .unwrap_or_default(),
            privacy: g
                .parsed("Privacy", str::parse::<Privacy>)?
                .unwrap_or_default(),
            addin: g.clearable("Addin").flatten(),
            invitations: g
                .parsed("Invitations", str::parse::<RoomInvitations>)?
                .unwrap_or_default(),
            disabled: g.on("Disabled")?,
        },
        (Kind::Room, Verb::Set) => SetRoom {
            identity: object()?,
            name: g.text("Name"),
            category: g.text("Category"),
            description: g.text("Description"),
            room_type: g.parsed("Type", str::parse::<RoomType>)?,
            privacy: g.parsed("Privacy", str::parse::<Privacy>)?,
            addin: g.clearable("Addin"),
            invitations: g.parsed("Invitations", str::parse::<RoomInvitations>)?,
            disabled: g.bool("Disabled")?,
            members: g.changes("Members"),
            managers: g.changes("Managers"),
            presenters: g.changes("Presenters"),
        },
        (Kind::Room, Verb::Remove) => RemoveRoom {
            identity: object()?,
        },
        (Kind::Addin, Verb::New) => NewAddin {
            pool: pool(),
            name: g.need("Name")?,
            url: g.need("Url")?,
        },
        (Kind::Addin, Verb::Set) => SetAddin {
            identity: object()?,
            name: g.text("Name"),
            url: g.text("Url"),
        },
        (Kind::Addin, Verb::Remove) => RemoveAddin {
            identity: object()?,
            force: g.on("Force")?,
        },
        (Kind::Policy, Verb::New) => NewPolicy {
            identity: scope()?,
            enable_persistent_chat: g.on("EnablePersistentChat")?,
            description: description(),
        },
        (Kind::Policy, Verb::Set) => SetPolicy {
            identity: scope()?,
            enable_persistent_chat: g.bool("EnablePersistentChat")?,
            description: g.text("Description"),
        },
        (Kind::Policy, Verb::Remove) => RemovePolicy {
            identity: scope()?,
            force: g.on("Force")?,
        },
        (Kind::ComplianceConfiguration, Verb::New | Verb::Set) => {
            let params = compliance(g)?;
            let identity = scope()?;
            match verb {
                Verb::New => NewComplianceConfiguration { identity, params },
                _ => SetComplianceConfiguration { identity, params },
            }
        }
        (Kind::ComplianceConfiguration, Verb::Remove) => {
            RemoveComplianceConfiguration { identity: scope()? }
        }
        (Kind::Configuration, Verb::New | Verb::Set) => {
            let params = configuration(g)?;
            let identity = scope()?;
            match verb {
                Verb::New => NewConfiguration { identity, params },
                _ => SetConfiguration { identity, params },
            }
        }
        (Kind::Configuration, Verb::Remove) => RemoveConfiguration { identity: scope()? },
        (Kind::Endpoint, Verb::New) => NewEndpoint {
            sip_address: g.need("SipAddress")?,
            pool: pool(),
            display_name: g.text("DisplayName"),
        },
        (Kind::Endpoint, Verb::Remove) => RemoveEndpoint {
            sip_address: id()?.to_string(),
        },
        (Kind::State, Verb::Set) => SetState {
            identity: service()?,
            pool_state: g
                .parsed("PoolState", str::parse::<PoolState>)?
                .ok_or("-PoolState is required")?,
        },
        (Kind::ActiveServers, Verb::Set) => SetActiveServer {
            identity: service()?,
            active_servers: g.changes("ActiveServers"),
            swap: g.on("Swap")?,
        },
        _ => {
            return Err(format!(
                "the service has no `{}` cmdlet for a {kind}",
                verb.as_str()
            ))
        }
    })
}

fn compliance(g: &Given) -> Result<ComplianceParams, String> {
    Ok(ComplianceParams {
        adapter_type: g.text("AdapterType"),
        adapter_name: g.text("AdapterName"),
        adapter_output_directory: g.text("AdapterOutputDirectory"),
        run_interval: g.parsed("RunInterval", timespan)?,
        one_chat_room_per_output_file: g.bool("OneChatRoomPerOutputFile")?,
        add_chat_room_details: g.bool("AddChatRoomDetails")?,
        add_user_details: g.bool("AddUserDetails")?,
        create_file_attachments_manifest: g.bool("CreateFileAttachmentsManifest")?,
        custom_configuration: g.text("CustomConfiguration"),
    })
}

fn configuration(g: &Given) -> Result<ConfigurationParams, String> {
    Ok(ConfigurationParams {
        default_chat_history: g.parsed("DefaultChatHistory", number)?,
        participant_update_limit: g.parsed("ParticipantUpdateLimit", number)?,
        max_file_size_kb: g.parsed("MaxFileSizeKB", number)?,
        room_management_url: g.clearable("RoomManagementUrl"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_kebab_case_flags() {
        for (param, flag) in [
            ("MaxFileSizeKB", "max-file-size-kb"),
            ("PersistentChatPoolFqdn", "persistent-chat-pool-fqdn"),
            ("Type", "type"),
            ("SipAddress", "sip-address"),
        ] {
            assert_eq!(Param::new(param, Ty::Text).long(), flag);
        }
    }

    /// Every call a kind's description names is built from parameters, and renders back to
    /// the parameters it was built from.
    #[test]
    fn a_call_is_built_from_its_parameters_and_renders_them_back() {
        let mut g = Given::default();
        g.value("Name", "Sales Leads".into());
        g.value("Category", "Sales".into());
        g.value("Privacy", "secret".into());
        g.value("Disabled", "$True".into());
        let op = operation(Kind::Room, Verb::New, None, &g).unwrap();
        let sent: Vec<(&str, String)> = op
            .params()
            .iter()
            .map(|p| (p.name, format!("{:?}", p.value)))
            .collect();
        assert!(
            sent.contains(&("Privacy", "Enum(\"Secret\")".into())),
            "{sent:?}"
        );
        assert!(
            sent.contains(&("Disabled", "Bool(true)".into())),
            "{sent:?}"
        );
        let mut bad = g.clone();
        bad.value("Privacy", "Secrt".into());
        let e = operation(Kind::Room, Verb::New, None, &bad).unwrap_err();
        assert!(e.contains("did you mean `Secret`"), "{e}");
        let mut set = Given::default();
        set.value("Addin", "$null".into());
        let op = operation(Kind::Room, Verb::Set, Some("p.x.com\\R"), &set).unwrap();
        assert!(
            matches!(
                op,
                Operation::SetRoom {
                    addin: Some(None),
                    ..
                }
            ),
            "{op:?}"
        );
        for kind in Kind::ALL {
            let c = kind.desc().cmdlets;
            for (verb, cmdlet) in [(Verb::Remove, c.remove), (Verb::New, c.new)] {
                let built = operation(kind, verb, Some("global"), &Given::default());
                if cmdlet.is_none() {
                    assert!(built.is_err(), "{kind} {verb:?}");
                }
            }
        }
    }
}
