//! Excel exports, written here rather than by a workbook library: an .xlsx file is a zip of a
//! few XML parts, and what the reports need of it — text, numbers, dates, a bold frozen header,
//! bold totals, column widths, one sheet per section — is a small subset. Each sheet's XML is
//! deflated as its rows arrive, so an export holds its compressed sheets, never its rows.
//!
//! Money needs no floating point even here: a cell's value is decimal text, written from the
//! integer minor units ("3500.00"), and the currency's number format shows it.

use super::{Cell, ReportError, Sink};
use crate::i18n::format::Currency;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use std::io::Write;

/// Style indexes of `styles.xml`'s `cellXfs`.
const BOLD: u8 = 1;
const MONEY: u8 = 2;
const MONEY_BOLD: u8 = 3;
const DATE: u8 = 4;
const DATETIME: u8 = 5;

fn io(e: std::io::Error) -> ReportError {
    ReportError::Export(e.to_string())
}

/// The Excel number format for the currency: `#,##0 "₮"` for tögrög, `#,##0.00 "$"` for a
/// currency shown with cents (the cell keeps every minor digit either way).
pub fn money_format(c: &Currency) -> String {
    let mut f = String::from("#,##0");
    if c.shown_decimals() > 0 {
        f.push('.');
        f.extend(std::iter::repeat_n('0', usize::from(c.shown_decimals())));
    }
    if !c.symbol.is_empty() {
        f.push_str(&format!(" \"{}\"", c.symbol.replace('"', "")));
    }
    f
}

/// One zip entry being written: deflated as it goes, with its CRC and length.
struct Part {
    name: String,
    data: DeflateEncoder<Vec<u8>>,
    crc: flate2::Crc,
}

impl Part {
    fn new(name: String) -> Part {
        Part {
            name,
            data: DeflateEncoder::new(Vec::new(), Compression::fast()),
            crc: flate2::Crc::new(),
        }
    }

    fn put(&mut self, s: &str) -> Result<(), ReportError> {
        self.crc.update(s.as_bytes());
        self.data.write_all(s.as_bytes()).map_err(io)
    }
}

struct Sheet {
    name: String,
    part: Part,
    /// `<sheetData>` has begun (columns and the frozen header are written before it).
    open: bool,
    row: u32,
}

pub struct XlsxSink {
    sheets: Vec<Sheet>,
    exponent: u8,
    money_format: String,
}

/// `&`, `<`, `>` and `"` escaped, and the control characters XML 1.0 forbids dropped.
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
}

/// `A`, `B`, … `Z`, `AA`, … for a zero-based column.
fn column(mut i: usize, out: &mut String) {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + u8::try_from(i % 26).unwrap_or(0)));
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.extend(letters.iter().rev());
}

/// Days from Excel's epoch (1899-12-30, which absorbs its 1900 leap-year bug for every date
/// after February 1900) to `d`.
fn serial(d: jiff::civil::Date) -> i64 {
    let epoch = jiff::civil::date(1899, 12, 30);
    d.since(epoch).map_or(0, |s| i64::from(s.get_days()))
}

