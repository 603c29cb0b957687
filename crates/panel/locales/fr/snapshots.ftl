# La section Instantanés de la page d’un conteneur (templates/container_snapshots.html, web/snapshots.rs).
# Glossaire : instantané (snapshot), planification (schedule), restaurer (restore).

snapshots-heading = Instantanés
snapshots-loading = Lecture des instantanés…
snapshots-not-fresh = Sa machine est injoignable pour le moment : voici les instantanés tels qu’ils ont été vus la dernière fois.
snapshots-none = Aucun instantané pour l’instant. Prenez-en un avant une mise à jour : vous pourrez y revenir.
snapshots-taken-at = Pris le
snapshots-size = Taille
snapshots-size-unknown = non indiquée
snapshots-by-schedule = (planifié)
snapshots-restore = Restaurer…
snapshots-restore-warning = Restaurer { $name } à { $snapshot } le remet dans l’état où il était le { $when } : tout ce qui a changé depuis est perdu. S’il tourne, il est arrêté puis redémarré. L’instantané est conservé.
snapshots-restore-confirm = Restaurer { $snapshot }
snapshots-delete = Supprimer
snapshots-delete-confirm = Supprimer l’instantané { $snapshot } ? Plus rien ne pourra en être restauré.
snapshots-deleted = Instantané { $snapshot } supprimé.
snapshots-name = Nom du nouvel instantané
snapshots-take = Prendre un instantané
snapshots-schedule = Planification
snapshots-schedule-hint = LXD les prend et supprime chacun une fois qu’il en garde assez ; ce qu’il garde compte dans votre quota.
snapshots-period = Fréquence
snapshots-period-none = jamais
snapshots-period-hourly = toutes les heures
snapshots-period-daily = tous les jours
snapshots-period-weekly = toutes les semaines
snapshots-keep = Combien en garder
snapshots-save-schedule = Enregistrer la planification
snapshots-schedule-set = Instantanés { $period }, { $keep } gardés.
snapshots-schedule-removed = Plus d’instantanés planifiés.
job-snapshot-take = Prise de l’instantané { $snapshot } de { $name }
job-snapshot-taken = Instantané { $snapshot } de { $name } pris.
job-snapshot-restore = Restauration de { $name } à { $snapshot }
job-snapshot-restored = { $name } est revenu à { $snapshot }.

## Le formulaire des quotas des administrateurs (admin_users_list.html, web/admin.rs)
admin-quota-snapshots = Instantanés
admin-quota-words-snapshots = { $count ->
    [one] { $count } instantané
   *[other] { $count } instantanés
}
admin-quota-words-no-snapshots = instantanés sans limite
