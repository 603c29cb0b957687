//! Shared terminal sessions on the real agent and LXD, with WebSocket
//! clients: the owner and her `write` guests type and all see it, `read`
//! guests change nothing, a late joiner gets the screen, the owner manages
//! who is in (removing closes at once, ending closes for all, ten people at
//! most), a guest who never reads is dropped without slowing the owner, and
//! the owner's rights end the session for everyone.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::SinkExt as _;
use reqwest::Method;
use serde_json::{Value, json};
use smp_panel::Role;
use tokio_tungstenite::MaybeTlsStream;

use crate::helpers::{TestApp, error_code};
use crate::panel_agent::{PASSWORD, World, until};
use crate::real_agent::LxdProject;
use crate::terminal_ws::{Socket, Term, WAIT, auth, exists, participants_of, session_ticket, sessions_of};
use tokio_tungstenite::tungstenite::Message;

/// Starts a shared session of `owner` on `container`: its id.
async fn shared(world: &World, owner: &crate::helpers::Session, container: i64) -> String {
    let response = world.post("/terminal-sessions", owner, json!({"container_id": container})).await;
    assert_eq!(response.status(), 201);
    let view: Value = response.json().await.unwrap();
    assert_eq!((view["shared"].as_bool(), view["kind"].as_str()), (Some(true), Some("shell")), "{view}");
    view["id"].as_str().unwrap().to_owned()
}

