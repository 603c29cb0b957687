//! A running instance's memory limit (and, when LXD misses it, its usage),
//! read from its cgroup on the host.
//!
//! LXD 5.0's `…/state` has no memory limit, and asking LXD for the
//! instance's config alongside costs the state call ~30% on a 2-core host
//! (measured: LXD is CPU-bound there), while the kernel holds the number:
//! `limits.memory` (percentages resolved) is the hard limit of the
//! instance's cgroup. Two small reads: `/proc/<init pid>/cgroup`, then
//! `memory.max` (cgroup v2) or `memory.limit_in_bytes` (v1). Anything
//! unexpected means "no known limit", never an error.
//!
//! LXD 5.0 answers a usage of 0 when its own cgroup read fails (seen on a
//! loaded host right after a start); the same directory's `memory.current`
//! (v2) or `memory.usage_in_bytes` (v1) then gives it.

use std::path::{Path, PathBuf};

/// The cgroup file system's mount point.
const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// LXC names each container's own cgroup `lxc.payload.<project>_<name>`;
/// an init like systemd sits in a child of it (`init.scope`).
const PAYLOAD_PREFIX: &str = "lxc.payload.";

/// cgroup v1 says "no limit" with a number near `i64::MAX`.
const UNLIMITED_FROM: i64 = 1 << 62;

/// Which of the instance's memory figures to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    Limit,
    Usage,
}

/// The hard memory limit of the instance whose init has host PID `pid`.
pub(crate) fn memory_limit(pid: i64) -> Option<i64> {
    parse_limit(&read(pid, Reading::Limit)?)
}

/// The memory the instance whose init has host PID `pid` uses now, in bytes.
pub(crate) fn memory_usage(pid: i64) -> Option<i64> {
    read(pid, Reading::Usage)?.trim().parse().ok().filter(|bytes: &i64| *bytes > 0)
}

fn read(pid: i64, reading: Reading) -> Option<String> {
    let membership = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    std::fs::read_to_string(memory_file(Path::new(CGROUP_ROOT), &membership, reading)?).ok()
}

/// The file of `reading` in the instance's cgroup, from `/proc/<pid>/cgroup`:
/// the v1 `memory` controller's line if there is one, else the v2 line.
fn memory_file(root: &Path, membership: &str, reading: Reading) -> Option<PathBuf> {
    let mut v1 = None;
    let mut v2 = None;
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        if controllers.split(',').any(|controller| controller == "memory") {
            v1 = Some(path);
        } else if controllers.is_empty() {
            v2 = Some(path);
        }
    }
    let (base, path, file) = match (v1, v2, reading) {
        (Some(path), _, Reading::Limit) => (root.join("memory"), path, "memory.limit_in_bytes"),
        (Some(path), _, Reading::Usage) => (root.join("memory"), path, "memory.usage_in_bytes"),
        (None, Some(path), Reading::Limit) => (root.to_path_buf(), path, "memory.max"),
        (None, Some(path), Reading::Usage) => (root.to_path_buf(), path, "memory.current"),
        (None, None, _) => return None,
    };
    let mut dir = base;
    for component in path.split('/').filter(|component| !component.is_empty()) {
        if component == "." || component == ".." {
            return None;
        }
        dir.push(component);
        if component.starts_with(PAYLOAD_PREFIX) {
            break;
        }
    }
    Some(dir.join(file))
}

/// `max` or v1's huge number is no limit; otherwise bytes.
fn parse_limit(text: &str) -> Option<i64> {
    let bytes: i64 = text.trim().parse().ok()?;
    (bytes > 0 && bytes < UNLIMITED_FROM).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_v1_memory_controller_wins_and_the_payload_cgroup_is_the_instance_s() {
        let membership = "9:name=systemd:/lxc.payload.p_c1/init.scope\n4:memory:/lxc.payload.p_c1/init.scope\n0::/lxc.payload.p_c1/init.scope\n";
        assert_eq!(
            memory_file(Path::new("/cg"), membership, Reading::Limit),
            Some(PathBuf::from("/cg/memory/lxc.payload.p_c1/memory.limit_in_bytes"))
        );
    }

    #[test]
    fn a_v2_only_host_reads_memory_max() {
        assert_eq!(
            memory_file(Path::new("/cg"), "0::/lxc.payload.c1\n", Reading::Limit),
            Some(PathBuf::from("/cg/lxc.payload.c1/memory.max"))
        );
        assert_eq!(memory_file(Path::new("/cg"), "garbage", Reading::Limit), None);
        assert_eq!(memory_file(Path::new("/cg"), "0::/../etc\n", Reading::Limit), None);
    }

    #[test]
    fn the_usage_is_read_beside_the_limit() {
        assert_eq!(
            memory_file(Path::new("/cg"), "0::/lxc.payload.c1/init.scope\n", Reading::Usage),
            Some(PathBuf::from("/cg/lxc.payload.c1/memory.current"))
        );
        assert_eq!(
            memory_file(Path::new("/cg"), "4:memory:/lxc.payload.c1\n", Reading::Usage),
            Some(PathBuf::from("/cg/memory/lxc.payload.c1/memory.usage_in_bytes"))
        );
    }

    #[test]
    fn max_and_v1_s_huge_number_are_no_limit() {
        assert_eq!(parse_limit("268435456\n"), Some(268_435_456));
        assert_eq!(parse_limit("max\n"), None);
        assert_eq!(parse_limit("9223372036854771712\n"), None);
    }

    #[test]
    fn the_limit_file_is_read_through_proc() {
        let dir = tempfile::tempdir().unwrap();
        let cgroup = dir.path().join("lxc.payload.c1");
        std::fs::create_dir_all(&cgroup).unwrap();
        std::fs::write(cgroup.join("memory.max"), "1048576\n").unwrap();
        let file = memory_file(dir.path(), "0::/lxc.payload.c1/init.scope\n", Reading::Limit).unwrap();
        assert_eq!(parse_limit(&std::fs::read_to_string(file).unwrap()), Some(1_048_576));
    }
}
