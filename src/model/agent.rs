//! Sales agents (resellers): a shop or person who sells cards and renews customers from a
//! balance they keep with the operator. Each agent is an admin login with the built-in "agent"
//! role; the agent record holds the money side.

use crate::store::{Kind, Record};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// When an agent pays for cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaysAt {
    /// When the operator hands the cards over (the agent buys stock).
    Handover,
    /// When the agent sells each card (the cards are on consignment).
    Sale,
}

impl PaysAt {
    pub const ALL: [PaysAt; 2] = [PaysAt::Handover, PaysAt::Sale];

    pub fn id(self) -> &'static str {
        match self {
            PaysAt::Handover => "handover",
            PaysAt::Sale => "sale",
        }
    }

    pub fn parse(s: &str) -> Option<PaysAt> {
        PaysAt::ALL.into_iter().find(|p| p.id() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub id: u64,
    /// The admin login the agent signs in with.
    pub admin_id: u64,
    pub name: String,
    #[serde(default)]
    pub phone: String,
    /// How far below zero the balance may go, minor units (0: only what was deposited).
    pub credit_limit: i64,
    pub pays_at: PaysAt,
    /// Minor units: deposits less debits. Kept with every ledger entry, in its transaction.
    pub balance: i64,
    pub active: bool,
    #[serde(default)]
    pub note: String,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl Record for Agent {
    const KIND: Kind = Kind::Agents;
}

impl Agent {
    /// Whether the balance can take a debit of `amount` without passing the credit limit.
    pub fn can_pay(&self, amount: i64) -> bool {
        self.balance
            .checked_sub(amount)
            .is_some_and(|after| after >= -self.credit_limit)
    }
}

/// What moved an agent's balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EntryKind {
    /// Money the agent handed over (positive).
    Deposit { method: String, reference: String },
    /// Cards handed over; debited when the agent pays at handover.
    Stock { batch_id: u64, cards: u32 },
    /// Unsold cards taken back; credited when they had been paid for.
    Return { batch_id: u64, cards: u32 },
    /// One card sold; debited when the agent pays at sale.
    Sale { card_id: u64, code: String },
    /// A customer renewed from the balance; the customer's payment names the agent.
    Renewal {
        customer_id: u64,
        payment_id: u64,
        login: String,
    },
}

/// One line of an agent's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentEntry {
    pub id: u64,
    pub agent_id: u64,
    pub at: Timestamp,
    pub kind: EntryKind,
    /// Signed minor units: positive credits the balance, negative debits it.
    pub amount: i64,
    /// The agent's price was this much below the face price (what the agent earns), minor units.
    #[serde(default)]
    pub commission: i64,
    pub balance_after: i64,
    pub by: String,
}

impl Record for AgentEntry {
    const KIND: Kind = Kind::AgentEntries;
}
