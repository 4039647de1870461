//! Taking over a router in service: read its profiles and users, preview, commit.

use super::{load, password_of, show_page};
use crate::i18n::Msg;
use crate::network::import::{self, ImportDefaults, ImportPreview};
use crate::network::router::Router;
use crate::store::{Reader, StoreError};
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, input, page};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

fn import_page(
    cx: &Ctx,
    r: &Router,
    preview: &ImportPreview,
    defaults: &ImportDefaults,
    p: &Problems,
) -> Markup {
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
            h2 { (cx.t(Msg::MenuPlans)) }
            div.table-wrap { table {
                thead { tr { th { (cx.t(Msg::Profile)) } th { (cx.t(Msg::Kind)) } th { (cx.t(Msg::RateLimit)) } th { (cx.t(Msg::SharedUsers)) } th {} } }
                tbody { @for pl in &preview.plans { tr {
                    td { (pl.profile) } td { (pl.kind.id()) } td { (pl.rate_limit) } td { (pl.shared_users) }
                    td { @if pl.existing_plan.is_some() { (cx.t(Msg::ExistingPlan)) } @else { (cx.t(Msg::NewPlan)) } }
                } } }
            } }
            h2 { (cx.t(Msg::MenuCustomers)) " (" (importable) " / " (preview.customers.len()) ")" }
            div.table-wrap { table {
                thead { tr { th { (cx.t(Msg::Username)) } th { (cx.t(Msg::Profile)) } th { (cx.t(Msg::Kind)) } th { (cx.t(Msg::Status)) } th { (cx.t(Msg::ExpiryDate)) } th { (cx.t(Msg::Note)) } th {} } }
                tbody { @for c in &preview.customers { tr {
                    td { (c.login) } td { (c.profile) } td { (c.kind.id()) }
                    td { @if c.disabled { (cx.t(Msg::Disabled)) } @else { (cx.t(Msg::Active)) } }
                    td { @match c.expires_at { Some(t) => (cx.datetime(t)), None => "—" } }
                    td { (c.comment) }
                    td { @if let Some(why) = c.skip { span.badge.bad { (cx.t(why)) } } }
                } } }
            } }
            form method="post" action={ "/routers/" (r.id) "/import" } {
                (csrf(cx))
                (input(cx, p, "price", Msg::DefaultPrice, "text", &if defaults.price > 0 { crate::i18n::format::major_input(defaults.price, cx.settings.currency.exponent) } else { String::new() }, true))
                (input(cx, p, "duration_days", Msg::DefaultDuration, "number", &defaults.duration_days.to_string(), true))
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
    Ok(import::read(&router, &pw, &snapshot, &tz).await)
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
    let defaults = ImportDefaults {
        price: 0,
        duration_days: 30,
    };
    match read_preview(&cx, &r).await? {
        Ok(preview) => Ok(http::html(
            StatusCode::OK,
            import_page(&cx, &r, &preview, &defaults, &Problems::default()),
        )),
        Err(e) => show_page(&cx, id, Some(Err(e)), None).await,
    }
}

pub async fn import_commit(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let (r, _, _) = load(&cx, id).await?;
    let mut p = Problems::default();
    let price =
        crate::i18n::format::parse_major(req.form.get("price"), cx.settings.currency.exponent)
            .filter(|v| *v > 0);
    if price.is_none() {
        p.add("price", Msg::InvalidNumber);
    }
    let days = req
        .form
        .get("duration_days")
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=3660).contains(d));
    if days.is_none() {
        p.add("duration_days", Msg::InvalidNumber);
    }
    let defaults = ImportDefaults {
        price: price.unwrap_or(0),
        duration_days: days.unwrap_or(30),
    };
    let preview = match read_preview(&cx, &r).await? {
        Ok(pr) => pr,
        Err(e) => return show_page(&cx, id, Some(Err(e)), None).await,
    };
    if !p.is_empty() {
        return Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            import_page(&cx, &r, &preview, &defaults, &p),
        ));
    }
    crate::ops::routers::import(&cx.app, &cx.by(), r.clone(), preview, defaults).await?;
    Ok(http::redirect(&format!(
        "/customers?router_id={id}&notice=imported"
    )))
}
