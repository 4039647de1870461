//! Registered routers. Saving one reconnects its reconciler with the new settings.

use super::{By, commit};
use crate::app::Core;
use crate::error::Error;
use crate::network::Router;
use crate::network::import::{self, ImportChoices, ImportPreview};
use crate::network::router::{self, RouterDraft};
use crate::store::Reader;

pub async fn create(core: &Core, by: &By, d: RouterDraft) -> Result<Router, Error> {
    let secrets = core.secrets.clone();
    commit(core, by, move |w, fx, by| {
        let r = router::create(w, by.now, &by.actor, &secrets, &d)?;
        fx.router_saved(r.id);
        Ok(r)
    })
    .await
}

/// `draft` is made from the router as the write transaction reads it.
pub async fn update<F>(core: &Core, by: &By, id: u64, draft: F) -> Result<Router, Error>
where
    F: FnOnce(&Router) -> RouterDraft + Send + 'static,
{
    let secrets = core.secrets.clone();
    commit(core, by, move |w, fx, by| {
        let cur = w.get::<Router>(id)?.ok_or(Error::NotFound)?;
        let r = router::update(w, by.now, &by.actor, &secrets, id, &draft(&cur))?;
        fx.router_saved(id);
        Ok(r)
    })
    .await
}

/// Deletes a router no customer is on; its reconciler stops.
pub async fn delete(core: &Core, by: &By, id: u64) -> Result<(), Error> {
    commit(core, by, move |w, fx, by| {
        router::delete(w, by.now, &by.actor, id)?;
        // A deleted router cannot go on sending everyone's SMS.
        let mut settings = crate::settings::load(w)?;
        if settings.sms_router_id == Some(id) {
            settings.sms_router_id = None;
            w.kput("settings", &settings)?;
        }
        fx.router_deleted(id);
        Ok(())
    })
    .await
}

/// Takes a router in service over: its profiles become packages and its users customers, in
/// one transaction; then the router reconciles in full. Returns (packages, customers) created.
pub async fn import(
    core: &Core,
    by: &By,
    router: Router,
    preview: ImportPreview,
    choices: ImportChoices,
) -> Result<(usize, usize), Error> {
    let secrets = core.secrets.clone();
    commit(core, by, move |w, fx, by| {
        let made = import::commit(
            w, by.now, &by.actor, &secrets, &by.tz, &router, &preview, &choices,
        )?;
        fx.sync(router.id);
        Ok(made)
    })
    .await
}
