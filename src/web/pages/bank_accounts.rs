//! Bank account information: where customers pay; shown on bills and receipts.

use crate::access::{Level, Menu};
use crate::billing::ledger::{BankAccount, BankAccountDraft};
use crate::error::Error;
use crate::i18n::Msg;
use crate::store::Reader;
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Form, Req};
use crate::web::layout::{self, checkbox, csrf, input, page, textarea};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let accounts = cx.app.store.read_async(|r| r.list::<BankAccount>()).await?;
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        (layout::toolbar(&cx, html! { @if cx.can(Menu::BankAccounts, Level::Edit) { a.button href="/bank-accounts/new" { (cx.t(Msg::Add)) } } }))
        @if accounts.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
            div.table-wrap { table {
                thead { tr { th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::Bank)) } th { (cx.t(Msg::AccountNumber)) } th { (cx.t(Msg::AccountHolder)) } th { (cx.t(Msg::CurrencyCode)) } th { (cx.t(Msg::Status)) } th { (cx.t(Msg::Note)) } } }
                tbody { @for (i, a) in accounts.iter().enumerate() { tr {
                    td.num { (i + 1) } td { a href={ "/bank-accounts/" (a.id) } { (a.bank) } } td { (a.number) } td { (a.holder) } td { (a.currency) }
                    td { @if a.active { span.badge.good { (cx.t(Msg::Active)) } } @else { span.badge { (cx.t(Msg::Inactive)) } } }
                    td { (a.note) }
                } } }
            } }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuBankAccounts), body),
    ))
}

fn form_page(cx: &Ctx, id: Option<u64>, d: &BankAccountDraft, p: &Problems) -> Markup {
    let action = id.map_or_else(
        || "/bank-accounts".to_string(),
        |id| format!("/bank-accounts/{id}"),
    );
    page(
        cx,
        cx.t(Msg::MenuBankAccounts),
        html! {
            (layout::problems_summary(cx, p))
            form method="post" action=(action) {
                (csrf(cx))
                (input(cx, p, "bank", Msg::Bank, "text", &d.bank, true))
                (input(cx, p, "number", Msg::AccountNumber, "text", &d.number, true))
                (input(cx, p, "holder", Msg::AccountHolder, "text", &d.holder, true))
                (input(cx, p, "currency", Msg::CurrencyCode, "text", &d.currency, true))
                (textarea(cx, p, "note", Msg::Note, &d.note))
                (checkbox(cx, "active", Msg::Active, d.active))
                @if cx.can(Menu::BankAccounts, Level::Edit) { button type="submit" { (cx.t(Msg::Save)) } " " }
                a.button.secondary href="/bank-accounts" { (cx.t(Msg::Back)) }
            }
        },
    )
}

fn draft(f: &Form) -> BankAccountDraft {
    BankAccountDraft {
        bank: f.get("bank").into(),
        number: f.get("number").into(),
        holder: f.get("holder").into(),
        currency: f.get("currency").into(),
        note: f.get("note").into(),
        active: f.checked("active"),
    }
}

pub async fn new_form(cx: Arc<Ctx>, _req: Req) -> Out {
    let d = BankAccountDraft {
        currency: cx.settings.currency.code.clone(),
        active: true,
        ..Default::default()
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, None, &d, &Problems::default()),
    ))
}

pub async fn edit_form(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let a = cx
        .app
        .store
        .read_async(move |r| r.get::<BankAccount>(id))
        .await?
        .ok_or(WebError::NotFound)?;
    let d = BankAccountDraft {
        bank: a.bank,
        number: a.number,
        holder: a.holder,
        currency: a.currency,
        note: a.note,
        active: a.active,
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, Some(id), &d, &Problems::default()),
    ))
}

async fn save(cx: Arc<Ctx>, req: Req, id: Option<u64>) -> Out {
    let d = draft(&req.form);
    match crate::ops::installation::save_bank_account(&cx.app, &cx.by(), id, d.clone()).await {
        Ok(_) => Ok(http::redirect("/bank-accounts?notice=saved")),
        Err(Error::Invalid(p)) => Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&cx, id, &d, &p),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    save(cx, req, None).await
}

pub async fn update(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    save(cx, req, Some(id)).await
}
