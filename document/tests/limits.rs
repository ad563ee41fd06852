//! Refusals and robustness: every cap refuses with a typed error, and no
//! input — random image bytes, huge strings, odd characters, extreme sizes —
//! panics.

#[path = "support/fixtures.rs"]
mod fixtures;

use fixtures::*;
use guichet_document::limits::{
    MAX_FOOTER_LINES, MAX_IMAGE_BYTES, MAX_IMAGES, MAX_ITEMS, MAX_PAGES, MAX_QR_DATA_BYTES, MAX_TEXT_BYTES,
};
use guichet_document::{Block, Document, DocumentError, Image, QrCode, render_pdf};

fn titled(body: Vec<Block>) -> Document {
    Document { title: "Attestation".into(), body, ..Document::default() }
}

fn too_large(result: Result<Vec<u8>, DocumentError>, what: &str) {
    match result {
        Err(DocumentError::TooLarge { what: w, limit, actual }) => {
            assert!(w.contains(what), "{w} instead of {what}");
            assert!(actual > limit);
        }
        other => panic!("expected TooLarge({what}), got {:?}", other.map(|b| b.len())),
    }
}

fn invalid_image(result: Result<Vec<u8>, DocumentError>) -> String {
    match result {
        Err(DocumentError::InvalidImage { image, reason }) => format!("{image}: {reason}"),
        other => panic!("expected InvalidImage, got {:?}", other.map(|b| b.len())),
    }
}

/// Deterministic pseudo-random bytes (xorshift): reproducible failures.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn image(media_type: &str, data: Vec<u8>) -> Image {
    Image { media_type: media_type.into(), data, alt: "Logo".into(), width_mm: 30 }
}

#[test]
fn empty_document_is_refused_for_lack_of_title() {
    let error = render_pdf(&Document::default()).unwrap_err();
    assert!(matches!(error, DocumentError::InvalidInput(_)), "{error:?}");
    assert!(error.to_string().contains("title"), "{error}");
    let blank = Document { title: " \u{200B}\n".into(), ..Document::default() };
    assert!(matches!(render_pdf(&blank), Err(DocumentError::InvalidInput(_))));
}

#[test]
fn malformed_language_is_refused() {
    for lang in ["fr_FR", "français", "f", "fr--FR", "x-toolongsubtag"] {
        let doc = Document { lang: lang.into(), ..titled(vec![]) };
        assert!(matches!(render_pdf(&doc), Err(DocumentError::InvalidInput(_))), "{lang:?}");
    }
    for lang in ["fr", "fr-FR", "br-Latn-FR", " en-GB "] {
        let doc = Document { lang: lang.into(), ..titled(vec![]) };
        assert!(render_pdf(&doc).is_ok(), "{lang:?}");
    }
}

#[test]
fn random_bytes_are_refused_as_images() {
    for seed in 0..64 {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(noise(seed, 200 + seed as usize * 37));
        let mut jpeg = vec![0xFF, 0xD8, 0xFF];
        jpeg.extend(noise(seed + 1000, 200 + seed as usize * 37));
        for (media_type, data) in [("image/png", png), ("image/jpeg", jpeg), ("image/png", noise(seed, 64))] {
            let doc = titled(vec![Block::Image(image(media_type, data))]);
            invalid_image(render_pdf(&doc));
        }
    }
}

#[test]
fn png_with_valid_header_and_corrupt_pixels_is_refused() {
    let mut png = png(40, 40);
    let len = png.len();
    // Corrupt the compressed pixel data, keep the header and the trailer.
    for byte in &mut png[45..len - 20] {
        *byte ^= 0x5A;
    }
    let reason = invalid_image(render_pdf(&titled(vec![Block::Image(image("image/png", png))])));
    assert!(reason.contains("body[0]") || reason.contains('#'), "{reason}");
}

#[test]
fn decompression_bomb_is_refused_from_the_header() {
    // A 30 000 × 30 000 PNG header: 900 Mpx, 3.6 GB decoded.
    let mut bomb = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    bomb.extend(30_000u32.to_be_bytes());
    bomb.extend(30_000u32.to_be_bytes());
    bomb.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    bomb.extend(noise(7, 100));
    let reason = invalid_image(render_pdf(&titled(vec![Block::Image(image("image/png", bomb))])));
    assert!(reason.contains("30000×30000"), "{reason}");
    // The same for a JPEG frame header (SOF0) claiming 12 000 × 12 000.
    let mut jpeg = jpeg(16, 16);
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0x2E, 0xE0, 0x2E, 0xE0]);
    let reason = invalid_image(render_pdf(&titled(vec![Block::Image(image("image/jpeg", jpeg))])));
    assert!(reason.contains("12000×12000"), "{reason}");
}

#[test]
fn wrong_media_type_and_zero_width_are_refused() {
    let doc = titled(vec![Block::Image(image("image/gif", png(8, 8)))]);
    assert!(invalid_image(render_pdf(&doc)).contains("unsupported media type"));
    let doc = titled(vec![Block::Image(image("image/jpeg", png(8, 8)))]);
    assert!(invalid_image(render_pdf(&doc)).contains("not a JPEG"));
    let mut zero = image("image/png", png(8, 8));
    zero.width_mm = 0;
    let doc = Document { signature: Some(zero), ..titled(vec![]) };
    assert!(invalid_image(render_pdf(&doc)).starts_with("signature"));
}

