//! Customers paying for themselves with QPay: the merchant settings, the invoices they open and
//! how what QPay reports paid becomes an ordinary payment. The QPay protocol is `crate::qpay`;
//! the operations that talk to it between transactions are `ops::selfpay`.
#![deny(
    clippy::float_arithmetic,
    clippy::cast_precision_loss,
    clippy::float_cmp,
    clippy::lossy_float_literal
)]

pub mod invoices;
pub mod settings;

pub use invoices::{Due, Paid, Settled};
pub use settings::{QPaySettings, QPaySettingsDraft};

/// Wakes the invoice checker: a new invoice, a callback, a pay page asking.
#[derive(Clone, Default)]
pub struct Checker(std::sync::Arc<tokio::sync::Notify>);

impl Checker {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    pub async fn woken(&self) {
        self.0.notified().await;
    }
}
