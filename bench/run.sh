#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# DAF benchmark bed: two network namespaces joined by a veth pair; the queue rule lives only in the
# sender's namespace (OUTPUT -o veth). Runs every configuration, interleaved and repeated, and prints a
# markdown table of medians (see bench/README.md). All traffic stays inside the two namespaces.
#
# Environment: BENCH_ROUNDS (3), BENCH_SECONDS (5, per TCP and UDP run), BENCH_LATENCY_COUNT (5000),
# BENCH_IDLE_SECONDS (10), BENCH_CONFIGS ("a b b2 c1 c2 c3 c4"; also b0, c5 (1 rule), c6 (10,000 rules),
# d1-d4: 1 and 100 digest rules; e1, e3, f1, f3: c1, c3, d1, d3 with BENCH_BASELINE_APP_FW; s1, v0, s2: packet signatures),
# APP_FW (bin/app-fw), BENCH_APPFW_ARGS (extra app-fw arguments for every c* configuration), BENCH_METRICS
# ("tcp udp lat idle"; also "first": first-packet latency of fresh processes, d* configurations only),
# BENCH_SETTLE (3: seconds between an app-fw's readiness and the first measurement), BENCH_PERF (non-empty:
# perf record of the firewall during the UDP run).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
RUN_SECONDS=${BENCH_SECONDS:-5}
LATENCY_COUNT=${BENCH_LATENCY_COUNT:-5000}
IDLE_SECONDS=${BENCH_IDLE_SECONDS:-10}
FIRST_COUNT=${BENCH_FIRST_COUNT:-15}
SETTLE_SECONDS=${BENCH_SETTLE:-3}
CONFIGS=(${BENCH_CONFIGS:-a b b2 c1 c2 c3 c4})
METRICS=" ${BENCH_METRICS:-tcp udp lat idle} "
APP_FW=${APP_FW:-$ROOT/bin/app-fw}
BASELINE_APP_FW=${BENCH_BASELINE_APP_FW:-}
read -r -a APPFW_EXTRA <<<"${BENCH_APPFW_ARGS:-}"

[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces, iptables)" >&2; exit 1; }

TOOLS=$ROOT/bin
RESULTS=$ROOT/bench/results/$(date +%Y%m%d-%H%M%S)-$$
RAW=$RESULTS/raw.tsv
mkdir -p "$TOOLS" "$RESULTS"

for tool in nfq_floor udp_flood pingpong first_packet; do
  if [ ! -x "$TOOLS/$tool" ] || [ "$ROOT/bench/$tool.c" -nt "$TOOLS/$tool" ] || [ "$ROOT/bench/tool.h" -nt "$TOOLS/$tool" ]; then
    gcc -O2 -Wall -Wextra -Werror -o "$TOOLS/$tool" "$ROOT/bench/$tool.c"
  fi
done

NS_S=dafb$$s
NS_R=dafb$$r
VETH_S=dbs$$
VETH_R=dbr$$
ADDR_S=10.231.0.1
ADDR_R=10.231.0.2
PORT_TCP=5201
PORT_UDP=5301
PORT_LAT=5302
PORT_FIRST=5303
QUEUE_RULE=(OUTPUT -o "$VETH_S" -j NFQUEUE --queue-num 0)

log() { echo "bench: $*" >&2; }

. "$ROOT/bench/bed.sh"

