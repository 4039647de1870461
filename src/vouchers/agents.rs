//! Sales agents and their balance: made with their login in one transaction, deposits, and the
//! one function every debit and credit goes through ([`post`]), which refuses what would take
//! the balance past the credit limit. redb runs one write transaction at a time, so two sales
//! at the same instant are checked one after the other against the balance each leaves.

use crate::access::admins::{self, AdminDraft};
use crate::audit::{self, Actor};
use crate::billing::Plan;
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::Money;
use crate::model::agent::{Agent, AgentEntry, EntryKind, PaysAt};
use crate::store::{Index, Kind, Reader, Set, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;

/// The built-in role of agents' logins: their own desk and nothing else.
pub const ROLE: &str = "agent";

/// The agent form as submitted; money in major units as the counter types it.
#[derive(Debug, Clone, Default)]
pub struct AgentDraft {
    pub name: String,
    pub phone: String,
    pub credit_limit: String,
    pub pays_at: String,
    pub active: bool,
    pub note: String,
}

/// A checked agent form.
#[derive(Debug, Clone)]
pub struct AgentInput {
    pub name: String,
    pub phone: String,
    pub credit_limit: i64,
    pub pays_at: PaysAt,
    pub active: bool,
    pub note: String,
}

impl AgentDraft {
    pub fn check(&self, exponent: u8, p: &mut Problems) -> Option<AgentInput> {
        let name = p.text("name", &self.name, 80, true, false);
        let phone = p.text("phone", &self.phone, 30, false, false);
        let credit_limit = match self.credit_limit.trim() {
            "" | "0" => Some(0),
            s => match Money::parse_major(s, exponent) {
                Ok(m) => Some(m.minor()),
                Err(m) => {
                    p.add("credit_limit", m);
                    None
                }
            },
        };
        let pays_at = PaysAt::parse(self.pays_at.trim());
        if pays_at.is_none() {
            p.add("pays_at", Msg::InvalidChoice);
        }
        let note = p.text("note", &self.note, 300, false, true);
        Some(AgentInput {
            name,
            phone,
            credit_limit: credit_limit?,
            pays_at: pays_at?,
            active: self.active,
            note,
        })
    }

    pub fn of(a: &Agent, exponent: u8) -> AgentDraft {
        AgentDraft {
            name: a.name.clone(),
            phone: a.phone.clone(),
            credit_limit: crate::i18n::format::major_input(a.credit_limit, exponent),
            pays_at: a.pays_at.id().into(),
            active: a.active,
            note: a.note.clone(),
        }
    }
}

/// Makes an agent and its login (role "agent"); `password_hash` is already argon2id, and `p`
/// holds the password's problems, reported with the rest.
#[allow(clippy::too_many_arguments)]
pub fn create(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    d: &AgentDraft,
    username: &str,
    password_hash: String,
    exponent: u8,
    mut p: Problems,
) -> Result<Agent> {
    let input = d.check(exponent, &mut p);
    // The login's own checks (username free and well-formed) come with the agent's.
    let login = AdminDraft {
        username: username.trim().into(),
        full_name: d.name.trim().into(),
        phone: d.phone.trim().into(),
        active: d.active,
        role_id: ROLE.into(),
        ..AdminDraft::default()
    };
    let admin = match (p.is_empty(), input) {
        (true, Some(input)) => (admins::create(w, now, actor, login, password_hash)?, input),
        _ => {
            // Report the username's problems too, without making anything.
            if !admins::valid_username(username.trim()) {
                p.add("username", Msg::InvalidUsername);
            }
            return Err(Error::Invalid(p));
        }
    };
    let (admin, input) = admin;
    let id = w.next_id(Kind::Agents)?;
    let agent = Agent {
        id,
        admin_id: admin.id,
        name: input.name,
        phone: input.phone,
        credit_limit: input.credit_limit,
        pays_at: input.pays_at,
        balance: 0,
        active: input.active,
        note: input.note,
        created_at: now,
        created_by: actor.username.clone(),
    };
    w.put(id, &agent)?;
    w.index_put(Index::AgentByAdmin, &admin.id.to_string(), id)?;
    audit::record(w, now, actor, "create", "agent", id, agent.name.clone())?;
    Ok(agent)
}

/// Edits an agent's terms; the balance and login stay as they are (the login is edited under
/// Users). A deactivated agent's login is deactivated with it.
pub fn update(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    d: &AgentDraft,
    exponent: u8,
) -> Result<Agent> {
    let before = w.get::<Agent>(id)?.ok_or(Error::NotFound)?;
    let mut p = Problems::default();
    let input = d.check(exponent, &mut p);
    p.check()?;
    let Some(input) = input else {
        return Err(Error::Internal("agent check without problems".into()));
    };
    let agent = Agent {
        name: input.name,
        phone: input.phone,
        credit_limit: input.credit_limit,
        pays_at: input.pays_at,
        active: input.active,
        note: input.note,
        ..before.clone()
    };
    w.put(id, &agent)?;
    if before.active != agent.active
        && let Some(mut admin) = w.get::<admins::Admin>(agent.admin_id)?
    {
        admin.active = agent.active;
        w.put(admin.id, &admin)?;
    }
    audit::record(w, now, actor, "update", "agent", id, agent.name.clone())?;
    Ok(agent)
}

/// The agent an admin login belongs to, if any.
pub fn of_admin(r: &impl Reader, admin_id: u64) -> std::result::Result<Option<Agent>, StoreError> {
    match r.index_get(Index::AgentByAdmin, &admin_id.to_string())? {
        Some(id) => r.get::<Agent>(id),
        None => Ok(None),
    }
}

/// What an agent pays for something of `plan` sold at `face`, and the commission it leaves
/// them: the package's agent price if it has one, else the face price less the commission
/// percent (rounded down, in the agent's favour never more than the face price).
pub fn unit_price(plan: Option<&Plan>, face: i64) -> (i64, i64) {
    let Some(plan) = plan else {
        return (face, 0);
    };
    let price = if plan.agent_price > 0 {
        plan.agent_price.min(face)
    } else {
        let commission = face
            .checked_mul(i64::from(plan.agent_commission_pct.min(100)))
            .map_or(0, |v| v / 100);
        face - commission
    };
    (price, face - price)
}

/// Moves an agent's balance by `amount` (negative: a debit) and writes the statement line. A
/// debit that would pass the credit limit is refused whole, and nothing is written.
pub fn post(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    agent_id: u64,
    kind: EntryKind,
    amount: i64,
    commission: i64,
) -> Result<AgentEntry> {
    let mut agent = w.get::<Agent>(agent_id)?.ok_or(Error::NotFound)?;
    if amount < 0 && !agent.can_pay(-amount) {
        return Err(Error::Invalid(Problems::one("agent", Msg::AgentOverLimit)));
    }
    agent.balance = agent
        .balance
        .checked_add(amount)
        .ok_or_else(|| Error::Invalid(Problems::one("amount", Msg::InvalidNumber)))?;
    let id = w.next_id(Kind::AgentEntries)?;
    let entry = AgentEntry {
        id,
        agent_id,
        at: now,
        kind,
        amount,
        commission,
        balance_after: agent.balance,
        by: actor.username.clone(),
    };
    w.put(agent.id, &agent)?;
    w.put(id, &entry)?;
    w.set_add(Set::AgentEntriesByAgent, agent_id, id)?;
    Ok(entry)
}

/// Records money the agent handed over.
pub fn deposit(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    agent_id: u64,
    amount: Money,
    method: &str,
    reference: &str,
) -> Result<AgentEntry> {
    let kind = EntryKind::Deposit {
        method: method.into(),
        reference: reference.into(),
    };
    let e = post(w, now, actor, agent_id, kind, amount.minor(), 0)?;
    audit::record(
        w,
        now,
        actor,
        "deposit",
        "agent",
        agent_id,
        audit::snapshot(&serde_json::json!({
            "amount": amount.minor(),
            "method": method,
            "reference": reference,
        })),
    )?;
    Ok(e)
}
