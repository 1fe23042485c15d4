#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# DAF soak (issue 6): app-fw with identity rules judges steady traffic plus a churn of short-lived processes,
# each opening a socket and sending, for SOAK_SECONDS; its resident memory and descriptors are sampled all along.
# Prints a summary with PASS/FAIL per criterion and exits 1 when one fails (see bench/README.md, "Soak").
# Everything happens inside two network namespaces the script creates and deletes (also on failure or Ctrl-C).
#
# Environment: SOAK_SECONDS (600), SOAK_WARMUP (120, or a quarter of SOAK_SECONDS when that is shorter),
# SOAK_RATE (25 new processes a second), SOAK_BLOCK_EVERY (4: every 4th process maps the blocked library),
# SOAK_DATAGRAMS (3 per process), SOAK_LINGER_MS (100: how long a process stays after sending),
# SOAK_STEADY_PPS (200), SOAK_SAMPLE_SECONDS (5), SOAK_FD_SLACK (4), APP_FW (bin/app-fw), SOAK_APPFW_ARGS.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${SOAK_SECONDS:-600}
WARMUP=${SOAK_WARMUP:-$(( DURATION / 4 < 120 ? DURATION / 4 : 120 ))}
RATE=${SOAK_RATE:-25}
BLOCK_EVERY=${SOAK_BLOCK_EVERY:-4}
DATAGRAMS=${SOAK_DATAGRAMS:-3}
LINGER_MS=${SOAK_LINGER_MS:-100}
STEADY_PPS=${SOAK_STEADY_PPS:-200}
SAMPLE=${SOAK_SAMPLE_SECONDS:-5}
FD_SLACK=${SOAK_FD_SLACK:-4}
APP_FW=${APP_FW:-$ROOT/bin/app-fw}
read -r -a APPFW_EXTRA <<<"${SOAK_APPFW_ARGS:-}"

[ "$(id -u)" = 0 ] || { echo "soak: needs root (network namespaces, iptables)" >&2; exit 1; }
[ -x "$APP_FW" ] || { echo "soak: $APP_FW missing: run make first" >&2; exit 1; }
[ "$WARMUP" -lt "$DURATION" ] || { echo "soak: SOAK_WARMUP ($WARMUP) must be shorter than SOAK_SECONDS ($DURATION)" >&2; exit 2; }

TOOLS=$ROOT/bin
RESULTS=$ROOT/bench/results/soak-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$TOOLS" "$RESULTS"

for tool in soak_client soak_churn soak_sink; do
  if [ ! -x "$TOOLS/$tool" ] || [ "$ROOT/bench/$tool.c" -nt "$TOOLS/$tool" ] || [ "$ROOT/bench/soak.h" -nt "$TOOLS/$tool" ] \
     || [ "$ROOT/bench/tool.h" -nt "$TOOLS/$tool" ]; then
    gcc -O2 -Wall -Wextra -Werror -o "$TOOLS/$tool" "$ROOT/bench/$tool.c"
  fi
done
LIBRARY=$TOOLS/libdafsoak_block.so
if [ ! -f "$LIBRARY" ] || [ "$ROOT/bench/soak_block.c" -nt "$LIBRARY" ]; then
  gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$LIBRARY" "$ROOT/bench/soak_block.c"
fi
CLIENT=$TOOLS/soak_client

NS_S=dafk$$s
NS_R=dafk$$r
VETH_S=dks$$
VETH_R=dkr$$
ADDR_S=10.232.0.1
ADDR_R=10.232.0.2
PORT_STEADY=9200
PORT_BLOCKED=9201
PORT_ALLOWED=9202
QUEUE_RULE=(OUTPUT -o "$VETH_S" -j NFQUEUE --queue-num 0)
FW_PID=

log() { echo "soak: $(date +%H:%M:%S) $*" >&2; }

. "$ROOT/bench/bed.sh"
trap bed_cleanup EXIT
trap 'exit 130' INT TERM

setup_bed

# Identity rules: the blocked port drops what a process mapping the library sends and otherwise follows the ACCEPT
# policy, so a blocked packet judged without its holders (a missed attribution) arrives; the steady and allowed ports
# accept only what soak_client sends and drop the rest, so an allowed packet judged without its holders is lost.
LIB_DIGEST=$(sha256sum "$LIBRARY" | cut -d' ' -f1)
CLIENT_DIGEST=$(sha256sum "$CLIENT" | cut -d' ' -f1)
cat >"$RESULTS/rules" <<RULES
# bench/soak.sh: soak_client's digest $CLIENT_DIGEST, the blocked library's $LIB_DIGEST
-A -c OUTPUT -p udp --dport $PORT_BLOCKED --sng-hash $LIB_DIGEST -v DROP
-A -c OUTPUT -p udp --dport $PORT_STEADY --sng-hash $CLIENT_DIGEST -v ACCEPT
-A -c OUTPUT -p udp --dport $PORT_ALLOWED --sng-hash $CLIENT_DIGEST -v ACCEPT
-A -c OUTPUT -p udp --dport $PORT_STEADY -v DROP
-A -c OUTPUT -p udp --dport $PORT_ALLOWED -v DROP
RULES

