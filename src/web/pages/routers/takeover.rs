//! Taking over a router in service: read its profiles and users, preview, commit.

use super::{Failed, load, password_of, show_page};
use crate::billing::plan::ServiceKind;
use crate::i18n::Msg;
use crate::network::import::{self, ExpiryFrom, ImportChoices, ImportCustomer, ImportPreview};
use crate::network::router::Router;
use crate::store::{Reader, StoreError};
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Form, Req};
use crate::web::layout::{self, csrf, input, page};
use hyper::StatusCode;
use maud::{Markup, html};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The preview form as submitted (or as it opens): raw text, so a bad value comes back as typed.
struct Typed {
    /// Price and days by plan key (`kind:profile`).
    prices: HashMap<String, String>,
    days: HashMap<String, String>,
    /// The rows ticked, by row key (`kind:login`); `None` before the first submission: all.
    take: Option<HashSet<String>>,
    expires_on: String,
    /// Plans whose price or days did not parse.
    bad: HashSet<String>,
}

fn plan_key(kind: ServiceKind, profile: &str) -> String {
    format!("{}:{profile}", kind.id())
}

fn row_key(c: &ImportCustomer) -> String {
    format!("{}:{}", c.kind.id(), c.login)
}

impl Typed {
    fn opening(cx: &Ctx) -> Typed {
        let today = cx.today();
        let month = today
            .checked_add(jiff::Span::new().days(30))
            .unwrap_or(today);
        Typed {
            prices: HashMap::new(),
            days: HashMap::new(),
            take: None,
            expires_on: month.to_string(),
            bad: HashSet::new(),
        }
    }

    fn of(f: &Form) -> Typed {
        let mut t = Typed {
            prices: HashMap::new(),
            days: HashMap::new(),
            take: Some(HashSet::new()),
            expires_on: f.get("expires_on").trim().to_string(),
            bad: HashSet::new(),
        };
        for (k, v) in &f.fields {
            if let Some(key) = k.strip_prefix("price:") {
                t.prices.insert(key.to_string(), v.clone());
            } else if let Some(key) = k.strip_prefix("days:") {
                t.days.insert(key.to_string(), v.clone());
            } else if k == "take" {
                t.take.get_or_insert_with(HashSet::new).insert(v.clone());
            }
        }
        t
    }

    fn taken(&self, c: &ImportCustomer) -> bool {
        c.skip.is_none() && self.take.as_ref().is_none_or(|t| t.contains(&row_key(c)))
    }

    /// The choices, or the problems (with `bad` marking the packages at fault).
    fn choose(&mut self, cx: &Ctx, preview: &ImportPreview) -> Result<ImportChoices, Problems> {
        let mut p = Problems::default();
        let take: HashSet<(ServiceKind, String)> = preview
            .customers
            .iter()
            .filter(|c| self.taken(c))
            .map(|c| (c.kind, c.login.clone()))
            .collect();
        let mut plans = std::collections::BTreeMap::new();
        for pl in preview
            .needed(&take)
            .into_iter()
            .filter(|pl| pl.existing_plan.is_none())
        {
            let key = plan_key(pl.kind, &pl.profile);
            let price = self
                .prices
                .get(&key)
                .and_then(|v| crate::i18n::format::parse_major(v, cx.settings.currency.exponent));
            let days = self
                .days
                .get(&key)
                .and_then(|v| v.trim().parse::<u32>().ok())
                .filter(|d| (1..=3660).contains(d));
            match (price.filter(|v| *v > 0), days) {
                (Some(price), Some(days)) => {
                    plans.insert((pl.kind, pl.profile.clone()), (price, days));
                }
                _ => {
                    self.bad.insert(key);
                }
            }
        }
        if !self.bad.is_empty() {
            p.add("price", Msg::ImportPlanChoices);
        }
        let until = self
            .expires_on
            .parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| {
                d.to_datetime(jiff::civil::time(23, 59, 59, 0))
                    .to_zoned_datetime(cx.tz.clone())
                    .ok()
            });
        if until.is_none() {
            p.add("expires_on", Msg::InvalidDate);
        }
        p.check()?;
        Ok(ImportChoices {
            plans,
            take,
            expires_at: until.map_or(cx.now, |z| z.timestamp()),
        })
    }
}

