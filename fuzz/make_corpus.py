#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets: fuzz/corpus/<target>/seed-*.

Run it from anywhere (`python3 fuzz/make_corpus.py`); it rewrites only the
`seed-*` files, never what libFuzzer added. The secrets, `now` and routes
are the targets' own (fuzz/fuzz_targets/*.rs), so the tokens and signed
requests here are valid there: the fuzzer starts past the signature checks.
"""

import base64
import hashlib
import hmac
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"
SECRET_1 = "fuzz-agent-secret-one-of-at-least-32-chars"
NOW = 1_764_000_000
JTI = "AAECAwQFBgcICQoLDA0ODxAR"
UUID = "3f1c2b9e-58d4-4a8e-9a51-0c2f7d1e6b3a"
# A throwaway ed25519 public key (`ssh-keygen -t ed25519`), for the SSH key bodies.
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICx6WuSy0kSXkNo5torXDgv1/58vhpMv4bF7nVa4S+Lj fuzz@seed"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def token(claims: dict) -> bytes:
    header = b64(compact({"alg": "HS256", "typ": "JWT", "kid": "k1"}))
    signed = f"{header}.{b64(compact(claims))}"
    signature = hmac.new(SECRET_1.encode(), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{b64(signature)}".encode()


def claims(**extra) -> dict:
    base = {"iss": "smp-panel", "sub": "ann", "aud": "alita", "iat": NOW - 10, "exp": NOW + 20, "jti": JTI, "act": "restart", "ctr": "c1"}
    base.update(extra)
    return {key: value for key, value in base.items() if value is not None}


def signed_request(body: bytes, timestamp: int = NOW, nonce: str = "0123456789abcdef0123") -> bytes:
    canonical = f"SMP1\n{timestamp}\n{nonce}\nPOST\n/token\n{hashlib.sha256(body).hexdigest()}"
    signature = hmac.new(SECRET_1.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return f"k1\n{timestamp}\n{nonce}\n{signature}\n".encode() + body


def seeds() -> dict:
    bh = b64(hashlib.sha256(b'{"force":true}').digest())
    token_claims = [
        claims(),
        claims(bh=bh, adm=True),
        claims(uid=UUID, host=True, adm=True),
        claims(act="service.restart", svc="web.service"),
        claims(act="create", ctr="c2"),
        claims(act="list", ctr=None),
        # Regressions: the ends of i64 overflowed the time checks.
        claims(exp=2**63 - 1),
        claims(iat=-(2**63)),
    ]
    token_seeds = [token(c) for c in token_claims] + [compact(c) for c in token_claims]
    token_seeds.append(hashlib.sha256(b"hello").hexdigest().encode())
    requests = [
        {"action": "restart", "container": "c1"},
        {"action": "service.restart", "container": "c1", "service": "web", "ttl": 10, "subject": "ops"},
        {"action": "create", "container": "c2", "body_sha256": bh, "admin": True},
        {"action": "list"},
    ]
    signature_seeds = [signed_request(compact(r)) for r in requests]
    signature_seeds.append(signed_request(b"", timestamp=NOW - 30, nonce="a" * 64))
    # Regressions: timestamps at the ends of i64 overflowed the skew check; an array body.
    signature_seeds += [signed_request(b"{}", timestamp=t) for t in (-(2**63), -(2**63) + NOW, 2**63 - 1)]
    signature_seeds.append(signed_request(b'["restart","c1"]'))
    create = {"name": "c2", "image": "smp-busybox", "profiles": ["default"], "config": {"limits.cpu": "2", "limits.memory": "512MiB", "boot.autostart": "true", "user.note": "x"}, "disk_mb": 1024, "start": True}
    config_seeds = [
        compact(create),
        compact({"name": "c3", "image": "smp-debian", "config": {"security.nesting": "true", "environment.A": "1", "cloud-init.user-data": "#cloud-config\n"}}),
        compact({"name": "c4", "image": "x", "config": {"raw.lxc": "lxc.apparmor.profile=unconfined", "security.privileged": "true"}}),
        compact({"name": "c5", "image": "x", "devices": {"d": {"type": "disk", "source": "/"}}}),
        compact({"config": {"limits.processes": "100", "user.a": ""}, "disk_mb": 2048}),
        compact({"config": {"limits.cpu": "0-1", "limits.memory": "50%"}}),
        # Regression: serde reads a struct from an array of its fields.
        compact(["c6", "smp-busybox", ["default"], {"user.a": "1"}]),
    ]
    names = ["c1", "web-01", "web", "web.service", "getty@tty1.service", "a.socket", "smp-busybox", "images/debian/12", "default", UUID, "ann", "../x", "-rf", "a b"]
    bodies = [
        {"name": "c2", "image": "smp-busybox", "machine_id": 1, "limits": {"cpu": 1, "memory_mb": 256, "disk_mb": 1024}, "parent": 3, "autostart": True, "start": False, "profiles": ["default"], "config": {"user.note": "x"}},
        {"owner": None, "parent": 4, "in_quota": True},
        {"autostart": False, "limits": {"cpu": 2}},
        {"container_id": 1, "unit": "web", "owner": "ann", "description": "The web server"},
        {"owner": "bob", "description": "  spaced  "},
        {"username": "ann", "role": "member", "password": "a-long-enough-password"},
        {"role": "admin", "approved": True, "disabled": False},
        {"username": "bob", "password": "a-long-enough-password", "password_again": "a-long-enough-password"},
        {"current": "a-long-enough-password", "new": "another-long-password"},
        {"name": "laptop", "password": "a-long-enough-password", "scope": "write", "expires_in_days": 30},
        {"name": "laptop", "public_key": ED25519},
        {"code": "123456"},
        {"username": "ann", "password": "pw", "totp": "123456"},
        {"name": "alita", "url": "https://127.0.0.1:8443", "key_id": "k1", "secret": SECRET_1, "fingerprint": "ab:cd", "trust_on_first_use": False},
        {"key_id": "k2", "secret": SECRET_1},
        {"containers": 3, "cpu": 4, "memory_mb": 4096, "disk_mb": 10240, "forwards": None},
        {"protocol": "tcp", "target_port": 80, "listen_port": 20080, "network": "lxdbr0"},
        {"network": "lxdbr0", "ipv4": "10.77.0.10", "ipv6": "fd42::10"},
        {"mode": "shell", "session": "s1"},
        {"container_id": 1},
        {"mode": "write"},
        {"force": True, "timeout_s": 10},
        {"command": ["uptime"], "env": {"A": "1"}, "cwd": "/root", "user": 0},
        # Regression (panel_bodies' first crash): an array was read as {"owner": "f["}.
        ["f["],
    ]
    return {
        "token": token_seeds,
        "signature": signature_seeds,
        "config_whitelist": config_seeds,
        "names": [name.encode() for name in names],
        "panel_bodies": [compact(body) for body in bodies],
    }


def main() -> None:
    for target, files in seeds().items():
        directory = ROOT / target
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("seed-*"):
            old.unlink()
        for number, data in enumerate(files):
            (directory / f"seed-{number:02}").write_bytes(data)
        print(f"{target}: {len(files)} seeds in {directory}")


if __name__ == "__main__":
    main()
