# Les refus de la connexion, du compte, de son mot de passe, de son second facteur, de ses jetons et de ses clés SSH
# (crates/panel/src/app/), sur une page dans la langue de son lecteur (l’API JSON les dit en anglais).

## La connexion et la déconnexion (sessions.rs)

error-account-invalid-credentials = nom d’utilisateur inconnu ou mot de passe incorrect
error-account-too-many-sign-ins = trop de connexions en même temps ; attendez une minute
error-account-code-asked = le mot de passe est correct ; le code est demandé à l’étape suivante
error-account-sign-in-expired = cette connexion a expiré ; tapez à nouveau votre mot de passe
error-account-too-many-logins = trop de tentatives de connexion ; attendez une minute
error-account-disabled = ce compte est désactivé
error-account-approval-pending = ce compte attend l’approbation d’un administrateur
error-account-token-no-session = un jeton n’a pas de session à terminer ; révoquez-le avec DELETE /api/v1/tokens/{"{"}id{"}"}

## Le mot de passe (password.rs)

error-account-too-many-wrong-passwords = trop de mots de passe incorrects ces derniers temps ; attendez un quart d’heure, puis réessayez
error-account-ldap-gone = ce compte vient de LDAP, et ce panneau n’a plus de section [ldap]
error-account-sign-in-again-with = ce compte n’a pas de mot de passe ici : déconnectez-vous, reconnectez-vous avec { $provider }, puis créez le jeton dans les { $minutes } minutes
error-account-sign-in-again = ce compte n’a pas de mot de passe ici : déconnectez-vous, reconnectez-vous avec votre fournisseur, puis créez le jeton dans les { $minutes } minutes
error-account-wrong-password = le mot de passe est incorrect ; rien n’a été changé
error-account-changed-meanwhile = le mot de passe a changé, le compte a été désactivé ou la session s’est terminée pendant cette requête ; rien n’a été fait ; reconnectez-vous
error-account-password-in-ldap = ce compte se connecte avec l’annuaire (LDAP) : changez son mot de passe là-bas, pas dans le panneau
error-account-password-in-oidc = ce compte se connecte avec un fournisseur OpenID Connect et n’a pas de mot de passe ici
error-account-password-too-short = le mot de passe est trop court : au moins { $min } caractères
error-account-password-too-long = le mot de passe est trop long : au plus { $max } caractères

## Le second facteur (totp.rs)

error-account-totp-wrong-code = le code est incorrect, a déjà servi ou est trop ancien ; tapez le code que votre application affiche maintenant
error-account-totp-too-many-attempts = trop de tentatives ; attendez une minute
error-account-totp-session-required = le second facteur se gère depuis une session de navigateur connectée, pas avec un jeton
error-account-totp-active = un second facteur est déjà actif ; désactivez-le d’abord avec un code (DELETE /api/v1/me/totp)
error-account-totp-nothing-to-confirm = rien à confirmer : commencez d’abord la configuration (POST /api/v1/me/totp)
error-account-totp-not-enrolled = aucun second facteur n’est configuré
error-account-totp-code-required = ce compte a un second facteur : envoyez le code de votre application d’authentification dans « totp » (ou un « recovery_code »)

## Les comptes et l’inscription (users.rs)

error-account-username-empty = username : un nom d’utilisateur ne peut pas être vide
error-account-username-too-long = username : un nom d’utilisateur a au plus { $max } caractères
error-account-username-bad-start = username : un nom d’utilisateur commence par une lettre minuscule (a-z)
error-account-username-bad-character = username : un nom d’utilisateur ne contient que des lettres minuscules, des chiffres, '_', '.' et '-' ; le caractère { $character } n’est pas autorisé
error-account-new-password-too-short = password : le mot de passe est trop court : au moins { $min } caractères
error-account-new-password-too-long = password : le mot de passe est trop long : au plus { $max } caractères
error-account-own-account = vous ne pouvez pas désactiver votre propre compte, lui retirer son approbation ni changer son rôle ; demandez-le à un autre administrateur
error-account-signup-rate-limited = trop de tentatives depuis votre adresse ; attendez une minute
error-account-signup-passwords-differ = les deux mots de passe diffèrent ; tapez deux fois le même

