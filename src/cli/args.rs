//! Parsers for cmdlet parameter values the commands share: identities, Booleans (typed in
//! `ops::build`, as every generated flag is), name patterns, and a pipeline's selection.

use crate::model::*;

pub use crate::ops::build::boolean;

pub fn scope(s: &str) -> Result<Scope, String> {
    s.parse()
}

/// `POOL_FQDN\NAME`, or a bare name (an empty pool), which the command resolves to the one
/// object of that name in any pool (resolved by the command), as the cmdlets take it.
pub fn object_id(s: &str) -> Result<ObjectId, String> {
    match s.parse() {
        Ok(id) => Ok(id),
        Err(_) if !s.is_empty() && !s.contains('\\') => Ok(ObjectId::new("", s)),
        Err(e) => Err(e),
    }
}

/// Whether an identity was given as a bare name (no pool).
pub fn is_bare(id: &ObjectId) -> bool {
    id.pool.is_empty()
}

/// Output format of `get` commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GetFormat {
    Table,
    Json,
    Yaml,
}

impl From<GetFormat> for crate::render::objects::Format {
    fn from(f: GetFormat) -> Self {
        use crate::render::objects::Format;
        match f {
            GetFormat::Table => Format::Table,
            GetFormat::Json => Format::Json,
            GetFormat::Yaml => Format::Yaml,
        }
    }
}

/// A pipeline's selection (`Get-… | Remove-…`, `| Clear-…`, `| Grant-…`): every object
/// (`--all`) or those a `--filter` selects as `get` would list them; with `--yes` the cmdlet
/// runs on each in one transaction, without it the count and names are shown and nothing is done.
#[derive(Debug, clap::Args)]
pub struct Pipe {
    /// Act on every object (`Get-… | Remove-…`)
    #[arg(long, conflicts_with = "identity")]
    pub all: bool,
    /// Act on the objects whose name matches this pattern (`*` and `?`), or whose properties
    /// match these comparisons (`Disabled -eq $True`)
    #[arg(long, conflicts_with = "identity")]
    pub filter: Option<String>,
    /// Go ahead with what `--all` or `--filter` selects (without it, the selection is shown);
    /// `room remove --identity` of a room that holds messages needs it too
    #[arg(long)]
    pub yes: bool,
}

impl Pipe {
    /// Whether the command acts on a selection rather than one `--identity`.
    pub fn selects(&self) -> bool {
        self.all || self.filter.is_some()
    }

    /// The keys of the objects selected (`query::pick`).
    pub fn pick<'s, T: crate::model::Object + 's>(
        &self,
        state: &'s crate::model::DesiredState,
        name: impl Fn(&T::Key, &T) -> String,
    ) -> Result<Vec<&'s T::Key>, String> {
        crate::model::query::pick::<T>(state, self.filter.as_deref(), name)
    }
}

/// The nouns, as the command line names them, with what their help says.
pub const NOUNS: &[(&str, Kind, &str)] = &[
    (
        "room",
        Kind::Room,
        "Rooms (Get/New/Set/Remove-CsPersistentChatRoom)",
    ),
    (
        "category",
        Kind::Category,
        "Categories (Get/New/Set/Remove-CsPersistentChatCategory)",
    ),
    (
        "addin",
        Kind::Addin,
        "Add-ins (Get/New/Set/Remove-CsPersistentChatAddin)",
    ),
    (
        "policy",
        Kind::Policy,
        "Policies and their grants (Get/New/Set/Remove/Grant-CsPersistentChatPolicy)",
    ),
    (
        "compliance",
        Kind::ComplianceConfiguration,
        "Compliance configurations (…-CsPersistentChatComplianceConfiguration)",
    ),
    (
        "configuration",
        Kind::Configuration,
        "Service configurations (…-CsPersistentChatConfiguration)",
    ),
    (
        "endpoint",
        Kind::Endpoint,
        "Endpoints (Get/New/Remove-CsPersistentChatEndpoint)",
    ),
    (
        "state",
        Kind::State,
        "Pool state (Get/Set-CsPersistentChatState)",
    ),
    (
        "active-server",
        Kind::ActiveServers,
        "Active servers (Set-CsPersistentChatActiveServer)",
    ),
];

/// The command-line noun of a kind, where it has one.
pub fn noun_of(kind: Kind) -> Option<&'static str> {
    NOUNS
        .iter()
        .find(|(_, k, _)| *k == kind)
        .map(|(n, _, _)| *n)
}
