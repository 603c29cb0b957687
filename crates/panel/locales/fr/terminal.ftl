# Les pages de SMP en français : les pages du terminal et de la console, et une session de terminal partagée.
# Glossaire : voir main.ftl.

## Le terminal d’un conteneur (terminal.html)

terminal-console-of = Console de { $name }
terminal-terminal-of = Terminal de { $name }
terminal-console = console
terminal-terminal = terminal
terminal-shell-or-console = Shell ou console
terminal-shell-tab = Shell
terminal-console-tab = Console
terminal-starting = Démarrage…
terminal-reconnect = Se reconnecter

## Une session partagée (terminal_session.html)

terminal-shared-on = Terminal partagé sur { $container }
terminal-shared-of = terminal partagé de { $owner }
terminal-read-only = lecture seule
terminal-owner = propriétaire
terminal-mode = { $mode ->
    [read] lecture
    [write] écriture
   *[other] { $mode }
}
terminal-invite = Inviter un membre
terminal-she-may = Ce membre peut
terminal-may-read = suivre (lecture)
terminal-may-write = écrire aussi (écriture)
terminal-invite-button = Inviter
terminal-end-for-everyone = Terminer la session pour tout le monde

## Ce qu’écrit terminal.js (terminal_texts.html) : %code, %reason, %exited et %name sont remplis par le script

terminal-js-connected = Connecté.
terminal-js-connected-read-only = Connecté, en lecture seule.
terminal-js-asking = Demande d’un ticket…
terminal-js-connecting = Connexion…
terminal-js-cannot-open = Impossible d’ouvrir le terminal{" "}: %reason
terminal-js-closed = Fermé (%code){" "}: %reason%exited. « Se reconnecter » le rouvre.
terminal-js-exit-code = (code de sortie %code)
terminal-js-ended = le terminal s’est terminé
terminal-js-lost = la connexion a été perdue
terminal-js-refused = le panneau a refusé un message
terminal-js-too-large = un message était trop grand
terminal-js-connection-ended = la connexion s’est terminée
terminal-js-attached = connecté
terminal-js-not-attached = non connecté
terminal-js-let-type = Laisser écrire
terminal-js-make-read-only = Passer en lecture seule
terminal-js-remove = Retirer
terminal-js-remove-label = Retirer %name
terminal-js-may-type = %name peut écrire.
terminal-js-may-watch = %name peut suivre.
terminal-js-removed = %name a été retiré de la session.
terminal-js-end-confirm = Terminer cette session pour tout le monde{" "}? Son shell reçoit un SIGHUP.
terminal-js-session-ended = La session est terminée.