#[test]
fn oversized_images_are_refused() {
    let doc = titled(vec![Block::Image(image("image/png", vec![0; MAX_IMAGE_BYTES + 1]))]);
    too_large(render_pdf(&doc), "bytes in one image");
    let doc = titled((0..=MAX_IMAGES).map(|_| Block::Image(image("image/png", png(4, 4)))).collect());
    too_large(render_pdf(&doc), "images");
}

#[test]
fn extreme_image_widths_and_spacers_are_clamped() {
    let mut wide = image("image/png", png(400, 20));
    wide.width_mm = u32::MAX;
    let mut tall = image("image/png", png(20, 4000));
    tall.width_mm = 500;
    let mut decorative = image("image/jpeg", jpeg(32, 32));
    decorative.alt = String::new();
    let doc = titled(vec![
        Block::Image(wide),
        Block::Spacer(u32::MAX),
        Block::Image(tall),
        Block::Spacer(0),
        Block::Image(decorative),
    ]);
    let text = pdftotext(&render_pdf(&doc).unwrap(), "clamped.pdf");
    assert!(page_count(&text) <= 4, "{text}");
}

#[test]
fn text_caps_are_enforced() {
    too_large(render_pdf(&titled(vec![Block::Paragraph("a".repeat(MAX_TEXT_BYTES + 1))])), "text bytes");
    too_large(render_pdf(&titled((0..=MAX_ITEMS).map(|_| Block::Spacer(1)).collect())), "items");
    let rows = (0..=MAX_ITEMS).map(|i| (i.to_string(), String::new())).collect();
    too_large(render_pdf(&titled(vec![Block::KeyValues(rows)])), "items");
    let qr = QrCode { data: "x".repeat(MAX_QR_DATA_BYTES + 1), legend: String::new() };
    too_large(render_pdf(&titled(vec![Block::QrCode(qr)])), "QR code");
    let footer = "Mentions légales ".repeat(20 * MAX_FOOTER_LINES);
    too_large(render_pdf(&Document { footer, ..titled(vec![]) }), "footer");
    let header_lines = (0..40).map(|i| format!("Ligne d’en-tête {i}")).collect();
    too_large(render_pdf(&Document { header_lines, ..titled(vec![]) }), "header");
}

#[test]
fn page_cap_stops_layout() {
    // Under the text cap, but more than MAX_PAGES pages of text.
    let word = "démarche ";
    let text = word.repeat((MAX_TEXT_BYTES - 1024) / word.len());
    too_large(render_pdf(&titled(vec![Block::Paragraph(text)])), "pages");
    let many = (0..MAX_ITEMS - 10).map(|_| Block::Spacer(200)).collect();
    match render_pdf(&titled(many)) {
        Err(DocumentError::TooLarge { what: "pages", limit, .. }) => assert_eq!(limit, MAX_PAGES),
        other => panic!("{:?}", other.map(|b| b.len())),
    }
}

#[test]
fn odd_text_renders_without_panicking() {
    let nasty = "\u{0}\u{7}\t\r\n\u{FEFF}\u{FFFE}\u{200B}\u{202E}אבג中文🙂\u{E000}e\u{301}\u{10FFFF}";
    let long_word = "x".repeat(20_000);
    let doc = Document {
        title: nasty.into(),
        lang: String::new(),
        logo: None,
        header_lines: vec![nasty.into(), String::new()],
        body: vec![
            Block::Heading(nasty.into()),
            Block::Heading(String::new()),
            Block::Paragraph(nasty.into()),
            Block::Paragraph(String::new()),
            Block::Paragraph("\n\n\n".into()),
            Block::Paragraph(long_word.clone()),
            Block::KeyValues(vec![]),
            Block::KeyValues(vec![
                (String::new(), String::new()),
                (nasty.into(), long_word),
                (nasty.into(), "".into()),
            ]),
            Block::QrCode(QrCode { data: String::new(), legend: String::new() }),
            Block::QrCode(QrCode { data: nasty.into(), legend: nasty.into() }),
        ],
        signature: None,
        footer: nasty.into(),
    };
    let pdf = render_pdf(&doc).unwrap();
    let text = pdftotext(&pdf, "odd.pdf");
    assert!(text.contains("xxxxxxxx"), "{text}");
    assert!(text.contains('\u{FFFD}'), "characters without glyph become U+FFFD");
}

#[test]
fn errors_read_as_technical_english() {
    let error = DocumentError::TooLarge { what: "pages", limit: 50, actual: 51 };
    assert_eq!(error.to_string(), "document too large: 51 pages (at most 50)");
    let error = DocumentError::InvalidImage { image: "logo".into(), reason: "data is not a PNG file".into() };
    assert_eq!(error.to_string(), "invalid image logo: data is not a PNG file");
}
