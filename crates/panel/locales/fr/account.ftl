# Les pages de SMP en français : la page du compte, ses pages de mot de passe, de jetons, de second facteur et de clés SSH, l’inscription.
# Glossaire : voir main.ftl.

## La page du compte (account.html ; sa section de langue est dans main.ftl)

account-title = Votre compte
account-role = { $role ->
    [head_admin] administrateur principal
    [admin] administrateur
    [member] membre
   *[other] { $role }
}
account-your-password = Votre mot de passe
account-password-elsewhere = Vous vous connectez avec { $provider } : votre mot de passe est conservé là-bas, pas dans ce panneau.
account-second-factor = Second facteur
account-second-factor-intro = Un code d’une application d’authentification à chaque connexion, en plus de votre mot de passe :
account-second-factor-link = votre second facteur
account-ssh-keys = Clés SSH
account-ssh-intro-before = Les clés publiques qui vous permettent d’entrer par
account-ssh-intro-middle = dans vos conteneurs via le panneau, et le bloc
account-ssh-intro-after = qui les utilise :
account-ssh-keys-link = vos clés SSH

## Là où elle se connecte au lieu du panneau : $provider ci-dessus (crates/panel/src/web/account.rs)

account-signs-in-with-ldap = l’annuaire (LDAP)
account-signs-in-with-oidc = votre fournisseur OpenID Connect

## Le changement de mot de passe (account_password.html, crates/panel/src/web/account.rs)

account-password-change-title = Changer de mot de passe
account-current-password = Mot de passe actuel
account-new-password = Nouveau mot de passe
account-password-length-hint = (au moins 12 caractères)
account-new-password-again = Confirmez le nouveau mot de passe
account-password-change = Changer le mot de passe
# En minuscule, sans point final : la page en fait une phrase.
account-passwords-differ = les deux nouveaux mots de passe diffèrent ; tapez deux fois le même
account-password-changed = Votre mot de passe est changé. Vos autres sessions sont terminées ({ $sessions }) et vos jetons révoqués ({ $tokens }).
account-current-password-wrong = Le mot de passe actuel est incorrect ; rien n’a été changé.

## Les jetons d’accès personnels (account_tokens.html, crates/panel/src/web/account.rs)

account-tokens-title = Jetons d’accès personnels
account-tokens-intro = Un jeton permet à un script d’utiliser l’API en votre nom :
account-tokens-read-before = Un jeton en
account-tokens-read-after = ne peut que lire ; un jeton en
account-tokens-write-after = peut faire tout ce que vous pouvez faire. Chaque jeton expire (dans 90 jours si vous ne choisissez rien, dans un an au plus), et tous sont révoqués quand votre mot de passe change.
account-token-scope = { $scope ->
    [write] écriture
   *[read] lecture
}
account-token-made = Le jeton « { $name } » est créé. Copiez-le maintenant : il n’est affiché que cette fois-ci.
account-token-new-label = Le nouveau jeton
account-no-tokens = Vous n’avez aucun jeton.
account-column-scope = Portée
account-column-created = Création
account-column-expires = Expiration
account-column-last-used = Dernière utilisation
account-never = jamais
account-token-revoke-confirm = Révoquer le jeton « { $name } » ? Les scripts qui l’utilisent cesseront de fonctionner.
account-token-revoke-label = Révoquer le jeton { $name }
account-token-revoke = Révoquer
account-token-new = Nouveau jeton
account-token-name-hint = (à quoi il sert)
account-token-scope-read-option = lecture : lire seulement
account-token-scope-write-option = écriture : tout ce que vous pouvez faire
account-token-days = Durée de validité en jours
account-token-days-hint = (de 1 à 365 ; vide : 90)
account-token-password-hint = (à nouveau, pour créer un jeton)
account-token-no-password = Votre compte n’a pas de mot de passe ici : un jeton se crée dans les dix minutes qui suivent la connexion par votre fournisseur. Si elle est plus ancienne, déconnectez-vous puis reconnectez-vous.
account-token-create = Créer le jeton
# En minuscule, sans point final : la page en fait des phrases.
account-token-days-invalid = durée de validité en jours : un nombre entier de 1 à { $max }, ou rien pour { $default }
account-token-scope-invalid = portée : lecture ou écriture
account-token-password-wrong = Le mot de passe est incorrect ; aucun jeton n’a été créé.
account-token-revoked = Le jeton est révoqué.

## Le second facteur (account_security.html, account_security_section.html, crates/panel/src/web/security.rs)

account-security-title = Sécurité
account-your-account = votre compte
account-totp-required-for-admins = Ce panneau exige des administrateurs un second facteur : tant que vous ne l’avez pas activé ci-dessous, vous agissez en simple membre.
account-totp-title = Second facteur (application d’authentification)
account-totp-on = Activé : la connexion demande un code de votre application. Codes de récupération restants : { $count }.
account-totp-disable-code = Code de votre application (ou code de récupération) pour le désactiver
account-totp-turn-off = Désactiver
account-totp-pending = Pas encore activé : scannez le code avec votre application d’authentification, puis tapez le code qu’elle affiche.
account-totp-qr-alt = Code QR à scanner avec votre application d’authentification
account-totp-secret = Ou tapez cette clé dans l’application :
account-totp-uri = Son adresse :
account-totp-recovery-codes = Codes de récupération
account-totp-recovery-codes-intro = Chacun remplace une fois un code, si vous perdez votre téléphone. Conservez-les en lieu sûr : ils ne sont affichés que maintenant.
account-totp-activate-code = Code de votre application
account-totp-turn-on = Activer
account-totp-off = Désactivé : la connexion ne demande que votre mot de passe.
account-totp-enrol-again = Recommencer avec une nouvelle clé
account-totp-enrol = Configurer une application d’authentification
account-totp-turned-on = Votre second facteur est activé : désormais, la connexion demande un code.
account-totp-turned-off = Votre second facteur est désactivé : la connexion ne demande plus que votre mot de passe.
account-totp-code-wrong = Ce code est incorrect ou a déjà servi ; rien n’a été changé. Tapez le code que votre application affiche maintenant.

