//! A report chosen by name with its filters, so the pages and the API hand one value to the
//! export download and it walks the store the same way whichever of them asked.

use super::customers::{self as crep, CustomerFilter};
use super::plans::{self as prep, ExtensionFilter};
use super::revenue::{self as rrep, Group, PaymentFilter};
use super::vouchers::{self as vrep, SalesFilter};
use super::{ReportError, Sink};
use crate::i18n::Lang;
use crate::store::Reader;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Which report to export, with its filters.
pub enum Which {
    Revenue(PaymentFilter, Group),
    Customers(CustomerFilter),
    Plans(ExtensionFilter),
    Vouchers(SalesFilter),
}

impl Which {
    /// The start of the download's file name.
    pub fn name(&self) -> &'static str {
        match self {
            Which::Revenue(..) => "revenue",
            Which::Customers(_) => "customers",
            Which::Plans(_) => "plans",
            Which::Vouchers(_) => "voucher-sales",
        }
    }

    /// Every row of the report into `sink`.
    pub fn run(
        &self,
        r: &impl Reader,
        now: Timestamp,
        tz: &TimeZone,
        lang: Lang,
        sink: &mut impl Sink,
    ) -> Result<(), ReportError> {
        match self {
            Which::Revenue(f, g) => rrep::export(r, f, *g, tz, lang, sink).map(|_| ()),
            Which::Customers(f) => crep::export(r, f, now, tz, lang, sink).map(|_| ()),
            Which::Plans(f) => prep::export(r, f, now, tz, lang, sink).map(|_| ()),
            Which::Vouchers(f) => vrep::export(r, f, now, tz, lang, sink).map(|_| ()),
        }
    }
}
