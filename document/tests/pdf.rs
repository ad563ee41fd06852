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
    // Push a 4-row table down the first page paragraph by paragraph: it is
    // never split, and at some point it moves to page 2 while the paragraphs
    // before it stay on page 1.
    let rows: Vec<(String, String)> = (0..4).map(|i| (format!("Libellé {i}"), format!("Valeur {i}"))).collect();
    let mut moved = false;
    for n in 8..24 {
        let mut doc = Document { title: "Tableau".into(), ..Document::default() };
        doc.body = (0..n).map(|i| Block::Paragraph(paragraph(i))).collect();
        doc.body.push(Block::KeyValues(rows.clone()));
        let text = pdftotext(&render_pdf(&doc).unwrap(), "moves.pdf");
        let pages: Vec<&str> = text.split('\u{c}').collect();
        let table_page = pages.iter().position(|p| p.contains("Libellé 0")).unwrap();
        assert!(pages[table_page].contains("Libellé 3"), "{n} paragraphs: table split although it fits on a page");
        if table_page == 1 && pages[0].contains(&format!("Paragraphe {} :", n - 1)) {
            moved = true;
        }
    }
    assert!(moved, "the table never moved to the next page whole");
}

/// Run by [`same_bytes_in_another_process`] in a child process.
#[test]
fn write_attestation_where_asked() {
    let pdf = render_pdf(&attestation()).unwrap();
    if let Ok(path) = std::env::var("GUICHET_DOCUMENT_OUT") {
        std::fs::write(path, pdf).unwrap();
    }
}

#[test]
fn same_bytes_in_another_process() {
    // Hash maps are seeded per process: equal bytes in one process would not
    // prove the output is deterministic.
    let exe = std::env::current_exe().unwrap();
    let render_elsewhere = |name: &str| {
        let path = temp_path(name);
        let status = std::process::Command::new(&exe)
            .args(["--exact", "write_attestation_where_asked", "--test-threads=1"])
            .env("GUICHET_DOCUMENT_OUT", &path)
            .output()
            .unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stdout));
        std::fs::read(path).unwrap()
    };
    let here = render_pdf(&attestation()).unwrap();
    assert_eq!(render_elsewhere("child-1.pdf"), here);
    assert_eq!(render_elsewhere("child-2.pdf"), here);
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

#[test]
fn long_table_breaks_between_rows_and_heading_stays_with_its_text() {
    let mut doc = attestation();
    let rows = (0..80).map(|i| (format!("Pièce {i}"), format!("Justificatif n° {i} reçu"))).collect();
    doc.body = vec![Block::Heading("Pièces reçues".into()), Block::KeyValues(rows)];
    doc.body.extend((0..8).map(|i| Block::Paragraph(paragraph(i))));
    doc.body.push(Block::Heading("Observations".into()));
    doc.body.push(Block::Paragraph(paragraph(99)));
    let pdf = render_pdf(&doc).unwrap();
    let text = pdftotext(&pdf, "long-table.pdf");
    assert!(page_count(&text) >= 2);
    for i in 0..80 {
        let line = text.lines().find(|l| l.contains(&format!("Pièce {i} "))).unwrap();
        assert!(line.contains(&format!("Justificatif n° {i} reçu")), "{line}");
    }
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let heading_page = pages.iter().position(|p| p.contains("Observations")).unwrap();
    assert!(pages[heading_page].contains("Paragraphe 99 :"), "heading separated from its paragraph");
    std::fs::write(temp_path("multipage-sample.pdf"), &pdf).unwrap();
}
