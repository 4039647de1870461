//! The menus the simulator knows: which properties each accepts, what must be unique, which values
//! must name an item of another menu, and the traps a real router gives when a rule is broken.

/// A property whose value must name an item of another menu.
pub struct Ref {
    pub field: &'static str,
    pub menu: &'static str,
    /// Values accepted without a matching item (`all` for a hotspot user's server).
    pub also: &'static [&'static str],
}

/// The rules of one table-like menu.
pub struct MenuSpec {
    pub path: &'static str,
    /// Properties `add`/`set` accept.
    pub fields: &'static [&'static str],
    /// Properties `add` requires.
    pub required: &'static [&'static str],
    /// Values filled in by `add` when absent.
    pub defaults: &'static [(&'static str, &'static str)],
    /// Read-only properties every new item starts with.
    pub readonly: &'static [(&'static str, &'static str)],
    /// Properties that together must be unique, and the trap when they are not.
    pub unique: &'static [&'static str],
    pub unique_message: &'static str,
    pub refs: &'static [Ref],
    pub can_add: bool,
    pub can_set: bool,
    pub can_remove: bool,
    /// Items are sessions whose `uptime` grows from when they were created.
    pub sessions: bool,
}

const SUCH_ENTRY: &str = "failure: already have such entry";

pub const HOTSPOT_USER: &str = "/ip/hotspot/user";
pub const HOTSPOT_PROFILE: &str = "/ip/hotspot/user/profile";
pub const HOTSPOT_ACTIVE: &str = "/ip/hotspot/active";
pub const HOTSPOT_SERVER: &str = "/ip/hotspot";
pub const PPP_SECRET: &str = "/ppp/secret";
pub const PPP_PROFILE: &str = "/ppp/profile";
pub const PPP_ACTIVE: &str = "/ppp/active";
pub const PPPOE_SERVER: &str = "/interface/pppoe-server/server";
pub const QUEUE_SIMPLE: &str = "/queue/simple";
pub const ADDRESS_LIST: &str = "/ip/firewall/address-list";
pub const INTERFACE: &str = "/interface";
pub const IP_ADDRESS: &str = "/ip/address";
pub const HOTSPOT_HOST: &str = "/ip/hotspot/host";
pub const PACKAGE: &str = "/system/package";
pub const WALLED_GARDEN: &str = "/ip/hotspot/walled-garden";
pub const WALLED_GARDEN_IP: &str = "/ip/hotspot/walled-garden/ip";
pub const HOTSPOT_COOKIE: &str = "/ip/hotspot/cookie";
pub const FIREWALL_FILTER: &str = "/ip/firewall/filter";
pub const FIREWALL_NAT: &str = "/ip/firewall/nat";

/// Menus whose items act in order, where `add` takes `place-before`.
pub fn ordered(path: &str) -> bool {
    matches!(path, FIREWALL_FILTER | FIREWALL_NAT)
}

const FIREWALL_FIELDS: &[&str] = &[
    "chain",
    "action",
    "protocol",
    "src-address",
    "dst-address",
    "src-address-list",
    "dst-address-list",
    "src-port",
    "dst-port",
    "in-interface",
    "out-interface",
    "connection-state",
    "to-addresses",
    "to-ports",
    "jump-target",
    "log",
    "log-prefix",
    "comment",
    "disabled",
];

const FIREWALL_READONLY: &[(&str, &str)] = &[
    ("invalid", "false"),
    ("dynamic", "false"),
    ("bytes", "0"),
    ("packets", "0"),
];

