# Sekcja Migawki na stronie kontenera (templates/container_snapshots.html, web/snapshots.rs).
# Słowniczek: migawka (snapshot), harmonogram (schedule), przywrócić (restore).

snapshots-heading = Migawki
snapshots-loading = Odczytywanie migawek…
snapshots-not-fresh = Jego maszyna jest teraz nieosiągalna: to migawki w stanie z ostatniego odczytu.
snapshots-none = Nie ma jeszcze migawek. Zrób jedną przed aktualizacją: będzie można do niej wrócić.
snapshots-taken-at = Wykonana
snapshots-size = Rozmiar
snapshots-size-unknown = nieznany
snapshots-by-schedule = (z harmonogramu)
snapshots-restore = Przywróć…
snapshots-restore-warning = Przywrócenie { $name } do { $snapshot } cofa go do stanu z { $when }: wszystko, co się w nim od tego czasu zmieniło, przepadnie. Jeśli działa, zostanie zatrzymany i uruchomiony ponownie. Migawka zostaje.
snapshots-restore-confirm = Przywróć { $snapshot }
snapshots-delete = Usuń
snapshots-delete-confirm = Usunąć migawkę { $snapshot }? Potem nie da się już z niej nic przywrócić.
snapshots-deleted = Migawka { $snapshot } usunięta.
snapshots-name = Nazwa nowej migawki
snapshots-take = Zrób migawkę
snapshots-schedule = Harmonogram
snapshots-schedule-hint = LXD je wykonuje i usuwa każdą, gdy ma ich dość; to, co zachowuje, liczy się do twojego limitu.
snapshots-period = Jak często
snapshots-period-none = nigdy
snapshots-period-hourly = co godzinę
snapshots-period-daily = codziennie
snapshots-period-weekly = co tydzień
snapshots-keep = Ile zachować
snapshots-save-schedule = Zapisz harmonogram
snapshots-schedule-set = Migawki { $period }, zachowywanych: { $keep }.
snapshots-schedule-removed = Koniec migawek z harmonogramu.
job-snapshot-take = Wykonywanie migawki { $snapshot } kontenera { $name }
job-snapshot-taken = Migawka { $snapshot } kontenera { $name } wykonana.
job-snapshot-restore = Przywracanie { $name } do { $snapshot }
job-snapshot-restored = { $name } wrócił do { $snapshot }.

## Formularz limitów administratorów (admin_users_list.html, web/admin.rs)
admin-quota-snapshots = Migawki
admin-quota-words-snapshots = { $count ->
    [one] { $count } migawka
    [few] { $count } migawki
   *[many] { $count } migawek
}
admin-quota-words-no-snapshots = bez limitu migawek
