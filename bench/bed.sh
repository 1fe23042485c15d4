# SPDX-License-Identifier: Apache-2.0
# The two-namespace bed that bench/run.sh and bench/soak.sh share; sourced, never run.
# The caller sets NS_S, NS_R, VETH_S, VETH_R, ADDR_S, ADDR_R and appends every background process it starts to
# STARTED; bed_cleanup stops them and deletes both namespaces (and with them the queue rules inside).

STARTED=()   # every background process the script started, stopped by bed_cleanup

bed_cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  sleep 0.3
  # Anything still inside our namespaces was started by this script too.
  for pid in "${STARTED[@]}" $(ip netns pids "$NS_S" 2>/dev/null) $(ip netns pids "$NS_R" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  ip netns del "$NS_S" 2>/dev/null || true
  ip netns del "$NS_R" 2>/dev/null || true
}

# setup_bed: both namespaces joined by a veth pair, MTU 1500, ADDR_S/30 and ADDR_R/30.
setup_bed() {
  ip netns add "$NS_S"
  ip netns add "$NS_R"
  ip link add "$VETH_S" netns "$NS_S" type veth peer name "$VETH_R" netns "$NS_R"
  ip -n "$NS_S" link set lo up
  ip -n "$NS_R" link set lo up
  ip -n "$NS_S" link set "$VETH_S" mtu 1500 up
  ip -n "$NS_R" link set "$VETH_R" mtu 1500 up
  ip -n "$NS_S" addr add "$ADDR_S/30" dev "$VETH_S"
  ip -n "$NS_R" addr add "$ADDR_R/30" dev "$VETH_R"
}

# wait_for FILE PATTERN SECONDS PID: waits until FILE has a line matching PATTERN while PID lives.
wait_for() {
  local file=$1 pattern=$2 deadline=$((SECONDS + $3)) pid=$4
  until grep -q -- "$pattern" "$file" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}
