# Strony SMP po polsku: układ strony, logowanie, pulpit, daty i liczby.
#
# Słowniczek (to samo słowo wszędzie, w każdym pliku tego języka):
#   kontener             systemowy kontener LXD członka (nigdy „instancja” ani „maszyna wirtualna”)
#   podkontener          kontener, który członek utworzył we własnym drzewie, w ramach swojego limitu
#   usługa               jednostka systemd w kontenerze, którą jej właściciel może uruchomić, zatrzymać i zrestartować
#   limit                ile kontenerów, ile pamięci i dysku może użyć członek (zawsze „limit”, nie „przydział”)
#   maszyna              host, na którym działa LXD i agent
#   właściciel           członek, do którego należy kontener lub usługa
#   administrator, główny administrator, członek, właściciel usługi: role
#
# Klucz, którego brakuje tutaj albo w en/ lub fr/, powoduje błąd `cargo test`.

## Daty i liczby (crates/panel/src/web/i18n.rs)

date-month = { $month ->
    [1] sty
    [2] lut
    [3] mar
    [4] kwi
    [5] maj
    [6] cze
    [7] lip
    [8] sie
    [9] wrz
    [10] paź
    [11] lis
   *[12] gru
}
date-time = { $day } { $month } { $year }, { $time } UTC
number-group-separator = {"\u00A0"}
number-grouping-from = 5

## Układ strony (base.html)

nav-main = Menu główne
nav-dashboard = Pulpit
nav-account = Konto
nav-all-containers = Wszystkie kontenery
nav-users = Użytkownicy
nav-machines = Maszyny
nav-networks = Sieci
nav-audit = Dziennik audytu
sign-out = Wyloguj się
language-switcher = Język

## Logowanie (login.html)

sign-in-title = Zaloguj się
sign-in-code-label = Kod z aplikacji uwierzytelniającej
sign-in-code-hint = (lub jeden z kodów odzyskiwania)
sign-in-start-again = Zacznij od nowa
sign-in-username = Nazwa użytkownika
sign-in-password = Hasło
sign-in-or = lub
sign-in-with-provider = Zaloguj się przez { $provider }
sign-in-new-here = Pierwszy raz tutaj?
sign-in-create-account = Załóż konto
sign-in-approved-by-admin = , które zatwierdzi administrator.

## Odmowa logowania (web/pages.rs)

login-refused-credentials = Nieprawidłowa nazwa użytkownika lub hasło.
login-refused-rate-limited = Zbyt wiele prób logowania z Twojego adresu lub na tę nazwę użytkownika. Odczekaj minutę i spróbuj ponownie.
login-refused-approval-pending = Twoje konto czeka na zatwierdzenie przez administratora. Zalogujesz się, gdy je zatwierdzi.
login-refused-disabled = To konto jest wyłączone. Zapytaj administratora, jeśli to pomyłka.
login-refused-directory-unavailable = Katalog logowania (LDAP) jest teraz nieosiągalny. Spróbuj ponownie za kilka minut.
login-refused-forbidden = Twoje konto nie może się tu zalogować: { $why }.
login-refused-code-wrong = Ten kod jest nieprawidłowy albo został już użyty. Wpisz kod, który aplikacja pokazuje teraz, albo kod zapasowy.
login-refused-expired = To logowanie wygasło albo wymaga teraz kodu. Wpisz ponownie hasło.

## Pulpit (dashboard.html)

dashboard-my-containers = Moje kontenery
dashboard-my-services = Moje usługi
dashboard-my-containers-and-services = Moje kontenery i usługi
dashboard-no-containers = Nie masz jeszcze kontenerów — poproś administratora.
dashboard-new-container = Nowy kontener
dashboard-within-quota = (w ramach limitu)
dashboard-your-containers = Kontenery
dashboard-your-services = Usługi
dashboard-services-only = Nie masz żadnych kontenerów. Oto usługi, którymi się opiekujesz: możesz je uruchamiać, zatrzymywać i restartować oraz czytać ich dzienniki.
containers-count = { $count ->
    [one] { $count } kontener
    [few] { $count } kontenery
   *[many] { $count } kontenerów
}
column-name = Nazwa
column-machine = Maszyna
column-status = Stan
column-addresses = Adresy
column-last-seen = Ostatni kontakt
column-container = Kontener
column-owner = Właściciel
column-participants = Uczestnicy
column-started = Początek
column-terminal = Terminal
container-status = { $status ->
    [running] uruchomiony
    [stopped] zatrzymany
    [frozen] zamrożony
    [error] błąd
    [gone] usunięty
    [creating] tworzony
    [failed] nieudany
    [starting] uruchamiany
    [stopping] zatrzymywany
    [unknown] nieznany
   *[other] { $status }
}
shared-terminals = Współdzielone terminale
shared-terminals-intro = Sesje terminala udostępnione przez innych oraz te, które udostępniasz.
shared-terminal-open = Otwórz sesję w kontenerze { $container }
shared-terminal-join = Dołącz do sesji w kontenerze { $container }

## Strona konta (account.html, account_language.html)

account-language = Język
account-language-label = Język stron
account-language-browser = Język przeglądarki
account-language-save = Zapisz
