//! Issue 22's figure: a member's snapshot taken and restored through the
//! panel (`POST …/snapshots`, then `POST …/snapshots/{name}/restore`: the
//! real agent in this process, the real LXD) beside `lxc snapshot` and
//! `lxc restore` of the same container, in turns, each side first in turn
//! (goal: ratio ≤ 1.05). Each round deletes its snapshot afterwards,
//! untimed. The container is a running busybox: each restore stops it,
//! puts its files back and starts it again, on both sides. LXD's first
//! snapshot of a container that started less than a second ago takes about
//! 1.2 s instead of 0.2 s (measured with `lxc snapshot` alone), so each
//! side's take begins `SETTLE` after the last restart, untimed.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use super::MemberScene;
use crate::support::{Project, lxc, ms, percentile, rounds, start_agent, turns, verdict};

const CONTAINER: &str = "s1";
/// How long the container runs after a restore before a timed take.
const SETTLE: Duration = Duration::from_secs(3);

/// How long `work` took.
fn timed_blocking(work: impl FnOnce()) -> Duration {
    let started = Instant::now();
    work();
    started.elapsed()
}

pub async fn take_and_restore_beside_lxc() {
    let project = Project::launch("snap", "smp-busybox", CONTAINER);
    let dir = tempfile::tempdir().unwrap();
    let (agent_url, secret) = start_agent("bench", &project, dir.path(), "member_images = [\"smp-busybox\"]\n").await;
    let scene = MemberScene::start(dir.path(), (&agent_url, &secret), CONTAINER, "").await;
    scene
        .set_quota(json!({"containers": 0, "cpu": 0, "memory_mb": 0, "disk_mb": 0, "forwards": 0, "snapshots": null}))
        .await;
    let MemberScene { api, http, alice, container: id, .. } = &scene;
    let snapshots = format!("{api}/containers/{id}/snapshots");
    let in_project = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--project", &project.name]);
        lxc(&all);
    };
    let (mut panel_take, mut panel_restore, mut lxc_take, mut lxc_restore) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // The first round warms every path.
    for round in 0..rounds(10) + 1 {
        for side in turns(round, 2) {
            let name = format!("r{round}s{side}");
            tokio::time::sleep(SETTLE).await;
            let (took, restored) = if side == 0 {
                let started = Instant::now();
                let taken =
                    http.post(&snapshots).bearer_auth(alice).json(&json!({ "name": name })).send().await.unwrap();
                assert_eq!(taken.status(), 201, "{}", taken.text().await.unwrap());
                let took = started.elapsed();
                let started = Instant::now();
                let restore = http.post(format!("{snapshots}/{name}/restore")).bearer_auth(alice).send().await.unwrap();
                assert_eq!(restore.status(), 200, "{}", restore.text().await.unwrap());
                let restored = started.elapsed();
                let delete = http.request(Method::DELETE, format!("{snapshots}/{name}")).bearer_auth(alice).send();
                assert_eq!(delete.await.unwrap().status(), 204);
                (took, restored)
            } else {
                let took = timed_blocking(|| in_project(&["snapshot", CONTAINER, &name]));
                let restored = timed_blocking(|| in_project(&["restore", CONTAINER, &name]));
                in_project(&["delete", &format!("{CONTAINER}/{name}")]);
                (took, restored)
            };
            if round > 0 {
                let (takes, restores) =
                    if side == 0 { (&mut panel_take, &mut panel_restore) } else { (&mut lxc_take, &mut lxc_restore) };
                takes.push(took);
                restores.push(restored);
            }
        }
    }
    let take_ratio = ms(percentile(&panel_take, 0.5)) / ms(percentile(&lxc_take, 0.5));
    let restore_ratio = ms(percentile(&panel_restore, 0.5)) / ms(percentile(&lxc_restore, 0.5));
    println!(
        "snapshot of a running busybox through the panel: take p50 {:>7.1} ms, restore p50 {:>7.1} ms | lxc snapshot p50 {:>7.1} ms, lxc restore p50 {:>7.1} ms | ratio take {take_ratio:.3}, restore {restore_ratio:.3} (goal ≤ 1.05: {}, n={})",
        ms(percentile(&panel_take, 0.5)),
        ms(percentile(&panel_restore, 0.5)),
        ms(percentile(&lxc_take, 0.5)),
        ms(percentile(&lxc_restore, 0.5)),
        verdict(take_ratio <= 1.05 && restore_ratio <= 1.05),
        panel_take.len()
    );
    drop(project);
}
