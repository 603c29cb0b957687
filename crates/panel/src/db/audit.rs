//! The `audit_log` table: append-only. This module can insert and read rows;
//! there is deliberately no function that updates or deletes one.
//!
//! Every text a request can fill (`actor`, `object`, `machine`) is cut to
//! `MAX_TEXT_CHARS` here, the one place rows are written, and marked with
//! `CUT_MARK`: a stranger's 4 KiB path must not become a 4 KiB row.

use diesel::prelude::*;

use super::schema::audit_log;
use super::{DbConnection, unix_now};

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Refused,
    Failed,
    /// Written before work the database cannot roll back (an agent call);
    /// the outcome row follows.
    Started,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::Started => "started",
        }
    }
}

/// The most characters a text column of a row holds (the mark included).
pub const MAX_TEXT_CHARS: usize = 256;
/// What ends a text that was cut to `MAX_TEXT_CHARS`.
pub const CUT_MARK: &str = "…[cut]";

/// `text` as stored: itself when it fits, else its first characters (cut
/// on a char boundary) followed by `CUT_MARK`, `MAX_TEXT_CHARS` in all.
pub fn bounded(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= MAX_TEXT_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    let keep = MAX_TEXT_CHARS - CUT_MARK.chars().count();
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(CUT_MARK);
    std::borrow::Cow::Owned(cut)
}

/// The longest `detail` stored, in bytes; a longer one is cut like the texts.
pub const MAX_DETAIL_BYTES: usize = 1024;

/// A `detail` as stored: itself when it fits in `MAX_DETAIL_BYTES`, else its
/// longest start (cut on a char boundary) that fits with `CUT_MARK` after it.
pub fn bounded_detail(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_DETAIL_BYTES {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = MAX_DETAIL_BYTES - CUT_MARK.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}{CUT_MARK}", &text[..end]))
}

/// One row to append; `at` is taken when it is written.
#[derive(Debug, Clone)]
pub struct NewAuditRow<'a> {
    pub actor_id: Option<i64>,
    /// The actor's username, or "anonymous".
    pub actor: &'a str,
    /// What was attempted, e.g. `user.create`.
    pub action: &'a str,
    /// What it was done to, e.g. `user:12`.
    pub object: &'a str,
    pub machine: Option<&'a str>,
    pub outcome: Outcome,
    pub error_code: Option<&'a str>,
    /// What exactly was asked (an exec's argv); cut to `MAX_DETAIL_BYTES` here.
    pub detail: Option<&'a str>,
    /// How many requests the row stands for: 1, or more for the aggregated
    /// refusals of one source without a credential (`api::anonymous`).
    pub count: i64,
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub machine: Option<String>,
    pub outcome: String,
    pub error_code: Option<String>,
    /// What exactly was asked where the action alone does not say it: an
    /// exec's argv as JSON, cut to 1 KiB (ending `…[cut]`).
    pub detail: Option<String>,
    /// How many requests this row stands for (1 unless aggregated).
    pub count: i64,
}

/// Appends one row.
pub fn append(connection: &mut DbConnection, row: &NewAuditRow<'_>) -> Result<(), diesel::result::Error> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(unix_now()),
            audit_log::actor_id.eq(row.actor_id),
            audit_log::actor.eq(bounded(row.actor).as_ref()),
            audit_log::action.eq(bounded(row.action).as_ref()),
            audit_log::object.eq(bounded(row.object).as_ref()),
            audit_log::machine.eq(row.machine.map(bounded).as_deref()),
            audit_log::outcome.eq(row.outcome.as_str()),
            audit_log::error_code.eq(row.error_code),
            audit_log::detail.eq(row.detail.map(bounded_detail).as_deref()),
            audit_log::count.eq(row.count.max(1)),
        ))
        .execute(connection)?;
    Ok(())
}

