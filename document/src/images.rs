//! Checking raster images before they reach the PDF engine.

use krilla::Data;
use krilla::image::Image as PdfImage;

use crate::error::DocumentError;
use crate::limits::{MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE};
use crate::model::Image;

pub(crate) const MM: f32 = 72.0 / 25.4;

/// An image ready to draw, with its size on the page in points.
pub(crate) struct Picture {
    pub image: PdfImage,
    pub width: f32,
    pub height: f32,
    /// Empty for a decorative image.
    pub alt: String,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Validates `source` and scales it to at most `max_width` × `max_height`
/// points. `name` says which image failed in errors.
pub(crate) fn prepare(source: &Image, name: &str, max_width: f32, max_height: f32) -> Result<Picture, DocumentError> {
    let invalid = |reason: String| DocumentError::InvalidImage { image: name.to_owned(), reason };
    if source.width_mm == 0 {
        return Err(invalid("width-mm must be at least 1".to_owned()));
    }
    let data = &source.data;
    let image = match source.media_type.trim().to_ascii_lowercase().as_str() {
        "image/png" => {
            if !data.starts_with(PNG_SIGNATURE) {
                return Err(invalid("data is not a PNG file".to_owned()));
            }
            // The engine decodes PNG pixels as soon as the image is created:
            // the size must be checked from the header first.
            let (w, h) = png_size(data).ok_or_else(|| invalid("PNG header (IHDR) is malformed".to_owned()))?;
            check_size(w, h).map_err(invalid)?;
            PdfImage::from_png(Data::from(data.clone()), false).map_err(|e| invalid(format!("PNG: {e}")))?
        }
        "image/jpeg" => {
            if !data.starts_with(&[0xFF, 0xD8, 0xFF]) {
                return Err(invalid("data is not a JPEG file".to_owned()));
            }
            // JPEG data is embedded as is (DCT) and only its headers are
            // parsed here, so checking the size afterwards is safe.
            PdfImage::from_jpeg(Data::from(data.clone()), false).map_err(|e| invalid(format!("JPEG: {e}")))?
        }
        other => return Err(invalid(format!("unsupported media type {other:?} (image/png or image/jpeg)"))),
    };
    let (w, h) = image.size();
    check_size(w, h).map_err(invalid)?;
    let mut width = (source.width_mm as f32 * MM).min(max_width.max(1.0));
    let mut height = width * h as f32 / w as f32;
    if height > max_height {
        width *= max_height / height;
        height = max_height;
    }
    Ok(Picture { image, width, height, alt: source.alt.clone() })
}

fn check_size(w: u32, h: u32) -> Result<(), String> {
    if w == 0 || h == 0 {
        return Err(format!("empty image ({w}×{h} pixels)"));
    }
    if w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE || u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
        return Err(format!(
            "{w}×{h} pixels exceeds the limits ({MAX_IMAGE_SIDE} pixels per side, {MAX_IMAGE_PIXELS} pixels)"
        ));
    }
    Ok(())
}

/// Width and height from the IHDR chunk, which the PNG specification puts
/// first, right after the signature.
fn png_size(data: &[u8]) -> Option<(u32, u32)> {
    let ihdr = data.get(8..24)?;
    if &ihdr[4..8] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(ihdr[8..12].try_into().ok()?);
    let h = u32::from_be_bytes(ihdr[12..16].try_into().ok()?);
    Some((w, h))
}
