//! Free text as the API accepts it: trimmed, at most a named number of
//! characters, and without control characters other than line breaks and
//! tabs (PostgreSQL cannot store NUL, and the rest is never meant). Every
//! free-text input is checked here; README's limits are these constants.

use crate::error::{AppError, Result};

/// Subjects, names, display names, single points of contact.
pub const LINE_MAX_CHARS: usize = 200;
/// Reasons, notes, signposts, lessons, improvements, behaviour, remedy
/// descriptions, claim routes, reasonable adjustments.
pub const NOTE_MAX_CHARS: usize = 5_000;
/// Escalation reasons and desired outcomes, review summaries and
/// recommendations.
pub const STATEMENT_MAX_CHARS: usize = 10_000;
/// A contact's description, a response's and an ombudsman finding's summary.
pub const NARRATIVE_MAX_CHARS: usize = 20_000;
/// An ombudsman's own reference.
pub const REFERENCE_MAX_CHARS: usize = 100;
pub const EMAIL_MAX_CHARS: usize = 254;
/// Keys chosen from a list: a service's slug, an exclusion category.
pub const KEY_MAX_CHARS: usize = 64;
pub const PHONE_MAX_CHARS: usize = 40;
pub const ADDRESS_MAX_CHARS: usize = 1_000;
/// An idempotency key a client sends with a request it may retry.
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 128;

pub fn required_text(field: &'static str, value: String, max_chars: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not be empty"),
        ));
    }
    bounded(field, trimmed, max_chars)
}

pub fn optional_text(
    field: &'static str,
    value: Option<String>,
    max_chars: usize,
) -> Result<Option<String>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => bounded(field, text, max_chars).map(Some),
    }
}

/// Text that is a name or key rather than prose (a service slug, a role, a
/// seniority): no control characters at all.
pub fn plain(field: &'static str, text: &str) -> Result<()> {
    match text.chars().find(|c| c.is_control()) {
        Some(c) => Err(control_character(field, c)),
        None => Ok(()),
    }
}

/// A token the caller chose, such as an idempotency key: compared exactly
/// as sent, so it is never trimmed; it must not be blank and carries no
/// control characters.
pub fn token(field: &'static str, value: String, max_chars: usize) -> Result<String> {
    if value.trim().is_empty() {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not be empty"),
        ));
    }
    plain(field, &value)?;
    bounded(field, &value, max_chars)
}

fn bounded(field: &'static str, text: &str, max_chars: usize) -> Result<String> {
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(control_character(field, c));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(AppError::bad_input(
            field,
            format!("{field} is {chars} characters long; the limit is {max_chars}"),
        ));
    }
    Ok(text.to_owned())
}

fn control_character(field: &'static str, c: char) -> AppError {
    AppError::bad_input(
        field,
        format!(
            "{field} contains the control character U+{:04X}; only line breaks and tabs are allowed",
            c as u32
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_other_than_line_breaks_and_tabs_are_refused() {
        assert!(required_text("f", "a\nb\r\n\tc".into(), 10).is_ok());
        for bad in ["a\0b", "a\u{7}b", "a\u{1b}b", "a\u{7f}b", "a\u{85}b"] {
            let err = required_text("f", bad.into(), 10).unwrap_err();
            assert!(
                matches!(
                    err,
                    AppError::BadUserInput {
                        field: Some("f"),
                        ..
                    }
                ),
                "{bad:?}"
            );
        }
        assert!(optional_text("f", Some("x\0".into()), 10).is_err());
        assert!(plain("f", "a\tb").is_err());
    }

    #[test]
    fn tokens_are_kept_exactly_as_sent() {
        assert_eq!(token("k", " a b ".into(), 5).unwrap(), " a b ");
        assert!(token("k", "   ".into(), 5).is_err());
        assert!(token("k", "a\tb".into(), 5).is_err());
        assert!(token("k", "é".repeat(6), 5).is_err());
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        assert!(required_text("f", "é".repeat(10), 10).is_ok());
        assert!(required_text("f", "é".repeat(11), 10).is_err());
    }
}