/// Every row, oldest first.
/// The id of the newest row (0 for an empty log): it moves whenever anything is audited.
pub fn latest_id(connection: &mut DbConnection) -> Result<i64, diesel::result::Error> {
    Ok(audit_log::table.select(diesel::dsl::max(audit_log::id)).first::<Option<i64>>(connection)?.unwrap_or(0))
}

pub fn list(connection: &mut DbConnection) -> Result<Vec<AuditRow>, diesel::result::Error> {
    audit_log::table.order(audit_log::id).select(AuditRow::as_select()).load(connection)
}

/// Which rows a reader may see (the policy decides which applies).
#[derive(Debug, Clone)]
pub enum Visible {
    All,
    /// Rows by `actor_id`, and rows about one of `objects`.
    ActorOrObjects {
        actor_id: i64,
        objects: Vec<String>,
    },
}

/// Filters of a search; all optional but `limit`.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub machine: Option<String>,
    pub outcome: Option<String>,
    pub since: Option<i64>,
    pub before: Option<i64>,
    pub limit: i64,
}

/// The visible rows matching `query`, newest first.
pub fn search(
    connection: &mut DbConnection,
    visible: &Visible,
    query: &AuditQuery,
) -> Result<Vec<AuditRow>, diesel::result::Error> {
    let mut select = audit_log::table.select(AuditRow::as_select()).order(audit_log::id.desc()).into_boxed();
    if let Visible::ActorOrObjects { actor_id, objects } = visible {
        select = select.filter(audit_log::actor_id.eq(*actor_id).or(audit_log::object.eq_any(objects.clone())));
    }
    if let Some(actor) = &query.actor {
        select = select.filter(audit_log::actor.eq(actor.clone()));
    }
    if let Some(action) = &query.action {
        select = select.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(object) = &query.object {
        select = select.filter(audit_log::object.eq(object.clone()));
    }
    if let Some(machine) = &query.machine {
        select = select.filter(audit_log::machine.eq(machine.clone()));
    }
    if let Some(outcome) = &query.outcome {
        select = select.filter(audit_log::outcome.eq(outcome.clone()));
    }
    if let Some(since) = query.since {
        select = select.filter(audit_log::at.ge(since));
    }
    if let Some(before) = query.before {
        select = select.filter(audit_log::id.lt(before));
    }
    select.limit(query.limit).load(connection)
}

/// How many rows of `actor_id` were refused with `error_code` at or after
/// `since` (the limit on passwords typed again counts its own refusals).
pub fn count_refusals_since(
    connection: &mut DbConnection,
    actor_id: i64,
    error_code: &str,
    since: i64,
) -> Result<i64, diesel::result::Error> {
    audit_log::table
        .filter(audit_log::actor_id.eq(actor_id))
        .filter(audit_log::at.ge(since))
        .filter(audit_log::outcome.eq(Outcome::Refused.as_str()))
        .filter(audit_log::error_code.eq(error_code))
        .count()
        .get_result(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_text_is_kept_and_a_long_one_is_cut_on_a_char_boundary_and_marked() {
        assert_eq!(bounded("container:12"), "container:12");
        let exact = "é".repeat(MAX_TEXT_CHARS);
        assert_eq!(bounded(&exact), exact);
        let long = format!("/api/v1/{}", "é".repeat(4096));
        let cut = bounded(&long);
        assert_eq!(cut.chars().count(), MAX_TEXT_CHARS);
        assert!(cut.starts_with("/api/v1/éé") && cut.ends_with(CUT_MARK), "{cut}");
    }

    #[test]
    fn a_detail_that_fits_is_kept_and_a_longer_one_is_cut_to_a_kib_on_a_char_boundary_and_marked() {
        assert_eq!(bounded_detail(r#"["uptime"]"#), r#"["uptime"]"#);
        let long = "é".repeat(600);
        let cut = bounded_detail(&long);
        assert!(cut.len() <= MAX_DETAIL_BYTES, "{}", cut.len());
        assert!(cut.ends_with(CUT_MARK));
        assert!(cut.trim_end_matches(CUT_MARK).chars().all(|c| c == 'é'));
    }
}