/// `PUT …/participants/{name}` with `mode` by `session`: the status.
async fn invite(world: &World, session: &crate::helpers::Session, id: &str, name: &str, mode: &str) -> (u16, Value) {
    let path = format!("/terminal-sessions/{id}/participants/{name}");
    let response = world.app.send_json(Method::PUT, &path, session, &json!({"mode": mode})).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Joins session `id` as `session`'s user.
async fn join(world: &World, session: &crate::helpers::Session, id: &str) -> Term {
    Term::open(&world.app, &session_ticket(&world.app, session, id).await.unwrap()).await
}

/// Waits until `term` is told everyone in `expected` ((name, mode, attached), owner first).
async fn until_participants(term: &mut Term, expected: &[(&str, &str, bool)]) {
    let expected: Vec<(String, String, bool)> =
        expected.iter().map(|(name, mode, attached)| ((*name).to_owned(), (*mode).to_owned(), *attached)).collect();
    term.until_text("the participants", |text| text["type"] == "participants" && participants_of(text) == expected)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_and_a_write_guest_both_type_and_see_both_a_readers_keys_change_nothing_until_she_may_write() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let bob = world.member("bob").await;
    let carol = world.member("carol").await;
    world.member("dave").await;

    let session = shared(&world, &alice, id).await;
    assert_eq!(invite(&world, &alice, &session, "bob", "write").await.0, 200);
    assert_eq!(invite(&world, &alice, &session, "carol", "read").await.0, 200);
    let mut owner = join(&world, &alice, &session).await;
    let mut writer = join(&world, &bob, &session).await;
    let mut reader = join(&world, &carol, &session).await;
    for (term, mode, is_owner) in [(&owner, "write", true), (&writer, "write", false), (&reader, "read", false)] {
        let attached = term.attached();
        assert_eq!((attached["session"].as_str(), attached["shared"].as_bool()), (Some(session.as_str()), Some(true)));
        assert_eq!(
            (attached["mode"].as_str(), attached["owner"].as_bool()),
            (Some(mode), Some(is_owner)),
            "{attached}"
        );
    }
    let everyone = [("alice", "write", true), ("bob", "write", true), ("carol", "read", true)];
    for term in [&mut owner, &mut writer, &mut reader] {
        until_participants(term, &everyone).await;
    }

    owner.type_line("echo owner-$((1+1))").await;
    writer.type_line("echo guest-$((2+2))").await;
    // Both lines, in whichever order the shell got them.
    for term in [&mut owner, &mut writer, &mut reader] {
        let both = |output: &str| (output.contains("owner-2") && output.contains("guest-4")).then_some(());
        term.until_found("both lines", both).await;
    }

    // The reader's line is dropped by the panel: not echoed, never run,
    // even once a line typed after it has run.
    reader.type_line("touch /tmp/marker").await;
    owner.type_line("echo after-$((3+3))").await;
    for term in [&mut owner, &mut writer, &mut reader] {
        let shown = term.until_output("after-6").await;
        assert!(!shown.contains("marker"), "the reader's keys were echoed: {shown:?}");
    }
    assert!(!exists(&project, "c1", "/tmp/marker"), "the reader's line ran");
    let (status, _) = invite(&world, &bob, &session, "carol", "write").await;
    assert_eq!(status, 403, "only the owner chooses");

    // Her ^C is dropped too (the sleep runs to its end); bob's is not.
    let interrupt = || Message::Text(json!({"type": "signal", "signal": 2}).to_string().into());
    let runs = |command: &'static str| {
        let project = &project;
        move || async move { project.exec("c1", &["ps"]).1.contains(command).then_some(()) }
    };
    owner.type_line("sleep 2; echo slept-$((1+1))").await;
    until(WAIT, "sleep 2 runs", runs("sleep 2")).await;
    reader.socket.send(interrupt()).await.unwrap();
    owner.until_output("slept-2").await;
    owner.type_line("sleep 60; echo never-$((1+1))").await;
    until(WAIT, "sleep 60 runs", runs("sleep 60")).await;
    writer.socket.send(interrupt()).await.unwrap();
    writer.type_line("echo back-$((5+5))").await;
    let shown = owner.until_output("back-10").await;
    assert!(!shown.contains("never-2"), "{shown:?}");

    // Made a writer, she types.
    assert_eq!(invite(&world, &alice, &session, "carol", "write").await.0, 200);
    reader.until_text("her new mode", |text| *text == json!({"type": "mode", "mode": "write"})).await;
    until_participants(&mut owner, &[("alice", "write", true), ("bob", "write", true), ("carol", "write", true)]).await;
    reader.type_line("touch /tmp/marker; echo reader-$((4*2))").await;
    for term in [&mut owner, &mut writer, &mut reader] {
        term.until_output("reader-8").await;
    }
    assert!(exists(&project, "c1", "/tmp/marker"));
    // A mode message means a change of one's own mode.
    let modes = |term: &Term| term.texts.iter().filter(|text| text["type"] == "mode").cloned().collect::<Vec<_>>();
    assert_eq!(modes(&reader), [json!({"type": "mode", "mode": "write"})], "{:?}", reader.texts);
    assert_eq!((modes(&owner).len(), modes(&writer).len()), (0, 0), "{:?}", writer.texts);

    // The owner's container given to dave: the session ends for all three.
    world.give(id, "dave").await;
    for (name, term) in [("alice", &mut owner), ("bob", &mut writer), ("carol", &mut reader)] {
        let (code, took) = term.closed().await;
        assert_eq!(code, Some(4003), "{name}: {:?}", term.texts);
        assert!(took < Duration::from_secs(2), "{name}: {took:?}");
    }
    assert!(sessions_of(&world, &alice).await.is_empty());
    assert!(sessions_of(&world, &bob).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_joiner_sees_the_screen_a_removed_guest_is_closed_at_once_and_the_owners_delete_ends_it_for_all() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let bob = world.member("bob").await;
    let carol = world.member("carol").await;
    let eve = world.member("eve").await;

    let session = shared(&world, &alice, id).await;
    let mut owner = join(&world, &alice, &session).await;
    owner.type_line("echo early-$((9*9))").await;
    owner.until_output("early-81").await;

    // Joining late: the screen as it is, then what follows.
    assert_eq!(invite(&world, &alice, &session, "bob", "write").await.0, 200);
    assert_eq!(invite(&world, &alice, &session, "carol", "read").await.0, 200);
    let mut guest = join(&world, &bob, &session).await;
    assert!(guest.output.contains("early-81"), "the screen snapshot: {:?}", guest.output);
    let mut reader = join(&world, &carol, &session).await;
    assert!(reader.output.contains("early-81"), "the screen snapshot: {:?}", reader.output);
    let everyone = [("alice", "write", true), ("bob", "write", true), ("carol", "read", true)];
    for term in [&mut owner, &mut guest, &mut reader] {
        until_participants(term, &everyone).await;
    }

    // Someone not invited learns nothing of it and can do nothing to it.
    assert!(sessions_of(&world, &eve).await.is_empty());
    assert_eq!(session_ticket(&world.app, &eve, &session).await, Err((404, "not_found".to_owned())));
    let delete = world.app.with_session(Method::DELETE, &format!("/terminal-sessions/{session}"), &eve);
    assert_eq!(error_code(delete.send().await.unwrap()).await, (404, "not_found".to_owned()));
    assert_eq!(invite(&world, &eve, &session, "eve", "write").await.0, 404);
    assert_eq!(sessions_of(&world, &bob).await.len(), 1, "an invited member sees it");

    // Ten people at most, the owner included: alice, bob, carol and seven more.
    let hash = crate::helpers::password_hash(PASSWORD);
    let mut connection = world.app.db.connect();
    for n in 1..=8 {
        let username = smp_panel::Username::parse(&format!("friend{n}")).unwrap();
        let new = smp_panel::db::users::NewUser {
            username: &username,
            password_hash: &hash,
            role: Role::Member,
            approved: true,
        };
        smp_panel::db::users::create(&mut connection, &new).unwrap();
    }
    for n in 1..=7 {
        assert_eq!(invite(&world, &alice, &session, &format!("friend{n}"), "read").await.0, 200, "friend{n}");
    }
    let (status, body) = invite(&world, &alice, &session, "friend8", "read").await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("limit_reached")), "{body}");
    assert_eq!(invite(&world, &alice, &session, "carol", "write").await.0, 200, "a mode change is no new place");
    assert_eq!(invite(&world, &alice, &session, "carol", "read").await.0, 200);

    // Removed: her socket closes at once, she cannot come back.
    let remove =
        world.app.with_session(Method::DELETE, &format!("/terminal-sessions/{session}/participants/bob"), &alice);
    let asked = Instant::now();
    assert_eq!(remove.send().await.unwrap().status(), 204);
    let (code, _) = guest.closed().await;
    let took = asked.elapsed();
    assert_eq!(code, Some(4001), "{:?}", guest.texts);
    assert!(took < Duration::from_secs(1), "removed → closed: {took:?}");
    assert_eq!(session_ticket(&world.app, &bob, &session).await, Err((404, "not_found".to_owned())));
    assert!(sessions_of(&world, &bob).await.is_empty());
    owner
        .until_text("bob gone", |text| {
            text["type"] == "participants" && participants_of(text).iter().all(|(name, _, _)| name != "bob")
        })
        .await;
    let (left, _) = until(WAIT, "bob's leave row", || async {
        world.app.audit_rows_of("terminal.leave").into_iter().find(|row| row.actor == "bob")
    })
    .await;
    assert!(left.detail.as_deref().is_some_and(|detail| detail.contains("reason=removed")), "{left:?}");
    assert_eq!(world.app.audit_rows_of("terminal.join").len(), 2, "bob and carol joined");

    // Ended by its owner: closed for everyone at once.
    let delete = world.app.with_session(Method::DELETE, &format!("/terminal-sessions/{session}"), &alice);
    assert_eq!(delete.send().await.unwrap().status(), 204);
    // Gone as soon as the answer says so: not listed, no ticket for it.
    assert!(sessions_of(&world, &alice).await.is_empty());
    assert_eq!(session_ticket(&world.app, &carol, &session).await, Err((404, "not_found".to_owned())));
    for (name, term) in [("alice", &mut owner), ("carol", &mut reader)] {
        let (code, took) = term.closed().await;
        assert_eq!(code, Some(4000), "{name}: {:?}", term.texts);
        assert!(took < Duration::from_secs(1), "{name}: {took:?}");
    }
}

