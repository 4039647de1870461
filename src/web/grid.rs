//! Pieces of the compact list grid (the look is `grid` in style.css): a row count above a
//! list, and long text cut to one line with the whole of it in a tooltip, so every row stays
//! one line high and a table fits the screen instead of scrolling sideways.

use crate::i18n::Msg;
use crate::web::ctx::Ctx;
use crate::web::http::Req;
use maud::{Markup, html};

/// "Total: 31" above a list (or a group of it).
pub fn count(cx: &Ctx, n: usize) -> Markup {
    html! { p.count.muted { (cx.t(Msg::Total)) ": " (cx.number(i64::try_from(n).unwrap_or(i64::MAX))) } }
}

/// Text that may be long (a note, a reason, names): one line, cut with "…", whole on hover.
pub fn clip(text: &str) -> Markup {
    html! { span.clip title=(text) { (text) } }
}

/// The request's query without its page, notice and `drop`, encoded with a trailing `&`
/// when not empty: for links to the same list, filtered alike.
pub fn query_except(req: &Req, drop: &[&str]) -> String {
    let q: Vec<(&str, &str)> = req
        .query
        .iter()
        .filter(|(k, _)| k != "page" && k != "notice" && !drop.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    match serde_urlencoded::to_string(q).unwrap_or_default() {
        s if s.is_empty() => s,
        s => s + "&",
    }
}

/// The page asked for, from 1; a page past the last simply shows nothing.
pub fn page_number(req: &Req) -> usize {
    req.query("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000)
}

/// Links to the previous and next page, keeping the other query parameters: "Page 2 of 7"
/// when the count is known, else "Page 2" with a next link while `more` rows follow.
pub fn pager(cx: &Ctx, req: &Req, current: usize, pages: Option<usize>, more: bool) -> Markup {
    let link = |n: usize| format!("{}?{}page={n}", req.path, query_except(req, &[]));
    let more = more || pages.is_some_and(|p| current < p);
    html! {
        @if current > 1 || more {
            p.pager.no-print {
                @if current > 1 { a href=(link(current - 1)) { "← " (cx.t(Msg::Previous)) } " " }
                @match pages {
                    Some(pages) => (cx.f(Msg::PageOf, &[&current, &pages])),
                    None => (cx.f(Msg::PageN, &[&current])),
                }
                @if more { " " a href=(link(current + 1)) { (cx.t(Msg::Next)) " →" } }
            }
        }
    }
}

/// The page numbers a pager links for `current` of `pages`: the first, the last and three
/// either side of the current one, `None` where a run is left out. A list of 50,000 has 1,000
/// pages; linking each would make the pager the biggest part of the page.
pub fn page_window(current: usize, pages: usize) -> Vec<Option<usize>> {
    let near = |p: usize| p == 1 || p == pages || p.abs_diff(current) <= 3;
    let mut out = Vec::with_capacity(11);
    for p in 1..=pages {
        if near(p) {
            out.push(Some(p));
        } else if out.last().is_some_and(Option::is_some) {
            out.push(None);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::page_window;

    #[test]
    fn a_pager_links_the_ends_and_the_pages_near_the_current_one() {
        let w = |c, n| {
            page_window(c, n)
                .iter()
                .map(|p| p.map_or("…".to_string(), |p| p.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(w(1, 1), "1");
        assert_eq!(w(2, 5), "1 2 3 4 5");
        assert_eq!(w(1, 1000), "1 2 3 4 … 1000");
        assert_eq!(w(500, 1000), "1 … 497 498 499 500 501 502 503 … 1000");
        assert_eq!(w(1000, 1000), "1 … 997 998 999 1000");
        assert_eq!(w(5, 9), "1 2 3 4 5 6 7 8 9");
    }
}
