//! Health check, embedded assets, the logo, and the plain message page.

use crate::settings::{self, LOGO_KEY};
use crate::store::Reader;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req, Resp};
use crate::web::layout;
use hyper::StatusCode;
use hyper::header::{CACHE_CONTROL, HeaderValue};
use maud::html;
use std::sync::Arc;

pub async fn healthz(_cx: Arc<Ctx>, _req: Req) -> Out {
    Ok(http::text(StatusCode::OK, "ok"))
}

const STYLE: &str = include_str!("../assets/style.css");
const APP_JS: &str = include_str!("../assets/app.js");

pub async fn asset(_cx: Arc<Ctx>, req: Req) -> Out {
    let (ctype, body) = match req.param(0) {
        "style.css" => ("text/css; charset=utf-8", STYLE),
        "app.js" => ("text/javascript; charset=utf-8", APP_JS),
        _ => return Err(WebError::NotFound),
    };
    let mut r = http::bytes(StatusCode::OK, ctype, body);
    r.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(r)
}

pub async fn logo(cx: Arc<Ctx>, _req: Req) -> Out {
    let bytes = cx.app.store.read_async(|r| r.blob(LOGO_KEY)).await?;
    let s = cx.app.store.read_async(settings::load).await?;
    match (bytes, s.logo_mime) {
        (Some(b), Some(mime)) => Ok(http::bytes(StatusCode::OK, &mime, b)),
        _ => Err(WebError::NotFound),
    }
}

/// A page with one message, inside the layout when someone is signed in.
pub fn message_page(cx: &Ctx, status: StatusCode, text: &str) -> Resp {
    let title = cx.t(crate::i18n::Msg::ErrorTitle);
    let body = html! { p.error { (text) } p { a href="/" { "←" } } };
    let page = if cx.user.is_some() {
        layout::page(cx, title, body)
    } else {
        layout::bare_page(cx, title, body)
    };
    http::html(status, page)
}