cleanup() {
  bed_cleanup
  rm -f "${SIG_KEY:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_s() { ip netns exec "$NS_S" "$@"; }
in_r() { ip netns exec "$NS_R" "$@"; }
# Background processes are started with a plain `ip netns exec ... &` (never through these functions)
# so that $! is the program itself: `ip netns exec` execs it in place.

wants() { [[ $METRICS == *" $1 "* ]]; }

record() { printf '%s\t%s\t%s\t%s\n' "$ROUND" "$CONFIG" "$1" "$2" >>"$RAW"; }

# The firewall under test for one configuration ------------------------------------------------------

FW_PID=
FW_STATE=

# rules_file [COUNT]: COUNT (default 100) rules on ports the bench traffic never uses.
rules_file() {
  local count=${1:-100} file i
  file=$RESULTS/rules-$count.txt
  if [ ! -f "$file" ]; then
    echo "# $count rules on ports the bench traffic never uses" >"$file"
    for i in $(seq 0 $((count - 1))); do
      echo "-A -c OUTPUT -p udp --dport $((10000 + i % 50000)) -s 10.$((i / 50000)).0.0/16 -v DROP" >>"$file"
    done
  fi
  echo "$file"
}

# N rules naming digests no process maps (identity rules: every packet looks up its holders).
digest_rules_file() {
  local n=$1 file=$RESULTS/digest-rules-$1.txt i
  if [ ! -f "$file" ]; then
    echo "# $n --sng-hash rules that never match" >"$file"
    for i in $(seq 1 "$n"); do
      echo "-A -c OUTPUT --sng-hash $(printf 'daf-bench-%d' "$i" | sha256sum | cut -d' ' -f1) -v DROP" >>"$file"
    done
  fi
  echo "$file"
}

fw_command() {
  case $1 in
    a) ;;
    # The floors set what app-fw sets (F_GSO, queue length 8192), so "same mode" means the same kernel work.
    b0) echo "$TOOLS/nfq_floor --queue 0 --maxlen 8192" ;;
    b) echo "$TOOLS/nfq_floor --queue 0 --gso --maxlen 8192" ;;
    b2) echo "$TOOLS/nfq_floor --queue 0 --batch 64 --gso --copy 128 --maxlen 8192" ;;
    c1) echo "$APP_FW --state-dir $FW_STATE ${APPFW_EXTRA[*]}" ;;
    c2) echo "$APP_FW --state-dir $FW_STATE --rules $(rules_file) ${APPFW_EXTRA[*]}" ;;
    c3) echo "$APP_FW --state-dir $FW_STATE -b 64 -B 50 -P ${APPFW_EXTRA[*]}" ;;
    c4) echo "$APP_FW --state-dir $FW_STATE --rules $(rules_file) -b 64 -B 50 -P ${APPFW_EXTRA[*]}" ;;
    c5) echo "$APP_FW --state-dir $FW_STATE --rules $(rules_file 1) ${APPFW_EXTRA[*]}" ;;
    c6) echo "$APP_FW --state-dir $FW_STATE --rules $(rules_file 10000) ${APPFW_EXTRA[*]}" ;;
    # Before/after comparisons: c1 and c3 run with another build (BENCH_BASELINE_APP_FW), in the same rounds.
    e1) echo "$BASELINE_APP_FW --state-dir $FW_STATE ${APPFW_EXTRA[*]}" ;;
    e3) echo "$BASELINE_APP_FW --state-dir $FW_STATE -b 64 -B 50 -P ${APPFW_EXTRA[*]}" ;;
    f1) echo "$BASELINE_APP_FW --state-dir $FW_STATE --rules $(digest_rules_file 1) ${APPFW_EXTRA[*]}" ;;
    f3) echo "$BASELINE_APP_FW --state-dir $FW_STATE --rules $(digest_rules_file 1) -b 64 -B 50 -P ${APPFW_EXTRA[*]}" ;;
    d1) echo "$APP_FW --state-dir $FW_STATE --rules $(digest_rules_file 1) ${APPFW_EXTRA[*]}" ;;
    d2) echo "$APP_FW --state-dir $FW_STATE --rules $(digest_rules_file 100) ${APPFW_EXTRA[*]}" ;;
    d3) echo "$APP_FW --state-dir $FW_STATE --rules $(digest_rules_file 1) -b 64 -B 50 -P ${APPFW_EXTRA[*]}" ;;
    d4) echo "$APP_FW --state-dir $FW_STATE --rules $(digest_rules_file 100) -b 64 -B 50 -P ${APPFW_EXTRA[*]}" ;;
    # Signatures: the sender signs (s1, s2); v0 and s2 add an app-fw on the receiver's INPUT (peer_command).
    s1 | s2) echo "$APP_FW --state-dir $FW_STATE -t packet -s $(sig_key) --sig-mtu 1500 ${APPFW_EXTRA[*]}" ;;
    v0) echo "$APP_FW --state-dir $FW_STATE ${APPFW_EXTRA[*]}" ;;
    *) log "unknown configuration $1"; exit 2 ;;
  esac
}

