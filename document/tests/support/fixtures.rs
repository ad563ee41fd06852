//! Shared by the tests and the benchmark: a realistic attestation, test
//! images generated in memory, and PDF inspection helpers.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

use guichet_document::{Block, Document, Image, QrCode};

/// An RGB PNG of `w` × `h` pixels: a blue, white and red band over a grey
/// bar, like a service logo.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let px: [u8; 3] = if y < h * 2 / 3 {
                match x * 3 / w {
                    0 => [0x00, 0x00, 0x91],
                    1 => [0xff, 0xff, 0xff],
                    _ => [0xe1, 0x00, 0x0f],
                }
            } else if y > h * 5 / 6 {
                [0x3a, 0x3a, 0x3a]
            } else {
                [0xff, 0xff, 0xff]
            };
            pixels.extend_from_slice(&px);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&pixels).unwrap();
    }
    out
}

/// A greyscale JPEG of `w` × `h` pixels with a wavy dark stroke, like a
/// scanned signature.
pub fn jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut pixels = vec![255u8; usize::from(w) * usize::from(h)];
    for x in 0..usize::from(w) {
        let t = x as f32 / f32::from(w);
        let y = (f32::from(h) * (0.5 + 0.3 * (t * 12.0).sin() * (1.0 - t))) as usize;
        for dy in 0..4 {
            if let Some(p) = pixels.get_mut((y + dy).min(usize::from(h) - 1) * usize::from(w) + x) {
                *p = 20;
            }
        }
    }
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, 85);
    encoder.encode(&pixels, w, h, jpeg_encoder::ColorType::Luma).unwrap();
    out
}

pub fn logo() -> Image {
    Image { media_type: "image/png".into(), data: png(180, 90), alt: "République française".into(), width_mm: 32 }
}

pub fn signature() -> Image {
    Image {
        media_type: "image/jpeg".into(),
        data: jpeg(300, 110),
        alt: "Signature de la cheffe du bureau des titres".into(),
        width_mm: 50,
    }
}

pub const TITLE: &str = "Attestation de dépôt de dossier";

/// A one-page attestation: logo, header, a 10-row table, QR code, signature.
pub fn attestation() -> Document {
    let rows = [
        ("Numéro de dossier", "DS-2026-000123"),
        ("Démarche", "Demande de titre de séjour « passeport talent »"),
        ("Déposé le", "2 décembre 2026 à 10 h 42"),
        ("Demandeur", "Mme Françoise Lœwy-Garçon"),
        ("Adresse", "12 rue de l’Église, 33000 Bordeaux"),
        ("Courriel", "francoise.loewy@example.fr"),
        ("Service instructeur", "Bureau des titres et de l’éloignement"),
        ("État", "En construction"),
        ("Pièces jointes", "5 pièces déposées"),
        ("Référence interne", "BT/2026/œ-77"),
    ];
    Document {
        title: TITLE.into(),
        lang: "fr-FR".into(),
        logo: Some(logo()),
        header_lines: vec![
            "Préfecture de la Gironde".into(),
            "Direction des migrations et de l’intégration".into(),
            "2 esplanade Charles-de-Gaulle, 33077 Bordeaux".into(),
            "Bordeaux, le 2 décembre 2026".into(),
        ],
        body: vec![
            Block::Paragraph(
                "La préfète de la Gironde atteste que le dossier décrit ci-dessous a été déposé et qu’il sera \
                 instruit dans les délais réglementaires. Cette attestation ne préjuge pas de la décision à venir ; \
                 elle vaut accusé de réception de la demande… à conserver précieusement."
                    .into(),
            ),
            Block::Heading("Dossier déposé".into()),
            Block::KeyValues(rows.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            Block::Heading("Vérification".into()),
            Block::Paragraph("L’authenticité de ce document peut être vérifiée en ligne :".into()),
            Block::QrCode(QrCode {
                data: "https://guichet.example.gouv.fr/attestations/verifier/7d3f0c9a2b".into(),
                legend: "https://guichet.example.gouv.fr/attestations/verifier/7d3f0c9a2b".into(),
            }),
            Block::Spacer(4),
            Block::Paragraph("Fait à Bordeaux, le 2 décembre 2026.\nPour la préfète et par délégation,".into()),
        ],
        signature: Some(signature()),
        footer: "Préfecture de la Gironde — Attestation délivrée par guichet, à conserver avec votre dossier.".into(),
    }
}

pub fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("guichet-document-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Text of the PDF as poppler's `pdftotext -layout` extracts it; pages are
/// separated by form feeds.
pub fn pdftotext(pdf: &[u8], name: &str) -> String {
    let path = temp_path(name);
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is required by these tests (apt-get install poppler-utils)");
    assert!(output.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

pub fn page_count(text: &str) -> usize {
    text.trim_end_matches('\u{c}').split('\u{c}').count()
}

/// Every stream of the PDF, inflated when it is Flate-compressed.
pub fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = pdf;
    while let Some(start) = find(rest, b"stream\n") {
        let body = &rest[start + 7..];
        let Some(end) = find(body, b"endstream") else { break };
        let raw = &body[..end];
        let mut inflated = Vec::new();
        if flate2::read::ZlibDecoder::new(raw).read_to_end(&mut inflated).is_ok() {
            out.push(inflated);
        } else {
            out.push(raw.to_vec());
        }
        rest = &body[end + b"endstream".len()..];
    }
    out
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}
