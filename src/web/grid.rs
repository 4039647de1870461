//! Pieces of the compact list grid (the look is `grid` in style.css): a row count above a
//! list, and long text cut to one line with the whole of it in a tooltip, so every row stays
//! one line high and a table fits the screen instead of scrolling sideways.

use crate::i18n::Msg;
use crate::web::ctx::Ctx;
use maud::{Markup, html};

/// "Total: 31" above a list (or a group of it).
pub fn count(cx: &Ctx, n: usize) -> Markup {
    html! { p.count.muted { (cx.t(Msg::Total)) ": " (cx.number(i64::try_from(n).unwrap_or(i64::MAX))) } }
}

/// Text that may be long (a note, a reason, names): one line, cut with "…", whole on hover.
pub fn clip(text: &str) -> Markup {
    html! { span.clip title=(text) { (text) } }
}
