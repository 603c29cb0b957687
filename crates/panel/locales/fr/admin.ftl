# Les pages de SMP en français : les pages d’administration (utilisateurs, machines, réseaux, tous les conteneurs, journal d’audit).
# Glossaire : voir main.ftl.

## Commun aux pages d’administration

admin-filter = Filtrer
admin-clear-filters = Effacer les filtres
# Le premier choix de la liste d’un filtre : pas de filtre.
admin-filter-any = indifférent
admin-pages = Pages
admin-previous-page = Page précédente
admin-next-page = Page suivante
admin-yes = oui
admin-no = non
# Une cellule vide : pas d’empreinte, pas de dernière erreur, pas d’écart.
admin-none = néant
admin-never = jamais
admin-role = { $role ->
    [member] membre
    [admin] administrateur
    [head_admin] administrateur principal
   *[other] { $role }
}

## Tous les conteneurs (admin_containers.html, admin_containers_row.html, admin_lists.rs)

admin-containers-filter = Filtrer les conteneurs
admin-containers-owner-username = Propriétaire (nom d’utilisateur)
# $name : le nom d’utilisateur demandé ; $quoted : le même entre guillemets droits.
admin-containers-no-user = Aucun utilisateur ne s’appelle « { $name } » : aucun conteneur n’est affiché.
admin-containers-none-match = Aucun conteneur ne correspond.
admin-containers-range = Conteneurs { $first }–{ $last } sur { $total }.
admin-column-parent = Parent
admin-column-result = Résultat
admin-row-owner-label = Propriétaire du conteneur { $name } (nom d’utilisateur ; vide pour aucun)
admin-row-in-quota = compte dans le quota de son propriétaire
admin-row-set-owner = Définir le propriétaire
admin-row-parent-label = Parent du conteneur { $name } (id du conteneur parent ; vide pour aucun)
admin-row-set-parent = Définir le parent
admin-saved = Enregistré.

## Utilisateurs et quotas (admin_users_list.html, admin.rs)

admin-users-generated = Le panneau a créé un mot de passe pour { $name }. Transmettez-le maintenant : il n’est affiché que cette fois.
admin-users-password-of = Mot de passe pour { $name }
admin-column-role = Rôle
admin-column-approved = Validé
admin-column-disabled = Désactivé
admin-column-sign-in = Connexion
admin-column-second-factor = Second facteur
admin-sign-in-method = { $method ->
    [local] locale
    [ldap] LDAP
    [oidc] OIDC
   *[other] { $method }
}
admin-totp-state = { $state ->
    [off] désactivé
    [pending] en attente
    [active] actif
   *[other] { $state }
}
admin-users-approve = Valider
admin-users-approve-name = Valider { $name }
admin-users-enable = Réactiver
admin-users-enable-name = Réactiver { $name }
admin-users-disable = Désactiver
admin-users-disable-name = Désactiver { $name }
admin-users-disable-confirm = Désactiver { $name } ? Ce compte ne pourra plus se connecter ni utiliser ses jetons tant qu’il n’aura pas été réactivé.
admin-users-role-of = Rôle du compte { $name }
admin-users-change-role = Changer le rôle
admin-users-change-role-of = Changer le rôle du compte { $name }
admin-quotas-title = Quotas des membres
# Suivi de la route de l’API entre parenthèses.
admin-quotas-intro = Ce que les sous-conteneurs de chaque membre peuvent utiliser au total (un champ vide : sans limite), et ce qu’ils utilisent actuellement. Ce qu’un administrateur crée pour un membre ou lui attribue ne compte dans aucun quota. Les quotas propres à une machine se règlent par l’API
admin-quotas-no-members = Il n’y a encore aucun membre.
admin-column-member = Membre
admin-column-uses = Utilise
admin-column-quota = Quota
admin-quotas-default = (le quota par défaut)
admin-quota-containers = Conteneurs
admin-quota-memory = Mémoire (Mio)
admin-quota-disk = Disque (Mio)
admin-quota-forwards = Ports redirigés
admin-quotas-save = Enregistrer le quota
admin-quotas-save-of = Enregistrer le quota du membre { $name }
admin-users-create-title = Créer un utilisateur
admin-users-create-intro = Les comptes créés ici sont validés d’emblée. Laissez le mot de passe vide pour que le panneau en génère un (affiché une seule fois).
admin-users-password-hint = (facultatif, au moins 12 caractères)
admin-users-create = Créer l’utilisateur
# Ce que dit la section des utilisateurs après un formulaire (admin.rs).
admin-users-forbidden = Action non autorisée : seul l’administrateur principal attribue ou retire le rôle d’administrateur et modifie le compte d’un administrateur. Rien n’a été modifié.
# $role : le rôle tel que le nomme admin-role.
admin-user-created = Le compte { $name } est créé ({ $role }) et peut se connecter.
admin-user-updated = { $name } : désormais { $role }, compte { $standing ->
    [disabled] désactivé
    [waiting] en attente de validation
   *[enabled] validé et actif
}.
# Seulement comme $name de admin-quota-set, pour un compte que la liste n’a plus.
admin-user-number = n° { $id }
# $quota : les admin-quota-words-* ci-dessous, séparés par usage-separator.
admin-quota-set = Le quota du membre { $name } est désormais : { $quota }.
admin-quota-words-containers = { $count ->
    [one] { $count } conteneur
   *[other] { $count } conteneurs
}
admin-quota-words-no-containers = conteneurs sans limite
admin-quota-words-cpus = { $count } CPU
admin-quota-words-no-cpus = CPU sans limite
admin-quota-words-memory = { $count } Mio de mémoire
admin-quota-words-no-memory = mémoire sans limite
admin-quota-words-disk = { $count } Mio de disque
admin-quota-words-no-disk = disque sans limite
admin-quota-words-forwards = { $count ->
    [one] { $count } port redirigé
   *[other] { $count } ports redirigés
}
admin-quota-words-no-forwards = ports redirigés sans limite

