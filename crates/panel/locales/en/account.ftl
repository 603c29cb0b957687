# SMP's pages in English: the account page, its password, token, second-factor and SSH-key pages, sign-up.
# Glossary: see main.ftl.

## The account page (account.html; its language section is in main.ftl)

account-title = Your account
account-role = { $role ->
    [head_admin] head_admin
    [admin] admin
    [member] member
   *[other] { $role }
}
account-your-password = Your password
account-password-elsewhere = You sign in with { $provider }: your password is kept there, not in this panel.
account-second-factor = Second factor
account-second-factor-intro = A code from an authenticator app at each sign-in, besides your password:
account-second-factor-link = your second factor
account-ssh-keys = SSH keys
account-ssh-intro-before = The public keys that let you
account-ssh-intro-middle = into your containers through the panel, and the
account-ssh-intro-after = block to use them:
account-ssh-keys-link = your SSH keys

## Where she signs in instead of the panel: $provider above (crates/panel/src/web/account.rs)

account-signs-in-with-ldap = the directory (LDAP)
account-signs-in-with-oidc = your OpenID Connect provider

## Changing the password (account_password.html, crates/panel/src/web/account.rs)

account-password-change-title = Change your password
account-current-password = Current password
account-new-password = New password
account-password-length-hint = (at least 12 characters)
account-new-password-again = New password again
account-password-change = Change the password
# Lowercase, no final stop: the page makes it a sentence.
account-passwords-differ = the two new passwords differ; type the same password twice
account-password-changed = Your password is changed. Your other sessions have ended ({ $sessions }) and your tokens are revoked ({ $tokens }).
account-current-password-wrong = The current password is wrong; nothing was changed.

## Personal access tokens (account_tokens.html, crates/panel/src/web/account.rs)

account-tokens-title = Personal access tokens
account-tokens-intro = A token lets a script use the API as you:
account-tokens-read-before = A
account-tokens-read-after = token may only read; a
account-tokens-write-after = token may do anything you may. Every token expires (in 90 days unless you choose, in a year at most), and all of them are revoked when your password changes.
account-token-scope = { $scope ->
    [write] write
   *[read] read
}
account-token-made = Token “{ $name }” is made. Copy it now: it is shown this once.
account-token-new-label = The new token
account-no-tokens = You have no tokens.
account-column-scope = Scope
account-column-created = Created
account-column-expires = Expires
account-column-last-used = Last used
account-never = never
account-token-revoke-confirm = Revoke the token “{ $name }”? Scripts that use it stop working.
account-token-revoke-label = Revoke the token { $name }
account-token-revoke = Revoke
account-token-new = New token
account-token-name-hint = (what it is for)
account-token-scope-read-option = read: only reads
account-token-scope-write-option = write: anything you may do
account-token-days = Expires in days
account-token-days-hint = (1 to 365; empty: 90)
account-token-password-hint = (again, to make a token)
account-token-no-password = Your account has no password here: a token is made within ten minutes of signing in with your provider. Sign out and in again if it is longer.
account-token-create = Create the token
# Lowercase, no final stop: the page makes them sentences.
account-token-days-invalid = expires in days: a whole number from 1 to { $max }, or empty for { $default }
account-token-scope-invalid = scope: read or write
account-token-password-wrong = The password is wrong; no token was made.
account-token-revoked = The token is revoked.

## The second factor (account_security.html, account_security_section.html, crates/panel/src/web/security.rs)

account-security-title = Security
account-your-account = your account
account-totp-required-for-admins = This panel requires admins to use a second factor: until you turn it on below, you act as a member.
account-totp-title = Second factor (authenticator app)
account-totp-on = On: signing in asks for a code from your app. Recovery codes left: { $count }.
account-totp-disable-code = Code from your app (or a recovery code) to turn it off
account-totp-turn-off = Turn off
account-totp-pending = Not on yet: scan the code with your authenticator app, then type the code it shows.
account-totp-qr-alt = QR code to scan with your authenticator app
account-totp-secret = Or type this key into the app:
account-totp-uri = Its address:
account-totp-recovery-codes = Recovery codes
account-totp-recovery-codes-intro = Each works once instead of a code, if you lose your phone. Keep them somewhere safe: they are shown only now.
account-totp-activate-code = Code from your app
account-totp-turn-on = Turn on
account-totp-off = Off: signing in asks for your password only.
account-totp-enrol-again = Start again with a new key
account-totp-enrol = Set up an authenticator app
account-totp-turned-on = Your second factor is on: from now on, signing in asks for a code.
account-totp-turned-off = Your second factor is off: signing in asks for your password only.
account-totp-code-wrong = That code is wrong or was used already; nothing was changed. Type the code your app shows now.

