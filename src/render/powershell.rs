//! Plans as a PowerShell script an administrator can run as it is in the Lync Server / Skype for
//! Business Server Management Shell.
//!
//! Every string is a single-quoted literal in which each quote character PowerShell treats as a
//! single quote (`'` and U+2018 to U+201B) is doubled, so nothing in a name or description
//! (`$(…)`, backticks, `;`, newlines) is ever evaluated. Booleans are `$true`/`$false`, arrays
//! `@(…)`, list changes `@{Add=…; Remove=…}`.

use crate::ops::{ListChange, Operation};
use crate::plan::Plan;

/// The characters PowerShell's tokenizer takes as single quotes.
const QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// A single-quoted PowerShell literal of `s`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn boolean(b: bool) -> &'static str {
    if b {
        "$true"
    } else {
        "$false"
    }
}

fn array(items: &[String]) -> String {
    if items.is_empty() {
        "$null".into()
    } else {
        format!(
            "@({})",
            items.iter().map(|i| quote(i)).collect::<Vec<_>>().join(",")
        )
    }
}

/// `-Members @{Add=…; Remove=…}`, `-Members @(…)` or `-Members $null`; nothing when unchanged.
fn list(out: &mut String, param: &str, change: &ListChange) {
    if let Some(r) = &change.replace {
        if change.add.is_empty() && change.remove.is_empty() {
            out.push_str(&format!(" -{param} {}", array(r)));
            return;
        }
    }
    let mut parts = Vec::new();
    let mut add = change.replace.clone().unwrap_or_default();
    add.extend(change.add.iter().cloned());
    if !add.is_empty() {
        parts.push(format!(
            "Add={}",
            add.iter().map(|i| quote(i)).collect::<Vec<_>>().join(",")
        ));
    }
    if !change.remove.is_empty() {
        parts.push(format!(
            "Remove={}",
            change
                .remove
                .iter()
                .map(|i| quote(i))
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    if !parts.is_empty() {
        out.push_str(&format!(" -{param} @{{{}}}", parts.join("; ")));
    }
}

fn opt_str(out: &mut String, param: &str, v: &Option<String>) {
    if let Some(v) = v {
        out.push_str(&format!(" -{param} {}", quote(v)));
    }
}

fn opt_bool(out: &mut String, param: &str, v: &Option<bool>) {
    if let Some(v) = v {
        out.push_str(&format!(" -{param} {}", boolean(*v)));
    }
}

fn service(pool: &str) -> String {
    quote(&format!("service:PersistentChatServer:{pool}"))
}

/// One operation as one line of PowerShell.
pub fn operation(op: &Operation) -> String {
    use Operation::*;
    let mut s = String::from(op.cmdlet());
    match op {
        SetPool { pool } => {
            return format!(
                "Write-Verbose -Message {}",
                quote(&format!(
                    "pchat: pool {} must exist (Topology Builder)",
                    pool.fqdn
                ))
            );
        }
        SetPrincipal { principal } => {
            return format!(
                "Write-Verbose -Message {}",
                quote(&format!(
                    "pchat: directory principal {}",
                    principal.identity()
                ))
            );
        }
        RemovePrincipal { key } => {
            return format!(
                "Write-Verbose -Message {}",
                quote(&format!("pchat: directory principal {key} is gone"))
            );
        }
        NewCategory {
            pool,
            name,
            description,
            enable_invitations,
            enable_file_upload,
            remove_chat_history,
        } => {
            s.push_str(&format!(" -Name {}", quote(name)));
            opt_str(&mut s, "PersistentChatPoolFqdn", pool);
            if !description.is_empty() {
                s.push_str(&format!(" -Description {}", quote(description)));
            }
            for (on, switch) in [
                (*enable_invitations, "EnableInvitations"),
                (*enable_file_upload, "EnableFileUpload"),
                (*remove_chat_history, "RemoveChatHistory"),
            ] {
                if on {
                    s.push_str(&format!(" -{switch}"));
                }
            }
        }
        SetCategory {
            identity,
            description,
            invitations,
            file_upload,
            chat_history,
            allowed_members,
            denied_members,
            creators,
        } => {
            s.push_str(&format!(" -Identity {}", quote(&identity.to_string())));
            opt_str(&mut s, "Description", description);
            opt_bool(&mut s, "Invitations", invitations);
            opt_bool(&mut s, "FileUpload", file_upload);
            opt_bool(&mut s, "ChatHistory", chat_history);
            list(&mut s, "AllowedMembers", allowed_members);
            list(&mut s, "DeniedMembers", denied_members);
            list(&mut s, "Creators", creators);
        }
        RemoveCategory { identity } | RemoveRoom { identity } => {
            s.push_str(&format!(
                " -Identity {} -Confirm:$false",
                quote(&identity.to_string())
            ));
        }
        NewRoom {
            pool,
            name,
            category,
            description,
            room_type,
            privacy,
            addin,
            invitations,
            disabled,
        } => {
            s.push_str(&format!(" -Name {}", quote(name)));
            opt_str(&mut s, "PersistentChatPoolFqdn", pool);
            s.push_str(&format!(" -Category {}", quote(category)));
            if !description.is_empty() {
                s.push_str(&format!(" -Description {}", quote(description)));
            }
            s.push_str(&format!(" -Type {:?} -Privacy {:?}", room_type, privacy));
            opt_str(&mut s, "Addin", addin);
            s.push_str(&format!(" -Invitations {}", invitations.as_str()));
            if *disabled {
                s.push_str(" -Disabled $true");
            }
        }
        SetRoom {
            identity,
            category,
            description,
            room_type,
            privacy,
            addin,
            invitations,
            disabled,
            members,
            managers,
            presenters,
        } => {
            s.push_str(&format!(" -Identity {}", quote(&identity.to_string())));
            opt_str(&mut s, "Category", category);
            opt_str(&mut s, "Description", description);
            if let Some(t) = room_type {
                s.push_str(&format!(" -Type {t:?}"));
            }
            if let Some(p) = privacy {
                s.push_str(&format!(" -Privacy {p:?}"));
            }
            match addin {
                Some(Some(a)) => s.push_str(&format!(" -Addin {}", quote(a))),
                Some(None) => s.push_str(" -Addin $null"),
                None => {}
            }
            if let Some(i) = invitations {
                s.push_str(&format!(" -Invitations {}", i.as_str()));
            }
            opt_bool(&mut s, "Disabled", disabled);
            list(&mut s, "Members", members);
            list(&mut s, "Managers", managers);
            list(&mut s, "Presenters", presenters);
        }
        NewAddin { pool, name, url } => {
            s.push_str(&format!(" -Name {}", quote(name)));
            opt_str(&mut s, "PersistentChatPoolFqdn", pool);
            s.push_str(&format!(" -Url {}", quote(url)));
        }
        SetAddin { identity, url } => {
            s.push_str(&format!(" -Identity {}", quote(&identity.to_string())));
            opt_str(&mut s, "Url", url);
        }
        RemoveAddin { identity, force } => {
            s.push_str(&format!(
                " -Identity {} -Confirm:$false",
                quote(&identity.to_string())
            ));
            if *force {
                s.push_str(" -Force");
            }
        }
        NewPolicy {
            identity,
            enable_persistent_chat,
            description,
        } => {
            s.push_str(&format!(
                " -Identity {} -EnablePersistentChat {}",
                quote(&identity.to_string()),
                boolean(*enable_persistent_chat)
            ));
            if !description.is_empty() {
                s.push_str(&format!(" -Description {}", quote(description)));
            }
        }
        SetPolicy {
            identity,
            enable_persistent_chat,
            description,
        } => {
            s.push_str(&format!(" -Identity {}", quote(&identity.to_string())));
            opt_bool(&mut s, "EnablePersistentChat", enable_persistent_chat);
            opt_str(&mut s, "Description", description);
        }
        RemovePolicy { identity, force } => {
            s.push_str(&format!(
                " -Identity {} -Confirm:$false",
                quote(&identity.to_string())
            ));
            if *force {
                s.push_str(" -Force");
            }
        }
        GrantPolicy { user, policy_name } => {
            s.push_str(&format!(" -Identity {} -PolicyName ", quote(user)));
            s.push_str(
                &policy_name
                    .as_deref()
                    .map_or_else(|| "$null".to_string(), quote),
            );
        }
        NewComplianceConfiguration { identity, params }
        | SetComplianceConfiguration { identity, params } => {
            s.push_str(&format!(" -Identity {}", quote(&identity.to_string())));
            opt_str(&mut s, "AdapterType", &params.adapter_type);
            opt_str(&mut s, "AdapterName", &params.adapter_name);
            opt_str(
                &mut s,
                "AdapterOutputDirectory",
                &params.adapter_output_directory,
            );
            opt_str(
                &mut s,
                "RunInterval",
                &params.run_interval.map(|t| t.to_string()),
            );
            opt_bool(
                &mut s,
                "OneChatRoomPerOutputFile",
                &params.one_chat_room_per_output_file,
            );
            opt_bool(&mut s, "AddChatRoomDetails", &params.add_chat_room_details);
            opt_bool(&mut s, "AddUserDetails", &params.add_user_details);
            opt_bool(
                &mut s,
                "CreateFileAttachmentsManifest",
                &params.create_file_attachments_manifest,
            );
            opt_str(&mut s, "CustomConfiguration", &params.custom_configuration);
        }
        RemoveComplianceConfiguration { identity } | RemoveConfiguration { identity } => {
            s.push_str(&format!(
                " -Identity {} -Confirm:$false",
                quote(&identity.to_string())
            ));
        }
        NewConfiguration { identity, params } | SetConfiguration { identity, params } => {
            s.push_str(&format!(" -Identity {}", quote(&identity.to_string())));
            if let Some(v) = params.default_chat_history {
                s.push_str(&format!(" -DefaultChatHistory {v}"));
            }
            if let Some(v) = params.participant_update_limit {
                s.push_str(&format!(" -ParticipantUpdateLimit {v}"));
            }
            if let Some(v) = params.max_file_size_kb {
                s.push_str(&format!(" -MaxFileSizeKB {v}"));
            }
            match &params.room_management_url {
                Some(Some(u)) => s.push_str(&format!(" -RoomManagementUrl {}", quote(u))),
                Some(None) => s.push_str(" -RoomManagementUrl $null"),
                None => {}
            }
        }
        NewEndpoint {
            sip_address,
            pool,
            display_name,
        } => {
            s.push_str(&format!(" -SipAddress {}", quote(sip_address)));
            opt_str(&mut s, "PersistentChatPoolFqdn", pool);
            opt_str(&mut s, "DisplayName", display_name);
        }
        RemoveEndpoint { sip_address } => {
            s.push_str(&format!(
                " -Identity {} -Confirm:$false",
                quote(sip_address)
            ));
        }
        SetState {
            identity,
            pool_state,
        } => {
            s.push_str(&format!(
                " -Identity {} -PoolState {:?}",
                service(&identity.pool),
                pool_state
            ));
        }
        SetActiveServer {
            identity,
            active_servers,
            swap,
        } => {
            s.push_str(&format!(" -Identity {}", service(&identity.pool)));
            list(&mut s, "ActiveServers", active_servers);
            if *swap {
                s.push_str(" -Swap");
            }
        }
    }
    s
}

/// The whole plan as a script: stop at the first error, one line per operation.
pub fn script(plan: &Plan) -> String {
    let (add, change, remove) = plan.counts();
    let mut out = format!(
        "# pchat plan against store revision {}: {add} to add, {change} to change, {remove} to remove.\n\
         # Run it in the Lync Server / Skype for Business Server Management Shell.\n\
         $ErrorActionPreference = 'Stop'\n",
        plan.revision
    );
    for c in &plan.changes {
        for op in &c.operations {
            out.push_str(&operation(op));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_every_kind_of_single_quote() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(
            quote("\u{2018}x\u{2019}"),
            "'\u{2018}\u{2018}x\u{2019}\u{2019}'"
        );
        assert_eq!(quote("$(rm -r /)"), "'$(rm -r /)'");
        assert_eq!(array(&[]), "$null");
    }
}
