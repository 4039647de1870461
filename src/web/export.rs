//! Exports as downloads: reports, shared by the Reports pages and `GET /api/v1/reports/*`, and
//! a voucher batch's cards.
//!
//! Exports run on the blocking pool: CSV is written whole into a scratch file
//! (`web::download`) and streamed from there, Excel is written row by row into a
//! constant-memory workbook and sent when finished; neither waits on the client while holding a
//! thread or a read snapshot.

use crate::i18n::Lang;
use crate::reports::{ReportError, Sink, Which, csv::CsvSink, xlsx::XlsxSink};
use crate::store::Read;
use crate::web::ctx::Ctx;
use crate::web::download;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Body};
use hyper::body::Bytes;
use jiff::Timestamp;
use jiff::tz::TimeZone;
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