is_appfw() { [[ $1 == [cdefsv]* ]]; }

# Packet signatures (s1, v0, s2) -----------------------------------------------------------------------
# The receiver's firewall (v0, s2) is a second app-fw in the receiver's namespace, on its INPUT queue, with
# its own state dir; a signing sender (s1, s2) also queues the SYN-ACKs it receives, so that its INPUT
# queue lowers their MSS (--sig-mtu) and its own full segments still fit the 1500-byte MTU once signed.

SIG_KEY=$RESULTS/sig.key   # deleted by cleanup
PEER_PID=
PEER_STATE=
PEER_RULE=(INPUT -i "$VETH_R" -j NFQUEUE --queue-num 1)
SYN_RULE=(INPUT -i "$VETH_S" -p tcp --tcp-flags SYN SYN -j NFQUEUE --queue-num 1)

# sig_key: the path of the bench's key file (32 random bytes, 0600), made on first use.
sig_key() {
  [ -s "$SIG_KEY" ] || (umask 077 && head -c 32 /dev/urandom >"$SIG_KEY")
  chmod 600 "$SIG_KEY"
  echo "$SIG_KEY"
}

peer_command() {
  case $1 in
    v0) echo "$APP_FW --state-dir $PEER_STATE --queue-out off --queue-fwd off ${APPFW_EXTRA[*]}" ;;
    s2) echo "$APP_FW --state-dir $PEER_STATE --queue-out off --queue-fwd off -i -s $(sig_key) ${APPFW_EXTRA[*]}" ;;
  esac
}

signs() { [[ $1 == s[12] ]]; }

# Called by start_fw once the sender's firewall is ready and queued: the SYN rule, the receiver's firewall.
sig_start() {
  local cmd out=$RESULTS/r$ROUND-$CONFIG.peer.out err=$RESULTS/r$ROUND-$CONFIG.peer.err
  PEER_PID=
  if signs "$CONFIG"; then in_s iptables -I "${SYN_RULE[@]}"; fi
  PEER_STATE=$RESULTS/state-r$ROUND-$CONFIG-peer
  cmd=$(peer_command "$CONFIG")
  [ -n "$cmd" ] || return 0
  mkdir -p "$PEER_STATE"
  echo "$cmd" >"$RESULTS/r$ROUND-$CONFIG.peer.cmd"
  # shellcheck disable=SC2086  # the command is a word list built above
  ip netns exec "$NS_R" $cmd >"$out" 2>"$err" &
  PEER_PID=$!
  STARTED+=("$PEER_PID")
  if ! wait_for "$out" ': ready' 30 "$PEER_PID"; then
    log "$CONFIG: receiver '$cmd' did not become ready; stderr:"
    sed 's/^/  /' "$err" >&2
    return 1
  fi
  in_r iptables -I "${PEER_RULE[@]}"
}

# terminate PID METRIC LABEL ERR_FILE: sends SIGTERM, waits up to 3 s (then SIGKILL), records the exit status
# (or "killed") as METRIC; LABEL ("receiver " or empty) names the process in the log, ERR_FILE is its stderr.
terminate() {
  local pid=$1 metric=$2 label=$3 err_file=$4 i status=0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$CONFIG: ${label}still running 3 s after SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    record "$metric" killed
  else
    wait "$pid" || status=$?
    record "$metric" "$status"
    [ "$status" = 0 ] || log "$CONFIG: ${label}exit status $status (see $err_file)"
  fi
}

