# Refusals of services, terminal sessions, the SSH gateway, OpenID Connect and LDAP sign-ins and the audit log
# (crates/panel/src/app/): the JSON API says them exactly as written here, a page in its reader's language.

## Services (app/services.rs)

error-services-description-invalid = description: at most { $max } characters, without control characters
error-services-no-such-unit = container { $container } has no unit { $unit }
error-services-owner-unknown = owner: there is no user named { $name }
error-services-owner-not-allowed = owner: name an approved member of this panel; that name cannot own a service
error-services-duplicate = container { $container } already has the service { $unit }
error-services-patch-empty = give "owner" (a username or null) and/or "description"
# $problem: not-a-service (then $suffix: the unit's kind, .socket), length, first, several-ats or character.
error-services-unit-invalid = invalid unit name: { $problem ->
    [not-a-service] only services are managed, not { $suffix } units
    [length] wrong length
    [first] it must not start with '-', '.' or '@'
    [several-ats] it has more than one '@'
   *[character] it contains a character systemd does not allow
} (systemd unit names use letters, digits, ':', '_', '.', '-', '\' and one '@')

## Terminal sessions (app/terminals, ws/mod.rs)

error-services-terminal-sessions-full = you have { $count } terminal sessions open, the most the panel allows; end one on its container's page
error-services-ticket-invalid = the ticket is unknown, already used or expired; ask for a new one
error-services-ticket-too-many = too many unused terminal tickets; use or let expire the ones asked for
error-services-terminal-not-yours = no open terminal session of yours has this id
error-services-invite-nobody = there is no member named { $name } who can be invited
error-services-invite-owner = you own this session already
error-services-session-full = a session has at most { $max } participants, its owner included
error-services-session-filled-up = the session filled up meanwhile
error-services-not-a-participant = { $name } is not in this session
error-services-session-owner-only = only the session's owner chooses who is in it
error-services-session-not-shared = this terminal is not shared; start a shared session
error-services-session-ended = this terminal session has ended; open a new one
error-services-websocket-expected = open this route as a WebSocket: { $detail }

## The SSH gateway (app/ssh.rs)

error-services-ssh-not-a-container = commands and forwards go to a container, not to this target
error-services-ssh-too-many-attempts = too many attempts from this address
error-services-ssh-no-key = no profile key for this target

## Signing in with OpenID Connect (app/oidc.rs); what the provider itself said is shown as it is

error-services-oidc-unavailable = { $provider } cannot be reached just now; try again in a few minutes
error-services-oidc-too-many-attempts = too many sign-in attempts; wait a minute
error-services-oidc-too-many-pending = too many sign-ins are under way; wait a few minutes
error-services-oidc-other-browser = signing in with { $provider } failed: this sign-in was not started in this browser; start again from the sign-in page
error-services-oidc-expired = signing in with { $provider } failed: this sign-in has expired or was used already; start again from the sign-in page
error-services-oidc-other-provider = signing in with { $provider } failed: the answer came from another provider
error-services-oidc-no-code = signing in with { $provider } failed: the provider sent no authorization code
error-services-oidc-code-refused = signing in with { $provider } failed: the provider refused the authorization code (used already, or too old); start again
error-services-oidc-not-understood = signing in with { $provider } failed: the provider's answer was not understood
error-services-oidc-no-id-token = signing in with { $provider } failed: the provider sent no ID token
error-services-oidc-id-token-check = signing in with { $provider } failed: its ID token failed a check

## Signing in with an LDAP directory (app/ldap.rs)

error-services-ldap-unavailable = the sign-in directory (LDAP) cannot be reached just now; try again in a few minutes
error-services-ldap-credentials = unknown username or wrong password
error-services-ldap-no-group = your directory account is in no group that may use this panel; ask an admin of the directory

## The audit log (app/audit.rs)

error-services-audit-limit = limit must be 1-{ $max }
