//! The member shell's language: a line into a `ShellCommand`, a NAME into
//! one of her containers or services, and Tab's candidates. Pure functions.

/// The commands, as `help` lists them and Tab completes them.
pub const COMMANDS: &[&str] = &[
    "autostart",
    "console",
    "delete-snapshot",
    "exit",
    "help",
    "list",
    "quit",
    "reset",
    "restart",
    "restore",
    "snapshot",
    "snapshots",
    "start",
    "status",
    "stop",
];

/// The commands that take no NAME; every other one does.
const UNNAMED: &[&str] = &["exit", "help", "list", "quit"];

/// The word that, last on a `restore` line, says she means it.
pub const CONFIRM: &str = "yes";

/// What `help` prints.
pub const HELP: &str = "\
Commands (NAME is <container> or <container>.<machine>, or a service's unit;
it may be left out when you have exactly one):
  list                  your containers (and services)
  status [NAME]         live state; without NAME: all of yours, briefly
  start NAME            start
  stop NAME             clean shutdown
  restart NAME          restart
  reset NAME            forced restart (stop at once, then start)
  autostart [NAME] on|off
                        start with its machine, or not
  console NAME          attach to the container's console; Ctrl-] detaches
  snapshots [NAME]      the container's snapshots and schedule
  snapshot [NAME] SNAP  take a snapshot named SNAP (within your quota)
  restore [NAME] SNAP   says what going back to snapshot SNAP loses;
  restore [NAME] SNAP yes
                        goes back to it (a running container restarts)
  delete-snapshot [NAME] SNAP
                        delete snapshot SNAP
  help                  this text
  quit, exit, Ctrl-D    leave
Keys: Tab completes, Ctrl-C clears the line, Ctrl-U erases it.
";

/// One parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellCommand {
    /// An empty line: nothing to do.
    Nothing,
    Help,
    Quit,
    List,
    Status(Option<String>),
    Start(Option<String>),
    Stop(Option<String>),
    Restart(Option<String>),
    Reset(Option<String>),
    Autostart {
        name: Option<String>,
        on: bool,
    },
    Console(Option<String>),
    Snapshots(Option<String>),
    Snapshot {
        name: Option<String>,
        snapshot: String,
    },
    Restore {
        name: Option<String>,
        snapshot: String,
        /// `yes` was the last word: do it (else say what it loses).
        confirmed: bool,
    },
    DeleteSnapshot {
        name: Option<String>,
        snapshot: String,
    },
}

/// Parses `line` (words separated by blanks); a readable error otherwise.
pub fn parse(line: &str) -> Result<ShellCommand, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&command, arguments)) = words.split_first() else { return Ok(ShellCommand::Nothing) };
    let name = |make: fn(Option<String>) -> ShellCommand| match arguments {
        [] => Ok(make(None)),
        [name] => Ok(make(Some((*name).to_owned()))),
        _ => Err(format!("{command} takes one NAME; type help")),
    };
    // `[NAME] SNAP`: a snapshot of the named container, or of her only one.
    let snapshot = |arguments: &[&str]| match arguments {
        [snapshot] => Ok((None, (*snapshot).to_owned())),
        [name, snapshot] => Ok((Some((*name).to_owned()), (*snapshot).to_owned())),
        _ => Err(format!("usage: {command} [NAME] SNAPSHOT")),
    };
    let none = |command_made: ShellCommand| {
        if arguments.is_empty() { Ok(command_made) } else { Err(format!("{command} takes no argument; type help")) }
    };
    match command {
        "help" | "?" => none(ShellCommand::Help),
        "quit" | "exit" | "logout" => none(ShellCommand::Quit),
        "list" | "ls" => none(ShellCommand::List),
        "status" => name(ShellCommand::Status),
        "start" => name(ShellCommand::Start),
        "stop" => name(ShellCommand::Stop),
        "restart" => name(ShellCommand::Restart),
        "reset" => name(ShellCommand::Reset),
        "console" => name(ShellCommand::Console),
        "snapshots" => name(ShellCommand::Snapshots),
        "snapshot" => snapshot(arguments).map(|(name, snapshot)| ShellCommand::Snapshot { name, snapshot }),
        "delete-snapshot" => {
            snapshot(arguments).map(|(name, snapshot)| ShellCommand::DeleteSnapshot { name, snapshot })
        }
        "restore" => {
            let (arguments, confirmed) = match arguments {
                [before @ .., last] if !before.is_empty() && *last == CONFIRM => (before, true),
                _ => (arguments, false),
            };
            let (name, snapshot) =
                snapshot(arguments).map_err(|_| "usage: restore [NAME] SNAPSHOT [yes]".to_owned())?;
            Ok(ShellCommand::Restore { name, snapshot, confirmed })
        }
        "autostart" => {
            let switch = |word: &str| match word {
                "on" => Ok(true),
                "off" => Ok(false),
                _ => Err("usage: autostart [NAME] on|off".to_owned()),
            };
            match arguments {
                [word] => Ok(ShellCommand::Autostart { name: None, on: switch(word)? }),
                [name, word] => Ok(ShellCommand::Autostart { name: Some((*name).to_owned()), on: switch(word)? }),
                _ => Err("usage: autostart [NAME] on|off".to_owned()),
            }
        }
        _ => Err(format!("unknown command {:?}; type help", shorten(command))),
    }
}

