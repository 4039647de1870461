//! Per-request context: who is asking, in which language, with which permissions — and the
//! shared application state every handler reaches through it.

use crate::access::ratelimit::LoginLimiter;
use crate::access::{Admin, Level, Menu, Permissions};
use crate::app::Core;
use crate::audit::{Actor, Via};
use crate::i18n::{Lang, Msg, format};
use crate::settings::Settings;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::sync::Arc;

/// What every handler can reach: the core (store, clock, services) and what only the web side
/// needs.
pub struct App {
    pub core: Arc<Core>,
    pub limiter: LoginLimiter,
    /// Portal logins are throttled apart from admin logins.
    pub portal_limiter: LoginLimiter,
    /// Password hashes computed for callers who are not signed in (login, setup): each is
    /// preceded by the rate limiter's say-so.
    pub unauthenticated_hashes: std::sync::atomic::AtomicU64,
    /// "Test connection" per admin: it dials out from the appliance, so it is counted.
    pub probe_quota: crate::access::ratelimit::Quota,
    /// Signs the CSRF tokens of anonymous forms; new at every start (an open login form is
    /// simply loaded again).
    pub csrf_key: ring::hmac::Key,
    /// Host names the admin listener answers to (IP addresses always).
    pub host_names: Vec<String>,
    /// Connection and request-body limits.
    pub gate: Arc<crate::web::gate::Gate>,
    /// The first-run setup code, until the first admin exists.
    pub setup_code: std::sync::Mutex<Option<String>>,
    /// The last dashboard figures with the (store generation, minute, zone) they were made for.
    #[allow(clippy::type_complexity)]
    pub dashboard: std::sync::Mutex<
        Option<(
            (u64, i64, String),
            std::sync::Arc<crate::dashboard::Dashboard>,
        )>,
    >,
    /// Held while the dashboard figures are computed, so that requests arriving together
    /// compute them once and the others wait for that (`web::dashboard::figures`).
    pub dashboard_computing: tokio::sync::Mutex<()>,
}

/// A handler reaches the store and the services as `cx.app.store`; they belong to the core the
/// web side shares with the CLI.
impl std::ops::Deref for App {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl App {
    /// The token an anonymous form carries for this cookie nonce.
    pub fn csrf_token(&self, nonce: &str) -> String {
        let tag = ring::hmac::sign(&self.csrf_key, nonce.as_bytes());
        crate::access::secret::hex(tag.as_ref())
    }
}

/// The signed-in admin.
pub struct User {
    pub admin: Admin,
    pub perms: Permissions,
    /// The session's store key; `None` when the request came with an API token.
    pub session_key: Option<String>,
}

/// The customer signed in to the portal.
pub struct PortalUser {
    pub customer: crate::billing::customer::Customer,
    pub session_key: String,
    pub csrf: String,
}

pub struct Ctx {
    pub app: Arc<App>,
    pub lang: Lang,
    pub settings: Settings,
    pub tz: TimeZone,
    pub now: Timestamp,
    pub user: Option<User>,
    /// Only on `/portal` pages.
    pub customer: Option<PortalUser>,
    /// The CSRF token forms on this page must carry.
    pub csrf: String,
    pub via: Via,
    pub ip: String,
    /// The client's address, for the rate limiters.
    pub peer: std::net::IpAddr,
    /// The current path with its query, to come back to (language links, login `next`).
    pub here: String,
    /// `here` with `lang=en` / `lang=mn` set, for the language switcher.
    pub lang_links: [(Lang, String); 2],
}

impl Ctx {
    pub fn t(&self, m: Msg) -> &'static str {
        self.lang.t(m)
    }

    pub fn f(&self, m: Msg, args: &[&dyn std::fmt::Display]) -> String {
        self.lang.f(m, args)
    }

    pub fn can(&self, menu: Menu, level: Level) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.perms.allows(menu, level))
    }

    pub fn actor(&self) -> Actor {
        Actor {
            admin_id: self.user.as_ref().map(|u| u.admin.id),
            username: self
                .user
                .as_ref()
                .map_or_else(|| "(anonymous)".into(), |u| u.admin.username.clone()),
            via: self.via,
            ip: Some(self.ip.clone()),
        }
    }

    pub fn datetime(&self, t: Timestamp) -> String {
        format::datetime(self.lang, t, &self.tz)
    }

    pub fn date(&self, t: Timestamp) -> String {
        format::date(self.lang, t, &self.tz)
    }

    pub fn number(&self, n: i64) -> String {
        format::number(self.lang, n)
    }

    pub fn money(&self, minor: i64) -> String {
        format::money(self.lang, minor, &self.settings.currency)
    }

    /// Who acts for the use cases in `ops`: this request's admin, now, in the display zone.
    pub fn by(&self) -> crate::ops::By {
        crate::ops::By {
            actor: self.actor(),
            now: self.now,
            tz: self.tz.clone(),
        }
    }

    /// The admin cause recorded in router command logs.
    pub fn cause(&self) -> crate::enforce::Cause {
        crate::enforce::Cause::Admin(self.actor().username)
    }

    pub fn today(&self) -> jiff::civil::Date {
        self.now.to_zoned_datetime(self.tz.clone()).date()
    }
}
