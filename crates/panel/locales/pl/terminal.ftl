# Strony SMP po polsku: strony terminala i konsoli oraz współdzielona sesja terminala.
# Słowniczek: zobacz main.ftl.

## Terminal kontenera (terminal.html)

terminal-console-of = Konsola kontenera { $name }
terminal-terminal-of = Terminal kontenera { $name }
terminal-console = konsola
terminal-terminal = terminal
terminal-shell-or-console = Powłoka lub konsola
terminal-shell-tab = Powłoka
terminal-console-tab = Konsola
terminal-starting = Uruchamianie…
terminal-reconnect = Połącz ponownie

## Współdzielona sesja (terminal_session.html)

terminal-shared-on = Współdzielony terminal w kontenerze { $container }
terminal-shared-of = współdzielony terminal użytkownika { $owner }
terminal-read-only = tylko do odczytu
terminal-owner = właściciel
terminal-mode = { $mode ->
    [read] odczyt
    [write] zapis
   *[other] { $mode }
}
terminal-invite = Zaproś członka
terminal-she-may = Może
terminal-may-read = oglądać (odczyt)
terminal-may-write = także pisać (zapis)
terminal-invite-button = Zaproś
terminal-end-for-everyone = Zakończ sesję dla wszystkich

## Teksty, które pisze terminal.js (terminal_texts.html): %code, %reason, %exited i %name wstawia skrypt

terminal-js-connected = Połączono.
terminal-js-connected-read-only = Połączono, tylko do odczytu.
terminal-js-asking = Pobieranie biletu…
terminal-js-connecting = Łączenie…
terminal-js-cannot-open = Nie można otworzyć terminala: %reason
terminal-js-closed = Zamknięto (%code): %reason%exited. „Połącz ponownie” otworzy go znowu.
terminal-js-exit-code = (kod wyjścia %code)
terminal-js-ended = terminal zakończył działanie
terminal-js-lost = połączenie zostało zerwane
terminal-js-refused = panel odrzucił wiadomość
terminal-js-too-large = wiadomość była za duża
terminal-js-connection-ended = połączenie zostało zakończone
terminal-js-attached = połączony
terminal-js-not-attached = niepołączony
terminal-js-let-type = Pozwól pisać
terminal-js-make-read-only = Tylko do odczytu
terminal-js-remove = Usuń
terminal-js-remove-label = Usuń %name
terminal-js-may-type = %name może pisać.
terminal-js-may-watch = %name może oglądać.
terminal-js-removed = %name usunięto z sesji.
terminal-js-end-confirm = Zakończyć tę sesję dla wszystkich? Powłoka dostanie sygnał SIGHUP.
terminal-js-session-ended = Sesja została zakończona.
