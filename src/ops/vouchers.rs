//! Voucher batches: making one (idempotent, as payments are: a replayed form makes one batch),
//! voiding cards, and the audit entry of a card export or print, which hands out credentials.
//! Every card made or voided wakes the routers that hold it.

use super::{By, commit};
use crate::app::Core;
use crate::error::Error;
use crate::idempotency::{Key, Scope};
use crate::model::voucher::Batch;
use crate::store::{Reader, Set};
use crate::validate::Problems;
use crate::vouchers::batch::{self, BatchDraft};
use crate::vouchers::void::{self, Selection, Voided};

/// What creating a batch made; `replayed` when its one-time key had made it before.
pub struct Made {
    pub batch: Batch,
    pub replayed: bool,
}

/// Makes a batch and its cards in one transaction; with a one-time key (the form's, or an
/// `Idempotency-Key`), a replay makes nothing and answers with the batch the key made.
pub async fn create_batch(
    core: &Core,
    by: &By,
    draft: BatchDraft,
    key: &str,
) -> Result<Made, Error> {
    let mut p = Problems::default();
    let key = Key::parse(Scope::VoucherBatch, key, "idempotency_key", &mut p);
    p.check()?;
    let secrets = core.secrets.clone();
    commit(core, by, move |w, fx, by| {
        if let Some(id) = crate::idempotency::made_before(key.as_ref(), w)? {
            let batch = w.get::<Batch>(id)?.ok_or(Error::NotFound)?;
            return Ok(Made {
                batch,
                replayed: true,
            });
        }
        let exponent = crate::settings::load(w)?.currency.exponent;
        let input = draft.check(w, by.now, &by.tz, exponent)?;
        let batch = batch::create(w, by.now, &by.actor, &input, |pin| secrets.seal(pin))?;
        if let Some(k) = &key {
            k.remember(w, batch.id)?;
        }
        let cards = w.set_members(Set::VoucherCardsByBatch, batch.id)?;
        fx.cards(&batch.router_ids, &cards);
        Ok(Made {
            batch,
            replayed: false,
        })
    })
    .await
}

/// Voids a whole batch, a range of it or single cards (see `vouchers::void`); their routers
/// drop them.
pub async fn void_cards(
    core: &Core,
    by: &By,
    selection: Selection,
    reason: String,
) -> Result<Voided, Error> {
    commit(core, by, move |w, fx, by| {
        let v = void::void(w, by.now, &by.actor, &selection, &reason)?;
        let ids: Vec<u64> = v.cards.iter().map(|c| c.id).collect();
        fx.cards(&v.routers(), &ids);
        Ok(v)
    })
    .await
}

/// Voids every card of a batch that can still be used.
pub async fn void_batch(
    core: &Core,
    by: &By,
    batch_id: u64,
    reason: String,
) -> Result<Voided, Error> {
    void_cards(core, by, Selection::Batch(batch_id), reason).await
}

/// Records that cards of a batch left the system (an export, a print): whoever holds them can
/// log in with them.
pub async fn record_handout(
    core: &Core,
    by: &By,
    batch_id: u64,
    action: &'static str,
    summary: String,
) -> Result<(), Error> {
    commit(core, by, move |w, _, by| {
        crate::audit::record(
            w,
            by.now,
            &by.actor,
            action,
            "voucher_batch",
            batch_id,
            summary,
        )?;
        Ok(())
    })
    .await
}
