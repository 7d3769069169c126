#!/usr/bin/env bash
# The API contract probe: schemathesis generates requests from the OpenAPI document and checks
# that the platform never answers 5xx, answers only statuses the document declares, and answers
# bodies that match the declared schemas. It runs against a demo district on a throw-away SQLite
# database, as the administrator (who may call the most operations).
#
#   tests/contract/run.sh
#
# Installs schemathesis (tests/contract/requirements.txt) with pip if it is missing. Environment:
#   QINQING_BIN            use this server binary instead of building `cargo build -p qinqing`
#   CONTRACT_MAX_EXAMPLES  generated cases per operation and phase (default 25; about 3 minutes)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [[ -n "${QINQING_BIN:-}" ]]; then
  binary="$QINQING_BIN"
else
  (cd "$root" && cargo build -p qinqing)
  binary="$root/target/debug/qinqing"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/qinqing-contract.XXXXXX")"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

if ! command -v schemathesis >/dev/null; then
  python3 -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
fi

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
(cd "$work" && "$binary" serve --demo --db "sqlite://$work/contract.db" --listen "127.0.0.1:$port" \
  --background-interval 3600 >"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 1 60); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "$base/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

# Log in as the administrator; the session cookie and its CSRF token go on every request.
login="$(curl -sf -c "$work/cookies" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"Demo2026qq"}' "$base/api/v1/auth/login")"
csrf="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])' <<<"$login")"
session="$(awk '$6 ~ /^qq_session/ {print $6 "=" $7}' "$work/cookies")"

# Logging out or changing the password would end the session the probe runs in. Schemathesis
# keeps its cache in the working directory: the throw-away one.
cd "$work"
schemathesis run "$base/api/v1/openapi.json" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance \
  --exclude-path /api/v1/auth/logout --exclude-path /api/v1/auth/password \
  --max-examples "${CONTRACT_MAX_EXAMPLES:-25}" --workers 2 \
  --header "Cookie: $session" --header "X-CSRF-Token: $csrf" --no-color
