//! Voiding cards: a lost or stolen batch, a range of a paper stack, or single cards.
//!
//! A voided card keeps its record and its code (which stays taken, so a stolen card can never
//! come back as someone else's); only `voided_at` is set, and the router drops its user. A
//! whole batch or a range passes over cards that are already void or used up, since a stack
//! holds those; cards named one by one must each still be voidable, since naming a dead card
//! is a mistake worth saying.

use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::voucher::{Batch, Card, CardState};
use crate::store::{Index, Reader, Write};
use crate::validate::Problems;
use jiff::Timestamp;

/// Codes named in one request at most (a page of a batch's table).
pub const MAX_CODES: usize = 1_000;

/// Which cards to void.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every card of the batch.
    Batch(u64),
    /// Cards `from..=to` of the batch, by the numbers printed on them.
    Numbers { batch_id: u64, from: u32, to: u32 },
    /// These cards by code, of any batch.
    Codes(Vec<String>),
}

/// What voiding did.
#[derive(Debug, Clone, Default)]
pub struct Voided {
    /// The cards voided now.
    pub cards: Vec<Card>,
    /// Passed over in a batch or a range.
    pub already_void: u32,
    pub used_up: u32,
}

impl Voided {
    /// The routers that hold the voided cards.
    pub fn routers(&self) -> Vec<u64> {
        let mut r: Vec<u64> = self.cards.iter().map(|c| c.router_id).collect();
        r.sort_unstable();
        r.dedup();
        r
    }
}

