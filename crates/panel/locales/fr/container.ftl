# Les pages de SMP en français : la page d’un conteneur et celle de création d’un conteneur.
# Glossaire : voir main.ftl.

## Commun aux pages des conteneurs et des services (macros.html)

actions = Actions
action-start = Démarrer
action-restart = Redémarrer
action-stop = Arrêter
column-limits = Limites
unit-mib = (Mio)

## La page d’un conteneur (container.html)

container-on-machine = sur { $machine }
container-force-restart = Forcer le redémarrage
container-force-restart-confirm = Forcer le redémarrage de { $name } ? Ses processus seront tués, sans extinction propre.
container-force-stop = Forcer l’arrêt
container-force-stop-confirm = Forcer l’arrêt de { $name } ? Ses processus seront tués, sans extinction propre.
container-terminal-intro = Un shell dans { $name }, directement dans votre navigateur, ou sa console texte. Une session partagée permet aux membres que vous y invitez de la suivre ou d’y écrire.
container-open-terminal = Ouvrir le terminal
container-open-console = Ouvrir la console
container-start-shared = Lancer une session partagée
container-reach = Comment le joindre
container-no-fixed-address = Pas d’adresse fixe : il prend celle que lui donne le DHCP. C’est un administrateur qui lui en attribue une ; il en faut une pour lui rediriger un port.
container-fixed-address = Adresse fixe sur le réseau { $address }
container-sub-containers = Sous-conteneurs
container-no-sub-containers = Aucun sous-conteneur.
sub-containers-count = { $count ->
    [one] { $count } sous-conteneur
   *[other] { $count } sous-conteneurs
}
container-add-sub-container = Ajouter un sous-conteneur

## La page « Nouveau conteneur » (container_new.html, container_new_form.html)

new-container-your-quota = Votre quota : { $usage }.
new-container-no-quota = Il ne vous permet encore aucun conteneur — demandez un quota à un administrateur.
new-container-admin = Vous êtes administrateur : ce que vous créez ne compte dans aucun quota, et vous pouvez le créer pour n’importe qui, avec les profils et la configuration de votre choix.
new-container-name-hint = (de 1 à 63 lettres, chiffres et -, en commençant par une lettre)
new-container-parent = Appartient à
new-container-parent-hint = (son conteneur parent ; le placement automatique choisit alors la machine du parent)
new-container-image = Image
new-container-image-hint = (un alias d’image de la machine)
new-container-asking-images = Interrogation des machines sur leurs images…
new-container-limits-hint = (vide : la valeur par défaut du panneau)
new-container-cpus = CPU
new-container-memory = Mémoire
new-container-disk = Disque
new-container-autostart = Le démarrer avec sa machine (autostart)
new-container-for-admins = Pour les administrateurs
new-container-owner-hint = (un nom d’utilisateur ; vide : vous-même)
new-container-profiles = Profils
new-container-profiles-hint = (séparés par des virgules ; vide : le profil default)
new-container-config = Configuration
new-container-config-hint = (une paire clé=valeur par ligne)
new-container-create = Créer le conteneur

## Le quota d’un membre et ce qui en est utilisé (le formulaire de nouveau conteneur, la page des utilisateurs)

usage-separator = {", "}
usage-containers-of = { $used } sur { $limit } { $count ->
    [one] conteneur
   *[other] conteneurs
}
usage-containers-unlimited = { $used } { $count ->
    [one] conteneur
   *[other] conteneurs
} (sans limite)
usage-cpus-of = { $used } sur { $limit } CPU
usage-cpus-unlimited = { $used } CPU (sans limite)
usage-memory-of = { $used } sur { $limit } Mio de mémoire
usage-memory-unlimited = { $used } Mio de mémoire (sans limite)
usage-disk-of = { $used } sur { $limit } Mio de disque
usage-disk-unlimited = { $used } Mio de disque (sans limite)
usage-forwards-of = { $used } sur { $limit } { $count ->
    [one] port redirigé
   *[other] ports redirigés
}
usage-forwards-unlimited = { $used } { $count ->
    [one] port redirigé
   *[other] ports redirigés
} (sans limite)

## Les avis du formulaire de nouveau conteneur et de la section Gérer (web/provisioning.rs)

provisioning-no-machine = Il n’y a encore aucune machine.
provisioning-no-image = Aucune image n’a pu être listée ; saisissez son alias.
provisioning-images-offered = Images proposées : { $images }.
provisioning-images-not-listed = Impossible d’obtenir la liste de { $machines }
container-autostart-on = Il démarre avec sa machine (autostart).
container-autostart-off = Il ne démarre pas avec sa machine (autostart).
container-delete-children-first = Supprimez d’abord ses sous-conteneurs : { $why }
