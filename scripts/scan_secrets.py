#!/usr/bin/env python3
"""The secrets scan of `make test` (issue 19): fails when a secret the tests
used shows in what the panel answered or any log the suite kept.

Reads SMP_LEAK_DIR (argument 1), where the tests left (crates/panel/tests/api/leaks.rs):
  secrets-*   one secret a line (passwords, agent secrets), or raw-hex:<hex>
              for a secret file's bytes (the panel key: looked for in hex
              and base64; its raw bytes are not looked for in text)
  answers-*   every byte the tests' panels answered (headers and bodies)
  log-*       the panel's log in the test binaries, agents' and panel processes' logs
Session cookies and personal access tokens are found where they are issued
(`Set-Cookie: smp_session=…`, a token's creation answer `"token":"…"`); any
other place they show is a leak, as is any secret in a log. A hit prints its
file and the text around it with the secret masked, never the secret.
"""

import base64
import glob
import os
import re
import sys

HEX64 = re.compile(rb"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
BASE64_32 = re.compile(rb"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{43}(?![A-Za-z0-9+/_-])")
SESSION_ISSUED = re.compile(rb"(?i)set-cookie: smp_session=([0-9a-f]{64})")
TOKEN_ISSUED = re.compile(rb'"token":"([0-9a-f]{64})"')
# Passwords and secrets shorter than this are not looked for (too many false hits).
MIN_LEN = 12


def files(directory, prefix):
    return sorted(glob.glob(os.path.join(directory, prefix + "-*")))


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SMP_LEAK_DIR", "")
    if not directory or not os.path.isdir(directory):
        print(f"scan_secrets: no capture folder {directory!r}: the tests kept nothing", file=sys.stderr)
        return 1
    plain = {}
    # Found by pattern, then looked up: the panel keys (a test app each) as
    # hex and base64, and the sessions and tokens issued.
    by_pattern = {}
    for path in files(directory, "secrets"):
        for line in read(path).splitlines():
            line = line.strip()
            if line.startswith(b"raw-hex:"):
                raw = bytes.fromhex(line[len(b"raw-hex:"):].decode())
                by_pattern[raw.hex().encode()] = "panel key (hex)"
                by_pattern[base64.b64encode(raw).rstrip(b"=")] = "panel key (base64)"
                by_pattern[base64.urlsafe_b64encode(raw).rstrip(b"=")] = "panel key (base64url)"
            elif len(line) >= MIN_LEN:
                plain[line] = "password or agent secret"
    answers = [(path, read(path)) for path in files(directory, "answers")]
    logs = [(path, read(path)) for path in files(directory, "log")]
    issued = {}
    for _, text in answers:
        for match in SESSION_ISSUED.finditer(text):
            issued[match.group(1)] = "session cookie"
        for match in TOKEN_ISSUED.finditer(text):
            issued[match.group(1)] = "bearer token"
    by_pattern.update(issued)

    hits = []

    def report(path, text, start, end, kind):
        before = text[max(0, start - 80):start].decode("utf-8", "replace")
        after = text[end:end + 80].decode("utf-8", "replace")
        hits.append(f"{os.path.basename(path)} @{start}: {kind}: …{before}<{kind}>{after}…".replace("\n", "⏎"))

    for path, text in answers + logs:
        is_answer = os.path.basename(path).startswith("answers")
        for pattern in (HEX64, BASE64_32):
            for match in pattern.finditer(text):
                kind = by_pattern.get(match.group(0))
                if kind is None:
                    continue
                start = match.start()
                # The issuing answer itself is where it belongs.
                if is_answer and kind == "session cookie" and text[max(0, start - 24):start].lower().endswith(b"set-cookie: smp_session="):
                    continue
                if is_answer and kind == "bearer token" and text[max(0, start - 9):start] == b'"token":"':
                    continue
                report(path, text, start, match.end(), kind)
        for secret, kind in plain.items():
            start = text.find(secret)
            while start != -1:
                report(path, text, start, start + len(secret), kind)
                start = text.find(secret, start + 1)

    scanned = sum(len(text) for _, text in answers + logs)
    print(f"scan_secrets: {len(plain)} passwords and agent secrets, {len(by_pattern) - len(issued)} panel key forms "
          f"and {len(issued)} issued sessions and tokens looked for "
          f"in {len(answers)} answer and {len(logs)} log captures ({scanned / 1e6:.1f} MB)")
    if hits:
        print(f"scan_secrets: {len(hits)} secrets leaked:", file=sys.stderr)
        for hit in hits[:50]:
            print("  " + hit, file=sys.stderr)
        return 1
    print("scan_secrets: no secret found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
