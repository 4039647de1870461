//! Voucher cards: time sold on printed cards, each a hotspot user of its own, counted from its
//! first login. A batch is what was made at once; a card is one code.

use crate::store::{Kind, Record};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Which characters a code is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeStyle {
    /// 0–9: easy on a phone's number pad.
    Digits,
    /// Capital letters and digits without the look-alikes 0/O, 1/I/L, 5/S, 2/Z, 8/B.
    Letters,
}

impl CodeStyle {
    pub const ALL: [CodeStyle; 2] = [CodeStyle::Digits, CodeStyle::Letters];

    pub fn id(self) -> &'static str {
        match self {
            CodeStyle::Digits => "digits",
            CodeStyle::Letters => "letters",
        }
    }

    pub fn parse(s: &str) -> Option<CodeStyle> {
        CodeStyle::ALL.into_iter().find(|c| c.id() == s)
    }

    pub fn alphabet(self) -> &'static [u8] {
        match self {
            CodeStyle::Digits => b"0123456789",
            CodeStyle::Letters => b"34679ACDEFGHJKMNPQRTUVWXY",
        }
    }
}

/// How a card logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginMode {
    /// The code is both user name and password: one thing to type.
    CodeOnly,
    /// The code is the user name, with a separate PIN as password.
    CodeAndPin,
}

impl LoginMode {
    pub const ALL: [LoginMode; 2] = [LoginMode::CodeOnly, LoginMode::CodeAndPin];

    pub fn id(self) -> &'static str {
        match self {
            LoginMode::CodeOnly => "code",
            LoginMode::CodeAndPin => "code_pin",
        }
    }

    pub fn parse(s: &str) -> Option<LoginMode> {
        LoginMode::ALL.into_iter().find(|m| m.id() == s)
    }
}

/// How long a card lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "at")]
pub enum Validity {
    /// The package's duration, counted from the card's first login.
    FromFirstLogin,
    /// Until this moment, whether used or not.
    Until(Timestamp),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub id: u64,
    /// The routers its cards are on (each card is on one of them).
    pub router_ids: Vec<u64>,
    pub plan_id: u64,
    pub count: u32,
    pub style: CodeStyle,
    /// Characters drawn at random, after the prefix.
    pub length: u8,
    pub prefix: String,
    pub login_mode: LoginMode,
    /// What a card sells for, minor units.
    pub price: i64,
    pub validity: Validity,
    /// A from-first-login card's time, fixed when the batch is made (the package may change
    /// after the cards are printed); 0 in batches made before it was kept: the package's.
    #[serde(default)]
    pub duration_secs: i64,
    /// RouterOS `limit-uptime` (`3h`, `1d2h`), empty for none.
    #[serde(default)]
    pub limit_uptime: String,
    /// RouterOS `limit-bytes-total`, 0 for none.
    #[serde(default)]
    pub limit_bytes_total: u64,
    pub note: String,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl Record for Batch {
    const KIND: Kind = Kind::VoucherBatches;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub id: u64,
    pub batch_id: u64,
    pub router_id: u64,
    /// The hotspot user name (and, for code-only cards, its password).
    pub code: String,
    /// The PIN of a code-and-PIN card, sealed like customers' service passwords; empty otherwise.
    #[serde(default)]
    pub pin_sealed: String,
    /// When the router first showed it logged in.
    #[serde(default)]
    pub first_used_at: Option<Timestamp>,
    /// When it stops working: set at first use (from-first-login cards) or at creation.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    #[serde(default)]
    pub voided_at: Option<Timestamp>,
    /// The agent holding it, once handed over.
    #[serde(default)]
    pub agent_id: Option<u64>,
    #[serde(default)]
    pub handed_at: Option<Timestamp>,
    /// When it was sold (by its agent, or at the counter).
    #[serde(default)]
    pub sold_at: Option<Timestamp>,
}

impl Record for Card {
    const KIND: Kind = Kind::VoucherCards;
}

/// Where a card is in its life, derived from its times (never stored, as a customer's
/// "expired" is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardState {
    InStock,
    /// With an agent, not sold yet.
    Handed,
    Sold,
    InUse,
    UsedUp,
    Void,
}

impl Card {
    /// The router's marker for this card's hotspot user: never a customer's `steppe:<id>`.
    pub fn marker(&self) -> String {
        marker_of(self.id)
    }

    pub fn state(&self, now: Timestamp) -> CardState {
        if self.voided_at.is_some() {
            CardState::Void
        } else if self.expires_at.is_some_and(|t| now >= t) {
            CardState::UsedUp
        } else if self.first_used_at.is_some() {
            CardState::InUse
        } else if self.sold_at.is_some() {
            CardState::Sold
        } else if self.agent_id.is_some() {
            CardState::Handed
        } else {
            CardState::InStock
        }
    }

    /// The router holds it enabled.
    pub fn usable(&self, now: Timestamp) -> bool {
        matches!(
            self.state(now),
            CardState::InStock | CardState::Handed | CardState::Sold | CardState::InUse
        )
    }
}

/// The card id in a marker, if it is a card's.
pub fn parse_marker(comment: &str) -> Option<u64> {
    let id: u64 = comment.strip_prefix("steppe:v")?.parse().ok()?;
    (marker_of(id) == comment).then_some(id)
}

pub fn marker_of(id: u64) -> String {
    format!("steppe:v{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_markers_are_never_customer_markers() {
        assert_eq!(parse_marker("steppe:v12"), Some(12));
        assert_eq!(parse_marker("steppe:v012"), None);
        assert_eq!(parse_marker("steppe:12"), None);
        assert_eq!(crate::model::customer::parse_marker("steppe:v12"), None);
    }

    #[test]
    fn letters_leave_out_look_alikes() {
        let a = CodeStyle::Letters.alphabet();
        for c in b"0O1IL5S2Z8B" {
            assert!(!a.contains(c), "{}", *c as char);
        }
        assert_eq!(a.len(), 25);
    }
}
