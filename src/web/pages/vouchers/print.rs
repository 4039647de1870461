//! Printing a batch's cards (A4 sheets of 32 or 21, or one per 58 / 80 mm thermal roll ticket)
//! and exporting them to CSV / Excel. Both hand out working credentials, so both need Vouchers
//! edit and each is written to the audit log.
//!
//! A print view holds at most [`MAX_PRINT`] cards (card numbers `from`–`to`): a thousand QR
//! codes are a few megabytes of SVG, which a browser lays out and prints without struggling;
//! a bigger batch is printed in ranges, which is also how a range is reprinted.

use super::{Loaded, load, router_names};
use crate::i18n::{Lang, Msg};
use crate::model::voucher::LoginMode;
use crate::network::SecretBox;
use crate::reports::{ReportError, Sink};
use crate::store::Read;
use crate::vouchers::query;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::export::{Rows, export_rows};
use crate::web::http::{self, Req};
use crate::web::qr;
use hyper::StatusCode;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::sync::Arc;

/// Cards in one print view at most.
pub const MAX_PRINT: usize = 1_000;

/// How cards are laid out on paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A4, 4 across and 8 down.
    A4x32,
    /// A4, 3 across and 7 down: larger cards.
    A4x21,
    /// One card per ticket of a 58 mm roll.
    Roll58,
    /// One card per ticket of an 80 mm roll.
    Roll80,
}

impl Layout {
    pub const ALL: [Layout; 4] = [Layout::A4x32, Layout::A4x21, Layout::Roll58, Layout::Roll80];

    pub fn id(self) -> &'static str {
        match self {
            Layout::A4x32 => "a4-4x8",
            Layout::A4x21 => "a4-3x7",
            Layout::Roll58 => "roll58",
            Layout::Roll80 => "roll80",
        }
    }

    pub fn parse(s: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.id() == s)
    }

    pub fn msg(self) -> Msg {
        match self {
            Layout::A4x32 => Msg::LayoutA4x32,
            Layout::A4x21 => Msg::LayoutA4x21,
            Layout::Roll58 => Msg::LayoutRoll58,
            Layout::Roll80 => Msg::LayoutRoll80,
        }
    }

    /// Cards on one sheet (a roll's ticket holds one).
    fn per_sheet(self) -> usize {
        match self {
            Layout::A4x32 => 32,
            Layout::A4x21 => 21,
            Layout::Roll58 | Layout::Roll80 => 1,
        }
    }
}

pub fn layout_select(cx: &Ctx, chosen: Layout) -> Markup {
    html! {
        label.field { span { (cx.t(Msg::PrintLayout)) } select name="layout" {
            @for l in Layout::ALL { option value=(l.id()) selected[l == chosen] { (cx.t(l.msg())) } }
        } }
    }
}

/// The range asked for, kept inside the batch and at most [`MAX_PRINT`] cards long.
fn range(req: &Req, last: usize) -> (usize, usize) {
    let n = |k: &str| req.query(k).and_then(|v| v.trim().parse::<usize>().ok());
    let last = last.max(1);
    let from = n("from").unwrap_or(1).clamp(1, last);
    let to = n("to")
        .unwrap_or(last)
        .clamp(from, last)
        .min(from + MAX_PRINT - 1);
    (from, to)
}

pub use crate::vouchers::query::login_url;

pub async fn print(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let started = std::time::Instant::now();
    let loaded = load(&cx, id).await?;
    let layout = req
        .query("layout")
        .and_then(Layout::parse)
        .unwrap_or(Layout::A4x32);
    let (from, to) = range(&req, loaded.cards.len());
    // A thousand QR codes are a third of a second of CPU: off the async workers.
    let c = cx.clone();
    let (doc, shown) = tokio::task::spawn_blocking(move || render(&c, &loaded, layout, from, to))
        .await
        .map_err(|e| WebError::Internal(format!("print view task failed: {e}")))?;
    if shown > 0 {
        crate::ops::vouchers::record_handout(
            &cx.app,
            &cx.by(),
            id,
            "print",
            crate::audit::snapshot(&serde_json::json!({
                "cards": shown,
                "numbers": format!("{from}–{to}"),
                "layout": layout.id(),
            })),
        )
        .await?;
    }
    tracing::debug!(cards = shown, elapsed = ?started.elapsed(), "voucher print view");
    Ok(http::html(StatusCode::OK, doc))
}

