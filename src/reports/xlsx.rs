//! Excel exports with `rust_xlsxwriter` in constant-memory mode: each sheet's rows go to a
//! temporary file as they are written, so a large export does not hold its rows in memory.
//! Money cells are real numbers in major units with the currency's number format, dates are
//! real dates, the header row is bold and frozen, and totals rows are bold.
//!
//! The only floating point of the money path is here, at the very edge: minor units become an
//! `f64` of major units as the cell is written.

use super::{Cell, ReportError, Sink};
use crate::i18n::format::Currency;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

fn err(e: XlsxError) -> ReportError {
    ReportError::Export(e.to_string())
}

pub struct XlsxSink {
    book: Workbook,
    sheet: Option<usize>,
    sheets: usize,
    row: u32,
    scale: f64,
    money: Format,
    money_bold: Format,
    date: Format,
    datetime: Format,
    bold: Format,
    used_names: Vec<String>,
}

/// The Excel number format for the currency: `#,##0.00 "₮"` for two decimals.
pub fn money_format(c: &Currency) -> String {
    let mut f = String::from("#,##0");
    if c.exponent > 0 {
        f.push('.');
        f.extend(std::iter::repeat_n('0', usize::from(c.exponent)));
    }
    if !c.symbol.is_empty() {
        f.push_str(&format!(" \"{}\"", c.symbol.replace('"', "")));
    }
    f
}

impl XlsxSink {
    pub fn new(currency: &Currency) -> Result<XlsxSink, ReportError> {
        let nf = money_format(currency);
        Ok(XlsxSink {
            book: Workbook::new(),
            sheet: None,
            sheets: 0,
            row: 0,
            scale: 10_f64.powi(i32::from(currency.exponent)),
            money: Format::new().set_num_format(&nf),
            money_bold: Format::new().set_num_format(&nf).set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            bold: Format::new().set_bold(),
            used_names: Vec::new(),
        })
    }

    /// The finished workbook's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, ReportError> {
        if self.sheet.is_none() {
            self.book.add_worksheet();
        }
        self.book.save_to_buffer().map_err(err)
    }

    fn write(&mut self, cells: &[Cell], bold: bool) -> Result<(), ReportError> {
        if self.sheet.is_none() {
            self.section("Sheet")?;
        }
        let idx = self.sheet.unwrap_or(0);
        let (row, scale) = (self.row, self.scale);
        let ws = self.book.worksheet_from_index(idx).map_err(err)?;
        for (i, c) in cells.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            match c {
                Cell::Text(s) if bold => ws
                    .write_string_with_format(row, col, s, &self.bold)
                    .map(|_| ()),
                Cell::Text(s) => ws.write_string(row, col, s).map(|_| ()),
                Cell::Int(n) if bold => ws
                    .write_number_with_format(row, col, *n as f64, &self.bold)
                    .map(|_| ()),
                Cell::Int(n) => ws.write_number(row, col, *n as f64).map(|_| ()),
                Cell::Money(m) => {
                    let f = if bold { &self.money_bold } else { &self.money };
                    ws.write_number_with_format(row, col, *m as f64 / scale, f)
                        .map(|_| ())
                }
                Cell::Date(d) => {
                    let x = date(d.year(), d.month(), d.day()).map_err(err)?;
                    ws.write_datetime_with_format(row, col, &x, &self.date)
                        .map(|_| ())
                }
                Cell::DateTime(t) => {
                    let x = date(t.year(), t.month(), t.day())
                        .and_then(|x| {
                            x.and_hms(
                                u16::try_from(t.hour()).unwrap_or(0),
                                u8::try_from(t.minute()).unwrap_or(0),
                                u8::try_from(t.second()).unwrap_or(0),
                            )
                        })
                        .map_err(err)?;
                    ws.write_datetime_with_format(row, col, &x, &self.datetime)
                        .map(|_| ())
                }
                Cell::Empty => Ok(()),
            }
            .map_err(err)?;
        }
        self.row += 1;
        Ok(())
    }
}

fn date(y: i16, m: i8, d: i8) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(y).unwrap_or(1900),
        u8::try_from(m).unwrap_or(1),
        u8::try_from(d).unwrap_or(1),
    )
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(title: &str, used: &[String]) -> String {
    let base: String = title
        .chars()
        .filter(|c| !"[]:*?/\\'".contains(*c))
        .take(28)
        .collect();
    let base = if base.trim().is_empty() {
        "Sheet".to_string()
    } else {
        base
    };
    let mut name = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

impl Sink for XlsxSink {
    fn section(&mut self, title: &str) -> Result<(), ReportError> {
        let name = sheet_name(title, &self.used_names);
        let ws = self
            .book
            .add_worksheet_with_constant_memory()
            .map_err(err)?;
        ws.set_name(&name).map_err(err)?;
        self.used_names.push(name);
        self.sheet = Some(self.sheets);
        self.sheets += 1;
        self.row = 0;
        Ok(())
    }

    fn header(&mut self, titles: &[&str]) -> Result<(), ReportError> {
        if self.sheet.is_none() {
            self.section("Sheet")?;
        }
        let idx = self.sheet.unwrap_or(0);
        let row = self.row;
        let ws = self.book.worksheet_from_index(idx).map_err(err)?;
        for (i, t) in titles.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            let width = (t.chars().count() + 4).clamp(12, 40);
            ws.set_column_width(col, u32::try_from(width).unwrap_or(12))
                .map_err(err)?;
            ws.write_string_with_format(row, col, *t, &self.bold)
                .map_err(err)?;
        }
        ws.set_freeze_panes(row + 1, 0).map_err(err)?;
        self.row += 1;
        Ok(())
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), ReportError> {
        self.write(cells, false)
    }

    fn totals(&mut self, cells: &[Cell]) -> Result<(), ReportError> {
        self.write(cells, true)
    }
}
