//! A small `multipart/form-data` parser for the two upload forms (banner image, logo). The body
//! is already bounded by the server's size limit, so parsing in memory is fine.

use super::http::Form;

pub fn parse(body: &[u8], boundary: &str) -> Result<Form, String> {
    if boundary.is_empty() || boundary.len() > 200 {
        return Err("multipart: bad boundary".into());
    }
    let delim = format!("--{boundary}");
    let mut form = Form::default();
    let mut rest = body;
    let start = find(rest, delim.as_bytes()).ok_or("multipart: no opening boundary")?;
    rest = &rest[start + delim.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Ok(form);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or("multipart: malformed boundary line")?;
        let head_end = find(rest, b"\r\n\r\n").ok_or("multipart: part without headers")?;
        let head =
            std::str::from_utf8(&rest[..head_end]).map_err(|_| "multipart: header not UTF-8")?;
        rest = &rest[head_end + 4..];
        let end_delim = format!("\r\n{delim}");
        let end = find(rest, end_delim.as_bytes()).ok_or("multipart: unterminated part")?;
        let data = &rest[..end];
        rest = &rest[end + end_delim.len()..];

        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .ok_or("multipart: part without content-disposition")?;
        let name = attr(disposition, "name").ok_or("multipart: part without name")?;
        if attr(disposition, "filename").is_some() {
            form.files.push((name, data.to_vec()));
        } else {
            let value =
                String::from_utf8(data.to_vec()).map_err(|_| "multipart: field not UTF-8")?;
            form.fields.push((name, value));
        }
    }
}

fn attr(disposition: &str, key: &str) -> Option<String> {
    disposition.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.eq_ignore_ascii_case(key)).then(|| v.trim_matches('"').to_string())
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello = world\r\n--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x00\x01\r\n--XyZ--\r\n";
        let f = parse(body, "XyZ").unwrap();
        assert_eq!(f.get("title"), "Hello = world");
        assert_eq!(f.file("image").unwrap(), b"\x89PNG\r\n\x00\x01");
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for body in [
            &b""[..],
            b"--X",
            b"--X\r\nno headers",
            b"--X\r\n\r\n\r\ndata",
        ] {
            assert!(parse(body, "X").is_err());
        }
    }
}
