//! Settings → messages: the SMTP server and the automatic reminders with their templates.

use crate::access::{Level, Menu};
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::notify::Channel;
use crate::notify::config::{self, MessageSettingsDraft, Security};
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::Out;
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, input, page, select, textarea};
use crate::web::pages::messages::channel_label;
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

fn form(cx: &Ctx, p: &Problems, d: &MessageSettingsDraft, password_set: bool) -> Markup {
    let securities: Vec<(String, String)> = Security::ALL
        .iter()
        .map(|s| {
            let m = match s {
                Security::Starttls => Msg::SecStarttls,
                Security::Tls => Msg::SecTls,
                Security::None => Msg::SecNone,
            };
            (s.id().to_string(), cx.t(m).to_string())
        })
        .collect();
    let edit = cx.can(Menu::Settings, Level::Edit);
    let pair = |en: &str, mn: &str, name_en: &'static str, name_mn: &'static str, label: Msg| {
        html! {
            fieldset {
                legend { (cx.t(label)) }
                (textarea(cx, p, name_en, Msg::MessageText, en))
                (textarea(cx, p, name_mn, Msg::MessageText, mn))
            }
        }
    };
    html! {
        p.muted { (cx.t(Msg::MessageSettingsHelp)) }
        (layout::problems_summary(cx, p))
        form method="post" action="/settings/messages" {
            (csrf(cx))
            section.card {
                h2 { (cx.t(Msg::Reminders)) }
                (input(cx, p, "days_before", Msg::RemindDaysBefore, "text", &d.days_before, false))
                label.check { input type="checkbox" name="on_expiry" value="1" checked[d.on_expiry]; " " (cx.t(Msg::RemindOnExpiry)) }
                label.check { input type="checkbox" name="receipt" value="1" checked[d.receipt]; " " (cx.t(Msg::RemindReceipt)) }
                fieldset {
                    legend { (cx.t(Msg::ReminderChannels)) }
                    @if let Some(e) = p.get("channels") { span.field-error { (e.text(cx.lang)) } }
                    @for ch in Channel::ALL {
                        label.check { input type="checkbox" name="channel" value=(ch.id()) checked[d.channels.iter().any(|c| c == ch.id())]; " " (channel_label(cx, ch)) }
                    }
                }
                p.muted { (cx.t(Msg::TemplatesHelp)) " " (cx.t(Msg::PlaceholdersHelp)) }
                p.muted { (Lang::En.native_name()) " / " (Lang::Mn.native_name()) }
                (pair(&d.before_en, &d.before_mn, "before_en", "before_mn", Msg::TemplateBefore))
                (pair(&d.expired_en, &d.expired_mn, "expired_en", "expired_mn", Msg::TemplateExpired))
                (pair(&d.receipt_en, &d.receipt_mn, "receipt_en", "receipt_mn", Msg::TemplateReceipt))
            }
            section.card {
                h2 { (cx.t(Msg::SmtpServer)) }
                (input(cx, p, "smtp_host", Msg::SmtpHost, "text", &d.smtp_host, false))
                (select(cx, p, "smtp_security", Msg::SmtpSecurity, &securities, &d.smtp_security))
                (input(cx, p, "smtp_port", Msg::Port, "number", &d.smtp_port, false))
                (input(cx, p, "smtp_username", Msg::Username, "text", &d.smtp_username, false))
                (input(cx, p, "smtp_password", Msg::SmtpPasswordKeep, "password", "", false))
                @if password_set { label.check { input type="checkbox" name="smtp_clear_password" value="1"; " " (cx.t(Msg::SmtpClearPassword)) } }
                (input(cx, p, "smtp_from", Msg::SmtpFrom, "text", &d.smtp_from, false))
                (textarea(cx, p, "smtp_ca_pem", Msg::SmtpCa, &d.smtp_ca_pem))
            }
            @if edit { button type="submit" { (cx.t(Msg::Save)) } }
        }
    }
}

pub async fn show(cx: Arc<Ctx>, req: Req) -> Out {
    let s = cx.app.store.read_async(config::load).await?;
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        (form(&cx, &Problems::default(), &MessageSettingsDraft::of(&s), !s.smtp.password_sealed.is_empty()))
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MessageSettings), body),
    ))
}

pub async fn save(cx: Arc<Ctx>, req: Req) -> Out {
    let f = &req.form;
    let d = MessageSettingsDraft {
        smtp_host: f.get("smtp_host").into(),
        smtp_port: f.get("smtp_port").into(),
        smtp_security: f.get("smtp_security").into(),
        smtp_username: f.get("smtp_username").into(),
        smtp_password: f.get("smtp_password").into(),
        smtp_clear_password: f.get("smtp_clear_password") == "1",
        smtp_from: f.get("smtp_from").into(),
        smtp_ca_pem: f.get("smtp_ca_pem").into(),
        days_before: f.get("days_before").into(),
        on_expiry: f.get("on_expiry") == "1",
        receipt: f.get("receipt") == "1",
        channels: f
            .fields
            .iter()
            .filter(|(k, _)| k == "channel")
            .map(|(_, v)| v.clone())
            .collect(),
        before_en: f.get("before_en").into(),
        before_mn: f.get("before_mn").into(),
        expired_en: f.get("expired_en").into(),
        expired_mn: f.get("expired_mn").into(),
        receipt_en: f.get("receipt_en").into(),
        receipt_mn: f.get("receipt_mn").into(),
    };
    match crate::ops::messages::save_settings(&cx.app, &cx.by(), d.clone()).await {
        Ok(_) => Ok(http::redirect("/settings/messages?notice=saved")),
        Err(Error::Invalid(p)) => {
            let set = cx
                .app
                .store
                .read_async(config::load)
                .await?
                .smtp
                .password_sealed
                .is_empty();
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&cx, cx.t(Msg::MessageSettings), form(&cx, &p, &d, !set)),
            ))
        }
        Err(e) => Err(e.into()),
    }
}
