# Les pages de SMP en français : les parties dynamiques de la page d’un conteneur (son état, ses journaux, une commande, sa configuration, les sessions de terminal, l’avancement d’une création) et la page d’erreur.
# Glossaire : voir main.ftl.

## L’état et l’état en direct (status.html, panel_state.html, panel_sections.html)

panel-why-it-failed = Cause de l’échec
panel-reservation-given-back = La réservation a été libérée.
panel-live-state = État en direct
panel-cpu-time = Temps CPU
panel-memory-in-use = utilisés
panel-memory-peak = pic : { $peak }
panel-memory-limit = limite : { $limit }
panel-processes = Processus
panel-none = aucune
panel-read-from-machine-at = Lu sur la machine le

## Les journaux (panel_sections.html, panel_logs.html)

panel-logs = Journaux
panel-log-source = Source
panel-log-console = Console : ce que le conteneur a affiché
panel-log-lxc = Journal LXD du conteneur : pourquoi il n’a pas démarré ou ne s’est pas arrêté
panel-log-lines = Nombre de lignes (les plus récentes)
panel-show-logs = Afficher les journaux
panel-logs-intro = Choisissez une source et appuyez sur « Afficher les journaux » (à nouveau pour actualiser). Les lignes les plus récentes sont à la fin.
panel-no-lines = Aucune ligne.
panel-console-since-last-read = La console montre ce que le conteneur a affiché depuis la dernière lecture.
panel-older-lines-left-out = Les lignes plus anciennes ont été omises : augmentez le nombre de lignes pour les voir.
panel-log-lines-label = Lignes du journal, les plus récentes à la fin
panel-read-at = Lu le

## Une commande (panel_sections.html, panel_exec.html)

panel-run-command = Exécuter une commande
panel-exec-command = Commande, un argument par ligne : le programme sur la première ligne, puis chaque argument sur sa propre ligne. Pas de shell : les guillemets, les pipes et $ sont transmis tels que vous les tapez.
panel-exec-timeout = Délai maximal en secondes (facultatif : 30 si vide, 600 au plus)
panel-run-in = Exécuter dans { $name }
panel-exit-code = Code de sortie
panel-success = (succès)
panel-failure = (échec)
panel-took = durée : { $took }.
panel-output-truncated = La sortie a été tronquée : la machine ne garde que le début de chaque flux. Pour tout voir, réduisez ce que la commande affiche.
panel-output = Sortie
panel-no-output = Aucune sortie.
panel-stdout = Sortie standard
panel-errors = Erreurs
panel-no-error-output = Aucune sortie d’erreur.
panel-stderr = Sortie d’erreur

## La configuration (container_config.html)

config-autostart = Démarrage automatique
config-in-quota = Compté dans un quota
config-in-quota-of-its-owner = oui : un sous-conteneur, compté dans le quota de son propriétaire
config-in-quota-of = oui : un sous-conteneur de { $owner }, compté dans son quota
config-in-no-quota = non : il ne compte dans aucun quota
config-autostart-off = Désactiver le démarrage automatique
config-autostart-on = Activer le démarrage automatique
config-limits-of = Limites de { $name }
config-change-limits = Modifier les limites
config-change-limits-hint = (un champ vide reste inchangé ; une limite augmentée doit tenir dans le quota ; une nouvelle limite s’applique aussitôt ou au prochain démarrage, selon ce que LXD permet)
config-save-limits = Enregistrer les limites
config-delete = Supprimer ce conteneur…
config-delete-warning = { $name } sera arrêté et supprimé de { $machine }, avec tout son contenu et ses services. Cette action est irréversible.
config-delete-confirm = Oui, supprimer { $name }

## Les sessions de terminal (container_terminal_sessions.html)

sessions-none = Aucune session de terminal ouverte.
sessions-open = Sessions ouvertes
sessions-intro = Un terminal reste ouvert quelque temps après la fermeture de sa fenêtre, pour qu’un rechargement de la page le retrouve. Terminez ceux dont vous n’avez plus besoin.
sessions-shared = { $kind ->
    [console] Console partagée
   *[shell] Shell partagé
}
sessions-private = { $kind ->
    [console] Console privée
   *[shell] Shell privé
}
sessions-of = de { $owner }
sessions-open-one = Ouvrir
sessions-join = Rejoindre
sessions-end = Terminer
sessions-end-confirm = Terminer cette session de terminal ? Ses processus recevront un SIGHUP ; tous ses participants seront déconnectés.
sessions-end-label = { $kind ->
    [console] la session de console ouverte le { $started }
   *[shell] la session de shell ouverte le { $started }
}

## L’avancement d’une création (container_progress.html)

creation-running = { $name } est en cours de création sur { $machine }…
creation-failed = La création de { $name } a échoué.
creation-no-reason = La machine n’a donné aucune raison.
creation-reservation-given-back = La réservation a été libérée : elle ne compte plus dans aucun quota.
creation-done = { $name } a été créé sur { $machine } :
creation-open-page = Ouvrir sa page

## La page d’erreur (error.html)

error-back = Retour à vos conteneurs
error-not-found = Introuvable
error-not-found-message = Il n’y a rien ici, ou rien que vous puissiez voir.
error-not-allowed = Non autorisé
error-internal = Une erreur s’est produite
error-internal-message = Le journal du panneau en donne le détail{"\u202F"}; prévenez un administrateur.
error-internal-in-place = Une erreur s’est produite dans le panneau{"\u202F"}; son journal en donne le détail. Prévenez un administrateur.
error-did-not-work = Cela n’a pas fonctionné

## Mots que le code assemble (container_config.html, container.html)

limits-cpus = { $count ->
    [one] { $count } CPU
   *[other] { $count } CPU
}
limits-memory = { $mib } Mio de mémoire
limits-disk = { $mib } Mio de disque
limits-none = aucune limite fixée par le panneau
config-limits-now = Les limites sont maintenant{" "}: { $limits }.
config-autostart-is-on = activé{" "}: il démarre avec sa machine
config-autostart-is-off = désactivé
config-autostart-as-lxd = tel que LXD le règle (non fixé par le panneau)
config-image-not-by-panel = non créé par le panneau
container-no-forwards = Aucun port de sa machine ne lui est redirigé
container-dns-name = Son nom DNS{" "}:
container-dns-name-hint = (son adresse sur un réseau public, sinon l’adresse de redirection de sa machine{" "}; docs/dns.md).

## La tâche d’un conteneur (pages.rs) : son libellé pendant qu’elle tourne, son résultat

job-container-action = { $action ->
    [start] Démarrage de { $name }
    [stop] Arrêt de { $name }
   *[restart] Redémarrage de { $name }
}
# $status : une valeur de container-status, déjà traduite.
job-container-done = { $name } est { $status } (en { $seconds } s).
# $label : le libellé de la tâche ; $why : ce qui n’a pas marché.
job-failed = { $label } a échoué{" "}: { $why }