# Called by stop_fw after the sender's firewall exited: removes the rules, stops the receiver's firewall
# (exit status 0 within 3 s, as the sender's), records the signature counters of both.
sig_stop() {
  in_s iptables -D "${SYN_RULE[@]}" 2>/dev/null || true
  if [ -n "$PEER_PID" ]; then
    in_r iptables -D "${PEER_RULE[@]}" 2>/dev/null || true
    terminate "$PEER_PID" peer_exit_status 'receiver ' "$RESULTS/r$ROUND-$CONFIG.peer.err"
    PEER_PID=
  fi
  [[ $CONFIG == [sv]* ]] || return 0
  python3 - "$FW_STATE/stats.json" "$PEER_STATE/stats.json" <<'EOF' | while read -r metric value; do record "$metric" "$value"; done
import json, sys
def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None
def total(s, key):
    return sum(q.get(key, 0) for q in s["queues"])
sender, peer = load(sys.argv[1]), load(sys.argv[2])
if sender:
    print("sig_signed", total(sender, "signed"))
    print("sig_sign_failed", total(sender, "signFailed"))
if peer:
    print("peer_queued_packets", peer["packetsTotal"])
    for key, metric in (("verified", "sig_verified"), ("unsigned", "sig_unsigned"),
                        ("forged", "sig_forged"), ("replayed", "sig_replayed")):
        print(metric, total(peer, key))
EOF
}

start_fw() {
  local cmd out=$RESULTS/r$ROUND-$CONFIG.fw.out err=$RESULTS/r$ROUND-$CONFIG.fw.err
  FW_PID=
  FW_STATE=$RESULTS/state-r$ROUND-$CONFIG
  mkdir -p "$FW_STATE"
  cmd=$(fw_command "$CONFIG")
  [ -n "$cmd" ] || return 0
  echo "$cmd" >"$RESULTS/r$ROUND-$CONFIG.fw.cmd"
  # shellcheck disable=SC2086  # the command is a word list built above
  ip netns exec "$NS_S" $cmd >"$out" 2>"$err" &
  FW_PID=$!
  STARTED+=("$FW_PID")
  if ! wait_for "$out" ': ready' 30 "$FW_PID"; then
    log "$CONFIG: '$cmd' did not become ready; stderr:"
    sed 's/^/  /' "$err" >&2
    stop_fw
    return 1
  fi
  in_s iptables -I "${QUEUE_RULE[@]}"
  sig_start || { stop_fw; return 1; }
}

# Sends SIGTERM, checks the program exits (within 3 s) with status 0, records its packet counter.
stop_fw() {
  [ -n "$FW_PID" ] || return 0
  in_s iptables -D "${QUEUE_RULE[@]}" 2>/dev/null || true
  terminate "$FW_PID" exit_status '' "$RESULTS/r$ROUND-$CONFIG.fw.err"
  local queued
  if is_appfw "$CONFIG"; then
    queued=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packetsTotal"])' \
      "$FW_STATE/stats.json" 2>/dev/null || echo "")
    # Sanity: the rules really loaded, and the packets were parsed rather than passed as malformed.
    python3 - "$FW_STATE/stats.json" <<'EOF' | while read -r metric value; do record "$metric" "$value"; done
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    sys.exit(0)
if "ruleCount" in s:
    print("rule_count", s["ruleCount"])
print("malformed_packets", sum(q.get("malformed", 0) for q in s["queues"]))
EOF
  else
    queued=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$RESULTS/r$ROUND-$CONFIG.fw.err")
  fi
  if [ -n "$queued" ]; then record queued_packets "$queued"; fi
  sig_stop
  FW_PID=
}

