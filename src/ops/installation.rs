//! The installation's own settings, login-page banners and the bank accounts bills name.

use super::{By, commit};
use crate::app::Core;
use crate::banner::{self, Banner, BannerDraft, ImageChange};
use crate::billing::ledger::{self, BankAccount, BankAccountDraft};
use crate::error::Error;
use crate::settings::{self, Settings, SettingsDraft};
use crate::validate::Problems;

/// Saves the settings; `earlier` are the edge's own problems (an unreadable logo upload).
pub async fn save_settings(
    core: &Core,
    by: &By,
    draft: SettingsDraft,
    logo: ImageChange,
    earlier: Problems,
) -> Result<Settings, Error> {
    let by_ = by.clone();
    commit(core, by, move |w, _| {
        settings::save(w, by_.now, &by_.actor, &draft, logo, earlier)
    })
    .await
}

/// Creates (`id` none) or edits a banner.
pub async fn save_banner(
    core: &Core,
    by: &By,
    id: Option<u64>,
    draft: BannerDraft,
    image: ImageChange,
    earlier: Problems,
) -> Result<Banner, Error> {
    let by_ = by.clone();
    commit(core, by, move |w, _| {
        banner::save(w, by_.now, &by_.actor, id, &draft, image, earlier)
    })
    .await
}

pub async fn delete_banner(core: &Core, by: &By, id: u64) -> Result<(), Error> {
    let by_ = by.clone();
    commit(core, by, move |w, _| {
        banner::delete(w, by_.now, &by_.actor, id)
    })
    .await
}

/// Creates (`id` none) or edits a bank account.
pub async fn save_bank_account(
    core: &Core,
    by: &By,
    id: Option<u64>,
    draft: BankAccountDraft,
) -> Result<BankAccount, Error> {
    let by_ = by.clone();
    commit(core, by, move |w, _| {
        ledger::save_bank_account(w, by_.now, &by_.actor, id, &draft)
    })
    .await
}
