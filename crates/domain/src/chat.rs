//! What a chat message must be before it is stored.

/// Longest chat message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// A chat message as it will be stored: trimmed, control characters other than line
/// breaks and tabs removed, and invisible ones too (`text::is_invisible_control`). Markup
/// is kept as typed; it is always shown as text.
pub fn check_message(raw: &str) -> Result<String, String> {
    let text: String = crate::text::visible(raw)
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    let text = text.trim().to_owned();
    let count = text.chars().count();
    if count == 0 {
        return Err("Please type a message first.".into());
    }
    if count > MAX_MESSAGE_CHARS {
        return Err(format!(
            "Please keep a message to {MAX_MESSAGE_CHARS} characters (this one has {count}); send the rest in a second message."
        ));
    }
    Ok(text)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    #[test]
    fn messages_are_checked() {
        assert_eq!(check_message("  hi \u{7}there\n ").unwrap(), "hi there");
        assert_eq!(
            check_message("\u{202E}tnemyap\u{200B} sent").unwrap(),
            "tnemyap sent"
        );
        assert!(
            check_message("\u{200B}\u{2066}").is_err(),
            "nothing visible"
        );
        assert!(check_message("   ").is_err());
        assert!(check_message(&"a".repeat(MAX_MESSAGE_CHARS)).is_ok());
        let long = check_message(&"é".repeat(MAX_MESSAGE_CHARS + 1)).unwrap_err();
        assert!(long.contains("1001"), "{long}");
        assert_eq!(
            check_message("<img src=x onerror=alert(1)>").unwrap(),
            "<img src=x onerror=alert(1)>"
        );
    }
}
