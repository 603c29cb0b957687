//! `LxdError`: every way a call to LXD can fail, and the one place that turns
//! LXD's error texts (sync error JSON or a failed operation's `err`) into it.

/// A failed LXD call. Messages carry LXD's own text where there is one and
/// never a secret (exec websocket secrets never leave `exec.rs`).
#[derive(Debug, thiserror::Error)]
pub enum LxdError {
    /// The socket is missing, refuses connections or dropped one: LXD is down.
    #[error("LXD is unavailable: {0}")]
    Unavailable(String),
    /// A deadline passed: LXD did not answer, or the operation still runs.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The instance (or another named object, a snapshot) does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    #[error("the instance is already running")]
    AlreadyRunning,
    #[error("the instance is already stopped")]
    AlreadyStopped,
    /// An instance of that name exists (a create).
    #[error("an instance of that name already exists")]
    AlreadyExists,
    /// LXD refused the configuration or devices of a create or update.
    #[error("LXD refused the configuration: {0}")]
    InvalidConfig(String),
    /// Another operation holds the instance.
    #[error("the instance is busy: {0}")]
    Busy(String),
    /// LXD answered with an error.
    #[error("LXD refused the request ({status}): {message}")]
    Api { status: u16, message: String },
    /// LXD answered something that is not the JSON we expect.
    #[error("unexpected answer from LXD: {0}")]
    Protocol(String),
}

/// Maps LXD's error text and code, from a sync error answer or a failed
/// operation, to the error the agent reports.
///
/// LXD 5.0 accepts a start of a running instance (or a stop of a stopped
/// one) and fails the operation afterwards, so the texts matter more than
/// the codes. An exec in a stopped instance ("Instance is not running") is
/// the same conflict as stopping it again: `AlreadyStopped`. A clean stop that LXD gives up on ("Failed shutting down
/// instance") is a timeout: the instance did not shut down in time. A
/// restore to a missing snapshot fails its operation with "Snapshot c1/s0
/// does not exist" (400): `NotFound`, as a 404 is.
pub(crate) fn classify(status: u16, message: &str) -> LxdError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("already running") {
        LxdError::AlreadyRunning
    } else if lower.contains("already stopped") || lower.contains("instance is not running") {
        LxdError::AlreadyStopped
    } else if lower.contains("already exists") {
        LxdError::AlreadyExists
    } else if lower.starts_with("invalid config") || lower.starts_with("invalid devices") {
        LxdError::InvalidConfig(message.to_owned())
    } else if lower.contains("is busy running") {
        LxdError::Busy(message.to_owned())
    } else if lower.contains("failed shutting down instance") {
        LxdError::Timeout(format!(
            "the instance did not shut down within its timeout (LXD: {message}); stop it with force"
        ))
    } else if status == 404 || (lower.starts_with("snapshot ") && lower.ends_with(" does not exist")) {
        LxdError::NotFound(message.to_owned())
    } else {
        LxdError::Api { status, message: message.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_failures_of_lxd_map_to_conflicts() {
        assert!(matches!(classify(400, "The instance is already running"), LxdError::AlreadyRunning));
        assert!(matches!(classify(400, "The instance is already stopped"), LxdError::AlreadyStopped));
        assert!(matches!(
            classify(400, "Failed to create instance start operation: Instance is busy running a \"stop\" operation"),
            LxdError::Busy(_)
        ));
    }

    #[test]
    fn a_create_of_an_existing_name_and_refused_config_are_named() {
        let duplicate = "Failed creating instance record: Add instance info to the database: This \"instances\" entry already exists";
        assert!(matches!(classify(400, duplicate), LxdError::AlreadyExists));
        assert!(matches!(classify(500, "Invalid config: Invalid value: lots"), LxdError::InvalidConfig(_)));
        assert!(matches!(classify(400, "Invalid devices: Device validation failed"), LxdError::InvalidConfig(_)));
    }

    #[test]
    fn a_clean_stop_that_lxd_gives_up_on_is_a_timeout() {
        let error =
            classify(400, "Failed shutting down instance, status is \"Running\": shutting down the container failed");
        assert!(matches!(error, LxdError::Timeout(ref m) if m.contains("shutting down the container failed")));
    }

    #[test]
    fn snapshots_that_exist_already_or_do_not_exist_are_named() {
        let duplicate = "Failed creating instance snapshot record \"s0\": Add snapshot info to the database: This \"instances_snapshots\" entry already exists";
        assert!(matches!(classify(400, duplicate), LxdError::AlreadyExists));
        assert!(matches!(classify(400, "Snapshot c1/s9 does not exist"), LxdError::NotFound(_)));
        assert!(matches!(
            classify(
                404,
                "Failed to fetch snapshot \"s9\" of instance \"c1\" in project \"p\": InstanceSnapshot not found"
            ),
            LxdError::NotFound(_)
        ));
        assert!(matches!(
            classify(400, "Unable to create a stateful snapshot. CRIU isn't installed"),
            LxdError::Api { .. }
        ));
    }

    #[test]
    fn a_404_is_not_found_and_anything_else_is_an_api_error() {
        assert!(matches!(classify(404, "Instance not found"), LxdError::NotFound(ref m) if m == "Instance not found"));
        assert!(matches!(
            classify(500, "boom"),
            LxdError::Api { status: 500, ref message } if message == "boom"
        ));
    }
}
