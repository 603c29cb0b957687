# Refusals of signing in, the account, its password, second factor, tokens and SSH keys
# (crates/panel/src/app/): the JSON API says them in English exactly as written here, a page in its reader's language.

## Signing in and out (sessions.rs)

error-account-invalid-credentials = unknown username or wrong password
error-account-too-many-sign-ins = too many sign-ins at once; wait a minute
error-account-code-asked = the password is right; the code is asked next
error-account-sign-in-expired = this sign-in has expired; type your password again
error-account-too-many-logins = too many login attempts; wait a minute
error-account-disabled = this account is disabled
error-account-approval-pending = this account awaits an admin's approval
error-account-token-no-session = a token has no session to end; revoke it with DELETE /api/v1/tokens/{"{"}id{"}"}

## The password (password.rs)

error-account-too-many-wrong-passwords = too many wrong passwords lately; wait a quarter of an hour, then try again
error-account-ldap-gone = this account came from LDAP, and this panel has no [ldap] now
error-account-sign-in-again-with = this account has no password here: sign out, sign in with { $provider } again, then make the token within { $minutes } minutes
error-account-sign-in-again = this account has no password here: sign out, sign in with your provider again, then make the token within { $minutes } minutes
error-account-wrong-password = the password is wrong; nothing was changed
error-account-changed-meanwhile = the password changed, the account was disabled or the session ended while this request ran; nothing was done; sign in again
error-account-password-in-ldap = this account signs in with the directory (LDAP): change its password there, not in the panel
error-account-password-in-oidc = this account signs in with an OpenID Connect provider and has no password here
error-account-password-too-short = the password is too short: at least { $min } characters
error-account-password-too-long = the password is too long: at most { $max } characters

## The second factor (totp.rs)

error-account-totp-wrong-code = the code is wrong, was used already, or is too old; type the code your app shows now
error-account-totp-too-many-attempts = too many attempts; wait a minute
error-account-totp-session-required = the second factor is managed from a signed-in browser session, not with a token
error-account-totp-active = a second factor is active already; disable it with a code first (DELETE /api/v1/me/totp)
error-account-totp-nothing-to-confirm = nothing to confirm: start an enrolment first (POST /api/v1/me/totp)
error-account-totp-not-enrolled = no second factor is enrolled
error-account-totp-code-required = this account has a second factor: send the code of your authenticator app as "totp" (or a "recovery_code")

## Accounts and sign-up (users.rs)

error-account-username-empty = username: a username cannot be empty
error-account-username-too-long = username: a username has at most { $max } characters
error-account-username-bad-start = username: a username starts with a lowercase letter (a-z)
error-account-username-bad-character = username: a username has only lowercase letters, digits, '_', '.' and '-'; { $character } is not allowed
error-account-new-password-too-short = password: the password is too short: at least { $min } characters
error-account-new-password-too-long = password: the password is too long: at most { $max } characters
error-account-own-account = you cannot disable, unapprove or change the role of your own account; ask another admin
error-account-signup-rate-limited = too many attempts from your address; wait a minute
error-account-signup-passwords-differ = the two passwords differ; type the same password twice

## SSH keys (ssh_keys.rs)

error-account-ssh-key-name = name: 1 to { $max } characters (e.g. the computer the key is on), no control characters
error-account-ssh-key-yours = this key is already in your profile, as { $name }
error-account-ssh-key-elsewhere = this key is already in another account's profile, and one key opens one account; make another key for this one (`ssh-keygen -t ed25519 -f ~/.ssh/id_smp`)
error-account-ssh-key-session-required = SSH keys are added from a signed-in browser session (the account page, or POST /api/v1/me/ssh-keys with the session cookie), not with a token
error-account-ssh-key-limit = you have { $max } SSH keys, the most one account may have; delete one you no longer use first
error-account-ssh-key-empty = the public key is empty; paste the one line of your .pub file (e.g. ~/.ssh/id_ed25519.pub)
error-account-ssh-key-private = this is a private key; paste the .pub file (e.g. ~/.ssh/id_ed25519.pub) and keep the private key to yourself
error-account-ssh-key-rfc4716 = this is an SSH2 (RFC 4716) public key; turn it into an OpenSSH line with `ssh-keygen -i -f KEY.pub` and paste that
error-account-ssh-key-several-lines = paste one key on one line, like `ssh-ed25519 AAAAC3Nz… you@laptop`; add several keys one by one
error-account-ssh-key-certificate = this is an SSH certificate; paste the plain public key (the .pub file without -cert)
error-account-ssh-key-security-key = security-key (sk-…) keys are not accepted yet; use an ed25519 key (`ssh-keygen -t ed25519`), ecdsa, or rsa of 3072 bits or more
error-account-ssh-key-dsa = DSA (ssh-dss) keys are not accepted: they are weak and OpenSSH itself dropped them; make one with `ssh-keygen -t ed25519`
error-account-ssh-key-rsa-too-short = this RSA key has { $bits } bits; RSA keys need at least 3072 (`ssh-keygen -t rsa -b 3072`, or better `ssh-keygen -t ed25519`)
error-account-ssh-key-rsa-too-long = this RSA key has { $bits } bits; at most 16384 are accepted
error-account-ssh-key-unsupported = { $kind } keys are not accepted; use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa (3072 bits or more)
error-account-ssh-key-malformed = this is not an OpenSSH public key: paste the one line of your .pub file, `TYPE BASE64 [COMMENT]`, like `ssh-ed25519 AAAAC3Nz… you@laptop`

## Personal access tokens (tokens.rs)

error-account-token-name = name: 1 to { $max } characters
error-account-token-days = expires_in_days: 1 to { $max }
error-account-token-session-required = tokens are made from a signed-in browser session (the account page or POST /api/v1/tokens with the session cookie), not with a token

## What she may do (current_user.rs) and her language (web/account.rs)

error-account-too-many-actions = you already have as many actions running on machines as the panel allows; nothing was done; try again when one ends
error-account-not-allowed = you are not allowed to do this
error-account-no-such-language = there is no language { $code } here; choose one of the list