pub static MENUS: &[MenuSpec] = &[
    MenuSpec {
        path: HOTSPOT_USER,
        fields: &[
            "name",
            "password",
            "profile",
            "server",
            "mac-address",
            "limit-uptime",
            "limit-bytes-in",
            "limit-bytes-out",
            "limit-bytes-total",
            "address",
            "email",
            "comment",
            "disabled",
            "routes",
        ],
        required: &["name"],
        defaults: &[
            ("server", "all"),
            ("profile", "default"),
            ("disabled", "false"),
        ],
        readonly: &[
            ("uptime", "0s"),
            ("bytes-in", "0"),
            ("bytes-out", "0"),
            ("packets-in", "0"),
            ("packets-out", "0"),
            ("dynamic", "false"),
        ],
        unique: &["name"],
        unique_message: "failure: already have user with this name for this server",
        refs: &[
            Ref {
                field: "profile",
                menu: HOTSPOT_PROFILE,
                also: &[],
            },
            Ref {
                field: "server",
                menu: HOTSPOT_SERVER,
                also: &["all"],
            },
        ],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: HOTSPOT_PROFILE,
        fields: &[
            "name",
            "rate-limit",
            "shared-users",
            "session-timeout",
            "idle-timeout",
            "keepalive-timeout",
            "address-list",
            "address-pool",
            "status-autorefresh",
            "transparent-proxy",
            "comment",
        ],
        required: &["name"],
        defaults: &[
            ("shared-users", "1"),
            ("idle-timeout", "none"),
            ("keepalive-timeout", "2m"),
        ],
        readonly: &[("default", "false")],
        unique: &["name"],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: HOTSPOT_ACTIVE,
        fields: &[],
        required: &[],
        defaults: &[],
        readonly: &[],
        unique: &[],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: false,
        can_set: false,
        can_remove: true,
        sessions: true,
    },
    MenuSpec {
        path: HOTSPOT_SERVER,
        fields: &[
            "name",
            "interface",
            "profile",
            "address-pool",
            "idle-timeout",
            "keepalive-timeout",
            "addresses-per-mac",
            "disabled",
        ],
        required: &["interface"],
        defaults: &[
            ("profile", "default"),
            ("address-pool", "none"),
            ("idle-timeout", "5m"),
            ("disabled", "false"),
        ],
        readonly: &[("invalid", "false")],
        unique: &["name"],
        unique_message: SUCH_ENTRY,
        refs: &[Ref {
            field: "interface",
            menu: INTERFACE,
            also: &[],
        }],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: PPPOE_SERVER,
        fields: &[
            "service-name",
            "interface",
            "default-profile",
            "max-sessions",
            "disabled",
        ],
        required: &["interface"],
        defaults: &[
            ("service-name", "service1"),
            ("default-profile", "default"),
            ("disabled", "false"),
        ],
        readonly: &[],
        unique: &["interface", "service-name"],
        unique_message: SUCH_ENTRY,
        refs: &[Ref {
            field: "interface",
            menu: INTERFACE,
            also: &[],
        }],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: PPP_SECRET,
        fields: &[
            "name",
            "password",
            "profile",
            "service",
            "remote-address",
            "local-address",
            "caller-id",
            "disabled",
            "comment",
            "routes",
            "limit-bytes-in",
            "limit-bytes-out",
        ],
        required: &["name"],
        defaults: &[
            ("service", "any"),
            ("profile", "default"),
            ("disabled", "false"),
        ],
        readonly: &[],
        unique: &["name"],
        unique_message: "failure: secret with the same name already exists",
        refs: &[Ref {
            field: "profile",
            menu: PPP_PROFILE,
            also: &[],
        }],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: PPP_PROFILE,
        fields: &[
            "name",
            "rate-limit",
            "local-address",
            "remote-address",
            "only-one",
            "session-timeout",
            "idle-timeout",
            "address-list",
            "dns-server",
            "use-encryption",
            "comment",
        ],
        required: &["name"],
        defaults: &[("only-one", "default"), ("use-encryption", "default")],
        readonly: &[("default", "false")],
        unique: &["name"],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: PPP_ACTIVE,
        fields: &[],
        required: &[],
        defaults: &[],
        readonly: &[],
        unique: &[],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: false,
        can_set: false,
        can_remove: true,
        sessions: true,
    },
    MenuSpec {
        path: QUEUE_SIMPLE,
        fields: &[
            "name",
            "target",
            "max-limit",
            "limit-at",
            "burst-limit",
            "burst-threshold",
            "burst-time",
            "priority",
            "parent",
            "comment",
            "disabled",
        ],
        required: &["name", "target"],
        defaults: &[
            ("max-limit", "0/0"),
            ("limit-at", "0/0"),
            ("priority", "8/8"),
            ("parent", "none"),
            ("disabled", "false"),
        ],
        readonly: &[("dynamic", "false"), ("bytes", "0/0"), ("rate", "0/0")],
        unique: &["name"],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: ADDRESS_LIST,
        fields: &["list", "address", "timeout", "comment", "disabled"],
        required: &["list", "address"],
        defaults: &[("disabled", "false")],
        readonly: &[("dynamic", "false")],
        unique: &["list", "address"],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: INTERFACE,
        fields: &["name", "mtu", "comment", "disabled"],
        required: &[],
        defaults: &[],
        readonly: &[],
        unique: &["name"],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: false,
        can_set: true,
        can_remove: false,
        sessions: false,
    },
    MenuSpec {
        path: IP_ADDRESS,
        fields: &["address", "network", "interface", "comment", "disabled"],
        required: &["address", "interface"],
        defaults: &[("disabled", "false")],
        readonly: &[("invalid", "false"), ("dynamic", "false")],
        unique: &["address", "interface"],
        unique_message: "failure: already have such address",
        refs: &[Ref {
            field: "interface",
            menu: INTERFACE,
            also: &[],
        }],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    // Devices the hotspot has seen; the router adds them, an operator can only remove one (which
    // logs it out).
    MenuSpec {
        path: HOTSPOT_HOST,
        fields: &[],
        required: &[],
        defaults: &[],
        readonly: &[],
        unique: &[],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: false,
        can_set: false,
        can_remove: true,
        sessions: true,
    },
    MenuSpec {
        path: WALLED_GARDEN,
        fields: &[
            "dst-host",
            "dst-port",
            "dst-address",
            "src-address",
            "path",
            "method",
            "server",
            "action",
            "comment",
            "disabled",
        ],
        required: &[],
        defaults: &[("action", "allow"), ("disabled", "false")],
        readonly: &[("dynamic", "false"), ("hits", "0")],
        unique: &[],
        unique_message: SUCH_ENTRY,
        refs: &[Ref {
            field: "server",
            menu: HOTSPOT_SERVER,
            also: &[],
        }],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: WALLED_GARDEN_IP,
        fields: &[
            "action",
            "dst-address",
            "src-address",
            "dst-host",
            "protocol",
            "dst-port",
            "server",
            "comment",
            "disabled",
        ],
        required: &[],
        defaults: &[("action", "accept"), ("disabled", "false")],
        readonly: &[("dynamic", "false"), ("invalid", "false")],
        unique: &[],
        unique_message: SUCH_ENTRY,
        refs: &[Ref {
            field: "server",
            menu: HOTSPOT_SERVER,
            also: &[],
        }],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    // What the hotspot remembers of a login by cookie: the device, whose user it was. The
    // router adds them at login; an operator can only remove one.
    MenuSpec {
        path: HOTSPOT_COOKIE,
        fields: &[],
        required: &[],
        defaults: &[],
        readonly: &[],
        unique: &[],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: false,
        can_set: false,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: FIREWALL_FILTER,
        fields: FIREWALL_FIELDS,
        required: &["chain"],
        defaults: &[("action", "accept"), ("disabled", "false")],
        readonly: FIREWALL_READONLY,
        unique: &[],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: FIREWALL_NAT,
        fields: FIREWALL_FIELDS,
        required: &["chain"],
        defaults: &[("action", "accept"), ("disabled", "false")],
        readonly: FIREWALL_READONLY,
        unique: &[],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: true,
        can_set: true,
        can_remove: true,
        sessions: false,
    },
    MenuSpec {
        path: PACKAGE,
        fields: &[],
        required: &[],
        defaults: &[],
        readonly: &[],
        unique: &[],
        unique_message: SUCH_ENTRY,
        refs: &[],
        can_add: false,
        can_set: false,
        can_remove: false,
        sessions: false,
    },
];

/// The rules of the menu at `path`.
pub fn spec(path: &str) -> Option<&'static MenuSpec> {
    MENUS.iter().find(|m| m.path == path)
}

/// The packages a router of this generation ships with: 6.x a bundle and its parts (as an
/// RB951 lists them), 7.x one `routeros` package plus the wireless driver of an hAP ax².
fn packages(v7: bool) -> &'static [&'static str] {
    if v7 {
        &["routeros", "wifi-qcom"]
    } else {
        &[
            "routeros-mipsbe",
            "system",
            "ipv6",
            "wireless",
            "hotspot",
            "dhcp",
            "mpls",
            "routing",
            "ppp",
            "security",
            "advanced-tools",
        ]
    }
}

