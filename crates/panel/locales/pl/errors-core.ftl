# Odmowy i błędy, które zgłaszają przypadki użycia (crates/panel/src/error.rs),
# na stronie w języku czytelnika (API JSON podaje je po angielsku).
# Każdy zaczyna się małą literą, bez kropki na końcu: strona robi z niego zdanie.

error-database-unavailable = baza danych panelu jest teraz nieosiągalna; nic nie zostało zrobione; spróbuj ponownie za minutę
error-username-taken = użytkownik o nazwie { $name } już istnieje
error-machine-name-taken = maszyna o nazwie { $name } już istnieje

## Agent maszyny lub jej LXD

error-agent-unreachable = maszyna { $machine } jest teraz nieosiągalna; spróbuj ponownie za minutę, a jeśli to potrwa, powiadom administratora
error-agent-answer-lost = maszyna { $machine } przestała odpowiadać w trakcie akcji, która mogła zostać wykonana; panel odczyta jej wynik z LXD: sprawdź stan za chwilę
error-agent-fingerprint = maszyna { $machine } przedstawiła certyfikat, któremu panel nie ufa; nic nie zostało zrobione; administrator musi sprawdzić maszynę
error-agent-busy = maszyna { $machine } ma już tyle sesji, ile pozwala; nic nie zostało zrobione; spróbuj ponownie, gdy któraś się zakończy
error-agent-credentials = maszyna { $machine } odrzuciła dane uwierzytelniające panelu; nic nie zostało zrobione; administrator musi sprawdzić klucz maszyny
error-agent-instance-changed = kontener o tej nazwie na maszynie { $machine } został usunięty i utworzony ponownie, odkąd panel go widział; nic nie zostało zrobione; lista wkrótce pokaże nowy
error-agent-container-gone = kontenera nie ma już na maszynie { $machine }; lista wkrótce pokaże go jako usunięty
error-agent-lxd-unavailable = LXD na maszynie { $machine } nie odpowiada; spróbuj ponownie za minutę, a jeśli to potrwa, powiadom administratora
error-agent-lxd-timeout = LXD na maszynie { $machine } nie skończył na czas; akcja może jeszcze się zakończyć: sprawdź stan za chwilę
error-agent-lxd-failed = LXD na maszynie { $machine } zgłosił błąd: { $detail }
error-agent-bad-answer = maszyna { $machine } odpowiedziała czymś, czego panel nie rozumie (czy wersje panelu i agenta są zgodne?)