/// A word as an error quotes it: at most 40 characters.
pub(super) fn shorten(word: &str) -> String {
    word.chars().take(40).collect()
}

/// Something a NAME may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    Container { id: i64, name: String, machine: String },
    Service { id: i64, unit: String, container: String },
}

impl Named {
    /// How answers call it: the container's name, the service's unit
    /// without `.service`.
    pub fn label(&self) -> &str {
        match self {
            Named::Container { name, .. } => name,
            Named::Service { unit, .. } => unit.strip_suffix(".service").unwrap_or(unit),
        }
    }
}

/// Why a NAME names nothing to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// None of hers has that name (or she may not see it: alike).
    Missing(String),
    /// Several of hers have it: the names that tell them apart.
    Several(String, Vec<String>),
    /// No NAME, and she has not exactly one: those she has.
    Unnamed(Vec<String>),
}

impl Unresolved {
    /// The error line. `services`: whether she has any (then a missing name
    /// is "no container or service").
    pub fn message(&self, services: bool) -> String {
        let what = if services { "container or service" } else { "container" };
        match self {
            Unresolved::Missing(name) => format!("no {what} named {}", shorten(name)),
            Unresolved::Several(name, names) => format!("several are named {name}; say which: {}", names.join(", ")),
            Unresolved::Unnamed(names) if names.is_empty() => format!("you have no {what}"),
            Unresolved::Unnamed(names) => format!("name the {what}: {}", names.join(", ")),
        }
    }
}

/// The one of `objects` that `name` names: a container by `<name>` or
/// `<name>.<machine>`; else a service by its unit (with or without
/// `.service`) or `<container>/<unit>`; without a name, her only one.
pub fn resolve<'o>(name: Option<&str>, objects: &'o [Named]) -> Result<&'o Named, Unresolved> {
    let Some(name) = name else {
        return match objects {
            [only] => Ok(only),
            _ => Err(Unresolved::Unnamed(completion_names(objects))),
        };
    };
    let containers: Vec<&Named> = objects
        .iter()
        .filter(|object| match object {
            Named::Container { name: own, machine, .. } => {
                own == name || name.strip_prefix(own.as_str()).and_then(|rest| rest.strip_prefix('.')) == Some(machine)
            }
            Named::Service { .. } => false,
        })
        .collect();
    let found = if containers.is_empty() {
        objects
            .iter()
            .filter(|object| match object {
                Named::Service { unit, container, .. } => {
                    let short = unit.strip_suffix(".service").unwrap_or(unit);
                    let (on, asked) = match name.split_once('/') {
                        Some((on, asked)) => (Some(on), asked),
                        None => (None, name),
                    };
                    (asked == unit || asked == short) && on.is_none_or(|on| on == container)
                }
                Named::Container { .. } => false,
            })
            .collect()
    } else {
        containers
    };
    match found.as_slice() {
        [] => Err(Unresolved::Missing(name.to_owned())),
        [one] => Ok(one),
        several => Err(Unresolved::Several(name.to_owned(), several.iter().map(|object| full_name(object)).collect())),
    }
}

