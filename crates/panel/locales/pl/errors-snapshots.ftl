# Odmowy dotyczące migawek i ich harmonogramu (app/snapshots.rs, web/snapshots.rs).

error-snapshots-name-scheduled = { $name } to nazwa, jaką harmonogram nadaje swoim migawkom (auto- i liczba): wybierz inną
error-snapshots-name-taken = { $container } ma już migawkę o nazwie { $name }
error-snapshots-keep-range = liczba zachowywanych migawek musi być liczbą całkowitą od 1 do { $max }
error-snapshots-period = harmonogram to: co godzinę, codziennie, co tydzień albo brak
error-snapshots-key-by-schedule = ustaw { $key } przez harmonogram migawek (PUT /api/v1/containers/{"{"}id{"}"}/snapshots/schedule): to, co zachowuje, liczy się do twojego limitu
error-quota-snapshots = twój limit to { $limit } { $limit ->
    [one] migawka
    [few] migawki
   *[many] migawek
}; masz ich { $used } (harmonogram liczy te, które zachowuje), a to żądanie dodaje { $asked }: usuń jedną albo poproś administratora o więcej
error-quota-snapshots-on-machine = twój limit na maszynie { $machine } to { $limit } { $limit ->
    [one] migawka
    [few] migawki
   *[many] migawek
}; masz ich tam { $used } (harmonogram liczy te, które zachowuje), a to żądanie dodaje { $asked }: usuń jedną albo poproś administratora o więcej
error-snapshots-quota-field = migawki: podaj liczbę całkowitą albo zostaw pole puste (bez limitu)
error-snapshots-name-invalid = nieprawidłowa nazwa migawki: { $problem ->
    [length] nieprawidłowa długość
    [first] musi zaczynać się od litery
    [last] nie może kończyć się znakiem '-'
   *[character] zawiera znak inny niż litera, cyfra lub '-'
} (od 1 do 63 znaków: litery, cyfry i '-', na początku litera, bez '-' na końcu)
