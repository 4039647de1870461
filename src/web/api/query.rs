//! Query strings of the JSON API, parsed at the edge into the domain's filter types.
//!
//! Why strict: an integrator's typo (`status=expierd`, `plan_id=abc`) used to be dropped, so
//! the filter it meant vanished and the call acted on every record. Here a value that does not
//! parse, or a parameter the list does not take, is a 422 naming it. The HTML pages keep their
//! lenient readers: a person sees the unfiltered list and the form they typed into.

use crate::audit;
use crate::billing::customer::{CustomerKind, Shown};
use crate::billing::ledger::BillStatus;
use crate::billing::query::{CustomerQuery, SortBy};
use crate::feedback;
use crate::i18n::Msg;
use crate::reports::customers::CustomerFilter;
use crate::reports::plans::ExtensionFilter;
use crate::reports::revenue::{Group, PaymentFilter};
use crate::web::error::{BadParam, WebError};
use crate::web::http::Req;
use jiff::civil::Date;
use std::fmt::Display;
use std::str::FromStr;

/// Read by the dispatcher on every request (the language of messages), so always allowed.
const COMMON: &[&str] = &["lang"];
/// A refused name is echoed back; an attacker's megabyte-long key is not.
const NAME_ECHO: usize = 64;
/// At most this many refusals are listed in one answer.
const MAX_LISTED: usize = 20;

/// One request's query string being read against the parameters its endpoint takes.
pub struct Query<'r> {
    req: &'r Req,
    bad: Vec<BadParam>,
}

