# Les refus sur les machines, les réseaux et les redirections (app/machines.rs, app/networks.rs) et dans les formulaires
# des pages d’administration (web/admin.rs, web/admin_lists.rs), sur une page dans la langue de son lecteur (l’API JSON les dit en anglais).

## Machines : ajout, suppression, changement de clé (app/machines.rs)

error-machines-url-not-a-url = url { $url } n’est pas une URL : { $reason }
error-machines-url-scheme = url { $url } : le schéma { $scheme } n’est pas pris en charge ; utilisez https://HOST:PORT
error-machines-url-no-host = url { $url } n’a pas d’hôte
error-machines-url-plain-http = url { $url } : http:// n’est permis que pour un hôte local (127.0.0.1, ::1, localhost) ; utilisez https:// et épinglez le certificat de l’agent par son empreinte
error-machines-url-more-than-an-address = url { $url } : ne donnez que le schéma, l’hôte, le port et le chemin
error-machines-key-id = key_id { $key_id } : utilisez de 1 à 64 lettres, chiffres, '-', '_' ou '.'
# $problem : comme pour error-containers-name-invalid.
error-machines-name-invalid = name : { error-containers-name-invalid }
error-machines-secret-too-short = secret : il compte { $chars ->
    [one] { $chars } caractère
   *[other] { $chars } caractères
} ; il en faut au moins { $min } (smp-agent keygen en crée un)
error-machines-pin-without-https = fingerprint et trust_on_first_use ne valent que pour les URL https://
error-machines-pin-twice = donnez fingerprint ou trust_on_first_use, pas les deux
error-machines-certificate-unfetched = impossible de récupérer le certificat de l’agent : { $error }
error-machines-pin-missing = un agent en https:// demande son empreinte (smp-agent fingerprint l’affiche) ou trust_on_first_use
error-machines-agent-other-name = l’agent à l’adresse { $url } est la machine { $found } (le champ `machine` de sa configuration) ; ajoutez-la sous ce nom, car l’agent refuse les jetons destinés à toute autre
error-machines-agent-other-certificate = l’agent à l’adresse { $url } a présenté un certificat d’une autre empreinte ; vérifiez-la avec `smp-agent fingerprint` sur la machine
error-machines-delete-owned-containers = { $count ->
    [one] { $count } conteneur de la machine { $machine } a encore un propriétaire ; retirez-lui d’abord son propriétaire
   *[other] { $count } conteneurs de la machine { $machine } ont encore un propriétaire ; retirez-leur d’abord leur propriétaire
}
error-machines-delete-services = { $count ->
    [one] { $count } service tourne sur des conteneurs de la machine { $machine } ; supprimez-le d’abord
   *[other] { $count } services tournent sur des conteneurs de la machine { $machine } ; supprimez-les d’abord
}
error-machines-rotation-secret-too-short = le nouveau secret compte { $chars ->
    [one] { $chars } caractère
   *[other] { $chars } caractères
} ; il en faut au moins { $min } (par exemple `smp-agent keygen`)
error-machines-no-machine = aucune machine n’a l’id { $id }
error-machines-rotation-staged-key-changed = la nouvelle clé en attente de la machine { $id } a été remplacée entre-temps par un autre changement de clé ; rien n’a été modifié, réessayez
error-machines-rotation-refused-unknown-key = l’agent de la machine { $machine } a refusé la clé { $key_id } ({ $agent_code } : { $detail }) ; ajoutez d’abord la clé { $key_name } aux [[keys]] de l’agent et redémarrez-le ; le panneau utilise toujours la clé { $current }
error-machines-rotation-refused-other-secret = l’agent de la machine { $machine } a refusé la clé { $key_id } ({ $agent_code } : { $detail }) ; l’agent a une clé { $key_id } avec un autre secret : donnez au panneau le même secret que celui de l’entrée { $key_id } des [[keys]] de l’agent ; le panneau utilise toujours la clé { $current }
error-machines-rotation-unverified = impossible de confirmer que l’agent de la machine { $machine } accepte la clé { $key_id } : { $cause } ; le panneau utilise toujours la clé { $current }, réessayez quand l’agent répondra

## Adresses fixes et redirections (app/networks.rs)

error-machines-network-not-allowed = l’agent de la machine { $machine } ne peut pas agir sur un réseau nommé { $name } ; les réseaux qu’il liste : { $networks }
error-machines-network-not-allowed-none-listed = l’agent de la machine { $machine } ne peut pas agir sur un réseau nommé { $name } ; les réseaux qu’il liste : aucun (pour l’instant : la synchronisation les lit)
error-machines-address-outside-subnet = { $ip } est hors du sous-réseau { $subnet } du réseau { $network }
error-machines-network-no-subnet = le réseau { $network } n’a pas de sous-réseau { $family }
error-machines-address-has-forwards = le conteneur { $container } a des redirections sur { $network }, qui mènent à son adresse ; supprimez-les d’abord, puis changez l’adresse
error-machines-address-taken-unknown = sur le réseau { $network } de la machine { $machine }, cette adresse est déjà prise ; rien n’a été modifié
error-machines-address-taken = sur le réseau { $network } de la machine { $machine }, { $ip } est l’adresse du conteneur { $holder } ; rien n’a été modifié
error-machines-addresses-taken = sur le réseau { $network } de la machine { $machine }, { $ip } est l’adresse du conteneur { $holder } et { $ip2 } celle du conteneur { $holder2 } ; rien n’a été modifié
error-machines-port-range = les ports vont de 1 à 65535
error-machines-no-fixed-address = le conteneur { $container } n’a pas d’adresse fixe, et une redirection en demande une : demandez d’abord à un administrateur de lui en attribuer une
error-machines-no-address-with-forwards = aucune des adresses fixes du conteneur { $container } n’est sur un réseau de la machine { $machine } qui permet des redirections
error-machines-no-address-with-forwards-on = aucune des adresses fixes du conteneur { $container } n’est sur un réseau de la machine { $machine } qui permet des redirections (demandé : { $network })
error-machines-too-many-forwards = un conteneur a au plus { $max } redirections sur un même réseau
error-machines-port-outside-range = listen_port { $port } est hors de la plage { $range } du réseau { $network } : omettez-le pour obtenir un port libre
error-machines-port-taken-leave-out = le port { $protocol } { $port } de la machine { $machine } est pris ; omettez listen_port pour obtenir un port libre
error-machines-ports-all-taken = tous les ports { $protocol } de la plage { $range } de la machine { $machine } sont pris ; demandez à un administrateur
error-machines-port-taken = le port { $protocol } { $port } de la machine { $machine } est pris

## Les formulaires des pages d’administration (web/admin.rs, web/admin_lists.rs)

error-machines-admin-needs-totp = activez un second facteur pour agir en tant qu’administrateur
error-machines-quota-containers = conteneurs : donnez un nombre entier, ou laissez le champ vide pour ne fixer aucune limite
error-machines-quota-cpus = CPU : donnez un nombre entier, ou laissez le champ vide pour ne fixer aucune limite
error-machines-quota-memory = mémoire : donnez un nombre entier, ou laissez le champ vide pour ne fixer aucune limite
error-machines-quota-disk = disque : donnez un nombre entier, ou laissez le champ vide pour ne fixer aucune limite
error-machines-quota-forwards = ports redirigés : donnez un nombre entier, ou laissez le champ vide pour ne fixer aucune limite
error-machines-parent-not-an-id = parent : donnez l’id d’un conteneur (un nombre), ou laissez le champ vide s’il n’en a pas
