//! QR code modules, drawn by the layout as vector rectangles.

use qrcode::{Color, EcLevel, QrCode};

use crate::error::DocumentError;

/// The dark modules of a QR code, merged into horizontal runs so that the
/// content stream has one rectangle per run instead of one per module.
pub(crate) struct Modules {
    /// Modules per side (quiet zone excluded).
    pub width: usize,
    /// `(row, first column, length)` of each run of dark modules.
    pub runs: Vec<(usize, usize, usize)>,
}

/// Medium error correction (15 %): survives a stamp or a fold on paper
/// without making the code much denser than low correction.
pub(crate) fn encode(data: &str) -> Result<Modules, DocumentError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| DocumentError::InvalidInput(format!("QR code data cannot be encoded: {e}")))?;
    let width = code.width();
    let colors = code.to_colors();
    let mut runs = Vec::new();
    for (row, line) in colors.chunks(width.max(1)).enumerate() {
        let mut start = None;
        for (col, color) in line.iter().chain(std::iter::once(&Color::Light)).enumerate() {
            match (color, start) {
                (Color::Dark, None) => start = Some(col),
                (Color::Light, Some(s)) => {
                    runs.push((row, s, col - s));
                    start = None;
                }
                _ => {}
            }
        }
    }
    Ok(Modules { width, runs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_url_into_runs_inside_the_square() {
        let m = encode("https://guichet.example.gouv.fr/attestations/verifier/4f9c2a").unwrap();
        assert!(m.width >= 21);
        assert!(!m.runs.is_empty());
        assert!(m.runs.iter().all(|&(r, c, n)| r < m.width && c + n <= m.width && n > 0));
        // Finder pattern: the first row starts with seven dark modules.
        assert_eq!(m.runs[0], (0, 0, 7));
    }
}
