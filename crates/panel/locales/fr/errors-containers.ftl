# Les refus de créer un conteneur, de le modifier, de le supprimer ou d’agir sur lui (app/provisioning.rs, app/containers.rs,
# web/provisioning.rs, web/panels.rs), sur une page dans la langue de son lecteur (l’API JSON les dit en anglais).

## Créer un conteneur (app/provisioning.rs)

error-containers-body-field-forbidden = le corps de la requête ne peut pas avoir de champ `{ $field }` : { $reason }
error-containers-invalid-json = corps JSON invalide : { $detail }
error-containers-budgeted-key = réglez { $key } avec le champ `{ $field }` : ce réglage compte dans votre quota
error-containers-key-given-twice = { $key } est donné deux fois : dans `limits` et dans `config`
error-containers-name-taken-on-machine = un conteneur nommé { $name } existe déjà sur la machine { $machine }
error-containers-parent-missing = parent : aucun conteneur n’a l’id { $id }
error-containers-parent-gone = parent : le conteneur { $name } n’existe plus
error-containers-machine-missing = machine_id : aucune machine n’a l’id { $id }
error-containers-no-machine = il n’y a encore aucune machine sur laquelle créer un conteneur

## Les noms, les images et la configuration que vérifie le crate du protocole, et les bornes des limites
## d’un conteneur (smp-proto, dits par app/refusals.rs)

# $problem : length, first, last ou character.
error-containers-name-invalid = nom de conteneur invalide : { $problem ->
    [length] longueur incorrecte
    [first] il doit commencer par une lettre
    [last] il ne doit pas finir par '-'
   *[character] il contient un caractère autre qu’une lettre, un chiffre ou '-'
} (de 1 à 63 lettres, chiffres et '-', en commençant par une lettre, sans finir par '-')
# $alias, $key : entre guillemets, tels que le code les montre.
error-containers-image-not-alias = l’image { $alias } n’est pas un alias d’image (de 1 à { $max } lettres, chiffres, '-', '_', '.', '/')
# $tier : le niveau qui ne peut pas régler $key (member, admin ou host) ; $needed : le niveau qu’il faut ;
# $reason : pourquoi, en anglais (les mots du crate du protocole) ; $host_config_off : yes ou no ;
# $keys : les clés que $tier peut régler.
error-containers-config-tier = { $tier ->
    [admin] les administrateurs
    [host] les jetons host
   *[member] les membres
} ne peuvent pas régler { $key } : { $reason } ; ce réglage demande le niveau { $needed } ({ $needed ->
    [admin] le jeton d’un administrateur (`adm`)
    [host] le jeton `host` d’un administrateur principal (ou `smp-agent token --host`) sur un agent dont la configuration fixe host_config = true
   *[member] n’importe quel jeton
}){ $host_config_off ->
    [yes]  ; host_config est désactivé dans la configuration de cet agent, donc aucun jeton ne peut le régler ici (un administrateur principal utilise lxc sur l’hôte)
   *[no] {""}
}. { $tier ->
    [admin] Les administrateurs
    [host] Les jetons host
   *[member] Les membres
} peuvent régler { $keys }
# $multi_line : yes (sauts de ligne et tabulations étaient permis) ou no.
error-containers-config-control-character = la valeur de { $key } contient un caractère de contrôle { $multi_line ->
    [yes] autre qu’un saut de ligne ou une tabulation
   *[no] (les sauts de ligne et les tabulations sont réservés au niveau host, et aux administrateurs dans user.* et cloud-init.*)
}
error-containers-config-key-shape = la clé de configuration { $key } doit compter de 1 à { $max } caractères : lettres, chiffres, '.', '_' et '-'
error-containers-config-value-too-long = la valeur de { $key } dépasse { $max } octets
# $value : entre guillemets ; $shape : boolean, memory, cpu, count ou text.
error-containers-config-value-shape = { $key } = { $value } n’est pas valide : cette clé accepte { $shape ->
    [boolean] `true` ou `false`
    [memory] une taille (`512MiB`, `1GiB`, `500MB`) ou une part de la mémoire de l’hôte (`50%`)
    [cpu] un nombre de CPU (`2`) ou les CPU sur lesquels tourner (`0-1`, `0,2`)
    [count] un nombre entier à partir de 1
    [schedule] `@hourly`, `@daily`, `@weekly`, `@monthly` ou cinq champs cron de chiffres, `*`, `,`, `-`, `/` (`0 3 * * *`)
    [expiry] un nombre de 1 à 9999 et une unité : `M` minutes, `H` heures, `d` jours, `w` semaines, `m` mois, `y` années (`7d`)
    [pattern] une lettre minuscule, puis jusqu’à 30 lettres minuscules, chiffres et `-`, puis `%d` (`auto-%d`)
   *[text] n’importe quel texte
} (ou "" pour la retirer)
# $field : cpu, memory_mb ou disk_mb ; la page nomme le champ comme le formulaire.
error-containers-limit-out-of-range = { $field ->
    [cpu] CPU : donnez un nombre entier de { $min } à { $max }, ou laissez le champ vide
    [memory_mb] mémoire : donnez un nombre entier de { $min } à { $max } (en Mio), ou laissez le champ vide
   *[disk_mb] disque : donnez un nombre entier de { $min } à { $max } (en Mio), ou laissez le champ vide
}

