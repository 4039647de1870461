//! Cards moving to and from agents, and sold: handed over (a count or a range of a batch),
//! taken back unsold, sold by their agent or at the counter, and agents renewing customers
//! from their balance. Each is one transaction with its ledger line, so a card is always
//! accounted for: in stock, with one agent, sold, in use, used up or void.

use super::agents::{self, unit_price};
use crate::audit::{self, Actor};
use crate::billing::ledger::{self, NewPayment, Recorded};
use crate::billing::{Customer, Plan};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::agent::{Agent, AgentEntry, EntryKind, PaysAt};
use crate::model::voucher::{Batch, Card, CardState};
use crate::model::{CustomerId, Money};
use crate::store::{Reader, Set, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;

/// Cards handed over or taken back at once, at most.
pub const MAX_PICK: u32 = 10_000;

/// Which cards of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The first this many still in stock.
    Count(u32),
    /// Card numbers `from..=to` in the batch's order (1-based, as printed).
    Range(u32, u32),
}

impl Pick {
    /// From the form: a range when `from` is given, else a count.
    pub fn parse(count: &str, from: &str, to: &str, p: &mut Problems) -> Option<Pick> {
        let n = |s: &str| s.trim().parse::<u32>().ok().filter(|v| *v >= 1);
        if from.trim().is_empty() && to.trim().is_empty() {
            match n(count).filter(|c| *c <= MAX_PICK) {
                Some(c) => Some(Pick::Count(c)),
                None => {
                    p.add_arg("count", Msg::CountUpTo, MAX_PICK);
                    None
                }
            }
        } else {
            match (n(from), n(to)) {
                (Some(a), Some(b)) if a <= b && b - a < MAX_PICK => Some(Pick::Range(a, b)),
                _ => {
                    p.add("from", Msg::InvalidRange);
                    None
                }
            }
        }
    }
}

/// The batch's cards picked, each checked by `ok`; a range with a card that is not is refused.
fn picked(w: &Write, batch_id: u64, pick: Pick, ok: impl Fn(&Card) -> bool) -> Result<Vec<Card>> {
    let ids = w.set_members(Set::VoucherCardsByBatch, batch_id)?;
    let mut out = Vec::new();
    match pick {
        Pick::Count(n) => {
            for id in ids {
                if out.len() >= n as usize {
                    break;
                }
                if let Some(c) = w.get::<Card>(id)?
                    && ok(&c)
                {
                    out.push(c);
                }
            }
            if out.len() < n as usize {
                return Err(Error::Invalid(Problems::one("count", Msg::NotEnoughCards)));
            }
        }
        Pick::Range(a, b) => {
            let (a, b) = (a as usize - 1, b as usize);
            if b > ids.len() {
                return Err(Error::Invalid(Problems::one("to", Msg::InvalidRange)));
            }
            for id in &ids[a..b] {
                let c = w.get::<Card>(*id)?.ok_or(Error::NotFound)?;
                if !ok(&c) {
                    return Err(Error::Invalid(Problems::one(
                        "from",
                        Msg::CardsNotAvailable,
                    )));
                }
                out.push(c);
            }
        }
    }
    Ok(out)
}

fn batch_and_plan(w: &Write, batch_id: u64) -> Result<(Batch, Option<Plan>)> {
    let batch = w.get::<Batch>(batch_id)?.ok_or(Error::NotFound)?;
    let plan = w.get::<Plan>(batch.plan_id)?;
    Ok((batch, plan))
}

fn active_agent(w: &Write, agent_id: u64) -> Result<Agent> {
    let a = w.get::<Agent>(agent_id)?.ok_or(Error::NotFound)?;
    if !a.active {
        return Err(Error::Invalid(Problems::one("agent", Msg::AgentInactive)));
    }
    Ok(a)
}

