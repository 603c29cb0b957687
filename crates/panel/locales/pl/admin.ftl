# Strony SMP po polsku: strony administracyjne (użytkownicy, maszyny, sieci, wszystkie kontenery, dziennik audytu).
# Słowniczek: zobacz main.ftl.

## Wspólne dla stron administracyjnych

admin-filter = Filtruj
admin-clear-filters = Wyczyść filtry
# Pierwsza pozycja listy filtra: bez filtrowania.
admin-filter-any = wszystkie
admin-pages = Strony
admin-previous-page = Poprzednia strona
admin-next-page = Następna strona
admin-yes = tak
admin-no = nie
# Pusta komórka: brak odcisku, ostatniego błędu, rozbieżności.
admin-none = brak
admin-never = nigdy
admin-role = { $role ->
    [member] członek
    [admin] administrator
    [head_admin] główny administrator
   *[other] { $role }
}

## Wszystkie kontenery (admin_containers.html, admin_containers_row.html, admin_lists.rs)

admin-containers-filter = Filtruj kontenery
admin-containers-owner-username = Właściciel (nazwa użytkownika)
# $name: szukana nazwa użytkownika; $quoted: ta sama nazwa w prostym cudzysłowie.
admin-containers-no-user = Nie ma użytkownika o nazwie „{ $name }”, więc nie pokazano żadnego kontenera.
admin-containers-none-match = Żaden kontener nie pasuje.
admin-containers-range = Kontenery { $first }–{ $last } z { $total }.
admin-column-parent = Kontener nadrzędny
admin-column-result = Wynik
admin-row-owner-label = Właściciel kontenera { $name } (nazwa użytkownika; puste: brak)
admin-row-in-quota = wlicza się do limitu właściciela
admin-row-set-owner = Ustaw właściciela
admin-row-parent-label = Kontener nadrzędny dla { $name } (id kontenera; puste: brak)
admin-row-set-parent = Ustaw kontener nadrzędny
admin-saved = Zapisano.

## Użytkownicy i limity (admin_users_list.html, admin.rs)

