//! The panel's texts in every language: the Fluent files of
//! `locales/<code>/*.ftl`, built into the binary, and `lookup`, which says
//! one of them in a language. The pages (`web::i18n`) say everything
//! through it; the use cases name their refusals' texts by key
//! (`AppError::said`), which the API says in English and a page in its
//! reader's language.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader as _};

use crate::domain::language::Language;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: the pages are all
        // left-to-right, and the marks would show in copied text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

fn identifier(language: Language) -> LanguageIdentifier {
    language.code().parse().unwrap_or_default()
}

/// `key` in `language` with `args`, else in English; a key no language
/// has is shown as `⟦key⟧`, which the tests look for on every page.
pub fn lookup(language: Language, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue<'static>> =
        args.iter().map(|(name, value)| (Cow::Borrowed(*name), value.clone())).collect();
    let args = (!args.is_empty()).then_some(&args);
    LOCALES.try_lookup_complete(&identifier(language), key, args).unwrap_or_else(|| format!("⟦{key}⟧"))
}

/// A text argument of a message.
pub fn text(value: impl std::fmt::Display) -> FluentValue<'static> {
    FluentValue::from(value.to_string())
}
