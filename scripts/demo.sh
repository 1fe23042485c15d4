#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: app-fw judging a client's traffic in a network namespace of its own.
#
# Two fresh namespaces joined by a veth pair: "srv" runs an HTTP server on two ports, "cli" runs app-fw
# with a rules file that drops one of them. The transcript shows the rules, one request passing, one
# failing, the daemon's counters and a clean stop. Exits 0 only when all of that happened as expected.
# Nothing is changed outside the two namespaces, which are removed on exit, even on failure.
#
# To add a scenario: extend RULES and add `expect pass|block "what" -- command...` lines in scenario().
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
APP_FW="${APP_FW:-$ROOT/bin/app-fw}"

ID="$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
NS_SRV="daf-demo-$ID-srv"
NS_CLI="daf-demo-$ID-cli"
VETH_SRV="dafd${ID}s"
VETH_CLI="dafd${ID}c"
CLI_IP=10.233.254.1
SRV_IP=10.233.254.2
ALLOWED_PORT=8080
DROPPED_PORT=8081
WORK="$(mktemp -d /tmp/daf-demo.XXXXXX)"
APP_FW_PID=
SERVER_PIDS=()
FAILURES=0

RULES="# DAF demo rules: the web server's second port is closed to this namespace.
-A -c OUTPUT -p tcp --dport $DROPPED_PORT -v DROP"

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

start_http_servers() {
  say "HTTP servers in $NS_SRV on ports $ALLOWED_PORT and $DROPPED_PORT"
  mkdir -p "$WORK/www"
  echo "hello from $NS_SRV" > "$WORK/www/index.html"
  for port in "$ALLOWED_PORT" "$DROPPED_PORT"; do
    ip netns exec "$NS_SRV" python3 -u -m http.server "$port" --bind "$SRV_IP" --directory "$WORK/www" >"$WORK/http-$port.log" 2>&1 &
    SERVER_PIDS+=($!)
  done
  for port in "$ALLOWED_PORT" "$DROPPED_PORT"; do
    for _ in $(seq 50); do grep -q "Serving HTTP" "$WORK/http-$port.log" && break; sleep 0.1; done
    grep -q "Serving HTTP" "$WORK/http-$port.log" || die "http.server on port $port did not start: $(cat "$WORK/http-$port.log")"
  done
}

start_app_fw() {
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

  say "Queue the client's packets to app-fw (iptables inside $NS_CLI only)"
  for tool in iptables ip6tables; do
    for rule in "OUTPUT --queue-num 0" "INPUT --queue-num 1"; do
      set -- $rule
      show "$tool -I $1 -j NFQUEUE --queue-num $3 --queue-bypass"
      in_cli "$tool" -w -I "$1" -j NFQUEUE --queue-num "$3" --queue-bypass || die "$tool failed"
    done
  done
}

scenario() {
  say "Requests from $NS_CLI"
  expect pass  "port $ALLOWED_PORT" -- curl -sS --max-time 3 "http://$SRV_IP:$ALLOWED_PORT/"
  expect block "port $DROPPED_PORT" -- curl -sS --max-time 3 "http://$SRV_IP:$DROPPED_PORT/"
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
    print(f"  queue {q['queue']} ({q['chain']}): received {q['received']}, accepted {q['accepted']}, dropped {q['dropped']}")
PY
  python3 - "$stats" "$DROPPED_PORT" <<'PY' || { echo "  -> UNEXPECTED: the OUTPUT queue dropped nothing"; FAILURES=$((FAILURES + 1)); }
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
start_http_servers
start_app_fw
scenario
show_counters
stop_app_fw

if [ $FAILURES -eq 0 ]; then
  say "Demo OK"
else
  say "Demo FAILED: $FAILURES unexpected outcome(s)"
  exit 1
fi