admin-users-generated = Panel wygenerował hasło dla { $name }. Przekaż je teraz tej osobie: jest pokazywane tylko ten jeden raz.
admin-users-password-of = Hasło dla { $name }
admin-column-role = Rola
admin-column-approved = Zatwierdzony
admin-column-disabled = Wyłączony
admin-column-sign-in = Logowanie
admin-column-second-factor = Drugi składnik
admin-sign-in-method = { $method ->
    [local] lokalne
    [ldap] LDAP
    [oidc] OIDC
   *[other] { $method }
}
admin-totp-state = { $state ->
    [off] wyłączony
    [pending] oczekuje
    [active] aktywny
   *[other] { $state }
}
admin-users-approve = Zatwierdź
admin-users-approve-name = Zatwierdź konto { $name }
admin-users-enable = Włącz
admin-users-enable-name = Włącz konto { $name }
admin-users-disable = Wyłącz
admin-users-disable-name = Wyłącz konto { $name }
admin-users-disable-confirm = Wyłączyć konto { $name }? Do ponownego włączenia nie będzie można się na nie zalogować ani używać jego tokenów.
admin-users-role-of = Rola użytkownika { $name }
admin-users-change-role = Zmień rolę
admin-users-change-role-of = Zmień rolę użytkownika { $name }
admin-quotas-title = Limity członków
# Po tekście następuje ścieżka API w nawiasie.
admin-quotas-intro = Ile łącznie mogą zająć podkontenery każdego członka (puste pole: bez limitu) i ile zajmują teraz. To, co administrator utworzy dla członka lub mu przypisze, nie wlicza się do żadnego limitu. Limity na pojedynczej maszynie ustawia się przez API
admin-quotas-no-members = Nie ma jeszcze żadnych członków.
admin-column-member = Członek
admin-column-uses = Wykorzystanie
admin-column-quota = Limit
admin-quotas-default = (limit domyślny)
admin-quota-containers = Kontenery
admin-quota-memory = Pamięć (MiB)
admin-quota-disk = Dysk (MiB)
admin-quota-forwards = Przekierowane porty
admin-quotas-save = Zapisz limit
admin-quotas-save-of = Zapisz limit użytkownika { $name }
admin-users-create-title = Utwórz użytkownika
admin-users-create-intro = Konta utworzone tutaj są od razu zatwierdzone. Zostaw hasło puste, a panel wygeneruje je sam (zostanie pokazane tylko raz).
admin-users-password-hint = (opcjonalne, co najmniej 12 znaków)
admin-users-create = Utwórz użytkownika
# Komunikaty sekcji użytkowników po wysłaniu formularza (admin.rs).
admin-users-forbidden = Brak uprawnień: tylko główny administrator nadaje i odbiera rolę administratora oraz zmienia konta administratorów. Nic nie zostało zmienione.
# $role: rola w brzmieniu admin-role.
admin-user-created = Konto { $name } zostało utworzone ({ $role }) i można się już na nie logować.
admin-user-updated = { $name }: rola { $role }, konto { $standing ->
    [disabled] wyłączone
    [waiting] czeka na zatwierdzenie
   *[enabled] zatwierdzone i włączone
}.
# Tylko jako $name w admin-quota-set, dla konta, którego nie ma już na liście.
admin-user-number = nr { $id }
# $quota: poniższe admin-quota-words-*, rozdzielone przez usage-separator.
admin-quota-set = Limit konta { $name } to teraz: { $quota }.
admin-quota-words-containers = { $count ->
    [one] { $count } kontener
    [few] { $count } kontenery
   *[many] { $count } kontenerów
}
admin-quota-words-no-containers = kontenery bez limitu
admin-quota-words-cpus = { $count ->
    [one] { $count } procesor
    [few] { $count } procesory
   *[many] { $count } procesorów
}
admin-quota-words-no-cpus = procesory bez limitu
admin-quota-words-memory = { $count } MiB pamięci
admin-quota-words-no-memory = pamięć bez limitu
admin-quota-words-disk = { $count } MiB dysku
admin-quota-words-no-disk = dysk bez limitu
admin-quota-words-forwards = { $count ->
    [one] { $count } przekierowany port
    [few] { $count } przekierowane porty
   *[many] { $count } przekierowanych portów
}
admin-quota-words-no-forwards = przekierowane porty bez limitu

## Maszyny (admin_machines_list.html, admin.rs)