/// Hands cards of a batch to an agent; one who pays at handover is debited for all of them
/// (refused whole past the credit limit).
pub fn hand_over(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    agent_id: u64,
    batch_id: u64,
    pick: Pick,
) -> Result<(AgentEntry, Vec<u64>)> {
    let agent = active_agent(w, agent_id)?;
    let (batch, plan) = batch_and_plan(w, batch_id)?;
    let cards = picked(w, batch_id, pick, |c| c.state(now) == CardState::InStock)?;
    let count = u32::try_from(cards.len()).unwrap_or(u32::MAX);
    let (each, commission) = unit_price(plan.as_ref(), batch.price);
    let (amount, commission) = match agent.pays_at {
        PaysAt::Handover => (
            -each.saturating_mul(i64::from(count)),
            commission.saturating_mul(i64::from(count)),
        ),
        PaysAt::Sale => (0, 0),
    };
    let kind = EntryKind::Stock {
        batch_id,
        cards: count,
    };
    let entry = agents::post(w, now, actor, agent_id, kind, amount, commission)?;
    let mut ids = Vec::with_capacity(cards.len());
    let each_commission = match agent.pays_at {
        PaysAt::Handover => unit_price(plan.as_ref(), batch.price).1,
        PaysAt::Sale => 0,
    };
    for mut c in cards {
        c.agent_id = Some(agent_id);
        c.handed_at = Some(now);
        c.agent_commission = each_commission;
        w.set_add(Set::VoucherCardsByAgent, agent_id, c.id)?;
        w.put(c.id, &c)?;
        ids.push(c.id);
    }
    audit::record(
        w,
        now,
        actor,
        "hand_over",
        "voucher_batch",
        batch_id,
        audit::snapshot(&serde_json::json!({ "cards": count, "agent_id": agent_id })),
    )?;
    Ok((entry, ids))
}

/// Takes unsold cards back from an agent into stock; what they had paid for them at handover is
/// credited back.
pub fn take_back(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    agent_id: u64,
    batch_id: u64,
    pick: Pick,
) -> Result<AgentEntry> {
    let agent = w.get::<Agent>(agent_id)?.ok_or(Error::NotFound)?;
    let (batch, plan) = batch_and_plan(w, batch_id)?;
    let cards = picked(w, batch_id, pick, |c| {
        c.agent_id == Some(agent_id) && c.state(now) == CardState::Handed
    })?;
    let count = u32::try_from(cards.len()).unwrap_or(u32::MAX);
    let (each, commission) = unit_price(plan.as_ref(), batch.price);
    let (amount, commission) = match agent.pays_at {
        PaysAt::Handover => (
            each.saturating_mul(i64::from(count)),
            -commission.saturating_mul(i64::from(count)),
        ),
        PaysAt::Sale => (0, 0),
    };
    let kind = EntryKind::Return {
        batch_id,
        cards: count,
    };
    let entry = agents::post(w, now, actor, agent_id, kind, amount, commission)?;
    for mut c in cards {
        c.agent_id = None;
        c.handed_at = None;
        c.agent_commission = 0;
        w.set_remove(Set::VoucherCardsByAgent, agent_id, c.id)?;
        w.put(c.id, &c)?;
    }
    audit::record(
        w,
        now,
        actor,
        "take_back",
        "voucher_batch",
        batch_id,
        audit::snapshot(&serde_json::json!({ "cards": count, "agent_id": agent_id })),
    )?;
    Ok(entry)
}

fn mark_sold(w: &mut Write, now: Timestamp, mut c: Card) -> std::result::Result<Card, StoreError> {
    c.sold_at = Some(now);
    w.set_add(
        Set::VoucherCardsSoldByDay,
        crate::billing::revenue::payment_day(now),
        c.id,
    )?;
    w.put(c.id, &c)?;
    Ok(c)
}

