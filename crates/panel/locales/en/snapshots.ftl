# The container page's Snapshots section (templates/container_snapshots.html, web/snapshots.rs).

snapshots-heading = Snapshots
snapshots-loading = Reading the snapshots…
snapshots-not-fresh = Its machine cannot be reached right now: these are the snapshots as last seen.
snapshots-none = No snapshots yet. Take one before an upgrade: you can go back to it.
snapshots-taken-at = Taken
snapshots-size = Size
snapshots-size-unknown = not reported
snapshots-by-schedule = (by the schedule)
snapshots-restore = Restore…
# $when: the time the snapshot was taken.
snapshots-restore-warning = Restoring { $name } to { $snapshot } puts it back as it was at { $when }: everything that changed in it since is lost. If it runs, it is stopped and started again. The snapshot stays.
snapshots-restore-confirm = Restore { $snapshot }
snapshots-delete = Delete
snapshots-delete-confirm = Delete the snapshot { $snapshot }? Nothing can be restored from it afterwards.
snapshots-deleted = Snapshot { $snapshot } deleted.
snapshots-name = Name of the new snapshot
snapshots-take = Take a snapshot
snapshots-schedule = Schedule
snapshots-schedule-hint = LXD takes them and deletes each once it has kept enough; what it keeps counts against your quota.
snapshots-period = How often
snapshots-period-none = never
snapshots-period-hourly = hourly
snapshots-period-daily = daily
snapshots-period-weekly = weekly
snapshots-keep = How many to keep
snapshots-save-schedule = Save the schedule
snapshots-schedule-set = Snapshots { $period }, keeping { $keep }.
snapshots-schedule-removed = No more scheduled snapshots.
job-snapshot-take = Taking snapshot { $snapshot } of { $name }
job-snapshot-taken = Snapshot { $snapshot } of { $name } taken.
job-snapshot-restore = Restoring { $name } to { $snapshot }
job-snapshot-restored = { $name } is back to { $snapshot }.

## The admins' quota form (admin_users_list.html, web/admin.rs)
admin-quota-snapshots = Snapshots
admin-quota-words-snapshots = { $count } snapshots
admin-quota-words-no-snapshots = no limit on snapshots
