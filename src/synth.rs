//! A synthetic configuration of any size, for benchmarks and scale tests: N rooms with members,
//! about 200 categories, two pools, and a directory whose OUs and groups make every membership
//! legal, so that loading it exercises every rule without tripping one.

use crate::model::*;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct SynthOptions {
    pub rooms: usize,
    pub members_per_room: usize,
    pub categories: usize,
    pub users: usize,
    pub seed: u64,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            rooms: 100_000,
            members_per_room: 5,
            categories: 200,
            users: 5_000,
            seed: 1,
        }
    }
}

const DOMAIN: &str = "synth.example.com";
const DEPARTMENTS: usize = 20;

fn pool_fqdn(p: usize) -> String {
    format!("pchat-pool-{:02}.{DOMAIN}", p + 1)
}

fn user_sip(i: usize) -> String {
    format!("sip:user{i:05}@{DOMAIN}")
}

fn dept_ou(d: usize) -> String {
    format!("OU=Dept{d:02},OU=Staff,DC=synth,DC=example,DC=com")
}

fn team_group(d: usize) -> String {
    format!("CN=Team{d:02},OU=Groups,DC=synth,DC=example,DC=com")
}

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Builds the synthetic configuration.
pub fn document(o: SynthOptions) -> Document {
    let mut rng = Rng(o.seed.max(1));
    let users = o.users.max(DEPARTMENTS * (o.members_per_room + 2));
    let pools: Vec<Pool> = (0..2)
        .map(|p| Pool {
            fqdn: pool_fqdn(p),
            site: Some(format!("Site{}", p + 1)),
            servers: (1..=2)
                .map(|s| format!("pchat-{:02}-{s:02}.{DOMAIN}", p + 1))
                .collect(),
        })
        .collect();
    let principals = principals(users);
    let categories: Vec<Category> = (0..o.categories)
        .map(|c| Category {
            name: format!("Category {c:03}"),
            previous_names: vec![],
            persistent_chat_pool_fqdn: Some(pool_fqdn(c % 2)),
            description: format!("Synthetic category {c}"),
            allowed_members: vec![dept_ou(c % DEPARTMENTS), team_group(c % DEPARTMENTS)],
            denied_members: vec![],
            creators: vec![user_sip(c % DEPARTMENTS)],
            invitations: c % 3 == 0,
            file_upload: c % 4 == 0,
            chat_history: c % 10 != 9,
            lifecycle: Lifecycle::default(),
        })
        .collect();
    let addins: Vec<Addin> = (0..20)
        .map(|a| Addin {
            name: format!("Addin {a:02}"),
            previous_names: vec![],
            persistent_chat_pool_fqdn: Some(pool_fqdn(a % 2)),
            url: format!("https://apps.{DOMAIN}/addins/{a}"),
            lifecycle: Lifecycle::default(),
        })
        .collect();
    let rooms = rooms(&o, &mut rng, users);
    let (policies, policy_grants) = policies(users);
    let mut compliance_configurations = vec![ComplianceConfiguration::defaults(Scope::Global)];
    let mut configurations = vec![PersistentChatConfiguration::defaults(Scope::Global)];
    for p in 0..2 {
        let mut c = ComplianceConfiguration::defaults(Scope::Service(pool_fqdn(p)));
        c.adapter_type =
            "Microsoft.Rtc.Internal.Chat.Server.Compliance.XmlAdapter,compliance".into();
        c.adapter_output_directory = format!("\\\\fs01\\compliance\\pool{p}");
        compliance_configurations.push(c);
        let mut k = PersistentChatConfiguration::defaults(Scope::Service(pool_fqdn(p)));
        k.default_chat_history = 50 + p as u32;
        configurations.push(k);
    }
    let endpoints = (0..2)
        .map(|p| Endpoint {
            sip_address: format!("sip:chat-pool{:02}@{DOMAIN}", p + 1),
            persistent_chat_pool_fqdn: Some(pool_fqdn(p)),
            display_name: Some(format!("Chat pool {}", p + 1)),
            lifecycle: Lifecycle::default(),
        })
        .collect();
    let states = (0..2)
        .map(|p| PersistentChatState::new(&pool_fqdn(p), PoolState::Normal))
        .collect();
    let active_servers = pools
        .iter()
        .map(|p| ActiveServers::new(&p.fqdn, p.servers.clone()))
        .collect();
    Document {
        pools,
        principals,
        categories,
        addins,
        rooms,
        policies,
        policy_grants,
        compliance_configurations,
        configurations,
        endpoints,
        states,
        active_servers,
    }
}

