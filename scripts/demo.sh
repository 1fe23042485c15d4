#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: the original DAF README's demonstration. A DROP rule on the SHA-256 digest of
# /usr/bin/curl makes curl fail while wget reaches the same server.
#
# Two fresh namespaces joined by a veth pair: "srv" runs an HTTP server, "cli" runs app-fw, its OUTPUT
# queued with the README's iptables line. The rule is added with the README's ctl-fw line when this
# build's ctl-fw manages rules, otherwise through app-fw's rules file. The transcript shows the digest,
# the rule, curl blocked, wget passing, the daemon's counters and a clean stop. Exits 0 only when all of
# that happened as expected. Nothing is changed outside the two namespaces, which are removed on exit,
# even on failure.
#
# To add a scenario: add `expect pass|block "what" -- command...` lines in scenario().
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
APP_FW="${APP_FW:-$ROOT/bin/app-fw}"
CTL_FW="${CTL_FW:-$ROOT/bin/ctl-fw}"
CURL="$(command -v curl)"

ID="$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
NS_SRV="daf-demo-$ID-srv"
NS_CLI="daf-demo-$ID-cli"
VETH_SRV="dafd${ID}s"
VETH_CLI="dafd${ID}c"
CLI_IP=10.233.254.1
SRV_IP=10.233.254.2
PORT=8080
WORK="$(mktemp -d /tmp/daf-demo.XXXXXX)"
APP_FW_PID=
SERVER_PIDS=()
FAILURES=0

CURL_DIGEST=
RULES=

