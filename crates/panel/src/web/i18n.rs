//! The pages in their reader's language: the Fluent files of
//! `locales/<code>/*.ftl` (built into the binary), the language of the page
//! being answered, and what templates call to say things in it (`t`,
//! `t_count`, `t_with`, `t_with2`, `lang`, `date`), and numbers in it (`number`).
//!
//! Which language a page is in: `http::page_language`. The JSON API's
//! codes and messages stay English.
//!
//! The page's language lives in the request's task: text made on another
//! thread (inside `db::run`, or in a job that outlives the request) must
//! take the language read before (`lookup(language, …)`), or it comes out
//! English.
//!
//! Adding a language is a directory of `.ftl` files and a variant of
//! `Language`; a key missing from any language fails `cargo test`.

use fluent_templates::fluent_bundle::FluentValue;

pub use crate::texts::{lookup, text};

use crate::domain::language::Language;
use crate::http::page_language;

/// The language of the page being answered.
fn page_language() -> Language {
    page_language::current()
}

/// `key` in the page's language with `args`.
pub fn say(key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
    lookup(page_language(), key, args)
}

/// `key` in the page's language.
pub fn t(key: &str) -> String {
    lookup(page_language(), key, &[])
}

/// `key` in the page's language with `$count` = `count`: its plural
/// (Polish: 1 kontener, 2 kontenery, 5 kontenerów).
pub fn t_count(key: &str, count: i64) -> String {
    lookup(page_language(), key, &[("count", FluentValue::from(count))])
}

/// A count as the templates hand it over (a field is passed by reference).
pub trait Count {
    fn count(&self) -> i64;
}

