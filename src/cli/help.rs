//! Help that teaches: a description for every option the definitions leave bare (the same
//! flag means the same thing on every noun, as the cmdlets' parameters do), one to three
//! examples at the end of every command's help and man page, and the exit codes in
//! `pchat --help`. Applied to the clap command before it parses (`super::command`).

use clap::Command;

/// What `pchat --help` ends with.
const EXIT_CODES: &str = "Exit codes:
  0  success, nothing to change
  1  error: bad configuration, store missing or unreachable, failed apply
  2  success with changes (plan --detailed-exitcode) or drift (drift)
  3  refused for safety: stale plan, lock held, threshold exceeded, protected object
  4  plan --detailed-exitcode: every change undoes drift (someone changed the service by hand)

Start with `pchat init`; `pchat COMMAND --help` ends with examples.";

/// Descriptions by flag (`COMMAND PATH --flag` first, then `--flag` alone).
const FLAGS: &[(&str, &str)] = &[
    ("paths", "Configuration files or directories (directories are read recursively, in sorted order)"),
    ("plan --format", "How to print the plan: text, json (the saved-plan format), markdown (a pull-request comment) or powershell (the cmdlet calls)"),
    ("drift --format", "How to print the drift: text, json, markdown or powershell"),
    ("--format", "How to print the objects: a table, json or yaml"),
    ("--identity", "The object to act on, named as `get` prints it (`POOL_FQDN\\NAME`, `global`, `site:NAME`, `tag:NAME`, `PersistentChatServer:POOL_FQDN`)"),
    ("--enable-invitations", "Whether rooms of the category may send invitations"),
    ("--remove-chat-history", "Keep no chat history in the category's rooms"),
    ("addin remove --force", "Remove it even if rooms show it (they are detached)"),
    ("policy remove --force", "Remove a tag policy even if it is granted (the grants go too)"),
    ("--swap", "Make the active servers inactive and the inactive ones active"),
    ("--enable-file-upload", "Whether files may be uploaded to rooms of the category"),
    ("--persistent-chat-pool-fqdn", "The Persistent Chat pool, by its fully qualified domain name"),
    ("--fqdn", "The pool's fully qualified domain name"),
    ("--site", "The site the pool belongs to"),
    ("principal import file", "The directory to import: a CSV or LDIF file (users, groups, organisational units)"),
    ("--file", "The file to read"),
    ("--room", "The room, `POOL_FQDN\\NAME`"),
    ("text", "The message's text"),
    ("--sender-sip-address", "The user who sends the test message"),
    ("--receiver-sip-address", "The user who receives the test message"),
    ("--receiver-credential", "The receiver's credential (accepted for the cmdlet's sake; pchat's store has no logon)"),
];

