# Refusals and failures the use cases answer (crates/panel/src/error.rs):
# the JSON API says them in English exactly as written here, a page in its
# reader's language. Each starts in lower case with no full stop: a page
# makes it a sentence.

error-database-unavailable = the panel's database cannot be reached right now; nothing was done; try again in a minute
error-username-taken = a user named { $name } already exists
error-machine-name-taken = a machine named { $name } already exists

## A machine's agent or its LXD

error-agent-unreachable = machine { $machine } cannot be reached right now; try again in a minute, and tell an admin if it lasts
error-agent-answer-lost = machine { $machine } stopped answering during the action, which may have been done; the panel will read its outcome from LXD: check the status in a moment
error-agent-fingerprint = machine { $machine } presented a certificate the panel does not trust; nothing was done; an admin must check the machine
error-agent-busy = machine { $machine } is busy with as many sessions as it allows; nothing was done; try again when one ends
error-agent-credentials = machine { $machine } refused the panel's credentials; nothing was done; an admin must check the machine's key
error-agent-instance-changed = the container of that name on machine { $machine } was deleted and made again since the panel last saw it; nothing was done; the list will show the new one shortly
error-agent-container-gone = the container is no longer on machine { $machine }; the list will show it as gone shortly
error-agent-lxd-unavailable = LXD on machine { $machine } is not answering; try again in a minute, and tell an admin if it lasts
error-agent-lxd-timeout = LXD on machine { $machine } did not finish in time; the action may still complete: check the status in a moment
error-agent-lxd-failed = LXD on machine { $machine } failed: { $detail }
error-agent-bad-answer = machine { $machine } answered something the panel does not understand (are the panel and agent versions compatible?)