# Asks app-fw for its counters (SIGUSR1) and copies stats.json to $1.
stats_snapshot() {
  local dest=$1 i
  rm -f "$FW_STATE/stats.json"
  kill -USR1 "$FW_PID"
  for i in $(seq 100); do
    [ -s "$FW_STATE/stats.json" ] && { cp "$FW_STATE/stats.json" "$dest"; return 0; }
    sleep 0.05
  done
  log "$CONFIG: no stats.json 5 s after SIGUSR1"
  return 1
}

# Measurements ----------------------------------------------------------------------------------------

measure_tcp() {
  local json=$RESULTS/r$ROUND-$CONFIG.iperf3.json i
  ip netns exec "$NS_R" iperf3 -s -1 -p "$PORT_TCP" >"$RESULTS/r$ROUND-$CONFIG.iperf3-server.log" 2>&1 &
  local server=$!
  STARTED+=("$server")
  for i in $(seq 100); do
    in_r ss -Hltn "sport = :$PORT_TCP" | grep -q . && break
    sleep 0.05
  done
  if in_s timeout $((RUN_SECONDS + 20)) iperf3 -c "$ADDR_R" -p "$PORT_TCP" -t "$RUN_SECONDS" -J >"$json" 2>&1; then
    record tcp_gbps "$(python3 -c 'import json,sys; print("%.3f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$json")"
  else
    log "$CONFIG: iperf3 failed (see $json)"
    record tcp_gbps 0
  fi
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}

# fw_cost PID: "cpu_ns context_switches" summed over the threads of PID (threads that exit in between are lost;
# the firewalls under test keep theirs).
fw_cost() {
  local pid=$1 t cpu=0 cs=0 run v n
  for t in /proc/"$pid"/task/*; do
    read -r run _ <"$t/schedstat" 2>/dev/null || continue
    cpu=$((cpu + run))
    while read -r n v; do
      case $n in voluntary_ctxt_switches:|nonvoluntary_ctxt_switches:) cs=$((cs + v)) ;; esac
    done <"$t/status" 2>/dev/null || true
  done
  echo "$cpu $cs"
}

# fw_threads PID: "tid comm cpu_ns" per thread of PID, to see which thread a per-packet cost lands on.
fw_threads() {
  local t run comm
  for t in /proc/"$1"/task/*; do
    read -r run _ <"$t/schedstat" 2>/dev/null || continue
    read -r comm <"$t/comm" 2>/dev/null || comm=?
    echo "${t##*/} ${comm// /_} $run"
  done
}

measure_udp() {
  local out=$RESULTS/r$ROUND-$CONFIG.udp-recv.log
  ip netns exec "$NS_R" "$TOOLS/udp_flood" recv "$PORT_UDP" --max-seconds $((RUN_SECONDS + 15)) >"$out" 2>&1 &
  local receiver=$!
  STARTED+=("$receiver")
  wait_for "$out" 'ready' 5 "$receiver" || log "$CONFIG: udp_flood receiver not ready"
  if is_appfw "$CONFIG"; then stats_snapshot "$RESULTS/r$ROUND-$CONFIG.stats-before.json" || true; fi
  local cost0 cost1 packets
  [ -z "$FW_PID" ] || { cost0=$(fw_cost "$FW_PID"); fw_threads "$FW_PID" >"$RESULTS/r$ROUND-$CONFIG.threads-before"; }
  local perf_pid=
  if [ -n "${BENCH_PERF:-}" ] && [ -n "$FW_PID" ]; then
    perf record -F 999 -g -p "$FW_PID" -o "$RESULTS/r$ROUND-$CONFIG.perf.data" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  in_s "$TOOLS/udp_flood" send "$ADDR_R" "$PORT_UDP" "$RUN_SECONDS" --size 64 >"$RESULTS/r$ROUND-$CONFIG.udp-send.log" 2>&1
  wait "$receiver" || true
  if [ -n "$perf_pid" ]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi
  packets=$(sed -n 's/.* packets=\([0-9]*\).*/\1/p' "$out" | grep . || echo 0)
  if [ -n "$FW_PID" ] && [ "$packets" -gt 0 ]; then
    # The firewall's own CPU time and context switches per packet: steadier than pps on a shared machine.
    cost1=$(fw_cost "$FW_PID")
    fw_threads "$FW_PID" | awk -v n="$packets" 'NR == FNR { b[$1] = $3; next } { d = $3 - b[$1]; if (d > 0) printf "%s %s %.0f ns/packet\n", $1, $2, d / n }' \
      "$RESULTS/r$ROUND-$CONFIG.threads-before" - | sort -k3 -n -r >"$RESULTS/r$ROUND-$CONFIG.threads"
    record udp_cpu_ns_per_packet "$(awk -v a="$cost0" -v b="$cost1" -v n="$packets" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f", (y[1] - x[1]) / n }')"
    record udp_cs_per_packet "$(awk -v a="$cost0" -v b="$cost1" -v n="$packets" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.4f", (y[2] - x[2]) / n }')"
  fi
  if is_appfw "$CONFIG" && stats_snapshot "$RESULTS/r$ROUND-$CONFIG.stats-after.json"; then
    record alloc_bytes_per_packet "$(python3 - "$RESULTS/r$ROUND-$CONFIG.stats-before.json" "$RESULTS/r$ROUND-$CONFIG.stats-after.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