ip netns exec "$NS_R" "$TOOLS/soak_sink" "$PORT_STEADY" "$PORT_BLOCKED" "$PORT_ALLOWED" >"$RESULTS/sink.txt" 2>"$RESULTS/sink.err" &
SINK_PID=$!
STARTED+=("$SINK_PID")
wait_for "$RESULTS/sink.txt" 'ready' 10 "$SINK_PID" || { log "soak_sink did not start: $(cat "$RESULTS/sink.err")"; exit 1; }

FW_CMD=("$APP_FW" --queue-in off --queue-fwd off --rules "$RESULTS/rules" --state-dir "$RESULTS/state" --metrics 9108 "${APPFW_EXTRA[@]}")
echo "${FW_CMD[*]}" >"$RESULTS/app-fw.cmd"
ip netns exec "$NS_S" "${FW_CMD[@]}" >"$RESULTS/app-fw.out" 2>"$RESULTS/app-fw.err" &
FW_PID=$!
STARTED+=("$FW_PID")
if ! wait_for "$RESULTS/app-fw.out" ': ready' 60 "$FW_PID"; then
  log "app-fw did not become ready; stderr:"
  tail -20 "$RESULTS/app-fw.err" >&2
  exit 1
fi
ip netns exec "$NS_S" iptables -I "${QUEUE_RULE[@]}"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "duration=$DURATION"; echo "warmup=$WARMUP"; echo "rate=$RATE"; echo "block_every=$BLOCK_EVERY"
  echo "datagrams=$DATAGRAMS"; echo "linger_ms=$LINGER_MS"; echo "steady_pps=$STEADY_PPS"; echo "sample=$SAMPLE"
  echo "fd_slack=$FD_SLACK"; echo "load_start=$LOAD_START"; echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "kernel=$(uname -r)"; echo "cpus=$(nproc)"
} >"$RESULTS/meta"
log "app-fw ready (pid $FW_PID); ${DURATION} s of traffic, warm-up ${WARMUP} s, ${RATE} processes/s, load average $LOAD_START"
log "results in $RESULTS"

ip netns exec "$NS_S" "$CLIENT" steady "$ADDR_R" "$PORT_STEADY" "$STEADY_PPS" "$DURATION" >"$RESULTS/steady.txt" 2>"$RESULTS/steady.err" &
STEADY_PID=$!
STARTED+=("$STEADY_PID")
ip netns exec "$NS_S" "$TOOLS/soak_churn" "$RATE" "$DURATION" "$BLOCK_EVERY" "$CLIENT" "$ADDR_R" "$PORT_ALLOWED" "$PORT_BLOCKED" \
  "$DATAGRAMS" "$LINGER_MS" "$LIBRARY" >"$RESULTS/churn.txt" 2>"$RESULTS/churn.err" &
CHURN_PID=$!
STARTED+=("$CHURN_PID")

# Samples of the daemon: seconds since the traffic started, VmRSS (kB), open descriptors, threads, 1-minute load.
printf 't\trss_kb\tfds\tthreads\tload1\n' >"$RESULTS/samples.tsv"
START=$SECONDS
next_report=60
while kill -0 "$CHURN_PID" 2>/dev/null || kill -0 "$STEADY_PID" 2>/dev/null; do
  kill -0 "$FW_PID" 2>/dev/null || { log "app-fw died during the soak; stderr:"; tail -20 "$RESULTS/app-fw.err" >&2; break; }
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$FW_PID/status" 2>/dev/null || echo 0)
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$FW_PID/status" 2>/dev/null || echo 0)
  fds=$(find "/proc/$FW_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  elapsed=$((SECONDS - START))
  printf '%s\t%s\t%s\t%s\t%s\n' "$elapsed" "$rss" "$fds" "$threads" "$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS/samples.tsv"
  if [ "$elapsed" -ge "$next_report" ]; then
    log "${elapsed} s: RSS ${rss} kB, ${fds} descriptors, ${threads} threads, load $(cut -d' ' -f1 /proc/loadavg)"
    next_report=$((next_report + 60))
  fi
  sleep "$SAMPLE" &
  wait $! || true   # (a signal interrupts wait at once, not a foreground sleep)
done
wait "$CHURN_PID" || true
wait "$STEADY_PID" || true
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/meta"
sleep 2   # the last packets' verdicts and the sink's last reads

FW_STATUS=dead
if kill -0 "$FW_PID" 2>/dev/null; then
  ip netns exec "$NS_S" curl -s --max-time 5 http://127.0.0.1:9108/metrics >"$RESULTS/metrics.txt" || true
  ip netns exec "$NS_S" iptables -D "${QUEUE_RULE[@]}"
  kill -TERM "$FW_PID"
  for _ in $(seq 30); do kill -0 "$FW_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$FW_PID" 2>/dev/null; then
    FW_STATUS=timeout
    kill -KILL "$FW_PID" 2>/dev/null || true
    wait "$FW_PID" 2>/dev/null || true
  else
    FW_STATUS=0
    wait "$FW_PID" || FW_STATUS=$?
  fi
fi
echo "fw_exit=$FW_STATUS" >>"$RESULTS/meta"
kill -TERM "$SINK_PID" 2>/dev/null || true
wait "$SINK_PID" || true

status=0
python3 "$ROOT/bench/soak_report.py" "$RESULTS" | tee "$RESULTS/summary.md" || status=$?
exit "$status"
