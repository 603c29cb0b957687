# SMP's pages in English: the terminal and console pages and a shared terminal session.
# Glossary: see main.ftl.

## A container's terminal (terminal.html)

terminal-console-of = Console of { $name }
terminal-terminal-of = Terminal of { $name }
terminal-console = console
terminal-terminal = terminal
terminal-shell-or-console = Shell or console
terminal-shell-tab = Shell
terminal-console-tab = Console
terminal-starting = Starting…
terminal-reconnect = Reconnect

## A shared session (terminal_session.html)

terminal-shared-on = Shared terminal on { $container }
terminal-shared-of = shared terminal of { $owner }
terminal-read-only = read-only
terminal-owner = owner
terminal-mode = { $mode ->
    [read] read
    [write] write
   *[other] { $mode }
}
terminal-invite = Invite a member
terminal-she-may = She may
terminal-may-read = watch (read)
terminal-may-write = type too (write)
terminal-invite-button = Invite
terminal-end-for-everyone = End the session for everyone

## What terminal.js writes (terminal_texts.html): %code, %reason, %exited, %name are filled in by the script

terminal-js-connected = Connected.
terminal-js-connected-read-only = Connected, read-only.
terminal-js-asking = Asking for a ticket…
terminal-js-connecting = Connecting…
terminal-js-cannot-open = Cannot open the terminal: %reason
terminal-js-closed = Closed (%code): %reason%exited. Reconnect opens it again.
terminal-js-exit-code = (exit code %code)
terminal-js-ended = the terminal ended
terminal-js-lost = the connection was lost
terminal-js-refused = the panel refused a message
terminal-js-too-large = a message was too large
terminal-js-connection-ended = the connection ended
terminal-js-attached = connected
terminal-js-not-attached = not connected
terminal-js-let-type = Let type
terminal-js-make-read-only = Make read-only
terminal-js-remove = Remove
terminal-js-remove-label = Remove %name
terminal-js-may-type = %name may type.
terminal-js-may-watch = %name may watch.
terminal-js-removed = %name was removed.
terminal-js-end-confirm = End this session for everyone? Its shell gets a hangup.
terminal-js-session-ended = The session has ended.
