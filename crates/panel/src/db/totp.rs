//! The `user_totp` and `totp_recovery_codes` tables: each account's TOTP
//! secret (sealed with the panel key), whether it is active, the last time
//! step accepted, and the SHA-256 of its recovery codes. Accepting a code
//! or a recovery code is one conditional UPDATE whose row count decides, so
//! that of two simultaneous logins with one code exactly one wins, on
//! SQLite and PostgreSQL alike.

use diesel::prelude::*;

use super::schema::{totp_recovery_codes, user_totp};
use super::users::UserId;
use super::{DbConnection, unix_now};
use crate::domain::secrets::Sealed;

/// An account's TOTP enrolment as stored.
#[derive(Debug, Clone)]
pub struct TotpRow {
    pub sealed: Sealed,
    pub active: bool,
    pub last_step: i64,
}

/// The enrolment of `user`, if she has one.
pub fn find(connection: &mut DbConnection, user: UserId) -> Result<Option<TotpRow>, diesel::result::Error> {
    let row: Option<(Vec<u8>, Vec<u8>, bool, i64)> = user_totp::table
        .find(user.0)
        .select((user_totp::secret_ciphertext, user_totp::secret_nonce, user_totp::active, user_totp::last_step))
        .first(connection)
        .optional()?;
    Ok(row.map(|(ciphertext, nonce, active, last_step)| TotpRow {
        sealed: Sealed { ciphertext, nonce },
        active,
        last_step,
    }))
}

/// Whether `user` has an active TOTP.
pub fn is_active(connection: &mut DbConnection, user: UserId) -> Result<bool, diesel::result::Error> {
    let active: Option<bool> = user_totp::table.find(user.0).select(user_totp::active).first(connection).optional()?;
    Ok(active == Some(true))
}

/// Every enrolment: the user and whether it is active (the admins' user list).
pub fn enrolments(connection: &mut DbConnection) -> Result<Vec<(UserId, bool)>, diesel::result::Error> {
    let rows: Vec<(i64, bool)> = user_totp::table.select((user_totp::user_id, user_totp::active)).load(connection)?;
    Ok(rows.into_iter().map(|(id, active)| (UserId(id), active)).collect())
}

/// Replaces `user`'s enrolment (and recovery codes) with a new, inactive one.
pub fn enrol(
    connection: &mut DbConnection,
    user: UserId,
    sealed: &Sealed,
    recovery_hashes: &[String],
) -> Result<(), diesel::result::Error> {
    remove(connection, user)?;
    diesel::insert_into(user_totp::table)
        .values((
            user_totp::user_id.eq(user.0),
            user_totp::secret_ciphertext.eq(&sealed.ciphertext),
            user_totp::secret_nonce.eq(&sealed.nonce),
            user_totp::active.eq(false),
            user_totp::last_step.eq(0),
            user_totp::created_at.eq(unix_now()),
        ))
        .execute(connection)?;
    for hash in recovery_hashes {
        diesel::insert_into(totp_recovery_codes::table)
            .values((totp_recovery_codes::user_id.eq(user.0), totp_recovery_codes::code_hash.eq(hash)))
            .execute(connection)?;
    }
    Ok(())
}

/// Accepts time step `step` for `user` if it is later than the last one
/// accepted (and, with `activate`, makes the enrolment active): true when
/// this call won the step.
pub fn accept_step(
    connection: &mut DbConnection,
    user: UserId,
    step: i64,
    activate: bool,
) -> Result<bool, diesel::result::Error> {
    let row = user_totp::table.filter(user_totp::user_id.eq(user.0)).filter(user_totp::last_step.lt(step));
    let changed = if activate {
        diesel::update(row.filter(user_totp::active.eq(false)))
            .set((user_totp::last_step.eq(step), user_totp::active.eq(true), user_totp::activated_at.eq(unix_now())))
            .execute(connection)?
    } else {
        diesel::update(row.filter(user_totp::active.eq(true))).set(user_totp::last_step.eq(step)).execute(connection)?
    };
    Ok(changed == 1)
}

/// Marks `user`'s unused recovery code of hash `code_hash` used: true when
/// this call used it.
pub fn use_recovery_code(
    connection: &mut DbConnection,
    user: UserId,
    code_hash: &str,
) -> Result<bool, diesel::result::Error> {
    let changed = diesel::update(
        totp_recovery_codes::table
            .filter(totp_recovery_codes::user_id.eq(user.0))
            .filter(totp_recovery_codes::code_hash.eq(code_hash))
            .filter(totp_recovery_codes::used_at.is_null()),
    )
    .set(totp_recovery_codes::used_at.eq(unix_now()))
    .execute(connection)?;
    Ok(changed == 1)
}

/// `user`'s unused recovery codes.
pub fn recovery_codes_left(connection: &mut DbConnection, user: UserId) -> Result<i64, diesel::result::Error> {
    totp_recovery_codes::table
        .filter(totp_recovery_codes::user_id.eq(user.0))
        .filter(totp_recovery_codes::used_at.is_null())
        .count()
        .get_result(connection)
}

/// Removes `user`'s enrolment and recovery codes.
pub fn remove(connection: &mut DbConnection, user: UserId) -> Result<(), diesel::result::Error> {
    diesel::delete(totp_recovery_codes::table.filter(totp_recovery_codes::user_id.eq(user.0))).execute(connection)?;
    diesel::delete(user_totp::table.filter(user_totp::user_id.eq(user.0))).execute(connection)?;
    Ok(())
}
