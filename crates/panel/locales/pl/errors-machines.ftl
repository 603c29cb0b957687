# Odmowy dotyczące maszyn, sieci i przekierowań (app/machines.rs, app/networks.rs) oraz formularzy stron administracyjnych
# (web/admin.rs, web/admin_lists.rs), na stronie w języku czytelnika (API JSON podaje je po angielsku).

## Maszyny: dodawanie, usuwanie, wymiana klucza (app/machines.rs)

error-machines-url-not-a-url = url { $url } nie jest adresem URL: { $reason }
error-machines-url-scheme = url { $url }: schemat { $scheme } nie jest obsługiwany; użyj https://HOST:PORT
error-machines-url-no-host = url { $url } nie zawiera hosta
error-machines-url-plain-http = url { $url }: http:// jest dozwolony tylko dla hosta lokalnego (127.0.0.1, ::1, localhost); użyj https:// i przypnij certyfikat agenta jego odciskiem
error-machines-url-more-than-an-address = url { $url }: podaj tylko schemat, host, port i ścieżkę
error-machines-key-id = key_id { $key_id }: użyj od 1 do 64 liter, cyfr, '-', '_' lub '.'
# $problem: jak w error-containers-name-invalid.
error-machines-name-invalid = name: { error-containers-name-invalid }
error-machines-secret-too-short = secret: ma { $chars ->
    [one] { $chars } znak
    [few] { $chars } znaki
   *[many] { $chars } znaków
}; musi mieć co najmniej { $min } (smp-agent keygen go utworzy)
error-machines-pin-without-https = fingerprint i trust_on_first_use dotyczą tylko adresów URL https://
error-machines-pin-twice = podaj fingerprint albo trust_on_first_use, nie oba naraz
error-machines-certificate-unfetched = nie można pobrać certyfikatu agenta: { $error }
error-machines-pin-missing = agent pod adresem https:// wymaga odcisku certyfikatu (wypisuje go smp-agent fingerprint) albo trust_on_first_use
error-machines-agent-other-name = agent pod adresem { $url } to maszyna { $found } (pole `machine` w jego konfiguracji); dodaj ją pod tą nazwą, bo agent odrzuca tokeny dla każdej innej
error-machines-agent-other-certificate = agent pod adresem { $url } przedstawił certyfikat z innym odciskiem; sprawdź go poleceniem `smp-agent fingerprint` na maszynie
error-machines-delete-owned-containers = { $count ->
    [one] { $count } kontener maszyny { $machine } nadal ma właściciela; najpierw odbierz go właścicielowi
    [few] { $count } kontenery maszyny { $machine } nadal mają właścicieli; najpierw odbierz je właścicielom
   *[many] { $count } kontenerów maszyny { $machine } nadal ma właścicieli; najpierw odbierz je właścicielom
}
error-machines-delete-services = { $count ->
    [one] { $count } usługa działa w kontenerach maszyny { $machine }; najpierw ją usuń
    [few] { $count } usługi działają w kontenerach maszyny { $machine }; najpierw je usuń
   *[many] { $count } usług działa w kontenerach maszyny { $machine }; najpierw je usuń
}
error-machines-rotation-secret-too-short = nowy sekret ma { $chars ->
    [one] { $chars } znak
    [few] { $chars } znaki
   *[many] { $chars } znaków
}; musi mieć co najmniej { $min } (np. `smp-agent keygen`)
error-machines-no-machine = nie ma maszyny o id { $id }
error-machines-rotation-staged-key-changed = przygotowany nowy klucz maszyny { $id } został w międzyczasie zastąpiony przez inną wymianę klucza; nic nie zostało zmienione, spróbuj ponownie
error-machines-rotation-refused-unknown-key = agent maszyny { $machine } odrzucił klucz { $key_id } ({ $agent_code }: { $detail }); najpierw dodaj klucz { $key_name } do [[keys]] agenta i zrestartuj go; panel nadal używa klucza { $current }
error-machines-rotation-refused-other-secret = agent maszyny { $machine } odrzucił klucz { $key_id } ({ $agent_code }: { $detail }); agent ma klucz { $key_id } z innym sekretem: podaj panelowi ten sam sekret, co we wpisie { $key_id } w [[keys]] agenta; panel nadal używa klucza { $current }
error-machines-rotation-unverified = nie można potwierdzić, że agent maszyny { $machine } akceptuje klucz { $key_id }: { $cause }; panel nadal używa klucza { $current }, spróbuj ponownie, gdy agent zacznie odpowiadać

