//! Drawing a [`Layout`] with krilla: pages, marked content, the structure
//! tree, outline and metadata, validated as PDF/UA-1.

use std::num::NonZeroU16;

use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::tagging::{Artifact, ArtifactType, ContentTag, Identifier, SpanTag, Tag, TagGroup, TagKind, TagTree};
use krilla::tagging::{Node as TagNode, TableHeaderScope};
use krilla::text::TextDirection;
use krilla::{Document as PdfDocument, SerializeSettings};

use crate::error::DocumentError;
use crate::fonts::Fonts;
use crate::layout::{ArtifactKind, ContentKind, GroupKind, Layout, Mark, Node, Op, PAGE_HEIGHT, PAGE_WIDTH, Rgb};

pub(crate) struct Meta<'a> {
    pub title: &'a str,
    pub lang: &'a str,
}

pub(crate) fn emit(fonts: &Fonts, layout: &Layout, meta: &Meta) -> Result<Vec<u8>, DocumentError> {
    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| DocumentError::Render(format!("configuration: {e:?}")))?;
    let settings = SerializeSettings { configuration, enable_tagging: true, ..SerializeSettings::default() };
    let mut document = PdfDocument::new_with(settings);
    let size = Size::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| DocumentError::Render("page size".to_owned()))?;

    let mut identifiers: Vec<Option<Identifier>> = vec![None; layout.contents];
    for content in &layout.pages {
        let mut page = document.start_page_with(PageSettings::new(size));
        let mut surface = page.surface();
        for span in &content.spans {
            let tag = match span.mark {
                Mark::Artifact(kind) => ContentTag::Artifact(Artifact::with_kind(artifact_type(kind))),
                Mark::Content { kind: ContentKind::Text, .. } => ContentTag::Span(SpanTag::empty()),
                Mark::Content { kind: ContentKind::Graphic, .. } => ContentTag::Other,
            };
            let identifier = surface.start_tagged(tag);
            for op in &span.ops {
                draw(&mut surface, fonts, layout, op);
            }
            surface.end_tagged();
            if let Mark::Content { id, .. } = span.mark
                && let Some(slot) = identifiers.get_mut(id)
            {
                *slot = Some(identifier);
            }
        }
        surface.finish();
        page.finish();
    }

    let mut tree = TagTree::new().with_lang(Some(meta.lang.to_owned()));
    for node in &layout.roots {
        if let Some(node) = tag_node(layout, *node, &mut identifiers, 0) {
            tree.push(node);
        }
    }
    document.set_tag_tree(tree);

    let mut outline = Outline::new();
    for mark in &layout.bookmarks {
        let destination = XyzDestination::new(mark.page, Point::from_xy(0.0, mark.y));
        outline.push_child(OutlineNode::new(mark.title.clone(), destination));
    }
    document.set_outline(outline);
    document.set_metadata(
        Metadata::new().title(meta.title.to_owned()).language(meta.lang.to_owned()).creator("guichet".to_owned()),
    );
    document.finish().map_err(|e| map_error(e, layout))
}

fn artifact_type(kind: ArtifactKind) -> ArtifactType {
    match kind {
        ArtifactKind::Layout => ArtifactType::Layout,
        ArtifactKind::Footer => ArtifactType::Footer,
        ArtifactKind::PageNumber => ArtifactType::PageNumber,
    }
}

fn fill(Rgb(r, g, b): Rgb) -> Fill {
    Fill {
        paint: krilla::color::rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw(surface: &mut Surface, fonts: &Fonts, layout: &Layout, op: &Op) {
    match op {
        Op::Text { x, baseline, style, text } => {
            surface.set_fill(Some(fill(style.color)));
            let font = fonts.pdf_font(style.weight);
            surface.draw_text(Point::from_xy(*x, *baseline), font, style.size, text, false, TextDirection::Auto);
        }
        Op::Rects { rects, color } => {
            let mut builder = PathBuilder::new();
            for &(x, y, w, h) in rects {
                if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                    builder.push_rect(rect);
                }
            }
            if let Some(path) = builder.finish() {
                surface.set_fill(Some(fill(*color)));
                surface.draw_path(&path);
            }
        }
        Op::Image { x, y, picture } => {
            if let Some(picture) = layout.pictures.get(*picture)
                && let Some(size) = Size::from_wh(picture.width, picture.height)
            {
                surface.push_transform(&Transform::from_translate(*x, *y));
                surface.draw_image(picture.image.clone(), size);
                surface.pop();
            }
        }
    }
}

/// Structure depth guard: the layout nests at most Table > TR > TH/TD, so
/// anything deeper is a bug, not input, and is cut rather than recursed.
const MAX_DEPTH: usize = 8;

fn tag_node(layout: &Layout, node: Node, ids: &mut [Option<Identifier>], depth: usize) -> Option<TagNode> {
    match node {
        Node::Content(id) => ids.get_mut(id).and_then(Option::take).map(TagNode::from),
        Node::Group(index) if depth < MAX_DEPTH => {
            let group = layout.groups.get(index)?;
            let children: Vec<TagNode> =
                group.children.iter().filter_map(|child| tag_node(layout, *child, ids, depth + 1)).collect();
            if children.is_empty() {
                return None;
            }
            Some(TagGroup::with_children(tag_kind(&group.kind), children).into())
        }
        Node::Group(_) => None,
    }
}

fn tag_kind(kind: &GroupKind) -> TagKind {
    match kind {
        GroupKind::Heading { level, title } => {
            Tag::Hn(NonZeroU16::new(*level).unwrap_or(NonZeroU16::MIN), Some(title.clone())).into()
        }
        GroupKind::Paragraph => Tag::P.into(),
        GroupKind::Table => Tag::Table.into(),
        GroupKind::Row => Tag::TR.into(),
        GroupKind::HeaderCell => Tag::TH(TableHeaderScope::Row).into(),
        GroupKind::Cell => Tag::TD.into(),
        GroupKind::Figure { alt } => Tag::Figure(Some(alt.clone())).into(),
    }
}

fn map_error(error: KrillaError, layout: &Layout) -> DocumentError {
    match error {
        KrillaError::Image(image, _, reason) => {
            let which = layout.pictures.iter().position(|p| p.image == image);
            DocumentError::InvalidImage {
                image: which.map_or_else(|| "unknown".to_owned(), |i| format!("#{i}")),
                reason: format!("cannot be decoded: {reason}"),
            }
        }
        other => DocumentError::Render(format!("{other:?}")),
    }
}
