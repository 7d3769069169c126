#!/usr/bin/env bash
# Runs the browser journeys of 亲清家园 against a fresh demo server.
#
#   tests/browser/run.sh [FILE.test.mjs ...]    (all journeys when no file is named)
#
# Needs Node 20+, npm and Chromium at /usr/bin/chromium (CHROMIUM_PATH to override); no browser is
# downloaded. Environment:
#   QINQING_BIN     use this server binary instead of building `cargo build -p qinqing`
#   SCREENSHOT_DIR  where the screenshots go (default artifacts/screenshots at the repo root)
#   KEEP_SERVER_LOG=1  keep the server's log in $SCREENSHOT_DIR/../server.log
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$root/artifacts/screenshots}"
rm -rf "$SCREENSHOT_DIR/failures"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM_PATH" ]]; then
  echo "run.sh: no Chromium at $CHROMIUM_PATH (apt-get install chromium fonts-noto-cjk)" >&2
  exit 1
fi

if [[ ! -d "$here/node_modules/playwright-core" || ! -d "$here/node_modules/oidc-provider" || ! -d "$here/node_modules/axe-core" ]]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

if [[ -n "${QINQING_BIN:-}" ]]; then
  bin="$QINQING_BIN"
else
  cargo build -p qinqing
  bin="$root/target/debug/qinqing"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/qinqing-browser.XXXXXX")"
server_pid=""
provider_pid=""
cleanup() {
  local status=$?
  for pid in "$server_pid" "$provider_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [[ "${KEEP_SERVER_LOG:-}" == 1 || $status -ne 0 ]]; then
    mkdir -p "$SCREENSHOT_DIR"
    cp "$work/server.log" "$SCREENSHOT_DIR/../server.log" 2>/dev/null || true
    cp "$work/provider.log" "$SCREENSHOT_DIR/../oidc-provider.log" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

# A free port: the kernel picks one for a socket bound to port 0.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
port="$(free_port)"
export BASE_URL="http://127.0.0.1:$port"

# The single sign-on journey's OpenID provider: the real oidc-provider package, on this machine.
provider_port="$(free_port)"
export OIDC_ISSUER="http://127.0.0.1:$provider_port"
export OIDC_CLIENT_SECRET="$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
node "$here/lib/oidc-provider.mjs" "$provider_port" "$BASE_URL/auth/oidc/callback" >"$work/provider.log" 2>&1 &
provider_pid=$!

# The secret the platform shares with the non-tax payment system, which journeys play.
export PAYMENT_SECRET="$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"

QINQING_OIDC_CLIENT_SECRET="$OIDC_CLIENT_SECRET" QINQING_PAYMENT_SECRET="$PAYMENT_SECRET" "$bin" serve --db "sqlite://$work/qq.db" --demo \
  --listen "127.0.0.1:$port" --oidc-issuer "$OIDC_ISSUER" --oidc-client-id qinqing \
  --oidc-redirect-url "$BASE_URL/auth/oidc/callback" >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 120); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run.sh: the server exited before answering; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))' "$BASE_URL/healthz"; then
    break
  fi
  sleep 0.5
done
if ! node -e 'fetch(process.argv[1]).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))' "$BASE_URL/healthz"; then
  echo "run.sh: $BASE_URL/healthz did not answer 200 within 60 s; server log:" >&2
  cat "$work/server.log" >&2
  exit 1
fi

echo "run.sh: server up at $BASE_URL; screenshots go to $SCREENSHOT_DIR"
status=0
# The glob (not the bare directory) works the same on Node 20 and on later versions.
if [[ $# -gt 0 ]]; then
  node --test --test-concurrency=1 "$@" || status=$?
else
  node --test --test-concurrency=1 tests/browser/*.test.mjs || status=$?
fi
exit "$status"