admin-machines-none = Nie ma jeszcze żadnych maszyn.
admin-machines-add-first = Dodaj pierwszą poniżej.
admin-column-last-error = Ostatni błąd
admin-column-last-sync = Ostatnia synchronizacja
admin-column-url = URL
admin-machines-key-id = Id klucza
admin-column-fingerprint = Odcisk
admin-machine-status = { $status ->
    [unknown] nieznany
    [online] dostępna
    [unreachable] nieosiągalna
    [fingerprint_mismatch] niezgodny odcisk
    [rejected] klucz odrzucony
    [error] błąd
   *[other] { $status }
}
admin-machines-switching-to = (w trakcie zmiany na { $key })
admin-machines-sync-now = Synchronizuj teraz
admin-machines-sync-name = Synchronizuj maszynę { $name } teraz
admin-machines-rotate-of = Wymień klucz maszyny { $name }
admin-machines-new-key-id = Id nowego klucza
admin-machines-new-secret = Nowy sekret
admin-machines-new-secret-hint = (taki jak w [[keys]] agenta)
admin-machines-rotate = Wymień klucz
admin-machines-add-title = Dodaj maszynę
# Jedno zdanie: przed <code>[[keys]]</code>, po nim, a potem po (<code>smp-agent keygen</code>.
admin-machines-add-intro-before = Najpierw dodaj klucz dla panelu do sekcji
admin-machines-add-intro-middle = {" "}agenta
admin-machines-add-intro-after = generuje sekret).
admin-machines-name-hint = (tak, jak nazywa siebie agent)
admin-machines-agent-url = URL agenta
admin-machines-secret = Sekret
admin-machines-secret-hint = (przechowywany w postaci zaszyfrowanej; nigdy więcej nie zostanie pokazany)
admin-machines-certificate-fingerprint = Odcisk certyfikatu
admin-machines-certificate-fingerprint-hint = (https: wypisuje go smp-agent fingerprint)
admin-machines-trust-on-first-use = Zaufanie przy pierwszym użyciu: pobierz i przypnij certyfikat, który agent przedstawia teraz
admin-machines-add = Dodaj maszynę
admin-machines-head-admin-only = Tylko główny administrator dodaje maszyny, synchronizuje je i wymienia ich klucze.
# Komunikaty sekcji maszyn po wysłaniu formularza (admin.rs).
admin-machines-forbidden = Brak uprawnień: tylko główny administrator dodaje maszyny, synchronizuje je i wymienia ich klucze. Nic nie zostało zmienione.
admin-machine-added = Dodano maszynę { $name }; wkrótce zostanie zsynchronizowana.
admin-machine-added-pinned = Dodano maszynę { $name } z przypiętym certyfikatem { $fingerprint }; wkrótce zostanie zsynchronizowana.
# $added, $updated, $gone, $total: liczby kontenerów.
admin-machine-synced = Zsynchronizowano maszynę { $name }: nowe: { $added }, zaktualizowane: { $updated }, usunięte: { $gone }; łącznie { $total ->
    [one] { $total } kontener
    [few] { $total } kontenery
   *[many] { $total } kontenerów
}.
admin-machine-rotated = Maszyna { $name } używa teraz klucza { $key }.

## Sieci i przekierowania (admin_networks.html, admin.rs)

admin-networks-title = Sieci i przekierowania
admin-networks-intro = Sieci, którymi może zarządzać agent każdej maszyny, tak jak odczytała je ostatnia synchronizacja. Rozbieżności to różnice między przekierowaniami w LXD a przekierowaniami panelu wykryte przez tę synchronizację; po żadnej stronie nic się nie zmieni, dopóki nie podejmiesz działania.
admin-networks-none = Żadna maszyna nie zgłasza jeszcze sieci.
admin-column-network = Sieć
admin-column-subnets = Podsieci
admin-column-forwards-on = Przekierowania na
admin-column-drift = Rozbieżności
admin-networks-public = (publiczna)
admin-networks-forwards-on = { $address }, porty { $ports }
admin-networks-no-forwards = brak przekierowań
admin-forwards = Przekierowania
admin-forwards-none = Żaden port nie jest przekierowany do kontenera.
admin-column-reach = Adres dostępu
admin-column-port = Port
admin-column-asked-by = Zlecone przez

## Dziennik audytu (admin_audit.html, admin_lists.rs)

admin-audit-yours = Mój dziennik audytu
admin-audit-member-intro = Własne działania i działania dotyczące własnych kontenerów; administratorzy widzą wszystkie wpisy.
admin-audit-filter = Filtruj dziennik audytu
admin-audit-who-label = Kto (nazwa użytkownika)
admin-audit-action-label = Działanie (np. container.exec)
admin-audit-object-label = Obiekt (np. container:12)
admin-audit-machine-label = Maszyna (nazwa)
admin-audit-none-match = Żaden wpis nie pasuje.
admin-column-when = Kiedy
admin-column-who = Kto
admin-column-action = Działanie
admin-column-object = Obiekt
admin-column-outcome = Wynik
admin-column-requests = Żądania
admin-audit-outcome = { $outcome ->
    [ok] udane
    [refused] odrzucone
    [failed] nieudane
    [started] rozpoczęte
   *[other] { $outcome }
}
admin-audit-newest = Najnowsze wpisy
admin-audit-older = Starsze wpisy