## La page des clés SSH (account_ssh_keys.html)

account-ssh-config-title = Votre ~/.ssh/config
account-ssh-config-add = Ajoutez ce bloc à
account-ssh-config-then = sur votre ordinateur ; ensuite,
account-ssh-config-opens = ouvre un shell dans
account-ssh-config-your-container = votre conteneur
account-ssh-config-placeholder-before = votre conteneur (mettez son nom à la place de
account-ssh-config-placeholder-after = , deux fois)
account-ssh-config-comma-and = , et
account-ssh-config-and = et
account-ssh-config-reach = l’atteignent aussi sous ce nom.
account-ssh-config-other = Pour un autre conteneur, copiez le bloc en mettant son nom dans
account-ssh-config-block-label = Un bloc pour ~/.ssh/config
account-ssh-config-host-key-alias = fait que tous les conteneurs partagent l’unique clé d’hôte du panneau dans
account-ssh-host-key-before = La première fois,
account-ssh-host-key-after = vous demande s’il faut faire confiance à la clé d’hôte du panneau : acceptez-la seulement si elle affiche
account-ssh-not-enabled = SSH n’est pas activé sur ce panneau. Vous pouvez tout de même gérer vos clés ici ; elles vous permettront d’entrer dès qu’un administrateur aura activé SSH.

## Les clés SSH (account_ssh_keys_list.html, crates/panel/src/web/ssh_keys.rs)

account-ssh-your-keys = Vos clés
account-ssh-keys-intro = Vos clés publiques vous permettent d’entrer par
account-ssh-keys-paste = dans vos conteneurs via le panneau. Collez l’unique ligne d’un fichier
account-ssh-keys-file = {"\u00A0"}:
account-ssh-keys-best = (le meilleur choix),
account-ssh-keys-or = , ou
account-ssh-keys-rsa = d’au moins 3072 bits. Une clé n’ouvre qu’un seul compte. Créez-en une avec
account-ssh-keys-never-private = {"\u202F"}; ne collez jamais la clé privée (le fichier sans
account-ssh-keys-never-private-end = ).
account-no-ssh-keys = Vous n’avez aucune clé SSH.
account-column-type = Type
account-column-fingerprint = Empreinte
account-column-added = Ajout
account-ssh-key-imported-title = Importée de votre fournisseur à chaque connexion : supprimez-la là-bas, sinon elle revient
account-ssh-key-imported = importée
account-ssh-key-delete-confirm = Supprimer la clé SSH « { $name } » ? Elle cessera aussitôt de vous permettre d’entrer.
account-ssh-key-delete-label = Supprimer la clé SSH { $name }
account-ssh-key-delete = Supprimer
account-ssh-key-add-title = Ajouter une clé
account-ssh-key-name-hint = (l’ordinateur où elle se trouve, de 1 à 64 caractères)
account-ssh-key-public = Clé publique
account-ssh-key-public-hint = (l’unique ligne de votre fichier
account-ssh-key-public-hint-end = )
account-ssh-key-add = Ajouter la clé
account-ssh-key-added = La clé « { $name } » est ajoutée ({ $fingerprint }).
account-ssh-key-deleted = La clé est supprimée ; elle ne vous permet plus d’entrer.

## L’inscription (signup.html, crates/panel/src/web/account.rs)

account-signup-title = Créer un compte
account-signup-approval = Un administrateur valide les nouveaux comptes avant qu’on puisse s’y connecter.
account-signup-password-again = Confirmez le mot de passe
account-signup-create = Créer le compte
account-signup-have-account = J’ai déjà un compte : me connecter
account-signup-rate-limited = Trop de tentatives depuis votre adresse. Patientez une minute, puis réessayez.

## En attente de validation (pending.html)

account-pending-title = En attente de validation
account-pending-if-free = Si le nom
account-pending-made = était libre, votre compte est créé et attend la validation d’un administrateur : vous pourrez vous connecter en tant que
account-pending-once-approved = dès qu’un administrateur l’aura validé.
account-pending-if-taken = Si quelqu’un avait déjà ce nom, aucun compte n’a été créé (cette page ne peut pas vous dire lequel des deux cas s’applique, pour que personne n’apprenne qui a un compte ici) : la connexion échouera alors comme avec un mauvais mot de passe. Inscrivez-vous de nouveau sous un autre nom, ou demandez à un administrateur.
account-pending-to-sign-in = Vers la page de connexion

## Connecté (signed_in.html)

account-signed-in-title = Connexion réussie
account-signed-in = Vous êtes connecté.
account-signed-in-continue = Continuez
account-signed-in-if-stuck = {" "}si cette page ne change pas d’elle-même.
