# Strony SMP po polsku: strona usługi (jej stan, dziennik i zarządzanie) oraz usługi na stronie kontenera.
# Słowniczek: zobacz main.ftl.

## Wspólne dla stron kontenera i usługi (macros.html: state_card, services_table)

service-asking-machine = Odpytywanie maszyny…
service-refresh = Odśwież
service-unit = Jednostka
service-description = Opis
service-owner-none = brak
# Stan jednostki tak, jak nazywa go systemd (jej ActiveState), albo stan
# nadany przez panel (unknown, not-found, gone); inne wartości są pokazywane bez zmian.
service-state = { $state ->
    [active] aktywna
    [reloading] przeładowywana
    [inactive] nieaktywna
    [failed] błąd
    [activating] uruchamiana
    [deactivating] zatrzymywana
    [maintenance] konserwacja
    [refreshing] odświeżana
    [unknown] stan nieznany
    [not-found] nie znaleziono
    [gone] usunięta
   *[other] { $state }
}

## Strona usługi (service.html, service_facts.html, service_status.html)

service-on-container = w kontenerze { $container }
service-heading = Usługa
service-unit-state = Stan jednostki
service-journal = Dziennik
service-journal-order = (najnowsze na końcu, czas UTC)
service-journal-reading = Wczytywanie dziennika…
service-description-none = brak
service-runs-on = Działa w
service-on-machine = na maszynie { $machine }

## Uruchamianie, zatrzymywanie i restartowanie oraz ich wynik (services.rs)

service-job-action = { $action ->
    [start] Uruchamianie
    [stop] Zatrzymywanie
   *[restart] Restartowanie
}
service-job-action-unit = { $action ->
    [start] Uruchamianie usługi { $unit }
    [stop] Zatrzymywanie usługi { $unit }
   *[restart] Restartowanie usługi { $unit }
}
# $state: wartość service-state, już przetłumaczona; $sub: SubState z systemd bez zmian.
service-job-now = { $unit }: { $state } ({ $sub })
service-job-done = { $now } (trwało { $seconds } s).
service-job-failed = systemctl zakończył działanie z kodem { $code }: { $why } { $now }.
service-job-no-message = nie podał żadnego komunikatu

## Stan jednostki (service_state.html, service_state_retry.html, services.rs)

service-state-active = Stan
service-state-loaded = Plik jednostki
# LoadState jednostki według systemd; inne wartości są pokazywane bez zmian.
service-load-state = { $state ->
    [loaded] załadowany
    [not-found] nie znaleziono
    [bad-setting] błędne ustawienia
    [error] błąd
    [masked] zamaskowany
   *[other] { $state }
}
service-state-main-pid = Główny PID
service-pid-none = brak
service-state-active-since = Aktywna od
service-state-never = nigdy
service-state-memory = Pamięć
service-state-not-accounted = nie jest zliczana
service-state-asking-again = Ponowna próba za kilka sekund…

## Dziennik (service_journal.html, services.rs)

service-journal-pause = Wstrzymaj
service-journal-follow = Śledź
service-journal-lines = Wiersze
service-journal-last = { $count ->
    [one] ostatni
    [few] ostatnie { $count }
   *[many] ostatnie { $count }
}
service-journal-following = Śledzenie: nowe wiersze pojawiają się w ciągu 2 s. Wstrzymaj, aby spokojnie czytać.
service-journal-paused-at = Wstrzymano
service-journal-follow-to-see = Włącz śledzenie, aby zobaczyć nowe wiersze.
service-journal-empty = Dziennik usługi { $unit } nie zawiera żadnych wierszy.
service-journal-of = Dziennik usługi { $unit }, najnowsze wiersze na końcu
# Strona robi z tego zdanie (wielka litera, kropka).
service-journal-lines-invalid = wiersze: podaj liczbę całkowitą od 1 do { $max }

## Zarządzanie usługą (service_manage.html, services.rs)

service-manage = Zarządzanie
service-owner = Właściciel usługi
service-owner-hint = (nazwa użytkownika; puste: bez właściciela. Właściciel może ją uruchamiać, zatrzymywać i restartować oraz czytać jej dziennik — i nic więcej w kontenerze { $container })
service-description-hint = (najwyżej 200 znaków)
service-save = Zapisz
service-saved = Zapisano.
service-delete = Usuń tę usługę…
# Trzy kolejne tworzą jedno zdanie; druga tylko wtedy, gdy usługa ma właściciela.
service-delete-stops = Panel przestanie zarządzać usługą { $unit }
service-delete-owner = , a { $owner } straci do niej dostęp
service-delete-stays = . Sama jednostka pozostaje w kontenerze { $container }, uruchomiona lub nie, tak jak teraz.
service-delete-confirm = Tak, usuń usługę { $unit }

## Usługi na stronie kontenera (container_services.html, container_services_list.html, service_unit_input.html, service_units.html, service_created.html, services.rs)

service-services = Usługi
service-none-on-container = Ten kontener nie ma jeszcze usług.
service-add = Dodaj usługę
service-add-intro = Zarządzaj z panelu jedną z jednostek systemd kontenera { $name } i nadaj jej właściciela: może on ją uruchamiać, zatrzymywać i restartować oraz czytać jej dziennik — i nic więcej w kontenerze { $name }.
service-unit-hint = (jej nazwa, np. cron.service; albo wyświetl listę jednostek kontenera { $name })
service-list-units = Pokaż jednostki kontenera { $name }
service-units-none = Kontener { $name } nie ma żadnych usług systemd.
# Dwie kolejne tworzą jedną frazę w nawiasie: „(12 usług w kontenerze web1, według listy jego systemd)”.
service-units-count = { $count ->
    [one] { $count } usługa
    [few] { $count } usługi
   *[many] { $count } usług
}
service-units-listed = w kontenerze { $name }, według listy jego systemd
# Po stanie jednostki na liście wyboru: „(aktywna; już jest usługą)”.
service-units-managed = ; już jest usługą
service-new-owner-hint = (opcjonalnie: nazwa użytkownika)
service-new-description-hint = (opcjonalnie: puste oznacza opis jednostki)
service-add-submit = Dodaj usługę
# Strona robi z tego zdanie (wielka litera, kropka).
service-no-unit = wybierz jednostkę (albo wpisz jej nazwę, np. cron.service)
# Po tym następuje link (service-created-open) i kropka.
service-created = { $unit } jest teraz usługą:
service-created-open = otwórz jej stronę
