# Odmowy logowania, konta, jego hasła, drugiego składnika, tokenów i kluczy SSH
# (crates/panel/src/app/), na stronie w języku czytelnika (API JSON podaje je po angielsku).

## Logowanie i wylogowanie (sessions.rs)

error-account-invalid-credentials = nieznana nazwa użytkownika lub błędne hasło
error-account-too-many-sign-ins = zbyt wiele logowań naraz; odczekaj minutę
error-account-code-asked = hasło jest poprawne; w następnym kroku potrzebny jest kod
error-account-sign-in-expired = to logowanie wygasło; wpisz hasło ponownie
error-account-too-many-logins = zbyt wiele prób logowania; odczekaj minutę
error-account-disabled = to konto jest wyłączone
error-account-approval-pending = to konto czeka na zatwierdzenie przez administratora
error-account-token-no-session = token nie ma sesji do zakończenia; unieważnij go przez DELETE /api/v1/tokens/{"{"}id{"}"}

## Hasło (password.rs)

error-account-too-many-wrong-passwords = ostatnio wpisano zbyt wiele błędnych haseł; odczekaj kwadrans i spróbuj ponownie
error-account-ldap-gone = to konto pochodzi z LDAP, a ten panel nie ma już sekcji [ldap]
error-account-sign-in-again-with = to konto nie ma tutaj hasła: wyloguj się, zaloguj ponownie przez { $provider }, a potem utwórz token w ciągu { $minutes } min
error-account-sign-in-again = to konto nie ma tutaj hasła: wyloguj się, zaloguj ponownie przez dostawcę tożsamości, a potem utwórz token w ciągu { $minutes } min
error-account-wrong-password = hasło jest błędne; nic nie zostało zmienione
error-account-changed-meanwhile = w trakcie tego żądania zmieniono hasło, wyłączono konto lub zakończyła się sesja; nic nie zostało zrobione; zaloguj się ponownie
error-account-password-in-ldap = to konto loguje się przez katalog (LDAP): zmień hasło tam, a nie w panelu
error-account-password-in-oidc = to konto loguje się przez dostawcę OpenID Connect i nie ma tutaj hasła
error-account-password-too-short = hasło jest za krótkie: minimalna liczba znaków to { $min }
error-account-password-too-long = hasło jest za długie: maksymalna liczba znaków to { $max }

## Drugi składnik (totp.rs)

error-account-totp-wrong-code = kod jest błędny, został już użyty albo jest za stary; wpisz kod, który aplikacja pokazuje teraz
error-account-totp-too-many-attempts = zbyt wiele prób; odczekaj minutę
error-account-totp-session-required = drugim składnikiem zarządza się z sesji przeglądarki po zalogowaniu, nie tokenem
error-account-totp-active = drugi składnik jest już włączony; najpierw wyłącz go kodem (DELETE /api/v1/me/totp)
error-account-totp-nothing-to-confirm = nie ma czego potwierdzać: najpierw rozpocznij konfigurację (POST /api/v1/me/totp)
error-account-totp-not-enrolled = drugi składnik nie jest skonfigurowany
error-account-totp-code-required = to konto ma drugi składnik: wyślij kod z aplikacji uwierzytelniającej jako „totp” (albo „recovery_code”)

## Konta i rejestracja (users.rs)

error-account-username-empty = username: nazwa użytkownika nie może być pusta
error-account-username-too-long = username: nazwa użytkownika może mieć do { $max } znaków
error-account-username-bad-start = username: nazwa użytkownika zaczyna się od małej litery (a-z)
error-account-username-bad-character = username: nazwa użytkownika może zawierać tylko małe litery, cyfry, '_', '.' i '-'; znak { $character } jest niedozwolony
error-account-new-password-too-short = password: hasło jest za krótkie: minimalna liczba znaków to { $min }
error-account-new-password-too-long = password: hasło jest za długie: maksymalna liczba znaków to { $max }
error-account-own-account = nie możesz wyłączyć własnego konta, cofnąć jego zatwierdzenia ani zmienić jego roli; poproś o to innego administratora
error-account-signup-rate-limited = zbyt wiele prób z twojego adresu; odczekaj minutę
error-account-signup-passwords-differ = hasła się różnią; wpisz dwa razy to samo hasło