/// The print view of cards `from..=to` that still work, and how many it holds.
fn render(cx: &Ctx, l: &Loaded, layout: Layout, from: usize, to: usize) -> (Markup, usize) {
    let Loaded {
        batch,
        plan,
        routers,
        cards,
    } = l;
    let now = cx.now;
    let routers = router_names(routers);
    let price = cx.money(batch.price);
    let package = plan
        .as_ref()
        .map_or_else(|| format!("#{}", batch.plan_id), |p| p.name.clone());
    let validity = query::validity_text(cx.lang, batch, plan.as_ref(), &cx.tz);
    let secrets = &cx.app.secrets;
    let mut shown = Vec::new();
    let mut passed_over = 0usize;
    for (n, c) in cards
        .iter()
        .filter(|(n, _)| usize::try_from(*n).is_ok_and(|n| (from..=to).contains(&n)))
    {
        if !c.usable(now) {
            passed_over += 1;
            continue;
        }
        let pin = match batch.login_mode {
            LoginMode::CodeOnly => None,
            LoginMode::CodeAndPin => Some(secrets.open_sealed(&c.pin_sealed).unwrap_or_default()),
        };
        let host = routers
            .get(&c.router_id)
            .map_or_else(String::new, |r| r.hotspot_host());
        let url = login_url(&host, &c.code, pin.as_deref().unwrap_or(&c.code));
        shown.push((*n, c.code.clone(), pin, qr::compact_svg(&url)));
    }
    let logo = cx.settings.logo_mime.is_some();
    let company = &cx.settings.company_name;
    let card = |n: u32, code: &str, pin: &Option<String>, svg: &Option<String>| {
        html! {
            div.vcard {
                div.vc-text {
                    div.vc-co { @if logo { img src="/logo" alt=""; } (company) }
                    div.vc-plan { (package) " · " strong { (price) } }
                    div.vc-valid { (validity) }
                    div.vc-no { "№ " (n) " · #" (batch.id) }
                }
                @if let Some(svg) = svg { (PreEscaped(svg)) }
                div.vc-codes {
                    div.vc-code { small { (cx.t(Msg::VoucherCode)) } b { (code) } }
                    @if let Some(pin) = pin { div.vc-code { small { (cx.t(Msg::VoucherPin)) } b { (pin) } } }
                }
            }
        }
    };
    let title = format!("{} #{} · {from}–{to}", cx.t(Msg::VoucherBatch), batch.id);
    let doc = html! {
        (DOCTYPE)
        html lang=(cx.lang.code()) {
            head {
                meta charset="utf-8";
                title { (title) " · " (company) }
                link rel="stylesheet" href="/assets/style.css";
                script src="/assets/app.js" defer {}
            }
            body.voucher-print {
                div.no-print.print-controls {
                    h1 { (title) }
                    form.toolbar method="get" action={ "/vouchers/" (batch.id) "/print" } {
                        (layout_select(cx, layout))
                        label.field { span { (cx.t(Msg::CardsFrom)) } input type="number" name="from" min="1" value=(from); }
                        label.field { span { (cx.t(Msg::CardsTo)) } input type="number" name="to" min="1" value=(to); }
                        button.secondary type="submit" { (cx.t(Msg::Refresh)) }
                        button type="button" data-print { (cx.t(Msg::Print)) }
                        a.button.secondary href={ "/vouchers/" (batch.id) } { (cx.t(Msg::Back)) }
                    }
                    p.muted { (cx.f(Msg::PrintShown, &[&shown.len(), &passed_over])) }
                    @if cards.len() > to { p.muted { (cx.f(Msg::PrintNext, &[&(to + 1), &cards.len()])) } }
                }
                @for sheet in shown.chunks(layout.per_sheet()) {
                    section class={ "sheet " (layout.id()) } {
                        @for (n, code, pin, svg) in sheet { (card(*n, code, pin, svg)) }
                    }
                }
            }
        }
    };
    (doc, shown.len())
}

/// A batch's cards for the export download.
struct BatchCards {
    id: u64,
    now: Timestamp,
    tz: TimeZone,
    lang: Lang,
    secrets: SecretBox,
}

impl Rows for BatchCards {
    fn name(&self) -> String {
        format!("vouchers-{}", self.id)
    }

    fn run(&self, r: &Read, sink: &mut impl Sink) -> Result<(), ReportError> {
        let open = |s: &str| self.secrets.open_sealed(s);
        crate::vouchers::export::export(r, self.id, self.now, &self.tz, self.lang, &open, sink)
            .map(|_| ())
    }
}

async fn export(cx: Arc<Ctx>, req: Req, format: &'static str) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let l = load(&cx, id).await?;
    let pins = matches!(l.batch.login_mode, LoginMode::CodeAndPin);
    crate::ops::vouchers::record_handout(
        &cx.app,
        &cx.by(),
        id,
        "export",
        crate::audit::snapshot(&serde_json::json!({
            "format": format,
            "cards": l.cards.len(),
            "pins": pins,
        })),
    )
    .await?;
    let rows = BatchCards {
        id,
        now: cx.now,
        tz: cx.tz.clone(),
        lang: cx.lang,
        secrets: cx.app.secrets.clone(),
    };
    export_rows(&cx, rows, format)
        .await
        .unwrap_or(Err(WebError::NotFound))
}

pub async fn csv(cx: Arc<Ctx>, req: Req) -> Out {
    export(cx, req, "csv").await
}

pub async fn xlsx(cx: Arc<Ctx>, req: Req) -> Out {
    export(cx, req, "xlsx").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_url_encodes_what_it_carries() {
        assert_eq!(
            login_url("hotspot.topnet.mn", "TN7K9QX4AC", "TN7K9QX4AC"),
            "http://hotspot.topnet.mn/login?username=TN7K9QX4AC&password=TN7K9QX4AC"
        );
        assert_eq!(
            login_url("[fd00::1]", "a b&c", "p=1?#"),
            "http://[fd00::1]/login?username=a+b%26c&password=p%3D1%3F%23"
        );
    }

    #[test]
    fn layouts_round_trip_and_fill_their_sheets() {
        for l in Layout::ALL {
            assert_eq!(Layout::parse(l.id()), Some(l));
        }
        assert_eq!(Layout::A4x32.per_sheet(), 4 * 8);
        assert_eq!(Layout::A4x21.per_sheet(), 3 * 7);
    }
}
