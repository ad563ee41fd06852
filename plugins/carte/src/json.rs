//! A strict JSON parser (RFC 8259) and the few writing helpers the plugin
//! needs, without serde: the component stays small and every limit is ours.
//!
//! Strict means: one value, no trailing text, no duplicate keys (two `type`
//! members would let two readers see two different geometries), no number
//! that overflows an `f64`, no lone surrogate.

/// Deeper nesting is refused before it can exhaust the plugin's stack. The
/// deepest GeoJSON we read (a MultiPolygon inside a Feature inside a
/// FeatureCollection) nests 8 levels; properties get a little slack.
pub const MAX_DEPTH: usize = 16;

/// Members of one object: the duplicate-key check is quadratic in them, and
/// no GeoJSON object needs more (a GIS export's attributes included).
pub const MAX_MEMBERS: usize = 1_000;

/// A parsed JSON value. Objects keep their members in the order written.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The member `key` of an object (keys are unique: the parser refuses
    /// duplicates).
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.as_object()?.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// Why and where (in characters from the start) a text is not JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub what: SyntaxProblem,
    pub offset: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyntaxProblem {
    Syntax,
    TooDeep,
    DuplicateKey,
    TooManyMembers,
    NumberOutOfRange,
}

/// Parses one JSON text surrounded by optional whitespace.
pub fn parse(text: &str) -> Result<Json, SyntaxError> {
    let mut parser = Parser { text, pos: 0, depth: 0 };
    parser.skip_whitespace();
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.pos != text.len() {
        return Err(parser.error(SyntaxProblem::Syntax));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, what: SyntaxProblem) -> SyntaxError {
        let offset = self.text.get(..self.pos).map_or(self.pos, |done| done.chars().count());
        SyntaxError { what, offset }
    }

    fn syntax(&self) -> SyntaxError {
        self.error(SyntaxProblem::Syntax)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Json, SyntaxError> {
        match self.peek() {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(Json::Number),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            _ => Err(self.syntax()),
        }
    }

    fn nested(&mut self, parse: fn(&mut Self) -> Result<Json, SyntaxError>) -> Result<Json, SyntaxError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(SyntaxProblem::TooDeep));
        }
        self.depth += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, SyntaxError> {
        if self.text.as_bytes().get(self.pos..).is_some_and(|rest| rest.starts_with(word.as_bytes())) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.syntax())
        }
    }

    fn object(&mut self) -> Result<Json, SyntaxError> {
        self.pos += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.syntax());
            }
            if members.len() == MAX_MEMBERS {
                return Err(self.error(SyntaxProblem::TooManyMembers));
            }
            let key_at = self.pos;
            let key = self.string()?;
            if members.iter().any(|(k, _)| *k == key) {
                self.pos = key_at;
                return Err(self.error(SyntaxProblem::DuplicateKey));
            }
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.syntax());
            }
            self.pos += 1;
            self.skip_whitespace();
            let value = self.value()?;
            members.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.syntax()),
            }
        }
    }

    fn array(&mut self) -> Result<Json, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.syntax()),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<f64, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.syntax()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.syntax());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.syntax());
            }
        }
        let literal = self.text.get(start..self.pos).ok_or_else(|| self.syntax())?;
        match literal.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => {
                self.pos = start;
                Err(self.error(SyntaxProblem::NumberOutOfRange))
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self.text.get(self.pos..self.pos + 4).ok_or_else(|| self.syntax())?;
        let code = u32::from_str_radix(digits, 16).map_err(|_| self.syntax())?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.syntax());
        }
        self.pos += 4;
        Ok(code)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = self.text.get(self.pos..).ok_or_else(|| self.syntax())?;
            let mut chars = rest.chars();
            let c = chars.next().ok_or_else(|| self.syntax())?;
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    self.pos += 1;
                    let escape = self.peek().ok_or_else(|| self.syntax())?;
                    self.pos += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                if self.text.as_bytes().get(self.pos..self.pos + 2) != Some(b"\\u".as_slice()) {
                                    return Err(self.syntax());
                                }
                                self.pos += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.syntax());
                                }
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                high
                            };
                            out.push(char::from_u32(code).ok_or_else(|| self.syntax())?);
                        }
                        _ => return Err(self.syntax()),
                    }
                }
                c if (c as u32) < 0x20 => return Err(self.syntax()),
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }
}