impl<'r> Query<'r> {
    /// Starts reading, refusing every parameter outside `allowed` (and `lang`).
    pub fn new(req: &'r Req, allowed: &[&str]) -> Query<'r> {
        let mut q = Query {
            req,
            bad: Vec::new(),
        };
        for (k, _) in &req.query {
            if !allowed.contains(&k.as_str()) && !COMMON.contains(&k.as_str()) {
                let name: String = k.chars().take(NAME_ECHO).collect();
                q.refuse(name, Msg::UnknownParameter, Vec::new());
            }
        }
        // The dispatcher passes over a language it does not know; a program is told.
        if q.raw("lang")
            .is_some_and(|l| crate::i18n::Lang::parse(l).is_none())
        {
            q.refuse("lang".into(), Msg::InvalidChoice, Vec::new());
        }
        q
    }

    fn refuse(&mut self, name: String, msg: Msg, args: Vec<String>) {
        if self.bad.len() < MAX_LISTED && !self.bad.iter().any(|b| b.name == name) {
            self.bad.push(BadParam { name, msg, args });
        }
    }

    /// The trimmed value; an empty one counts as absent, as a form sends an unused field.
    fn raw(&self, key: &str) -> Option<&'r str> {
        self.req.query(key).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Free text (a search, a username), "" when absent.
    pub fn text(&mut self, key: &str) -> String {
        self.raw(key).unwrap_or("").to_string()
    }

    /// A record id.
    pub fn id(&mut self, key: &str) -> Option<u64> {
        self.parsed(key, Msg::InvalidNumber)
    }

    /// A whole number within `lo..=hi`.
    pub fn number<T>(&mut self, key: &str, lo: T, hi: T) -> Option<T>
    where
        T: FromStr + PartialOrd + Display + Copy,
    {
        let v = self.raw(key)?;
        match v.parse::<T>() {
            Ok(n) if n >= lo && n <= hi => Some(n),
            _ => {
                self.refuse(
                    key.to_string(),
                    Msg::NumberRange,
                    vec![lo.to_string(), hi.to_string()],
                );
                None
            }
        }
    }

    /// A calendar day, `YYYY-MM-DD`.
    pub fn date(&mut self, key: &str) -> Option<Date> {
        self.parsed(key, Msg::InvalidDate)
    }

    /// One of `choices` by its id.
    pub fn choice<T: Copy>(&mut self, key: &str, choices: &[(&str, T)]) -> Option<T> {
        let v = self.raw(key)?;
        match choices.iter().find(|(id, _)| *id == v) {
            Some((_, c)) => Some(*c),
            None => {
                self.refuse(key.to_string(), Msg::InvalidChoice, Vec::new());
                None
            }
        }
    }

    /// `1`/`true` or `0`/`false`.
    pub fn flag(&mut self, key: &str) -> Option<bool> {
        self.choice(
            key,
            &[("1", true), ("true", true), ("0", false), ("false", false)],
        )
    }

    fn parsed<T: FromStr>(&mut self, key: &str, msg: Msg) -> Option<T> {
        let v = self.raw(key)?;
        let out = v.parse().ok();
        if out.is_none() {
            self.refuse(key.to_string(), msg, Vec::new());
        }
        out
    }

    /// `value` if every parameter was taken, else the 422 naming those that were not.
    pub fn done<T>(self, value: T) -> Result<T, WebError> {
        if self.bad.is_empty() {
            Ok(value)
        } else {
            Err(WebError::BadQuery(self.bad))
        }
    }
}

/// Lists that take no parameters still refuse them: a filter the endpoint ignores is a typo.
pub fn none(req: &Req) -> Result<(), WebError> {
    Query::new(req, &[]).done(())
}

fn kinds() -> Vec<(&'static str, CustomerKind)> {
    CustomerKind::ALL.into_iter().map(|k| (k.id(), k)).collect()
}

fn shown() -> Vec<(&'static str, Shown)> {
    Shown::ALL.into_iter().map(|s| (s.id(), s)).collect()
}

/// The list page's page size, which the API keeps as its default.
const PER_PAGE: usize = 50;
/// The most customers one API page holds (`per=all` asks for every one).
const PER_MAX: usize = 1000;

/// `GET /api/v1/customers`.
pub fn customers(req: &Req) -> Result<CustomerQuery, WebError> {
    let mut q = Query::new(
        req,
        &[
            "q",
            "kind",
            "plan_id",
            "router_id",
            "status",
            "expiring",
            "archived",
            "sort",
            "desc",
            "page",
            "per",
        ],
    );
    let sorts: Vec<(&str, SortBy)> = [
        SortBy::Name,
        SortBy::Login,
        SortBy::Expires,
        SortBy::Created,
    ]
    .into_iter()
    .map(|s| (s.id(), s))
    .collect();
    let per = match q.raw("per") {
        Some("all") => 0,
        Some(_) => q.number("per", 1, PER_MAX).unwrap_or(PER_PAGE),
        None => PER_PAGE,
    };
    let cq = CustomerQuery {
        q: q.text("q"),
        kind: q.choice("kind", &kinds()),
        plan_id: q.id("plan_id"),
        router_id: q.id("router_id"),
        status: q.choice("status", &shown()),
        expiring_days: q.number("expiring", 0, 36_600),
        include_archived: q.flag("archived").unwrap_or(false),
        sort: q.choice("sort", &sorts).unwrap_or_default(),
        desc: q.flag("desc").unwrap_or(false),
        page: q.number("page", 1, usize::MAX).unwrap_or(1) - 1,
        per,
    };
    q.done(cq)
}

fn payment_filter(q: &mut Query) -> PaymentFilter {
    PaymentFilter {
        customer_id: q.id("customer_id"),
        from: q.date("from"),
        to: q.date("to"),
        method: q.text("method"),
        customer_kind: q.choice("customer_kind", &kinds()),
        plan_id: q.id("plan_id"),
        router_id: q.id("router_id"),
        recorded_by: q.text("recorded_by").to_lowercase(),
    }
}

const PAYMENT_PARAMS: &[&str] = &[
    "customer_id",
    "from",
    "to",
    "method",
    "customer_kind",
    "plan_id",
    "router_id",
    "recorded_by",
];

/// Rows a ledger list (payments, extensions, bills) gives at most at once.
const LEDGER_PER_MAX: usize = 500;

/// `page` (from 1) and `per` (1 to 500, 100 when absent) of a ledger list.
fn ledger_paging(q: &mut Query) -> Paging {
    paging(q, crate::billing::books::PER_PAGE, LEDGER_PER_MAX)
}

/// `GET /api/v1/payments`.
pub fn payments(req: &Req) -> Result<(PaymentFilter, Paging), WebError> {
    let mut q = Query::new(req, &[PAYMENT_PARAMS, &["page", "per"]].concat());
    let f = (payment_filter(&mut q), ledger_paging(&mut q));
    q.done(f)
}

fn extension_filter(q: &mut Query) -> ExtensionFilter {
    ExtensionFilter {
        customer_id: q.id("customer_id"),
        free: q.flag("free"),
        by: q.text("by").to_lowercase(),
        from: q.date("from"),
        to: q.date("to"),
    }
}

const EXTENSION_PARAMS: &[&str] = &["customer_id", "free", "by", "from", "to"];

/// `GET /api/v1/extensions`.
pub fn extensions(req: &Req) -> Result<(ExtensionFilter, Paging), WebError> {
    let mut q = Query::new(req, &[EXTENSION_PARAMS, &["page", "per"]].concat());
    let f = (extension_filter(&mut q), ledger_paging(&mut q));
    q.done(f)
}

/// `GET /api/v1/bills`: whose, and in which state.
pub fn bills(req: &Req) -> Result<(Option<u64>, Option<BillStatus>, Paging), WebError> {
    let mut q = Query::new(req, &["customer_id", "status", "page", "per"]);
    let statuses = [BillStatus::Pending, BillStatus::Paid, BillStatus::Void].map(|s| (s.id(), s));
    let f = (
        q.id("customer_id"),
        q.choice("status", &statuses),
        ledger_paging(&mut q),
    );
    q.done(f)
}

/// `GET /api/v1/messages`: whose.
pub fn messages(req: &Req) -> Result<Option<u64>, WebError> {
    let mut q = Query::new(req, &["customer_id"]);
    let c = q.id("customer_id");
    q.done(c)
}

/// `GET /api/v1/feedback`: in which state, whose.
pub fn feedback(req: &Req) -> Result<(Option<feedback::Status>, Option<u64>), WebError> {
    use feedback::Status;
    let mut q = Query::new(req, &["status", "customer_id"]);
    let statuses = [Status::New, Status::InProgress, Status::Resolved].map(|s| (s.id(), s));
    let f = (q.choice("status", &statuses), q.id("customer_id"));
    q.done(f)
}

/// `GET /api/v1/qpay/invoices`: in which state, whose, opened when.
pub fn qpay_invoices(req: &Req) -> Result<crate::selfpay::invoices::Filter, WebError> {
    use crate::model::invoice::InvoiceStatus;
    let mut q = Query::new(req, &["status", "customer_id", "from", "to"]);
    let statuses = InvoiceStatus::ALL.map(|s| (s.id(), s));
    let f = crate::selfpay::invoices::Filter {
        status: q.choice("status", &statuses),
        customer_id: q.id("customer_id"),
        from: q.date("from"),
        to: q.date("to"),
    };
    q.done(f)
}

/// `GET /api/v1/audit`.
pub fn audit(req: &Req) -> Result<audit::Filter, WebError> {
    let mut q = Query::new(req, &["who", "entity", "entity_id", "from", "to", "before"]);
    let f = audit::Filter {
        who: q.text("who").to_lowercase(),
        entity: q.text("entity").to_lowercase(),
        entity_id: q.text("entity_id"),
        from: q.date("from"),
        to: q.date("to"),
        before: q.id("before"),
    };
    q.done(f)
}

/// How a report is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

fn format(q: &mut Query) -> Format {
    q.choice(
        "format",
        &[
            ("json", Format::Json),
            ("csv", Format::Csv),
            ("xlsx", Format::Xlsx),
        ],
    )
    .unwrap_or(Format::Json)
}

/// `GET /api/v1/reports/revenue`.
pub fn revenue(req: &Req) -> Result<(PaymentFilter, Group, Format), WebError> {
    let mut allowed = PAYMENT_PARAMS.to_vec();
    allowed.extend(["group", "format"]);
    let mut q = Query::new(req, &allowed);
    let f = payment_filter(&mut q);
    let group = q
        .choice("group", &[("day", Group::Day), ("month", Group::Month)])
        .unwrap_or_default();
    let fmt = format(&mut q);
    q.done((f, group, fmt))
}

/// `GET /api/v1/reports/customers`.
pub fn customer_report(req: &Req) -> Result<(CustomerFilter, Format), WebError> {
    let mut q = Query::new(
        req,
        &[
            "kind",
            "plan_id",
            "router_id",
            "status",
            "expiring_within_days",
            "format",
        ],
    );
    let f = CustomerFilter {
        kind: q.choice("kind", &kinds()),
        plan_id: q.id("plan_id"),
        router_id: q.id("router_id"),
        status: q.choice("status", &shown()),
        expiring_within_days: q.number("expiring_within_days", 0, 3660),
    };
    let fmt = format(&mut q);
    q.done((f, fmt))
}

/// `GET /api/v1/reports/plans`.
pub fn plan_report(req: &Req) -> Result<(ExtensionFilter, Format), WebError> {
    let mut allowed = EXTENSION_PARAMS.to_vec();
    allowed.push("format");
    let mut q = Query::new(req, &allowed);
    let f = extension_filter(&mut q);
    let fmt = format(&mut q);
    q.done((f, fmt))
}

/// One page of a list: which (1-based) and how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: usize,
    pub per: usize,
}

