//! Service packages. A change reaches every router's profiles.

use super::{By, commit};
use crate::app::Core;
use crate::billing::Plan;
use crate::billing::plan::{self, PlanDraft};
use crate::error::Error;
use crate::store::Reader;

pub async fn create(core: &Core, by: &By, d: PlanDraft) -> Result<Plan, Error> {
    commit(core, by, move |w, fx, by| {
        let p = plan::create(w, by.now, &by.actor, &d)?;
        fx.plans();
        Ok(p)
    })
    .await
}

/// `draft` is made from the package as the write transaction reads it, so a partial change
/// (an API PATCH) cannot undo an edit that committed meanwhile.
pub async fn update<F>(core: &Core, by: &By, id: u64, draft: F) -> Result<Plan, Error>
where
    F: FnOnce(&Plan) -> PlanDraft + Send + 'static,
{
    commit(core, by, move |w, fx, by| {
        let cur = w.get::<Plan>(id)?.ok_or(Error::NotFound)?;
        let p = plan::update(w, by.now, &by.actor, id, &draft(&cur))?;
        fx.plans();
        Ok(p)
    })
    .await
}

/// Deletes a package nobody is on (one in use is refused); routers keep its profile.
pub async fn delete(core: &Core, by: &By, id: u64) -> Result<(), Error> {
    commit(core, by, move |w, _, by| {
        plan::delete(w, by.now, &by.actor, id)
    })
    .await
}

/// Moves every customer of package `from` to `to` in one transaction; the routers they are on
/// then converge as after any package change. Returns how many moved.
pub async fn move_customers(core: &Core, by: &By, from: u64, to: u64) -> Result<usize, Error> {
    commit(core, by, move |w, fx, by| {
        let (moved, routers) = crate::billing::ledger::move_all(w, by.now, &by.actor, from, to)?;
        for (i, id) in moved.iter().enumerate() {
            fx.customer(if i == 0 { &routers } else { &[] }, *id);
        }
        Ok(moved.len())
    })
    .await
}
