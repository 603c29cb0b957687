# SMP's pages in English: a container's page and the new-container page.
# Glossary: see main.ftl.

## Shared by the container and service pages (macros.html)

actions = Actions
action-start = Start
action-restart = Restart
action-stop = Stop
column-limits = Limits
unit-mib = (MiB)

## A container's page (container.html)

container-on-machine = on { $machine }
container-force-restart = Force restart
container-force-restart-confirm = Force a restart of { $name }? Its processes are killed without a clean shutdown.
container-force-stop = Force stop
container-force-stop-confirm = Force { $name } off? Its processes are killed without a clean shutdown.
container-terminal-intro = A shell in { $name } in your browser, or its text console. A shared session lets members you invite watch it or type in it.
container-open-terminal = Open terminal
container-open-console = Open the console
container-start-shared = Start a shared session
container-reach = Reaching it
container-no-fixed-address = No fixed address: it takes what DHCP gives it. An admin gives it one; a forwarded port needs one.
container-fixed-address = Fixed address on { $address }
container-sub-containers = Sub-containers
container-no-sub-containers = No sub-containers.
sub-containers-count = { $count ->
    [one] { $count } sub-container
   *[other] { $count } sub-containers
}
container-add-sub-container = Add a sub-container

## The new-container page (container_new.html, container_new_form.html)

new-container-your-quota = Your quota: { $usage }.
new-container-no-quota = It allows no container yet — ask an admin for a quota.
new-container-admin = You are an admin: what you create counts against no quota, and you may make it for anyone, with any profile and configuration.
new-container-name-hint = (1 to 63 letters, digits and -, starting with a letter)
new-container-parent = Belongs to
new-container-parent-hint = (its parent container; automatic placement then uses the parent's machine)
new-container-image = Image
new-container-image-hint = (an image alias of the machine)
new-container-asking-images = Asking the machines for their images…
new-container-limits-hint = (empty: the panel's default)
new-container-cpus = CPUs
new-container-memory = Memory
new-container-disk = Disk
new-container-autostart = Start it with its machine (autostart)
new-container-for-admins = For admins
new-container-owner-hint = (a username; empty: yours)
new-container-profiles = Profiles
new-container-profiles-hint = (separated by commas; empty: default)
new-container-config = Configuration
new-container-config-hint = (one key=value a line)
new-container-create = Create the container

## A member's quota and what she uses of it (the new-container form, the users page)

usage-separator = {", "}
usage-containers-of = { $used } of { $limit } { $count ->
    [one] container
   *[other] containers
}
usage-containers-unlimited = { $used } { $count ->
    [one] container
   *[other] containers
} (no limit)
usage-cpus-of = { $used } of { $limit } { $count ->
    [one] CPU
   *[other] CPUs
}
usage-cpus-unlimited = { $used } { $count ->
    [one] CPU
   *[other] CPUs
} (no limit)
usage-memory-of = { $used } of { $limit } MiB of memory
usage-memory-unlimited = { $used } MiB of memory (no limit)
usage-disk-of = { $used } of { $limit } MiB of disk
usage-disk-unlimited = { $used } MiB of disk (no limit)
usage-forwards-of = { $used } of { $limit } forwarded { $count ->
    [one] port
   *[other] ports
}
usage-forwards-unlimited = { $used } forwarded { $count ->
    [one] port
   *[other] ports
} (no limit)

## Notices of the new-container form and the Manage section (web/provisioning.rs)

provisioning-no-machine = There is no machine yet.
provisioning-no-image = No image could be listed; type its alias.
provisioning-images-offered = Images offered: { $images }.
provisioning-images-not-listed = Not listed from { $machines }
container-autostart-on = Autostart is on.
container-autostart-off = Autostart is off.
container-delete-children-first = Delete its sub-containers first: { $why }
