//! What the voucher pages and exports read: a batch's cards numbered as printed, their counts
//! per state, a filtered page of them, and how a batch's validity reads on a card.
//!
//! A card's number is its place in its batch (1 for the first made): it is printed on the card,
//! so an operator can name a range of a paper stack ("void 201–300") without typing codes.

use crate::billing::Plan;
use crate::i18n::{Lang, Msg, format};
use crate::model::voucher::{Batch, Card, CardState, Validity};
use crate::store::{Reader, StoreError};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The longest code search taken: longer than any code (prefix 8 + 16).
pub const MAX_SEARCH: usize = 32;

pub const STATES: [CardState; 6] = [
    CardState::InStock,
    CardState::Handed,
    CardState::Sold,
    CardState::InUse,
    CardState::UsedUp,
    CardState::Void,
];

pub fn state_id(s: CardState) -> &'static str {
    match s {
        CardState::InStock => "in_stock",
        CardState::Handed => "handed",
        CardState::Sold => "sold",
        CardState::InUse => "in_use",
        CardState::UsedUp => "used_up",
        CardState::Void => "void",
    }
}

pub fn parse_state(s: &str) -> Option<CardState> {
    STATES.into_iter().find(|x| state_id(*x) == s)
}

pub fn state_msg(s: CardState) -> Msg {
    match s {
        CardState::InStock => Msg::CardInStock,
        CardState::Handed => Msg::CardHanded,
        CardState::Sold => Msg::CardSold,
        CardState::InUse => Msg::CardInUse,
        CardState::UsedUp => Msg::CardUsedUp,
        CardState::Void => Msg::CardVoid,
    }
}

/// Cards per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub in_stock: u32,
    pub handed: u32,
    pub sold: u32,
    pub in_use: u32,
    pub used_up: u32,
    pub void: u32,
}

impl Counts {
    pub fn of<'a>(cards: impl IntoIterator<Item = &'a Card>, now: Timestamp) -> Counts {
        let mut c = Counts::default();
        for card in cards {
            *c.get_mut(card.state(now)) += 1;
        }
        c
    }

    fn get_mut(&mut self, s: CardState) -> &mut u32 {
        match s {
            CardState::InStock => &mut self.in_stock,
            CardState::Handed => &mut self.handed,
            CardState::Sold => &mut self.sold,
            CardState::InUse => &mut self.in_use,
            CardState::UsedUp => &mut self.used_up,
            CardState::Void => &mut self.void,
        }
    }

    pub fn get(&self, s: CardState) -> u32 {
        match s {
            CardState::InStock => self.in_stock,
            CardState::Handed => self.handed,
            CardState::Sold => self.sold,
            CardState::InUse => self.in_use,
            CardState::UsedUp => self.used_up,
            CardState::Void => self.void,
        }
    }
}

/// The batch's cards with their numbers (from 1, in the order they were made).
pub fn numbered(r: &impl Reader, batch_id: u64) -> Result<Vec<(u32, Card)>, StoreError> {
    Ok(super::batch::cards(r, batch_id)?
        .into_iter()
        .zip(1u32..)
        .map(|(c, n)| (n, c))
        .collect())
}

/// Which cards of a batch a page shows.
#[derive(Debug, Clone, Default)]
pub struct CardFilter {
    pub state: Option<CardState>,
    /// A part of the code, any case; at most [`MAX_SEARCH`] characters are looked at.
    pub code: String,
}

impl CardFilter {
    pub fn new(state: &str, code: &str) -> CardFilter {
        CardFilter {
            state: parse_state(state.trim()),
            code: code
                .trim()
                .chars()
                .take(MAX_SEARCH)
                .collect::<String>()
                .to_ascii_uppercase(),
        }
    }

    pub fn matches(&self, card: &Card, now: Timestamp) -> bool {
        self.state.is_none_or(|s| card.state(now) == s)
            && (self.code.is_empty() || card.code.contains(&self.code))
    }
}

/// One page of a batch's cards through `filter`, with how many matched in all.
pub fn page(
    cards: &[(u32, Card)],
    filter: &CardFilter,
    now: Timestamp,
    offset: usize,
    limit: usize,
) -> (Vec<(u32, Card)>, usize) {
    let mut matched = 0;
    let mut out = Vec::new();
    for (n, c) in cards {
        if filter.matches(c, now) {
            if matched >= offset && out.len() < limit {
                out.push((*n, c.clone()));
            }
            matched += 1;
        }
    }
    (out, matched)
}

