//! Page layout: turns a [`Document`] into positioned drawing operations,
//! grouped in marked-content spans, plus the logical structure tree those
//! spans belong to. Coordinates are PDF points, origin at the top left.
//! Laying out everything before drawing gives the page count that every
//! footer prints (« Page N / M »).

mod body;
mod frame;

use crate::error::DocumentError;
use crate::fonts::{Fonts, Weight};
use crate::images::{MM, Picture};
use crate::limits::MAX_PAGES;
use crate::model::Document;

pub(crate) const PAGE_WIDTH: f32 = 210.0 * MM;
pub(crate) const PAGE_HEIGHT: f32 = 297.0 * MM;
const MARGIN_X: f32 = 20.0 * MM;
const MARGIN_TOP: f32 = 18.0 * MM;
const MARGIN_BOTTOM: f32 = 12.0 * MM;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;

/// Text colours of the État's design system: near-black body text, « bleu
/// France » titles, grey secondary text, light grey rules and fills.
/// An sRGB colour; krilla's constructor is not `const`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

pub(crate) const TEXT: Rgb = Rgb(0x16, 0x16, 0x16);
pub(crate) const BLUE: Rgb = Rgb(0x00, 0x00, 0x91);
pub(crate) const GREY: Rgb = Rgb(0x5e, 0x5e, 0x5e);
pub(crate) const RULE: Rgb = Rgb(0xdd, 0xdd, 0xdd);
pub(crate) const FILL: Rgb = Rgb(0xf6, 0xf6, 0xf6);

#[derive(Clone, Copy)]
pub(crate) struct Style {
    pub size: f32,
    pub line_height: f32,
    pub weight: Weight,
    pub color: Rgb,
}

pub(crate) const TITLE: Style = Style { size: 17.0, line_height: 22.0, weight: Weight::Bold, color: BLUE };
pub(crate) const HEADING: Style = Style { size: 12.5, line_height: 17.0, weight: Weight::Bold, color: BLUE };
pub(crate) const BODY: Style = Style { size: 10.0, line_height: 14.0, weight: Weight::Regular, color: TEXT };
pub(crate) const LABEL: Style = Style { size: 9.5, line_height: 13.0, weight: Weight::Bold, color: TEXT };
pub(crate) const VALUE: Style = Style { size: 9.5, line_height: 13.0, weight: Weight::Regular, color: TEXT };
pub(crate) const HEADER: Style = Style { size: 9.0, line_height: 12.5, weight: Weight::Regular, color: TEXT };
pub(crate) const HEADER_FIRST: Style = Style { weight: Weight::Bold, ..HEADER };
pub(crate) const SMALL: Style = Style { size: 8.0, line_height: 11.0, weight: Weight::Regular, color: GREY };

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Align {
    Left,
    Right,
}

