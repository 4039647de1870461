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
    commit(core, by, move |w, _, by| {
        settings::save(w, by.now, &by.actor, &draft, logo, earlier)
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
    commit(core, by, move |w, _, by| {
        banner::save(w, by.now, &by.actor, id, &draft, image, earlier)
    })
    .await
}

pub async fn delete_banner(core: &Core, by: &By, id: u64) -> Result<(), Error> {
    commit(core, by, move |w, _, by| {
        banner::delete(w, by.now, &by.actor, id)
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
    commit(core, by, move |w, _, by| {
        ledger::save_bank_account(w, by.now, &by.actor, id, &draft)
    })
    .await
}
