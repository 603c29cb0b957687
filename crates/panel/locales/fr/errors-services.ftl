# Les refus des services, des sessions de terminal, de la passerelle SSH, des connexions OpenID Connect et LDAP et du journal
# d’audit (crates/panel/src/app/), sur une page dans la langue de son lecteur (l’API JSON les dit en anglais).

## Les services (app/services.rs)

error-services-description-invalid = description : { $max } caractères au plus, sans caractères de contrôle
error-services-no-such-unit = le conteneur { $container } n’a pas d’unité { $unit }
error-services-owner-unknown = propriétaire : aucun utilisateur ne s’appelle { $name }
error-services-owner-not-allowed = propriétaire : indiquez un membre approuvé de ce panneau ; ce nom ne peut pas être propriétaire d’un service
error-services-duplicate = le conteneur { $container } a déjà le service { $unit }
error-services-patch-empty = indiquez « owner » (un nom d’utilisateur ou null) et/ou « description »
# $problem : not-a-service (et $suffix : le type de l’unité, .socket), length, first, several-ats ou character.
error-services-unit-invalid = nom d’unité invalide : { $problem ->
    [not-a-service] seuls les services sont gérés, pas les unités { $suffix }
    [length] longueur incorrecte
    [first] il ne doit pas commencer par '-', '.' ou '@'
    [several-ats] il contient plus d’un '@'
   *[character] il contient un caractère que systemd n’accepte pas
} (les noms d’unités systemd se composent de lettres, de chiffres, de ':', '_', '.', '-', '\' et d’un seul '@')

## Les sessions de terminal (app/terminals, ws/mod.rs)

error-services-terminal-sessions-full = { $count ->
    [one] vous avez { $count } session de terminal ouverte, le maximum que permet le panneau ; terminez-la sur la page de son conteneur
   *[other] vous avez { $count } sessions de terminal ouvertes, le maximum que permet le panneau ; terminez-en une sur la page de son conteneur
}
error-services-ticket-invalid = le ticket est inconnu, déjà utilisé ou expiré ; demandez-en un nouveau
error-services-ticket-too-many = trop de tickets de terminal inutilisés ; utilisez ceux que vous avez demandés ou laissez-les expirer
error-services-terminal-not-yours = aucune de vos sessions de terminal ouvertes n’a cet identifiant
error-services-invite-nobody = aucun membre nommé { $name } ne peut être invité
error-services-invite-owner = cette session vous appartient déjà
error-services-session-full = { $max ->
    [one] une session a au plus { $max } participant, son propriétaire compris
   *[other] une session a au plus { $max } participants, son propriétaire compris
}
error-services-session-filled-up = la session s’est remplie entre-temps
error-services-not-a-participant = { $name } ne fait pas partie de cette session
error-services-session-owner-only = seul le propriétaire de la session choisit qui y participe
error-services-session-not-shared = ce terminal n’est pas partagé ; ouvrez une session partagée
error-services-session-ended = cette session de terminal est terminée ; ouvrez-en une nouvelle
error-services-websocket-expected = ouvrez cette route en WebSocket : { $detail }

## La passerelle SSH (app/ssh.rs)

error-services-ssh-not-a-container = les commandes et les redirections de port vont à un conteneur, pas à cette cible
error-services-ssh-too-many-attempts = trop de tentatives depuis cette adresse
error-services-ssh-no-key = aucune clé de profil pour cette cible

## La connexion par OpenID Connect (app/oidc.rs) ; ce que le fournisseur dit lui-même est affiché tel quel

error-services-oidc-unavailable = { $provider } est injoignable pour le moment ; réessayez dans quelques minutes
error-services-oidc-too-many-attempts = trop de tentatives de connexion ; attendez une minute
error-services-oidc-too-many-pending = trop de connexions sont en cours ; attendez quelques minutes
error-services-oidc-other-browser = la connexion avec { $provider } a échoué : elle n’a pas été commencée dans ce navigateur ; recommencez depuis la page de connexion
error-services-oidc-expired = la connexion avec { $provider } a échoué : elle a expiré ou a déjà servi ; recommencez depuis la page de connexion
error-services-oidc-other-provider = la connexion avec { $provider } a échoué : la réponse venait d’un autre fournisseur
error-services-oidc-no-code = la connexion avec { $provider } a échoué : le fournisseur n’a envoyé aucun code d’autorisation
error-services-oidc-code-refused = la connexion avec { $provider } a échoué : le fournisseur a refusé le code d’autorisation (déjà utilisé ou trop ancien) ; recommencez
error-services-oidc-not-understood = la connexion avec { $provider } a échoué : la réponse du fournisseur n’a pas été comprise
error-services-oidc-no-id-token = la connexion avec { $provider } a échoué : le fournisseur n’a envoyé aucun jeton d’identité (ID token)
error-services-oidc-id-token-check = la connexion avec { $provider } a échoué : le jeton d’identité du fournisseur n’a pas passé une vérification

## La connexion par un annuaire LDAP (app/ldap.rs)

error-services-ldap-unavailable = l’annuaire de connexion (LDAP) est injoignable pour le moment ; réessayez dans quelques minutes
error-services-ldap-credentials = nom d’utilisateur inconnu ou mot de passe incorrect
error-services-ldap-no-group = votre compte de l’annuaire n’est dans aucun groupe autorisé à utiliser ce panneau ; demandez à un administrateur de l’annuaire

## Le journal d’audit (app/audit.rs)

error-services-audit-limit = le paramètre limit doit être compris entre 1 et { $max }
