//! Vouchers: batches of printed cards, each a hotspot user of its own counted from its first
//! login (`batch.rs`, `codes.rs`, `card.rs`, `void.rs`, `query.rs`, `export.rs`), and the sales
//! agents who sell them from a balance (`agents.rs`, `stock.rs`, `statement.rs`). The router
//! side is `enforce::cards` and `enforce::usage`; pages and the API are in `web`.
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