packets = b["packetsTotal"] - a["packetsTotal"]
print("%.4f" % ((b["allocatedBytes"] - a["allocatedBytes"]) / packets) if packets > 0 else "nan")
EOF
)"
  fi
  record udp_pps "$(sed -n 's/^pps=\([0-9.]*\).*/\1/p' "$out" | grep . || echo 0)"
}

measure_latency() {
  local out=$RESULTS/r$ROUND-$CONFIG.pingpong.log server_log=$RESULTS/r$ROUND-$CONFIG.pingpong-server.log
  ip netns exec "$NS_R" "$TOOLS/pingpong" server "$PORT_LAT" --max-seconds 60 >"$server_log" 2>&1 &
  local server=$!
  STARTED+=("$server")
  wait_for "$server_log" 'ready' 5 "$server" || log "$CONFIG: pingpong server not ready"
  in_s timeout 60 "$TOOLS/pingpong" client "$ADDR_R" "$PORT_LAT" "$LATENCY_COUNT" >"$out" 2>&1 || true
  record lat_p50_us "$(sed -n 's/.*p50_us=\([0-9.a-z]*\).*/\1/p' "$out" | grep . || echo nan)"
  record lat_p99_us "$(sed -n 's/.*p99_us=\([0-9.a-z]*\).*/\1/p' "$out" | grep . || echo nan)"
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}

# The round trip of the first datagram of freshly started processes (bench/first_packet.c), FIRST_COUNT times with
# the same binary ("warm": its objects are hashed after the first start, libc long before) and FIRST_COUNT times
# with a fresh copy of it ("cold": a new inode, hashed while its first packet waits). Medians; the extra latency
# is read against c1 (no identity rule) in the report.
measure_first() {
  local server_log=$RESULTS/r$ROUND-$CONFIG.first-server.log out=$RESULTS/r$ROUND-$CONFIG.first.log i kind bin
  ip netns exec "$NS_R" "$TOOLS/first_packet" server "$PORT_FIRST" --max-seconds $((FIRST_COUNT * 6 + 30)) >"$server_log" 2>&1 &
  local server=$!
  STARTED+=("$server")
  wait_for "$server_log" 'ready' 5 "$server" || log "$CONFIG: first_packet server not ready"
  : >"$out"
  # One untimed start: the warm runs then find the binary hashed.
  in_s timeout 10 "$TOOLS/first_packet" client "$ADDR_R" "$PORT_FIRST" >/dev/null 2>&1 || true
  for i in $(seq "$FIRST_COUNT"); do
    for kind in warm cold; do
      bin=$TOOLS/first_packet
      if [ "$kind" = cold ]; then
        bin=$RESULTS/first_packet-cold-r$ROUND-$CONFIG-$i
        cp "$TOOLS/first_packet" "$bin"
      fi
      echo "$kind $(in_s timeout 10 "$bin" client "$ADDR_R" "$PORT_FIRST" 2>&1 | tail -1)" >>"$out"
      [ "$kind" = cold ] && rm -f "$bin"
    done
  done
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  local metric
  for metric in warm:first_warm_us cold:first_cold_us; do
    record "${metric#*:}" "$(awk -v k="${metric%%:*}" '$1 == k { sub("first_us=", "", $2); if ($2 != "lost") print $2 }' "$out" \
      | sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "nan" }')"
  done
  record second_us "$(awk '$1 == "warm" { sub("second_us=", "", $3); if ($3 != "lost") print $3 }' "$out" \
    | sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "nan" }')"
  record first_lost "$(grep -c 'first_us=lost' "$out" || true)"
}

