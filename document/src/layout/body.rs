//! The body blocks, the signature, and placing pictures.

use super::{
    Align, ArtifactKind, BODY, Bookmark, CONTENT_WIDTH, ContentKind, FILL, GroupKind, HEADING, LABEL, Layout, MARGIN_X,
    Op, PAGE_WIDTH, RULE, SMALL, TEXT, VALUE,
};
use crate::error::DocumentError;
use crate::images::{MM, Picture, prepare};
use crate::model::{Block, Image, QrCode};
use crate::qr;

const PARAGRAPH_GAP: f32 = 6.0;
const BLOCK_GAP: f32 = 4.0 * MM;
/// Paragraphs this short move to the next page whole instead of splitting.
const UNSPLIT_LINES: usize = 4;
/// Lines a split paragraph keeps at least on each page (no widows/orphans).
const MIN_SPLIT_LINES: usize = 2;
const LABEL_WIDTH: f32 = CONTENT_WIDTH * 0.38;
const CELL_PAD_X: f32 = 2.5 * MM;
const CELL_PAD_Y: f32 = 1.8 * MM;
const QR_MODULE: f32 = 0.5 * MM;
const QR_MIN: f32 = 25.0 * MM;
const QR_MAX: f32 = 45.0 * MM;

pub(super) fn block(layout: &mut Layout, block: &Block, index: usize) -> Result<(), DocumentError> {
    match block {
        Block::Heading(text) => heading(layout, text),
        Block::Paragraph(text) => paragraph(layout, text),
        Block::KeyValues(rows) => key_values(layout, rows),
        Block::Image(image) => figure(layout, image, &format!("body[{index}]")),
        Block::QrCode(code) => qr_code(layout, code),
        Block::Spacer(mm) => {
            let height = (*mm as f32 * MM).min(layout.page_room());
            if layout.fits(height) {
                layout.y += height;
            } else {
                // Space never carries over to the next page's top.
                layout.new_page()?;
            }
            Ok(())
        }
    }
}

fn heading(layout: &mut Layout, text: &str) -> Result<(), DocumentError> {
    let title = layout.fonts.clean(text).trim().to_owned();
    if title.is_empty() {
        // PDF/UA requires a heading to have text: an empty one is dropped.
        return Ok(());
    }
    let lines = layout.wrap(&title, HEADING, CONTENT_WIDTH);
    if !layout.at_top() {
        layout.y += 2.0 * MM;
    }
    // Keep the heading with the first lines of what follows.
    layout.ensure(lines.len() as f32 * HEADING.line_height + 2.0 * BODY.line_height + 1.5 * MM)?;
    layout.bookmarks.push(Bookmark { title: title.clone(), page: layout.page_index(), y: layout.y });
    let group = layout.group(None, GroupKind::Heading { level: 2, title });
    layout.flow(group, &lines, HEADING, MARGIN_X, CONTENT_WIDTH)?;
    layout.y += 1.5 * MM;
    Ok(())
}

fn paragraph(layout: &mut Layout, text: &str) -> Result<(), DocumentError> {
    let lines = layout.wrap(text, BODY, CONTENT_WIDTH);
    if lines.iter().all(String::is_empty) {
        return Ok(());
    }
    let height = lines.len() as f32 * BODY.line_height;
    if !layout.fits(height) {
        let room = ((layout.bottom - layout.y) / BODY.line_height).floor().max(0.0) as usize;
        if lines.len() <= UNSPLIT_LINES
            || room < MIN_SPLIT_LINES
            || lines.len() - room.min(lines.len()) < MIN_SPLIT_LINES
        {
            layout.ensure(height.min(layout.page_room()))?;
        }
    }
    let group = layout.group(None, GroupKind::Paragraph);
    layout.flow(group, &lines, BODY, MARGIN_X, CONTENT_WIDTH)?;
    layout.y += PARAGRAPH_GAP;
    Ok(())
}

fn key_values(layout: &mut Layout, rows: &[(String, String)]) -> Result<(), DocumentError> {
    if rows.is_empty() {
        return Ok(());
    }
    let table = layout.group(None, GroupKind::Table);
    let value_x = MARGIN_X + LABEL_WIDTH;
    let value_width = CONTENT_WIDTH - LABEL_WIDTH;
    let wrapped: Vec<(Vec<String>, Vec<String>)> = rows
        .iter()
        .map(|(label, value)| {
            (
                layout.wrap(label, LABEL, LABEL_WIDTH - 2.0 * CELL_PAD_X),
                layout.wrap(value, VALUE, value_width - 2.0 * CELL_PAD_X),
            )
        })
        .collect();
    let row_height = |labels: &Vec<String>, values: &Vec<String>| {
        labels.len().max(values.len()).max(1) as f32 * VALUE.line_height + 2.0 * CELL_PAD_Y
    };
    // A table that a page can hold moves to the next page whole; a longer
    // one breaks between rows.
    let total: f32 = wrapped.iter().map(|(l, v)| row_height(l, v)).sum();
    if total <= layout.page_room() {
        layout.ensure(total)?;
    }
    for (index, (labels, values)) in wrapped.iter().enumerate() {
        let count = labels.len().max(values.len()).max(1);
        let height = row_height(labels, values);
        // A row moves to the next page whole when a page can hold it.
        if height <= layout.page_room() {
            layout.ensure(height)?;
        }
        let row = layout.group(Some(table), GroupKind::Row);
        let th = layout.group(Some(row), GroupKind::HeaderCell);
        let td = layout.group(Some(row), GroupKind::Cell);
        let mut segment = RowSegment::start(layout, index == 0);
        for i in 0..count {
            if !layout.fits(VALUE.line_height + CELL_PAD_Y) && !layout.at_top() {
                segment.finish(layout, th, td);
                layout.new_page()?;
                segment = RowSegment::start(layout, true);
            }
            let top = layout.y;
            if let Some(text) = labels.get(i).filter(|t| !t.is_empty()) {
                let op = layout.line(text, LABEL, MARGIN_X + CELL_PAD_X, top, LABEL_WIDTH, Align::Left);
                segment.label.push(op);
            }
            if let Some(text) = values.get(i).filter(|t| !t.is_empty()) {
                let op = layout.line(text, VALUE, value_x + CELL_PAD_X, top, value_width, Align::Left);
                segment.value.push(op);
            }
            layout.y += VALUE.line_height;
        }
        segment.finish(layout, th, td);
    }
    layout.y += BLOCK_GAP;
    Ok(())
}

