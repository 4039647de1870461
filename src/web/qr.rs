//! QR codes drawn on the server as SVG: the pay page shows QPay's `qr_text` without any script
//! or remote image.

use qrcodegen::{QrCode, QrCodeEcc};
use std::fmt::Write;

/// Quiet zone around the code, in modules (the standard asks for four).
const BORDER: i32 = 4;

/// The SVG of `text` as a QR code; `None` if it is too long to encode.
pub fn svg(text: &str) -> Option<String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let side = size + 2 * BORDER;
    let mut path = String::with_capacity(usize::try_from(size * size * 4).unwrap_or(0));
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                let _ = write!(path, "M{},{}h1v1h-1z", x + BORDER, y + BORDER);
            }
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
         shape-rendering=\"crispEdges\" role=\"img\" class=\"qr\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::svg;
    use qrcodegen::{QrCode, QrCodeEcc};

    #[test]
    fn draws_every_dark_module_once_inside_the_quiet_zone() {
        let text = "0002010102121531279404962794049600022310027138152045734530349654031005802MN";
        let s = svg(text).unwrap();
        let qr = QrCode::encode_text(text, QrCodeEcc::Medium).unwrap();
        let dark = (0..qr.size())
            .flat_map(|y| (0..qr.size()).map(move |x| (x, y)))
            .filter(|&(x, y)| qr.get_module(x, y))
            .count();
        assert_eq!(s.matches("h1v1h-1z").count(), dark);
        let side = qr.size() + 8;
        assert!(s.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        assert!(s.contains("M4,4h1v1h-1z"), "the finder pattern's corner");
    }

    #[test]
    fn text_beyond_a_qr_code_is_refused() {
        assert_eq!(svg(&"x".repeat(5000)), None);
    }
}
