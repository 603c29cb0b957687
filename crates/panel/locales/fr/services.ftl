# Les pages de SMP en français : la page d’un service (son état, son journal, sa gestion) et les services de la page d’un conteneur.
# Glossaire : voir main.ftl.

## Commun aux pages des conteneurs et des services (macros.html : state_card, services_table)

service-asking-machine = Interrogation de la machine…
service-refresh = Actualiser
service-unit = Unité
service-description = Description
service-owner-none = aucun
# L’état d’une unité tel que systemd le nomme (son ActiveState), ou celui du
# panneau (unknown, not-found, gone) ; toute autre valeur est affichée telle quelle.
service-state = { $state ->
    [active] actif
    [reloading] en rechargement
    [inactive] inactif
    [failed] en échec
    [activating] en démarrage
    [deactivating] en arrêt
    [maintenance] en maintenance
    [refreshing] en actualisation
    [unknown] inconnu
    [not-found] introuvable
    [gone] disparu
   *[other] { $state }
}

## La page d’un service (service.html, service_facts.html, service_status.html)

service-on-container = sur { $container }
service-heading = Service
service-unit-state = État de l’unité
service-journal = Journal
service-journal-order = (les plus récentes en dernier, heures en UTC)
service-journal-reading = Lecture du journal…
service-description-none = aucune
service-runs-on = S’exécute sur
service-on-machine = sur la machine { $machine }

## Démarrer, arrêter, redémarrer, et comment cela s’est terminé (services.rs)

service-job-action = { $action ->
    [start] Démarrage
    [stop] Arrêt
   *[restart] Redémarrage
}
service-job-action-unit = { $action ->
    [start] Démarrage de { $unit }
    [stop] Arrêt de { $unit }
   *[restart] Redémarrage de { $unit }
}
# $state : une valeur de service-state, déjà traduite ; $sub : le SubState de systemd tel quel.
service-job-now = { $unit } est { $state } ({ $sub })
service-job-done = { $now } (en { $seconds } s).
service-job-failed = systemctl s’est terminé avec le code { $code } : { $why } { $now }.
service-job-no-message = il n’a donné aucun message

## L’état de l’unité (service_state.html, service_state_retry.html, services.rs)

service-state-active = État
service-state-loaded = Fichier d’unité
# Le LoadState de l’unité selon systemd ; toute autre valeur est affichée telle quelle.
service-load-state = { $state ->
    [loaded] chargé
    [not-found] introuvable
    [bad-setting] paramètres invalides
    [error] erreur
    [masked] masqué
   *[other] { $state }
}
service-state-main-pid = PID principal
service-pid-none = aucun
service-state-active-since = Actif depuis
service-state-never = jamais
service-state-memory = Mémoire
service-state-not-accounted = non comptabilisée
service-state-asking-again = Nouvelle tentative dans quelques secondes…

## Le journal (service_journal.html, services.rs)

service-journal-pause = Pause
service-journal-follow = Suivre
service-journal-lines = Lignes
service-journal-last = { $count ->
    [one] la dernière
   *[other] les { $count } dernières
}
service-journal-following = Suivi en direct : les nouvelles lignes apparaissent en moins de 2 s. Mettez en pause pour lire tranquillement.
service-journal-paused-at = Mis en pause le
service-journal-follow-to-see = Reprenez le suivi pour voir les nouvelles lignes.
service-journal-empty = Le journal ne contient aucune ligne de { $unit }.
service-journal-of = Journal de { $unit }, les plus récentes en dernier
# La page en fait une phrase (majuscule, point final).
service-journal-lines-invalid = lignes : indiquez un nombre entier de 1 à { $max }

## La gestion d’un service (service_manage.html, services.rs)

service-manage = Gestion
service-owner = Propriétaire du service
service-owner-hint = (un nom d’utilisateur ; vide pour aucun. Le propriétaire peut le démarrer, l’arrêter, le redémarrer et lire son journal, et rien d’autre dans { $container })
service-description-hint = (200 caractères au plus)
service-save = Enregistrer
service-saved = Enregistré.
service-delete = Supprimer ce service…
# Les trois suivantes forment une seule phrase ; la deuxième seulement si le service a un propriétaire.
service-delete-stops = Le panneau ne gérera plus { $unit }
service-delete-owner = , et { $owner } ne pourra plus y accéder
service-delete-stays = . L’unité elle-même reste dans { $container }, active ou non, telle qu’elle est maintenant.
service-delete-confirm = Oui, supprimer le service { $unit }

## Les services de la page d’un conteneur (container_services.html, container_services_list.html, service_unit_input.html, service_units.html, service_created.html, services.rs)

service-services = Services
service-none-on-container = Aucun service sur ce conteneur pour l’instant.
service-add = Ajouter un service
service-add-intro = Gérez depuis le panneau l’une des unités systemd de { $name } et donnez-lui un propriétaire : il pourra la démarrer, l’arrêter, la redémarrer et lire son journal, et rien d’autre dans { $name }.
service-unit-hint = (son nom, par ex. cron.service ; ou affichez la liste des unités de { $name })
service-list-units = Lister les unités de { $name }
service-units-none = { $name } n’a aucun service systemd.
# Les deux suivantes forment un seul groupe entre parenthèses : « (12 services de web1, tels que les liste son systemd) ».
service-units-count = { $count ->
    [one] { $count } service
   *[other] { $count } services
}
service-units-listed = de { $name }, tels que les liste son systemd
# Après l’état d’une unité dans la liste : « (actif ; déjà un service) ».
service-units-managed = {"\u202F"}; déjà un service
service-new-owner-hint = (facultatif : un nom d’utilisateur)
service-new-description-hint = (facultatif : celle de l’unité si vide)
service-add-submit = Ajouter le service
# La page en fait une phrase (majuscule, point final).
service-no-unit = choisissez l’unité (ou tapez son nom, par ex. cron.service)
# Suivi d’un lien (service-created-open) et d’un point.
service-created = { $unit } est désormais un service :
service-created-open = ouvrir sa page
