//! What frames the body: the first page's header (logo, header lines,
//! title) and every page's footer.

use super::{
    Align, ArtifactKind, BLUE, Bookmark, CONTENT_WIDTH, ContentKind, GroupKind, HEADER, HEADER_FIRST, Layout,
    MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, Op, PAGE_HEIGHT, RULE, SMALL, TITLE,
};
use crate::error::DocumentError;
use crate::fonts::Fonts;
use crate::images::{MM, prepare};
use crate::limits::{MAX_FOOTER_LINES, MAX_HEADER_LINES};
use crate::model::Document;

/// Space between the body and the footer's rule.
pub(super) const FOOTER_GAP: f32 = 8.0 * MM;
const LOGO_MAX_WIDTH: f32 = 70.0 * MM;
const LOGO_MAX_HEIGHT: f32 = 35.0 * MM;
/// Width kept for « Page 50 / 50 » right of the footer text.
const PAGE_NUMBER_WIDTH: f32 = 28.0 * MM;

pub(super) fn header(layout: &mut Layout, doc: &Document) -> Result<(), DocumentError> {
    let mut logo_width = 0.0;
    let mut logo_height = 0.0;
    if let Some(logo) = &doc.logo {
        let picture = prepare(logo, "logo", LOGO_MAX_WIDTH, LOGO_MAX_HEIGHT)?;
        logo_width = picture.width;
        logo_height = picture.height;
        super::body::place_picture(layout, picture, MARGIN_X, MARGIN_TOP);
    }

    let lines_x = MARGIN_X + logo_width + 10.0 * MM;
    let lines_width = (MARGIN_X + CONTENT_WIDTH - lines_x).max(CONTENT_WIDTH * 0.4);
    let lines_x = MARGIN_X + CONTENT_WIDTH - lines_width;
    let mut y = MARGIN_TOP;
    let mut count = 0;
    for (i, text) in doc.header_lines.iter().enumerate() {
        let style = if i == 0 { HEADER_FIRST } else { HEADER };
        let wrapped = layout.wrap(text, style, lines_width);
        count += wrapped.len();
        crate::limits::cap("wrapped header lines", MAX_HEADER_LINES, count)?;
        let group = layout.group(None, GroupKind::Paragraph);
        let ops = wrapped
            .iter()
            .enumerate()
            .filter(|(_, line)| !line.is_empty())
            .map(|(j, line)| {
                layout.line(line, style, lines_x, y + j as f32 * style.line_height, lines_width, Align::Right)
            })
            .collect();
        layout.content(group, ContentKind::Text, ops);
        y += wrapped.len() as f32 * style.line_height;
    }

    layout.y = MARGIN_TOP + logo_height.max(y - MARGIN_TOP) + 14.0 * MM;
    title(layout, &doc.title)
}

fn title(layout: &mut Layout, title: &str) -> Result<(), DocumentError> {
    let text = layout.fonts.clean(title);
    let group = layout.group(None, GroupKind::Heading { level: 1, title: text.trim().to_owned() });
    layout.bookmarks.push(Bookmark { title: text.trim().to_owned(), page: layout.page_index(), y: layout.y });
    let lines = layout.wrap(title, TITLE, CONTENT_WIDTH);
    layout.flow(group, &lines, TITLE, MARGIN_X, CONTENT_WIDTH)?;
    // A short « bleu France » rule under the title, as on État letters.
    let y = layout.y + 2.0 * MM;
    layout.artifact(ArtifactKind::Layout, vec![Op::Rects { rects: vec![(MARGIN_X, y, 16.0 * MM, 1.2)], color: BLUE }]);
    layout.y = y + 1.2 + 7.0 * MM;
    Ok(())
}

pub(super) fn footer_lines(fonts: &Fonts, footer: &str) -> Result<Vec<String>, DocumentError> {
    let lines = crate::wrap::wrap(fonts, footer.trim(), SMALL.weight, SMALL.size, CONTENT_WIDTH - PAGE_NUMBER_WIDTH);
    crate::limits::cap("wrapped footer lines", MAX_FOOTER_LINES, lines.len())?;
    Ok(lines)
}

/// The footer text and « Page N / M » on every page, as artifacts: they
/// repeat layout, not content a screen reader should read on each page.
pub(super) fn footers(layout: &mut Layout, footer: &[String]) {
    let total = layout.pages.len();
    let top = PAGE_HEIGHT - MARGIN_BOTTOM - footer.len().max(1) as f32 * SMALL.line_height;
    for page in 0..total {
        let rule = Op::Rects { rects: vec![(MARGIN_X, top - 2.5 * MM, CONTENT_WIDTH, 0.5)], color: RULE };
        let mut ops = vec![rule];
        for (i, text) in footer.iter().enumerate().filter(|(_, t)| !t.is_empty()) {
            let line_top = top + i as f32 * SMALL.line_height;
            ops.push(layout.line(text, SMALL, MARGIN_X, line_top, CONTENT_WIDTH - PAGE_NUMBER_WIDTH, Align::Left));
        }
        let number = format!("Page {} / {}", page + 1, total);
        let number = layout.line(&number, SMALL, MARGIN_X, top, CONTENT_WIDTH, Align::Right);
        if let Some(content) = layout.pages.get_mut(page) {
            content.spans.push(super::Span { mark: super::Mark::Artifact(ArtifactKind::Footer), ops });
            content
                .spans
                .push(super::Span { mark: super::Mark::Artifact(ArtifactKind::PageNumber), ops: vec![number] });
        }
    }
}