/// A day and time as Excel's serial number, its fraction to ten decimals in integer arithmetic.
fn serial_time(t: jiff::civil::DateTime) -> String {
    let secs = i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
    format!(
        "{}.{:010}",
        serial(t.date()),
        secs * 10_000_000_000 / 86_400
    )
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(title: &str, used: &[Sheet]) -> String {
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
    while used.iter().any(|u| u.name.eq_ignore_ascii_case(&name)) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

const SHEET_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">";

impl XlsxSink {
    pub fn new(currency: &Currency) -> Result<XlsxSink, ReportError> {
        Ok(XlsxSink {
            sheets: Vec::new(),
            exponent: currency.exponent,
            money_format: money_format(currency),
        })
    }

    fn sheet(&mut self) -> Result<&mut Sheet, ReportError> {
        if self.sheets.is_empty() {
            self.section("Sheet")?;
        }
        let last = self.sheets.len() - 1;
        Ok(&mut self.sheets[last])
    }

    /// Starts `<sheetData>` if the header did not.
    fn open(sheet: &mut Sheet) -> Result<(), ReportError> {
        if !sheet.open {
            sheet.open = true;
            sheet.part.put("<sheetData>")?;
        }
        Ok(())
    }

    fn write(&mut self, cells: &[Cell], bold: bool) -> Result<(), ReportError> {
        let exponent = self.exponent;
        let sheet = self.sheet()?;
        Self::open(sheet)?;
        sheet.row += 1;
        let row = sheet.row;
        let mut x = format!("<row r=\"{row}\">");
        for (i, c) in cells.iter().enumerate() {
            let (style, value, text) = match c {
                Cell::Empty => continue,
                Cell::Text(s) => (bold.then_some(BOLD), String::new(), Some(s.as_str())),
                Cell::Int(n) => (bold.then_some(BOLD), n.to_string(), None),
                Cell::Money(m) => (
                    Some(if bold { MONEY_BOLD } else { MONEY }),
                    super::csv::major(*m, exponent),
                    None,
                ),
                Cell::Date(d) => (Some(DATE), serial(*d).to_string(), None),
                Cell::DateTime(t) => (Some(DATETIME), serial_time(*t), None),
            };
            x.push_str("<c r=\"");
            column(i, &mut x);
            x.push_str(&row.to_string());
            x.push('"');
            if let Some(s) = style {
                x.push_str(&format!(" s=\"{s}\""));
            }
            match text {
                Some(t) => {
                    x.push_str(" t=\"inlineStr\"><is><t xml:space=\"preserve\">");
                    escape(t, &mut x);
                    x.push_str("</t></is></c>");
                }
                None => {
                    x.push_str("><v>");
                    x.push_str(&value);
                    x.push_str("</v></c>");
                }
            }
        }
        x.push_str("</row>");
        sheet.part.put(&x)
    }

    /// The finished workbook's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, ReportError> {
        self.sheet()?;
        let mut parts = Vec::new();
        let mut workbook = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>",
        );
        let mut rels = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        );
        let mut types = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
        );
        for (i, mut s) in std::mem::take(&mut self.sheets).into_iter().enumerate() {
            let n = i + 1;
            Self::open(&mut s)?;
            s.part.put("</sheetData></worksheet>")?;
            workbook.push_str("<sheet name=\"");
            escape(&s.name, &mut workbook);
            workbook.push_str(&format!("\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"));
            rels.push_str(&format!(
                "<Relationship Id=\"rId{n}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
            ));
            types.push_str(&format!(
                "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            ));
            parts.push(s.part);
        }
        let count = parts.len();
        workbook.push_str("</sheets></workbook>");
        rels.push_str(&format!(
            "<Relationship Id=\"rId{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>",
            count + 1
        ));
        types.push_str("</Types>");
        let mut money = String::new();
        escape(&self.money_format, &mut money);
        let styles = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
             <numFmts count=\"3\"><numFmt numFmtId=\"164\" formatCode=\"{money}\"/>\
             <numFmt numFmtId=\"165\" formatCode=\"yyyy-mm-dd\"/><numFmt numFmtId=\"166\" formatCode=\"yyyy-mm-dd hh:mm\"/></numFmts>\
             <fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>\
             <fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>\
             <borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
             <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
             <cellXfs count=\"6\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
             <xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>\
             <xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
             <xf numFmtId=\"164\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\" applyFont=\"1\"/>\
             <xf numFmtId=\"165\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
             <xf numFmtId=\"166\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/></cellXfs>\
             <cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles></styleSheet>"
        );
        let fixed = [
            ("[Content_Types].xml", types),
            (
                "_rels/.rels",
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
                 <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
                    .to_string(),
            ),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", rels),
            ("xl/styles.xml", styles),
        ];
        let mut all = Vec::with_capacity(fixed.len() + count);
        for (name, text) in fixed {
            let mut p = Part::new(name.to_string());
            p.put(&text)?;
            all.push(p);
        }
        for (i, mut p) in parts.into_iter().enumerate() {
            p.name = format!("xl/worksheets/sheet{}.xml", i + 1);
            all.push(p);
        }
        zip(all)
    }
}

fn le16(out: &mut Vec<u8>, v: usize) -> Result<(), ReportError> {
    let v = u16::try_from(v).map_err(|_| ReportError::Export("zip field too large".into()))?;
    out.extend_from_slice(&v.to_le_bytes());
    Ok(())
}

fn le32(out: &mut Vec<u8>, v: usize) -> Result<(), ReportError> {
    let v = u32::try_from(v).map_err(|_| ReportError::Export("export too large".into()))?;
    out.extend_from_slice(&v.to_le_bytes());
    Ok(())
}

