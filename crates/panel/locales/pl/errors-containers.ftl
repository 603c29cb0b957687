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

## Nazwy, obrazy i konfiguracja sprawdzane przez crate protokołu oraz zakresy limitów kontenera
## (smp-proto, podawane przez app/refusals.rs)

# $problem: length, first, last albo character.
error-containers-name-invalid = nieprawidłowa nazwa kontenera: { $problem ->
    [length] nieprawidłowa długość
    [first] musi zaczynać się od litery
    [last] nie może kończyć się znakiem '-'
   *[character] zawiera znak inny niż litera, cyfra lub '-'
} (od 1 do 63 znaków: litery, cyfry i '-', na początku litera, bez '-' na końcu)
# $alias, $key: w cudzysłowie, tak jak pokazuje je kod.
error-containers-image-not-alias = obraz { $alias } nie jest aliasem obrazu (od 1 do { $max } znaków: litery, cyfry, '-', '_', '.', '/')
# $tier: poziom, który nie może ustawić $key (member, admin albo host); $needed: wymagany poziom; $reason: powód,
# po angielsku (słowa crate'a protokołu); $host_config_off: yes albo no; $keys: klucze, które $tier może ustawiać.
error-containers-config-tier = { $tier ->
    [admin] administratorzy
    [host] tokeny host
   *[member] członkowie
} nie mogą ustawiać { $key }: { $reason }; to ustawienie wymaga poziomu { $needed } ({ $needed ->
    [admin] token administratora (`adm`)
    [host] token `host` głównego administratora (albo `smp-agent token --host`) na agencie, którego konfiguracja ustawia host_config = true
   *[member] dowolny token
}){ $host_config_off ->
    [yes] ; ten agent ma wyłączone host_config, więc żaden token nie może go tu ustawić (główny administrator używa lxc na hoście)
   *[no] {""}
}. { $tier ->
    [admin] Administratorzy
    [host] Tokeny host
   *[member] Członkowie
} mogą ustawiać { $keys }
# $multi_line: yes (znaki nowego wiersza i tabulacji były dozwolone) albo no.
error-containers-config-control-character = wartość { $key } zawiera znak sterujący { $multi_line ->
    [yes] inny niż znak nowego wiersza lub tabulacji
   *[no] (znaki nowego wiersza i tabulacji są dozwolone tylko na poziomie host oraz dla administratorów w user.* i cloud-init.*)
}
error-containers-config-key-shape = klucz konfiguracji { $key } musi mieć od 1 do { $max } znaków: litery, cyfry, '.', '_' i '-'
error-containers-config-value-too-long = wartość { $key } jest dłuższa niż { $max } bajtów
# $value: w cudzysłowie; $shape: boolean, memory, cpu, count albo text.
error-containers-config-value-shape = nieprawidłowe ustawienie { $key } = { $value }: ten klucz przyjmuje { $shape ->
    [boolean] `true` albo `false`
    [memory] rozmiar (`512MiB`, `1GiB`, `500MB`) albo część pamięci hosta (`50%`)
    [cpu] liczbę procesorów (`2`) albo procesory, na których ma działać (`0-1`, `0,2`)
    [count] liczbę całkowitą od 1
    [schedule] `@hourly`, `@daily`, `@weekly`, `@monthly` albo pięć pól crona z cyfr, `*`, `,`, `-`, `/` (`0 3 * * *`)
    [expiry] liczbę od 1 do 9999 i jednostkę: `M` minuty, `H` godziny, `d` dni, `w` tygodnie, `m` miesiące, `y` lata (`7d`)
    [pattern] małą literę, potem do 30 małych liter, cyfr i `-`, a na końcu `%d` (`auto-%d`)
   *[text] dowolny tekst
} (albo "", aby go usunąć)
# $field: cpu, memory_mb albo disk_mb; strona nazywa pole tak jak formularz.
error-containers-limit-out-of-range = { $field ->
    [cpu] procesory: podaj liczbę całkowitą od { $min } do { $max } albo zostaw pole puste
    [memory_mb] pamięć: podaj liczbę całkowitą od { $min } do { $max } (w MiB) albo zostaw pole puste
   *[disk_mb] dysk: podaj liczbę całkowitą od { $min } do { $max } (w MiB) albo zostaw pole puste
}

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