impl Paging {
    pub fn offset(self) -> usize {
        (self.page - 1).saturating_mul(self.per)
    }
}

/// Far past any real list; keeps `page × per` from overflowing.
const MAX_PAGE: usize = 100_000;

fn paging(q: &mut Query, default: usize, max: usize) -> Paging {
    Paging {
        page: q.number("page", 1, MAX_PAGE).unwrap_or(1),
        per: q.number("per", 1, max).unwrap_or(default),
    }
}

/// Batches per API page at most: each one's cards (up to 10,000) are read to count them.
pub const BATCHES_MAX: usize = 100;
/// Cards per API page at most.
pub const CARDS_MAX: usize = 1_000;
/// Agents per API page at most.
pub const AGENTS_MAX: usize = 500;

/// `GET /api/v1/vouchers/batches`.
pub fn voucher_batches(req: &Req) -> Result<Paging, WebError> {
    let mut q = Query::new(req, &["page", "per"]);
    let p = paging(&mut q, 20, BATCHES_MAX);
    q.done(p)
}

fn card_filter(q: &mut Query) -> crate::vouchers::query::CardFilter {
    use crate::vouchers::query::{CardFilter, STATES, state_id};
    let states: Vec<_> = STATES.into_iter().map(|s| (state_id(s), s)).collect();
    let state = q.choice("state", &states);
    let code = q.text("code");
    if code.chars().count() > crate::vouchers::query::MAX_SEARCH {
        q.refuse(
            "code".into(),
            Msg::TooLong,
            vec![crate::vouchers::query::MAX_SEARCH.to_string()],
        );
    } else if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        // Codes are letters and digits: anything else is a mistake, not a search.
        q.refuse("code".into(), Msg::InvalidChoice, Vec::new());
    }
    CardFilter {
        state,
        code: code.to_ascii_uppercase(),
    }
}

