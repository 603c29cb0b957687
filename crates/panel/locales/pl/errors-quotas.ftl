# Żądanie, które nie mieści się w limicie członka (db/quotas.rs `Exceeded`,
# podawane przez app/quotas.rs): w jego limicie ogólnym albo na jednej maszynie.

error-quota-containers = twój limit to { $limit } { $limit ->
    [one] kontener
    [few] kontenery
   *[many] kontenerów
}; twoje podkontenery zajmują już { $used }, a to żądanie dodaje { $asked }
error-quota-containers-on-machine = twój limit na maszynie { $machine } to { $limit } { $limit ->
    [one] kontener
    [few] kontenery
   *[many] kontenerów
}; twoje podkontenery zajmują już { $used }, a to żądanie dodaje { $asked }
error-quota-cpu = twój limit to { $limit } CPU; twoje podkontenery zajmują już { $used }, a to żądanie dodaje { $asked }
error-quota-cpu-on-machine = twój limit na maszynie { $machine } to { $limit } CPU; twoje podkontenery zajmują już { $used }, a to żądanie dodaje { $asked }
error-quota-memory = twój limit pamięci to { $limit } MiB; twoje podkontenery zajmują już { $used } MiB, a to żądanie dodaje { $asked } MiB
error-quota-memory-on-machine = twój limit pamięci na maszynie { $machine } to { $limit } MiB; twoje podkontenery zajmują już { $used } MiB, a to żądanie dodaje { $asked } MiB
error-quota-disk = twój limit dysku to { $limit } MiB; twoje podkontenery zajmują już { $used } MiB, a to żądanie dodaje { $asked } MiB
error-quota-disk-on-machine = twój limit dysku na maszynie { $machine } to { $limit } MiB; twoje podkontenery zajmują już { $used } MiB, a to żądanie dodaje { $asked } MiB
error-quota-forwards = twój limit to { $limit } { $limit ->
    [one] przekierowany port
    [few] przekierowane porty
   *[many] przekierowanych portów
}; masz ich { $used }: usuń jeden albo poproś administratora o więcej
error-quota-forwards-on-machine = twój limit na maszynie { $machine } to { $limit } { $limit ->
    [one] przekierowany port
    [few] przekierowane porty
   *[many] przekierowanych portów
}; masz ich { $used }: usuń jeden albo poproś administratora o więcej

# Pole limitu mniejsze od zera (db/quotas.rs `NegativeQuota`); $field: containers, cpu, memory_mb, disk_mb albo forwards;
# strona nazywa pole tak jak formularz.
error-quota-below-zero = { $field ->
    [containers] kontenery
    [cpu] procesory
    [memory_mb] pamięć
    [disk_mb] dysk
   *[forwards] przekierowane porty
}: podaj liczbę całkowitą nie mniejszą niż 0 albo zostaw pole puste (bez limitu)