/// Appends `s` as a JSON string literal.
pub fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // U+2028/2029 are valid JSON but end lines in older JavaScript.
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str("\\u");
                let code = c as u32;
                for shift in [12, 8, 4, 0] {
                    out.push(char::from(b"0123456789abcdef"[((code >> shift) & 0xF) as usize]));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends an integer in decimal.
pub fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_uint(out, n.unsigned_abs());
}

pub fn push_uint(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &d in digits[..len].iter().rev() {
        out.push(char::from(d));
    }
}

/// Appends `scaled / 10^decimals` in decimal, without trailing zeros after
/// the point (`12345, 2` → `123.45`, `1200, 2` → `12`). Exact: no float
/// formatting involved.
pub fn push_fixed(out: &mut String, scaled: i64, decimals: u32) {
    let unit = 10u64.pow(decimals);
    if scaled < 0 {
        out.push('-');
    }
    let magnitude = scaled.unsigned_abs();
    push_uint(out, magnitude / unit);
    let mut fraction = magnitude % unit;
    if fraction == 0 {
        return;
    }
    let mut width = decimals;
    while fraction.is_multiple_of(10) {
        fraction /= 10;
        width -= 1;
    }
    out.push('.');
    let mut digits = String::new();
    push_uint(&mut digits, fraction);
    for _ in digits.len()..width as usize {
        out.push('0');
    }
    out.push_str(&digits);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> SyntaxProblem {
        parse(text).unwrap_err().what
    }

    #[test]
    fn parses_every_kind_of_value() {
        let value = parse(r#" {"a": [1, -2.5e1, true, false, null], "b": "x\u00e9\ud83d\ude00\n"} "#).unwrap();
        assert_eq!(
            value.get("a").unwrap().as_array().unwrap(),
            &[Json::Number(1.0), Json::Number(-25.0), Json::Bool(true), Json::Bool(false), Json::Null]
        );
        assert_eq!(value.get("b").unwrap().as_str(), Some("xé😀\n"));
        assert_eq!(value.get("c"), None);
    }

    #[test]
    fn refuses_what_rfc_8259_refuses() {
        for text in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "'a'",
            "\"\u{1}\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "\"\\u12g4\"",
            "[1] 2",
            "nul",
            "{a:1}",
            "NaN",
            "Infinity",
        ] {
            assert_eq!(problem(text), SyntaxProblem::Syntax, "{text:?}");
        }
    }

    #[test]
    fn refuses_duplicate_keys_overflowing_numbers_and_deep_nesting() {
        let duplicate = parse(r#"{"type":"Point","type":"Polygon"}"#).unwrap_err();
        assert_eq!(duplicate, SyntaxError { what: SyntaxProblem::DuplicateKey, offset: 16 });
        assert_eq!(problem("[1e400]"), SyntaxProblem::NumberOutOfRange);
        let members = |n: usize| format!("{{{}}}", (0..n).map(|i| format!("\"k{i}\":0")).collect::<Vec<_>>().join(","));
        assert!(parse(&members(MAX_MEMBERS)).is_ok());
        assert_eq!(problem(&members(MAX_MEMBERS + 1)), SyntaxProblem::TooManyMembers);
        assert_eq!(problem(&"[".repeat(MAX_DEPTH + 1)), SyntaxProblem::TooDeep);
        let deepest = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&deepest).is_ok());
    }

    #[test]
    fn error_offsets_count_characters() {
        assert_eq!(parse("[\"é\" x]").unwrap_err().offset, 5);
    }

    #[test]
    fn writes_strings_and_numbers_exactly() {
        let mut out = String::new();
        push_string(&mut out, "a\"b\\c\nd\u{1}\u{2028}é");
        assert_eq!(out, r#""a\"b\\c\nd\u0001\u2028é""#);
        assert_eq!(parse(&out).unwrap().as_str(), Some("a\"b\\c\nd\u{1}\u{2028}é"));

        let fixed = |n, d| {
            let mut s = String::new();
            push_fixed(&mut s, n, d);
            s
        };
        assert_eq!(fixed(38_796_000, 7), "3.8796");
        assert_eq!(fixed(-617_259_001, 7), "-61.7259001");
        assert_eq!(fixed(5, 7), "0.0000005");
        assert_eq!(fixed(-1_800_000_000, 7), "-180");
        assert_eq!(fixed(0, 2), "0");
        let mut s = String::new();
        push_int(&mut s, i64::MIN);
        assert_eq!(s, "-9223372036854775808");
    }
}
