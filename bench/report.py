# SPDX-License-Identifier: Apache-2.0
"""Turns bench/run.sh's raw.tsv (round, config, metric, value) into a markdown table of medians,
ratios to "no firewall" and to the C floor of the same mode, and the issue's targets with PASS/FAIL."""
import math
import statistics
import sys
from collections import defaultdict

NAMES = {
    "a": "no firewall",
    "b0": "C floor, per-packet, no GSO",
    "b": "C floor, per-packet + GSO",
    "b2": "C floor, batch 64 + GSO + copy 128",
    "c1": "app-fw, 0 rules",
    "c2": "app-fw, 100 rules",
    "c3": "app-fw, 0 rules, -b 64 -B 50 -P",
    "c4": "app-fw, 100 rules, -b 64 -B 50 -P",
    "c5": "app-fw, 1 rule",
    "c6": "app-fw, 10,000 rules",
    "d1": "app-fw, 1 digest rule",
    "d2": "app-fw, 100 digest rules",
    "d3": "app-fw, 1 digest rule, -b 64 -B 50 -P",
    "d4": "app-fw, 100 digest rules, -b 64 -B 50 -P",
    "e1": "baseline app-fw, 0 rules",
    "e3": "baseline app-fw, 0 rules, -b 64 -B 50 -P",
    "f1": "baseline app-fw, 1 digest rule",
    "f3": "baseline app-fw, 1 digest rule, -b 64 -B 50 -P",
    "s1": "app-fw signing (-t packet), no GSO",
    "v0": "app-fw on sender + app-fw on receiver INPUT",
    "s2": "app-fw signing + app-fw verifying (-i) on receiver",
}
FLOOR = {"c1": "b", "c2": "b", "c3": "b2", "c4": "b2", "c5": "b", "c6": "b",
         "d1": "b", "d2": "b", "d3": "b2", "d4": "b2",
         "e1": "b", "e3": "b2", "f1": "b", "f3": "b2"}  # same verdict mode
ZERO_RULES = {"c2": "c1", "c4": "c3", "d1": "c1", "d2": "c1", "d3": "c3", "d4": "c3", "f1": "e1", "f3": "e3"}
# The same daemon without identity rules, for the first packet's extra latency.
FIRST_BASE = {"e1": "e1", "f1": "e1", "f3": "e1"}
# Reported, no target: the cost of 10,000 rules against 1 (issue 3 asks for the measurement).
ONE_RULE = {"c6": "c5"}
# Reported, no target (issue 5): signatures against the same path without them.
SIG_COST = {"s1": ("c1", "signing cost"), "s2": ("v0", "sign+verify cost"), "v0": ("c1", "receiver app-fw cost")}


def load(path):
    values = defaultdict(list)
    rounds = set()
    with open(path) as f:
        next(f)
        for line in f:
            rnd, config, metric, value = line.rstrip("\n").split("\t")
            rounds.add(rnd)
            try:
                v = float(value)
            except ValueError:
                values[(config, metric + ":text")].append(value)
                continue
            if not math.isnan(v):
                values[(config, metric)].append(v)
    return values, len(rounds)


