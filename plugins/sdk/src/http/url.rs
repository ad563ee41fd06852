//! URLs: split into what `wasi:http` wants, and percent-encoding of query
//! parameters and path segments.

use super::HttpError;

/// The longest URL accepted (8 KiB): what common servers accept, and a bound
/// on what a plugin may build from usager input.
pub const MAX_URL_BYTES: usize = 8 * 1024;

/// A URL split the way `wasi:http` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// `host` or `host:port`.
    pub authority: String,
    /// `/path?query`, `/` at least.
    pub path_with_query: String,
}

/// Splits an absolute `http(s)://authority/path?query` URL (a fragment is
/// dropped). Refuses other schemes, user info, empty hosts and characters
/// that have no place in a URL (spaces, controls: encode them first).
pub fn parse_url(url: &str) -> Result<Target, HttpError> {
    let invalid = |what: &str| HttpError::InvalidRequest(format!("URL {what}"));
    if url.len() > MAX_URL_BYTES {
        return Err(invalid("too long"));
    }
    if url.bytes().any(|b| b <= b' ' || b >= 0x7f) {
        return Err(invalid("holds spaces, controls or non-ASCII characters"));
    }
    let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
        (true, rest)
    } else if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
        (false, rest)
    } else {
        return Err(invalid("scheme is not http or https"));
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    if authority.is_empty() || authority.starts_with(':') {
        return Err(invalid("has no host"));
    }
    if authority.contains('@') {
        return Err(invalid("holds user info"));
    }
    let path_with_query = match path.as_bytes().first() {
        None => "/".to_owned(),
        Some(b'?') => format!("/{path}"),
        Some(_) => path.to_owned(),
    };
    Ok(Target { https, authority: authority.to_ascii_lowercase(), path_with_query })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) { text.get(prefix.len()..) } else { None }
}

/// `a=1&b=x%20y`: each name and value percent-encoded (RFC 3986 unreserved
/// characters kept, spaces as `%20`).
pub fn encode_query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, name);
        out.push('=');
        encode_into(&mut out, value);
    }
    out
}

/// One path segment percent-encoded (`/` included, and the dot segments
/// `.` and `..`), so that usager input cannot reach another path.
pub fn encode_path_segment(segment: &str) -> String {
    match segment {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => {
            let mut out = String::new();
            encode_into(&mut out, segment);
            out
        }
    }
}

fn encode_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(https: bool, authority: &str, path: &str) -> Target {
        Target { https, authority: authority.to_owned(), path_with_query: path.to_owned() }
    }

    #[test]
    fn splits_urls() {
        assert_eq!(
            parse_url("https://entreprise.api.gouv.fr/v3/x?a=1#frag"),
            Ok(target(true, "entreprise.api.gouv.fr", "/v3/x?a=1"))
        );
        assert_eq!(parse_url("HTTP://Local:8080"), Ok(target(false, "local:8080", "/")));
        assert_eq!(parse_url("https://a.example?q=1"), Ok(target(true, "a.example", "/?q=1")));
    }

    #[test]
    fn refuses_bad_urls() {
        for url in ["ftp://a/", "https://", "https://:80/", "https://u@a/", "https://a/b c", "/relative", "https://a/é"]
        {
            assert!(matches!(parse_url(url), Err(HttpError::InvalidRequest(_))), "{url}");
        }
        assert!(parse_url(&format!("https://a/{}", "x".repeat(MAX_URL_BYTES))).is_err());
    }

    #[test]
    fn percent_encodes() {
        assert_eq!(encode_query(&[("q", "8 bd du Port"), ("limit", "5")]), "q=8%20bd%20du%20Port&limit=5");
        assert_eq!(encode_query(&[("q", "é&=/?#+")]), "q=%C3%A9%26%3D%2F%3F%23%2B");
        assert_eq!(encode_query(&[]), "");
        assert_eq!(encode_path_segment("../a b"), "..%2Fa%20b");
        assert_eq!(encode_path_segment(".."), "%2E%2E");
        assert_eq!(encode_path_segment("."), "%2E");
        assert_eq!(encode_path_segment("a.b"), "a.b");
    }
}
