//! Reading the PDFs the server renders (attestations), as a person's
//! viewer would: poppler's `pdftotext` (poppler-utils, installed by
//! scripts/setup.sh).

/// The text of a PDF, whitespace runs folded into one space.
pub fn text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let output = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils)");
    assert!(output.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 text").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How many raster images the PDF draws (`pdfimages -list`).
pub fn image_count(pdf: &[u8]) -> usize {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let output = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(&path)
        .output()
        .expect("pdfimages runs (poppler-utils)");
    assert!(output.status.success(), "pdfimages failed: {}", String::from_utf8_lossy(&output.stderr));
    // Two header lines, then one line per image.
    String::from_utf8_lossy(&output.stdout).lines().skip(2).filter(|l| !l.trim().is_empty()).count()
}
