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
