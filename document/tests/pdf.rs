//! Rendering behaviour, checked on the PDF bytes and on what poppler's
//! `pdftotext` extracts from them.

#[path = "support/fixtures.rs"]
mod fixtures;

use fixtures::*;
use guichet_document::{Block, Document, render_pdf};

#[test]
fn attestation_text_is_extracted_with_accents() {
    let pdf = render_pdf(&attestation()).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7"));
    let text = pdftotext(&pdf, "attestation.pdf");
    for expected in [
        TITLE,
        "Préfecture de la Gironde",
        "Bordeaux, le 2 décembre 2026",
        "qu’il sera",
        "réception de la demande… à conserver",
        "Dossier déposé",
        "Numéro de dossier",
        "DS-2026-000123",
        "« passeport talent »",
        "Mme Françoise Lœwy-Garçon",
        "rue de l’Église",
        "BT/2026/œ-77",
        "Vérification",
        "https://guichet.example.gouv.fr/attestations/verifier/7d3f0c9a2b",
        "Attestation délivrée par guichet",
        "Page 1 / 1",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    assert_eq!(page_count(&text), 1, "{text}");
    std::fs::write(temp_path("sample.pdf"), &pdf).unwrap();
}

#[test]
fn table_rows_keep_label_and_value_on_one_line() {
    let text = pdftotext(&render_pdf(&attestation()).unwrap(), "table.pdf");
    let line = text.lines().find(|l| l.contains("Numéro de dossier")).unwrap();
    assert!(line.contains("DS-2026-000123"), "{line}");
    let line = text.lines().find(|l| l.contains("Service instructeur")).unwrap();
    assert!(line.contains("Bureau des titres"), "{line}");
}

fn paragraph(i: usize) -> String {
    format!(
        "Paragraphe {i} : les pièces justificatives déposées à l’appui de la demande sont conservées \
         pendant la durée réglementaire, puis détruites ou versées aux archives départementales."
    )
}

#[test]
fn long_document_spans_pages_with_numbered_footers() {
    let mut doc = attestation();
    doc.body = (0..120).map(|i| Block::Paragraph(paragraph(i))).collect();
    let text = pdftotext(&render_pdf(&doc).unwrap(), "long.pdf");
    let pages = page_count(&text);
    assert!(pages >= 3, "{pages} pages");
    for page in 1..=pages {
        assert!(text.contains(&format!("Page {page} / {pages}")), "page {page}");
    }
    // Every paragraph is there, once, in order.
    let mut at = 0;
    for i in 0..120 {
        let needle = format!("Paragraphe {i} :");
        let found = text[at..].find(&needle).unwrap_or_else(|| panic!("{needle} missing or out of order"));
        at += found + needle.len();
    }
    // The footer of each page is its last text.
    for page_text in text.split('\u{c}').filter(|p| !p.trim().is_empty()) {
        let last = page_text.trim_end().lines().last().unwrap();
        assert!(last.contains("Page "), "{last}");
    }
}

#[test]
fn long_paragraph_is_split_across_pages() {
    let words: Vec<String> = (0..2500).map(|i| format!("mot{i}")).collect();
    let doc = Document { title: "Annexe".into(), body: vec![Block::Paragraph(words.join(" "))], ..Document::default() };
    let text = pdftotext(&render_pdf(&doc).unwrap(), "split.pdf");
    assert!(page_count(&text) >= 2, "{text}");
    let first_page = text.split('\u{c}').next().unwrap();
    assert!(first_page.contains("mot0 ") && first_page.contains("mot100 "));
    assert!(!first_page.contains("mot2499"));
    assert!(text.contains("mot2499"));
}

#[test]
fn block_that_does_not_fit_moves_to_the_next_page() {
    let mut doc = Document { title: "Tableau".into(), ..Document::default() };
    // Fill the first page almost to the bottom, then add a 4-row table.
    doc.body = (0..13).map(|i| Block::Paragraph(paragraph(i))).collect();
    let rows = (0..4).map(|i| (format!("Libellé {i}"), format!("Valeur {i}"))).collect();
    doc.body.push(Block::KeyValues(rows));
    let text = pdftotext(&render_pdf(&doc).unwrap(), "moves.pdf");
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let table_page = pages.iter().position(|p| p.contains("Libellé 0")).unwrap();
    assert!(pages[table_page].contains("Libellé 3"), "rows split although the table fits on one page");
}

#[test]
fn images_are_embedded() {
    let pdf = render_pdf(&attestation()).unwrap();
    assert_eq!(count(&pdf, b"/Subtype/Image"), 2, "logo (PNG) and signature (JPEG)");
    assert_eq!(count(&pdf, b"/DCTDecode"), 1, "the JPEG is embedded as is");
}

#[test]
fn document_is_tagged_for_assistive_technology() {
    let pdf = render_pdf(&attestation()).unwrap();
    for needle in [
        &b"/StructTreeRoot"[..],
        b"/MarkInfo",
        b"/Lang(fr-FR)",
        b"/DisplayDocTitle true",
        b"/S/H1/",
        b"/S/H2/",
        b"/S/P/",
        b"/S/Table/",
        b"/S/TR/",
        b"/S/TH/",
        b"/S/TD/",
        b"/S/Figure/",
        b"/Alt<FEFF005200E9007000750062006C00690071007500650020006600720061006E00E70061006900730065>",
        b"/Outlines",
        b"/Scope/Row",
        b"pdfuaid:part",
    ] {
        assert!(find(&pdf, needle).is_some(), "{} missing", String::from_utf8_lossy(needle));
    }
    let alts = count(&pdf, b"/Alt");
    assert!(alts >= 3, "logo, QR code and signature have alternative texts ({alts})");
    let content: Vec<u8> = streams(&pdf).concat();
    // Footer and page number are pagination artifacts (PDF 1.7 has no page
    // number subtype); rules and table fills are layout artifacts.
    assert_eq!(count(&content, b"/Subtype/Footer/Type/Pagination>>BDC"), 1, "footer");
    assert_eq!(count(&content, b"/Artifact<</Type/Pagination>>BDC"), 1, "page number");
    assert!(find(&content, b"/Artifact<</Type/Layout>>BDC").is_some());
    assert!(find(&content, b"/Span <<").is_some() || find(&content, b"/Span<<").is_some());
    assert!(find(&content, b"/MCID").is_some());
}

#[test]
fn lang_defaults_to_french_and_follows_the_document() {
    let mut doc = Document { title: "Titre".into(), ..Document::default() };
    assert!(find(&render_pdf(&doc).unwrap(), b"/Lang(fr-FR)").is_some());
    doc.lang = "en-GB".into();
    assert!(find(&render_pdf(&doc).unwrap(), b"/Lang(en-GB)").is_some());
}

#[test]
fn same_document_gives_same_bytes() {
    let doc = attestation();
    let first = render_pdf(&doc).unwrap();
    let second = render_pdf(&doc).unwrap();
    assert_eq!(first, second);
    assert!(find(&first, b"/CreationDate").is_none());
    let mut other = doc.clone();
    other.title.push_str(" (copie)");
    assert_ne!(render_pdf(&other).unwrap(), first);
}

#[test]
fn title_only_document_is_one_page() {
    let doc = Document { title: "Attestation".into(), ..Document::default() };
    let text = pdftotext(&render_pdf(&doc).unwrap(), "title-only.pdf");
    assert!(text.contains("Attestation"));
    assert!(text.contains("Page 1 / 1"));
}
