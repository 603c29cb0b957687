//! The languages of the web UI: English, French and Polish, their codes
//! (what a user's row stores, what `<html lang>` says) and the choice among
//! them from a browser's `Accept-Language`.

use std::fmt;

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Language {
    #[default]
    English,
    French,
    Polish,
}

impl Language {
    /// Every language, in the order the switchers offer them.
    pub const ALL: [Language; 3] = [Language::English, Language::French, Language::Polish];

    /// The BCP 47 code: `en`, `fr`, `pl`.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
            Language::Polish => "pl",
        }
    }

    /// Its own name for itself, as a switcher shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::French => "Français",
            Language::Polish => "Polski",
        }
    }

    /// The language of `code` (`fr`, `fr-CA`, `PL`): its primary subtag.
    pub fn parse(code: &str) -> Option<Language> {
        let primary = code.split(['-', '_']).next()?.trim();
        Language::ALL.into_iter().find(|language| language.code().eq_ignore_ascii_case(primary))
    }

    /// The language a browser prefers most among ours, from its
    /// `Accept-Language` header (`fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5`):
    /// the highest `q` wins, the earlier on a tie; `q=0` refuses; `*` and
    /// languages we lack are passed over. `None` when nothing matches.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let mut best: Option<(Language, u16)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(language) = parts.next().and_then(Language::parse) else { continue };
            let quality = parts.find_map(|parameter| parameter.trim().strip_prefix("q=")).map_or(Some(1000), quality);
            let Some(quality) = quality.filter(|quality| *quality > 0) else { continue };
            if best.is_none_or(|(_, best_quality)| quality > best_quality) {
                best = Some((language, quality));
            }
        }
        best.map(|(language, _)| language)
    }
}

/// A `q` value in thousandths (`0.8` → 800), `None` when malformed.
fn quality(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    (0.0..=1.0).contains(&value).then(|| (value * 1000.0).round() as u16)
}

impl fmt::Display for Language {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_names_its_language_whatever_its_region_or_case() {
        assert_eq!(Language::parse("fr"), Some(Language::French));
        assert_eq!(Language::parse("fr-CA"), Some(Language::French));
        assert_eq!(Language::parse("PL"), Some(Language::Polish));
        assert_eq!(Language::parse("en_GB"), Some(Language::English));
        assert_eq!(Language::parse("de"), None);
        assert_eq!(Language::parse(""), None);
        for language in Language::ALL {
            assert_eq!(Language::parse(language.code()), Some(language));
        }
    }

    #[test]
    fn the_browsers_most_wanted_language_among_ours_is_chosen() {
        assert_eq!(Language::from_accept_language("fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5"), Some(Language::French));
        assert_eq!(Language::from_accept_language("de-DE, pl;q=0.7, en;q=0.3"), Some(Language::Polish));
        assert_eq!(Language::from_accept_language("en;q=0.2, pl;q=0.9"), Some(Language::Polish));
        assert_eq!(Language::from_accept_language("pl, fr"), Some(Language::Polish), "the earlier on a tie");
        assert_eq!(Language::from_accept_language("fr;q=0, en;q=0.1"), Some(Language::English), "q=0 refuses");
        assert_eq!(Language::from_accept_language("de, *"), None);
        assert_eq!(Language::from_accept_language(""), None);
        assert_eq!(Language::from_accept_language("fr;q=banana, pl;q=2"), None, "malformed q values are passed over");
    }
}