/// Users, one OU and one group per department.
fn principals(users: usize) -> Vec<Principal> {
    let mut principals = Vec::with_capacity(users + 2 * DEPARTMENTS + 1);
    for i in 0..users {
        principals.push(Principal {
            principal_type: PrincipalType::User,
            sip_address: Some(user_sip(i)),
            distinguished_name: Some(format!("CN=User {i:05},{}", dept_ou(i % DEPARTMENTS))),
            display_name: Some(format!("User {i:05}")),
            site: Some(format!("Site{}", i % 2 + 1)),
            enabled: true,
            members: vec![],
        });
    }
    for d in 0..DEPARTMENTS {
        principals.push(Principal {
            principal_type: PrincipalType::OrganizationalUnit,
            sip_address: None,
            distinguished_name: Some(dept_ou(d)),
            display_name: None,
            site: None,
            enabled: true,
            members: vec![],
        });
        principals.push(Principal {
            principal_type: PrincipalType::Group,
            sip_address: None,
            distinguished_name: Some(team_group(d)),
            display_name: Some(format!("Team {d:02}")),
            site: None,
            enabled: true,
            // Users of the next department: a category allowing this group admits them too.
            members: (0..5)
                .map(|k| user_sip((d + 1) % DEPARTMENTS + k * DEPARTMENTS))
                .collect(),
        });
    }
    principals
}

/// Rooms spread over the categories, with members of the category's department.
fn rooms(o: &SynthOptions, rng: &mut Rng, users: usize) -> Vec<Room> {
    let per_dept = users / DEPARTMENTS;
    (0..o.rooms)
        .map(|r| {
            let c = r % o.categories;
            let dept = c % DEPARTMENTS;
            let mut picks: Vec<usize> = Vec::with_capacity(o.members_per_room + 2);
            while picks.len() < (o.members_per_room + 2).min(per_dept) {
                let k = rng.below(per_dept);
                if !picks.contains(&k) {
                    picks.push(k);
                }
            }
            let sip = |k: usize| user_sip(dept + k * DEPARTMENTS);
            let auditorium = r % 10 == 0;
            Room {
                name: format!("Room {r:06}"),
                previous_names: vec![],
                persistent_chat_pool_fqdn: Some(pool_fqdn(c % 2)),
                category: format!("Category {c:03}"),
                description: format!("Synthetic room {r} for department {dept}"),
                room_type: if auditorium {
                    RoomType::Auditorium
                } else {
                    RoomType::Normal
                },
                privacy: [Privacy::Open, Privacy::Closed, Privacy::Secret][r % 3],
                addin: (r % 7 == 0).then(|| format!("Addin {:02}", (r / 7 % 10) * 2 + c % 2)),
                invitations: if r % 5 == 0 {
                    RoomInvitations::False
                } else {
                    RoomInvitations::Inherit
                },
                disabled: r % 50 == 0,
                members: picks[..o.members_per_room.min(picks.len())]
                    .iter()
                    .map(|&k| sip(k))
                    .collect(),
                managers: picks
                    .iter()
                    .skip(o.members_per_room)
                    .take(1)
                    .map(|&k| sip(k))
                    .collect(),
                presenters: if auditorium {
                    picks
                        .iter()
                        .skip(o.members_per_room + 1)
                        .take(1)
                        .map(|&k| sip(k))
                        .collect()
                } else {
                    vec![]
                },
                lifecycle: Lifecycle::default(),
            }
        })
        .collect()
}

/// The global and one site policy, five tag policies, and grants of them.
fn policies(users: usize) -> (Vec<PersistentChatPolicy>, Vec<PolicyGrant>) {
    let mut policies = vec![
        PersistentChatPolicy {
            identity: Scope::Global,
            enable_persistent_chat: false,
            description: "Off unless granted".into(),
            lifecycle: Lifecycle::default(),
        },
        PersistentChatPolicy {
            identity: Scope::Site("Site1".into()),
            enable_persistent_chat: true,
            description: String::new(),
            lifecycle: Lifecycle::default(),
        },
    ];
    for t in 0..5 {
        policies.push(PersistentChatPolicy {
            identity: Scope::Tag(format!("ChatTier{t}")),
            enable_persistent_chat: t != 4,
            description: format!("Tier {t}"),
            lifecycle: Lifecycle::default(),
        });
    }
    let policy_grants = (0..users.min(1000))
        .map(|i| PolicyGrant {
            identity: user_sip(i),
            policy_name: format!("ChatTier{}", i % 5),
            lifecycle: Lifecycle::default(),
        })
        .collect();
    (policies, policy_grants)
}
