# Une demande qui dépasse le quota d’un membre (db/quotas.rs `Exceeded`,
# dit par app/quotas.rs) : son quota global, ou le sien sur une machine.

error-quota-containers = votre quota permet { $limit } { $limit ->
    [one] conteneur
   *[other] conteneurs
} ; vos sous-conteneurs en comptent déjà { $used } et cette demande en ajoute { $asked }
error-quota-containers-on-machine = votre quota sur la machine { $machine } permet { $limit } { $limit ->
    [one] conteneur
   *[other] conteneurs
} ; vos sous-conteneurs en comptent déjà { $used } et cette demande en ajoute { $asked }
error-quota-cpu = votre quota permet { $limit } CPU ; vos sous-conteneurs en utilisent déjà { $used } et cette demande en ajoute { $asked }
error-quota-cpu-on-machine = votre quota sur la machine { $machine } permet { $limit } CPU ; vos sous-conteneurs en utilisent déjà { $used } et cette demande en ajoute { $asked }
error-quota-memory = votre quota permet { $limit } Mio de mémoire ; vos sous-conteneurs en utilisent déjà { $used } Mio et cette demande en ajoute { $asked } Mio
error-quota-memory-on-machine = votre quota sur la machine { $machine } permet { $limit } Mio de mémoire ; vos sous-conteneurs en utilisent déjà { $used } Mio et cette demande en ajoute { $asked } Mio
error-quota-disk = votre quota permet { $limit } Mio de disque ; vos sous-conteneurs en utilisent déjà { $used } Mio et cette demande en ajoute { $asked } Mio
error-quota-disk-on-machine = votre quota sur la machine { $machine } permet { $limit } Mio de disque ; vos sous-conteneurs en utilisent déjà { $used } Mio et cette demande en ajoute { $asked } Mio
error-quota-forwards = votre quota permet { $limit } { $limit ->
    [one] port redirigé
   *[other] ports redirigés
} ; vous en avez { $used } : supprimez-en un ou demandez-en davantage à un administrateur
error-quota-forwards-on-machine = votre quota sur la machine { $machine } permet { $limit } { $limit ->
    [one] port redirigé
   *[other] ports redirigés
} ; vous en avez { $used } : supprimez-en un ou demandez-en davantage à un administrateur

# Un champ de quota négatif (db/quotas.rs `NegativeQuota`) ; $field : containers, cpu, memory_mb, disk_mb ou forwards ;
# la page nomme le champ comme le formulaire.
error-quota-below-zero = { $field ->
    [containers] conteneurs
    [cpu] CPU
    [memory_mb] mémoire
    [disk_mb] disque
   *[forwards] ports redirigés
} : donnez un nombre entier positif ou nul, ou laissez le champ vide pour ne fixer aucune limite
