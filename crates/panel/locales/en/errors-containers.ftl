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