/// A socket whose receive buffer is a few KiB (no autotuning), so that a
/// client that does not read stops the panel's writes soon.
async fn connect_slow(app: &TestApp) -> Socket {
    let address: SocketAddr = app.address.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(address).await.unwrap();
    let url = app.url("/terminal").replacen("http://", "ws://", 1);
    let (socket, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)).await.unwrap();
    socket
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_who_never_reads_is_dropped_and_does_not_slow_the_owner() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let bob = world.member("bob").await;
    let session = shared(&world, &alice, id).await;
    assert_eq!(invite(&world, &alice, &session, "bob", "read").await.0, 200);
    let mut owner = join(&world, &alice, &session).await;

    // Bob sends his ticket and never reads again.
    let mut stalled = connect_slow(&world.app).await;
    stalled.send(auth(&session_ticket(&world.app, &bob, &session).await.unwrap())).await.unwrap();
    until_participants(&mut owner, &[("alice", "write", true), ("bob", "read", true)]).await;

    // A flood: far more than his buffers and his queue hold.
    let flood = 20_000_000;
    let started = Instant::now();
    owner.type_line(&format!("head -c {flood} /dev/zero | tr '\\0' y; echo; echo flood-$((8*8))-done")).await;
    owner.until_output("flood-64-done").await;
    eprintln!("{} output bytes reached the owner in {:?}", owner.bytes, started.elapsed());
    assert!(owner.bytes > flood, "{}", owner.bytes);
    until_participants(&mut owner, &[("alice", "write", true), ("bob", "read", false)]).await;

    // His socket is still there, unread: her round trips stay quick.
    let mut slowest = Duration::ZERO;
    for n in 1..=5 {
        let asked = Instant::now();
        owner.type_line(&format!("echo rt-{n}-$(({n}*11))")).await;
        owner.until_output(&format!("rt-{n}-{}", n * 11)).await;
        slowest = slowest.max(asked.elapsed());
    }
    eprintln!("the owner's slowest echo round trip with a stalled guest: {slowest:?}");
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");

    let (left, _) = until(WAIT, "bob's leave row", || async {
        world.app.audit_rows_of("terminal.leave").into_iter().find(|row| row.actor == "bob")
    })
    .await;
    assert!(left.detail.as_deref().is_some_and(|detail| detail.contains("reason=too_slow")), "{left:?}");
    // When he reads at last: what was buffered, then 4008.
    let mut stalled = Term::with(stalled);
    let (code, _) = stalled.closed().await;
    assert_eq!(code, Some(4008), "{:?}", stalled.texts);
    assert!(stalled.bytes < flood, "he was dropped before the end: {}", stalled.bytes);
}

