//! `Username`: the name an account signs in with.

use std::fmt;

/// A valid username: 1 to 32 characters, each a lowercase ASCII letter, a
/// digit, `_`, `.` or `-`, the first a letter (`[a-z][a-z0-9_.-]{0,31}`).
/// Lowercase only, so that two accounts can never differ by case alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

pub const MAX_USERNAME_CHARS: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UsernameError {
    #[error("a username cannot be empty")]
    Empty,
    #[error("a username has at most {MAX_USERNAME_CHARS} characters")]
    TooLong,
    #[error("a username starts with a lowercase letter (a-z)")]
    BadStart,
    #[error("a username has only lowercase letters, digits, '_', '.' and '-'; {0:?} is not allowed")]
    BadCharacter(char),
}

impl Username {
    pub fn parse(text: &str) -> Result<Username, UsernameError> {
        let first = text.chars().next().ok_or(UsernameError::Empty)?;
        if text.chars().count() > MAX_USERNAME_CHARS {
            return Err(UsernameError::TooLong);
        }
        if !first.is_ascii_lowercase() {
            return Err(UsernameError::BadStart);
        }
        if let Some(bad) = text.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(*c)))
        {
            return Err(UsernameError::BadCharacter(bad));
        }
        Ok(Username(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_letters_digits_and_separators_starting_with_a_letter_are_accepted() {
        for name in ["a", "alice", "bob.smith", "carol_2", "d-e-f", &"x".repeat(32)] {
            assert_eq!(Username::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn an_empty_or_too_long_name_is_refused() {
        assert_eq!(Username::parse(""), Err(UsernameError::Empty));
        assert_eq!(Username::parse(&"x".repeat(33)), Err(UsernameError::TooLong));
    }

    #[test]
    fn a_name_not_starting_with_a_lowercase_letter_is_refused() {
        for name in ["1alice", "_alice", ".alice", "-alice", "Alice", "élise"] {
            assert_eq!(Username::parse(name), Err(UsernameError::BadStart), "{name}");
        }
    }

    #[test]
    fn uppercase_spaces_and_other_characters_are_refused_and_named() {
        assert_eq!(Username::parse("aLice"), Err(UsernameError::BadCharacter('L')));
        assert_eq!(Username::parse("al ice"), Err(UsernameError::BadCharacter(' ')));
        assert_eq!(Username::parse("al/ice"), Err(UsernameError::BadCharacter('/')));
        assert_eq!(Username::parse("alicé"), Err(UsernameError::BadCharacter('é')));
        assert!(Username::parse("al@ice").unwrap_err().to_string().contains("'@'"));
    }
}
