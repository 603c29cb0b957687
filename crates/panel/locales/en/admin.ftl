# SMP's pages in English: the admin pages (users, machines, networks, all containers, the audit log).
# Glossary: see main.ftl.

## Shared by the admin pages

admin-filter = Filter
admin-clear-filters = Clear the filters
# The first choice of a filter's list: no filter.
admin-filter-any = any
admin-pages = Pages
admin-previous-page = Previous page
admin-next-page = Next page
admin-yes = yes
admin-no = no
# An empty cell: no fingerprint, no last error, no drift.
admin-none = none
admin-never = never
admin-role = { $role ->
    [member] member
    [admin] admin
    [head_admin] head_admin
   *[other] { $role }
}

## All containers (admin_containers.html, admin_containers_row.html, admin_lists.rs)

admin-containers-filter = Filter the containers
admin-containers-owner-username = Owner (username)
# $name: the username asked for; $quoted: the same in double quotes.
admin-containers-no-user = There is no user named { $quoted }, so no container is shown.
admin-containers-none-match = No containers match.
admin-containers-range = Containers { $first }–{ $last } of { $total }.
admin-column-parent = Parent
admin-column-result = Result
admin-row-owner-label = Owner of { $name } (username; empty for none)
admin-row-in-quota = counts against her quota
admin-row-set-owner = Set owner
admin-row-parent-label = Parent of { $name } (container id; empty for none)
admin-row-set-parent = Set parent
admin-saved = Saved.

## Users and quotas (admin_users_list.html, admin.rs)

admin-users-generated = The panel made a password for { $name }. Give it to them now: it is shown this once.
admin-users-password-of = Password of { $name }
admin-column-role = Role
admin-column-approved = Approved
admin-column-disabled = Disabled
admin-column-sign-in = Sign-in
admin-column-second-factor = Second factor
admin-sign-in-method = { $method ->
    [local] local
    [ldap] ldap
    [oidc] oidc
   *[other] { $method }
}
admin-totp-state = { $state ->
    [off] off
    [pending] pending
    [active] active
   *[other] { $state }
}
admin-users-approve = Approve
admin-users-approve-name = Approve { $name }
admin-users-enable = Enable
admin-users-enable-name = Enable { $name }
admin-users-disable = Disable
admin-users-disable-name = Disable { $name }
admin-users-disable-confirm = Disable { $name }? They cannot sign in or use their tokens until enabled again.
admin-users-role-of = Role of { $name }
admin-users-change-role = Change role
admin-users-change-role-of = Change the role of { $name }
admin-quotas-title = Members' quotas
# Followed by the API route in parentheses.
admin-quotas-intro = What each member's sub-containers may take in all (an empty field: no limit), and what they take now. What an admin creates for a member or assigns to her counts against no quota. Quotas on one machine are set through the API
admin-quotas-no-members = There are no members yet.
admin-column-member = Member
admin-column-uses = Uses
admin-column-quota = Quota
admin-quotas-default = (the default quota)
admin-quota-containers = Containers
admin-quota-memory = Memory MiB
admin-quota-disk = Disk MiB
admin-quota-forwards = Forwarded ports
admin-quotas-save = Save quota
admin-quotas-save-of = Save the quota of { $name }
admin-users-create-title = Create a user
admin-users-create-intro = Accounts made here are approved at once. Leave the password empty to have the panel make one (shown once).
admin-users-password-hint = (optional, at least 12 characters)
admin-users-create = Create the user
# What the users section says after a form (admin.rs).
admin-users-forbidden = Not allowed: only the head admin gives or takes the admin role or changes an admin's account. Nothing was changed.
# $role: the role as admin-role names it.
admin-user-created = { $name } is created ({ $role }) and may sign in.
admin-user-updated = { $name } is now { $role }, { $standing ->
    [disabled] disabled
    [waiting] waiting for approval
   *[enabled] approved and enabled
}.
# Only as $name of admin-quota-set, for an account the list no longer has.
admin-user-number = user { $id }
# $quota: the admin-quota-words-* below, separated by usage-separator.
admin-quota-set = The quota of { $name } is now: { $quota }.
admin-quota-words-containers = { $count } containers
admin-quota-words-no-containers = no limit on containers
admin-quota-words-cpus = { $count } CPUs
admin-quota-words-no-cpus = no limit on CPUs
admin-quota-words-memory = { $count } MiB of memory
admin-quota-words-no-memory = no limit on MiB of memory
admin-quota-words-disk = { $count } MiB of disk
admin-quota-words-no-disk = no limit on MiB of disk
admin-quota-words-forwards = { $count } forwarded ports
admin-quota-words-no-forwards = no limit on forwarded ports

