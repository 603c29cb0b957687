# A request that does not fit a member's quota (db/quotas.rs `Exceeded`,
# said by app/quotas.rs): her overall quota, or hers on one machine.

error-quota-containers = your quota allows { $limit } of containers; your sub-containers take { $used } and this asks { $asked } more
error-quota-containers-on-machine = your quota on machine { $machine } allows { $limit } of containers; your sub-containers take { $used } and this asks { $asked } more
error-quota-cpu = your quota allows { $limit } of CPUs; your sub-containers take { $used } and this asks { $asked } more
error-quota-cpu-on-machine = your quota on machine { $machine } allows { $limit } of CPUs; your sub-containers take { $used } and this asks { $asked } more
error-quota-memory = your quota allows { $limit } MiB of memory; your sub-containers take { $used } MiB and this asks { $asked } MiB more
error-quota-memory-on-machine = your quota on machine { $machine } allows { $limit } MiB of memory; your sub-containers take { $used } MiB and this asks { $asked } MiB more
error-quota-disk = your quota allows { $limit } MiB of disk; your sub-containers take { $used } MiB and this asks { $asked } MiB more
error-quota-disk-on-machine = your quota on machine { $machine } allows { $limit } MiB of disk; your sub-containers take { $used } MiB and this asks { $asked } MiB more
error-quota-forwards = your quota allows { $limit } forwarded { $limit ->
    [one] port
   *[other] ports
}; you have { $used }: delete one or ask an admin for more
error-quota-forwards-on-machine = your quota on machine { $machine } allows { $limit } forwarded { $limit ->
    [one] port
   *[other] ports
}; you have { $used }: delete one or ask an admin for more

# A quota field below zero (db/quotas.rs `NegativeQuota`); $field: containers, cpu, memory_mb, disk_mb or forwards
# (the JSON's names; a page names the form's field).
error-quota-below-zero = { $field } must be 0 or more, or null for no limit
