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
    /// When it is checked next (its key in the due set); `None` once it is closed.
    #[serde(default)]
    pub next_check: Option<Timestamp>,
    /// QPay can take no more payments on it (paid, or cancelled there and checked after): it is
    /// not checked again. A cancelled or expired invoice stays checked until then, so a QR paid
    /// in the meantime still becomes a payment.
    #[serde(default)]
    pub closed: bool,
}

impl Invoice {
    /// Still to be asked about: open, ended here but perhaps still payable at QPay, or paid with
    /// another payment still pending at QPay.
    pub fn checked(&self) -> bool {
        !self.closed
            && !self.qpay_id.is_empty()
            && matches!(
                self.status,
                InvoiceStatus::Open
                    | InvoiceStatus::Cancelled
                    | InvoiceStatus::Expired
                    | InvoiceStatus::Paid
            )
    }

    pub fn ended(&self) -> bool {
        matches!(
            self.status,
            InvoiceStatus::Cancelled | InvoiceStatus::Expired
        )
    }
}

impl Record for Invoice {
    const KIND: Kind = Kind::Invoices;
}

impl Invoice {
    /// Our `sender_invoice_no`: the id, and the second it was opened in base 36, so that a
    /// reinstalled Steppe on the same merchant account never repeats an earlier number (QPay
    /// refuses a number it has seen).
    pub fn number(&self) -> String {
        let mut n = u64::try_from(self.created_at.as_second()).unwrap_or(0);
        let mut tag = Vec::new();
        while n > 0 {
            tag.push(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(n % 36) as usize]);
            n /= 36;
        }
        tag.reverse();
        format!("STEPPE-{}-{}", self.id, String::from_utf8_lossy(&tag))
    }

    /// The id in an invoice number we issued.
    pub fn parse_number(s: &str) -> Option<u64> {
        let rest = s.trim().strip_prefix("STEPPE-")?;
        rest.split('-').next()?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoice_numbers_carry_the_id_and_differ_across_installations() {
        let mut i: Invoice = serde_json::from_value(serde_json::json!({
            "id": 42, "customer_id": 1, "plan_id": 1, "amount": 100, "qpay_id": "", "qr_text": "",
            "status": "open", "created_at": "2026-12-03T07:00:00Z", "expires_at": "2026-12-03T07:30:00Z"
        }))
        .unwrap();
        let first = i.number();
        assert!(first.starts_with("STEPPE-42-"), "{first}");
        assert_eq!(Invoice::parse_number(&first), Some(42));
        i.created_at = "2027-02-01T00:00:00Z".parse().unwrap();
        assert_ne!(i.number(), first, "the same id opened another day");
        assert_eq!(Invoice::parse_number("STEPPE-7"), Some(7));
        assert_eq!(Invoice::parse_number("OTHER-7"), None);
        assert_eq!(Invoice::parse_number("STEPPE-x-1"), None);
    }
}
