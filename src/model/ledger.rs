//! The money records: bank accounts, bills, payments (with their allocations) and the extension
//! history. Nothing financial is ever deleted: a payment is corrected by a linked reversal, a
//! bill is voided.

use crate::store::{Kind, Record};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    pub id: u64,
    pub bank: String,
    pub number: String,
    pub holder: String,
    pub currency: String,
    #[serde(default)]
    pub note: String,
    pub active: bool,
}

impl Record for BankAccount {
    const KIND: Kind = Kind::BankAccounts;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BillStatus {
    Pending,
    Paid,
    Void,
}

impl BillStatus {
    /// The status `s` names; `None` for anything else ("all", say).
    pub fn parse(s: &str) -> Option<BillStatus> {
        [BillStatus::Pending, BillStatus::Paid, BillStatus::Void]
            .into_iter()
            .find(|b| b.id() == s)
    }

    pub fn id(self) -> &'static str {
        match self {
            BillStatus::Pending => "pending",
            BillStatus::Paid => "paid",
            BillStatus::Void => "void",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    pub id: u64,
    pub customer_id: u64,
    pub plan_id: u64,
    pub amount: i64,
    pub paid: i64,
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    pub due: Timestamp,
    pub status: BillStatus,
    /// Service seconds the bill buys, fixed when raised.
    pub duration_secs: i64,
    /// Seconds already granted (partial activation).
    #[serde(default)]
    pub extended_secs: i64,
    pub created_at: Timestamp,
    pub created_by: String,
    #[serde(default)]
    pub note: String,
}

impl Record for Bill {
    const KIND: Kind = Kind::Bills;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: u64,
    pub customer_id: u64,
    /// Minor units; negative for a reversal entry.
    pub amount: i64,
    pub method: String,
    #[serde(default)]
    pub bank_account_id: Option<u64>,
    #[serde(default)]
    pub reference: String,
    pub received_at: Timestamp,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
    pub allocations: Vec<Allocation>,
    /// Set on a payment that has been reversed: the reversal entry's id.
    #[serde(default)]
    pub reversed_by: Option<u64>,
    /// Set on a reversal entry: the payment it reverses.
    #[serde(default)]
    pub reversal_of: Option<u64>,
    #[serde(default)]
    pub reason: String,
    /// Customer's plan and router when recorded, for reports that must not change later.
    pub plan_id: u64,
    pub router_id: u64,
    pub customer_kind: crate::model::customer::CustomerKind,
    /// What the payment changed besides expiry and credit, so a reversal can put it back.
    #[serde(default)]
    pub before: Option<PaymentBefore>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentBefore {
    pub status: crate::model::customer::Status,
    pub plan_id: u64,
    pub next_plan_id: Option<u64>,
}

impl PaymentBefore {
    pub fn of(c: &crate::model::customer::Customer) -> PaymentBefore {
        PaymentBefore {
            status: c.status,
            plan_id: c.plan_id,
            next_plan_id: c.next_plan_id,
        }
    }
}

impl Record for Payment {
    const KIND: Kind = Kind::Payments;
}

impl Payment {
    pub fn extended_secs(&self) -> i64 {
        self.allocations.iter().map(|a| a.extended_secs).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub id: u64,
    pub customer_id: u64,
    pub days: i64,
    pub free: bool,
    pub reason: String,
    pub by: String,
    pub at: Timestamp,
    pub expires_before: Timestamp,
    pub expires_after: Timestamp,
    /// Set when made as part of a bulk extension (router or plan wide).
    #[serde(default)]
    pub bulk: String,
}

impl Record for Extension {
    const KIND: Kind = Kind::Extensions;
}

/// One slice of credit put on one bill, with the service time it granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub bill_id: u64,
    pub amount: i64,
    pub extended_secs: i64,
    pub expires_before: Timestamp,
    pub expires_after: Timestamp,
    /// This allocation completed the bill.
    pub completed: bool,
}
