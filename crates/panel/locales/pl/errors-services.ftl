# Odmowy dotyczące usług, sesji terminala, bramy SSH, logowania przez OpenID Connect i LDAP oraz dziennika audytu
# (crates/panel/src/app/), na stronie w języku czytelnika (API JSON podaje je po angielsku).

## Usługi (app/services.rs)

error-services-description-invalid = opis: najwyżej { $max } znaków, bez znaków sterujących
error-services-no-such-unit = kontener { $container } nie ma jednostki { $unit }
error-services-owner-unknown = właściciel: nie ma użytkownika o nazwie { $name }
error-services-owner-not-allowed = właściciel: podaj zatwierdzonego członka tego panelu; tej nazwy nie można podać jako właściciela usługi
error-services-duplicate = kontener { $container } ma już usługę { $unit }
error-services-patch-empty = podaj „owner” (nazwę użytkownika lub null) i/lub „description”
# $problem: not-a-service (wtedy $suffix: rodzaj jednostki, .socket), length, first, several-ats albo character.
error-services-unit-invalid = nieprawidłowa nazwa jednostki: { $problem ->
    [not-a-service] panel zarządza tylko usługami, nie jednostkami { $suffix }
    [length] nieprawidłowa długość
    [first] nie może zaczynać się od '-', '.' ani '@'
    [several-ats] zawiera więcej niż jeden znak '@'
   *[character] zawiera znak, na który systemd nie pozwala
} (nazwy jednostek systemd składają się z liter, cyfr, ':', '_', '.', '-', '\' i jednego '@')

## Sesje terminala (app/terminals, ws/mod.rs)

error-services-terminal-sessions-full = { $count ->
    [one] masz już otwartą { $count } sesję terminala, tyle, na ile pozwala panel; zakończ ją na stronie jej kontenera
    [few] masz już otwarte { $count } sesje terminala, tyle, na ile pozwala panel; zakończ jedną z nich na stronie jej kontenera
   *[many] masz już otwartych { $count } sesji terminala, tyle, na ile pozwala panel; zakończ jedną z nich na stronie jej kontenera
}
error-services-ticket-invalid = bilet jest nieznany, został już użyty albo wygasł; poproś o nowy
error-services-ticket-too-many = za dużo niewykorzystanych biletów terminala; użyj tych, o które już poproszono, albo poczekaj, aż wygasną
error-services-terminal-not-yours = żadna z Twoich otwartych sesji terminala nie ma tego identyfikatora
error-services-invite-nobody = nie ma członka o nazwie { $name }, którego można zaprosić
error-services-invite-owner = ta sesja już należy do Ciebie
error-services-session-full = { $max ->
    [one] sesja może mieć najwyżej { $max } uczestnika, wliczając jej właściciela
   *[other] sesja może mieć najwyżej { $max } uczestników, wliczając jej właściciela
}
error-services-session-filled-up = sesja zapełniła się w międzyczasie
error-services-not-a-participant = { $name } nie uczestniczy w tej sesji
error-services-session-owner-only = tylko właściciel sesji decyduje, kto w niej uczestniczy
error-services-session-not-shared = ten terminal nie jest współdzielony; rozpocznij współdzieloną sesję
error-services-session-ended = ta sesja terminala została zakończona; otwórz nową
error-services-websocket-expected = otwórz tę ścieżkę jako WebSocket: { $detail }

## Brama SSH (app/ssh.rs)

error-services-ssh-not-a-container = polecenia i przekierowania portów trafiają do kontenera, nie do tego celu
error-services-ssh-too-many-attempts = zbyt wiele prób z tego adresu
error-services-ssh-no-key = brak klucza profilu dla tego celu

## Logowanie przez OpenID Connect (app/oidc.rs); to, co powiedział sam dostawca, jest pokazywane bez zmian

error-services-oidc-unavailable = dostawca tożsamości { $provider } jest teraz nieosiągalny; spróbuj ponownie za kilka minut
error-services-oidc-too-many-attempts = zbyt wiele prób logowania; odczekaj minutę
error-services-oidc-too-many-pending = trwa zbyt wiele logowań; odczekaj kilka minut
error-services-oidc-other-browser = logowanie przez { $provider } nie powiodło się: nie zostało rozpoczęte w tej przeglądarce; zacznij od nowa na stronie logowania
error-services-oidc-expired = logowanie przez { $provider } nie powiodło się: wygasło albo zostało już użyte; zacznij od nowa na stronie logowania
error-services-oidc-other-provider = logowanie przez { $provider } nie powiodło się: odpowiedź przyszła od innego dostawcy
error-services-oidc-no-code = logowanie przez { $provider } nie powiodło się: dostawca nie przesłał kodu autoryzacji
error-services-oidc-code-refused = logowanie przez { $provider } nie powiodło się: dostawca odrzucił kod autoryzacji (już użyty albo zbyt stary); zacznij od nowa
error-services-oidc-not-understood = logowanie przez { $provider } nie powiodło się: odpowiedź dostawcy jest niezrozumiała
error-services-oidc-no-id-token = logowanie przez { $provider } nie powiodło się: dostawca nie przesłał tokenu tożsamości (ID token)
error-services-oidc-id-token-check = logowanie przez { $provider } nie powiodło się: token tożsamości od dostawcy nie przeszedł kontroli

## Logowanie przez katalog LDAP (app/ldap.rs)

error-services-ldap-unavailable = katalog logowania (LDAP) jest teraz nieosiągalny; spróbuj ponownie za kilka minut
error-services-ldap-credentials = nieznana nazwa użytkownika lub błędne hasło
error-services-ldap-no-group = konto w katalogu nie należy do żadnej grupy, która może korzystać z tego panelu; zapytaj administratora katalogu

## Dziennik audytu (app/audit.rs)

error-services-audit-limit = parametr limit musi mieć wartość od 1 do { $max }
