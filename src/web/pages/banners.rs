//! The Banner menu: banners for the admin login page, with image and active window.

use crate::access::{Level, Menu};
use crate::banner::{self, Banner, BannerDraft, ImageChange};
use crate::error::Error;
use crate::i18n::Msg;
use crate::store::Reader;
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, checkbox, csrf, input, page, textarea};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let banners = cx.app.store.read_async(|r| r.list::<Banner>()).await?;
    let today = cx.today();
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        p.muted { (cx.t(Msg::BannerHelp)) }
        (layout::toolbar(&cx, html! {
            @if cx.can(Menu::Banners, Level::Edit) { a.button href="/banners/new" { (cx.t(Msg::Add)) } }
        }))
        @if banners.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
            div.table-wrap { table {
                thead { tr {
                    th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::BannerTitle)) } th { (cx.t(Msg::Period)) }
                    th { (cx.t(Msg::Status)) } th { (cx.t(Msg::Image)) }
                } }
                tbody {
                    @for (i, b) in banners.iter().rev().enumerate() {
                        tr {
                            td.num { (i + 1) }
                            td { a href={ "/banners/" (b.id) } { (b.title) } }
                            td { (b.starts_on) " – " (b.ends_on) }
                            td {
                                @if b.shown_on(today) { span.badge.good { (cx.t(Msg::ShownNow)) } }
                                @else if b.active { span.badge { (cx.t(Msg::Active)) } }
                                @else { span.badge.bad { (cx.t(Msg::Inactive)) } }
                            }
                            td { @if b.image_mime.is_some() { (cx.t(Msg::Yes)) } @else { (cx.t(Msg::No)) } }
                        }
                    }
                }
            } }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::Banners), body),
    ))
}

fn form_page(cx: &Ctx, existing: Option<&Banner>, d: &BannerDraft, p: &Problems) -> Markup {
    let action = existing.map_or_else(|| "/banners".to_string(), |b| format!("/banners/{}", b.id));
    let can_edit = cx.can(Menu::Banners, Level::Edit);
    let title = if existing.is_some() {
        cx.t(Msg::EditBanner)
    } else {
        cx.t(Msg::NewBanner)
    };
    page(
        cx,
        title,
        html! {
            (layout::problems_summary(cx, p))
            form method="post" action=(action) enctype="multipart/form-data" {
                (csrf(cx))
                (input(cx, p, "title", Msg::BannerTitle, "text", &d.title, true))
                (textarea(cx, p, "text", Msg::BannerText, &d.text))
                @if let Some(b) = existing.filter(|b| b.image_mime.is_some()) {
                    img.preview src={ "/banner-image/" (b.id) } alt="" width="240";
                    (checkbox(cx, "remove_image", Msg::RemoveImage, false))
                }
                (layout::file(cx, p, "image", Msg::Image))
                (input(cx, p, "starts_on", Msg::StartDate, "date", &d.starts_on, true))
                (input(cx, p, "ends_on", Msg::EndDate, "date", &d.ends_on, true))
                (checkbox(cx, "active", Msg::Active, d.active))
                p {
                    @if can_edit { button type="submit" { (cx.t(Msg::Save)) } " " }
                    a.button.secondary href="/banners" { (cx.t(Msg::Back)) }
                }
            }
            @if let Some(b) = existing.filter(|_| can_edit) {
                form method="post" action={ "/banners/" (b.id) "/delete" } {
                    (csrf(cx))
                    button.danger type="submit" data-confirm=(cx.t(Msg::ConfirmDelete)) { (cx.t(Msg::Delete)) }
                }
            }
        },
    )
}

pub async fn new_form(cx: Arc<Ctx>, _req: Req) -> Out {
    let today = cx.today();
    let d = BannerDraft {
        title: String::new(),
        text: String::new(),
        starts_on: today.to_string(),
        ends_on: today
            .checked_add(jiff::Span::new().days(30))
            .unwrap_or(today)
            .to_string(),
        active: true,
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, None, &d, &Problems::default()),
    ))
}

async fn save(cx: Arc<Ctx>, req: Req, id: Option<u64>) -> Out {
    let f = &req.form;
    let d = BannerDraft {
        title: f.get("title").into(),
        text: f.get("text").into(),
        starts_on: f.get("starts_on").into(),
        ends_on: f.get("ends_on").into(),
        active: f.checked("active"),
    };
    let mut p = Problems::default();
    let image = match f.file("image") {
        Some(bytes) => match banner::check_image("image", bytes.to_vec(), &mut p) {
            Some(img) => ImageChange::Replace(img),
            None => ImageChange::Keep,
        },
        None if f.checked("remove_image") => ImageChange::Remove,
        None => ImageChange::Keep,
    };
    match crate::ops::installation::save_banner(&cx.app, &cx.by(), id, d.clone(), image, p).await {
        Ok(_) => Ok(http::redirect("/banners?notice=saved")),
        Err(Error::Invalid(p)) => {
            let existing = match id {
                Some(id) => {
                    cx.app
                        .store
                        .read_async(move |r| r.get::<Banner>(id))
                        .await?
                }
                None => None,
            };
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&cx, existing.as_ref(), &d, &p),
            ))
        }
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

pub async fn edit_form(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let b = cx
        .app
        .store
        .read_async(move |r| r.get::<Banner>(id))
        .await?
        .ok_or(WebError::NotFound)?;
    let d = BannerDraft {
        title: b.title.clone(),
        text: b.text.clone(),
        starts_on: b.starts_on.to_string(),
        ends_on: b.ends_on.to_string(),
        active: b.active,
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, Some(&b), &d, &Problems::default()),
    ))
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    crate::ops::installation::delete_banner(&cx.app, &cx.by(), id).await?;
    Ok(http::redirect("/banners?notice=deleted"))
}

/// Public: the login page shows the current banner's image before anyone signs in. Only the
/// banner shown today is served this way.
pub async fn image(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let today = cx.today();
    let signed_in = cx.can(Menu::Banners, Level::View);
    let (b, bytes) = cx
        .app
        .store
        .read_async(move |r| {
            Ok::<_, crate::store::StoreError>((
                r.get::<Banner>(id)?,
                r.blob(&banner::image_key(id))?,
            ))
        })
        .await?;
    match (b, bytes) {
        (Some(b), Some(bytes)) if signed_in || b.shown_on(today) => Ok(http::bytes(
            StatusCode::OK,
            b.image_mime
                .as_deref()
                .unwrap_or("application/octet-stream"),
            bytes,
        )),
        _ => Err(WebError::NotFound),
    }
}
