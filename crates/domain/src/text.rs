//! Text as the shop stores it: without the invisible characters that change how the text
//! around them reads while showing nothing themselves.

/// Bidirectional controls (which can make `gpj.exe` read `exe.jpg`, or turn an order
/// number round), zero-width spaces and word joiners (which hide or split words), the
/// soft hyphen and the byte-order mark. The zero-width joiner and non-joiner are kept:
/// emoji sequences and Persian and Indic writing need them.
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// `raw` without invisible controls (see [`is_invisible_control`]), trimmed.
pub fn visible(raw: &str) -> String {
    raw.chars()
        .filter(|&c| !is_invisible_control(c))
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bidi_and_zero_width_characters_go_and_joiners_stay() {
        assert_eq!(visible("Sam\u{202E}gpj.exe"), "Samgpj.exe");
        assert_eq!(visible("\u{200B} Ann\u{2066}a\u{2069} \u{FEFF}"), "Anna");
        assert_eq!(visible("S\u{00AD}am"), "Sam");
        let family = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(visible(family), family);
        assert_eq!(visible("می\u{200C}خواهم"), "می\u{200C}خواهم");
    }

    proptest! {
        #[test]
        fn what_is_kept_has_no_invisible_control_and_keeps_everything_else(raw in ".{0,40}") {
            let kept = visible(&raw);
            prop_assert!(!kept.chars().any(is_invisible_control));
            let expected: String = raw.chars().filter(|&c| !is_invisible_control(c)).collect();
            prop_assert_eq!(kept.as_str(), expected.trim());
        }
    }
}
