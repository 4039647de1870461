//! The bank accounts payments are received into (shown on bills and receipts).

use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::i18n::Msg;
pub use crate::model::ledger::*;
use crate::store::{Kind, Reader, Write};
use crate::validate::Problems;
use jiff::Timestamp;

#[derive(Debug, Clone, Default)]
pub struct BankAccountDraft {
    pub bank: String,
    pub number: String,
    pub holder: String,
    pub currency: String,
    pub note: String,
    pub active: bool,
}

pub fn save_bank_account(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: Option<u64>,
    d: &BankAccountDraft,
) -> Result<BankAccount> {
    let mut p = Problems::default();
    let bank = p.text("bank", &d.bank, 80, true, false);
    let number = p.text("number", &d.number, 40, true, false);
    if !number
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " -".contains(c))
    {
        p.add("number", Msg::InvalidAccountNumber);
    }
    let holder = p.text("holder", &d.holder, 120, true, false);
    let currency = p
        .text("currency", &d.currency, 3, true, false)
        .to_uppercase();
    if !currency.is_empty()
        && (currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()))
    {
        p.add("currency", Msg::InvalidChoice);
    }
    let note = p.text("note", &d.note, 500, false, true);
    p.check()?;
    let before = match id {
        Some(id) => Some(w.get::<BankAccount>(id)?.ok_or(Error::NotFound)?),
        None => None,
    };
    let id = match id {
        Some(id) => id,
        None => w.next_id(Kind::BankAccounts)?,
    };
    let acct = BankAccount {
        id,
        bank,
        number,
        holder,
        currency,
        note,
        active: d.active,
    };
    w.put(id, &acct)?;
    let after = serde_json::to_value(&acct).unwrap_or_default();
    let summary = match &before {
        Some(b) => audit::changes(&serde_json::to_value(b).unwrap_or_default(), &after),
        None => audit::snapshot(&after),
    };
    audit::record(
        w,
        now,
        actor,
        if before.is_some() { "update" } else { "create" },
        "bank_account",
        id,
        summary,
    )?;
    Ok(acct)
}
