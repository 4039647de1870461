//! A batch's cards as rows, for printing elsewhere: into the reports' CSV and Excel sinks, so
//! money and times come out as they do in every other export.

use super::query::{self, numbered};
use crate::billing::Plan;
use crate::i18n::{Lang, Msg};
use crate::model::voucher::{Batch, LoginMode};
use crate::network::Router;
use crate::reports::{Cell, ReportError, Sink};
use crate::store::Reader;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Every card of the batch into `sink`; `open_pin` unseals a PIN. Returns how many rows.
#[allow(clippy::too_many_arguments)]
pub fn export(
    r: &impl Reader,
    batch_id: u64,
    now: Timestamp,
    tz: &TimeZone,
    lang: Lang,
    open_pin: &dyn Fn(&str) -> Option<String>,
    sink: &mut impl Sink,
) -> Result<usize, ReportError> {
    let Some(batch) = r.get::<Batch>(batch_id)? else {
        return Ok(0);
    };
    let plan = r.get::<Plan>(batch.plan_id)?;
    let mut routers = std::collections::HashMap::new();
    for id in &batch.router_ids {
        if let Some(rt) = r.get::<Router>(*id)? {
            routers.insert(*id, rt.name);
        }
    }
    let validity = query::validity_text(lang, &batch, plan.as_ref(), tz);
    let package = plan.map_or_else(|| format!("#{}", batch.plan_id), |p| p.name);
    let local = |t: Option<Timestamp>| {
        t.map_or(Cell::Empty, |t| {
            Cell::DateTime(t.to_zoned_datetime(tz.clone()).datetime())
        })
    };
    sink.section(&format!("{} #{}", lang.t(Msg::VoucherBatch), batch.id))?;
    sink.header(&[
        lang.t(Msg::CardNumber),
        lang.t(Msg::VoucherCode),
        lang.t(Msg::VoucherPin),
        lang.t(Msg::MenuPlans),
        lang.t(Msg::Price),
        lang.t(Msg::Validity),
        lang.t(Msg::Status),
        lang.t(Msg::MenuRouters),
        lang.t(Msg::FirstUse),
        lang.t(Msg::ExpiryDate),
    ])?;
    let cards = numbered(r, batch.id)?;
    for (n, c) in &cards {
        let pin = match batch.login_mode {
            LoginMode::CodeOnly => Cell::Empty,
            LoginMode::CodeAndPin => Cell::text(open_pin(&c.pin_sealed).unwrap_or_default()),
        };
        sink.row(&[
            Cell::Int(i64::from(*n)),
            Cell::text(c.code.clone()),
            pin,
            Cell::text(package.clone()),
            Cell::Money(batch.price),
            Cell::text(validity.clone()),
            Cell::text(lang.t(query::state_msg(c.state(now)))),
            Cell::text(routers.get(&c.router_id).cloned().unwrap_or_default()),
            local(c.first_used_at),
            local(c.expires_at),
        ])?;
    }
    Ok(cards.len())
}