def main(path):
    values, rounds = load(path)
    configs = [c for c in NAMES if any(k[0] == c for k in values)]

    def med(config, metric):
        v = values.get((config, metric))
        return statistics.median(v) if v else None

    def ratio(config, other, metric):
        x, y = med(config, metric), med(other, metric) if other else None
        return x / y if x is not None and y else None

    def fmt(v, digits=2):
        return "–" if v is None else f"{v:,.{digits}f}"

    def fmt_ratio(v):
        return "–" if v is None else f"{v:.2f}×"

    print(f"### DAF bench: medians over {rounds} round(s)\n")
    print("| configuration | TCP Gbit/s | ×no fw | ×floor | UDP 64 B pps | ×no fw | ×floor "
          "| p50 µs | p99 µs | idle CPU % | B/packet | SIGTERM exit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for c in configs:
        floor = FLOOR.get(c)
        exits = (values.get((c, "exit_status"), []) + values.get((c, "exit_status:text"), [])
                 + values.get((c, "peer_exit_status"), []) + values.get((c, "peer_exit_status:text"), []))
        exit_text = "–" if not exits else ("0" if all(e == 0 for e in exits)
                                          else ",".join(str(int(e)) if isinstance(e, float) else e for e in exits))
        print(f"| {c}: {NAMES[c]} "
              f"| {fmt(med(c, 'tcp_gbps'))} | {fmt_ratio(ratio(c, 'a', 'tcp_gbps'))} | {fmt_ratio(ratio(c, floor, 'tcp_gbps'))} "
              f"| {fmt(med(c, 'udp_pps'), 0)} | {fmt_ratio(ratio(c, 'a', 'udp_pps'))} | {fmt_ratio(ratio(c, floor, 'udp_pps'))} "
              f"| {fmt(med(c, 'lat_p50_us'), 1)} | {fmt(med(c, 'lat_p99_us'), 1)} "
              f"| {fmt(med(c, 'idle_cpu_pct'), 2)} | {fmt(med(c, 'alloc_bytes_per_packet'), 3)} | {exit_text} |")

    if any(med(c, "udp_cpu_ns_per_packet") is not None for c in configs):
        print("\nThe firewall's own cost during the UDP run (CPU time of all its threads and context switches, "
              "per packet received; steadier than pps on a shared machine, lower is better):\n")
        print("| configuration | CPU ns/packet | ×floor | context switches/packet |")
        print("|---|---:|---:|---:|")
        for c in configs:
            if med(c, "udp_cpu_ns_per_packet") is None:
                continue
            print(f"| {c}: {NAMES[c]} | {fmt(med(c, 'udp_cpu_ns_per_packet'), 0)} "
                  f"| {fmt_ratio(ratio(c, FLOOR.get(c), 'udp_cpu_ns_per_packet'))} "
                  f"| {fmt(med(c, 'udp_cs_per_packet'), 4)} |")

    if any(med(c, "first_warm_us") is not None for c in configs):
        print("\nFirst datagram of a freshly started process (bench/first_packet.c; round trip, medians; "
              "extra: against c1 (e1 for e*, f*), the same daemon with no identity rule, whose first packets are not attributed):\n")
        print("| configuration | first packet µs, warm | extra vs c1 | first packet µs, cold (new binary) | extra vs c1 "
              "| second packet µs | lost |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for c in configs:
            if med(c, "first_warm_us") is None:
                continue
            def extra(metric):
                base = FIRST_BASE.get(c, "c1")
                x, y = med(c, metric), med(base, metric)
                return None if x is None or y is None or c == base else x - y
            lost = sum(values.get((c, "first_lost"), []))
            print(f"| {c}: {NAMES[c]} | {fmt(med(c, 'first_warm_us'), 0)} | {fmt(extra('first_warm_us'), 0)} "
                  f"| {fmt(med(c, 'first_cold_us'), 0)} | {fmt(extra('first_cold_us'), 0)} "
                  f"| {fmt(med(c, 'second_us'), 0)} | {int(lost)} |")

    print("\nPer round (round 1 / 2 / ...), to judge the noise:\n")
    print("| configuration | TCP Gbit/s | UDP pps | UDP CPU ns/packet | p50 µs | p99 µs |")
    print("|---|---|---|---|---|---|")
    for c in configs:
        cells = [" / ".join(f"{v:,.{d}f}" for v in values.get((c, m), [])) or "–"
                 for m, d in (("tcp_gbps", 2), ("udp_pps", 0), ("udp_cpu_ns_per_packet", 0), ("lat_p50_us", 1), ("lat_p99_us", 1))]
        print(f"| {c} | " + " | ".join(cells) + " |")

    checks = []

    def check(label, value, ok, shown):
        if value is not None:
            checks.append((label, shown, "PASS" if ok else "FAIL"))

    for c in ("c1", "c2", "c3", "c4", "c5", "c6", "d1", "d2", "d3", "d4", "e1", "e3", "f1", "f3"):
        if c not in configs:
            continue
        for metric, unit in (("tcp_gbps", "TCP throughput"), ("udp_pps", "UDP pps")):
            r = ratio(c, FLOOR[c], metric)
            check(f"{c} {unit} ≥ 80% of floor {FLOOR[c]}", r, r is not None and r >= 0.8, f"{r:.0%}" if r else "")
        if c in ZERO_RULES:
            base = ZERO_RULES[c]
            for metric, unit in (("tcp_gbps", "TCP throughput"), ("udp_pps", "UDP pps")):
                r = ratio(c, base, metric)
                cost = 1 - r if r is not None else None
                check(f"{c} {unit}: its rules cost ≤ 5% vs {base}", cost, cost is not None and cost <= 0.05,
                      f"{cost:+.1%}" if cost is not None else "")
        if c in ONE_RULE:
            base = ONE_RULE[c]
            for metric, unit in (("tcp_gbps", "TCP throughput"), ("udp_pps", "UDP pps")):
                r = ratio(c, base, metric)
                if r is not None:
                    checks.append((f"{c} {unit}: cost of 10,000 rules vs 1 ({base})", f"{1 - r:+.1%}", "reported"))
        fb = FIRST_BASE.get(c, "c1")
        if c[0] in "df" and med(c, "first_warm_us") is not None and med(fb, "first_warm_us") is not None:
            extra_us = med(c, "first_warm_us") - med(fb, "first_warm_us")
            check(f"{c} first packet of a fresh process (libraries hashed): < 2 ms extra vs {fb}", extra_us,
                  extra_us < 2000, f"{extra_us / 1000:+.2f} ms")
            cold_us = med(c, "first_cold_us")
            if cold_us is not None and med(fb, "first_cold_us") is not None:
                checks.append((f"{c} first packet of a fresh process, binary never hashed: extra vs {fb}",
                               f"{(cold_us - med(fb, 'first_cold_us')) / 1000:+.2f} ms", "reported"))
        idle = med(c, "idle_cpu_pct")
        check(f"{c} idle CPU < 0.5% of a core", idle, idle is not None and idle < 0.5, f"{idle:.2f}%" if idle is not None else "")
        alloc = med(c, "alloc_bytes_per_packet")
        check(f"{c} allocations < 1 B/packet", alloc, alloc is not None and alloc < 1, f"{alloc:.3f} B" if alloc is not None else "")
    for c, (base, what) in SIG_COST.items():
        if c not in configs or base not in configs:
            continue
        for metric, unit in (("tcp_gbps", "TCP throughput"), ("udp_pps", "UDP pps")):
            r = ratio(c, base, metric)
            if r is not None:
                checks.append((f"{c} {unit}: {what} vs {base}", f"{1 - r:+.1%} ({r:.2f}×)", "reported"))
        for metric, unit in (("lat_p50_us", "p50 latency"), ("lat_p99_us", "p99 latency")):
            x, y = med(c, metric), med(base, metric)
            if x is not None and y is not None:
                checks.append((f"{c} {unit}: {what} vs {base}", f"{x - y:+.1f} µs", "reported"))
    if checks:
        print("\n| target | measured | result |")
        print("|---|---:|---|")
        for label, shown, result in checks:
            print(f"| {label} | {shown} | {result} |")
    unqueued = [c for c in configs if c != "a" and not any(values.get((c, "queued_packets"), []))]
    if unqueued:
        print(f"\nWARNING: no packet counted as queued for {', '.join(unqueued)}: the numbers above did not go through the queue")
    for c, expected in (("c2", 100), ("c4", 100), ("c5", 1), ("c6", 10000)):
        counts = values.get((c, "rule_count"))
        if counts and any(n != expected for n in counts):
            print(f"\nWARNING: {c} ran with {int(min(counts))} rule(s) loaded instead of {expected}: its rule cost means nothing")
    malformed = [c for c in configs if any(values.get((c, "malformed_packets"), []))]
    if malformed:
        print(f"\nWARNING: app-fw counted packets as malformed in {', '.join(malformed)} (see stats.json): "
              "they were not judged by the rules")
    for c in ("s1", "s2"):
        if c in configs and not any(values.get((c, "sig_signed"), [])):
            print(f"\nWARNING: {c} signed no packet: its numbers are not those of a signing path")
        if c in configs and 0 in values.get((c, "tcp_gbps"), []):
            print(f"\nWARNING: {c}: a TCP run moved nothing: do signed segments fit the MTU (the sender's SYN-ACK rule, --sig-mtu)?")
        if any(values.get((c, "sig_sign_failed"), [])):
            print(f"\nWARNING: {c}: the signer dropped {int(sum(values[(c, 'sig_sign_failed')]))} packet(s) it could not sign")
    if "s2" in configs:
        verified = sum(values.get(("s2", "sig_verified"), []))
        rejected = {k: int(sum(values.get(("s2", "sig_" + k), []))) for k in ("unsigned", "forged", "replayed")}
        if not verified:
            print("\nWARNING: s2's receiver verified no packet")
        if any(rejected.values()):
            print("\nWARNING: s2's receiver rejected packets ("
                  + ", ".join(f"{k} {n}" for k, n in rejected.items()) + "): they were dropped, not measured")
    failed = [c for c in NAMES if values.get((c, "start_failed"))]
    if failed:
        print(f"\nconfigurations that failed to start: {', '.join(failed)}")
    print("\nRatios matter, absolutes do not: 2 shared cores run sender, receiver, softirqs and the firewall.")


if __name__ == "__main__":
    main(sys.argv[1])