/// The agent sells one of their cards: `card_id`, or else the first unsold card they hold of
/// `batch_id`. An agent who pays at sale is debited now (refused past the credit limit).
pub fn sell(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    agent_id: u64,
    card_id: Option<u64>,
    batch_id: Option<u64>,
) -> Result<(Card, AgentEntry)> {
    let agent = active_agent(w, agent_id)?;
    let held = |c: &Card| c.agent_id == Some(agent_id) && c.state(now) == CardState::Handed;
    let card = match (card_id, batch_id) {
        (Some(id), _) => w.get::<Card>(id)?.filter(held),
        (None, Some(b)) => {
            let mut found = None;
            for id in w.set_members(Set::VoucherCardsByAgent, agent_id)? {
                if let Some(c) = w.get::<Card>(id)?
                    && c.batch_id == b
                    && held(&c)
                {
                    found = Some(c);
                    break;
                }
            }
            found
        }
        (None, None) => None,
    }
    .ok_or_else(|| Error::Invalid(Problems::one("batch_id", Msg::NotEnoughCards)))?;
    let (batch, plan) = batch_and_plan(w, card.batch_id)?;
    let (each, commission) = unit_price(plan.as_ref(), batch.price);
    let (amount, commission) = match agent.pays_at {
        PaysAt::Sale => (-each, commission),
        PaysAt::Handover => (0, 0),
    };
    let kind = EntryKind::Sale {
        card_id: card.id,
        code: card.code.clone(),
    };
    let entry = agents::post(w, now, actor, agent_id, kind, amount, commission)?;
    let mut card = card;
    if agent.pays_at == PaysAt::Sale {
        card.agent_commission = commission;
    }
    let card = mark_sold(w, now, card)?;
    Ok((card, entry))
}

/// Cards sold at the counter (no agent): counted as sold from now.
pub fn sell_at_counter(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    batch_id: u64,
    pick: Pick,
) -> Result<Vec<u64>> {
    let cards = picked(w, batch_id, pick, |c| c.state(now) == CardState::InStock)?;
    let mut ids = Vec::with_capacity(cards.len());
    for c in cards {
        ids.push(mark_sold(w, now, c)?.id);
    }
    audit::record(
        w,
        now,
        actor,
        "sell",
        "voucher_batch",
        batch_id,
        audit::snapshot(&serde_json::json!({ "cards": ids.len() })),
    )?;
    Ok(ids)
}

/// The one customer a login or phone number names, among those not archived.
pub fn find_customer(r: &impl Reader, who: &str) -> Result<Customer> {
    let who = who.trim();
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let phone = digits(who);
    let mut found: Vec<u64> = Vec::new();
    crate::model::summary::scan(r, |c| {
        if !c.archived
            && (c.login == who || (phone.len() >= 6 && digits(&c.phone).ends_with(&phone)))
        {
            found.push(c.id);
        }
        found.len() < 3
    })?;
    match found.as_slice() {
        [id] => r.get::<Customer>(*id)?.ok_or(Error::NotFound),
        [] => Err(Error::Invalid(Problems::one("who", Msg::UnknownCustomer))),
        _ => Err(Error::Invalid(Problems::one("who", Msg::SeveralCustomers))),
    }
}

/// An agent renews a customer for one period of their package: the customer's payment (the
/// package's price, method "agent") is recorded as any payment is, and the agent is debited
/// their price for it, in the same transaction. `key` makes a retry record nothing twice.
#[allow(clippy::too_many_arguments)]
pub fn renew(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    agent_id: u64,
    customer_id: u64,
    key: Option<String>,
    methods: &[String],
    partial_activation: bool,
) -> Result<(Recorded, Option<AgentEntry>)> {
    let agent = active_agent(w, agent_id)?;
    let customer = w.get::<Customer>(customer_id)?.ok_or(Error::NotFound)?;
    let plan = w.get::<Plan>(customer.plan_id)?.ok_or(Error::NotFound)?;
    let amount =
        Money::payment(plan.price).map_err(|m| Error::Invalid(Problems::one("amount", m)))?;
    let mut methods = methods.to_vec();
    methods.push(METHOD.into());
    let payment = NewPayment {
        customer: CustomerId::new(customer.id),
        amount,
        method: METHOD.into(),
        bank_account: None,
        reference: agent.name.clone(),
        received_at: None,
        key: key.map(|k| format!("agent:{agent_id}:{k}")),
    };
    let rec = ledger::record_payment(w, now, actor, &payment, &methods, partial_activation)?;
    if rec.replayed {
        return Ok((rec, None));
    }
    let (each, commission) = unit_price(Some(&plan), plan.price);
    let kind = EntryKind::Renewal {
        customer_id: customer.id,
        payment_id: rec.payment.id,
        login: customer.login.clone(),
    };
    let entry = agents::post(w, now, actor, agent_id, kind, -each, commission)?;
    Ok((rec, Some(entry)))
}

/// The payment method of customers' payments an agent records.
pub const METHOD: &str = "agent";