## The SSH keys page (account_ssh_keys.html)

account-ssh-config-title = Your ~/.ssh/config
account-ssh-config-add = Add this block to
account-ssh-config-then = on your computer; then
account-ssh-config-opens = opens a shell in
account-ssh-config-your-container = your container
account-ssh-config-placeholder-before = your container (put its name in place of
account-ssh-config-placeholder-after = , twice)
account-ssh-config-comma-and = , and
account-ssh-config-and = and
account-ssh-config-reach = reach it by that name too.
account-ssh-config-other = For another container, copy the block with its name in
account-ssh-config-block-label = A block for ~/.ssh/config
account-ssh-config-host-key-alias = makes every container share the panel's one host key in
account-ssh-host-key-before = The first time,
account-ssh-host-key-after = asks whether to trust the panel's host key: accept it only if it shows
account-ssh-not-enabled = SSH is not enabled on this panel. You can still manage your keys here; they will let you in once an admin turns SSH on.

## The SSH keys (account_ssh_keys_list.html, crates/panel/src/web/ssh_keys.rs)

account-ssh-your-keys = Your keys
account-ssh-keys-intro = Your public keys let you
account-ssh-keys-paste = into your containers through the panel. Paste the one line of a
account-ssh-keys-file = {" "}file:
account-ssh-keys-best = (best),
account-ssh-keys-or = , or
account-ssh-keys-rsa = of 3072 bits or more. A key opens one account only. Make one with
account-ssh-keys-never-private = ; never paste the private key (the file without
account-ssh-keys-never-private-end = ).
account-no-ssh-keys = You have no SSH keys.
account-column-type = Type
account-column-fingerprint = Fingerprint
account-column-added = Added
account-ssh-key-imported-title = Imported from your provider at each sign-in: remove it there, or it comes back
account-ssh-key-imported = imported
account-ssh-key-delete-confirm = Delete the SSH key “{ $name }”? It stops letting you in at once.
account-ssh-key-delete-label = Delete the SSH key { $name }
account-ssh-key-delete = Delete
account-ssh-key-add-title = Add a key
account-ssh-key-name-hint = (the computer it is on, 1 to 64 characters)
account-ssh-key-public = Public key
account-ssh-key-public-hint = (the one line of your
account-ssh-key-public-hint-end = {" "}file)
account-ssh-key-add = Add the key
account-ssh-key-added = The key “{ $name }” is added ({ $fingerprint }).
account-ssh-key-deleted = The key is deleted; it no longer lets you in.

## Sign-up (signup.html, crates/panel/src/web/account.rs)

account-signup-title = Create an account
account-signup-approval = An admin approves new accounts before they can sign in.
account-signup-password-again = Password again
account-signup-create = Create the account
account-signup-have-account = I have an account: sign in
account-signup-rate-limited = Too many attempts from your address. Wait a minute, then try again.

## Approval pending (pending.html)

account-pending-title = Approval pending
account-pending-if-free = If the name
account-pending-made = was free, your account is made and waits for an admin's approval: you can sign in as
account-pending-once-approved = once an admin approves it.
account-pending-if-taken = If someone already had that name, no account was made (this page cannot tell you which, so that nobody learns who has an account here): signing in will then fail as with a wrong password. Sign up again with another name, or ask an admin.
account-pending-to-sign-in = To the sign-in page

## Signed in (signed_in.html)

account-signed-in-title = Signed in
account-signed-in = You are signed in.
account-signed-in-continue = Continue
account-signed-in-if-stuck = {" "}if this page does not move on by itself.
