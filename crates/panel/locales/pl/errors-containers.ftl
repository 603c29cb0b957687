# Odmowy tworzenia, zmiany i usuwania kontenerów oraz działań na nich (app/provisioning.rs, app/containers.rs,
# web/provisioning.rs, web/panels.rs), na stronie w języku czytelnika (API JSON podaje je po angielsku).

## Tworzenie kontenera (app/provisioning.rs)

error-containers-body-field-forbidden = treść żądania nie może zawierać pola `{ $field }`: { $reason }
error-containers-invalid-json = nieprawidłowa treść JSON: { $detail }
error-containers-budgeted-key = ustaw { $key } za pomocą pola `{ $field }`: to ustawienie wlicza się do twojego limitu
error-containers-key-given-twice = { $key } podano dwa razy: w `limits` i w `config`
error-containers-name-taken-on-machine = kontener o nazwie { $name } już istnieje na maszynie { $machine }
error-containers-parent-missing = parent: nie ma kontenera o id { $id }
error-containers-parent-gone = parent: kontener { $name } już nie istnieje
error-containers-machine-missing = machine_id: nie ma maszyny o id { $id }
error-containers-no-machine = nie ma jeszcze żadnej maszyny, na której można utworzyć kontener

## Usuwanie i zmiana kontenera (app/provisioning.rs)

error-containers-delete-while-creating = kontener { $name } jest jeszcze tworzony; usuń go, gdy zostanie utworzony
error-containers-has-children = kontener { $name } ma podkontenery ({ $children }); najpierw je usuń
error-containers-assign-apart = wyślij owner, parent i in_quota w innym żądaniu niż autostart i limits: to dwa osobne żądania
error-containers-still-creating = kontener jest jeszcze tworzony

## Lista kontenerów, ich przypisywanie i działania na nich (app/containers.rs)

error-containers-page-limit = limit: od 1 do { $max }
error-containers-assign-nothing = podaj "owner" (nazwę użytkownika lub null), "parent" (id lub null), "in_quota", "autostart" albo "limits"
error-containers-owner-unknown = owner: nie ma użytkownika o nazwie { $name }
error-containers-parent-not-live = parent: nie ma istniejącego kontenera o id { $id }
error-containers-own-ancestor = parent: kontener nie może być swoim własnym przodkiem
error-containers-too-deep = parent: maksymalna głębokość zagnieżdżenia kontenerów to { $depth }
error-containers-gone-from-machine = kontenera { $name } nie ma już na maszynie { $machine }; nie można na nim nic wykonać
error-containers-creating-try-later = kontener { $name } jest jeszcze tworzony; spróbuj ponownie, gdy będzie działał
error-containers-exec-command = command: podaj program i jego argumenty, np. ["uptime"]
error-containers-log-lines = lines musi wynosić od 1 do { $max }

## Formularze stron kontenera (web/provisioning.rs, web/panels.rs)

error-containers-cpus-not-number = procesory: podaj liczbę całkowitą albo zostaw pole puste
error-containers-memory-not-number = pamięć: podaj liczbę całkowitą albo zostaw pole puste
error-containers-disk-not-number = dysk: podaj liczbę całkowitą albo zostaw pole puste
error-containers-machine-not-number = maszyna: podaj liczbę całkowitą albo zostaw pole puste
error-containers-parent-not-number = kontener nadrzędny: podaj liczbę całkowitą albo zostaw pole puste
error-containers-config-line = konfiguracja: wiersz { $line } nie ma postaci klucz=wartość
error-containers-autostart-on-off = automatyczne uruchamianie: włączone albo wyłączone
error-containers-log-source = wybierz jako źródło konsolę albo dziennik LXD
error-containers-log-lines-number = liczba wierszy: podaj liczbę całkowitą od 1 do { $max } albo zostaw pole puste
error-containers-exec-command-form = podaj polecenie: program w pierwszym wierszu, a potem każdy argument w osobnym wierszu (np. uptime)
error-containers-exec-timeout = maksymalny czas wykonania: podaj całkowitą liczbę sekund od 1 do { $max } albo zostaw pole puste (wtedy 30)
