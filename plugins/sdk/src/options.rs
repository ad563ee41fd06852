//! The champ options: the JSON object the administrateur set (`{}` when
//! there are none), read through a small JSON parser of our own.
//!
//! Why not serde_json: most plugins read no option or a handful of scalars,
//! and the parser here costs a few KiB of WebAssembly, only in plugins that
//! read an option (the text is parsed on the first getter call, never
//! otherwise). See the SDK's README for the measurements.

use crate::PluginError;
use std::cell::OnceCell;

/// The champ options the administrateur set: a JSON object, `{}` when there
/// are none. The host checks that it is an object before calling the plugin.
///
/// The text is parsed on the first getter call and kept. Keys a plugin does
/// not know must be ignored (a newer version of the plugin may have set
/// them), and a key set to `null` counts as absent. Getters answer
/// [`PluginError::Misconfigured`] when a key holds the wrong type, so `?`
/// reports the administrateur's mistake, and [`PluginError::InvalidInput`]
/// when the text is not a JSON object (a host bug).
///
/// ```
/// use guichet_plugin_sdk::Options;
///
/// let options = Options::new(r#"{"pays": "FR", "strict": true}"#);
/// assert_eq!(options.get_str("pays")?, Some("FR"));
/// assert_eq!(options.get_bool("strict")?, Some(true));
/// assert_eq!(options.get_i64("longueur")?, None);
/// assert!(options.get_i64("pays").is_err());
/// # Ok::<(), guichet_plugin_sdk::PluginError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    raw: String,
    parsed: OnceCell<Result<Value, PluginError>>,
}

impl Options {
    /// Options from their JSON text; also what a plugin's unit tests use.
    pub fn new(json: impl Into<String>) -> Self {
        Options { raw: json.into(), parsed: OnceCell::new() }
    }

    /// The JSON text as the host sent it, to hand to a parser of your choice.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The whole object deserialized into `T` with serde_json, for options
    /// richer than flat scalars (a mapping table, a list of objects).
    /// `Misconfigured` when it does not fit `T`: the administrateur's
    /// options are wrong. Costs serde_json in the component (about 30 KiB);
    /// the getters below do not.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, PluginError> {
        serde_json::from_str(&self.raw)
            .map_err(|error| PluginError::Misconfigured(format!("options do not have the expected shape: {error}")))
    }

    /// Every key of the object with its value, in the order written.
    pub fn entries(&self) -> Result<&[(String, Value)], PluginError> {
        // Not `OnceCell::get_or_init`: its reentrancy panic would pull the
        // panic machinery (about 20 KiB) into every plugin reading options.
        if self.parsed.get().is_none() {
            let parsed = match parse(&self.raw) {
                Ok(value @ Value::Object(_)) => Ok(value),
                Ok(_) => Err(PluginError::invalid_input("options are not a JSON object")),
                Err(error) => {
                    Err(PluginError::InvalidInput(concat(&["options are not valid JSON: ", &error.describe()])))
                }
            };
            let _ = self.parsed.set(parsed);
        }
        match self.parsed.get() {
            Some(Ok(Value::Object(entries))) => Ok(entries),
            Some(Err(error)) => Err(error.clone()),
            Some(Ok(_)) | None => Err(PluginError::internal("options were not kept")),
        }
    }

    /// The value of `key`, `None` when absent or `null`. When a key appears
    /// twice, the last one wins.
    pub fn get(&self, key: &str) -> Result<Option<&Value>, PluginError> {
        Ok(self.entries()?.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v).filter(|v| !v.is_null()))
    }

    /// The string option `key`.
    pub fn get_str(&self, key: &str) -> Result<Option<&str>, PluginError> {
        self.typed(key, "a string", Value::as_str)
    }

    /// The boolean option `key`.
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>, PluginError> {
        self.typed(key, "a boolean", Value::as_bool)
    }

    /// The integer option `key` (written without fraction nor exponent, and
    /// fitting an `i64`).
    pub fn get_i64(&self, key: &str) -> Result<Option<i64>, PluginError> {
        self.typed(key, "an integer", Value::as_i64)
    }

    fn typed<'a, T>(
        &'a self,
        key: &str,
        expected: &str,
        convert: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, PluginError> {
        match self.get(key)? {
            None => Ok(None),
            Some(value) => match convert(value) {
                Some(converted) => Ok(Some(converted)),
                None => Err(PluginError::Misconfigured(concat(&[
                    "option `",
                    key,
                    "` must be ",
                    expected,
                    ", not ",
                    value.kind(),
                ]))),
            },
        }
    }
}