/// Examples by command path, taken from the README and the cmdlets' help pages.
const EXAMPLES: &[(&str, &str)] = &[
    ("init", "pchat init chat-config --ci github"),
    ("validate", "pchat validate config/\npchat validate config/ --format json"),
    ("schema", "pchat schema --out schema/pchat.schema.json\npchat schema --plan"),
    ("plan", "pchat plan config/\npchat plan config/ --out plan.json --format markdown > plan.md\npchat plan config/ --target 'room/atl-pchat-001.litwareinc.com\\Sales Leads'"),
    ("apply", "pchat apply config/ --yes\npchat apply --plan plan.json --yes"),
    ("drift", "pchat drift config/\npchat drift config/ --watch 5m"),
    ("history", "pchat history\npchat history --format json"),
    ("export", "pchat export --out exported/"),
    ("adopt", "pchat adopt config/"),
    ("completions", "pchat completions bash > ~/.local/share/bash-completion/completions/pchat"),
    ("man", "pchat man --out ~/.local/share/man/man1"),
    ("room get", "pchat room get\npchat room get --identity 'atl-pchat-001.litwareinc.com\\Sales Leads' --format yaml\npchat room get --filter 'Privacy -eq \"Closed\"'"),
    ("room new", "pchat room new --name 'Sales Leads' --category Sales --privacy Closed"),
    ("room set", "pchat room set --identity 'atl-pchat-001.litwareinc.com\\Sales Leads' --privacy Secret\npchat room set --identity 'atl-pchat-001.litwareinc.com\\Sales Leads' --members-add sip:kim@litwareinc.com\npchat room set --filter 'Privacy -eq \"Closed\"' --disabled true --yes"),
    ("room remove", "pchat room remove --identity 'atl-pchat-001.litwareinc.com\\Sales Leads'\npchat room remove --filter 'Sales*' --yes"),
    ("room clear", "pchat room clear --identity 'atl-pchat-001.litwareinc.com\\Sales Leads' --end-date 2026-01-01"),
    ("category get", "pchat category get\npchat category get --identity 'atl-pchat-001.litwareinc.com\\Sales'"),
    ("category new", "pchat category new --name Sales --persistent-chat-pool-fqdn atl-pchat-001.litwareinc.com"),
    ("category set", "pchat category set --identity 'atl-pchat-001.litwareinc.com\\Sales' --allowed-members-add 'OU=Sales,DC=litwareinc,DC=com'"),
    ("category remove", "pchat category remove --identity 'atl-pchat-001.litwareinc.com\\Sales'"),
    ("addin get", "pchat addin get"),
    ("addin new", "pchat addin new --name Dashboard --persistent-chat-pool-fqdn atl-pchat-001.litwareinc.com --url https://apps.litwareinc.com/dashboard"),
    ("addin set", "pchat addin set --identity 'atl-pchat-001.litwareinc.com\\Dashboard' --url https://apps.litwareinc.com/dash"),
    ("addin remove", "pchat addin remove --identity 'atl-pchat-001.litwareinc.com\\Dashboard'"),
    ("policy get", "pchat policy get\npchat policy get --identity tag:Traders"),
    ("policy new", "pchat policy new --identity site:Redmond --enable-persistent-chat true"),
    ("policy set", "pchat policy set --identity global --enable-persistent-chat false\npchat policy set --filter 'site:*' --enable-persistent-chat true --yes"),
    ("policy remove", "pchat policy remove --identity site:Redmond"),
    ("policy grant", "pchat policy grant --identity sip:kim@litwareinc.com --policy-name Traders"),
    ("compliance get", "pchat compliance get"),
    ("compliance new", "pchat compliance new --identity site:Redmond --adapter-type XmlAdapter"),
    ("compliance set", "pchat compliance set --identity global --add-user-details true"),
    ("compliance remove", "pchat compliance remove --identity site:Redmond"),
    ("configuration get", "pchat configuration get"),
    ("configuration new", "pchat configuration new --identity site:Redmond --max-file-size-kb 10000"),
    ("configuration set", "pchat configuration set --identity global --participant-update-limit 100"),
    ("configuration remove", "pchat configuration remove --identity site:Redmond"),
    ("endpoint get", "pchat endpoint get"),
    ("endpoint new", "pchat endpoint new --sip-address sip:chat@litwareinc.com --persistent-chat-pool-fqdn atl-pchat-001.litwareinc.com"),
    ("endpoint remove", "pchat endpoint remove --identity sip:chat@litwareinc.com\npchat endpoint remove --filter 'DisplayName -like \"Help*\"' --yes"),
    ("state get", "pchat state get"),
    ("state set", "pchat state set --identity PersistentChatServer:atl-pchat-001.litwareinc.com --pool-state FailedOver"),
    ("active-server get", "pchat active-server get"),
    ("active-server set", "pchat active-server set --identity atl-pchat-001.litwareinc.com --active-servers atl-a.litwareinc.com"),
    ("pool get", "pchat pool get"),
    ("pool add", "pchat pool add --fqdn atl-pchat-001.litwareinc.com --site Atlanta"),
    ("principal import", "pchat principal import directory.csv"),
    ("principal get", "pchat principal get --filter 'SipAddress -eq \"sip:kim@litwareinc.com\"'"),
    ("principal eligible", "pchat principal eligible --persistent-chat-pool-fqdn atl-pchat-001.litwareinc.com --category Sales"),
    ("principal policy", "pchat principal policy"),
    ("message post", "pchat message post --room 'atl-pchat-001.litwareinc.com\\Sales Leads' --from sip:kim@litwareinc.com 'hello'"),
    ("message get", "pchat message get --room 'atl-pchat-001.litwareinc.com\\Sales Leads'"),
    ("message remove", "pchat message remove --identity 'atl-pchat-001.litwareinc.com\\Sales Leads' --user-uri sip:kim@litwareinc.com"),
    ("message test", "pchat message test --sender-sip-address sip:kim@litwareinc.com --receiver-sip-address sip:pilar@litwareinc.com"),
    ("data export", "pchat data export --file-name chat.zip\npchat data export --file-name chat.zip --level Content"),
    ("data import", "pchat data import --file-name chat.zip"),
    ("live script", "pchat live script config/ --out collect.ps1"),
    ("live load", "pchat live load snapshot.json"),
    ("live apply-script", "pchat live apply-script --plan plan.json --out apply.ps1"),
];

fn lookup<'a>(table: &'a [(&str, &'a str)], key: &str) -> Option<&'a str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// Every example the help shows, by command path (a test parses each one).
pub fn examples() -> impl Iterator<Item = (&'static str, &'static str)> {
    EXAMPLES
        .iter()
        .flat_map(|(path, text)| text.lines().map(move |l| (*path, l)))
}

/// The command with the descriptions, examples and exit codes filled in.
pub fn describe(cmd: Command) -> Command {
    walk(cmd.after_help(EXIT_CODES), "")
}

fn walk(mut cmd: Command, path: &str) -> Command {
    let bare: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| a.get_help().is_none() && a.get_long_help().is_none())
        .map(|a| {
            let id = a.get_id().to_string();
            let flag = a.get_long().map_or(id.clone(), |l| format!("--{l}"));
            (id, flag)
        })
        .collect();
    for (id, flag) in bare {
        let help =
            lookup(FLAGS, format!("{path} {flag}").trim_start()).or_else(|| lookup(FLAGS, &flag));
        if let Some(help) = help {
            cmd = cmd.mut_arg(id, |a| a.help(help));
        }
    }
    if let Some(text) = lookup(EXAMPLES, path) {
        if cmd.get_after_help().is_none() {
            let shown: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
            cmd = cmd.after_help(format!("Examples:\n{}", shown.join("\n")));
        }
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub = format!("{path} {name}").trim_start().to_string();
        cmd = cmd.mut_subcommand(name, |s| walk(s, &sub));
    }
    cmd
}
