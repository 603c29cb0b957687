# Refusals about machines, networks and forwards (app/machines.rs, app/networks.rs) and the admin pages' forms
# (web/admin.rs, web/admin_lists.rs): the JSON API says them in English exactly as written here.

## Machines: adding, deleting, rotating the key (app/machines.rs)

error-machines-url-not-a-url = url { $url } is not a URL: { $reason }
error-machines-url-scheme = url { $url }: scheme { $scheme } is not supported; use https://HOST:PORT
error-machines-url-no-host = url { $url } has no host
error-machines-url-plain-http = url { $url }: http:// is only allowed for a loopback host (127.0.0.1, ::1, localhost); use https:// and pin the agent's certificate by its fingerprint
error-machines-url-more-than-an-address = url { $url }: give only scheme, host, port and path
error-machines-key-id = key_id { $key_id }: use 1-64 letters, digits, '-', '_' or '.'
# $problem: as error-containers-name-invalid's.
error-machines-name-invalid = name: invalid_name: { error-containers-name-invalid }
error-machines-secret-too-short = secret: it has { $chars } characters; it needs at least { $min } (smp-agent keygen makes one)
error-machines-pin-without-https = fingerprint and trust_on_first_use apply only to https:// URLs
error-machines-pin-twice = give either fingerprint or trust_on_first_use, not both
error-machines-certificate-unfetched = cannot fetch the agent's certificate: { $error }
error-machines-pin-missing = an https:// agent needs its fingerprint (smp-agent fingerprint prints it) or trust_on_first_use
error-machines-agent-other-name = the agent at { $url } is machine { $found } (its config's `machine`); add it under that name, since the agent refuses tokens for any other
error-machines-agent-other-certificate = the agent at { $url } presented a certificate with another fingerprint; check it with `smp-agent fingerprint` on the machine
# $count: a number.
error-machines-delete-owned-containers = { $count } container(s) of machine { $machine } still have an owner; unassign them first
error-machines-delete-services = { $count } service(s) run on containers of machine { $machine }; delete them first
error-machines-rotation-secret-too-short = the new secret has { $chars } characters; it needs at least { $min } (e.g. `smp-agent keygen`)
error-machines-no-machine = no machine with id { $id }
error-machines-rotation-staged-key-changed = the staged key of machine { $id } was replaced by another rotation meanwhile; nothing was changed, try again
# $key_id, $current: quoted; $key_name: the same key id unquoted; $agent_code, $detail: the agent's code and words.
error-machines-rotation-refused-unknown-key = the agent of machine { $machine } refused key { $key_id } ({ $agent_code }: { $detail }); add key { $key_name } to the agent's [[keys]] and restart it first; the panel still uses key { $current }
error-machines-rotation-refused-other-secret = the agent of machine { $machine } refused key { $key_id } ({ $agent_code }: { $detail }); the agent has a key { $key_id } with a different secret: give the panel the same secret as the agent's [[keys]] entry { $key_id }; the panel still uses key { $current }
error-machines-rotation-unverified = cannot confirm that the agent of machine { $machine } accepts key { $key_id }: { $cause }; the panel still uses key { $current }, try again when the agent answers

## Static addresses and forwards (app/networks.rs)

error-machines-network-not-allowed = machine { $machine }'s agent may not touch a network named { $name }; the networks it lists: { $networks }
error-machines-network-not-allowed-none-listed = machine { $machine }'s agent may not touch a network named { $name }; the networks it lists: none (yet: the sync reads them)
error-machines-address-outside-subnet = { $ip } is outside network { $network }'s subnet { $subnet }
# $family: IPv4 or IPv6.
error-machines-network-no-subnet = network { $network } has no { $family } subnet
error-machines-address-has-forwards = container { $container } has forwards on { $network }, which lead to its address; delete them first, then change the address
# The address was taken by a container that is gone by the time the panel asks whose it is.
error-machines-address-taken-unknown = on network { $network } of machine { $machine }, ; nothing was changed
error-machines-address-taken = on network { $network } of machine { $machine }, { $ip } is container { $holder }'s; nothing was changed
error-machines-addresses-taken = on network { $network } of machine { $machine }, { $ip } is container { $holder }'s and { $ip2 } is container { $holder2 }'s; nothing was changed
error-machines-port-range = ports are between 1 and 65535
error-machines-no-fixed-address = container { $container } has no fixed address, and a forward needs one: ask an admin to give it one first
error-machines-no-address-with-forwards = none of container { $container }'s fixed addresses is on a network of machine { $machine } that has forwards
error-machines-no-address-with-forwards-on = none of container { $container }'s fixed addresses is on a network of machine { $machine } that has forwards (asked: { $network })
# $max: a number.
error-machines-too-many-forwards = a container has at most { $max } forwards on one network
# $protocol: tcp or udp.
error-machines-port-outside-range = listen_port { $port } is outside network { $network }'s range { $range }: leave it out for a free one
error-machines-port-taken-leave-out = { $protocol } port { $port } of machine { $machine } is taken; leave listen_port out for a free one
error-machines-ports-all-taken = every { $protocol } port of machine { $machine }'s range { $range } is taken; ask an admin
error-machines-port-taken = { $protocol } port { $port } of machine { $machine } is taken

## The admin pages' forms (web/admin.rs, web/admin_lists.rs)

error-machines-admin-needs-totp = turn on a second factor to act as an admin
error-machines-quota-containers = containers: give a whole number, or leave it empty for no limit
error-machines-quota-cpus = CPUs: give a whole number, or leave it empty for no limit
error-machines-quota-memory = memory: give a whole number, or leave it empty for no limit
error-machines-quota-disk = disk: give a whole number, or leave it empty for no limit
error-machines-quota-forwards = forwarded ports: give a whole number, or leave it empty for no limit
error-machines-parent-not-an-id = parent: give a container id (a number), or leave it empty for none
