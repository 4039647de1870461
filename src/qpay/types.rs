//! What the QPay calls take and give, in our own types; the serde shapes of QPay's JSON stay
//! here, so the rest of the crate never sees QPay's field names.

use super::amount::tugrik;
use serde::{Deserialize, Serialize};

/// At most this many payment rows are kept from one check (we ask for one page of 100).
pub const MAX_ROWS: usize = 100;
/// At most this many bank apps are kept from an invoice (QPay lists about twenty).
pub const MAX_BANK_APPS: usize = 64;

/// An invoice to create. The invoice code and branch come from the client's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvoice {
    /// Ours, unique per invoice: QPay refuses a repeated one, which makes creating idempotent.
    pub sender_invoice_no: String,
    /// Who pays, in QPay's terms (a customer number, or `terminal`).
    pub receiver_code: String,
    pub description: String,
    /// Whole tögrög.
    pub amount: u64,
    /// Where QPay sends its (unauthenticated) notice that something was paid.
    pub callback_url: String,
    /// QPay's own date format, e.g. `2026-01-31 23:59:59`; `None` for QPay's default.
    pub due_date: Option<String>,
}

#[derive(Serialize)]
pub(super) struct InvoiceBody<'a> {
    pub invoice_code: &'a str,
    pub sender_invoice_no: &'a str,
    pub invoice_receiver_code: &'a str,
    pub invoice_description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_branch_code: Option<&'a str>,
    pub amount: u64,
    pub callback_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_due_date: Option<&'a str>,
}

/// A created invoice: what a customer needs to pay it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Invoice {
    pub invoice_id: String,
    /// The text of the QR code (draw it, or show `qr_image`).
    pub qr_text: String,
    /// The QR code as a base64 PNG.
    #[serde(default)]
    pub qr_image: String,
    #[serde(rename = "qPay_shortUrl", default)]
    pub short_url: String,
    /// Deep links into the banks' apps, for a customer paying from their phone.
    #[serde(default)]
    pub urls: Vec<BankApp>,
}

/// One bank's app and the link that opens it on this invoice.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BankApp {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub logo: String,
    #[serde(default)]
    pub link: String,
}

impl Invoice {
    pub(super) fn bounded(mut self) -> Invoice {
        // An app without a link cannot be offered; one odd entry should not spoil the invoice.
        self.urls.retain(|a| !a.link.is_empty());
        self.urls.truncate(MAX_BANK_APPS);
        self
    }
}

/// An invoice as `GET /v2/invoice/{id}` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InvoiceState {
    #[serde(default)]
    pub invoice_id: String,
    /// QPay's word for it, e.g. `OPEN`, `PAID`, `CANCELLED`.
    #[serde(rename = "invoice_status")]
    pub status: String,
    #[serde(default)]
    pub sender_invoice_no: String,
    #[serde(rename = "invoice_description", default)]
    pub description: String,
    #[serde(rename = "total_amount", deserialize_with = "tugrik")]
    pub amount: u64,
}

#[derive(Serialize)]
pub(super) struct CheckBody<'a> {
    pub object_type: &'static str,
    pub object_id: &'a str,
    pub offset: Page,
}

#[derive(Serialize)]
pub(super) struct Page {
    pub page_number: u32,
    pub page_limit: u32,
}

/// What `/v2/payment/check` says about an invoice. Only `paid_amount` and PAID rows mean money;
/// the callback never does.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PaymentCheck {
    /// How many payments QPay has for it (the rows kept may be fewer, see [`MAX_ROWS`]).
    pub count: u64,
    #[serde(deserialize_with = "tugrik")]
    pub paid_amount: u64,
    pub rows: Vec<PaymentRow>,
}

impl PaymentCheck {
    pub(super) fn bounded(mut self) -> PaymentCheck {
        self.rows.truncate(MAX_ROWS);
        self
    }
}

/// One payment towards an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PaymentRow {
    pub payment_id: String,
    #[serde(rename = "payment_status")]
    pub status: PaymentStatus,
    #[serde(rename = "payment_amount", deserialize_with = "tugrik")]
    pub amount: u64,
    #[serde(rename = "payment_currency", default)]
    pub currency: String,
    #[serde(rename = "payment_date", default)]
    pub date: Option<String>,
}

/// Where a payment stands; a status QPay adds later is kept as `Other`, never guessed at.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum PaymentStatus {
    New,
    Paid,
    Failed,
    Refunded,
    Other(String),
}

impl From<String> for PaymentStatus {
    fn from(s: String) -> PaymentStatus {
        match s.as_str() {
            "NEW" => PaymentStatus::New,
            "PAID" => PaymentStatus::Paid,
            "FAILED" => PaymentStatus::Failed,
            "REFUNDED" => PaymentStatus::Refunded,
            _ => PaymentStatus::Other(s),
        }
    }
}

/// QPay's error body, `{"error": "INVOICE_NOTFOUND", "message": "..."}`.
#[derive(Deserialize)]
pub(super) struct ErrorBody {
    pub error: String,
    #[serde(default)]
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_check_with_text_amounts_and_unknown_fields() {
        let json = r#"{"count":2,"paid_amount":"15000.00","extra":{},"rows":[
            {"payment_id":"1","payment_status":"PAID","payment_amount":"10000.00",
             "payment_currency":"MNT","payment_date":"2026-01-01T10:00:00","payment_wallet":"x"},
            {"payment_id":"2","payment_status":"PENDING_BANK","payment_amount":5000}]}"#;
        let c: PaymentCheck = serde_json::from_str(json).unwrap();
        assert_eq!((c.count, c.paid_amount), (2, 15_000));
        assert_eq!(c.rows[0].status, PaymentStatus::Paid);
        assert_eq!(c.rows[0].amount, 10_000);
        assert_eq!(
            c.rows[1].status,
            PaymentStatus::Other("PENDING_BANK".into())
        );
        assert_eq!(c.rows[1].date, None);
    }

    #[test]
    fn required_fields_and_fractions() {
        for json in [
            r#"{"paid_amount":0,"rows":[]}"#,
            r#"{"count":1,"paid_amount":"10.50","rows":[]}"#,
            r#"{"count":1,"paid_amount":0,"rows":[{"payment_status":"PAID","payment_amount":1}]}"#,
        ] {
            assert!(
                serde_json::from_str::<PaymentCheck>(json).is_err(),
                "{json}"
            );
        }
        assert!(serde_json::from_str::<Invoice>(r#"{"qr_text":"x"}"#).is_err());
    }
}
