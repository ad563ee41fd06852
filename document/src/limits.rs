//! Caps on what a plugin may ask the renderer to do. The input comes from a
//! sandboxed guest, so each cap bounds the host's CPU, memory or output size
//! against a buggy or hostile plugin; real attestations stay far below them.

use crate::error::DocumentError;
use crate::model::{Block, Document};

/// Pages of output: bounds layout and serialisation time and the PDF size
/// (an attestation is one or two pages; 50 leaves room for annexes).
pub const MAX_PAGES: usize = 50;
/// Body blocks plus table rows plus header lines: bounds the structure tree
/// and per-item layout work independently of the text size.
pub const MAX_ITEMS: usize = 2_000;
/// UTF-8 bytes of all text (title, header lines, body, legends, alt texts,
/// footer): bounds shaping time and memory.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;
/// Lines the footer may wrap to: it is printed on every page, in a band
/// reserved at the bottom, so a long footer would eat every page's body.
pub const MAX_FOOTER_LINES: usize = 3;
/// Lines the header lines may wrap to: they sit beside the logo at the top
/// of the first page and must leave room for the title and the body.
pub const MAX_HEADER_LINES: usize = 12;
/// Images in the document (logo and signature included): bounds embedded
/// objects and decoding work.
pub const MAX_IMAGES: usize = 20;
/// Encoded bytes of one image: bounds what is copied into the PDF.
pub const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;
/// Encoded bytes of all images together: bounds the PDF size.
pub const MAX_TOTAL_IMAGE_BYTES: usize = 12 * 1024 * 1024;
/// Pixels (width × height) of one image, checked from the header BEFORE any
/// decoding: a few kilobytes of PNG can inflate to gigabytes (decompression
/// bomb). 8 Mpx is an A4 page scanned at 300 dpi.
pub const MAX_IMAGE_PIXELS: u64 = 8_000_000;
/// Pixels of the longest side of one image: rejects degenerate 1 × 8 000 000
/// strips that pass the pixel cap but make no sense on a page.
pub const MAX_IMAGE_SIDE: u32 = 10_000;
/// Bytes a QR code encodes: beyond this the modules get too small to scan at
/// the printed size (and encoding time grows).
pub const MAX_QR_DATA_BYTES: usize = 1_024;
/// Bytes of the language tag (BCP 47 tags are short; this bounds a string
/// copied into every structure element).
pub const MAX_LANG_BYTES: usize = 35;

/// Checks the caps that do not depend on layout; [`MAX_PAGES`] is checked
/// while laying out, so that an oversized document stops early.
pub(crate) fn check(doc: &Document) -> Result<(), DocumentError> {
    let mut items = doc.header_lines.len();
    let mut text = doc.title.len() + doc.lang.len() + doc.footer.len();
    text += doc.header_lines.iter().map(String::len).sum::<usize>();
    let mut images = Vec::new();
    images.extend(doc.logo.iter());
    images.extend(doc.signature.iter());
    for block in &doc.body {
        items += 1;
        match block {
            Block::Heading(t) | Block::Paragraph(t) => text += t.len(),
            Block::KeyValues(rows) => {
                items += rows.len();
                text += rows.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
            }
            Block::Image(image) => images.push(image),
            Block::QrCode(qr) => {
                text += qr.legend.len();
                cap("QR code data bytes", MAX_QR_DATA_BYTES, qr.data.len())?;
            }
            Block::Spacer(_) => {}
        }
    }
    text += images.iter().map(|i| i.alt.len()).sum::<usize>();
    cap("items (blocks, table rows, header lines)", MAX_ITEMS, items)?;
    cap("text bytes", MAX_TEXT_BYTES, text)?;
    cap("images", MAX_IMAGES, images.len())?;
    for image in &images {
        cap("bytes in one image", MAX_IMAGE_BYTES, image.data.len())?;
    }
    cap("image bytes", MAX_TOTAL_IMAGE_BYTES, images.iter().map(|i| i.data.len()).sum())?;
    cap("language tag bytes", MAX_LANG_BYTES, doc.lang.len())?;
    Ok(())
}

pub(crate) fn cap(what: &'static str, limit: usize, actual: usize) -> Result<(), DocumentError> {
    if actual > limit { Err(DocumentError::TooLarge { what, limit, actual }) } else { Ok(()) }
}