/// The part of a table row on one page.
struct RowSegment {
    top: f32,
    top_rule: bool,
    /// Where the row's fill goes in the page's spans: under the text.
    span_index: usize,
    label: Vec<Op>,
    value: Vec<Op>,
}

impl RowSegment {
    /// `top_rule` for the table's first row and a row continued on a new
    /// page; otherwise the previous row's bottom rule is the top one.
    fn start(layout: &mut Layout, top_rule: bool) -> Self {
        let top_rule = top_rule || layout.at_top();
        let top = layout.y;
        layout.y += CELL_PAD_Y;
        Self { top, top_rule, span_index: layout.page().spans.len(), label: Vec::new(), value: Vec::new() }
    }

    fn finish(self, layout: &mut Layout, th: usize, td: usize) {
        layout.y += CELL_PAD_Y;
        let height = layout.y - self.top;
        layout.content(th, ContentKind::Text, self.label);
        layout.content(td, ContentKind::Text, self.value);
        let mut rules = vec![(MARGIN_X, layout.y - 0.5, CONTENT_WIDTH, 0.5)];
        if self.top_rule {
            rules.push((MARGIN_X, self.top, CONTENT_WIDTH, 0.5));
        }
        let decoration = vec![
            Op::Rects { rects: vec![(MARGIN_X, self.top, LABEL_WIDTH, height)], color: FILL },
            Op::Rects { rects: rules, color: RULE },
        ];
        let span = super::Span { mark: super::Mark::Artifact(ArtifactKind::Layout), ops: decoration };
        let spans = &mut layout.page().spans;
        let index = self.span_index.min(spans.len());
        spans.insert(index, span);
    }
}

fn figure(layout: &mut Layout, image: &Image, name: &str) -> Result<(), DocumentError> {
    let picture = prepare(image, name, CONTENT_WIDTH, layout.page_room())?;
    layout.ensure(picture.height)?;
    let height = picture.height;
    let y = layout.y;
    place_picture(layout, picture, MARGIN_X, y);
    layout.y += height + BLOCK_GAP;
    Ok(())
}

pub(super) fn signature(layout: &mut Layout, image: Option<&Image>) -> Result<(), DocumentError> {
    let Some(image) = image else { return Ok(()) };
    let picture = prepare(image, "signature", CONTENT_WIDTH * 0.5, layout.page_room())?;
    layout.y += 4.0 * MM;
    layout.ensure(picture.height)?;
    let (x, y, height) = (PAGE_WIDTH - MARGIN_X - picture.width, layout.y, picture.height);
    place_picture(layout, picture, x, y);
    layout.y += height;
    Ok(())
}

/// Draws `picture` at `(x, y)`: a figure with its alternative text, or an
/// artifact when the alternative text is empty (decorative image).
pub(super) fn place_picture(layout: &mut Layout, picture: Picture, x: f32, y: f32) {
    let alt = layout.fonts.clean(&picture.alt).trim().to_owned();
    let index = layout.pictures.len();
    layout.pictures.push(picture);
    let ops = vec![Op::Image { x, y, picture: index }];
    if alt.is_empty() {
        layout.artifact(ArtifactKind::Layout, ops);
    } else {
        let group = layout.group(None, GroupKind::Figure { alt });
        layout.content(group, ContentKind::Graphic, ops);
    }
}

fn qr_code(layout: &mut Layout, code: &QrCode) -> Result<(), DocumentError> {
    let modules = qr::encode(&code.data)?;
    let side = (modules.width as f32 * QR_MODULE).clamp(QR_MIN, QR_MAX);
    let module = side / modules.width.max(1) as f32;
    let legend = layout.wrap(&code.legend, SMALL, CONTENT_WIDTH);
    let legend_lines = legend.iter().filter(|l| !l.is_empty()).count();
    let height = side + 1.5 * MM + legend_lines as f32 * SMALL.line_height;
    layout.ensure(height.min(layout.page_room()))?;

    let alt = match layout.fonts.clean(&code.legend).trim() {
        "" => format!("Code QR : {}", layout.fonts.clean(&code.data)),
        legend => legend.to_owned(),
    };
    let (x, y) = (MARGIN_X, layout.y);
    let rects = modules
        .runs
        .iter()
        .map(|&(row, col, len)| (x + col as f32 * module, y + row as f32 * module, len as f32 * module, module))
        .collect();
    let figure = layout.group(None, GroupKind::Figure { alt });
    layout.content(figure, ContentKind::Graphic, vec![Op::Rects { rects, color: TEXT }]);
    layout.y += side + 1.5 * MM;
    if legend_lines > 0 {
        let group = layout.group(None, GroupKind::Paragraph);
        layout.flow(group, &legend, SMALL, MARGIN_X, CONTENT_WIDTH)?;
    }
    layout.y += BLOCK_GAP;
    Ok(())
}
