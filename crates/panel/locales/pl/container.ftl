# Strony SMP po polsku: strona kontenera i strona tworzenia nowego kontenera.
# Słowniczek: zobacz main.ftl.

## Wspólne dla stron kontenera i usługi (macros.html)

actions = Akcje
action-start = Uruchom
action-restart = Zrestartuj
action-stop = Zatrzymaj
column-limits = Limity
unit-mib = (MiB)

## Strona kontenera (container.html)

container-on-machine = na maszynie { $machine }
container-force-restart = Wymuś restart
container-force-restart-confirm = Wymusić restart kontenera { $name }? Jego procesy zostaną zabite bez prawidłowego zamknięcia systemu.
container-force-stop = Wymuś zatrzymanie
container-force-stop-confirm = Wymusić wyłączenie kontenera { $name }? Jego procesy zostaną zabite bez prawidłowego zamknięcia systemu.
container-terminal-intro = Powłoka w kontenerze { $name } w przeglądarce albo jego konsola tekstowa. Członkowie, których zaprosisz do współdzielonej sesji, mogą ją oglądać lub w niej pisać.
container-open-terminal = Otwórz terminal
container-open-console = Otwórz konsolę
container-start-shared = Rozpocznij współdzieloną sesję
container-reach = Jak się z nim połączyć
container-no-fixed-address = Brak stałego adresu: kontener dostaje adres, który przydzieli mu DHCP. Stały adres nadaje administrator; jest on potrzebny do przekierowania portu.
container-fixed-address = Stały adres w sieci { $address }
container-sub-containers = Podkontenery
container-no-sub-containers = Brak podkontenerów.
sub-containers-count = { $count ->
    [one] { $count } podkontener
    [few] { $count } podkontenery
   *[many] { $count } podkontenerów
}
container-add-sub-container = Dodaj podkontener

## Strona nowego kontenera (container_new.html, container_new_form.html)

new-container-your-quota = Twój limit: { $usage }.
new-container-no-quota = Nie pozwala on jeszcze na utworzenie żadnego kontenera — poproś administratora o limit.
new-container-admin = Jesteś administratorem: to, co tworzysz, nie wlicza się do żadnego limitu, a kontener możesz utworzyć dla dowolnego użytkownika, z dowolnymi profilami i konfiguracją.
new-container-name-hint = (od 1 do 63 znaków: litery, cyfry i -, na początku litera)
new-container-parent = Należy do
new-container-parent-hint = (jego kontener nadrzędny; automatyczne rozmieszczenie wybiera wtedy maszynę kontenera nadrzędnego)
new-container-image = Obraz
new-container-image-hint = (alias obrazu na maszynie)
new-container-asking-images = Odpytywanie maszyn o dostępne obrazy…
new-container-limits-hint = (puste: wartość domyślna panelu)
new-container-cpus = Procesory
new-container-memory = Pamięć
new-container-disk = Dysk
new-container-autostart = Uruchamiaj razem z maszyną (autostart)
new-container-for-admins = Dla administratorów
new-container-owner-hint = (nazwa użytkownika; puste: twoje konto)
new-container-profiles = Profile
new-container-profiles-hint = (rozdzielone przecinkami; puste: profil default)
new-container-config = Konfiguracja
new-container-config-hint = (klucz=wartość, po jednym w wierszu)
new-container-create = Utwórz kontener

## Limit członka i jego wykorzystanie (formularz nowego kontenera, strona użytkowników)

usage-separator = {", "}
usage-containers-of = { $used } z { $limit } { $count ->
    [one] kontenera
    [few] kontenerów
   *[many] kontenerów
}
usage-containers-unlimited = { $used } { $count ->
    [one] kontener
    [few] kontenery
   *[many] kontenerów
} (bez limitu)
usage-cpus-of = { $used } z { $limit } { $count ->
    [one] procesora
    [few] procesorów
   *[many] procesorów
}
usage-cpus-unlimited = { $used } { $count ->
    [one] procesor
    [few] procesory
   *[many] procesorów
} (bez limitu)
usage-memory-of = { $used } z { $limit } MiB pamięci
usage-memory-unlimited = { $used } MiB pamięci (bez limitu)
usage-disk-of = { $used } z { $limit } MiB dysku
usage-disk-unlimited = { $used } MiB dysku (bez limitu)
usage-forwards-of = { $used } z { $limit } { $count ->
    [one] przekierowanego portu
    [few] przekierowanych portów
   *[many] przekierowanych portów
}
usage-forwards-unlimited = { $used } { $count ->
    [one] przekierowany port
    [few] przekierowane porty
   *[many] przekierowanych portów
} (bez limitu)

## Komunikaty formularza nowego kontenera i sekcji Zarządzaj (web/provisioning.rs)

provisioning-no-machine = Nie ma jeszcze żadnej maszyny.
provisioning-no-image = Nie udało się pobrać listy obrazów; wpisz alias obrazu.
provisioning-images-offered = Dostępne obrazy: { $images }.
provisioning-images-not-listed = Nie udało się pobrać listy z { $machines }
container-autostart-on = Uruchamia się razem z maszyną (autostart).
container-autostart-off = Nie uruchamia się razem z maszyną (autostart).
container-delete-children-first = Najpierw usuń jego podkontenery: { $why }
