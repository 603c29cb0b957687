//! Moments as the panel writes them: for people to the second,
//! `2026-12-06 07:40:12 UTC`, the same in every language and front end
//! (the pages' audit, journal, tokens and snapshots; the SSH member shell);
//! for files, RFC 3339 and a compact form that sorts (the backups').

use time::OffsetDateTime;

/// The calendar of a unix time in UTC: year, month, day, hour, minute, second.
fn calendar(unix: i64) -> Option<(i32, u8, u8, u8, u8, u8)> {
    let at = OffsetDateTime::from_unix_timestamp(unix).ok()?;
    Some((at.year(), u8::from(at.month()), at.day(), at.hour(), at.minute(), at.second()))
}

/// `2026-11-23 07:40:12 UTC` for a unix time; `never` outside the range of dates.
pub fn when(unix: i64) -> String {
    match calendar(unix) {
        Some((year, month, day, hour, minute, second)) => {
            format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} UTC")
        }
        None => "never".to_owned(),
    }
}

/// `2026-12-06T08:30:00Z` for `now` (outside the range of dates: the epoch's).
pub fn rfc3339(now: i64) -> String {
    let (year, month, day, hour, minute, second) = calendar(now).unwrap_or((1970, 1, 1, 0, 0, 0));
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// `20261206T083000Z` for `now`, which sorts as time does (outside the range of dates: the epoch's).
pub fn compact(now: i64) -> String {
    let (year, month, day, hour, minute, second) = calendar(now).unwrap_or((1970, 1, 1, 0, 0, 0));
    format!("{year:04}{month:02}{day:02}T{hour:02}{minute:02}{second:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unix_time_reads_in_utc_to_the_second_and_one_out_of_range_is_never() {
        assert_eq!(when(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(when(1_796_542_812), "2026-12-06 07:40:12 UTC");
        assert_eq!(when(i64::MAX), "never");
    }

    #[test]
    fn files_get_times_in_utc_as_calendars_show_them() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_548_200), "2026-12-06T09:10:00Z");
        assert_eq!(compact(1_796_548_200), "20261206T091000Z");
    }
}