/// How long a card of this batch lasts, as printed: "30 days from first login",
/// "until 2027-01-31"; `plan` is asked only for batches older than `Batch::duration_secs`.
pub fn validity_text(lang: Lang, batch: &Batch, plan: Option<&Plan>, tz: &TimeZone) -> String {
    match batch.validity {
        Validity::Until(t) => lang.f(Msg::ValidUntil, &[&format::date(lang, t, tz)]),
        Validity::FromFirstLogin => {
            // The batch keeps the time its cards were made with: the package may change later.
            let (days, hours) = if batch.duration_secs > 0 {
                (
                    batch.duration_secs / 86_400,
                    batch.duration_secs % 86_400 / 3_600,
                )
            } else {
                plan.map_or((0, 0), |p| {
                    (i64::from(p.duration_days), i64::from(p.duration_hours))
                })
            };
            let mut d = String::new();
            if days > 0 {
                d = format!("{days} {}", lang.t(Msg::Days).to_lowercase());
            }
            if hours > 0 {
                if !d.is_empty() {
                    d.push(' ');
                }
                d.push_str(&format!("{hours} {}", lang.t(Msg::Hours).to_lowercase()));
            }
            lang.f(Msg::ValidFromFirstLogin, &[&d])
        }
    }
}

/// The hotspot login page with a card's credentials filled in, as its QR code opens it.
pub fn login_url(host: &str, user: &str, password: &str) -> String {
    let q = serde_urlencoded::to_string([("username", user), ("password", password)])
        .unwrap_or_default();
    format!("http://{host}/login?{q}")
}

/// One batch's cards as an agent holds them.
#[derive(Debug, Clone)]
pub struct Held {
    pub batch: Batch,
    pub package: String,
    /// Handed over, not sold yet.
    pub held: u32,
    pub sold: u32,
    /// Sold and logged in with (in use or used up).
    pub used: u32,
}

/// The cards handed to an agent, by batch (newest batch first).
pub fn held_by(r: &impl Reader, agent_id: u64, now: Timestamp) -> Result<Vec<Held>, StoreError> {
    let mut by_batch: std::collections::BTreeMap<u64, (u32, u32, u32)> = Default::default();
    for id in r.set_members(crate::store::Set::VoucherCardsByAgent, agent_id)? {
        let Some(c) = r.get::<Card>(id)? else {
            continue;
        };
        let e = by_batch.entry(c.batch_id).or_default();
        match c.state(now) {
            CardState::Handed => e.0 += 1,
            CardState::Sold => e.1 += 1,
            CardState::InUse | CardState::UsedUp => e.2 += 1,
            CardState::InStock | CardState::Void => {}
        }
    }
    let mut out = Vec::new();
    for (batch_id, (held, sold, used)) in by_batch.into_iter().rev() {
        let Some(batch) = r.get::<Batch>(batch_id)? else {
            continue;
        };
        let package = r
            .get::<Plan>(batch.plan_id)?
            .map_or_else(|| format!("#{}", batch.plan_id), |p| p.name);
        out.push(Held {
            batch,
            package,
            held,
            sold,
            used,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(id: u64, code: &str) -> Card {
        Card {
            id,
            batch_id: 1,
            router_id: 1,
            code: code.into(),
            pin_sealed: String::new(),
            first_used_at: None,
            expires_at: None,
            voided_at: None,
            agent_id: None,
            handed_at: None,
            sold_at: None,
            agent_commission: 0,
        }
    }

    #[test]
    fn counts_and_pages_follow_the_derived_state() {
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let past: Timestamp = "2026-05-01T00:00:00Z".parse().unwrap();
        let mut cards: Vec<(u32, Card)> = (1..=10)
            .map(|n| (n, card(u64::from(n), &format!("AB{n:02}"))))
            .collect();
        cards[0].1.voided_at = Some(past);
        cards[1].1.first_used_at = Some(past);
        cards[2].1.first_used_at = Some(past);
        cards[2].1.expires_at = Some(past);
        let c = Counts::of(cards.iter().map(|(_, c)| c), now);
        assert_eq!(
            c,
            Counts {
                in_stock: 7,
                in_use: 1,
                handed: 0,
                sold: 0,
                used_up: 1,
                void: 1
            }
        );
        let stock = CardFilter::new("in_stock", "");
        let (rows, matched) = page(&cards, &stock, now, 2, 3);
        assert_eq!(matched, 7);
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [6, 7, 8]);
        let (rows, matched) = page(&cards, &CardFilter::new("", "b1"), now, 0, 50);
        assert_eq!((matched, rows[0].0), (1, 10), "search is by part, any case");
        assert!(CardFilter::new("nonsense", "").state.is_none());
        assert_eq!(CardFilter::new("", &"x".repeat(500)).code.len(), MAX_SEARCH);
    }
}
