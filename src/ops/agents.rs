//! Sales agents: the operator makes them, takes their deposits and hands them cards; agents
//! sell cards and renew customers from their balance. Everything that moves money or cards is
//! idempotent by a one-time key, and one transaction with its ledger line.

use super::{By, commit};
use crate::app::Core;
use crate::billing::ledger::Recorded;
use crate::enforce::Cause;
use crate::error::Error;
use crate::idempotency::{Key, Scope};
use crate::model::Money;
use crate::model::agent::{Agent, AgentEntry};
use crate::model::voucher::Card;
use crate::store::Reader;
use crate::validate::Problems;
use crate::vouchers::agents::{self, AgentDraft};
use crate::vouchers::stock::{self, Pick};

/// An outcome that a replayed key answers with what it made the first time.
pub struct Once<T> {
    pub value: T,
    pub replayed: bool,
}

fn key(scope: Scope, raw: &str) -> Result<Option<Key>, Error> {
    let mut p = Problems::default();
    let k = Key::parse(scope, raw, "idempotency_key", &mut p);
    p.check()?;
    Ok(k)
}

/// The key within one agent's: an API caller picks its own keys ("sale-1"), and the same key
/// sent for another agent must not answer with that agent's entry (or card and PIN).
fn agent_key(scope: Scope, agent_id: u64, raw: &str) -> Result<Option<Key>, Error> {
    Ok(key(scope, raw)?.map(|k| k.part(&format!("agent-{agent_id}"))))
}

/// Makes an agent and its login; `hash` is the login's argon2id password hash.
pub async fn create(
    core: &Core,
    by: &By,
    draft: AgentDraft,
    username: String,
    hash: String,
    password_problems: Problems,
) -> Result<Agent, Error> {
    commit(core, by, move |w, _, by| {
        crate::access::roles::ensure_builtin(w)?;
        let exponent = crate::settings::load(w)?.currency.exponent;
        agents::create(
            w,
            by.now,
            &by.actor,
            &draft,
            &username,
            hash,
            exponent,
            password_problems,
        )
    })
    .await
}

pub async fn update(core: &Core, by: &By, id: u64, draft: AgentDraft) -> Result<Agent, Error> {
    commit(core, by, move |w, _, by| {
        let exponent = crate::settings::load(w)?.currency.exponent;
        agents::update(w, by.now, &by.actor, id, &draft, exponent)
    })
    .await
}

fn replay(w: &impl Reader, key: Option<&Key>) -> Result<Option<AgentEntry>, Error> {
    match crate::idempotency::made_before(key, w)? {
        Some(id) => Ok(Some(w.get::<AgentEntry>(id)?.ok_or(Error::NotFound)?)),
        None => Ok(None),
    }
}

/// Makes one ledger entry of an agent's once per key: a replay answers with the entry the key
/// made.
async fn entry_once<F>(
    core: &Core,
    by: &By,
    scope: Scope,
    agent_id: u64,
    raw_key: &str,
    make: F,
) -> Result<Once<AgentEntry>, Error>
where
    F: FnOnce(&mut crate::store::Write, &By) -> Result<AgentEntry, Error> + Send + 'static,
{
    let key = agent_key(scope, agent_id, raw_key)?;
    commit(core, by, move |w, _, by| {
        if let Some(e) = replay(w, key.as_ref())? {
            return Ok(Once {
                value: e,
                replayed: true,
            });
        }
        let e = make(w, by)?;
        if let Some(k) = &key {
            k.remember(w, e.id)?;
        }
        Ok(Once {
            value: e,
            replayed: false,
        })
    })
    .await
}

pub async fn deposit(
    core: &Core,
    by: &By,
    agent_id: u64,
    amount: Money,
    method: String,
    reference: String,
    raw_key: &str,
) -> Result<Once<AgentEntry>, Error> {
    entry_once(
        core,
        by,
        Scope::AgentDeposit,
        agent_id,
        raw_key,
        move |w, by| {
            let settings = crate::settings::load(w)?;
            if !settings.payment_methods.contains(&method) {
                return Err(Problems::one("method", crate::i18n::Msg::InvalidChoice).into());
            }
            agents::deposit(w, by.now, &by.actor, agent_id, amount, &method, &reference)
        },
    )
    .await
}