# CPU time (utime + stime of all threads) of app-fw over IDLE_SECONDS with no traffic, in % of one core.
# It starts 3 s after the last traffic: the runtime finishes compiling what the load made hot (tiered
# compilation in the background) and collecting; what is measured is the daemon at rest.
measure_idle() {
  local hz t0 t1
  hz=$(getconf CLK_TCK)
  sleep 3
  t0=$(sed 's/.*) //' "/proc/$FW_PID/stat" | awk '{ print $12 + $13 }')
  sleep "$IDLE_SECONDS"
  t1=$(sed 's/.*) //' "/proc/$FW_PID/stat" | awk '{ print $12 + $13 }')
  record idle_cpu_pct "$(awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$IDLE_SECONDS" 'BEGIN { printf "%.3f", d / hz / s * 100 }')"
}

# Main ------------------------------------------------------------------------------------------------

if printf '%s\n' "${CONFIGS[@]}" | grep -q '^[cdefsv]' && [ ! -x "$APP_FW" ]; then
  log "$APP_FW not found: run 'make' first (or set BENCH_CONFIGS=\"a b b2\")"
  exit 1
fi

setup_bed
log "bed: $NS_S($VETH_S $ADDR_S) <-> $NS_R($VETH_R $ADDR_R); rounds=$ROUNDS seconds=$RUN_SECONDS; results in $RESULTS"
printf 'round\tconfig\tmetric\tvalue\n' >"$RAW"
{
  echo "date=$(date -Is) kernel=$(uname -r) cpus=$(nproc) rounds=$ROUNDS seconds=$RUN_SECONDS latency_count=$LATENCY_COUNT"
  echo "app-fw=$APP_FW $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
} >"$RESULTS/env.txt"

n=${#CONFIGS[@]}
for ROUND in $(seq 1 "$ROUNDS"); do
  for k in $(seq 0 $((n - 1))); do
    CONFIG=${CONFIGS[$(((k + ROUND - 1) % n))]}
    log "round $ROUND/$ROUNDS: $CONFIG"
    if ! start_fw; then
      record start_failed 1
      continue
    fi
    # Steady state: with identity rules the daemon first walks /proc and reads the images of every socket holder
    # of the machine, and the JIT compiles what that runs; neither is a per-packet cost.
    if is_appfw "$CONFIG"; then sleep "$SETTLE_SECONDS"; fi
    if wants tcp; then measure_tcp; fi
    if wants udp; then measure_udp; fi
    if wants lat; then measure_latency; fi
    if wants first && [[ $CONFIG == c1 || $CONFIG == e1 || $CONFIG == [df]* ]]; then measure_first; fi
    if wants idle && [ "$ROUND" = 1 ] && is_appfw "$CONFIG"; then measure_idle; fi
    stop_fw
  done
done

python3 "$ROOT/bench/report.py" "$RAW" | tee "$RESULTS/table.md"
log "raw results: $RESULTS"
