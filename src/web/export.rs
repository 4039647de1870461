//! Exports as downloads: reports, shared by the Reports pages and `GET /api/v1/reports/*`,
//! a voucher batch's cards, and every list page ("Export" beside the list, [`List`]).
//!
//! Exports run on the blocking pool: CSV is written whole into a scratch file
//! (`web::download`) and streamed from there, Excel is written row by row into a
//! constant-memory workbook and sent when finished; neither waits on the client while holding a
//! thread or a read snapshot.

use crate::i18n::{Lang, Msg};
use crate::reports::{Cell, ReportError, Sink, Which, csv::CsvSink, xlsx::XlsxSink};
use crate::store::Read;
use crate::web::ctx::Ctx;
use crate::web::download;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Body, Req};
use hyper::body::Bytes;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use maud::{Markup, html};
use std::io::Write;

/// What an export walks into its sink: a report with its filters, or a batch's cards.
pub trait Rows: Send + 'static {
    /// The start of the download's file name.
    fn name(&self) -> String;
    fn run(&self, r: &Read, sink: &mut impl Sink) -> Result<(), ReportError>;
}

/// A report as the Reports pages and the API ask for it.
struct Report {
    which: Which,
    now: Timestamp,
    tz: TimeZone,
    lang: Lang,
}

impl Rows for Report {
    fn name(&self) -> String {
        self.which.name().to_string()
    }

    fn run(&self, r: &Read, sink: &mut impl Sink) -> Result<(), ReportError> {
        self.which.run(r, self.now, &self.tz, self.lang, sink)
    }
}

/// `?format=csv|xlsx` as a download; `None` for any other format.
pub async fn export(cx: &Ctx, which: Which, format: &str) -> Option<Out> {
    let report = Report {
        which,
        now: cx.now,
        tz: cx.tz.clone(),
        lang: cx.lang,
    };
    export_rows(cx, report, format).await
}

/// `rows` as a `csv` or `xlsx` download; `None` for any other format.
pub async fn export_rows(cx: &Ctx, rows: impl Rows, format: &str) -> Option<Out> {
    let store = cx.app.store.clone();
    let file_name = format!("{}-{}", rows.name(), cx.today());
    match format {
        "csv" => {
            let exponent = cx.settings.currency.exponent;
            let Some(slot) = download::slot() else {
                return Some(Err(WebError::Busy));
            };
            let dir = cx.app.data_dir.clone();
            let span = tracing::Span::current();
            let made = tokio::task::spawn_blocking(move || {
                let _g = span.enter();
                let file = download::scratch(&dir).map_err(ReportError::Export)?;
                let mut out = std::io::BufWriter::new(file);
                store.read(|r| {
                    let mut sink = CsvSink::new(exponent, |chunk: Vec<u8>| {
                        out.write_all(&chunk)
                            .map_err(|e| ReportError::Export(e.to_string()))
                    });
                    rows.run(r, &mut sink)?;
                    sink.finish()
                })?;
                out.into_inner()
                    .map_err(|e| ReportError::Export(e.error().to_string()))
            })
            .await;
            Some(match made {
                Ok(Ok(file)) => download::stream(file, slot)
                    .map(|body| {
                        http::attachment(
                            "text/csv; charset=utf-8",
                            &format!("{file_name}.csv"),
                            body,
                        )
                    })
                    .map_err(WebError::Internal),
                Ok(Err(e)) => Err(WebError::Internal(e.to_string())),
                Err(e) => Err(WebError::Internal(format!("export task failed: {e}"))),
            })
        }
        "xlsx" => {
            let currency = cx.settings.currency.clone();
            let span = tracing::Span::current();
            let made = tokio::task::spawn_blocking(move || {
                let _g = span.enter();
                let mut sink = XlsxSink::new(&currency)?;
                store.read(|r| rows.run(r, &mut sink))?;
                sink.finish()
            })
            .await;
            Some(match made {
                Ok(Ok(bytes)) => Ok(http::attachment(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &format!("{file_name}.xlsx"),
                    Body::Full(http_body_util::Full::new(Bytes::from(bytes))),
                )),
                Ok(Err(e)) => Err(WebError::Internal(e.to_string())),
                Err(e) => Err(WebError::Internal(format!("export task failed: {e}"))),
            })
        }
        _ => None,
    }
}

/// Rows a list export writes at most, as the voucher reports bound theirs: a list is read and
/// sorted in memory before it is written.
pub const MAX_LIST_ROWS: usize = 100_000;

/// Hands one row to the export; `false` once the bound is reached (the walk may stop).
pub type Emit<'a> = dyn FnMut(Vec<Cell>) -> Result<bool, ReportError> + 'a;

/// A list page as a download: the list's own filter over every page, one sheet whose header
/// row is the list's columns. One type for every list, so each page only says how to walk.
pub struct List<F> {
    /// The start of the file name.
    pub name: &'static str,
    /// The sheet's name in Excel (CSV has no title row: it would break importing).
    pub title: &'static str,
    pub header: Vec<&'static str>,
    pub walk: F,
}

impl<F> Rows for List<F>
where
    F: Fn(&Read, &mut Emit) -> Result<(), ReportError> + Send + 'static,
{
    fn name(&self) -> String {
        self.name.to_string()
    }

    fn run(&self, r: &Read, sink: &mut impl Sink) -> Result<(), ReportError> {
        sink.section(self.title)?;
        sink.header(&self.header)?;
        let mut written = 0;
        (self.walk)(r, &mut |cells| {
            if written >= MAX_LIST_ROWS {
                return Ok(false);
            }
            written += 1;
            sink.row(&cells)?;
            Ok(written < MAX_LIST_ROWS)
        })
    }
}

/// A list's export as `?format=csv|xlsx` (CSV when not given); 404 for another format.
pub async fn list<F>(cx: &Ctx, req: &Req, list: List<F>) -> Out
where
    F: Fn(&Read, &mut Emit) -> Result<(), ReportError> + Send + 'static,
{
    export_rows(cx, list, req.query("format").unwrap_or("csv"))
        .await
        .unwrap_or(Err(WebError::NotFound))
}

/// The "Export" links of a list: Excel and CSV at `path`, with the filters the list shows now.
pub fn links(cx: &Ctx, req: &Req, path: &str) -> Markup {
    let with = |format: &str| {
        let mut q: Vec<(&str, &str)> = req
            .query
            .iter()
            .filter(|(k, _)| !["format", "page", "per", "lang", "notice"].contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        q.push(("format", format));
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(q).unwrap_or_default()
        )
    };
    html! {
        span.export {
            span.muted { (cx.t(Msg::Export)) }
            a.button.secondary href=(with("xlsx")) download { (cx.t(Msg::ReportExcel)) }
            a.button.secondary href=(with("csv")) download { (cx.t(Msg::ReportCsv)) }
        }
    }
}

/// Customers' names by id, for lists that show whose a row is.
pub fn customer_names(
    r: &Read,
) -> Result<std::collections::HashMap<u64, String>, crate::store::StoreError> {
    use crate::store::Reader;
    Ok(r.list::<crate::billing::customer::Customer>()?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// A 1-based row number or an id as a spreadsheet number.
pub fn int(n: impl TryInto<i64>) -> Cell {
    Cell::Int(n.try_into().unwrap_or(i64::MAX))
}
