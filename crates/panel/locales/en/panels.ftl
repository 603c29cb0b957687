# SMP's pages in English: the live parts of a container's page (state, logs, a command, its configuration, terminal sessions, a creation's progress) and the error page.
# Glossary: see main.ftl.

## Status and live state (status.html, panel_state.html, panel_sections.html)

panel-why-it-failed = Why it failed
panel-reservation-given-back = The reservation was given back.
panel-live-state = Live state
panel-cpu-time = CPU time
panel-memory-in-use = in use
panel-memory-peak = peak { $peak }
panel-memory-limit = limit { $limit }
panel-processes = Processes
panel-none = none
panel-read-from-machine-at = Read from the machine at

## Logs (panel_sections.html, panel_logs.html)

panel-logs = Logs
panel-log-source = Source
panel-log-console = Console: what the container printed
panel-log-lxc = LXD's log of the container: why it did not start or stop
panel-log-lines = How many of the last lines
panel-show-logs = Show logs
panel-logs-intro = Choose a source and press Show logs (again to refresh). Newest lines come last.
panel-no-lines = No lines.
panel-console-since-last-read = The console shows what the container printed since the last read.
panel-older-lines-left-out = Older lines were left out: ask for more lines to see them.
panel-log-lines-label = Log lines, newest last
panel-read-at = Read at

## A command (panel_sections.html, panel_exec.html)

panel-run-command = Run a command
panel-exec-command = Command, one argument per line: the program on the first line, then each argument on a line of its own. No shell: quotes, pipes and $ are passed as typed.
panel-exec-timeout = Timeout in seconds (optional: 30 if empty, at most 600)
panel-run-in = Run in { $name }
panel-exit-code = Exit code
panel-success = (success)
panel-failure = (failure)
panel-took = took { $took }.
panel-output-truncated = The output was truncated: the machine keeps only the first part of each stream. Ask for less output to see all of it.
panel-output = Output
panel-no-output = No output.
panel-stdout = Standard output
panel-errors = Errors
panel-no-error-output = No error output.
panel-stderr = Standard error

## Configuration (container_config.html)

config-autostart = Autostart
config-in-quota = In quota
config-in-quota-of-its-owner = yes: a sub-container, counted against its owner's quota
config-in-quota-of = yes: a sub-container of { $owner }, counted against { $owner }'s quota
config-in-no-quota = no: it counts against no quota
config-autostart-off = Turn autostart off
config-autostart-on = Turn autostart on
config-limits-of = Limits of { $name }
config-change-limits = Change the limits
config-change-limits-hint = (an empty field stays as it is; growing ones must fit the quota; a new limit applies at once or at the next start, as LXD allows)
config-save-limits = Save the limits
config-delete = Delete this container…
config-delete-warning = { $name } is stopped and deleted from { $machine }, with everything in it, and its services with it. This cannot be undone.
config-delete-confirm = Yes, delete { $name }

## Terminal sessions (container_terminal_sessions.html)

sessions-none = No open terminal sessions.
sessions-open = Open sessions
sessions-intro = A terminal stays open for a while after its window is closed, so that a reload takes it back. End the ones you no longer need.
sessions-shared = { $kind ->
    [console] Shared console
   *[shell] Shared shell
}
sessions-private = { $kind ->
    [console] Private console
   *[shell] Private shell
}
sessions-of = of { $owner }
sessions-open-one = Open
sessions-join = Join
sessions-end = End
sessions-end-confirm = End this terminal session? Its processes get a hangup; everyone in it is disconnected.
sessions-end-label = { $kind ->
    [console] the console session started { $started }
   *[shell] the shell session started { $started }
}

## A creation's progress (container_progress.html)

creation-running = { $name } is being created on { $machine }…
creation-failed = The creation of { $name } failed.
creation-no-reason = The machine gave no reason.
creation-reservation-given-back = The reservation was given back: it no longer counts against a quota.
creation-done = { $name } is made on { $machine }:
creation-open-page = Open its page

## The error page (error.html)

error-back = Back to your containers
error-not-found = Not found
error-not-found-message = There is nothing here, or nothing you may see.
error-not-allowed = Not allowed
error-internal = Something went wrong
error-internal-message = The panel's log has the details; tell an admin.
error-internal-in-place = Something went wrong in the panel; its log has the details. Tell an admin.
error-did-not-work = That did not work

## Words the code puts together (container_config.html, container.html)

limits-cpus = { $count ->
    [one] { $count } CPU
   *[other] { $count } CPUs
}
limits-memory = { $mib } MiB memory
limits-disk = { $mib } MiB disk
limits-none = none set by the panel
config-limits-now = The limits are now { $limits }.
config-autostart-is-on = on: it starts with its machine
config-autostart-is-off = off
config-autostart-as-lxd = as LXD has it (not set by the panel)
config-image-not-by-panel = not made by the panel
container-no-forwards = No port of its machine is forwarded to it
container-dns-name = Its DNS name:
container-dns-name-hint = (its address on a public network, else its machine's forward address; docs/dns.md).

## A container's job (pages.rs): its label while it runs, its outcome

job-container-action = { $action ->
    [start] Starting { $name }
    [stop] Stopping { $name }
   *[restart] Restarting { $name }
}
# $status: a value of container-status, already in the page's language.
job-container-done = { $name } is { $status } (took { $seconds } s).
# $label: the job's label (job-container-action, service-job-action-unit); $why: what went wrong.
job-failed = { $label } failed: { $why }
