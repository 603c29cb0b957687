# Strony SMP po polsku: strona konta, jej strony hasła, tokenów, drugiego składnika i kluczy SSH, rejestracja.
# Słowniczek: zobacz main.ftl.

## Strona konta (account.html; sekcja języka jest w main.ftl)

account-title = Konto
account-role = { $role ->
    [head_admin] główny administrator
    [admin] administrator
    [member] członek
   *[other] { $role }
}
account-your-password = Hasło
account-password-elsewhere = Logujesz się przez { $provider }: hasło jest przechowywane tam, a nie w tym panelu.
account-second-factor = Drugi składnik
account-second-factor-intro = Kod z aplikacji uwierzytelniającej przy każdym logowaniu, oprócz hasła:
account-second-factor-link = ustawienia drugiego składnika
account-ssh-keys = Klucze SSH
account-ssh-intro-before = Klucze publiczne, dzięki którym łączysz się przez
account-ssh-intro-middle = ze swoimi kontenerami za pośrednictwem panelu, oraz blok do pliku
account-ssh-intro-after = korzystający z nich:
account-ssh-keys-link = klucze SSH

## Gdzie loguje się zamiast w panelu: $provider powyżej, w bierniku (crates/panel/src/web/account.rs)

account-signs-in-with-ldap = katalog (LDAP)
account-signs-in-with-oidc = dostawcę OpenID Connect

## Zmiana hasła (account_password.html, crates/panel/src/web/account.rs)

account-password-change-title = Zmiana hasła
account-current-password = Obecne hasło
account-new-password = Nowe hasło
account-password-length-hint = (co najmniej 12 znaków)
account-new-password-again = Powtórz nowe hasło
account-password-change = Zmień hasło
# Małą literą, bez kropki na końcu: strona robi z tego zdanie.
account-passwords-differ = nowe hasła się różnią; wpisz dwa razy to samo hasło
account-password-changed = Hasło zostało zmienione. Pozostałe sesje zostały zakończone ({ $sessions }), a tokeny unieważnione ({ $tokens }).
account-current-password-wrong = Obecne hasło jest błędne; nic nie zostało zmienione.

## Osobiste tokeny dostępu (account_tokens.html, crates/panel/src/web/account.rs)

account-tokens-title = Osobiste tokeny dostępu
account-tokens-intro = Token pozwala skryptowi korzystać z API w twoim imieniu:
account-tokens-read-before = Token o zakresie
account-tokens-read-after = może tylko odczytywać; token o zakresie
account-tokens-write-after = może wszystko, co ty. Każdy token wygasa (po 90 dniach, chyba że wybierzesz inaczej, najpóźniej po roku), a wszystkie są unieważniane przy zmianie hasła.
account-token-scope = { $scope ->
    [write] zapis
   *[read] odczyt
}
account-token-made = Token „{ $name }” został utworzony. Skopiuj go teraz: jest pokazywany tylko ten jeden raz.
account-token-new-label = Nowy token
account-no-tokens = Nie masz żadnych tokenów.
account-column-scope = Zakres
account-column-created = Utworzono
account-column-expires = Wygasa
account-column-last-used = Ostatnie użycie
account-never = nigdy
account-token-revoke-confirm = Unieważnić token „{ $name }”? Skrypty, które go używają, przestaną działać.
account-token-revoke-label = Unieważnij token { $name }
account-token-revoke = Unieważnij
account-token-new = Nowy token
account-token-name-hint = (do czego służy)
account-token-scope-read-option = odczyt: tylko odczytuje
account-token-scope-write-option = zapis: wszystko, co możesz zrobić
account-token-days = Ważność w dniach
account-token-days-hint = (od 1 do 365; puste: 90)
account-token-password-hint = (ponownie, aby utworzyć token)
account-token-no-password = To konto nie ma tutaj hasła: token można utworzyć w ciągu dziesięciu minut od zalogowania się przez dostawcę tożsamości. Jeśli minęło więcej czasu, wyloguj się i zaloguj ponownie.
account-token-create = Utwórz token
# Małą literą, bez kropki na końcu: strona robi z tego zdania.
account-token-days-invalid = ważność w dniach: liczba całkowita od 1 do { $max } albo nic (wtedy { $default })
account-token-scope-invalid = zakres: odczyt lub zapis
account-token-password-wrong = Hasło jest błędne; token nie został utworzony.
account-token-revoked = Token został unieważniony.

## Drugi składnik (account_security.html, account_security_section.html, crates/panel/src/web/security.rs)

account-security-title = Bezpieczeństwo
account-your-account = konto
account-totp-required-for-admins = Ten panel wymaga od administratorów drugiego składnika: dopóki nie włączysz go poniżej, działasz jako członek.
account-totp-title = Drugi składnik (aplikacja uwierzytelniająca)
account-totp-on = Włączony: logowanie wymaga kodu z aplikacji. Pozostałe kody odzyskiwania: { $count }.
account-totp-disable-code = Kod z aplikacji (lub kod odzyskiwania), aby go wyłączyć
account-totp-turn-off = Wyłącz
account-totp-pending = Jeszcze niewłączony: zeskanuj kod aplikacją uwierzytelniającą, a potem wpisz kod, który pokaże.
account-totp-qr-alt = Kod QR do zeskanowania aplikacją uwierzytelniającą
account-totp-secret = Albo wpisz w aplikacji ten klucz:
account-totp-uri = Jego adres:
account-totp-recovery-codes = Kody odzyskiwania
account-totp-recovery-codes-intro = Każdy z nich raz zastępuje kod, jeśli zgubisz telefon. Przechowuj je w bezpiecznym miejscu: są pokazywane tylko teraz.
account-totp-activate-code = Kod z aplikacji
account-totp-turn-on = Włącz
account-totp-off = Wyłączony: logowanie wymaga tylko hasła.
account-totp-enrol-again = Zacznij od nowa z nowym kluczem
account-totp-enrol = Skonfiguruj aplikację uwierzytelniającą
account-totp-turned-on = Drugi składnik jest włączony: od teraz logowanie wymaga kodu.
account-totp-turned-off = Drugi składnik jest wyłączony: logowanie wymaga tylko hasła.
account-totp-code-wrong = Ten kod jest błędny lub został już użyty; nic nie zostało zmienione. Wpisz kod, który aplikacja pokazuje teraz.