/// `stty size` in `term`'s shell: "rows cols".
async fn stty_size(term: &mut Term) -> String {
    // Not an answer already on the screen.
    term.output.clear();
    term.type_line("echo size=$(stty size):").await;
    term.until_found("stty size", |output| {
        let (_, rest) = output.split_once("\nsize=")?;
        let (size, _) = rest.split_once(':')?;
        (!size.is_empty() && size.bytes().all(|byte| byte.is_ascii_digit() || byte == b' ')).then(|| size.to_owned())
    })
    .await
}

/// Asks `stty size` until it says `expected` ("rows cols"), for up to
/// `WAIT`: a resize reaches the PTY through LXD's control socket, which
/// nothing orders with the keys on its data socket, so the first `stty`
/// typed after a resize may still run at the old size.
async fn until_stty_size(term: &mut Term, expected: &str) {
    let started = Instant::now();
    loop {
        let size = stty_size(term).await;
        if size == expected {
            return;
        }
        assert!(started.elapsed() < WAIT, "the PTY stayed at {size}, not {expected}");
    }
}

/// The size messages `term` got, as (cols, rows).
fn sizes(term: &Term) -> Vec<(u64, u64)> {
    let sizes = term.texts.iter().filter(|text| text["type"] == "size");
    sizes.map(|text| (text["cols"].as_u64().unwrap(), text["rows"].as_u64().unwrap())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_owners_window_sizes_the_terminal_from_the_moment_she_attaches() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let bob = world.member("bob").await;
    let session = shared(&world, &alice, id).await;
    assert_eq!(invite(&world, &alice, &session, "bob", "write").await.0, 200);

    // Bob is first: his window does not size the terminal.
    let ticket = session_ticket(&world.app, &bob, &session).await.unwrap();
    let mut guest = Term::open_sized(&world.app, &ticket, 60, 20).await;
    assert_eq!(stty_size(&mut guest).await, "24 80");
    // Alice's window does, as soon as she is there.
    let ticket = session_ticket(&world.app, &alice, &session).await.unwrap();
    let mut owner = Term::open_sized(&world.app, &ticket, 100, 30).await;
    assert_eq!(sizes(&owner), [(100, 30)], "{:?}", owner.texts);
    until_stty_size(&mut owner, "30 100").await;
    guest.until_text("the owner's size", |text| *text == json!({"type": "size", "cols": 100, "rows": 30})).await;

    // Bob resizing changes nothing; Alice resizing changes it for both.
    let resize =
        |cols: u16, rows: u16| Message::Text(json!({"type": "resize", "cols": cols, "rows": rows}).to_string().into());
    guest.socket.send(resize(50, 10)).await.unwrap();
    assert_eq!(stty_size(&mut guest).await, "30 100");
    owner.socket.send(resize(120, 40)).await.unwrap();
    guest.until_text("the new size", |text| *text == json!({"type": "size", "cols": 120, "rows": 40})).await;
    until_stty_size(&mut owner, "40 120").await;
    assert_eq!(sizes(&guest).last(), Some(&(120, 40)));

    // Her reload from a smaller window: the terminal follows it.
    owner.socket.close(None).await.unwrap();
    let ticket = session_ticket(&world.app, &alice, &session).await.unwrap();
    let mut owner = Term::open_sized(&world.app, &ticket, 90, 25).await;
    until_stty_size(&mut owner, "25 90").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_gone_all_at_once_leave_the_session_running_for_the_owner() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let (_agent, world, _) = World::with_m1(&project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let session = shared(&world, &alice, id).await;
    let mut owner = join(&world, &alice, &session).await;
    // Three guests: with root and alice, the five sign-ins one address gets at once.
    let names = ["g1", "g2", "g3"];
    let mut guests = Vec::new();
    for name in names {
        let guest = world.member(name).await;
        assert_eq!(invite(&world, &alice, &session, name, "read").await.0, 200);
        guests.push(join(&world, &guest, &session).await);
    }
    let mut everyone = vec![("alice", "write", true)];
    everyone.extend(names.iter().map(|name| (*name, "read", true)));
    until_participants(&mut owner, &everyone).await;

    // Their network goes: every socket dropped at the same moment, no close frames.
    drop(guests);
    let mut alone = vec![("alice", "write", true)];
    alone.extend(names.iter().map(|name| (*name, "read", false)));
    until_participants(&mut owner, &alone).await;
    owner.type_line("echo still-$((6+6))").await;
    owner.until_output("still-12").await;
    let (left, _) = until(WAIT, "their leave rows", || async {
        let rows = world.app.audit_rows_of("terminal.leave");
        (rows.len() == names.len()).then_some(rows)
    })
    .await;
    for row in left {
        assert!(row.detail.as_deref().is_some_and(|detail| detail.contains("reason=closed")), "{row:?}");
    }
    assert_eq!(sessions_of(&world, &alice).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_owns_only_so_many_sessions_and_each_ends_for_everyone_at_its_lifetime() {
    let project = LxdProject::with_busyboxes(&["c1"]);
    let app = crate::helpers::spawn_app_with("terminal_lifetime_s = 10\nmax_terminals_per_user = 2").await;
    let (_agent, world, _) = World::with_m1_on(app, &project).await;
    let id = world.synced("m1", "c1").await;
    let alice = world.member_owning("alice", id).await;
    let bob = world.member("bob").await;
    let started = Instant::now();
    let session = shared(&world, &alice, id).await;
    assert_eq!(invite(&world, &alice, &session, "bob", "read").await.0, 200);
    let mut owner = join(&world, &alice, &session).await;
    let mut guest = join(&world, &bob, &session).await;
    let ticket = crate::terminal_ws::ticket(&world.app, &alice, id, json!({"mode": "shell"})).await.unwrap();
    let mut private = Term::open(&world.app, &ticket).await;

    // Two are her most: a third is refused before any socket, audited.
    let third = crate::terminal_ws::ticket(&world.app, &alice, id, json!({"mode": "shell"})).await;
    assert_eq!(third, Err((429, "limit_reached".to_owned())));
    let another = world.post("/terminal-sessions", &alice, json!({"container_id": id})).await;
    assert_eq!(error_code(another).await, (429, "limit_reached".to_owned()));
    let refused = world.app.audit_rows_of("terminal.ticket");
    assert!(refused.iter().any(|row| row.error_code.as_deref() == Some("limit_reached")), "{refused:?}");

    // Ten seconds after it began, each session ends for all its sockets.
    for (name, term) in [("owner", &mut owner), ("guest", &mut guest), ("private", &mut private)] {
        let (code, _) = term.closed().await;
        assert_eq!(code, Some(4009), "{name}: {:?}", term.texts);
    }
    let lived = started.elapsed();
    assert!((Duration::from_secs(10)..Duration::from_secs(14)).contains(&lived), "{lived:?}");
    assert!(sessions_of(&world, &alice).await.is_empty());
    assert!(crate::terminal_ws::ticket(&world.app, &alice, id, json!({"mode": "shell"})).await.is_ok(), "room again");
}