## Machines (admin_machines_list.html, admin.rs)

admin-machines-none = Aucune machine pour l’instant.
admin-machines-add-first = Ajoutez la première ci-dessous.
admin-column-last-error = Dernière erreur
admin-column-last-sync = Dernière synchronisation
admin-column-url = URL
admin-machines-key-id = Id de clé
admin-column-fingerprint = Empreinte
admin-machine-status = { $status ->
    [unknown] inconnu
    [online] en ligne
    [unreachable] injoignable
    [fingerprint_mismatch] empreinte différente
    [rejected] clé refusée
    [error] erreur
   *[other] { $status }
}
admin-machines-switching-to = (passage à { $key } en cours)
admin-machines-sync-now = Synchroniser maintenant
admin-machines-sync-name = Synchroniser { $name } maintenant
admin-machines-rotate-of = Changer la clé de la machine { $name }
admin-machines-new-key-id = Id de la nouvelle clé
admin-machines-new-secret = Nouveau secret
admin-machines-new-secret-hint = (comme dans les [[keys]] de l’agent)
admin-machines-rotate = Changer la clé
admin-machines-add-title = Ajouter une machine
# Une seule phrase : avant <code>[[keys]]</code>, après, puis après (<code>smp-agent keygen</code>.
admin-machines-add-intro-before = Ajoutez d’abord une clé pour le panneau dans les
admin-machines-add-intro-middle = {" "}de l’agent
admin-machines-add-intro-after = génère un secret).
admin-machines-name-hint = (le nom que l’agent se donne)
admin-machines-agent-url = URL de l’agent
admin-machines-secret = Secret
admin-machines-secret-hint = (conservé chiffré ; plus jamais affiché)
admin-machines-certificate-fingerprint = Empreinte du certificat
admin-machines-certificate-fingerprint-hint = (https : smp-agent fingerprint l’affiche)
admin-machines-trust-on-first-use = Confiance à la première utilisation : récupérer et épingler le certificat que l’agent présente maintenant
admin-machines-add = Ajouter la machine
admin-machines-head-admin-only = Seul l’administrateur principal ajoute des machines, les synchronise ou change leurs clés.
# Ce que dit la section des machines après un formulaire (admin.rs).
admin-machines-forbidden = Action non autorisée : seul l’administrateur principal ajoute des machines, les synchronise ou change leurs clés. Rien n’a été modifié.
admin-machine-added = La machine { $name } est ajoutée ; elle sera synchronisée sous peu.
admin-machine-added-pinned = La machine { $name } est ajoutée, épinglée au certificat { $fingerprint } ; elle sera synchronisée sous peu.
# $added, $updated, $gone, $total : des nombres de conteneurs.
admin-machine-synced = Machine { $name } synchronisée : { $added ->
    [one] { $added } ajouté
   *[other] { $added } ajoutés
}, { $updated } mis à jour, { $gone ->
    [one] { $gone } disparu
   *[other] { $gone } disparus
} ; { $total ->
    [one] { $total } conteneur
   *[other] { $total } conteneurs
} au total.
admin-machine-rotated = La machine { $name } utilise désormais la clé { $key }.

## Réseaux et redirections (admin_networks.html, admin.rs)

admin-networks-title = Réseaux et redirections
admin-networks-intro = Les réseaux sur lesquels l’agent de chaque machine peut agir, tels que la dernière synchronisation les a lus. L’écart est ce que cette synchronisation a trouvé de différent entre les redirections de LXD et celles du panneau ; rien n’est modifié d’un côté ni de l’autre tant que vous n’intervenez pas.
admin-networks-none = Aucune machine ne déclare encore de réseau.
admin-column-network = Réseau
admin-column-subnets = Sous-réseaux
admin-column-forwards-on = Redirections sur
admin-column-drift = Écart
admin-networks-public = (public)
admin-networks-forwards-on = { $address }, ports { $ports }
admin-networks-no-forwards = aucune redirection
admin-forwards = Redirections
admin-forwards-none = Aucun port n’est redirigé vers un conteneur.
admin-column-reach = Point d’accès
admin-column-port = Port
admin-column-asked-by = Demandée par

## Le journal d’audit (admin_audit.html, admin_lists.rs)

admin-audit-yours = Votre journal d’audit
admin-audit-member-intro = Vos propres actions et celles qui portent sur vos conteneurs ; les administrateurs voient toutes les lignes.
admin-audit-filter = Filtrer le journal d’audit
admin-audit-who-label = Qui (nom d’utilisateur)
admin-audit-action-label = Action (p. ex. container.exec)
admin-audit-object-label = Objet (p. ex. container:12)
admin-audit-machine-label = Machine (nom)
admin-audit-none-match = Aucune ligne ne correspond.
admin-column-when = Quand
admin-column-who = Qui
admin-column-action = Action
admin-column-object = Objet
admin-column-outcome = Issue
admin-column-requests = Requêtes
admin-audit-outcome = { $outcome ->
    [ok] réussi
    [refused] refusé
    [failed] échoué
    [started] commencé
   *[other] { $outcome }
}
admin-audit-newest = Lignes les plus récentes
admin-audit-older = Lignes plus anciennes
