//! The diesel schema of every table, written by hand to hold only the SQL
//! types both backends share (BigInt, Text, Bool, Binary, Nullable); the
//! migrations under `migrations/{sqlite,postgresql}/` create exactly this.

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        approved -> Bool,
        disabled -> Bool,
        created_at -> BigInt,
        auth_method -> Text,
        external_id -> Nullable<Text>,
        directory_disabled -> Bool,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    personal_access_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
        last_used_at -> Nullable<BigInt>,
        scope -> Text,
    }
}

diesel::table! {
    machines (id) {
        id -> BigInt,
        name -> Text,
        url -> Text,
        key_id -> Text,
        secret_ciphertext -> Binary,
        secret_nonce -> Binary,
        next_key_id -> Nullable<Text>,
        next_secret_ciphertext -> Nullable<Binary>,
        next_secret_nonce -> Nullable<Binary>,
        fingerprint -> Nullable<Text>,
        status -> Text,
        last_error -> Nullable<Text>,
        last_sync_at -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    containers (id) {
        id -> BigInt,
        machine_id -> BigInt,
        name -> Text,
        owner_id -> Nullable<BigInt>,
        parent_id -> Nullable<BigInt>,
        status -> Text,
        addresses -> Text,
        synced_at -> BigInt,
        gone_at -> Nullable<BigInt>,
        lxd_created_at -> Text,
        in_quota -> Bool,
        cpu -> Nullable<BigInt>,
        memory_mb -> Nullable<BigInt>,
        disk_mb -> Nullable<BigInt>,
        autostart -> Nullable<Bool>,
        image -> Nullable<Text>,
        error -> Nullable<Text>,
        uuid -> Nullable<Text>,
        written_ms -> BigInt,
    }
}

diesel::table! {
    services (id) {
        id -> BigInt,
        container_id -> BigInt,
        unit -> Text,
        owner_id -> Nullable<BigInt>,
        description -> Text,
        status -> Text,
        synced_at -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        object -> Text,
        machine -> Nullable<Text>,
        outcome -> Text,
        error_code -> Nullable<Text>,
        detail -> Nullable<Text>,
        count -> BigInt,
    }
}

diesel::table! {
    ssh_keys (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        algorithm -> Text,
        public_key -> Text,
        fingerprint -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        imported -> Bool,
    }
}

diesel::table! {
    oidc_logins (state_hash) {
        state_hash -> Text,
        pkce_verifier -> Text,
        nonce -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    actions_in_flight (id) {
        id -> BigInt,
        instance -> Text,
        started_at -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        object -> Text,
        machine -> Nullable<Text>,
        job_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        owner_id -> BigInt,
        label -> Text,
        state -> Text,
        message -> Nullable<Text>,
        instance -> Text,
        started_at -> BigInt,
        ended_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    user_totp (user_id) {
        user_id -> BigInt,
        secret_ciphertext -> Binary,
        secret_nonce -> Binary,
        active -> Bool,
        last_step -> BigInt,
        created_at -> BigInt,
        activated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    totp_recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(user_totp -> users (user_id));
diesel::joinable!(totp_recovery_codes -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(ssh_keys -> users (user_id));
diesel::joinable!(personal_access_tokens -> users (user_id));
diesel::table! {
    quotas (user_id) {
        user_id -> BigInt,
        containers -> Nullable<BigInt>,
        cpu -> Nullable<BigInt>,
        memory_mb -> Nullable<BigInt>,
        disk_mb -> Nullable<BigInt>,
        updated_at -> BigInt,
        forwards -> Nullable<BigInt>,
        snapshots -> Nullable<BigInt>,
    }
}

diesel::table! {
    machine_quotas (user_id, machine_id) {
        user_id -> BigInt,
        machine_id -> BigInt,
        containers -> Nullable<BigInt>,
        cpu -> Nullable<BigInt>,
        memory_mb -> Nullable<BigInt>,
        disk_mb -> Nullable<BigInt>,
        updated_at -> BigInt,
        forwards -> Nullable<BigInt>,
        snapshots -> Nullable<BigInt>,
    }
}

diesel::table! {
    snapshots (id) {
        id -> BigInt,
        container_id -> BigInt,
        machine_id -> BigInt,
        name -> Text,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
        stateful -> Bool,
        size_bytes -> Nullable<BigInt>,
        scheduled -> Bool,
        user_id -> Nullable<BigInt>,
        in_quota -> Bool,
        taken_at -> Nullable<BigInt>,
        synced_at -> BigInt,
    }
}

diesel::table! {
    snapshot_schedules (container_id) {
        container_id -> BigInt,
        period -> Text,
        keep -> BigInt,
        user_id -> Nullable<BigInt>,
        in_quota -> Bool,
        updated_at -> BigInt,
    }
}

diesel::table! {
    machine_networks (machine_id, name) {
        machine_id -> BigInt,
        name -> Text,
        ipv4_subnet -> Nullable<Text>,
        ipv6_subnet -> Nullable<Text>,
        public -> Bool,
        listen_address -> Nullable<Text>,
        forward_first -> Nullable<BigInt>,
        forward_last -> Nullable<BigInt>,
        drift -> Nullable<Text>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    container_addresses (container_id, network) {
        container_id -> BigInt,
        machine_id -> BigInt,
        network -> Text,
        ipv4 -> Nullable<Text>,
        ipv6 -> Nullable<Text>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    forwards (id) {
        id -> BigInt,
        container_id -> BigInt,
        machine_id -> BigInt,
        network -> Text,
        protocol -> Text,
        listen_port -> BigInt,
        target_port -> BigInt,
        user_id -> Nullable<BigInt>,
        in_quota -> Bool,
        created_at -> BigInt,
    }
}

diesel::joinable!(containers -> machines (machine_id));
diesel::joinable!(forwards -> containers (container_id));
diesel::joinable!(snapshots -> containers (container_id));
diesel::joinable!(snapshot_schedules -> containers (container_id));
diesel::joinable!(container_addresses -> containers (container_id));
diesel::joinable!(machine_networks -> machines (machine_id));
diesel::joinable!(machine_quotas -> machines (machine_id));
diesel::joinable!(containers -> users (owner_id));
diesel::joinable!(quotas -> users (user_id));
diesel::joinable!(services -> containers (container_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    personal_access_tokens,
    ssh_keys,
    machines,
    containers,
    services,
    quotas,
    machine_quotas,
    machine_networks,
    container_addresses,
    forwards,
    snapshots,
    snapshot_schedules,
    audit_log,
    user_totp,
    totp_recovery_codes,
    oidc_logins,
    actions_in_flight,
    jobs,
);

/// Every table the migrations create, for checks and tests.
pub const TABLES: [&str; 20] = [
    "users",
    "sessions",
    "personal_access_tokens",
    "ssh_keys",
    "machines",
    "containers",
    "services",
    "quotas",
    "machine_quotas",
    "machine_networks",
    "container_addresses",
    "forwards",
    "snapshots",
    "snapshot_schedules",
    "audit_log",
    "user_totp",
    "totp_recovery_codes",
    "oidc_logins",
    "actions_in_flight",
    "jobs",
];
