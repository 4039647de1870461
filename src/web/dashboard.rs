//! The dashboard's figures as the page and `GET /api/v1/dashboard` share them: computed in one
//! pass (`crate::dashboard`) and kept until the store changes, the minute turns or the zone does.

use crate::dashboard::{self, Dashboard};
use crate::web::ctx::Ctx;
use crate::web::error::WebError;
use std::sync::Arc;

/// How far ahead "expiring soon" looks.
pub const SOON_DAYS: u32 = 7;

/// The figures, recomputed only when the store changed or the minute turned — once, however
/// many ask at that moment: each computing them alike would multiply a 50,000-customer pass by
/// the connections waiting.
pub async fn figures(cx: &Ctx) -> Result<Arc<Dashboard>, WebError> {
    let key = (
        cx.app.store.generation(),
        cx.now.as_second() / 60,
        cx.tz.iana_name().unwrap_or("").to_string(),
    );
    let cached = || {
        cx.app
            .dashboard
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, d)| d.clone())
    };
    if let Some(d) = cached() {
        return Ok(d);
    }
    let _computing = cx.app.dashboard_computing.lock().await;
    // Whoever held the lock before may have just computed them.
    if let Some(d) = cached() {
        return Ok(d);
    }
    let (now, tz) = (cx.now, cx.tz.clone());
    let d = Arc::new(
        cx.app
            .store
            .read_async(move |r| dashboard::compute(r, now, &tz, SOON_DAYS))
            .await?,
    );
    *cx.app.dashboard.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, d.clone()));
    Ok(d)
}