/// No options: `{}`.
impl Default for Options {
    fn default() -> Self {
        Options::new("{}")
    }
}

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number as written (for example `-1.5e3`): convert it with
    /// [`Value::as_i64`] or [`Value::as_f64`], or parse it yourself.
    Number(String),
    String(String),
    Array(Vec<Value>),
    /// The members in the order written, duplicates included.
    Object(Vec<(String, Value)>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// An integer number that fits an `i64` (`12`, `-3`; not `1.0`, `1e2`).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// The member `key` of an object (the last one when repeated).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Where and why a text is not JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SyntaxError {
    what: &'static str,
    offset: usize,
}

impl SyntaxError {
    /// "expected `:` at byte 12". Built without `core::fmt`, like every
    /// message of this module, so that reading options does not pull the
    /// formatting machinery into the component.
    fn describe(&self) -> String {
        let mut out = concat(&[self.what, " at byte "]);
        push_decimal(&mut out, self.offset);
        out
    }
}

fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Deeper nesting is refused rather than risking the plugin's stack.
const MAX_DEPTH: usize = 128;

/// Parses one JSON text (RFC 8259), surrounded by optional whitespace.
fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut parser = Parser { text, pos: 0, depth: 0 };
    parser.skip_whitespace();
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.pos != text.len() {
        return Err(parser.error("trailing characters"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError { what, offset: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Whether the rest of the text starts with `prefix`.
    fn at(&self, prefix: &str) -> bool {
        self.text.as_bytes().get(self.pos..).is_some_and(|rest| rest.starts_with(prefix.as_bytes()))
    }

    /// `text[start..self.pos]`. The parser only cuts before or after ASCII
    /// bytes, so this never fails; `get` rather than indexing keeps the
    /// parser free of panics (and of the panic machinery).
    fn since(&self, start: usize) -> Result<&str, SyntaxError> {
        self.text.get(start..self.pos).ok_or_else(|| self.error("not at a character boundary"))
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), SyntaxError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    fn value(&mut self) -> Result<Value, SyntaxError> {
        match self.peek() {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(|n| Value::Number(n.to_owned())),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end")),
        }
    }

    fn nested(&mut self, parse: fn(&mut Self) -> Result<Value, SyntaxError>) -> Result<Value, SyntaxError> {
        if self.depth == MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.depth += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn literal(&mut self, word: &'static str, value: Value) -> Result<Value, SyntaxError> {
        if self.at(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn object(&mut self) -> Result<Value, SyntaxError> {
        self.pos += 1; // {
        let mut entries = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(entries));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            self.expect(b':', "expected `:`")?;
            self.skip_whitespace();
            let value = self.value()?;
            entries.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(entries));
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, SyntaxError> {
        self.pos += 1; // [
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn number(&mut self) -> Result<&str, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit"));
            }
            self.digits();
        }
        self.since(start)
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1; // "
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    out.push_str(self.since(run)?);
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    // Runs are cut at ASCII bytes only, so they stay UTF-8.
                    out.push_str(self.since(run)?);
                    self.pos += 1;
                    out.push(self.escape()?);
                    run = self.pos;
                }
                Some(0..0x20) => return Err(self.error("control character in string")),
                Some(_) => self.pos += 1,
            }
        }
    }

    /// After a backslash.
    fn escape(&mut self) -> Result<char, SyntaxError> {
        let Some(byte) = self.peek() else {
            return Err(self.error("unterminated string"));
        };
        self.pos += 1;
        Ok(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                let code = match first {
                    0xD800..=0xDBFF => {
                        if !self.at("\\u") {
                            return Err(self.error("lone surrogate"));
                        }
                        self.pos += 2;
                        let second = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(self.error("lone surrogate"));
                        }
                        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(self.error("lone surrogate")),
                    _ => first,
                };
                char::from_u32(code).ok_or_else(|| self.error("invalid code point"))?
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("invalid escape"));
            }
        })
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self.text.as_bytes().get(self.pos..self.pos + 4).ok_or_else(|| self.error("short \\u escape"))?;
        let mut code = 0;
        for &digit in digits {
            let nibble = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                b'A'..=b'F' => digit - b'A' + 10,
                _ => return Err(self.error("invalid \\u escape")),
            };
            code = code * 16 + u32::from(nibble);
        }
        self.pos += 4;
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(entries: &[(&str, Value)]) -> Value {
        Value::Object(entries.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
    }

    fn number(text: &str) -> Value {
        Value::Number(text.to_owned())
    }

    fn string(text: &str) -> Value {
        Value::String(text.to_owned())
    }

    #[test]
    fn parses_every_kind_of_value() {
        let text = r#" {"a": null, "b": [true, false, -0, 12.5e-3, 7E+2], "c": {"d": "e"}, "f": []} "#;
        let expected = object(&[
            ("a", Value::Null),
            (
                "b",
                Value::Array(vec![
                    Value::Bool(true),
                    Value::Bool(false),
                    number("-0"),
                    number("12.5e-3"),
                    number("7E+2"),
                ]),
            ),
            ("c", object(&[("d", string("e"))])),
            ("f", Value::Array(vec![])),
        ]);
        assert_eq!(parse(text), Ok(expected));
        assert_eq!(parse("{}"), Ok(Value::Object(vec![])));
        assert_eq!(parse("\t\r\n\"x\"\n"), Ok(string("x")));
    }

    #[test]
    fn decodes_string_escapes() {
        assert_eq!(parse(r#""a\"b\\c\/d\b\f\n\r\t""#), Ok(string("a\"b\\c/d\u{8}\u{c}\n\r\t")));
        assert_eq!(parse(r#""\u00e9t\u00C9 \ud83d\udca5""#), Ok(string("étÉ 💥")));
        assert_eq!(parse("\"déjà vu 💥\""), Ok(string("déjà vu 💥")));
    }

    #[test]
    fn refuses_what_is_not_json() {
        let refused = [
            ("", "unexpected end"),
            ("{", "expected a string key"),
            ("{\"a\"}", "expected `:`"),
            ("{\"a\":1,}", "expected a string key"),
            ("{'a':1}", "expected a string key"),
            ("{\"a\":1 \"b\":2}", "expected `,` or `}`"),
            ("[1,]", "expected a value"),
            ("[1 2]", "expected `,` or `]`"),
            ("{} {}", "trailing characters"),
            ("01", "trailing characters"),
            ("1.", "expected a digit"),
            ("-", "expected a digit"),
            ("1e", "expected a digit"),
            (".5", "expected a value"),
            ("tru", "expected a value"),
            ("NaN", "expected a value"),
            ("\"abc", "unterminated string"),
            ("\"a\nb\"", "control character in string"),
            (r#""\x""#, "invalid escape"),
            (r#""\u12xy""#, "invalid \\u escape"),
            (r#""\u12"#, "short \\u escape"),
            (r#""\ud83d""#, "lone surrogate"),
            (r#""\ud83d\u0041""#, "lone surrogate"),
            (r#""\udca5""#, "lone surrogate"),
        ];
        for (text, what) in refused {
            assert_eq!(parse(text).map_err(|e| e.what), Err(what), "{text:?}");
        }
        assert_eq!(parse("[1,]"), Err(SyntaxError { what: "expected a value", offset: 3 }));
        assert_eq!(SyntaxError { what: "expected `:`", offset: 1207 }.describe(), "expected `:` at byte 1207");
        assert_eq!(SyntaxError { what: "x", offset: 0 }.describe(), "x at byte 0");
    }

    #[test]
    fn caps_the_nesting_depth() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&deep(MAX_DEPTH)).is_ok());
        assert_eq!(parse(&deep(MAX_DEPTH + 1)).map_err(|e| e.what), Err("nested too deeply"));
        assert!(parse(&"[".repeat(1 << 18)).is_err());
    }

    #[test]
    fn value_accessors() {
        assert_eq!(number("12").as_i64(), Some(12));
        assert_eq!(number("-12").as_i64(), Some(-12));
        assert_eq!(number("1.0").as_i64(), None);
        assert_eq!(number("99999999999999999999").as_i64(), None);
        assert_eq!(number("1.5e1").as_f64(), Some(15.0));
        assert_eq!(string("x").as_str(), Some("x"));
        assert_eq!(string("x").as_bool(), None);
        assert_eq!(Value::Array(vec![Value::Null]).as_array().map(<[Value]>::len), Some(1));
        let object = object(&[("k", number("1")), ("k", number("2"))]);
        assert_eq!(object.get("k"), Some(&number("2")));
        assert_eq!(object.get("absent"), None);
        assert_eq!(string("x").get("k"), None);
    }

    #[test]
    fn options_getters() {
        let options = Options::new(r#"{"pays": "FR", "strict": true, "longueur": 14, "vide": null, "x": 1, "x": 2}"#);
        assert_eq!(options.get_str("pays"), Ok(Some("FR")));
        assert_eq!(options.get_bool("strict"), Ok(Some(true)));
        assert_eq!(options.get_i64("longueur"), Ok(Some(14)));
        assert_eq!(options.get_i64("x"), Ok(Some(2)));
        assert_eq!(options.get("vide"), Ok(None));
        assert_eq!(options.get_str("vide"), Ok(None));
        assert_eq!(options.get_str("absente"), Ok(None));
        assert_eq!(
            options.get_str("longueur"),
            Err(PluginError::Misconfigured("option `longueur` must be a string, not a number".to_owned()))
        );
        assert_eq!(
            options.get_bool("pays"),
            Err(PluginError::Misconfigured("option `pays` must be a boolean, not a string".to_owned()))
        );
        assert_eq!(options.entries().map(<[_]>::len), Ok(6));
        assert_eq!(options.as_str(), r#"{"pays": "FR", "strict": true, "longueur": 14, "vide": null, "x": 1, "x": 2}"#);
    }

    #[test]
    fn options_parse_into_serde_types() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Table {
            champ: u64,
            groupes: Vec<(String, u64)>,
        }
        let options = Options::new(r#"{"champ": 7, "groupes": [["69", 1], ["01", 2]], "autre": null}"#);
        assert_eq!(
            options.parse::<Table>(),
            Ok(Table { champ: 7, groupes: vec![("69".to_owned(), 1), ("01".to_owned(), 2)] })
        );
        assert!(matches!(Options::new(r#"{"champ": "x"}"#).parse::<Table>(), Err(PluginError::Misconfigured(_))));
    }

    #[test]
    fn options_must_be_an_object() {
        assert_eq!(Options::new("{}").get_str("a"), Ok(None));
        assert_eq!(Options::default().get_str("a"), Ok(None));
        assert_eq!(Options::default().as_str(), "{}");
        assert_eq!(
            Options::new("[]").get_str("a"),
            Err(PluginError::InvalidInput("options are not a JSON object".to_owned()))
        );
        assert_eq!(
            Options::new("{").entries(),
            Err(PluginError::InvalidInput("options are not valid JSON: expected a string key at byte 1".to_owned()))
        );
    }
}
