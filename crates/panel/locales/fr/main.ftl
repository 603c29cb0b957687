# Les pages de SMP en français : la mise en page, la connexion, le tableau de bord, les dates et les nombres.
#
# Glossaire (le même mot partout, dans chaque fichier de cette langue) :
#   conteneur         un conteneur système LXD d’un membre (jamais « instance » ni « VM »)
#   sous-conteneur    un conteneur qu’un membre a créé dans sa propre arborescence, dans la limite de son quota
#   service           une unité systemd d’un conteneur que son propriétaire peut démarrer, arrêter et redémarrer
#   quota             combien de conteneurs, combien de mémoire et de disque un membre peut utiliser
#   machine           un hôte qui fait tourner LXD et l’agent
#   propriétaire      le membre à qui appartient un conteneur ou un service
#   administrateur (« admin » seulement dans les libellés courts), administrateur principal,
#   membre, propriétaire de service : les rôles
#
# Une clé absente d’ici, ou de en/ ou pl/, fait échouer `cargo test`.

## Dates et nombres (crates/panel/src/web/i18n.rs)

date-month = { $month ->
    [1] janv.
    [2] févr.
    [3] mars
    [4] avr.
    [5] mai
    [6] juin
    [7] juil.
    [8] août
    [9] sept.
    [10] oct.
    [11] nov.
   *[12] déc.
}
date-time = { $day } { $month } { $year }, { $time } UTC
number-group-separator = {"\u202F"}
number-grouping-from = 4

## La mise en page (base.html)

nav-main = Navigation principale
nav-dashboard = Tableau de bord
nav-account = Compte
nav-all-containers = Tous les conteneurs
nav-users = Utilisateurs
nav-machines = Machines
nav-networks = Réseaux
nav-audit = Journal d’audit
sign-out = Se déconnecter
language-switcher = Langue

## La connexion (login.html)

sign-in-title = Se connecter
sign-in-code-label = Code de votre application d’authentification
sign-in-code-hint = (ou l’un de vos codes de récupération)
sign-in-start-again = Recommencer
sign-in-username = Nom d’utilisateur
sign-in-password = Mot de passe
sign-in-or = ou
sign-in-with-provider = Se connecter avec { $provider }
sign-in-new-here = Première visite ?
sign-in-create-account = Créez un compte
sign-in-approved-by-admin = {"\u202F"}; un administrateur le validera.

## Une connexion refusée (web/pages.rs)

login-refused-credentials = Nom d’utilisateur ou mot de passe incorrect.
login-refused-rate-limited = Trop de tentatives de connexion depuis votre adresse ou pour ce nom d’utilisateur. Attendez une minute, puis réessayez.
login-refused-approval-pending = Votre compte attend l’approbation d’un administrateur. Vous pourrez vous connecter dès qu’il l’aura approuvé.
login-refused-disabled = Ce compte est désactivé. Demandez à un administrateur s’il s’agit d’une erreur.
login-refused-directory-unavailable = L’annuaire de connexion (LDAP) est injoignable pour le moment. Réessayez dans quelques minutes.
login-refused-forbidden = Votre compte ne peut pas se connecter ici : { $why }.
login-refused-code-wrong = Ce code est incorrect ou a déjà servi. Saisissez le code que votre application affiche maintenant, ou un code de secours.
login-refused-expired = Cette connexion a expiré ou demande maintenant un code. Saisissez à nouveau votre mot de passe.

## Le tableau de bord (dashboard.html)

dashboard-my-containers = Mes conteneurs
dashboard-my-services = Mes services
dashboard-my-containers-and-services = Mes conteneurs et services
dashboard-no-containers = Vous n’avez encore aucun conteneur — demandez à un administrateur.
dashboard-new-container = Nouveau conteneur
dashboard-within-quota = (dans la limite de votre quota)
dashboard-your-containers = Vos conteneurs
dashboard-your-services = Vos services
dashboard-services-only = Vous n’avez aucun conteneur. Voici les services dont vous vous occupez : vous pouvez les démarrer, les arrêter, les redémarrer et lire leurs journaux.
containers-count = { $count ->
    [one] { $count } conteneur
   *[other] { $count } conteneurs
}
column-name = Nom
column-machine = Machine
column-status = État
column-addresses = Adresses
column-last-seen = Dernier contact
column-container = Conteneur
column-owner = Propriétaire
column-participants = Participants
column-started = Début
column-terminal = Terminal
container-status = { $status ->
    [running] en marche
    [stopped] arrêté
    [frozen] figé
    [error] erreur
    [gone] disparu
    [creating] en création
    [failed] en échec
    [starting] en démarrage
    [stopping] en arrêt
    [unknown] inconnu
   *[other] { $status }
}
shared-terminals = Terminaux partagés
shared-terminals-intro = Les sessions de terminal partagées avec vous, et celles que vous partagez.
shared-terminal-open = Ouvrir la session sur { $container }
shared-terminal-join = Rejoindre la session sur { $container }

## La page du compte (account.html, account_language.html)

account-language = Langue
account-language-label = La langue de vos pages
account-language-browser = La langue de votre navigateur
account-language-save = Enregistrer