pub(crate) enum Op {
    /// One line of text; `baseline` is the y of its baseline.
    Text { x: f32, baseline: f32, style: Style, text: String },
    /// Filled rectangles `(x, y, width, height)` of one colour.
    Rects { rects: Vec<(f32, f32, f32, f32)>, color: Rgb },
    /// An image of [`Layout::pictures`] drawn at its size.
    Image { x: f32, y: f32, picture: usize },
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum ArtifactKind {
    /// Decoration: rules, table fills.
    Layout,
    Footer,
    PageNumber,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum ContentKind {
    Text,
    Graphic,
}

pub(crate) enum Mark {
    Artifact(ArtifactKind),
    /// Real content, leaf `id` of the structure tree.
    Content {
        id: usize,
        kind: ContentKind,
    },
}

/// A marked-content sequence: drawn between one begin and end marker.
pub(crate) struct Span {
    pub mark: Mark,
    pub ops: Vec<Op>,
}

#[derive(Default)]
pub(crate) struct PageContent {
    pub spans: Vec<Span>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum GroupKind {
    Heading {
        level: u16,
        title: String,
    },
    Paragraph,
    Table,
    Row,
    /// A row's label: a header cell for the row.
    HeaderCell,
    Cell,
    Figure {
        alt: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Node {
    Group(usize),
    Content(usize),
}

pub(crate) struct Group {
    pub kind: GroupKind,
    pub children: Vec<Node>,
}

/// An outline (bookmark) entry: PDF/UA requires an outline.
pub(crate) struct Bookmark {
    pub title: String,
    pub page: usize,
    pub y: f32,
}

pub(crate) struct Layout<'f> {
    fonts: &'f Fonts,
    pub pages: Vec<PageContent>,
    pub groups: Vec<Group>,
    pub roots: Vec<Node>,
    pub pictures: Vec<Picture>,
    pub bookmarks: Vec<Bookmark>,
    pub contents: usize,
    y: f32,
    bottom: f32,
}

pub(crate) fn lay_out<'f>(fonts: &'f Fonts, doc: &Document) -> Result<Layout<'f>, DocumentError> {
    let footer = frame::footer_lines(fonts, &doc.footer)?;
    let footer_height = footer.len().max(1) as f32 * SMALL.line_height;
    let mut layout = Layout {
        fonts,
        pages: vec![PageContent::default()],
        groups: Vec::new(),
        roots: Vec::new(),
        pictures: Vec::new(),
        bookmarks: Vec::new(),
        contents: 0,
        y: MARGIN_TOP,
        bottom: PAGE_HEIGHT - MARGIN_BOTTOM - footer_height - frame::FOOTER_GAP,
    };
    frame::header(&mut layout, doc)?;
    for (index, block) in doc.body.iter().enumerate() {
        body::block(&mut layout, block, index)?;
    }
    body::signature(&mut layout, doc.signature.as_ref())?;
    frame::footers(&mut layout, &footer);
    Ok(layout)
}

impl Layout<'_> {
    fn page(&mut self) -> &mut PageContent {
        if self.pages.is_empty() {
            self.pages.push(PageContent::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn page_index(&self) -> usize {
        self.pages.len().saturating_sub(1)
    }

    fn new_page(&mut self) -> Result<(), DocumentError> {
        if self.pages.len() >= MAX_PAGES {
            return Err(DocumentError::TooLarge { what: "pages", limit: MAX_PAGES, actual: MAX_PAGES + 1 });
        }
        self.pages.push(PageContent::default());
        self.y = MARGIN_TOP;
        Ok(())
    }

    fn at_top(&self) -> bool {
        self.y <= MARGIN_TOP + 0.01
    }

    fn fits(&self, height: f32) -> bool {
        self.y + height <= self.bottom + 0.01
    }

    /// Height available for content on a page of its own.
    fn page_room(&self) -> f32 {
        self.bottom - MARGIN_TOP
    }

    /// Starts a new page unless `height` fits below the cursor (or the page
    /// is still empty: a block taller than a page goes where it can).
    fn ensure(&mut self, height: f32) -> Result<(), DocumentError> {
        if !self.fits(height) && !self.at_top() { self.new_page() } else { Ok(()) }
    }

    fn group(&mut self, parent: Option<usize>, kind: GroupKind) -> usize {
        let id = self.groups.len();
        self.groups.push(Group { kind, children: Vec::new() });
        match parent.and_then(|p| self.groups.get_mut(p)) {
            Some(parent) => parent.children.push(Node::Group(id)),
            None => self.roots.push(Node::Group(id)),
        }
        id
    }

    /// Adds content of `group` to the current page; nothing for no `ops`
    /// (an identifier without content would be an empty leaf).
    fn content(&mut self, group: usize, kind: ContentKind, ops: Vec<Op>) {
        if ops.is_empty() {
            return;
        }
        let id = self.contents;
        self.contents += 1;
        self.page().spans.push(Span { mark: Mark::Content { id, kind }, ops });
        if let Some(group) = self.groups.get_mut(group) {
            group.children.push(Node::Content(id));
        }
    }

    fn artifact(&mut self, kind: ArtifactKind, ops: Vec<Op>) {
        if !ops.is_empty() {
            self.page().spans.push(Span { mark: Mark::Artifact(kind), ops });
        }
    }

    fn wrap(&self, text: &str, style: Style, width: f32) -> Vec<String> {
        crate::wrap::wrap(self.fonts, text, style.weight, style.size, width)
    }

    /// A text line whose line box starts at `top`.
    fn line(&self, text: &str, style: Style, x: f32, top: f32, width: f32, align: Align) -> Op {
        let x = match align {
            Align::Left => x,
            Align::Right => x + width - self.fonts.width(text, style.weight, style.size),
        };
        let baseline = top + style.line_height * 0.5 + style.size * 0.35;
        Op::Text { x, baseline, style, text: text.to_owned() }
    }

    /// Lays out `lines` of `group` from the cursor, breaking pages between
    /// lines: one marked-content span per page the text covers.
    fn flow(&mut self, group: usize, lines: &[String], style: Style, x: f32, width: f32) -> Result<(), DocumentError> {
        let mut ops = Vec::new();
        for text in lines {
            if !self.fits(style.line_height) && !self.at_top() {
                self.content(group, ContentKind::Text, std::mem::take(&mut ops));
                self.new_page()?;
            }
            if !text.is_empty() {
                ops.push(self.line(text, style, x, self.y, width, Align::Left));
            }
            self.y += style.line_height;
        }
        self.content(group, ContentKind::Text, ops);
        Ok(())
    }
}
