//! Moments as the panel writes them for people to the second:
//! `2026-12-06 07:40:12 UTC`, the same in every language and front end
//! (the pages' audit, journal, tokens and snapshots; the SSH member shell).

use time::OffsetDateTime;

/// `2026-11-23 07:40:12 UTC` for a unix time; `never` outside the range of dates.
pub fn when(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(at) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        ),
        Err(_) => "never".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn a_unix_time_reads_in_utc_to_the_second_and_one_out_of_range_is_never() {
        assert_eq!(when(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(when(1_796_542_812), "2026-12-06 07:40:12 UTC");
        assert_eq!(when(i64::MAX), "never");
    }
}
