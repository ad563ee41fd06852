//! The host's document renderer (attestation plugins only): describe a
//! document, the host lays it out on A4 pages in the État's visual style and
//! returns a tagged, accessible PDF.
//!
//! ```
//! use guichet_plugin_sdk::document::Document;
//!
//! let document = Document::new("Attestation de dépôt")
//!     .header_line("Préfecture du Rhône")
//!     .heading("Dossier n° 42")
//!     .paragraph("Votre dossier a été accepté.")
//!     .key_values([("Déposé le", "1er décembre 2026")])
//!     .qr_code("https://guichet.example/verification/abc", "guichet.example/verification/abc")
//!     .footer("Document généré par guichet");
//! assert_eq!(document.body.len(), 4);
//! ```

use crate::PluginError;

/// A raster image: PNG or JPEG bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// `image/png` or `image/jpeg`.
    pub media_type: String,
    pub data: Vec<u8>,
    /// French alternative text read by screen readers; empty marks the image
    /// as decorative.
    pub alt: String,
    /// Width on the page in millimetres; the height keeps the ratio.
    pub width_mm: u32,
}

impl Image {
    pub fn png(data: Vec<u8>, alt: impl Into<String>, width_mm: u32) -> Self {
        Image { media_type: "image/png".to_owned(), data, alt: alt.into(), width_mm }
    }

    pub fn jpeg(data: Vec<u8>, alt: impl Into<String>, width_mm: u32) -> Self {
        Image { media_type: "image/jpeg".to_owned(), data, alt: alt.into(), width_mm }
    }
}

/// A QR code the host draws, with a legend under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrCode {
    /// What the code encodes, usually a verification URL.
    pub data: String,
    /// Text printed under the code (for example the URL itself).
    pub legend: String,
}

/// One block of the body, laid out top to bottom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A section heading.
    Heading(String),
    /// A paragraph of plain text; `\n` starts a new line.
    Paragraph(String),
    /// A two-column table of labels and values.
    KeyValues(Vec<(String, String)>),
    Image(Image),
    QrCode(QrCode),
    /// Vertical space, in millimetres.
    Spacer(u32),
}

/// A document to render. [`Document::new`] then the builder methods, which
/// append to the body in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Printed at the top and recorded as the PDF title.
    pub title: String,
    /// BCP 47 language of the text, `fr-FR` by default.
    pub lang: String,
    /// Printed at the top left of the first page.
    pub logo: Option<Image>,
    /// Lines printed at the top right (service name, address, date).
    pub header_lines: Vec<String>,
    pub body: Vec<Block>,
    /// Printed after the body, aligned right.
    pub signature: Option<Image>,
    /// Printed at the bottom of every page, with the page number.
    pub footer: String,
}

impl Document {
    /// An empty French document titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        Document {
            title: title.into(),
            lang: "fr-FR".to_owned(),
            logo: None,
            header_lines: Vec::new(),
            body: Vec::new(),
            signature: None,
            footer: String::new(),
        }
    }

    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = lang.into();
        self
    }

    pub fn logo(mut self, logo: Option<Image>) -> Self {
        self.logo = logo;
        self
    }

    pub fn header_line(mut self, line: impl Into<String>) -> Self {
        self.header_lines.push(line.into());
        self
    }

    pub fn signature(mut self, signature: Option<Image>) -> Self {
        self.signature = signature;
        self
    }

    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = footer.into();
        self
    }

    pub fn block(mut self, block: Block) -> Self {
        self.body.push(block);
        self
    }

    pub fn heading(self, text: impl Into<String>) -> Self {
        self.block(Block::Heading(text.into()))
    }

    pub fn paragraph(self, text: impl Into<String>) -> Self {
        self.block(Block::Paragraph(text.into()))
    }

    pub fn key_values<K: Into<String>, V: Into<String>>(self, rows: impl IntoIterator<Item = (K, V)>) -> Self {
        self.block(Block::KeyValues(rows.into_iter().map(|(k, v)| (k.into(), v.into())).collect()))
    }

    pub fn image(self, image: Image) -> Self {
        self.block(Block::Image(image))
    }

    pub fn qr_code(self, data: impl Into<String>, legend: impl Into<String>) -> Self {
        self.block(Block::QrCode(QrCode { data: data.into(), legend: legend.into() }))
    }

    pub fn spacer(self, millimetres: u32) -> Self {
        self.block(Block::Spacer(millimetres))
    }
}

/// Renders `document` as a PDF through the host (world `attestation-plugin`
/// only). `InvalidInput` when an image cannot be decoded or the document
/// exceeds the host's caps.
///
/// Natively (unit tests) there is no renderer: this answers
/// `Err(Internal(..))` unless the test installed one with
/// [`testing::on_render_pdf`](crate::testing::on_render_pdf).
pub fn render_pdf(document: &Document) -> Result<Vec<u8>, PluginError> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::glue::attestation::render_pdf(document)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::render_pdf(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_appends_blocks_in_order() {
        let document = Document::new("T")
            .lang("en-GB")
            .logo(Some(Image::png(vec![1], "Logo", 30)))
            .header_line("a")
            .header_line("b")
            .heading("h")
            .spacer(5)
            .image(Image::jpeg(vec![2], "", 10))
            .signature(None)
            .footer("f");
        assert_eq!(document.lang, "en-GB");
        assert_eq!(document.header_lines, ["a", "b"]);
        assert_eq!(document.body[0], Block::Heading("h".to_owned()));
        assert_eq!(document.body[1], Block::Spacer(5));
        assert!(matches!(&document.body[2], Block::Image(image) if image.media_type == "image/jpeg"));
        assert_eq!(document.logo.map(|l| l.media_type), Some("image/png".to_owned()));
    }

    #[test]
    fn natively_there_is_no_renderer() {
        assert!(matches!(render_pdf(&Document::new("T")), Err(PluginError::Internal(_))));
    }
}
