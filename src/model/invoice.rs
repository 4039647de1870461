//! A QPay invoice a customer opened to pay for themselves, and what became of it. Kept after it
//! ends (paid, expired, cancelled, failed) as the history the admin's invoice list shows.

use crate::store::{Kind, Record};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceStatus {
    /// Created at QPay and waiting to be paid.
    Open,
    Paid,
    /// Its lifetime ended unpaid.
    Expired,
    /// Replaced by a newer invoice for the same customer, or cancelled by an admin.
    Cancelled,
    /// QPay refused to create it; `error` says why.
    Failed,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 5] = [
        InvoiceStatus::Open,
        InvoiceStatus::Paid,
        InvoiceStatus::Expired,
        InvoiceStatus::Cancelled,
        InvoiceStatus::Failed,
    ];

    pub fn id(self) -> &'static str {
        match self {
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Expired => "expired",
            InvoiceStatus::Cancelled => "cancelled",
            InvoiceStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<InvoiceStatus> {
        InvoiceStatus::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// A bank app QPay offers for the invoice (its deep link opens the app with the invoice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankLink {
    pub name: String,
    pub logo: String,
    pub link: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: u64,
    pub customer_id: u64,
    /// The package paid for: the customer's own, or the one they chose (a plan change).
    pub plan_id: u64,
    /// The customer chose another package: it takes effect as a plan change when paid.
    #[serde(default)]
    pub plan_change: bool,
    /// In minor units of the installation currency; QPay is asked for whole units.
    pub amount: i64,
    /// QPay's `invoice_id`; empty while it could not be created.
    pub qpay_id: String,
    pub qr_text: String,
    #[serde(default)]
    pub short_url: String,
    #[serde(default)]
    pub links: Vec<BankLink>,
    pub status: InvoiceStatus,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The payments recorded from it (one per QPay `payment_id`).
    #[serde(default)]
    pub payment_ids: Vec<u64>,
    /// What QPay reported paid in total, minor units.
    #[serde(default)]
    pub paid: i64,
    #[serde(default)]
    pub paid_at: Option<Timestamp>,
    /// The last time QPay was asked, and what went wrong then (empty: nothing).
    #[serde(default)]
    pub checked_at: Option<Timestamp>,
    /// How many times QPay was asked (the backoff grows with it).
    #[serde(default)]
    pub checks: u32,
    #[serde(default)]
    pub error: String,
    /// Until when the customer's pay page is open: it is checked often until then.
    #[serde(default)]
    pub watched_until: Option<Timestamp>,
    /// When it is checked next (its key in the due set); `None` once it has ended.
    #[serde(default)]
    pub next_check: Option<Timestamp>,
}

impl Record for Invoice {
    const KIND: Kind = Kind::Invoices;
}

impl Invoice {
    /// Our `sender_invoice_no`, unique per installation.
    pub fn number(&self) -> String {
        format!("STEPPE-{}", self.id)
    }

    /// The id in an invoice number we issued.
    pub fn parse_number(s: &str) -> Option<u64> {
        s.trim().strip_prefix("STEPPE-")?.parse().ok()
    }
}
