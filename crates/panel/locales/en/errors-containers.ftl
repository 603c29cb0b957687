# Refusals of creating, changing, deleting and acting on containers (crates/panel/src/app/provisioning.rs,
# app/containers.rs, web/provisioning.rs, web/panels.rs); the JSON API says them in English exactly as written here.

## Creating a container (app/provisioning.rs)

error-containers-body-field-forbidden = the body may not have a `{ $field }` field: { $reason }
error-containers-invalid-json = invalid JSON body: { $detail }
error-containers-budgeted-key = set { $key } with the `{ $field }` field: it counts against your quota
error-containers-key-given-twice = { $key } is given twice: in `limits` and in `config`
error-containers-name-taken-on-machine = a container named { $name } is already on machine { $machine }
error-containers-parent-missing = parent: there is no container with id { $id }
error-containers-parent-gone = parent: container { $name } is gone
error-containers-machine-missing = machine_id: there is no machine with id { $id }
error-containers-no-machine = there is no machine to create a container on yet

## Names, images and configuration the protocol crate checks, and the ranges of a container's limits
## (smp-proto, said by app/refusals.rs): word for word what the agent answers

# $problem: length, first, last or character.
error-containers-name-invalid = invalid container name: { $problem ->
    [length] wrong length
    [first] it must start with a letter
    [last] it must not end with '-'
   *[character] it contains a character other than a letter, digit or '-'
} (1-63 letters, digits and '-', starting with a letter, not ending with '-')
# $alias, $key: quoted as the code shows them.
error-containers-image-not-alias = the image { $alias } is not an image alias (1-{ $max } letters, digits, '-', '_', '.', '/')
# $tier: the tier that may not set $key (member, admin or host); $needed: the tier it needs; $reason: why, in the
# protocol crate's English; $host_config_off: yes or no; $keys: the keys $tier may set.
error-containers-config-tier = { $tier ->
    [admin] admins
    [host] host tokens
   *[member] members
} may not set { $key }: { $reason }; it needs the { $needed } tier ({ $needed ->
    [admin] an admin's token (`adm`)
    [host] a head admin's `host` token (or `smp-agent token --host`) on an agent whose config sets host_config = true
   *[member] any token
}){ $host_config_off ->
    [yes] ; this agent's host_config is off, so no token may set it here (a head admin uses lxc on the host)
   *[no] {""}
}. { $tier ->
    [admin] admins
    [host] host tokens
   *[member] members
} may set { $keys }
# $multi_line: yes (newline and tab were allowed) or no.
error-containers-config-control-character = the value of { $key } contains a control character { $multi_line ->
    [yes] other than newline or tab
   *[no] (newline and tab only for the host tier, and for admins in user.* and cloud-init.*)
}
error-containers-config-key-shape = the config key { $key } is not 1-{ $max } letters, digits, '.', '_' and '-'
error-containers-config-value-too-long = the value of { $key } is longer than { $max } bytes
# $value: quoted; $shape: boolean, memory, cpu, count or text.
error-containers-config-value-shape = { $key } = { $value } is not valid: it takes { $shape ->
    [boolean] `true` or `false`
    [memory] a size (`512MiB`, `1GiB`, `500MB`) or a share of the host's memory (`50%`)
    [cpu] a number of CPUs (`2`) or the CPUs to run on (`0-1`, `0,2`)
    [count] a whole number from 1
    [schedule] `@hourly`, `@daily`, `@weekly`, `@monthly` or five cron fields of digits, `*`, `,`, `-`, `/` (`0 3 * * *`)
    [expiry] 1-9999 and a unit: `M` minutes, `H` hours, `d` days, `w` weeks, `m` months, `y` years (`7d`)
    [pattern] a lower-case letter, up to 30 lower-case letters, digits and `-`, then `%d` (`auto-%d`)
   *[text] any text
} (or "" to remove it)
# $field: cpu, memory_mb or disk_mb (the JSON's names; a page names the form's field).
error-containers-limit-out-of-range = limits: { $field } must be { $min } to { $max }, or left out

## Deleting and changing a container (app/provisioning.rs)

error-containers-delete-while-creating = container { $name } is still being created; delete it once it is made
error-containers-has-children = container { $name } has sub-containers ({ $children }); delete them first
error-containers-assign-apart = send owner, parent and in_quota apart from autostart and limits: they are two requests
error-containers-still-creating = the container is still being created

## Listing, assigning and acting on containers (app/containers.rs)

error-containers-page-limit = limit: 1 to { $max }
error-containers-assign-nothing = give "owner" (a username or null), "parent" (an id or null), "in_quota", "autostart" or "limits"
error-containers-owner-unknown = owner: there is no user named { $name }
error-containers-parent-not-live = parent: there is no live container with id { $id }
error-containers-own-ancestor = parent: a container cannot be its own ancestor
error-containers-too-deep = parent: containers nest at most { $depth } deep
error-containers-gone-from-machine = container { $name } is gone from machine { $machine }; nothing to act on
error-containers-creating-try-later = container { $name } is still being created; try again once it is running
error-containers-exec-command = command: give the program and its arguments, e.g. ["uptime"]
error-containers-log-lines = lines must be 1-{ $max }

## The forms of the container pages (web/provisioning.rs, web/panels.rs)

error-containers-cpus-not-number = CPUs: give a whole number, or leave it empty
error-containers-memory-not-number = memory: give a whole number, or leave it empty
error-containers-disk-not-number = disk: give a whole number, or leave it empty
error-containers-machine-not-number = machine: give a whole number, or leave it empty
error-containers-parent-not-number = parent: give a whole number, or leave it empty
error-containers-config-line = configuration: line { $line } is not key=value
error-containers-autostart-on-off = autostart: on or off
error-containers-log-source = choose the console or LXD's log as the source
error-containers-log-lines-number = lines: give a whole number from 1 to { $max }, or leave it empty
error-containers-exec-command-form = give the command: the program on the first line, then each argument on a line of its own (e.g. uptime)
error-containers-exec-timeout = timeout: give a whole number of seconds from 1 to { $max }, or leave it empty for 30
