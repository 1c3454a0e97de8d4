//! Plans as versioned JSON (`pchat plan --format json`, and the file `plan --out` saves). This
//! type is the boundary: the planner's own types are not serialized directly, so they can change
//! without changing the format. Its schema is `schema/plan.schema.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::{Action, FieldDiff, Plan};

/// Bump when a field changes meaning or goes away; readers refuse other versions. 2: a changed
/// value's `old` and `new` are JSON values (`"temp"`, `30`, `true`), no longer JSON text.
pub const FORMAT_VERSION: u32 = 2;

/// A plan as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "pchat plan")]
pub struct PlanFile {
    pub format_version: u32,
    /// The pchat that wrote it.
    pub pchat_version: String,
    /// The store revision the plan was made against; applying it elsewhere is refused.
    pub store_revision: i64,
    /// Which store the plan was made against (its id, and its URL with any password masked):
    /// applying it to another store is refused as such.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// A digest of the configuration files; applying after they changed is refused.
    pub config_digest: String,
    /// The configuration paths and the planning options, so `apply --plan` can plan again from
    /// the same inputs and check that the result is this plan.
    pub inputs: Inputs,
    pub summary: Summary,
    /// Every change: those the configuration asks for, and those that undo out-of-band drift
    /// (`drift: true`, also listed in `drift`).
    pub changes: Vec<ChangeJson>,
    /// The changes that undo out-of-band drift: the store moved since the last apply while the
    /// configuration asks the same of these objects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<ObjectRef>,
    /// Live objects not in the configuration that stay.
    pub kept: Vec<ObjectRef>,
    /// Drift in `lifecycle.ignoreChanges` fields.
    pub ignored: Vec<IgnoredJson>,
    /// Fields not compared because the live side does not know them (a snapshot could not
    /// read them): no change of them is planned. `identity` absent: every object of the kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<UnknownJson>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnknownJson {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    pub field: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Inputs {
    pub paths: Vec<String>,
    /// `managed`, `all` or `none`.
    pub prune: String,
    /// `KIND/IDENTITY` targets; empty: everything.
    pub targets: Vec<String>,
    pub threshold_percent: f64,
    pub threshold_min: usize,
}

impl Inputs {
    /// What a plan is made from: the configuration's paths and the options.
    pub fn new(paths: &[std::path::PathBuf], opts: &crate::plan::PlanOptions) -> Inputs {
        Inputs {
            paths: paths.iter().map(|p| p.display().to_string()).collect(),
            prune: opts.prune.as_str().into(),
            targets: opts
                .targets
                .iter()
                .map(|(k, id)| format!("{}/{id}", k.key()))
                .collect(),
            threshold_percent: opts.threshold.percent,
            threshold_min: opts.threshold.min_objects,
        }
    }