/// The parts as a zip file (deflated, sizes known, no zip64: an export is far below 4 GB).
fn zip(parts: Vec<Part>) -> Result<Vec<u8>, ReportError> {
    // 1980-01-01 00:00 in MS-DOS time: the parts carry no meaningful time.
    const DOS_TIME: usize = 0;
    const DOS_DATE: usize = (1 << 5) | 1;
    let mut out = Vec::new();
    let mut central = Vec::new();
    let count = parts.len();
    for p in parts {
        let size = usize::try_from(p.crc.amount()).unwrap_or(usize::MAX);
        let crc = usize::try_from(p.crc.sum()).unwrap_or(0);
        let data = p.data.finish().map_err(io)?;
        let offset = out.len();
        for (head, sig) in [(&mut out, 0x0403_4b50usize), (&mut central, 0x0201_4b50)] {
            le32(head, sig)?;
            if sig == 0x0201_4b50 {
                le16(head, 20)?; // made by
            }
            le16(head, 20)?; // needed
            le16(head, 1 << 11)?; // UTF-8 names
            le16(head, 8)?; // deflate
            le16(head, DOS_TIME)?;
            le16(head, DOS_DATE)?;
            le32(head, crc)?;
            le32(head, data.len())?;
            le32(head, size)?;
            le16(head, p.name.len())?;
            le16(head, 0)?; // extra
            if sig == 0x0201_4b50 {
                le16(head, 0)?; // comment
                le16(head, 0)?; // disk
                le16(head, 0)?; // internal attributes
                le32(head, 0)?; // external attributes
                le32(head, offset)?;
            }
            head.extend_from_slice(p.name.as_bytes());
        }
        out.extend_from_slice(&data);
    }
    let (cd_offset, cd_size) = (out.len(), central.len());
    out.extend_from_slice(&central);
    le32(&mut out, 0x0605_4b50)?;
    le16(&mut out, 0)?;
    le16(&mut out, 0)?;
    le16(&mut out, count)?;
    le16(&mut out, count)?;
    le32(&mut out, cd_size)?;
    le32(&mut out, cd_offset)?;
    le16(&mut out, 0)?;
    Ok(out)
}

impl Sink for XlsxSink {
    fn section(&mut self, title: &str) -> Result<(), ReportError> {
        let name = sheet_name(title, &self.sheets);
        let mut part = Part::new(String::new());
        part.put(SHEET_START)?;
        self.sheets.push(Sheet {
            name,
            part,
            open: false,
            row: 0,
        });
        Ok(())
    }

    /// Bold titles, column widths from them, and the rows below frozen under them.
    fn header(&mut self, titles: &[&str]) -> Result<(), ReportError> {
        let sheet = self.sheet()?;
        if !sheet.open && sheet.row == 0 {
            let mut x = String::from(
                "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" \
                 activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews><cols>",
            );
            for (i, t) in titles.iter().enumerate() {
                let width = (t.chars().count() + 4).clamp(12, 40);
                x.push_str(&format!(
                    "<col min=\"{n}\" max=\"{n}\" width=\"{width}\" customWidth=\"1\"/>",
                    n = i + 1
                ));
            }
            x.push_str("</cols>");
            sheet.part.put(&x)?;
        }
        let cells: Vec<Cell> = titles.iter().map(|t| Cell::text(*t)).collect();
        self.write(&cells, true)
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), ReportError> {
        self.write(cells, false)
    }

    fn totals(&mut self, cells: &[Cell]) -> Result<(), ReportError> {
        self.write(cells, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn togrog_have_no_decimals_and_cents_do() {
        assert_eq!(money_format(&Currency::default()), "#,##0 \"₮\"");
        let usd = Currency {
            code: "USD".into(),
            symbol: "$".into(),
            exponent: 2,
        };
        assert_eq!(money_format(&usd), "#,##0.00 \"$\"");
    }

    #[test]
    fn money_dates_and_columns_are_exact() {
        assert_eq!(super::super::csv::major(-5, 2), "-0.05");
        assert_eq!(serial(jiff::civil::date(1900, 3, 1)), 61);
        assert_eq!(serial(jiff::civil::date(2026, 12, 3)), 46_359);
        let noon = jiff::civil::date(2026, 12, 3).at(12, 0, 0, 0);
        assert_eq!(serial_time(noon), "46359.5000000000");
        for (i, want) in [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")] {
            let mut s = String::new();
            column(i, &mut s);
            assert_eq!(s, want);
        }
        let mut s = String::new();
        escape("a<b>&\"c\u{1}", &mut s);
        assert_eq!(s, "a&lt;b&gt;&amp;&quot;c");
    }
}