## Supprimer et modifier un conteneur (app/provisioning.rs)

error-containers-delete-while-creating = le conteneur { $name } est encore en cours de création ; supprimez-le une fois qu’il sera créé
error-containers-has-children = le conteneur { $name } a des sous-conteneurs ({ $children }) ; supprimez-les d’abord
error-containers-assign-apart = envoyez owner, parent et in_quota dans une requête, et autostart et limits dans une autre : ce sont deux requêtes distinctes
error-containers-still-creating = le conteneur est encore en cours de création

## Lister des conteneurs, les attribuer, agir sur eux (app/containers.rs)

error-containers-page-limit = limit : de 1 à { $max }
error-containers-assign-nothing = donnez "owner" (un nom d’utilisateur ou null), "parent" (un id ou null), "in_quota", "autostart" ou "limits"
error-containers-owner-unknown = owner : aucun utilisateur ne s’appelle { $name }
error-containers-parent-not-live = parent : aucun conteneur existant n’a l’id { $id }
error-containers-own-ancestor = parent : un conteneur ne peut pas être son propre ancêtre
error-containers-too-deep = parent : les conteneurs s’imbriquent sur { $depth } niveaux au plus
error-containers-gone-from-machine = le conteneur { $name } n’est plus sur la machine { $machine } ; il n’y a rien sur quoi agir
error-containers-creating-try-later = le conteneur { $name } est encore en cours de création ; réessayez une fois qu’il sera en marche
error-containers-exec-command = command : donnez le programme et ses arguments, par exemple ["uptime"]
error-containers-log-lines = lines doit être compris entre 1 et { $max }

## Les formulaires des pages d’un conteneur (web/provisioning.rs, web/panels.rs)

error-containers-cpus-not-number = CPU : donnez un nombre entier, ou laissez le champ vide
error-containers-memory-not-number = mémoire : donnez un nombre entier, ou laissez le champ vide
error-containers-disk-not-number = disque : donnez un nombre entier, ou laissez le champ vide
error-containers-machine-not-number = machine : donnez un nombre entier, ou laissez le champ vide
error-containers-parent-not-number = conteneur parent : donnez un nombre entier, ou laissez le champ vide
error-containers-config-line = configuration : la ligne { $line } n’est pas de la forme clé=valeur
error-containers-autostart-on-off = démarrage automatique : activé ou désactivé
error-containers-log-source = choisissez comme source la console ou le journal LXD
error-containers-log-lines-number = nombre de lignes : donnez un nombre entier de 1 à { $max }, ou laissez le champ vide
error-containers-exec-command-form = donnez la commande : le programme sur la première ligne, puis chaque argument sur sa propre ligne (par exemple uptime)
error-containers-exec-timeout = délai maximal : donnez un nombre entier de secondes de 1 à { $max }, ou laissez le champ vide pour 30