## Strona kluczy SSH (account_ssh_keys.html)

account-ssh-config-title = Plik ~/.ssh/config
account-ssh-config-add = Dodaj ten blok do pliku
account-ssh-config-then = na swoim komputerze; wtedy
account-ssh-config-opens = otworzy powłokę w
account-ssh-config-your-container = kontenerze
account-ssh-config-placeholder-before = kontenerze (wpisz jego nazwę zamiast
account-ssh-config-placeholder-after = , w obu miejscach)
account-ssh-config-comma-and = , a
account-ssh-config-and = i
account-ssh-config-reach = również dotrą do niego pod tą nazwą.
account-ssh-config-other = Dla innego kontenera skopiuj blok, wpisując jego nazwę w
account-ssh-config-block-label = Blok do pliku ~/.ssh/config
account-ssh-config-host-key-alias = sprawia, że wszystkie kontenery współdzielą jeden klucz hosta panelu w pliku
account-ssh-host-key-before = Za pierwszym razem
account-ssh-host-key-after = zapyta, czy ufać kluczowi hosta panelu: zaakceptuj go tylko wtedy, gdy pokazuje
account-ssh-not-enabled = SSH nie jest włączone w tym panelu. Nadal możesz tu zarządzać kluczami; zaczną działać, gdy administrator włączy SSH.

## Klucze SSH (account_ssh_keys_list.html, crates/panel/src/web/ssh_keys.rs)

account-ssh-your-keys = Klucze
account-ssh-keys-intro = Klucze publiczne pozwalają łączyć się przez
account-ssh-keys-paste = ze swoimi kontenerami za pośrednictwem panelu. Wklej jedyny wiersz pliku
account-ssh-keys-file = :
account-ssh-keys-best = (najlepszy),
account-ssh-keys-or = {" "}lub
account-ssh-keys-rsa = o długości co najmniej 3072 bitów. Klucz otwiera tylko jedno konto. Utwórz go poleceniem
account-ssh-keys-never-private = ; nigdy nie wklejaj klucza prywatnego (pliku bez
account-ssh-keys-never-private-end = ).
account-no-ssh-keys = Nie masz żadnych kluczy SSH.
account-column-type = Typ
account-column-fingerprint = Odcisk
account-column-added = Dodano
account-ssh-key-imported-title = Importowany od dostawcy tożsamości przy każdym logowaniu: usuń go tam, inaczej wróci
account-ssh-key-imported = importowany
account-ssh-key-delete-confirm = Usunąć klucz SSH „{ $name }”? Od razu przestanie umożliwiać logowanie.
account-ssh-key-delete-label = Usuń klucz SSH { $name }
account-ssh-key-delete = Usuń
account-ssh-key-add-title = Dodaj klucz
account-ssh-key-name-hint = (komputer, na którym się znajduje, od 1 do 64 znaków)
account-ssh-key-public = Klucz publiczny
account-ssh-key-public-hint = (jedyny wiersz pliku
account-ssh-key-public-hint-end = )
account-ssh-key-add = Dodaj klucz
account-ssh-key-added = Klucz „{ $name }” został dodany ({ $fingerprint }).
account-ssh-key-deleted = Klucz został usunięty; nie umożliwia już logowania.

## Rejestracja (signup.html, crates/panel/src/web/account.rs)

account-signup-title = Załóż konto
account-signup-approval = Nowe konta zatwierdza administrator, zanim będzie można się na nie zalogować.
account-signup-password-again = Powtórz hasło
account-signup-create = Załóż konto
account-signup-have-account = Mam już konto: zaloguj się
account-signup-rate-limited = Zbyt wiele prób z twojego adresu. Odczekaj minutę i spróbuj ponownie.

## Oczekiwanie na zatwierdzenie (pending.html)

account-pending-title = Oczekiwanie na zatwierdzenie
account-pending-if-free = Jeśli nazwa
account-pending-made = była wolna, konto zostało utworzone i czeka na zatwierdzenie przez administratora: zalogujesz się jako
account-pending-once-approved = zaraz po jego zatwierdzeniu.
account-pending-if-taken = Jeśli ktoś miał już tę nazwę, konto nie zostało utworzone (ta strona nie może powiedzieć, który przypadek zaszedł, aby nikt nie mógł się dowiedzieć, kto ma tu konto): logowanie zakończy się wtedy błędem, jak przy złym haśle. Zarejestruj się ponownie pod inną nazwą albo poproś o pomoc administratora.
account-pending-to-sign-in = Przejdź do logowania

## Zalogowano (signed_in.html)

account-signed-in-title = Zalogowano
account-signed-in = Logowanie powiodło się.
account-signed-in-continue = Przejdź dalej
account-signed-in-if-stuck = , jeśli strona nie przejdzie dalej sama.