cleanup() {
  local rc=$?
  [ -n "$APP_FW_PID" ] && kill -KILL "$APP_FW_PID" 2>/dev/null
  for pid in "${SERVER_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$NS_CLI" 2>/dev/null
  ip netns del "$NS_SRV" 2>/dev/null
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say()  { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
die()  { printf 'demo: %s\n' "$*" >&2; exit 1; }
in_cli() { ip netns exec "$NS_CLI" "$@"; }

# expect pass|block DESCRIPTION -- COMMAND...: runs COMMAND in the client namespace and checks the outcome.
expect() {
  local want="$1" what="$2"; shift 3
  show "$*"
  local out rc
  out="$(in_cli "$@" 2>&1)"; rc=$?
  [ -n "$out" ] && sed 's/^/  /' <<<"$out"
  if { [ "$want" = pass ] && [ $rc -eq 0 ]; } || { [ "$want" = block ] && [ $rc -ne 0 ]; }; then
    printf '  -> as expected: %s %s\n' "$what" "$([ "$want" = pass ] && echo passed || echo 'was blocked')"
  else
    printf '  -> UNEXPECTED: %s should have %s (exit %d)\n' "$what" "$([ "$want" = pass ] && echo passed || echo 'been blocked')" $rc
    FAILURES=$((FAILURES + 1))
  fi
}

setup_namespaces() {
  say "Two namespaces joined by a veth pair: $NS_CLI ($CLI_IP) and $NS_SRV ($SRV_IP)"
  ip netns add "$NS_SRV" && ip netns add "$NS_CLI" || die "cannot create the namespaces"
  ip -n "$NS_CLI" link add "$VETH_CLI" type veth peer name "$VETH_SRV" netns "$NS_SRV" || die "cannot create the veth pair"
  ip -n "$NS_CLI" addr add "$CLI_IP/30" dev "$VETH_CLI"
  ip -n "$NS_SRV" addr add "$SRV_IP/30" dev "$VETH_SRV"
  for ns in "$NS_CLI" "$NS_SRV"; do ip -n "$ns" link set lo up; done
  ip -n "$NS_CLI" link set "$VETH_CLI" up
  ip -n "$NS_SRV" link set "$VETH_SRV" up
}

start_http_server() {
  say "HTTP server in $NS_SRV on port $PORT"
  mkdir -p "$WORK/www"
  echo "hello from $NS_SRV" > "$WORK/www/index.html"
  ip netns exec "$NS_SRV" python3 -u -m http.server "$PORT" --bind "$SRV_IP" --directory "$WORK/www" >"$WORK/http.log" 2>&1 &
  SERVER_PIDS+=($!)
  for _ in $(seq 50); do grep -q "Serving HTTP" "$WORK/http.log" && break; sleep 0.1; done
  grep -q "Serving HTTP" "$WORK/http.log" || die "http.server did not start: $(cat "$WORK/http.log")"
}

# True when this build's ctl-fw manages rules (the README's `ctl-fw -A ... --sng-hash` line).
ctl_fw_manages_rules() {
  [ -x "$CTL_FW" ] && "$CTL_FW" --help 2>&1 | grep -q -- '--sng-hash'
}

curl_digest() {
  say "The digest that identifies curl"
  show "sha256sum $CURL"
  local line
  line="$(sha256sum "$(readlink -f "$CURL")")" || die "cannot hash $CURL"
  printf '  %s\n' "$line"
  CURL_DIGEST="${line%% *}"
}

start_app_fw() {
  if ctl_fw_manages_rules; then
    RULES="# no rules: ctl-fw adds the demo's rule"
  else
    # This ctl-fw cannot add rules yet: the same rule, in ctl-fw syntax, through the rules file.
    RULES="-A -c OUTPUT -v DROP -n /var/run/netns/$NS_CLI --sng-hash $CURL_DIGEST"
  fi
  say "app-fw in $NS_CLI with these rules"
  printf '%s\n' "$RULES" > "$WORK/rules"
  sed 's/^/  /' "$WORK/rules"
  show "ip netns exec $NS_CLI $APP_FW --rules $WORK/rules --state-dir $WORK/state"
  mkdir -p "$WORK/state"
  # Started without a function or subshell so that $! is app-fw itself (`ip netns exec` execs it).
  ip netns exec "$NS_CLI" "$APP_FW" --rules "$WORK/rules" --state-dir "$WORK/state" >"$WORK/app-fw.out" 2>"$WORK/app-fw.err" &
  APP_FW_PID=$!
  for _ in $(seq 200); do
    grep -q '^app-fw: ready' "$WORK/app-fw.out" && break
    kill -0 "$APP_FW_PID" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q '^app-fw: ready' "$WORK/app-fw.out"; then
    cat "$WORK/app-fw.out" "$WORK/app-fw.err" >&2
    die "app-fw did not become ready"
  fi
  sed 's/^/  /' "$WORK/app-fw.out"

  say "Queue the client's outgoing packets to app-fw (iptables inside $NS_CLI only)"
  for tool in iptables ip6tables; do
    show "$tool -I OUTPUT -j NFQUEUE --queue-num 0 --queue-bypass"
    in_cli "$tool" -w -I OUTPUT -j NFQUEUE --queue-num 0 --queue-bypass || die "$tool failed"
  done
}

add_rule_with_ctl_fw() {
  ctl_fw_manages_rules || return 0
  say "Drop what curl sends (the README's ctl-fw line, run inside $NS_CLI)"
  # Verbatim from the original README; $$ is the shell inside the namespace, so the rule names it.
  local line='"$CTL_FW" -A -c OUTPUT -v DROP -n /proc/$$/ns/net --sng-hash $(sha256sum "$CURL" | awk '"'"'{print $1}'"'"')'
  show "ctl-fw -A -c OUTPUT -v DROP -n /proc/\$\$/ns/net --sng-hash \$(sha256sum $CURL | awk '{print \$1}')"
  in_cli env CTL_FW="$CTL_FW" CURL="$(readlink -f "$CURL")" DAF_STATE_DIR="$WORK/state" bash -c "$line" 2>&1 | sed 's/^/  /'
  [ "${PIPESTATUS[0]}" -eq 0 ] || die "ctl-fw could not add the rule"
  show "ctl-fw -L"
  in_cli env DAF_STATE_DIR="$WORK/state" "$CTL_FW" -L 2>&1 | sed 's/^/  /'
}

scenario() {
  say "The same page, fetched by curl and by wget from $NS_CLI"
  expect block "curl" -- curl -sS --max-time 3 "http://$SRV_IP:$PORT/"
  expect pass  "wget" -- wget -q -O - --tries=1 --timeout=3 "http://$SRV_IP:$PORT/"
}

show_counters() {
  say "Daemon counters (SIGUSR1 -> $WORK/state/stats.json)"
  local stats="$WORK/state/stats.json" before=""
  [ -f "$stats" ] && before="$(cat "$stats")"
  kill -USR1 "$APP_FW_PID"
  for _ in $(seq 50); do
    [ -f "$stats" ] && [ "$(cat "$stats")" != "$before" ] && break
    sleep 0.1
  done
  [ -f "$stats" ] || die "app-fw wrote no stats.json"
  python3 - "$stats" <<'PY' || die "unreadable stats.json"
import json, sys
s = json.load(open(sys.argv[1]))
print(f"  uptime {s['uptimeSeconds']:.1f} s, {s['packetsTotal']} packets")
for q in s["queues"]:
    identity = "".join(f", {k} {q[k]}" for k in ("deferred", "unattributed", "identityLookups") if k in q)
    print(f"  queue {q['queue']} ({q['chain']}): received {q['received']}, accepted {q['accepted']}, dropped {q['dropped']}{identity}")
PY
  python3 - "$stats" <<'PY' || { echo "  -> UNEXPECTED: the OUTPUT queue dropped nothing"; FAILURES=$((FAILURES + 1)); }
import json, sys
out = [q for q in json.load(open(sys.argv[1]))["queues"] if q["chain"] == "OUTPUT"]
sys.exit(0 if out and out[0]["dropped"] > 0 else 1)
PY
}

stop_app_fw() {
  say "Stop app-fw (SIGTERM)"
  local start end rc
  start=$(date +%s%N)
  kill -TERM "$APP_FW_PID"
  for _ in $(seq 50); do kill -0 "$APP_FW_PID" 2>/dev/null || break; sleep 0.1; done
  wait "$APP_FW_PID"; rc=$?
  end=$(date +%s%N)
  APP_FW_PID=
  printf '  app-fw exited %d after %d ms\n' $rc $(((end - start) / 1000000))
  if [ $rc -ne 0 ]; then
    sed 's/^/  stderr: /' "$WORK/app-fw.err"
    echo "  -> UNEXPECTED: non-zero exit"
    FAILURES=$((FAILURES + 1))
  fi
}

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, iptables): run 'sudo make demo'"
[ -x "$APP_FW" ] || die "$APP_FW is missing: run 'make' first"

setup_namespaces
curl_digest
start_http_server
start_app_fw
add_rule_with_ctl_fw
scenario
show_counters
stop_app_fw

if [ $FAILURES -eq 0 ]; then
  say "Demo OK"
else
  say "Demo FAILED: $FAILURES unexpected outcome(s)"
  exit 1
fi
