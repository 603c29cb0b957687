# Les refus et les échecs que disent les cas d’usage (crates/panel/src/error.rs),
# sur une page dans la langue de son lecteur (l’API JSON les dit en anglais).
# Chacun commence par une minuscule, sans point final : la page en fait une phrase.

error-database-unavailable = la base de données du panneau est injoignable pour le moment ; rien n’a été fait ; réessayez dans une minute
error-username-taken = un utilisateur nommé { $name } existe déjà
error-machine-name-taken = une machine nommée { $name } existe déjà

## L’agent d’une machine ou son LXD

error-agent-unreachable = la machine { $machine } est injoignable pour le moment ; réessayez dans une minute et prévenez un administrateur si cela dure
error-agent-answer-lost = la machine { $machine } a cessé de répondre pendant l’action, qui a peut-être été faite ; le panneau lira son résultat auprès de LXD : vérifiez l’état dans un instant
error-agent-fingerprint = la machine { $machine } a présenté un certificat auquel le panneau ne se fie pas ; rien n’a été fait ; un administrateur doit vérifier la machine
error-agent-busy = la machine { $machine } a déjà autant de sessions qu’elle en permet ; rien n’a été fait ; réessayez quand l’une d’elles se termine
error-agent-credentials = la machine { $machine } a refusé les identifiants du panneau ; rien n’a été fait ; un administrateur doit vérifier la clé de la machine
error-agent-instance-changed = le conteneur de ce nom sur la machine { $machine } a été supprimé puis recréé depuis que le panneau l’a vu ; rien n’a été fait ; la liste montrera bientôt le nouveau
error-agent-container-gone = le conteneur n’est plus sur la machine { $machine } ; la liste le montrera bientôt comme disparu
error-agent-lxd-unavailable = LXD ne répond pas sur la machine { $machine } ; réessayez dans une minute et prévenez un administrateur si cela dure
error-agent-lxd-timeout = LXD n’a pas terminé à temps sur la machine { $machine } ; l’action peut encore aboutir : vérifiez l’état dans un instant
error-agent-lxd-failed = LXD a échoué sur la machine { $machine } : { $detail }
error-agent-bad-answer = la machine { $machine } a répondu quelque chose que le panneau ne comprend pas (les versions du panneau et de l’agent sont-elles compatibles ?)