## Les clés SSH (ssh_keys.rs)

error-account-ssh-key-name = name : de 1 à { $max } caractères (par exemple l’ordinateur où se trouve la clé), sans caractères de contrôle
error-account-ssh-key-yours = cette clé est déjà dans votre profil, sous le nom { $name }
error-account-ssh-key-elsewhere = cette clé est déjà dans le profil d’un autre compte, et une clé n’ouvre qu’un seul compte ; créez une autre clé pour celui-ci (`ssh-keygen -t ed25519 -f ~/.ssh/id_smp`)
error-account-ssh-key-session-required = les clés SSH s’ajoutent depuis une session de navigateur connectée (la page du compte, ou POST /api/v1/me/ssh-keys avec le cookie de session), pas avec un jeton
error-account-ssh-key-limit = vous avez { $max } clés SSH, le maximum pour un compte ; supprimez d’abord une clé dont vous ne vous servez plus
error-account-ssh-key-empty = la clé publique est vide ; collez l’unique ligne de votre fichier .pub (par exemple ~/.ssh/id_ed25519.pub)
error-account-ssh-key-private = ceci est une clé privée ; collez le fichier .pub (par exemple ~/.ssh/id_ed25519.pub) et gardez la clé privée pour vous
error-account-ssh-key-rfc4716 = ceci est une clé publique SSH2 (RFC 4716) ; convertissez-la en ligne OpenSSH avec `ssh-keygen -i -f KEY.pub` et collez le résultat
error-account-ssh-key-several-lines = collez une clé sur une seule ligne, comme `ssh-ed25519 AAAAC3Nz… you@laptop` ; ajoutez plusieurs clés une par une
error-account-ssh-key-certificate = ceci est un certificat SSH ; collez la clé publique simple (le fichier .pub sans -cert)
error-account-ssh-key-security-key = les clés de sécurité (sk-…) ne sont pas encore acceptées ; utilisez une clé ed25519 (`ssh-keygen -t ed25519`), ecdsa, ou rsa d’au moins 3072 bits
error-account-ssh-key-dsa = les clés DSA (ssh-dss) ne sont pas acceptées : elles sont faibles et OpenSSH lui-même les a abandonnées ; créez-en une avec `ssh-keygen -t ed25519`
error-account-ssh-key-rsa-too-short = cette clé RSA a { $bits } bits ; une clé RSA doit en avoir au moins 3072 (`ssh-keygen -t rsa -b 3072`, ou mieux `ssh-keygen -t ed25519`)
error-account-ssh-key-rsa-too-long = cette clé RSA a { $bits } bits ; 16384 au plus sont acceptés
error-account-ssh-key-unsupported = les clés { $kind } ne sont pas acceptées ; utilisez ssh-ed25519, ecdsa-sha2-nistp256/384/521 ou ssh-rsa (3072 bits ou plus)
error-account-ssh-key-malformed = ceci n’est pas une clé publique OpenSSH : collez l’unique ligne de votre fichier .pub, `TYPE BASE64 [COMMENT]`, comme `ssh-ed25519 AAAAC3Nz… you@laptop`

## Les jetons d’accès personnels (tokens.rs)

error-account-token-name = name : de 1 à { $max } caractères
error-account-token-days = expires_in_days : de 1 à { $max }
error-account-token-session-required = les jetons se créent depuis une session de navigateur connectée (la page du compte ou POST /api/v1/tokens avec le cookie de session), pas avec un jeton

## Ce qu’elle peut faire (current_user.rs) et sa langue (web/account.rs)

error-account-too-many-actions = vous avez déjà autant d’actions en cours sur les machines que le panneau en permet ; rien n’a été fait ; réessayez quand l’une d’elles se termine
error-account-not-allowed = vous n’avez pas le droit de faire cela
error-account-no-such-language = il n’y a pas de langue { $code } ici ; choisissez-en une dans la liste
