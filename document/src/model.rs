//! The document description, mirroring the WIT records of
//! `guichet:plugin/document@0.2.0` one to one so that the host converts its
//! generated bindings field by field.

/// A raster image: PNG or JPEG bytes (WIT `image`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Image {
    /// `image/png` or `image/jpeg`.
    pub media_type: String,
    pub data: Vec<u8>,
    /// French alternative text read by screen readers; empty marks the image
    /// as decorative (tagged as an artifact).
    pub alt: String,
    /// Width on the page in millimetres; the height keeps the ratio.
    pub width_mm: u32,
}

/// A QR code drawn by the renderer, with a legend under it (WIT `qr-code`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QrCode {
    /// What the code encodes, usually a verification URL.
    pub data: String,
    /// Text printed under the code; also the code's alternative text.
    pub legend: String,
}

/// One block of the body, laid out top to bottom (WIT `block`).
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

/// A document to render (WIT `document`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    /// Printed at the top and recorded as the PDF title.
    pub title: String,
    /// BCP 47 language of the text; empty means `fr-FR`.
    pub lang: String,
    /// Printed at the top left of the first page.
    pub logo: Option<Image>,
    /// Printed at the top right of the first page.
    pub header_lines: Vec<String>,
    pub body: Vec<Block>,
    /// Printed after the body, aligned right.
    pub signature: Option<Image>,
    /// Printed at the bottom of every page, with the page number.
    pub footer: String,
}
