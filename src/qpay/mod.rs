//! A client of the QPay merchant API v2 (Mongolia's QR payments): sign-in and token refresh,
//! invoices, and the payment check. A protocol client like `routeros/`: it knows nothing of
//! billing, customers or money beyond whole tögrög; what a payment means is decided above it.
//!
//! QPay's callback to our `callback_url` is unauthenticated and proves nothing; only
//! [`QPay::check_payment`] says whether an invoice was paid.

mod amount;
mod client;
mod error;
mod http;
mod token;
mod types;
mod url;

pub use amount::parse_tugrik;
pub use client::{Clock, Config, Credentials, QPay, TIMEOUT};
pub use error::QPayError;
pub use http::MAX_BODY;
pub use types::{
    BankApp, Invoice, InvoiceState, MAX_BANK_APPS, MAX_ROWS, NewInvoice, PaymentCheck, PaymentRow,
    PaymentStatus,
};
pub use url::{BaseUrl, PRODUCTION, SANDBOX};
