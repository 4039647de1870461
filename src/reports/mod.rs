//! Reports: revenue, customers and service packages, computed from the store.
//!
//! Why it exists: the operator's Reports menu shows the same figures on screen, as JSON, as
//! CSV and as Excel. Every format is fed by the one walk over the store in each report module,
//! so the numbers always agree. No hyper or maud here: the web layer renders what this returns,
//! and exports go through a [`Sink`] (see `csv.rs`, `xlsx.rs`) one row at a time, so an export
//! of half a million rows never holds them all in memory.

pub mod csv;
pub mod customers;
pub mod plans;
pub mod revenue;
pub mod vouchers;
mod which;
pub mod xlsx;

pub use which::Which;

use crate::store::StoreError;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// Rows shown on screen and in JSON; totals always cover every matching row.
pub const FIRST_PAGE: usize = 200;

/// Why a report or an export failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReportError {
    /// Reading the store failed.
    Store(StoreError),
    /// Writing the export failed (spreadsheet library, temporary file).
    Export(String),
    /// The receiver of a streamed export went away (the client disconnected).
    Closed,
}

impl From<StoreError> for ReportError {
    fn from(e: StoreError) -> Self {
        ReportError::Store(e)
    }
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportError::Store(e) => write!(f, "{e}"),
            ReportError::Export(m) => write!(f, "writing the export: {m}"),
            ReportError::Closed => write!(f, "the export's receiver went away"),
        }
    }
}

impl std::error::Error for ReportError {}

/// One typed cell of an exported row: spreadsheets get numbers and dates, not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Integer minor units of the configured currency.
    Money(i64),
    Date(Date),
    /// Wall-clock time in the display time zone.
    DateTime(DateTime),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
}

/// Where an export goes, one row at a time.
pub trait Sink {
    /// Starts a section (a new sheet in Excel; a blank line and a title in CSV).
    fn section(&mut self, title: &str) -> Result<(), ReportError>;
    /// The column titles of the current section.
    fn header(&mut self, titles: &[&str]) -> Result<(), ReportError>;
    fn row(&mut self, cells: &[Cell]) -> Result<(), ReportError>;
    /// A totals line (bold in Excel).
    fn totals(&mut self, cells: &[Cell]) -> Result<(), ReportError>;
}

/// Query parameters as a report reads them; the web layer implements it for requests.
pub trait Params {
    fn param(&self, key: &str) -> Option<&str>;

    /// The trimmed value, or "" when absent.
    fn text(&self, key: &str) -> String {
        self.param(key).unwrap_or("").trim().to_string()
    }
}

impl Params for [(&str, &str)] {
    fn param(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// The calendar day of `t` in the display zone.
pub fn day_of(t: Timestamp, tz: &TimeZone) -> Date {
    t.to_zoned_datetime(tz.clone()).date()
}

/// The wall-clock time of `t` in the display zone, to the second.
pub fn local(t: Timestamp, tz: &TimeZone) -> DateTime {
    let dt = t.to_zoned_datetime(tz.clone()).datetime();
    dt.with().subsec_nanosecond(0).build().unwrap_or(dt)
}

/// The first instant of `d` in the display zone.
pub fn start_of(d: Date, tz: &TimeZone) -> Option<Timestamp> {
    d.at(0, 0, 0, 0)
        .to_zoned_datetime(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// Whether `d` lies in the inclusive range (open ends allowed).
pub fn in_range(d: Date, from: Option<Date>, to: Option<Date>) -> bool {
    from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t)
}
