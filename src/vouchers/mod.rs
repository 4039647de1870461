//! Vouchers (issue #17, in progress): batches of printed cards, each a hotspot user of its own
//! counted from its first login. So far: codes (`codes.rs`) and making a batch with its cards in
//! one transaction (`batch.rs`). Not yet: pushing cards to routers, first-login tracking, agents,
//! pages, printing and the API.
#![deny(
    clippy::float_arithmetic,
    clippy::cast_precision_loss,
    clippy::float_cmp,
    clippy::lossy_float_literal
)]

pub mod agents;
pub mod batch;
pub mod card;
pub mod stock;
pub mod codes;
