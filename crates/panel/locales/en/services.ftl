# SMP's pages in English: a service's page (its state, journal and management) and the services of a container's page.
# Glossary: see main.ftl.

## Shared by the container and service pages (macros.html: state_card, services_table)

service-asking-machine = Asking the machine…
service-refresh = Refresh
service-unit = Unit
service-description = Description
service-owner-none = none
# A unit's state as systemd names it (its ActiveState), or the panel's own
# (unknown, not-found, gone); any other value is shown as it is.
service-state = { $state ->
    [active] active
    [reloading] reloading
    [inactive] inactive
    [failed] failed
    [activating] activating
    [deactivating] deactivating
    [maintenance] maintenance
    [refreshing] refreshing
    [unknown] unknown
    [not-found] not-found
    [gone] gone
   *[other] { $state }
}

## A service's page (service.html, service_facts.html, service_status.html)

service-on-container = on { $container }
service-heading = Service
service-unit-state = Unit state
service-journal = Journal
service-journal-order = (newest last, times in UTC)
service-journal-reading = Reading the journal…
service-description-none = none
service-runs-on = Runs on
service-on-machine = on machine { $machine }

## Start, stop and restart, and how they ended (services.rs)

service-job-action = { $action ->
    [start] Starting
    [stop] Stopping
   *[restart] Restarting
}
service-job-action-unit = { $action ->
    [start] Starting { $unit }
    [stop] Stopping { $unit }
   *[restart] Restarting { $unit }
}
# $state: a value of service-state, already in the page's language; $sub: systemd's SubState as it is.
service-job-now = { $unit } is { $state } ({ $sub })
service-job-done = { $now } (took { $seconds } s).
service-job-failed = systemctl exited with code { $code }: { $why } { $now }.
service-job-no-message = it gave no message

## The unit's state (service_state.html, service_state_retry.html, services.rs)

service-state-active = Active
service-state-loaded = Loaded
# systemd's LoadState of the unit; any other value is shown as it is.
service-load-state = { $state ->
    [loaded] loaded
    [not-found] not-found
    [bad-setting] bad-setting
    [error] error
    [masked] masked
   *[other] { $state }
}
service-state-main-pid = Main PID
service-pid-none = none
service-state-active-since = Active since
service-state-never = never
service-state-memory = Memory
service-state-not-accounted = not accounted
service-state-asking-again = Asking again in a few seconds…

## The journal (service_journal.html, services.rs)

service-journal-pause = Pause
service-journal-follow = Follow
service-journal-lines = Lines
service-journal-last = { $count ->
    [one] the last { $count }
   *[other] the last { $count }
}
service-journal-following = Following: new lines appear within 2 s. Pause to read in peace.
service-journal-paused-at = Paused at
service-journal-follow-to-see = Follow to see new lines.
service-journal-empty = The journal has no lines of { $unit }.
service-journal-of = Journal of { $unit }, newest last
# Made a sentence by the page (capital letter, full stop).
service-journal-lines-invalid = lines: give a whole number from 1 to { $max }

## Managing a service (service_manage.html, services.rs)

service-manage = Manage
service-owner = Service owner
service-owner-hint = (a username; empty for none. The owner may start, stop and restart it and read its journal, and nothing else of { $container })
service-description-hint = (at most 200 characters)
service-save = Save
service-saved = Saved.
service-delete = Delete this service…
# The next three make one sentence; the second only when the service has an owner.
service-delete-stops = The panel stops managing { $unit }
service-delete-owner = , and { $owner } can no longer reach it
service-delete-stays = . The unit itself stays in { $container }, running or not as it is now.
service-delete-confirm = Yes, delete the service { $unit }

## The services of a container's page (container_services.html, container_services_list.html, service_unit_input.html, service_units.html, service_created.html, services.rs)

service-services = Services
service-none-on-container = No services on this container yet.
service-add = Add a service
service-add-intro = Manage one of { $name }'s systemd units from the panel, and give it an owner: the owner may start, stop and restart it and read its journal, and nothing else of { $name }.
service-unit-hint = (its name, e.g. cron.service; or list the units of { $name })
service-list-units = List the units of { $name }
service-units-none = { $name } lists no systemd services.
# The next two make one phrase in parentheses: "(12 services of web1, as its systemd lists them)".
service-units-count = { $count ->
    [one] { $count } service
   *[other] { $count } services
}
service-units-listed = of { $name }, as its systemd lists them
# After a unit's state in the unit picker: "(active; a service already)".
service-units-managed = ; a service already
service-new-owner-hint = (optional: a username)
service-new-description-hint = (optional: the unit's own if empty)
service-add-submit = Add the service
# Made a sentence by the page (capital letter, full stop).
service-no-unit = choose the unit (or type its name, e.g. cron.service)
# Followed by a link (service-created-open) and a full stop.
service-created = { $unit } is a service now:
service-created-open = open its page
