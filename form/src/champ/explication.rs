//! An explication's text, Markdown-lite, as HTML: paragraphs (blank
//! lines), line breaks, bullet lists (`- ` or `* `), links (`[texte](url)`
//! or a bare URL) to http(s) only. Everything else is escaped: the text is
//! the administrateur's, the page the usager's.

/// Longest URL turned into a link; a longer one stays text.
const URL_MAX_CHARS: usize = 2_000;

pub fn echapper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '`' => out.push_str("&#96;"),
            '=' => out.push_str("&#61;"),
            _ => out.push(c),
        }
    }
    out
}

pub fn explication_html(texte: &str) -> String {
    let texte = texte.replace("\r\n", "\n");
    let mut html = String::new();
    for bloc in texte.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let lignes: Vec<&str> = bloc.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let puce = |l: &&str| l.starts_with("- ") || l.starts_with("* ");
        if lignes.iter().all(puce) {
            html.push_str("<ul>");
            for l in &lignes {
                html.push_str("<li>");
                html.push_str(&en_ligne(&l[2..]));
                html.push_str("</li>");
            }
            html.push_str("</ul>");
        } else {
            html.push_str("<p>");
            html.push_str(&lignes.iter().map(|l| en_ligne(l)).collect::<Vec<_>>().join("<br>"));
            html.push_str("</p>");
        }
    }
    html
}

fn url_ok(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && url.chars().count() <= URL_MAX_CHARS
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
}

fn lien(url: &str, texte: &str) -> String {
    format!(r#"<a href="{}" rel="noopener noreferrer">{}</a>"#, echapper(url), echapper(texte))
}

/// One line: `[texte](url)` and bare URLs become links, the rest is text.
fn en_ligne(ligne: &str) -> String {
    let mut out = String::new();
    let mut rest = ligne;
    while !rest.is_empty() {
        // `[texte](url)`
        if let Some(after) = rest.strip_prefix('[')
            && let Some((texte, tail)) = after.split_once("](")
            && !texte.contains('[')
            && let Some((url, tail)) = tail.split_once(')')
            && url_ok(url)
            && !texte.trim().is_empty()
        {
            out.push_str(&lien(url, texte));
            rest = tail;
            continue;
        }
        if rest.starts_with("https://") || rest.starts_with("http://") {
            let end = rest.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(rest.len());
            // A sentence's final punctuation is not part of the URL.
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
            if url_ok(url) {
                out.push_str(&lien(url, url));
                rest = &rest[url.len()..];
                continue;
            }
        }
        let mut chars = rest.char_indices();
        let (_, c) = chars.next().unwrap_or((0, ' '));
        let next = chars.next().map_or(rest.len(), |(i, _)| i);
        out.push_str(&echapper(&c.to_string()));
        rest = &rest[next..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paragraphs_breaks_lists_and_links() {
        let html =
            explication_html("Bonjour\nà tous\n\n- un\n- [deux](https://ex.fr/a?b=1&c=2)\n\nVoir https://ds.fr/x.");
        assert_eq!(
            html,
            "<p>Bonjour<br>à tous</p><ul><li>un</li><li><a href=\"https://ex.fr/a?b&#61;1&amp;c&#61;2\" rel=\"noopener noreferrer\">deux</a></li></ul><p>Voir <a href=\"https://ds.fr/x\" rel=\"noopener noreferrer\">https://ds.fr/x</a>.</p>"
        );
    }

    #[test]
    fn everything_else_is_escaped() {
        let html = explication_html("<script>alert(1)</script> [x](javascript:alert(1)) **gras** <a href=x>");
        assert!(
            !html.contains("<script") && !html.contains("<a href=x") && !html.contains("href=\"javascript"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"));
        assert!(explication_html("[x](https://a.fr\" onmouseover=\"y)").matches("<a ").count() <= 1);
        assert!(!explication_html("https://a.fr/\"onclick=x").contains("\"onclick"));
    }

    proptest! {
        #[test]
        fn rendering_never_panics_and_only_emits_known_tags(s in "\\PC{0,300}") {
            let html = explication_html(&s);
            let mut rest = html.as_str();
            while let Some(i) = rest.find('<') {
                rest = &rest[i + 1..];
                prop_assert!(["p>", "/p>", "br>", "ul>", "/ul>", "li>", "/li>", "a href=\"http", "/a>"].iter().any(|t| rest.starts_with(t)), "{}", html);
            }
        }
    }
}