/// What a fresh router holds, in creation order: (menu, properties). `version` is the RouterOS
/// version text the packages report.
pub fn factory_items(version: &str, v7: bool) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let owned = |props: Vec<(&'static str, &'static str)>| {
        props
            .into_iter()
            .map(|(n, v)| (n, v.to_owned()))
            .collect::<Vec<_>>()
    };
    let mut items: Vec<(&'static str, Vec<(&'static str, String)>)> = fixed_items()
        .into_iter()
        .map(|(menu, props)| (menu, owned(props)))
        .collect();
    // The default configuration's LAN address.
    items.push((
        IP_ADDRESS,
        owned(vec![
            ("address", "192.168.88.1/24"),
            ("network", "192.168.88.0"),
            ("interface", "bridge"),
            ("actual-interface", "bridge"),
            ("comment", "defconf"),
            ("disabled", "false"),
            ("invalid", "false"),
            ("dynamic", "false"),
        ]),
    ));
    // 6.x prints dates as `nov/06/2015`, 7.10 and later as ISO dates.
    let build_time = if v7 {
        "2024-09-20 13:00:27"
    } else {
        "nov/06/2015 12:28:52"
    };
    for name in packages(v7) {
        items.push((
            PACKAGE,
            vec![
                ("name", (*name).to_owned()),
                ("version", version.to_owned()),
                ("build-time", build_time.to_owned()),
                ("scheduled", String::new()),
                ("disabled", "false".to_owned()),
            ],
        ));
    }
    items
}