macro_rules! count_of {
    ($($number:ty),*) => {$(
        impl Count for $number {
            fn count(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count_of!(i32, i64, u32, u64, usize);

impl<N: Count> Count for &N {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// What every template may call, in the page's language.
pub trait Translate {
    /// The text of `key`.
    fn t(&self, key: &str) -> String {
        t(key)
    }

    /// The text of `key` for `count` things (`$count`, plural rules).
    fn t_count(&self, key: &str, count: impl Count) -> String {
        t_count(key, count.count())
    }

    /// The text of `key` with `$name` = `value`.
    fn t_with(&self, key: &str, name: &'static str, value: impl std::fmt::Display) -> String {
        lookup(page_language(), key, &[(name, FluentValue::from(value.to_string()))])
    }

    /// The text of `key` with two variables.
    fn t_with2(
        &self,
        key: &str,
        name: &'static str,
        value: impl std::fmt::Display,
        other: &'static str,
        other_value: impl std::fmt::Display,
    ) -> String {
        let args = [(name, FluentValue::from(value.to_string())), (other, FluentValue::from(other_value.to_string()))];
        lookup(page_language(), key, &args)
    }

    /// The page's language code, for `<html lang>`.
    fn lang(&self) -> &'static str {
        page_language().code()
    }

    /// A container's limits in words ("1 CPU, 512 MiB memory").
    fn limits(&self, limits: &crate::db::containers::Limits) -> String {
        super::provisioning::limits_text(page_language(), limits)
    }

    /// A moment (unix seconds) as the page's language writes it, in UTC.
    fn date(&self, unix: &i64) -> String {
        date(page_language(), *unix)
    }
}

impl<T: askama::Template> Translate for T {}

/// `unix` in `language`: "6 Dec 2026, 07:40 UTC", "6 déc. 2026, 07:40 UTC".
pub fn date(language: Language, unix: i64) -> String {
    let Ok(at) = actix_web::cookie::time::OffsetDateTime::from_unix_timestamp(unix) else {
        return unix.to_string();
    };
    let month = lookup(language, "date-month", &[("month", FluentValue::from(u8::from(at.month())))]);
    lookup(
        language,
        "date-time",
        &[
            ("day", FluentValue::from(at.day().to_string())),
            ("month", FluentValue::from(month)),
            ("year", FluentValue::from(at.year().to_string())),
            ("time", FluentValue::from(format!("{:02}:{:02}", at.hour(), at.minute()))),
        ],
    )
}

/// `value` with `language`'s group separator (`number-group-separator`)
/// every three digits, from `number-grouping-from` digits on (Polish
/// writes 1234 but 12 345).
pub fn number(language: Language, value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let from: usize = lookup(language, "number-grouping-from", &[]).trim().parse().unwrap_or(4);
    let separator = lookup(language, "number-group-separator", &[]);
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        let left = digits.len() - index;
        if index > 0 && left.is_multiple_of(3) && digits.len() >= from {
            grouped.push_str(&separator);
        }
        grouped.push(digit);
    }
    if value < 0 { format!("-{grouped}") } else { grouped }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use fluent_templates::fluent_bundle::FluentResource;

    use super::*;

    /// The message ids of `language`'s files.
    fn keys(language: Language) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(language.code());
        let mut keys = BTreeSet::new();
        for file in std::fs::read_dir(&dir).unwrap() {
            let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
            for line in text.lines() {
                let Some((id, _)) = line.split_once('=') else { continue };
                let id = id.trim_end();
                if !line.starts_with([' ', '#', '-', '*', '[']) && !id.is_empty() && !id.contains(' ') {
                    keys.insert(id.to_owned());
                }
            }
        }
        keys
    }

    /// Every file of `dirs` under the crate (and their subdirectories) that is a template or Rust, as one text.
    fn sources(dirs: &[&str]) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut text = String::new();
        let mut dirs: Vec<_> = dirs.iter().map(|dir| root.join(dir)).collect();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|extension| extension == "html" || extension == "rs") {
                    text.push_str(&std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        text
    }

    #[test]
    fn every_language_has_every_key_and_no_other() {
        let english = keys(Language::English);
        assert!(english.len() > 20, "{english:?}");
        for language in Language::ALL {
            let theirs = keys(language);
            let missing: Vec<_> = english.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{language}: missing {missing:?}, not in English {extra:?}"
            );
        }
    }

    #[test]
    fn every_file_is_valid_fluent() {
        for language in Language::ALL {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(language.code());
            for file in std::fs::read_dir(&dir).unwrap() {
                let path = file.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                if let Err((_, errors)) = FluentResource::try_new(text) {
                    panic!("{}: {errors:?}", path.display());
                }
            }
        }
    }

    #[test]
    fn every_key_is_used_by_a_template_or_the_code_and_every_used_key_exists() {
        let everything = sources(&["templates", "src"]);
        let english = keys(Language::English);
        let unused: Vec<_> = english.iter().filter(|key| !everything.contains(&format!("\"{key}\""))).collect();
        assert!(unused.is_empty(), "keys no template or code uses: {unused:?}");
        let templates = sources(&["templates"]);
        let mut used = BTreeSet::new();
        for call in ["t(\"", "t_count(\"", "t_with(\"", "t_with2(\""] {
            for (at, _) in templates.match_indices(call) {
                let called = !templates[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
                let rest = &templates[at + call.len()..];
                if let Some(end) = rest.find('"').filter(|_| called) {
                    used.insert(rest[..end].to_owned());
                }
            }
        }
        assert!(used.len() > 20, "{used:?}");
        let undefined: Vec<_> = used.difference(&english).collect();
        assert!(undefined.is_empty(), "keys the templates use but no .ftl file has: {undefined:?}");
        // The refusals the code names (`AppError::said`, the login page's).
        let code = sources(&["src"]);
        let named: BTreeSet<String> = ["\"error-", "\"login-refused-"]
            .iter()
            .flat_map(|start| code.match_indices(start).map(|(at, _)| &code[at + 1..]))
            .filter_map(|rest| rest.split_once('"').map(|(key, _)| key))
            .filter(|key| !key.ends_with('-'))
            .filter(|key| key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .map(str::to_owned)
            .collect();
        assert!(named.len() > 10, "{named:?}");
        let undefined: Vec<_> = named.difference(&english).collect();
        assert!(undefined.is_empty(), "keys the code names but no .ftl file has: {undefined:?}");
    }

    #[test]
    fn a_refusal_with_a_key_is_english_in_the_api_and_in_her_language_on_a_page() {
        use crate::error::{AppError, ErrorCode};
        let error = AppError::said(ErrorCode::AgentUnavailable, "error-agent-unreachable", &[("machine", text("m1"))]);
        assert_eq!(
            error.message,
            "machine m1 cannot be reached right now; try again in a minute, and tell an admin if it lasts"
        );
        assert_eq!(error.message_in(Language::English), error.message);
        assert!(error.message_in(Language::French).starts_with("la machine m1 est injoignable"));
        assert!(error.message_in(Language::Polish).starts_with("maszyna m1 jest teraz nieosiągalna"));
        let theirs = AppError::new(ErrorCode::AgentError, "LXD said no");
        assert_eq!(theirs.message_in(Language::French), "LXD said no", "someone else's words stay as they are");
    }

    #[test]
    fn polish_has_its_three_plural_forms_and_english_and_french_their_two() {
        let containers = |language, count| lookup(language, "containers-count", &[("count", FluentValue::from(count))]);
        assert_eq!(containers(Language::Polish, 1), "1 kontener");
        assert_eq!(containers(Language::Polish, 2), "2 kontenery");
        assert_eq!(containers(Language::Polish, 5), "5 kontenerów");
        assert_eq!(containers(Language::Polish, 22), "22 kontenery");
        assert_eq!(containers(Language::Polish, 12), "12 kontenerów");
        assert_eq!(containers(Language::English, 1), "1 container");
        assert_eq!(containers(Language::English, 0), "0 containers");
        assert_eq!(containers(Language::French, 0), "0 conteneur");
        assert_eq!(containers(Language::French, 2), "2 conteneurs");
    }

    #[test]
    fn dates_and_numbers_are_written_as_each_language_writes_them() {
        let moment = 1_796_542_812; // 2026-12-06 07:40:12 UTC
        assert_eq!(date(Language::English, moment), "6 Dec 2026, 07:40 UTC");
        assert_eq!(date(Language::French, moment), "6 déc. 2026, 07:40 UTC");
        assert_eq!(date(Language::Polish, moment), "6 gru 2026, 07:40 UTC");
        assert_eq!(number(Language::English, 1_234_567), "1,234,567");
        assert_eq!(number(Language::French, 1234), "1\u{202f}234");
        assert_eq!(number(Language::Polish, 1234), "1234");
        assert_eq!(number(Language::Polish, 12_345), "12\u{a0}345");
        assert_eq!(number(Language::English, -1000), "-1,000");
        assert_eq!(number(Language::English, 999), "999");
    }

    #[test]
    fn a_key_no_language_has_is_shown_as_itself_in_brackets() {
        assert_eq!(lookup(Language::French, "no-such-key", &[]), "⟦no-such-key⟧");
    }
}
