# SMP's pages in English: the layout, sign-in, the dashboard, dates and numbers.
#
# Glossary (the same word everywhere, in every file of this language):
#   container       an LXD system container of a member (never "instance" or "VM")
#   sub-container   a container a member made inside her own tree, within her quota
#   service         a systemd unit in a container that its owner may start, stop and restart
#   quota           how many containers, how much memory and disk a member may use
#   machine         a host running LXD and the agent
#   owner           the member a container or service belongs to
#   admin, head admin, member, service owner: the roles
#
# A key missing here, or from fr/ or pl/, fails `cargo test`.

## Dates and numbers (crates/panel/src/web/i18n.rs)

date-month = { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
}
date-time = { $day } { $month } { $year }, { $time } UTC
number-group-separator = ,
number-grouping-from = 4

## The layout (base.html)

nav-main = Main
nav-dashboard = Dashboard
nav-account = Account
nav-all-containers = All containers
nav-users = Users
nav-machines = Machines
nav-networks = Networks
nav-audit = Audit log
sign-out = Sign out
language-switcher = Language

## Sign-in (login.html)

sign-in-title = Sign in
sign-in-code-label = Code from your authenticator app
sign-in-code-hint = (or one of your recovery codes)
sign-in-start-again = Start again
sign-in-username = Username
sign-in-password = Password
sign-in-or = or
sign-in-with-provider = Sign in with { $provider }
sign-in-new-here = New here?
sign-in-create-account = Create an account
sign-in-approved-by-admin = ; an admin approves it.

## A refused sign-in (web/pages.rs)

login-refused-credentials = Wrong username or password.
login-refused-rate-limited = Too many sign-in attempts from your address or for this username. Wait a minute, then try again.
login-refused-approval-pending = Your account is waiting for an admin's approval. You can sign in once they approve it.
login-refused-disabled = This account is disabled. Ask an admin if this is a mistake.
login-refused-directory-unavailable = The sign-in directory (LDAP) cannot be reached just now. Try again in a few minutes.
login-refused-forbidden = Your account may not sign in here: { $why }.
login-refused-code-wrong = That code is wrong or was used already. Type the code your app shows now, or a recovery code.
login-refused-expired = This sign-in has expired or now needs a code. Type your password again.

## The dashboard (dashboard.html)

dashboard-my-containers = My containers
dashboard-my-services = My services
dashboard-my-containers-and-services = My containers and services
dashboard-no-containers = You own no containers yet — ask an admin.
dashboard-new-container = New container
dashboard-within-quota = (within your quota)
dashboard-your-containers = Your containers
dashboard-your-services = Your services
dashboard-services-only = You own no containers. These are the services you look after: start, stop and restart them, and read their journals.
containers-count = { $count ->
    [one] { $count } container
   *[other] { $count } containers
}
column-name = Name
column-machine = Machine
column-status = Status
column-addresses = Addresses
column-last-seen = Last seen
column-container = Container
column-owner = Owner
column-participants = Participants
column-started = Started
column-terminal = Terminal
container-status = { $status ->
    [running] running
    [stopped] stopped
    [frozen] frozen
    [error] error
    [gone] gone
    [creating] creating
    [failed] failed
    [starting] starting
    [stopping] stopping
    [unknown] unknown
   *[other] { $status }
}
shared-terminals = Shared terminals
shared-terminals-intro = Terminal sessions shared with you, and those you share.
shared-terminal-open = Open the session on { $container }
shared-terminal-join = Join the session on { $container }

## The account page (account.html, account_language.html)

account-language = Language
account-language-label = The language of your pages
account-language-browser = Your browser's language
account-language-save = Save