fn import_page(cx: &Ctx, r: &Router, preview: &ImportPreview, t: &Typed, p: &Problems) -> Markup {
    let importable = preview
        .customers
        .iter()
        .filter(|c| c.skip.is_none())
        .count();
    page(
        cx,
        &format!("{} — {}", cx.t(Msg::ImportFromRouter), r.name),
        html! {
            p.muted { (cx.t(Msg::ImportHelp)) }
            (layout::problems_summary(cx, p))
            form method="post" action={ "/routers/" (r.id) "/import" } {
                (csrf(cx))
                h2 { (cx.t(Msg::MenuPlans)) }
                p.muted { (cx.f(Msg::ImportPriceHelp, &[&cx.settings.currency.symbol])) }
                @if let Some(pr) = p.get("price") { p.error role="alert" { (pr.text(cx.lang)) } }
                div.table-wrap { table {
                    thead { tr { th { (cx.t(Msg::Profile)) } th { (cx.t(Msg::Kind)) } th { (cx.t(Msg::RateLimit)) } th.num { (cx.t(Msg::SharedUsers)) } th { (cx.t(Msg::PriceMajor)) " (" (cx.settings.currency.symbol) ")" } th { (cx.t(Msg::Days)) } } }
                    tbody { @for pl in &preview.plans {
                        @let key = plan_key(pl.kind, &pl.profile);
                        @let bad = t.bad.contains(&key).then_some("true");
                        tr {
                            td { code { (pl.profile) } } td { (super::super::plans::kind_label(cx, pl.kind)) } td { (pl.rate_limit) } td.num { (pl.shared_users) }
                            @if pl.existing_plan.is_some() {
                                td colspan="2" { span.badge { (cx.t(Msg::ExistingPlan)) } }
                            } @else {
                                td { input type="text" inputmode="decimal" name={ "price:" (key) } value=(t.prices.get(&key).map_or("", |v| v.as_str())) aria-invalid=[bad] aria-label=(cx.t(Msg::PriceMajor)); }
                                td { input type="number" min="1" max="3660" name={ "days:" (key) } value=(t.days.get(&key).map_or("30", |v| v.as_str())) aria-invalid=[bad] aria-label=(cx.t(Msg::Days)); }
                            }
                        }
                    } }
                } }
                h2 { (cx.t(Msg::MenuCustomers)) " (" (importable) " / " (preview.customers.len()) ")" }
                div.table-wrap { table {
                    thead { tr { th { (cx.t(Msg::ImportTake)) } th { (cx.t(Msg::Username)) } th { (cx.t(Msg::Profile)) } th { (cx.t(Msg::Kind)) } th { (cx.t(Msg::Status)) } th { (cx.t(Msg::ExpiryDate)) } th { (cx.t(Msg::Note)) } } }
                    tbody { @for c in &preview.customers { tr {
                        td { @if let Some(why) = c.skip { span.badge.bad { (cx.t(why)) } } @else {
                            input type="checkbox" name="take" value=(row_key(c)) checked[t.taken(c)] aria-label=(c.login);
                        } }
                        td { code { (c.login) } } td { code { (c.profile) } } td { (super::super::plans::kind_label(cx, c.kind)) }
                        td { @if c.disabled { (cx.t(Msg::Disabled)) } @else { (cx.t(Msg::Active)) } }
                        td { @match (c.expires_at, c.expiry_from) {
                            (Some(at), Some(from)) => { (cx.datetime(at)) " " span.muted { "(" (cx.t(match from { ExpiryFrom::Comment => Msg::ExpiryFromComment, ExpiryFrom::UptimeLeft => Msg::ExpiryFromUptime })) ")" } },
                            _ if c.disabled => span.muted { (cx.t(Msg::ExpiryDisabled)) },
                            _ => span.muted { (cx.t(Msg::ExpiryChosen)) },
                        } }
                        td { (c.comment) }
                    } } }
                } }
                (input(cx, p, "expires_on", Msg::ImportExpiryDefault, "date", &t.expires_on, true))
                button type="submit" { (cx.t(Msg::ImportNow)) } " "
                a.button.secondary href={ "/routers/" (r.id) } { (cx.t(Msg::Back)) }
            }
        },
    )
}

async fn read_preview(cx: &Ctx, r: &Router) -> Result<Result<ImportPreview, String>, WebError> {
    let pw = password_of(cx, r)?;
    let (store, router, tz) = (cx.app.store.clone(), r.clone(), cx.tz.clone());
    // The read snapshot must not cross an await: collect what the import needs first.
    let snapshot = store.read_async(SnapshotIndex::of).await?;
    Ok(import::read(&router, &pw, &snapshot, &tz, cx.now).await)
}

/// The indexes an import preview consults, copied out of a read snapshot.
struct SnapshotIndex {
    logins: std::collections::HashSet<String>,
    profiles: std::collections::HashMap<String, u64>,
}

impl SnapshotIndex {
    fn of(r: &impl Reader) -> Result<SnapshotIndex, StoreError> {
        let mut logins = std::collections::HashSet::new();
        for c in r.list::<crate::billing::Customer>()? {
            logins.insert(format!("{}/{}", c.router_id, c.login));
        }
        let profiles = r
            .list::<crate::billing::Plan>()?
            .into_iter()
            .map(|p| (p.profile.to_lowercase(), p.id))
            .collect();
        Ok(SnapshotIndex { logins, profiles })
    }
}

impl import::ImportIndex for SnapshotIndex {
    fn login_exists(&self, router_id: u64, login: &str) -> bool {
        self.logins.contains(&format!("{router_id}/{login}"))
    }
    fn plan_with_profile(&self, profile: &str) -> Option<u64> {
        self.profiles.get(&profile.to_lowercase()).copied()
    }
}

pub async fn import_form(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let (r, _, _) = load(&cx, id).await?;
    match read_preview(&cx, &r).await? {
        Ok(preview) => Ok(http::html(
            StatusCode::OK,
            import_page(
                &cx,
                &r,
                &preview,
                &Typed::opening(&cx),
                &Problems::default(),
            ),
        )),
        Err(e) => show_page(&cx, id, Some(Err(Failed::Router(e))), None).await,
    }
}

pub async fn import_commit(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let (r, _, _) = load(&cx, id).await?;
    // The router is read again: what is committed is what it holds now, checked against the
    // store as it is now, so a second submission finds everything already there.
    let preview = match read_preview(&cx, &r).await? {
        Ok(pr) => pr,
        Err(e) => return show_page(&cx, id, Some(Err(Failed::Router(e))), None).await,
    };
    let mut typed = Typed::of(&req.form);
    let choices = match typed.choose(&cx, &preview) {
        Ok(c) => c,
        Err(p) => {
            return Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                import_page(&cx, &r, &preview, &typed, &p),
            ));
        }
    };
    crate::ops::routers::import(&cx.app, &cx.by(), r.clone(), preview, choices).await?;
    Ok(http::redirect(&format!(
        "/customers?router_id={id}&notice=imported"
    )))
}