/// `GET /api/v1/vouchers/cards`: one batch's cards (required: a batch holds at most 10,000, so
/// the filter reads a bounded set), by state and part of the code.
pub fn voucher_cards(
    req: &Req,
) -> Result<(u64, crate::vouchers::query::CardFilter, Paging), WebError> {
    let mut q = Query::new(req, &["batch_id", "state", "code", "page", "per"]);
    let batch = q.id("batch_id");
    if batch.is_none() && q.raw("batch_id").is_none() {
        q.refuse("batch_id".into(), Msg::Required, Vec::new());
    }
    let f = card_filter(&mut q);
    let p = paging(&mut q, 100, CARDS_MAX);
    q.done((batch.unwrap_or(0), f, p))
}

/// `GET /api/v1/vouchers/batches/{id}/cards`.
pub fn batch_cards(req: &Req) -> Result<(crate::vouchers::query::CardFilter, Paging), WebError> {
    let mut q = Query::new(req, &["state", "code", "page", "per"]);
    let f = card_filter(&mut q);
    let p = paging(&mut q, 100, CARDS_MAX);
    q.done((f, p))
}

/// `GET /api/v1/agents`.
pub fn agents(req: &Req) -> Result<Paging, WebError> {
    let mut q = Query::new(req, &["page", "per"]);
    let p = paging(&mut q, 100, AGENTS_MAX);
    q.done(p)
}

/// `GET /api/v1/agents/{id}/statement`: local calendar days, `to` included.
pub fn statement(req: &Req) -> Result<(Option<Date>, Option<Date>), WebError> {
    let mut q = Query::new(req, &["from", "to"]);
    let (from, to) = (q.date("from"), q.date("to"));
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        q.refuse("from".into(), Msg::InvalidDate, Vec::new());
    }
    q.done((from, to))
}
