//! The Settings menu: company, logo, currency, time zone, default language, backups.

use crate::access::{Level, Menu};
use crate::banner::{self, ImageChange};
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::settings::SettingsDraft;
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, checkbox, csrf, input, page, select};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

fn form_page(
    cx: &Ctx,
    d: &SettingsDraft,
    p: &Problems,
    notice: Option<&str>,
    routers: &[(String, String)],
) -> Markup {
    let langs: Vec<(String, String)> = Lang::ALL
        .iter()
        .map(|l| (l.code().into(), l.native_name().into()))
        .collect();
    let can_edit = cx.can(Menu::Settings, Level::Edit);
    page(
        cx,
        cx.t(Msg::Settings),
        html! {
            (layout::notice(cx, notice))
            p { a href="/settings/messages" { (cx.t(Msg::MessageSettings)) " →" } " · " a href="/settings/qpay" { (cx.t(Msg::QPaySettingsTitle)) " →" } }
            p.muted { (cx.t(Msg::PortalLink)) ": " code { "/portal" } }
            (layout::problems_summary(cx, p))
            form method="post" action="/settings" enctype="multipart/form-data" {
                (csrf(cx))
                (input(cx, p, "company_name", Msg::CompanyName, "text", &d.company_name, true))
                (input(cx, p, "company_register", Msg::CompanyRegister, "text", &d.company_register, false))
                (input(cx, p, "company_address", Msg::CompanyAddress, "text", &d.company_address, false))
                @if cx.settings.logo_mime.is_some() {
                    img.preview src="/logo" alt="" height="48";
                    (checkbox(cx, "remove_logo", Msg::RemoveImage, false))
                }
                (layout::file(cx, p, "logo", Msg::Logo))
                (input(cx, p, "currency_code", Msg::CurrencyCode, "text", &d.currency_code, true))
                (input(cx, p, "currency_symbol", Msg::CurrencySymbol, "text", &d.currency_symbol, false))
                (input(cx, p, "currency_exponent", Msg::CurrencyExponent, "number", &d.currency_exponent, true))
                (zone_select(cx, p, &d.time_zone))
                (select(cx, p, "default_lang", Msg::DefaultLanguage, &langs, &d.default_lang))
            (layout::textarea(cx, p, "payment_methods", Msg::PaymentMethods, &d.payment_methods))
            p.muted { (cx.t(Msg::PaymentMethodsHelp)) }
            (checkbox(cx, "allow_partial_activation", Msg::PartialActivation, d.allow_partial_activation))
            fieldset {
                legend { "SMS" }
                (select(cx, p, "sms_router_id", Msg::SmsRouterSetting, routers, &d.sms_router_id))
                (input(cx, p, "sms_gateway_url", Msg::GatewayUrlLabel, "text", &d.sms_gateway_url, false))
                (layout::textarea(cx, p, "sms_gateway_body", Msg::GatewayBody, &d.sms_gateway_body))
                p.muted { (cx.t(Msg::GatewayHelp)) }
            }
            fieldset {
                legend { (cx.t(Msg::Backup)) }
                (input(cx, p, "backup_every_hours", Msg::BackupEveryHours, "number", &d.backup_every_hours, false))
                (input(cx, p, "backup_keep", Msg::BackupKeep, "number", &d.backup_keep, false))
                p.muted { (cx.t(Msg::BackupScheduleHelp)) }
            }
                @if can_edit { button type="submit" { (cx.t(Msg::Save)) } }
            }
            @if crate::web::router::BACKUP.iter().all(|(m, l)| cx.can(*m, *l)) {
                section #backup {
                    h2 { (cx.t(Msg::Backup)) }
                    p.muted { (cx.t(Msg::BackupHelp)) }
                    form method="post" action="/settings/backup" {
                        (csrf(cx))
                        button type="submit" { (cx.t(Msg::DownloadBackup)) }
                    }
                    @let on_disk = crate::backup::list(&cx.app.data_dir.join(crate::backup::DIR));
                    @if !on_disk.is_empty() {
                        h3 { (cx.t(Msg::LastBackups)) }
                        ul {
                            @for (t, _) in on_disk.iter().rev() {
                                li { (cx.datetime(*t)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The time zone as a choice: "the server's" (no setting, the `TZ` the process was started
/// with) or one of the build's zones, each with its offset now so the right one is easy to find.
fn zone_select(cx: &Ctx, p: &Problems, current: &str) -> Markup {
    let mut zones = crate::settings::zones();
    // A zone saved before the list existed stays choosable rather than silently changing.
    if !current.is_empty() && !zones.iter().any(|z| z == current) {
        zones.insert(0, current.to_string());
    }
    let server = cx.app.env_tz.iana_name().unwrap_or("UTC");
    let offset = |name: &str| {
        crate::i18n::zones::get(name)
            .map(|tz| tz.to_offset(cx.now).to_string())
            .unwrap_or_default()
    };
    let options: Vec<(String, String)> =
        std::iter::once((String::new(), cx.f(Msg::ServerTimeZone, &[&server])))
            .chain(zones.into_iter().map(|z| {
                let label = format!("{z} (UTC{})", offset(&z));
                (z, label)
            }))
            .collect();
    select(cx, p, "time_zone", Msg::TimeZone, &options, current)
}

pub async fn show(cx: Arc<Ctx>, req: Req) -> Out {
    let s = &cx.settings;
    let d = SettingsDraft {
        company_name: s.company_name.clone(),
        company_register: s.company_register.clone(),
        company_address: s.company_address.clone(),
        currency_code: s.currency.code.clone(),
        currency_symbol: s.currency.symbol.clone(),
        currency_exponent: s.currency.exponent.to_string(),
        time_zone: s.time_zone.clone(),
        default_lang: s.default_lang.code().into(),
        payment_methods: s
            .payment_methods
            .iter()
            .map(|m| crate::reports::revenue::method_text(cx.lang, m))
            .collect::<Vec<_>>()
            .join("\n"),
        allow_partial_activation: s.allow_partial_activation,
        sms_router_id: s.sms_router_id.map(|i| i.to_string()).unwrap_or_default(),
        sms_gateway_url: s.sms_gateway_url.clone(),
        sms_gateway_body: s.sms_gateway_body.clone(),
        backup_every_hours: s.backup_every_hours.to_string(),
        backup_keep: s.backup_keep.to_string(),
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(
            &cx,
            &d,
            &Problems::default(),
            req.query("notice"),
            &router_options(&cx).await?,
        ),
    ))
}

pub async fn save(cx: Arc<Ctx>, req: Req) -> Out {
    let f = &req.form;
    let d = SettingsDraft {
        company_name: f.get("company_name").into(),
        company_register: f.get("company_register").into(),
        company_address: f.get("company_address").into(),
        currency_code: f.get("currency_code").into(),
        currency_symbol: f.get("currency_symbol").into(),
        currency_exponent: f.get("currency_exponent").into(),
        time_zone: f.get("time_zone").into(),
        default_lang: f.get("default_lang").into(),
        payment_methods: method_ids(f.get("payment_methods")),
        allow_partial_activation: f.checked("allow_partial_activation"),
        sms_router_id: f.get("sms_router_id").into(),
        sms_gateway_url: f.get("sms_gateway_url").into(),
        sms_gateway_body: f.get("sms_gateway_body").into(),
        backup_every_hours: f.get("backup_every_hours").into(),
        backup_keep: f.get("backup_keep").into(),
    };
    let mut p = Problems::default();
    let logo = match f.file("logo") {
        Some(bytes) => banner::check_image("logo", bytes.to_vec(), &mut p)
            .map_or(ImageChange::Keep, ImageChange::Replace),
        None if f.checked("remove_logo") => ImageChange::Remove,
        None => ImageChange::Keep,
    };
    match crate::ops::installation::save_settings(&cx.app, &cx.by(), d.clone(), logo, p).await {
        Ok(_) => Ok(http::redirect("/settings?notice=saved")),
        Err(Error::Invalid(p)) => Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&cx, &d, &p, None, &router_options(&cx).await?),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn router_options(cx: &Ctx) -> Result<Vec<(String, String)>, crate::web::error::WebError> {
    let routers = cx
        .app
        .store
        .read_async(crate::store::Reader::list::<crate::network::Router>)
        .await?;
    let mut out = vec![(String::new(), cx.t(Msg::EachOwnRouter).to_string())];
    out.extend(routers.into_iter().map(|r| (r.id.to_string(), r.name)));
    Ok(out)
}

/// A consistent backup of the running installation, streamed as a download (page button and
/// `POST /api/v1/backup`). It is written to a temporary file in the data directory first, since
/// a read snapshot cannot be held open across a slow client, then streamed from the unlinked
/// file; the download is audited.
pub async fn backup(cx: Arc<Ctx>, _req: Req) -> Out {
    let Some(slot) = crate::web::download::slot() else {
        return Err(WebError::Busy);
    };
    let (store, dir) = (cx.app.store.clone(), cx.app.data_dir.clone());
    let tmp = dir.join(format!(
        ".download-{}.tmp",
        crate::access::secret::new_token("")
    ));
    let made = tokio::task::spawn_blocking(move || {
        let info = crate::backup::create(&store, &dir, &tmp);
        let file = info.and_then(|info| {
            std::fs::File::open(&tmp)
                .map(|f| (info, f))
                .map_err(|e| format!("opening {}: {e}", tmp.display()))
        });
        // Unlinked at once: the open handle keeps the bytes readable, and nothing is left behind
        // if the client goes away or the process stops.
        let _ = std::fs::remove_file(&tmp);
        file
    })
    .await
    .map_err(|e| WebError::Internal(format!("backup task failed: {e}")))?
    .map_err(WebError::Internal)?;
    let (info, file) = made;
    let (actor, now) = (cx.actor(), cx.now);
    let summary = format!("rows: {}; schema: {}", info.rows, info.schema);
    cx.app
        .store
        .write_async(move |w| {
            crate::audit::record(w, now, &actor, "backup", "database", "backup", summary)
        })
        .await?;
    let body = crate::web::download::stream(file, slot).map_err(WebError::Internal)?;
    let name = crate::backup::file_name(cx.now);
    Ok(http::attachment("application/octet-stream", &name, body))
}

/// The form shows built-in payment methods by their names in the reader's language; a line
/// naming one (in either language) is saved as its id, anything else as the id typed.
fn method_ids(text: &str) -> String {
    let known = crate::settings::BUILTIN_METHODS
        .iter()
        .chain(&["qpay", "agent"])
        .filter_map(|id| Some((*id, crate::reports::revenue::method_msg(id)?)));
    let known: Vec<(&str, crate::i18n::Msg)> = known.collect();
    text.split([',', '\n'])
        .map(|line| {
            let line = line.trim();
            known
                .iter()
                .find(|(_, m)| {
                    line.eq_ignore_ascii_case(m.en())
                        || line.to_lowercase() == m.mn().to_lowercase()
                })
                .map_or(line, |(id, _)| id)
        })
        .collect::<Vec<_>>()
        .join("\n")
}
