//! The embedded fonts: DejaVu Sans and DejaVu Sans Bold (Bitstream Vera
//! licence, see `fonts/LICENSE`), compiled into the binary so that rendering
//! never depends on the machine's fonts.

use std::sync::LazyLock;

use krilla::text::Font;
use rustybuzz::{Face, UnicodeBuffer};

use crate::error::DocumentError;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Parsed once per process: parsing the tables costs more than laying out a
/// one-page attestation.
static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(Fonts::load);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

pub(crate) struct Fonts {
    regular: Face<'static>,
    bold: Face<'static>,
    regular_pdf: Font,
    bold_pdf: Font,
    replacement: char,
}

pub(crate) fn fonts() -> Result<&'static Fonts, DocumentError> {
    FONTS.as_ref().ok_or_else(|| DocumentError::Render("embedded fonts cannot be parsed".to_owned()))
}

impl Fonts {
    fn load() -> Option<Self> {
        let regular = Face::from_slice(REGULAR, 0)?;
        let bold = Face::from_slice(BOLD, 0)?;
        let replacement = if regular.glyph_index('\u{FFFD}').is_some() && bold.glyph_index('\u{FFFD}').is_some() {
            '\u{FFFD}'
        } else {
            '?'
        };
        Some(Self {
            regular,
            bold,
            regular_pdf: Font::new(REGULAR.into(), 0)?,
            bold_pdf: Font::new(BOLD.into(), 0)?,
            replacement,
        })
    }

    fn face(&self, weight: Weight) -> &Face<'static> {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    pub(crate) fn pdf_font(&self, weight: Weight) -> Font {
        match weight {
            Weight::Regular => self.regular_pdf.clone(),
            Weight::Bold => self.bold_pdf.clone(),
        }
    }

    /// Advance width of `text` on one line, in points, as the shaper that
    /// draws it computes it (kerning included).
    pub(crate) fn width(&self, text: &str, weight: Weight, size: f32) -> f32 {
        if text.is_empty() {
            return 0.0;
        }
        let face = self.face(weight);
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(face, &[], buffer);
        let advance: i64 = shaped.glyph_positions().iter().map(|p| i64::from(p.x_advance)).sum();
        advance as f32 * size / face.units_per_em().max(1) as f32
    }

    /// Makes `text` drawable on one line: PDF/UA forbids the `.notdef` glyph
    /// and invalid code point mappings, so characters neither font has become
    /// U+FFFD, invisible format characters and controls are dropped, and
    /// tabs and line breaks become spaces.
    pub(crate) fn clean(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push(' '),
                c if c.is_control() || is_invisible_format(c) => {}
                c if self.regular.glyph_index(c).is_some() && self.bold.glyph_index(c).is_some() => out.push(c),
                _ => out.push(self.replacement),
            }
        }
        out
    }
}

/// Zero-width and directional format characters (and the BOM/non-characters
/// the validator refuses) that fonts rarely map and that have no visible
/// form anyway.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}')
}
