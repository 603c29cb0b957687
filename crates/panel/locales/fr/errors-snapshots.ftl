# Les refus des instantanés et de leur planification (app/snapshots.rs, web/snapshots.rs).

error-snapshots-name-scheduled = { $name } est un nom que la planification donne à ses instantanés (auto- suivi d’un nombre) : choisissez-en un autre
error-snapshots-name-taken = { $container } a déjà un instantané nommé { $name }
error-snapshots-keep-range = le nombre à garder doit être un entier de 1 à { $max }
error-snapshots-period = la planification est horaire, quotidienne, hebdomadaire ou aucune
error-snapshots-key-by-schedule = réglez { $key } avec la planification des instantanés (PUT /api/v1/containers/{"{"}id{"}"}/snapshots/schedule) : ce qu’elle garde compte dans votre quota
error-quota-snapshots = votre quota permet { $limit } { $limit ->
    [one] instantané
   *[other] instantanés
} ; vous en avez { $used } (une planification compte ceux qu’elle garde) et cette demande en ajoute { $asked } : supprimez-en un ou demandez-en davantage à un administrateur
error-quota-snapshots-on-machine = votre quota sur la machine { $machine } permet { $limit } { $limit ->
    [one] instantané
   *[other] instantanés
} ; vous en avez { $used } sur cette machine (une planification compte ceux qu’elle garde) et cette demande en ajoute { $asked } : supprimez-en un ou demandez-en davantage à un administrateur
error-snapshots-quota-field = instantanés : donnez un nombre entier, ou laissez le champ vide pour ne fixer aucune limite
error-snapshots-name-invalid = nom d’instantané invalide : { $problem ->
    [length] longueur incorrecte
    [first] il doit commencer par une lettre
    [last] il ne doit pas finir par '-'
   *[character] il contient un caractère autre qu’une lettre, un chiffre ou '-'
} (de 1 à 63 lettres, chiffres et '-', en commençant par une lettre, sans finir par '-')
