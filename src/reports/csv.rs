//! CSV exports: UTF-8 with a byte-order mark (so Excel reads Mongolian text), RFC 4180 quoting,
//! and a guard against formula injection (a cell starting with = + - @, a tab or a carriage return
//! gets a leading ', as OWASP lists them).
//!
//! The first section's title is not written: a CSV starts with its header row, so that it
//! imports as a table; later sections follow a blank line and their title.
//!
//! Written in chunks handed to `out` as they fill, so a streamed HTTP body carries the file
//! while the store is still being read.

use super::{Cell, ReportError, Sink};

const CHUNK: usize = 64 * 1024;

pub struct CsvSink<F: FnMut(Vec<u8>) -> Result<(), ReportError>> {
    buf: Vec<u8>,
    exponent: u8,
    out: F,
    started: bool,
}

impl<F: FnMut(Vec<u8>) -> Result<(), ReportError>> CsvSink<F> {
    /// `exponent`: the currency's minor units per major unit as a power of ten; money is
    /// written in major units.
    pub fn new(exponent: u8, out: F) -> Self {
        let mut buf = Vec::with_capacity(CHUNK + 1024);
        buf.extend_from_slice("\u{feff}".as_bytes());
        CsvSink {
            buf,
            exponent,
            out,
            started: false,
        }
    }

    /// Hands over what is left.
    pub fn finish(mut self) -> Result<(), ReportError> {
        let rest = std::mem::take(&mut self.buf);
        if rest.is_empty() {
            Ok(())
        } else {
            (self.out)(rest)
        }
    }

    fn field(&mut self, s: &str) {
        // A spreadsheet skips a leading tab or CR and reads the formula behind it.
        let guarded = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
        if guarded || s.contains([',', '"', '\n', '\r']) {
            self.buf.push(b'"');
            if guarded {
                self.buf.push(b'\'');
            }
            for b in s.bytes() {
                if b == b'"' {
                    self.buf.push(b'"');
                }
                self.buf.push(b);
            }
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(s.as_bytes());
        }
    }

    fn line(&mut self, cells: impl IntoIterator<Item = String>) -> Result<(), ReportError> {
        for (i, c) in cells.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.field(&c);
        }
        self.buf.extend_from_slice(b"\r\n");
        self.started = true;
        if self.buf.len() >= CHUNK {
            let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + 1024));
            (self.out)(full)?;
        }
        Ok(())
    }

    fn cell(&self, c: &Cell) -> String {
        match c {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Money(m) => major(*m, self.exponent),
            Cell::Date(d) => d.to_string(),
            Cell::DateTime(t) => t.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// Minor units as a plain major-unit number, exactly: `350000` with exponent 2 → `3500.00`.
/// Negative amounts start with a minus sign, which is a number, not a formula: the injection
/// guard applies to text only.
pub fn major(minor: i64, exponent: u8) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10_u64.pow(u32::from(exponent));
    let abs = minor.unsigned_abs();
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = usize::from(exponent)
    )
}

impl<F: FnMut(Vec<u8>) -> Result<(), ReportError>> Sink for CsvSink<F> {
    fn section(&mut self, title: &str) -> Result<(), ReportError> {
        if !self.started {
            return Ok(());
        }
        self.buf.extend_from_slice(b"\r\n");
        self.line([title.to_string()])
    }

    fn header(&mut self, titles: &[&str]) -> Result<(), ReportError> {
        self.line(titles.iter().map(|s| s.to_string()))
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), ReportError> {
        let texts: Vec<String> = cells.iter().map(|c| self.cell(c)).collect();
        // Numbers are written raw (a negative amount is not a formula); text is guarded.
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            match c {
                Cell::Text(_) => self.field(&texts[i]),
                _ => self.buf.extend_from_slice(texts[i].as_bytes()),
            }
        }
        self.buf.extend_from_slice(b"\r\n");
        self.started = true;
        if self.buf.len() >= CHUNK {
            let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + 1024));
            (self.out)(full)?;
        }
        Ok(())
    }

    fn totals(&mut self, cells: &[Cell]) -> Result<(), ReportError> {
        self.row(cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(
        f: impl FnOnce(&mut CsvSink<&mut dyn FnMut(Vec<u8>) -> Result<(), ReportError>>),
    ) -> String {
        let mut out = Vec::new();
        let mut push = |b: Vec<u8>| {
            out.extend(b);
            Ok(())
        };
        let mut s = CsvSink::new(
            2,
            &mut push as &mut dyn FnMut(Vec<u8>) -> Result<(), ReportError>,
        );
        f(&mut s);
        s.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quotes_guards_formulas_and_keeps_numbers() {
        let s = csv(|s| {
            s.header(&["a", "b,c"]).unwrap();
            s.row(&[
                Cell::text("=1+1"),
                Cell::text("say \"hi\""),
                Cell::Money(-350_050),
                Cell::text("@x"),
                Cell::Int(-3),
                Cell::text("Бат"),
            ])
            .unwrap();
        });
        assert_eq!(
            s,
            "\u{feff}a,\"b,c\"\r\n\"'=1+1\",\"say \"\"hi\"\"\",-3500.50,\"'@x\",-3,Бат\r\n"
        );
        for (cell, written) in [
            ("\t=1+1", "\"'\t=1+1\""),
            ("\r=1+1", "\"'\r=1+1\""),
            ("+1", "\"'+1\""),
            ("-1", "\"'-1\""),
            ("a\t=1", "a\t=1"),
        ] {
            let s = csv(|s| s.row(&[Cell::text(cell)]).unwrap());
            assert_eq!(s, format!("\u{feff}{written}\r\n"), "{cell:?}");
        }
        assert_eq!(major(5, 2), "0.05");
        let s = csv(|s| {
            s.section("Customers").unwrap();
            s.header(&["a"]).unwrap();
            s.row(&[Cell::Int(1)]).unwrap();
            s.section("By kind").unwrap();
            s.header(&["b"]).unwrap();
        });
        assert_eq!(
            s, "\u{feff}a\r\n1\r\n\r\nBy kind\r\nb\r\n",
            "the file starts with its header; later sections keep their titles"
        );
        assert_eq!(major(-5, 2), "-0.05");
        assert_eq!(major(7, 0), "7");
    }
}