/// The name that tells it apart from any other: `<name>.<machine>`, `<container>/<unit>`.
fn full_name(object: &Named) -> String {
    match object {
        Named::Container { name, machine, .. } => format!("{name}.{machine}"),
        Named::Service { container, .. } => format!("{container}/{}", object.label()),
    }
}

/// The names Tab offers for `objects`: each container's name (with its
/// machine where two of hers share it), each service's unit (with its
/// container where two share it), sorted.
pub fn completion_names(objects: &[Named]) -> Vec<String> {
    let mut names: Vec<String> = objects
        .iter()
        .map(|object| {
            let shared = objects.iter().filter(|other| same_kind(object, other) && other.label() == object.label());
            if shared.count() > 1 { full_name(object) } else { object.label().to_owned() }
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn same_kind(one: &Named, other: &Named) -> bool {
    matches!(
        (one, other),
        (Named::Container { .. }, Named::Container { .. }) | (Named::Service { .. }, Named::Service { .. })
    )
}

/// What Tab does to a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// Nothing matches.
    Nothing,
    /// Type this after the cursor (the rest of the one match and a space,
    /// or the rest of the prefix the matches share).
    Insert(String),
    /// Several match and share no longer prefix: these.
    Choices(Vec<String>),
}

/// Completes the last word of `line` (the cursor is at its end): a command
/// first, then a NAME from `names` (and `on`/`off` for `autostart`).
pub fn complete(line: &str, names: &[String]) -> Completion {
    let words: Vec<&str> = line.split_whitespace().collect();
    let ends_word = !line.is_empty() && !line.ends_with(char::is_whitespace);
    let (position, word) = if ends_word { (words.len() - 1, words[words.len() - 1]) } else { (words.len(), "") };
    let switches = vec!["on".to_owned(), "off".to_owned()];
    let candidates: Vec<String> = match (position, words.first()) {
        (0, _) => COMMANDS.iter().map(|command| (*command).to_owned()).collect(),
        (1, Some(&"autostart")) => names.iter().cloned().chain(switches).collect(),
        (1, Some(command)) if COMMANDS.contains(command) && !UNNAMED.contains(command) => names.to_vec(),
        (2, Some(&"autostart")) if !matches!(words.get(1), Some(&"on" | &"off")) => switches,
        _ => Vec::new(),
    };
    let mut matching: Vec<String> = candidates.into_iter().filter(|candidate| candidate.starts_with(word)).collect();
    matching.sort();
    matching.dedup();
    match matching.as_slice() {
        [] => Completion::Nothing,
        [one] => Completion::Insert(format!("{} ", &one[word.len()..])),
        several => {
            let shared = common_prefix(several);
            if shared.len() > word.len() {
                Completion::Insert(shared[word.len()..].to_owned())
            } else {
                Completion::Choices(matching)
            }
        }
    }
}

fn common_prefix(words: &[String]) -> String {
    let Some((first, rest)) = words.split_first() else { return String::new() };
    let mut length = first.len();
    for word in rest {
        length = first.bytes().zip(word.bytes()).take(length).take_while(|(a, b)| a == b).count();
    }
    // Names are ASCII; a cut inside a character would not be a prefix.
    while !first.is_char_boundary(length) {
        length -= 1;
    }
    first[..length].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(id: i64, name: &str, machine: &str) -> Named {
        Named::Container { id, name: name.into(), machine: machine.into() }
    }

    fn service(id: i64, unit: &str, on: &str) -> Named {
        Named::Service { id, unit: unit.into(), container: on.into() }
    }

    #[test]
    fn every_command_parses_with_and_without_its_name_and_mistakes_are_readable() {
        assert_eq!(parse("  "), Ok(ShellCommand::Nothing));
        assert_eq!(parse("list"), Ok(ShellCommand::List));
        assert_eq!(parse("help"), Ok(ShellCommand::Help));
        assert_eq!(parse("quit"), Ok(ShellCommand::Quit));
        assert_eq!(parse("exit"), Ok(ShellCommand::Quit));
        assert_eq!(parse("status"), Ok(ShellCommand::Status(None)));
        assert_eq!(parse("status c1.m1"), Ok(ShellCommand::Status(Some("c1.m1".into()))));
        assert_eq!(parse(" restart   c1 "), Ok(ShellCommand::Restart(Some("c1".into()))));
        assert_eq!(parse("start c1"), Ok(ShellCommand::Start(Some("c1".into()))));
        assert_eq!(parse("stop c1"), Ok(ShellCommand::Stop(Some("c1".into()))));
        assert_eq!(parse("reset"), Ok(ShellCommand::Reset(None)));
        assert_eq!(parse("console c1"), Ok(ShellCommand::Console(Some("c1".into()))));
        assert_eq!(parse("autostart on"), Ok(ShellCommand::Autostart { name: None, on: true }));
        assert_eq!(parse("autostart c1 off"), Ok(ShellCommand::Autostart { name: Some("c1".into()), on: false }));
        assert_eq!(parse("autostart c1 maybe"), Err("usage: autostart [NAME] on|off".into()));
        assert_eq!(parse("autostart"), Err("usage: autostart [NAME] on|off".into()));
        assert_eq!(parse("restart c1 c2"), Err("restart takes one NAME; type help".into()));
        assert_eq!(parse("list all"), Err("list takes no argument; type help".into()));
        assert_eq!(parse("rm -rf /"), Err("unknown command \"rm\"; type help".into()));
    }

    #[test]
    fn snapshot_commands_take_an_optional_name_before_the_snapshot_and_restore_a_last_yes() {
        assert_eq!(parse("snapshots"), Ok(ShellCommand::Snapshots(None)));
        assert_eq!(parse("snapshots c1"), Ok(ShellCommand::Snapshots(Some("c1".into()))));
        assert_eq!(parse("snapshot before"), Ok(ShellCommand::Snapshot { name: None, snapshot: "before".into() }));
        assert_eq!(
            parse("snapshot c1.m1 before"),
            Ok(ShellCommand::Snapshot { name: Some("c1.m1".into()), snapshot: "before".into() })
        );
        assert_eq!(parse("snapshot"), Err("usage: snapshot [NAME] SNAPSHOT".into()));
        assert_eq!(parse("snapshot c1 a b"), Err("usage: snapshot [NAME] SNAPSHOT".into()));
        let restore = |name: Option<&str>, snapshot: &str, confirmed| {
            Ok(ShellCommand::Restore { name: name.map(str::to_owned), snapshot: snapshot.into(), confirmed })
        };
        assert_eq!(parse("restore before"), restore(None, "before", false));
        assert_eq!(parse("restore before yes"), restore(None, "before", true));
        assert_eq!(parse("restore c1 before"), restore(Some("c1"), "before", false));
        assert_eq!(parse("restore c1 before yes"), restore(Some("c1"), "before", true));
        assert_eq!(parse("restore yes"), restore(None, "yes", false), "a lone yes is a snapshot's name");
        assert_eq!(parse("restore c1 yes yes"), restore(Some("c1"), "yes", true));
        assert_eq!(parse("restore"), Err("usage: restore [NAME] SNAPSHOT [yes]".into()));
        assert_eq!(parse("restore c1 before now"), Err("usage: restore [NAME] SNAPSHOT [yes]".into()));
        assert_eq!(
            parse("delete-snapshot c1 before"),
            Ok(ShellCommand::DeleteSnapshot { name: Some("c1".into()), snapshot: "before".into() })
        );
        assert_eq!(parse("delete-snapshot"), Err("usage: delete-snapshot [NAME] SNAPSHOT".into()));
    }

    #[test]
    fn a_name_is_a_container_or_its_name_with_the_machine_else_a_service_unit() {
        let objects = [
            container(1, "web", "m1"),
            container(2, "web", "m2"),
            container(3, "db", "m1"),
            service(4, "smp-test.service", "d1"),
        ];
        assert_eq!(resolve(Some("db"), &objects), Ok(&objects[2]));
        assert_eq!(resolve(Some("web.m2"), &objects), Ok(&objects[1]));
        assert_eq!(
            resolve(Some("web"), &objects),
            Err(Unresolved::Several("web".into(), vec!["web.m1".into(), "web.m2".into()]))
        );
        assert_eq!(resolve(Some("smp-test"), &objects), Ok(&objects[3]));
        assert_eq!(resolve(Some("smp-test.service"), &objects), Ok(&objects[3]));
        assert_eq!(resolve(Some("d1/smp-test"), &objects), Ok(&objects[3]));
        assert_eq!(resolve(Some("d2/smp-test"), &objects), Err(Unresolved::Missing("d2/smp-test".into())));
        assert_eq!(resolve(Some("web.m3"), &objects), Err(Unresolved::Missing("web.m3".into())));
        assert_eq!(resolve(Some("we"), &objects), Err(Unresolved::Missing("we".into())), "no prefixes");
        assert_eq!(resolve(None, &objects[2..3]), Ok(&objects[2]), "her only one");
        let unnamed = resolve(None, &objects).unwrap_err();
        assert_eq!(unnamed.message(true), "name the container or service: db, smp-test, web.m1, web.m2");
        assert_eq!(Unresolved::Missing("x".into()).message(false), "no container named x");
        assert_eq!(resolve(None, &[]).unwrap_err().message(false), "you have no container");
    }

    #[test]
    fn tab_completes_a_command_then_one_of_her_names_and_lists_several() {
        let names = vec!["c1".to_owned(), "db".to_owned()];
        assert_eq!(complete("re", &names), Completion::Insert("s".into()), "reset, restart and restore share res");
        assert_eq!(
            complete("res", &names),
            Completion::Choices(vec!["reset".into(), "restart".into(), "restore".into()])
        );
        assert_eq!(complete("rest", &names), Completion::Choices(vec!["restart".into(), "restore".into()]));
        assert_eq!(complete("resta", &names), Completion::Insert("rt ".into()));
        assert_eq!(complete("sn", &names), Completion::Insert("apshot".into()));
        assert_eq!(complete("snapshots ", &names), Completion::Choices(names.clone()));
        assert_eq!(complete("l", &names), Completion::Insert("ist ".into()));
        assert_eq!(complete("st", &names), Completion::Choices(vec!["start".into(), "status".into(), "stop".into()]));
        assert_eq!(complete("restart c", &names), Completion::Insert("1 ".into()));
        assert_eq!(complete("restart ", &names), Completion::Choices(names.clone()));
        assert_eq!(complete("restart x", &names), Completion::Nothing);
        assert_eq!(complete("list ", &names), Completion::Nothing, "list takes no name");
        assert_eq!(complete("restart c1 ", &names), Completion::Nothing);
        assert_eq!(complete("autostart c1 o", &names), Completion::Choices(vec!["off".into(), "on".into()]));
        assert_eq!(complete("autostart c1 of", &names), Completion::Insert("f ".into()));
        assert_eq!(complete("autostart o", &names), Completion::Choices(vec!["off".into(), "on".into()]));
        assert_eq!(complete("autostart on ", &names), Completion::Nothing);
        let several = vec!["web.m1".to_owned(), "web.m2".to_owned()];
        assert_eq!(complete("stop w", &several), Completion::Insert("eb.m".into()));
    }

    #[test]
    fn completion_names_add_the_machine_or_the_container_only_where_a_name_is_shared() {
        let objects = [
            container(1, "web", "m1"),
            container(2, "web", "m2"),
            container(3, "db", "m1"),
            service(4, "smp-test.service", "d1"),
            service(5, "nginx.service", "d1"),
            service(6, "nginx.service", "d2"),
        ];
        assert_eq!(completion_names(&objects), vec!["d1/nginx", "d2/nginx", "db", "smp-test", "web.m1", "web.m2"]);
    }
}