/// Hands cards to an agent (or, with `back`, takes unsold ones back into stock).
pub async fn move_stock(
    core: &Core,
    by: &By,
    agent_id: u64,
    batch_id: u64,
    pick: Pick,
    back: bool,
    raw_key: &str,
) -> Result<Once<AgentEntry>, Error> {
    entry_once(
        core,
        by,
        Scope::AgentStock,
        agent_id,
        raw_key,
        move |w, by| {
            if back {
                stock::take_back(w, by.now, &by.actor, agent_id, batch_id, pick)
            } else {
                Ok(stock::hand_over(w, by.now, &by.actor, agent_id, batch_id, pick)?.0)
            }
        },
    )
    .await
}

/// The agent sells one of their cards (a given one, or the next of a batch).
pub async fn sell(
    core: &Core,
    by: &By,
    agent_id: u64,
    card_id: Option<u64>,
    batch_id: Option<u64>,
    raw_key: &str,
) -> Result<Once<(Card, AgentEntry)>, Error> {
    let key = agent_key(Scope::AgentSale, agent_id, raw_key)?;
    commit(core, by, move |w, _, by| {
        if let Some(e) = replay(w, key.as_ref())? {
            let crate::model::agent::EntryKind::Sale { card_id, .. } = &e.kind else {
                return Err(Error::Internal("a sale key names another entry".into()));
            };
            let card = w.get::<Card>(*card_id)?.ok_or(Error::NotFound)?;
            return Ok(Once {
                value: (card, e),
                replayed: true,
            });
        }
        let (card, e) = stock::sell(w, by.now, &by.actor, agent_id, card_id, batch_id)?;
        if let Some(k) = &key {
            k.remember(w, e.id)?;
        }
        Ok(Once {
            value: (card, e),
            replayed: false,
        })
    })
    .await
}

/// Cards sold at the counter, without an agent; a replayed key sells none and says so.
pub async fn sell_at_counter(
    core: &Core,
    by: &By,
    batch_id: u64,
    pick: Pick,
    raw_key: &str,
) -> Result<Once<Vec<u64>>, Error> {
    let key = key(Scope::CounterSale, raw_key)?;
    commit(core, by, move |w, _, by| {
        if crate::idempotency::made_before(key.as_ref(), w)?.is_some() {
            return Ok(Once {
                value: Vec::new(),
                replayed: true,
            });
        }
        let ids = stock::sell_at_counter(w, by.now, &by.actor, batch_id, pick)?;
        if let (Some(k), Some(first)) = (&key, ids.first()) {
            k.remember(w, *first)?;
        }
        Ok(Once {
            value: ids,
            replayed: false,
        })
    })
    .await
}

/// The agent renews a customer (found by login or phone) for one period of their package; the
/// router enables them as with any payment.
pub async fn renew(
    core: &Core,
    by: &By,
    agent_id: u64,
    who: String,
    raw_key: &str,
) -> Result<(Recorded, Option<AgentEntry>), Error> {
    let mut p = Problems::default();
    let raw = raw_key.trim();
    if raw.len() > crate::idempotency::MAX_LEN || !raw.bytes().all(|b| b.is_ascii_graphic()) {
        p.add("idempotency_key", crate::i18n::Msg::InvalidChoice);
    }
    p.check()?;
    let key = (!raw.is_empty()).then(|| raw.to_owned());
    commit(core, by, move |w, fx, by| {
        let customer = stock::find_customer(w, &who)?;
        let settings = crate::settings::load(w)?;
        let out = stock::renew(
            w,
            by.now,
            &by.actor,
            agent_id,
            customer.id,
            key,
            &settings.payment_methods,
            settings.allow_partial_activation,
        )?;
        if !out.0.replayed {
            fx.customer(&[out.0.customer.router_id], out.0.customer.id);
            fx.because(Cause::Payment(out.0.payment.id));
            fx.notify();
        }
        Ok(out)
    })
    .await
}
