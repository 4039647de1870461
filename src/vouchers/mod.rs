//! Vouchers (issue #17, in progress): batches of printed cards, each a hotspot user of its own
//! counted from its first login. So far: codes (`codes.rs`), making a batch with its cards in
//! one transaction (`batch.rs`), voiding cards (`void.rs`), what the pages and exports read
//! (`query.rs`, `export.rs`). Not yet here: first-login tracking, agents and the API.
#![deny(
    clippy::float_arithmetic,
    clippy::cast_precision_loss,
    clippy::float_cmp,
    clippy::lossy_float_literal
)]

pub mod agents;
pub mod batch;
pub mod card;
pub mod codes;
pub mod export;
pub mod query;
pub mod statement;
pub mod stock;
pub mod void;
