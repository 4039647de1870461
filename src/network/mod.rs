//! The network and device manager: registered routers, how to reach them, and what Steppe last
//! saw of them.

pub mod gateway;
pub mod import;
pub mod live;
pub mod router;
pub mod secretbox;

pub use router::{Router, RouterDraft, RouterState, RouterStatus};
pub use secretbox::SecretBox;
