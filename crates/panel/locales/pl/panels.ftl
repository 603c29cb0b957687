# Strony SMP po polsku: dynamiczne części strony kontenera (stan, dzienniki, polecenie, konfiguracja, sesje terminala, postęp tworzenia) i strona błędu.
# Słowniczek: zobacz main.ftl.

## Stan i bieżący stan (status.html, panel_state.html, panel_sections.html)

panel-why-it-failed = Przyczyna niepowodzenia
panel-reservation-given-back = Rezerwacja została zwolniona.
panel-live-state = Bieżący stan
panel-cpu-time = Czas procesora
panel-memory-in-use = w użyciu
panel-memory-peak = szczyt: { $peak }
panel-memory-limit = limit: { $limit }
panel-processes = Procesy
panel-none = brak
panel-read-from-machine-at = Odczytano z maszyny:

## Dzienniki (panel_sections.html, panel_logs.html)

panel-logs = Dzienniki
panel-log-source = Źródło
panel-log-console = Konsola: to, co wypisał kontener
panel-log-lxc = Dziennik LXD dla kontenera: dlaczego się nie uruchomił lub nie zatrzymał
panel-log-lines = Liczba ostatnich wierszy
panel-show-logs = Pokaż dzienniki
panel-logs-intro = Wybierz źródło i naciśnij „Pokaż dzienniki” (ponownie, aby odświeżyć). Najnowsze wiersze są na końcu.
panel-no-lines = Brak wierszy.
panel-console-since-last-read = Konsola pokazuje to, co kontener wypisał od ostatniego odczytu.
panel-older-lines-left-out = Starsze wiersze zostały pominięte: aby je zobaczyć, zwiększ liczbę wierszy.
panel-log-lines-label = Wiersze dziennika, najnowsze na końcu
panel-read-at = Odczytano:

## Polecenie (panel_sections.html, panel_exec.html)

panel-run-command = Wykonaj polecenie
panel-exec-command = Polecenie, po jednym argumencie w wierszu: program w pierwszym wierszu, a potem każdy argument w osobnym wierszu. Bez powłoki: cudzysłowy, potoki i $ są przekazywane dokładnie tak, jak je wpisano.
panel-exec-timeout = Maksymalny czas wykonania w sekundach (opcjonalnie; puste pole: 30, najwyżej 600)
panel-run-in = Wykonaj w kontenerze { $name }
panel-exit-code = Kod wyjścia
panel-success = (sukces)
panel-failure = (niepowodzenie)
panel-took = czas: { $took }.
panel-output-truncated = Wyjście zostało obcięte: maszyna zachowuje tylko początek każdego strumienia. Aby zobaczyć całość, ogranicz ilość danych wypisywanych przez polecenie.
panel-output = Wyjście
panel-no-output = Brak danych wyjściowych.
panel-stdout = Standardowe wyjście
panel-errors = Błędy
panel-no-error-output = Brak danych na wyjściu błędów.
panel-stderr = Wyjście błędów

## Konfiguracja (container_config.html)

config-autostart = Automatyczne uruchamianie
config-in-quota = Wliczany do limitu
config-in-quota-of-its-owner = tak: podkontener, wliczany do limitu swojego właściciela
config-in-quota-of = tak: podkontener użytkownika { $owner }, wliczany do jego limitu
config-in-no-quota = nie: nie wlicza się do żadnego limitu
config-autostart-off = Wyłącz automatyczne uruchamianie
config-autostart-on = Włącz automatyczne uruchamianie
config-limits-of = Limity kontenera { $name }
config-change-limits = Zmień limity
config-change-limits-hint = (puste pole pozostaje bez zmian; zwiększone wartości muszą zmieścić się w limicie; nowa wartość obowiązuje od razu lub od następnego uruchomienia, zależnie od tego, na co pozwala LXD)
config-save-limits = Zapisz limity
config-delete = Usuń ten kontener…
config-delete-warning = Kontener { $name } zostanie zatrzymany i usunięty z maszyny { $machine } wraz z całą zawartością i usługami. Tej operacji nie można cofnąć.
config-delete-confirm = Tak, usuń kontener { $name }

## Sesje terminala (container_terminal_sessions.html)

sessions-none = Brak otwartych sesji terminala.
sessions-open = Otwarte sesje
sessions-intro = Terminal pozostaje otwarty jeszcze przez jakiś czas po zamknięciu okna, aby po przeładowaniu strony można było do niego wrócić. Zakończ te, których już nie potrzebujesz.
sessions-shared = { $kind ->
    [console] Współdzielona konsola
   *[shell] Współdzielona powłoka
}
sessions-private = { $kind ->
    [console] Prywatna konsola
   *[shell] Prywatna powłoka
}
sessions-of = użytkownika { $owner }
sessions-open-one = Otwórz
sessions-join = Dołącz
sessions-end = Zakończ
sessions-end-confirm = Zakończyć tę sesję terminala? Jej procesy otrzymają sygnał SIGHUP, a wszyscy jej uczestnicy zostaną rozłączeni.
sessions-end-label = { $kind ->
    [console] sesję konsoli rozpoczętą { $started }
   *[shell] sesję powłoki rozpoczętą { $started }
}

## Postęp tworzenia kontenera (container_progress.html)

creation-running = Trwa tworzenie kontenera { $name } na maszynie { $machine }…
creation-failed = Nie udało się utworzyć kontenera { $name }.
creation-no-reason = Maszyna nie podała przyczyny.
creation-reservation-given-back = Rezerwacja została zwolniona: nie wlicza się już do żadnego limitu.
creation-done = Kontener { $name } został utworzony na maszynie { $machine }:
creation-open-page = Otwórz stronę kontenera

## Strona błędu (error.html)

error-back = Wróć do swoich kontenerów
error-not-found = Nie znaleziono
error-not-found-message = Nic tu nie ma albo nie masz do tego dostępu.
error-not-allowed = Brak uprawnień
error-internal = Coś poszło nie tak
error-internal-message = Szczegóły są w dzienniku panelu; daj znać administratorowi.
error-internal-in-place = Coś poszło nie tak w panelu; szczegóły są w jego dzienniku. Daj znać administratorowi.
error-did-not-work = To się nie udało

## Słowa, które składa kod (container_config.html, container.html)

limits-cpus = { $count ->
    [one] { $count } procesor
    [few] { $count } procesory
   *[many] { $count } procesorów
}
limits-memory = { $mib } MiB pamięci
limits-disk = { $mib } MiB dysku
limits-none = panel ich nie ustawił
config-limits-now = Nowe limity zasobów: { $limits }.
config-autostart-is-on = włączone: kontener startuje razem z maszyną
config-autostart-is-off = wyłączone
config-autostart-as-lxd = tak, jak ustawia LXD (panel tego nie ustawił)
config-image-not-by-panel = kontener nie powstał w panelu
container-no-forwards = Żaden port maszyny nie jest przekierowany do tego kontenera
container-dns-name = Nazwa DNS:
container-dns-name-hint = (adres w sieci publicznej, a w razie jego braku adres przekierowania maszyny; docs/dns.md).

## Zadanie kontenera (pages.rs): jego opis w trakcie i wynik

job-container-action = { $action ->
    [start] Uruchamianie kontenera { $name }
    [stop] Zatrzymywanie kontenera { $name }
   *[restart] Restartowanie kontenera { $name }
}
# $status: wartość container-status, już przetłumaczona.
job-container-done = Kontener { $name }: { $status } (trwało { $seconds } s).
# $label: opis zadania; $why: co poszło nie tak.
job-failed = { $label } — nie udało się: { $why }