## Klucze SSH (ssh_keys.rs)

error-account-ssh-key-name = name: od 1 do { $max } znaków (np. komputer, na którym jest klucz), bez znaków sterujących
error-account-ssh-key-yours = ten klucz jest już w twoim profilu jako { $name }
error-account-ssh-key-elsewhere = ten klucz jest już w profilu innego konta, a jeden klucz otwiera tylko jedno konto; utwórz inny klucz dla tego konta (`ssh-keygen -t ed25519 -f ~/.ssh/id_smp`)
error-account-ssh-key-session-required = klucze SSH dodaje się z sesji przeglądarki po zalogowaniu (strona konta albo POST /api/v1/me/ssh-keys z ciasteczkiem sesji), nie tokenem
error-account-ssh-key-limit = masz już tyle kluczy SSH, ile może mieć jedno konto ({ $max }); najpierw usuń klucz, którego już nie używasz
error-account-ssh-key-empty = klucz publiczny jest pusty; wklej jedyny wiersz pliku .pub (np. ~/.ssh/id_ed25519.pub)
error-account-ssh-key-private = to jest klucz prywatny; wklej plik .pub (np. ~/.ssh/id_ed25519.pub), a klucz prywatny zachowaj dla siebie
error-account-ssh-key-rfc4716 = to jest klucz publiczny SSH2 (RFC 4716); zamień go na wiersz OpenSSH poleceniem `ssh-keygen -i -f KEY.pub` i wklej wynik
error-account-ssh-key-several-lines = wklej jeden klucz w jednym wierszu, np. `ssh-ed25519 AAAAC3Nz… you@laptop`; kilka kluczy dodawaj po kolei
error-account-ssh-key-certificate = to jest certyfikat SSH; wklej zwykły klucz publiczny (plik .pub bez -cert)
error-account-ssh-key-security-key = klucze bezpieczeństwa (sk-…) nie są jeszcze akceptowane; użyj klucza ed25519 (`ssh-keygen -t ed25519`), ecdsa lub rsa o długości co najmniej 3072 bitów
error-account-ssh-key-dsa = klucze DSA (ssh-dss) nie są akceptowane: są słabe, a samo OpenSSH z nich zrezygnowało; utwórz klucz poleceniem `ssh-keygen -t ed25519`
error-account-ssh-key-rsa-too-short = ten klucz RSA jest { $bits }-bitowy; klucze RSA muszą mieć długość co najmniej 3072 bitów (`ssh-keygen -t rsa -b 3072`, a lepiej `ssh-keygen -t ed25519`)
error-account-ssh-key-rsa-too-long = ten klucz RSA jest { $bits }-bitowy; akceptowane są klucze o długości najwyżej 16384 bitów
error-account-ssh-key-unsupported = klucze { $kind } nie są akceptowane; użyj ssh-ed25519, ecdsa-sha2-nistp256/384/521 lub ssh-rsa (o długości co najmniej 3072 bitów)
error-account-ssh-key-malformed = to nie jest klucz publiczny OpenSSH: wklej jedyny wiersz pliku .pub, `TYPE BASE64 [COMMENT]`, np. `ssh-ed25519 AAAAC3Nz… you@laptop`

## Osobiste tokeny dostępu (tokens.rs)

error-account-token-name = name: od 1 do { $max } znaków
error-account-token-days = expires_in_days: od 1 do { $max }
error-account-token-session-required = tokeny tworzy się z sesji przeglądarki po zalogowaniu (strona konta albo POST /api/v1/tokens z ciasteczkiem sesji), nie tokenem

## Co może zrobić (current_user.rs) i jej język (web/account.rs)

error-account-too-many-actions = masz już tyle akcji w toku na maszynach, ile pozwala panel; nic nie zostało zrobione; spróbuj ponownie, gdy któraś się zakończy
error-account-not-allowed = nie masz uprawnień, by to zrobić
error-account-no-such-language = nie ma tu języka { $code }; wybierz jeden z listy
