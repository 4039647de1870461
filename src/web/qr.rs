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

/// A smaller SVG of `text` for pages of many codes (voucher cards): each run of dark modules
/// in a row is one relative stroke (`m dx dy h n`) instead of a square per module, under a third
/// of the bytes, so a thousand cards stay a few megabytes; error correction is raised above Low
/// wherever that costs no larger symbol.
pub fn compact_svg(text: &str) -> Option<String> {
    let segs = qrcodegen::QrSegment::make_segments(text);
    let qr = QrCode::encode_segments_advanced(
        &segs,
        QrCodeEcc::Low,
        qrcodegen::Version::MIN,
        qrcodegen::Version::MAX,
        None,
        true,
    )
    .ok()?;
    let size = qr.size();
    let side = size + 2 * BORDER;
    let mut path = String::with_capacity(usize::try_from(size * size).unwrap_or(0));
    // The pen after the last stroke, in module units; strokes run along y + ½.
    let mut pen: Option<(i32, i32)> = None;
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if !qr.get_module(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < size && qr.get_module(x, y) {
                x += 1;
            }
            let (ax, ay) = (start + BORDER, y + BORDER);
            let _ = match pen {
                None => write!(path, "M{ax} {ay}.5h{}", x - start),
                Some((px, py)) => write!(path, "m{} {}h{}", ax - px, ay - py, x - start),
            };
            pen = Some((x + BORDER, ay));
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
         shape-rendering=\"crispEdges\" role=\"img\" class=\"qr\">\
         <path d=\"{path}\" stroke=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::{BORDER, compact_svg, svg};
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

    /// Reads a compact path back into the set of dark modules it strokes.
    fn strokes(d: &str) -> std::collections::BTreeSet<(i32, i32)> {
        let mut out = std::collections::BTreeSet::new();
        let (mut x, mut y) = (0i32, 0i32);
        let nums = |s: &str| -> Vec<i32> {
            s.replace(".5", "")
                .split([' ', 'h'])
                .map(|n| n.parse().unwrap())
                .collect()
        };
        let mut cmds: Vec<String> = Vec::new();
        for c in d.chars() {
            if c == 'M' || c == 'm' {
                cmds.push(String::new());
            }
            cmds.last_mut().unwrap().push(c);
        }
        for cmd in cmds {
            let n = nums(&cmd[1..]);
            if cmd.starts_with('M') {
                (x, y) = (n[0], n[1]);
            } else {
                (x, y) = (x + n[0], y + n[1]);
            }
            for i in 0..n[2] {
                out.insert((x + i, y));
            }
            x += n[2];
        }
        out
    }

    #[test]
    fn the_compact_code_strokes_exactly_the_dark_modules() {
        let text = "http://hotspot.topnet.mn/login?username=TN7K9QX4AC&password=TN7K9QX4AC";
        let s = compact_svg(text).unwrap();
        let d = &s[s.find("d=\"").unwrap() + 3..];
        let d = &d[..d.find('"').unwrap()];
        let segs = qrcodegen::QrSegment::make_segments(text);
        let qr = QrCode::encode_segments_advanced(
            &segs,
            QrCodeEcc::Low,
            qrcodegen::Version::MIN,
            qrcodegen::Version::MAX,
            None,
            true,
        )
        .unwrap();
        let dark: std::collections::BTreeSet<(i32, i32)> = (0..qr.size())
            .flat_map(|y| (0..qr.size()).map(move |x| (x, y)))
            .filter(|&(x, y)| qr.get_module(x, y))
            .map(|(x, y)| (x + BORDER, y + BORDER))
            .collect();
        assert_eq!(strokes(d), dark);
        assert!(
            s.len() * 3 < svg(text).unwrap().len(),
            "{} bytes against {}",
            s.len(),
            svg(text).unwrap().len()
        );
    }
}