/// Voids the selected cards in the caller's transaction, with one audit entry per batch.
pub fn void(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    selection: &Selection,
    reason: &str,
) -> Result<Voided> {
    let mut p = Problems::default();
    let reason = p.text("reason", reason, 200, false, false);
    p.check()?;
    let mut out = Voided::default();
    match selection {
        Selection::Batch(batch_id) => {
            let batch = w.get::<Batch>(*batch_id)?.ok_or(Error::NotFound)?;
            let cards = super::query::numbered(w, batch.id)?;
            let from_to = (1, u32::try_from(cards.len()).unwrap_or(u32::MAX));
            void_stack(w, now, actor, &batch, cards, from_to, &reason, &mut out)?;
        }
        Selection::Numbers { batch_id, from, to } => {
            let batch = w.get::<Batch>(*batch_id)?.ok_or(Error::NotFound)?;
            let cards = super::query::numbered(w, batch.id)?;
            let last = u32::try_from(cards.len()).unwrap_or(u32::MAX);
            if *from < 1 || from > to || *to > last {
                return Err(Problems::one("from", Msg::VoucherRange).into());
            }
            let picked = cards
                .into_iter()
                .filter(|(n, _)| (*from..=*to).contains(n))
                .collect();
            void_stack(
                w,
                now,
                actor,
                &batch,
                picked,
                (*from, *to),
                &reason,
                &mut out,
            )?;
        }
        Selection::Codes(codes) => void_codes(w, now, actor, codes, &reason, &mut out)?,
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn void_stack(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    batch: &Batch,
    cards: Vec<(u32, Card)>,
    (from, to): (u32, u32),
    reason: &str,
    out: &mut Voided,
) -> Result<()> {
    for (_, mut c) in cards {
        match c.state(now) {
            CardState::Void => out.already_void += 1,
            CardState::UsedUp => out.used_up += 1,
            CardState::InStock | CardState::Handed | CardState::Sold | CardState::InUse => {
                c.voided_at = Some(now);
                w.put(c.id, &c)?;
                out.cards.push(c);
            }
        }
    }
    if out.cards.is_empty() {
        return Err(Problems::one("from", Msg::VoucherNothingToVoid).into());
    }
    let mut summary = format!("{} cards voided (numbers {from}–{to})", out.cards.len());
    if out.already_void + out.used_up > 0 {
        summary.push_str(&format!(
            "; passed over {} already void, {} used up",
            out.already_void, out.used_up
        ));
    }
    if !reason.is_empty() {
        summary.push_str(&format!("; reason: {reason}"));
    }
    audit::record(w, now, actor, "void", "voucher_batch", batch.id, summary)?;
    Ok(())
}

fn void_codes(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    codes: &[String],
    reason: &str,
    out: &mut Voided,
) -> Result<()> {
    if codes.is_empty() {
        return Err(Problems::one("code", Msg::NothingSelected).into());
    }
    if codes.len() > MAX_CODES {
        return Err(Problems::one("code", Msg::VoucherTooManyCodes).into());
    }
    let mut wanted: Vec<String> = codes
        .iter()
        .map(|c| c.trim().to_ascii_uppercase())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut by_batch: std::collections::BTreeMap<u64, Vec<String>> = Default::default();
    for code in wanted {
        let Some(id) = w.index_get(Index::VoucherCode, &code)? else {
            return Err(Problems::one("code", Msg::VoucherUnknownCode).into());
        };
        let mut c = w.get::<Card>(id)?.ok_or(Error::NotFound)?;
        match c.state(now) {
            CardState::Void => return Err(Error::Conflict(Msg::VoucherAlreadyVoid)),
            CardState::UsedUp => return Err(Error::Conflict(Msg::VoucherAlreadyUsedUp)),
            CardState::InStock | CardState::Handed | CardState::Sold | CardState::InUse => {}
        }
        c.voided_at = Some(now);
        w.put(c.id, &c)?;
        by_batch.entry(c.batch_id).or_default().push(c.code.clone());
        out.cards.push(c);
    }
    for (batch_id, codes) in by_batch {
        let mut summary = format!("{} cards voided: {}", codes.len(), codes.join(", "));
        if !reason.is_empty() {
            summary.push_str(&format!("; reason: {reason}"));
        }
        audit::record(w, now, actor, "void", "voucher_batch", batch_id, summary)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Via;
    use crate::network::Router;
    use crate::store::Store;
    use crate::vouchers::batch::{BatchDraft, create};

    fn actor() -> Actor {
        Actor {
            admin_id: Some(1),
            username: "boss".into(),
            via: Via::Web,
            ip: None,
        }
    }

    /// A store with one hotspot router, one package and a batch of `n` cards.
    fn store(n: u32) -> (tempfile::TempDir, Store, Batch) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = Timestamp::now();
        let batch = store
            .write(|w| {
                let r: Router = serde_json::from_value(serde_json::json!({
                    "id": 1, "name": "r1", "host": "h", "port": 8728, "tls": false,
                    "username": "u", "password_sealed": "", "login_method": "auto",
                    "hotspot_server": "all", "pppoe": false, "created_at": "2024-01-01T00:00:00Z"
                }))
                .unwrap();
                w.put(1, &r)?;
                let plan: crate::billing::Plan = serde_json::from_value(serde_json::json!({
                    "id": 1, "name": "Day", "kind": "hotspot", "price": 100_000, "duration_days": 1,
                    "download": "5M", "upload": "1M", "shared_users": 1, "profile": "Day",
                    "active": true, "created_at": "2024-01-01T00:00:00Z"
                }))
                .unwrap();
                w.put(1, &plan)?;
                let d = BatchDraft {
                    router_ids: vec!["1".into()],
                    plan_id: "1".into(),
                    count: n.to_string(),
                    style: "letters".into(),
                    length: "8".into(),
                    login_mode: "code".into(),
                    price: "1000".into(),
                    ..BatchDraft::default()
                };
                let input = d.check(w, now, &jiff::tz::TimeZone::UTC, 2)?;
                create(w, now, &actor(), &input, |p| p.to_string())
            })
            .unwrap();
        (dir, store, batch)
    }

    fn run(store: &Store, sel: Selection) -> Result<Voided> {
        store.write(|w| void(w, Timestamp::now(), &actor(), &sel, "lost in the post"))
    }

    fn states(store: &Store, batch: u64) -> Vec<CardState> {
        let now = Timestamp::now();
        store
            .read(|r| super::super::batch::cards(r, batch))
            .unwrap()
            .iter()
            .map(|c| c.state(now))
            .collect()
    }

    #[test]
    fn a_range_voids_its_cards_and_passes_over_dead_ones() {
        let (_d, store, b) = store(10);
        let v = run(
            &store,
            Selection::Numbers {
                batch_id: b.id,
                from: 3,
                to: 5,
            },
        )
        .unwrap();
        assert_eq!(v.cards.len(), 3);
        assert_eq!(v.routers(), [1]);
        let s = states(&store, b.id);
        assert_eq!(s.iter().filter(|s| **s == CardState::Void).count(), 3);
        assert_eq!(
            (s[1], s[2], s[4], s[5]),
            (
                CardState::InStock,
                CardState::Void,
                CardState::Void,
                CardState::InStock
            )
        );
        // Overlapping: 4 and 5 are void already, 6 is not.
        let v = run(
            &store,
            Selection::Numbers {
                batch_id: b.id,
                from: 4,
                to: 6,
            },
        )
        .unwrap();
        assert_eq!((v.cards.len(), v.already_void), (1, 2));
        // Nothing left to void in a range is refused, as is a range outside the batch.
        let e = run(
            &store,
            Selection::Numbers {
                batch_id: b.id,
                from: 3,
                to: 6,
            },
        );
        assert!(
            matches!(e, Err(Error::Invalid(p)) if p.get("from").is_some_and(|x| x.msg == Msg::VoucherNothingToVoid))
        );
        for (from, to) in [(0, 2), (5, 4), (9, 11)] {
            let e = run(
                &store,
                Selection::Numbers {
                    batch_id: b.id,
                    from,
                    to,
                },
            );
            assert!(matches!(e, Err(Error::Invalid(_))), "{from}–{to}");
        }
        // The whole batch: the 6 left.
        let v = run(&store, Selection::Batch(b.id)).unwrap();
        assert_eq!((v.cards.len(), v.already_void), (6, 4));
        assert!(matches!(
            run(&store, Selection::Batch(99)),
            Err(Error::NotFound)
        ));
        // Every card is still there, with its code indexed, and the history says who and why.
        let (n, audits) = store
            .read(|r| {
                let cards = super::super::batch::cards(r, b.id)?;
                for c in &cards {
                    assert_eq!(r.index_get(Index::VoucherCode, &c.code)?, Some(c.id));
                }
                Ok::<_, Error>((cards.len(), r.list::<crate::audit::AuditEntry>()?))
            })
            .unwrap();
        assert_eq!(n, 10);
        let voids: Vec<_> = audits.iter().filter(|a| a.action == "void").collect();
        assert_eq!(voids.len(), 3);
        assert!(voids[0].summary.contains("3 cards voided (numbers 3–5)"));
        assert!(voids[0].summary.contains("lost in the post"));
    }

    #[test]
    fn single_cards_by_code_refuse_dead_ones_and_change_nothing_then() {
        let (_d, store, b) = store(4);
        let cards = store.read(|r| super::super::batch::cards(r, b.id)).unwrap();
        let lower = cards[0].code.to_lowercase();
        let v = run(&store, Selection::Codes(vec![lower])).unwrap();
        assert_eq!(v.cards[0].id, cards[0].id, "codes are matched in any case");
        let again = run(
            &store,
            Selection::Codes(vec![cards[1].code.clone(), cards[0].code.clone()]),
        );
        assert!(matches!(
            again,
            Err(Error::Conflict(Msg::VoucherAlreadyVoid))
        ));
        assert_eq!(
            states(&store, b.id)[1],
            CardState::InStock,
            "the refused request voided nothing"
        );
        // A used-up card is refused too.
        store
            .write(|w| {
                let mut c = cards[2].clone();
                c.first_used_at = Some(Timestamp::UNIX_EPOCH);
                c.expires_at = Some(Timestamp::UNIX_EPOCH);
                w.put(c.id, &c)
            })
            .unwrap();
        let used = run(&store, Selection::Codes(vec![cards[2].code.clone()]));
        assert!(matches!(
            used,
            Err(Error::Conflict(Msg::VoucherAlreadyUsedUp))
        ));
        for bad in [
            vec![],
            vec!["NOPE".to_string()],
            vec!["X".repeat(MAX_CODES); MAX_CODES + 1],
        ] {
            assert!(matches!(
                run(&store, Selection::Codes(bad)),
                Err(Error::Invalid(_))
            ));
        }
    }
}