/// The items every version starts with.
fn fixed_items() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    let mut items = Vec::new();
    for i in ["ether1", "ether2", "ether3", "ether4", "ether5"] {
        let running = if i == "ether1" { "true" } else { "false" };
        items.push((
            INTERFACE,
            vec![
                ("name", i),
                ("type", "ether"),
                ("mtu", "1500"),
                ("running", running),
                ("disabled", "false"),
            ],
        ));
    }
    items.push((
        INTERFACE,
        vec![
            ("name", "bridge"),
            ("type", "bridge"),
            ("mtu", "1500"),
            ("running", "true"),
            ("disabled", "false"),
        ],
    ));
    items.push((
        HOTSPOT_PROFILE,
        vec![
            ("name", "default"),
            ("shared-users", "1"),
            ("idle-timeout", "none"),
            ("keepalive-timeout", "2m"),
            ("default", "true"),
        ],
    ));
    items.push((
        HOTSPOT_SERVER,
        vec![
            ("name", "hotspot1"),
            ("interface", "bridge"),
            ("profile", "default"),
            ("address-pool", "none"),
            ("idle-timeout", "5m"),
            ("disabled", "false"),
            ("invalid", "false"),
        ],
    ));
    items.push((
        PPP_PROFILE,
        vec![
            ("name", "default"),
            ("only-one", "default"),
            ("use-encryption", "default"),
            ("default", "true"),
        ],
    ));
    items.push((
        PPP_PROFILE,
        vec![
            ("name", "default-encryption"),
            ("only-one", "default"),
            ("use-encryption", "yes"),
            ("default", "true"),
        ],
    ));
    items
}
