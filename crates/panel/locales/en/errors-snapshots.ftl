# Refusals of snapshots and their schedule (app/snapshots.rs, web/snapshots.rs).

error-snapshots-name-scheduled = { $name } is a name the schedule gives its snapshots (auto- and a number): choose another
error-snapshots-name-taken = { $container } already has a snapshot named { $name }
error-snapshots-keep-range = keep must be a whole number from 1 to { $max }
error-snapshots-period = the schedule is hourly, daily, weekly or none
error-snapshots-key-by-schedule = set { $key } with the snapshot schedule (PUT /api/v1/containers/{"{"}id{"}"}/snapshots/schedule): what it keeps counts against your quota
error-quota-snapshots = your quota allows { $limit } { $limit ->
    [one] snapshot
   *[other] snapshots
}; you have { $used } (a schedule counts what it keeps) and this asks { $asked } more: delete one or ask an admin for more
error-quota-snapshots-on-machine = your quota on machine { $machine } allows { $limit } { $limit ->
    [one] snapshot
   *[other] snapshots
}; you have { $used } there (a schedule counts what it keeps) and this asks { $asked } more: delete one or ask an admin for more
error-snapshots-quota-field = snapshots: give a whole number, or leave it empty for no limit
error-snapshots-name-invalid = invalid snapshot name: { $problem ->
    [length] wrong length
    [first] it must start with a letter
    [last] it must not end with '-'
   *[character] it contains a character other than a letter, digit or '-'
} (1-63 letters, digits and '-', starting with a letter, not ending with '-')
