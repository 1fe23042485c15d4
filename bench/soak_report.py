#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Judges one bench/soak.sh run: reads its results directory, prints the figures and a PASS/FAIL table (markdown),
exits 1 when a criterion fails."""
import json
import sys
from pathlib import Path

PORT_STEADY, PORT_BLOCKED, PORT_ALLOWED = "9200", "9201", "9202"


def pairs(line):
    return dict(item.split("=", 1) for item in line.split() if "=" in item)


def main(results: Path) -> int:
    meta = dict(line.split("=", 1) for line in (results / "meta").read_text().splitlines() if "=" in line)
    warmup, duration, slack = int(meta["warmup"]), int(meta["duration"]), int(meta["fd_slack"])
    samples = []
    for line in (results / "samples.tsv").read_text().splitlines()[1:]:
        t, rss, fds, threads, load = line.split("\t")
        samples.append((int(t), int(rss), int(fds), int(threads), float(load)))
    churn = pairs((results / "churn.txt").read_text()) if (results / "churn.txt").exists() else {}
    steady = pairs((results / "steady.txt").read_text()) if (results / "steady.txt").exists() else {}
    sink = {}
    for line in (results / "sink.txt").read_text().splitlines():
        if line.startswith("port="):
            fields = pairs(line)
            sink[fields["port"]] = fields
    stats_path = results / "state" / "stats.json"
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else None
    out = stats["queues"][0] if stats else {}

    checks = []

    def check(name, ok, measured):
        checks.append((name, measured, "PASS" if ok else "FAIL"))

    after = [s for s in samples if s[0] >= warmup]
    if len(after) >= 2:
        # Averages of three samples on each side, so one garbage collection does not decide.
        base = after[:3]
        end = after[-3:]
        rss_base = sum(s[1] for s in base) / len(base)
        rss_end = sum(s[1] for s in end) / len(end)
        growth = (rss_end - rss_base) / rss_base * 100
        rss_max = max(s[1] for s in after)
        check("resident memory flat: growth after warm-up <= 10%", growth <= 10,
              f"{rss_base / 1024:.1f} MiB at {base[0][0]} s -> {rss_end / 1024:.1f} MiB at {end[-1][0]} s ({growth:+.1f}%), "
              f"max {rss_max / 1024:.1f} MiB, {samples[0][1] / 1024:.1f} MiB at start")
        fd_base, fd_end, fd_max = base[0][2], end[-1][2], max(s[2] for s in after)
        check(f"no descriptor leak: descriptors at the end <= after warm-up + {slack}", fd_end <= fd_base + slack,
              f"{fd_base} after warm-up -> {fd_end} at the end (max {fd_max}, {samples[0][2]} at start)")
    else:
        check("resident memory flat: growth after warm-up <= 10%", False, f"only {len(after)} samples after the warm-up")
        check("no descriptor leak", False, "too few samples")

    hold_max = out.get("deferredHoldMaxMs")
    over = out.get("deferredHeldOver1s")
    check("no packet held longer than 1 s (app-fw: deferred packets)", stats is not None and over == 0 and hold_max <= 1000,
          f"max {hold_max} ms over {out.get('deferredDecided')} deferred packets, {over} over 1 s" if stats else "no stats.json")
    e2e_max = max((float(p["max_ms"]) for p in sink.values()), default=None)
    e2e_over = sum(int(p["over_1s"]) for p in sink.values())
    check("no packet held longer than 1 s (send to arrival, every delivered packet)", e2e_max is not None and e2e_over == 0 and e2e_max <= 1000,
          f"max {e2e_max:.1f} ms, {e2e_over} over 1 s" if e2e_max is not None else "no sink figures")
    unattributed = out.get("unattributed")
    check("no missed attribution counted (stats.json unattributed = 0)", unattributed == 0, f"{unattributed}")

    blocked_sent = int(churn.get("datagrams_blocked", 0))
    blocked_got = int(sink.get(PORT_BLOCKED, {}).get("received", -1))
    check("every packet of a process mapping the blocked library dropped", blocked_sent > 0 and blocked_got == 0,
          f"{blocked_got} of {blocked_sent} arrived")
    allowed_sent = int(churn.get("datagrams_allowed", 0))
    allowed_got = int(sink.get(PORT_ALLOWED, {}).get("received", -1))
    check("every packet of the other short-lived processes arrived", allowed_sent > 0 and allowed_got == allowed_sent,
          f"{allowed_got} of {allowed_sent} arrived")
    steady_sent = int(steady.get("sent", 0))
    steady_got = int(sink.get(PORT_STEADY, {}).get("received", -1))
    check("every packet of the steady sender arrived", steady_sent > 0 and steady_got == steady_sent,
          f"{steady_got} of {steady_sent} arrived")
    per_minute = float(churn.get("per_minute", 0))
    bad = int(churn.get("exited_bad", 0)) + int(churn.get("spawn_failed", 0))
    check(">= 1,000 short-lived processes per minute, each sending", per_minute >= 1000 and bad == 0,
          f"{churn.get('started', 0)} processes in {churn.get('seconds', '?')} s = {per_minute:.0f}/min "
          f"({churn.get('blocked', 0)} mapping the blocked library), {bad} failed")
    check("app-fw alive to the end, exits 0 on SIGTERM", meta.get("fw_exit") == "0", f"exit status {meta.get('fw_exit')}")

    print(f"# DAF soak: {duration} s, warm-up {warmup} s, commit {meta.get('commit')}, kernel {meta.get('kernel')}, {meta.get('cpus')} CPUs")
    print()
    print(f"load average (1/5/15 min) at start {meta.get('load_start')}, at end {meta.get('load_end', '?')}")
    if stats:
        print(f"app-fw OUTPUT queue: {out['received']} packets, {out['accepted']} accepted, {out['dropped']} dropped, "
              f"{out['deferred']} deferred, {out['identityLookups']} identity lookups on the hot path, "
              f"{out['enobufs']} ENOBUFS; {stats['allocatedBytes'] / 2**20:.0f} MiB allocated in all")
    if samples:
        print(f"threads {samples[0][3]} at start, {samples[-1][3]} at the end; {len(samples)} samples every {meta.get('sample')} s")
    print()
    print("| criterion | measured | result |")
    print("|---|---|---|")
    for name, measured, result in checks:
        print(f"| {name} | {measured} | {result} |")
    failed = [c for c in checks if c[2] == "FAIL"]
    print()
    print("soak: PASS" if not failed else f"soak: FAIL ({len(failed)} of {len(checks)} criteria)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