    /// The options a saved plan was made with.
    pub fn options(&self) -> Result<crate::plan::PlanOptions, String> {
        use crate::plan::{PlanOptions, Threshold};
        Ok(PlanOptions {
            prune: self.prune.parse()?,
            targets: self
                .targets
                .iter()
                .map(|t| crate::plan::parse_target(t))
                .collect::<Result<_, _>>()?,
            threshold: Threshold {
                percent: self.threshold_percent,
                min_objects: self.threshold_min,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub remove: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub kind: String,
    pub identity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeJson {
    /// `create`, `update`, `replace` or `delete`.
    pub action: String,
    pub kind: String,
    pub identity: String,
    /// The cmdlets that carry the change out, in order.
    pub cmdlets: Vec<String>,
    pub fields: Vec<FieldJson>,
    pub protected: bool,
    /// Whether pchat managed the object before this change; a `delete` of an unmanaged object
    /// comes only from `--prune all`.
    #[serde(default = "yes")]
    pub managed: bool,
    /// The identity a renamed object had (`previousNames`): `Set-… -Name` changes it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// The change undoes out-of-band drift rather than a change of the configuration.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drift: bool,
    /// What a removal takes with it (`42 message`, `3 room`, `5 grant`); removing messages
    /// needs `apply --allow-destroy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroys: Option<DestroysJson>,
}

/// Content a removal destroys, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DestroysJson {
    pub count: u64,
    /// `message`, `room` or `grant`.
    pub what: String,
}

fn yes() -> bool {
    true
}

/// A changed field: a value (`old` → `new`) or a list (`added`, `removed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FieldJson {
    /// A value: `old` (absent for a new object) and `new`, each the field's JSON value.
    Value {
        field: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old: Option<serde_json::Value>,
        new: serde_json::Value,
    },
    /// A list's added and removed entries.
    List {
        field: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        added: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        removed: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IgnoredJson {
    pub kind: String,
    pub identity: String,
    pub field: String,
    pub live: String,
    pub desired: String,
}

fn action(a: Action) -> &'static str {
    match a {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
    }
}

impl PlanFile {
    pub fn new(plan: &Plan, config_digest: String, inputs: Inputs) -> Self {
        let (add, change, remove) = plan.counts();
        PlanFile {
            format_version: FORMAT_VERSION,
            pchat_version: env!("CARGO_PKG_VERSION").into(),
            store_revision: plan.revision,
            store_id: None,
            store: None,
            config_digest,
            inputs,
            summary: Summary {
                add,
                change,
                remove,
            },
            changes: plan
                .changes
                .iter()
                .map(|c| ChangeJson {
                    action: action(c.action).into(),
                    kind: c.kind.key().into(),
                    identity: c.identity.clone(),
                    cmdlets: c
                        .operations
                        .iter()
                        .map(|o| o.cmdlet().to_string())
                        .collect(),
                    fields: c
                        .fields
                        .get()
                        .iter()
                        .map(|f| match f {
                            FieldDiff::Value { field, old, new } => FieldJson::Value {
                                field: field.clone(),
                                old: (!old.is_empty()).then(|| json_value(old)),
                                new: json_value(new),
                            },
                            FieldDiff::List {
                                field,
                                added,
                                removed,
                            } => FieldJson::List {
                                field: field.clone(),
                                added: added.clone(),
                                removed: removed.clone(),
                            },
                        })
                        .collect(),
                    protected: c.protected,
                    managed: c.managed,
                    renamed_from: c.renamed_from.clone(),
                    drift: c.drift,
                    destroys: c.destroys.map(|d| DestroysJson {
                        count: d.count,
                        what: d.what.into(),
                    }),
                })
                .collect(),
            drift: plan
                .changes
                .iter()
                .filter(|c| c.drift)
                .map(|c| ObjectRef {
                    kind: c.kind.key().into(),
                    identity: c.identity.clone(),
                })
                .collect(),
            kept: plan
                .kept
                .iter()
                .map(|(k, id)| ObjectRef {
                    kind: k.key().into(),
                    identity: id.clone(),
                })
                .collect(),
            ignored: plan
                .ignored
                .iter()
                .map(|i| IgnoredJson {
                    kind: i.kind.key().into(),
                    identity: i.identity.clone(),
                    field: i.field.clone(),
                    live: i.live.clone(),
                    desired: i.desired.clone(),
                })
                .collect(),
            unknown: plan
                .unknown
                .iter()
                .map(|u| UnknownJson {
                    kind: u.kind.key().into(),
                    identity: u.identity.clone(),
                    field: u.field.clone(),
                    why: u.why.clone(),
                })
                .collect(),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a plan serializes");
        s.push('\n');
        s
    }

    /// Reads a saved plan, refusing other formats and versions with a message that says why.
    pub fn parse(text: &str) -> Result<PlanFile, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not a pchat plan: {e}"))?;
        match v.get("formatVersion").and_then(|x| x.as_u64()) {
            Some(n) if n == u64::from(FORMAT_VERSION) => {}
            Some(n) => {
                return Err(format!(
                    "plan format version {n} (written by pchat {}), this pchat reads version {FORMAT_VERSION}",
                    v.get("pchatVersion").and_then(|x| x.as_str()).unwrap_or("?")
                ))
            }
            None => return Err("not a pchat plan: no formatVersion".into()),
        }
        serde_json::from_value(v).map_err(|e| format!("not a pchat plan: {e}"))
    }
}

/// A field's value as the planner writes it (JSON text) as a JSON value; text that is not
/// JSON (none is expected) stays a string rather than being lost.
fn json_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
}

/// The JSON Schema of plan files.
pub fn schema() -> String {
    let mut s = serde_json::to_string_pretty(&schemars::schema_for!(PlanFile))
        .expect("a schema serializes");
    s.push('\n');
    s
}