## Machines (admin_machines_list.html, admin.rs)

admin-machines-none = No machines yet.
admin-machines-add-first = Add the first one below.
admin-column-last-error = Last error
admin-column-last-sync = Last sync
admin-column-url = URL
admin-machines-key-id = Key id
admin-column-fingerprint = Fingerprint
admin-machine-status = { $status ->
    [unknown] unknown
    [online] online
    [unreachable] unreachable
    [fingerprint_mismatch] fingerprint_mismatch
    [rejected] rejected
    [error] error
   *[other] { $status }
}
admin-machines-switching-to = (switching to { $key })
admin-machines-sync-now = Sync now
admin-machines-sync-name = Sync { $name } now
admin-machines-rotate-of = Rotate the key of { $name }
admin-machines-new-key-id = New key id
admin-machines-new-secret = New secret
admin-machines-new-secret-hint = (as in the agent's [[keys]])
admin-machines-rotate = Rotate the key
admin-machines-add-title = Add a machine
# One sentence: before <code>[[keys]]</code>, after it, then after (<code>smp-agent keygen</code>.
admin-machines-add-intro-before = First add a key for the panel to the agent's
admin-machines-add-intro-middle = {""}
admin-machines-add-intro-after = makes a secret).
admin-machines-name-hint = (as the agent calls itself)
admin-machines-agent-url = Agent URL
admin-machines-secret = Secret
admin-machines-secret-hint = (stored sealed; never shown again)
admin-machines-certificate-fingerprint = Certificate fingerprint
admin-machines-certificate-fingerprint-hint = (https: smp-agent fingerprint prints it)
admin-machines-trust-on-first-use = Trust on first use: fetch and pin the certificate the agent shows now
admin-machines-add = Add the machine
admin-machines-head-admin-only = Only the head admin adds, syncs or re-keys machines.
# What the machines section says after a form (admin.rs).
admin-machines-forbidden = Not allowed: only the head admin adds, syncs or re-keys machines. Nothing was changed.
admin-machine-added = Machine { $name } is added; it syncs shortly.
admin-machine-added-pinned = Machine { $name } is added, pinned to the certificate { $fingerprint }; it syncs shortly.
# $added, $updated, $gone, $total: numbers of containers.
admin-machine-synced = Synced { $name }: { $added } added, { $updated } updated, { $gone } gone; { $total } containers in all.
admin-machine-rotated = Machine { $name } now uses key { $key }.

## Networks and forwards (admin_networks.html, admin.rs)

admin-networks-title = Networks and forwards
admin-networks-intro = The networks each machine's agent may touch, as the last sync read them. Drift is what that sync found different between LXD's forwards and the panel's; nothing is changed on either side until you act.
admin-networks-none = No machine lists a network yet.
admin-column-network = Network
admin-column-subnets = Subnets
admin-column-forwards-on = Forwards on
admin-column-drift = Drift
admin-networks-public = (public)
admin-networks-forwards-on = { $address } ports { $ports }
admin-networks-no-forwards = no forwards
admin-forwards = Forwards
admin-forwards-none = No port is forwarded to any container.
admin-column-reach = Reach
admin-column-port = Port
admin-column-asked-by = Asked by

## The audit log (admin_audit.html, admin_lists.rs)

admin-audit-yours = Your audit log
admin-audit-member-intro = Your own actions and actions on your containers; admins see every row.
admin-audit-filter = Filter the audit log
admin-audit-who-label = Who (username)
admin-audit-action-label = Action (e.g. container.exec)
admin-audit-object-label = Object (e.g. container:12)
admin-audit-machine-label = Machine (name)
admin-audit-none-match = No rows match.
admin-column-when = When
admin-column-who = Who
admin-column-action = Action
admin-column-object = Object
admin-column-outcome = Outcome
admin-column-requests = Requests
admin-audit-outcome = { $outcome ->
    [ok] ok
    [refused] refused
    [failed] failed
    [started] started
   *[other] { $outcome }
}
admin-audit-newest = Newest rows
admin-audit-older = Older rows
