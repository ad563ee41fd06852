//! Greedy word wrapping by measured glyph widths.

use crate::fonts::{Fonts, Weight};

/// Splits `text` into lines no wider than `width` points. `\n` starts a new
/// line (an empty one for `\n\n`); runs of spaces collapse; a word wider than
/// the line is cut between characters. Always makes progress, whatever the
/// width, so it terminates on any input.
pub(crate) fn wrap(fonts: &Fonts, text: &str, weight: Weight, size: f32, width: f32) -> Vec<String> {
    let width = width.max(1.0);
    let space = fonts.width(" ", weight, size);
    let mut lines = Vec::new();
    for hard_line in text.split('\n') {
        let cleaned = fonts.clean(hard_line);
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in cleaned.split(' ').filter(|w| !w.is_empty()) {
            let word_width = fonts.width(word, weight, size);
            if line.is_empty() && word_width <= width {
                line.push_str(word);
                line_width = word_width;
            } else if !line.is_empty() && line_width + space + word_width <= width {
                line.push(' ');
                line.push_str(word);
                line_width += space + word_width;
            } else {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                if word_width <= width {
                    line.push_str(word);
                    line_width = word_width;
                } else {
                    let (pieces, last) = cut_word(fonts, word, weight, size, width);
                    lines.extend(pieces);
                    line_width = fonts.width(&last, weight, size);
                    line = last;
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// Cuts a word too long for one line; returns the full lines and the
/// remainder that starts the next one.
fn cut_word(fonts: &Fonts, word: &str, weight: Weight, size: f32, width: f32) -> (Vec<String>, String) {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_width = 0.0;
    for c in word.chars() {
        let mut buf = [0u8; 4];
        let c_width = fonts.width(c.encode_utf8(&mut buf), weight, size);
        if !current.is_empty() && current_width + c_width > width {
            pieces.push(std::mem::take(&mut current));
            current_width = 0.0;
        }
        current.push(c);
        current_width += c_width;
    }
    (pieces, current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::fonts;

    #[test]
    fn wraps_on_words_within_width() {
        let f = fonts().unwrap();
        let text = "Le présent document atteste que la démarche a été déposée à la préfecture.";
        let lines = wrap(f, text, Weight::Regular, 10.0, 120.0);
        assert!(lines.len() > 2, "{lines:?}");
        for line in &lines {
            assert!(f.width(line, Weight::Regular, 10.0) <= 120.0, "{line}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn keeps_hard_breaks_and_cuts_long_words() {
        let f = fonts().unwrap();
        let lines = wrap(f, "a\n\nb", Weight::Regular, 10.0, 100.0);
        assert_eq!(lines, ["a", "", "b"]);
        let long = "x".repeat(200);
        let lines = wrap(f, &long, Weight::Bold, 10.0, 50.0);
        assert!(lines.len() > 3);
        assert_eq!(lines.concat(), long);
        assert_eq!(wrap(f, "abc", Weight::Regular, 10.0, 0.0), ["a", "b", "c"]);
    }

    #[test]
    fn replaces_characters_without_glyph() {
        let f = fonts().unwrap();
        assert_eq!(f.clean("é\u{200B}\u{0}x中"), "éx\u{FFFD}");
    }
}