## Stałe adresy i przekierowania (app/networks.rs)

error-machines-network-not-allowed = agentowi maszyny { $machine } nie wolno działać na sieci o nazwie { $name }; sieci, które wymienia: { $networks }
error-machines-network-not-allowed-none-listed = agentowi maszyny { $machine } nie wolno działać na sieci o nazwie { $name }; sieci, które wymienia: brak (na razie: odczyta je synchronizacja)
error-machines-address-outside-subnet = { $ip } jest poza podsiecią { $subnet } sieci { $network }
error-machines-network-no-subnet = sieć { $network } nie ma podsieci { $family }
error-machines-address-has-forwards = kontener { $container } ma przekierowania w sieci { $network }, które prowadzą do jego adresu; najpierw je usuń, potem zmień adres
error-machines-address-taken-unknown = w sieci { $network } maszyny { $machine } ten adres jest już zajęty; nic nie zostało zmienione
error-machines-address-taken = w sieci { $network } maszyny { $machine } adres { $ip } należy do kontenera { $holder }; nic nie zostało zmienione
error-machines-addresses-taken = w sieci { $network } maszyny { $machine } adres { $ip } należy do kontenera { $holder }, a { $ip2 } do kontenera { $holder2 }; nic nie zostało zmienione
error-machines-port-range = porty mają numery od 1 do 65535
error-machines-no-fixed-address = kontener { $container } nie ma stałego adresu, a przekierowanie go wymaga: najpierw poproś administratora o jego nadanie
error-machines-no-address-with-forwards = żaden ze stałych adresów kontenera { $container } nie jest w sieci maszyny { $machine }, która ma przekierowania
error-machines-no-address-with-forwards-on = żaden ze stałych adresów kontenera { $container } nie jest w sieci maszyny { $machine }, która ma przekierowania (podano: { $network })
error-machines-too-many-forwards = kontener może mieć najwyżej { $max ->
    [one] { $max } przekierowanie
    [few] { $max } przekierowania
   *[many] { $max } przekierowań
} w jednej sieci
error-machines-port-outside-range = listen_port { $port } jest poza zakresem { $range } sieci { $network }: pomiń go, aby dostać wolny port
error-machines-port-taken-leave-out = port { $protocol } { $port } maszyny { $machine } jest zajęty; pomiń listen_port, aby dostać wolny port
error-machines-ports-all-taken = wszystkie porty { $protocol } z zakresu { $range } maszyny { $machine } są zajęte; poproś administratora
error-machines-port-taken = port { $protocol } { $port } maszyny { $machine } jest zajęty

## Formularze stron administracyjnych (web/admin.rs, web/admin_lists.rs)

error-machines-admin-needs-totp = włącz drugi składnik, aby działać jako administrator
error-machines-quota-containers = kontenery: podaj liczbę całkowitą albo zostaw pole puste (bez limitu)
error-machines-quota-cpus = procesory: podaj liczbę całkowitą albo zostaw pole puste (bez limitu)
error-machines-quota-memory = pamięć: podaj liczbę całkowitą albo zostaw pole puste (bez limitu)
error-machines-quota-disk = dysk: podaj liczbę całkowitą albo zostaw pole puste (bez limitu)
error-machines-quota-forwards = przekierowane porty: podaj liczbę całkowitą albo zostaw pole puste (bez limitu)
error-machines-parent-not-an-id = kontener nadrzędny: podaj id kontenera (liczbę) albo zostaw pole puste (brak)
