//! The host's document renderer behind `guichet:plugin/document@0.2.0`:
//! attestation plugins describe a document ([`Document`]) and
//! [`render_pdf`] lays it out on A4 pages in a sober État style and returns a
//! tagged PDF/UA-1 file (language, title, headings, paragraphs, tables,
//! alternative texts; footers as artifacts).
//!
//! Pure: no I/O, fonts compiled in; the same document gives the same bytes
//! (no timestamp; the document id is a hash of the content). Every input is
//! bounded by [`limits`] and refused with a typed [`DocumentError`]; no input
//! panics.

mod emit;
mod error;
mod fonts;
mod images;
mod layout;
pub mod limits;
mod model;
mod qr;
mod wrap;

pub use error::DocumentError;
pub use model::{Block, Document, Image, QrCode};

/// The language when the document gives none (the WIT default).
pub const DEFAULT_LANG: &str = "fr-FR";

/// Renders `doc` as an A4 PDF/UA-1 document.
pub fn render_pdf(doc: &Document) -> Result<Vec<u8>, DocumentError> {
    limits::check(doc)?;
    let fonts = fonts::fonts()?;
    let title = fonts.clean(&doc.title).trim().to_owned();
    if title.is_empty() {
        return Err(DocumentError::InvalidInput("title is empty (PDF/UA requires a document title)".to_owned()));
    }
    let lang = lang(&doc.lang)?;
    let layout = layout::lay_out(fonts, doc)?;
    emit::emit(fonts, &layout, &emit::Meta { title: &title, lang: &lang })
}

/// Whether `image` would be drawn: its media type, its bytes and its pixel
/// size pass the checks [`render_pdf`] applies. Lets the host refuse an
/// uploaded logo at once instead of failing every later attestation.
pub fn check_image(image: &Image) -> Result<(), DocumentError> {
    if image.data.len() > limits::MAX_IMAGE_BYTES {
        return Err(DocumentError::InvalidImage {
            image: "image".to_owned(),
            reason: format!("{} bytes, more than {}", image.data.len(), limits::MAX_IMAGE_BYTES),
        });
    }
    images::prepare(image, "image", f32::MAX, f32::MAX).map(|_| ())
}

/// Checks the BCP 47 shape (`fr`, `fr-FR`, `br-Latn-FR`…): ASCII letters
/// and digits in subtags of 1 to 8, the first alphabetic.
fn lang(lang: &str) -> Result<String, DocumentError> {
    let lang = lang.trim();
    if lang.is_empty() {
        return Ok(DEFAULT_LANG.to_owned());
    }
    let mut subtags = lang.split('-');
    let primary_ok =
        subtags.next().is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok = subtags.all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary_ok && rest_ok {
        Ok(lang.to_owned())
    } else {
        Err(DocumentError::InvalidInput(format!("lang {lang:?} is not a BCP 47 language tag")))
    }
}
