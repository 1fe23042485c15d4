#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs DAF's test projects and prints one summary line: `tests: N passed, M failed, K skipped`.
#   scripts/run-tests.sh [unit|e2e|all] [dotnet test options, e.g. --filter NAME]   (default: all)
# Exits non-zero when a test fails, a project fails to build or hangs, no test ran at all,
# or the tests left a `daf-` network namespace behind. The e2e tests need root.
set -uo pipefail
cd "$(dirname "$0")/.."

SUITE="${1:-all}"
shift $(($# > 0 ? 1 : 0))
CONFIGURATION="${CONFIGURATION:-Release}"
DOTNET="${DOTNET:-dotnet}"
UNIT_PROJECTS=(tests/Daf.Interop.Tests tests/Daf.Actors.Tests)
E2E_PROJECTS=(tests/Daf.EndToEnd.Tests)

case "$SUITE" in
  unit) PROJECTS=("${UNIT_PROJECTS[@]}") ;;
  e2e)  PROJECTS=("${E2E_PROJECTS[@]}") ;;
  all)  PROJECTS=("${UNIT_PROJECTS[@]}" "${E2E_PROJECTS[@]}") ;;
  -h|--help) sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "run-tests: unknown suite '$SUITE' (expected unit, e2e or all)" >&2; exit 2 ;;
esac

if [ "$SUITE" != unit ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "run-tests: the e2e tests need root (network namespaces, iptables): run 'sudo make test'" >&2
    exit 2
  fi
  if [ ! -x bin/app-fw ]; then
    echo "run-tests: bin/app-fw is missing: run 'make' first (or 'make test')" >&2
    exit 2
  fi
fi

daf_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep '^daf-' | sort || true; }

NS_BEFORE="$(daf_namespaces)"
if [ -n "$NS_BEFORE" ]; then
  echo "run-tests: warning: daf- network namespaces exist before the run (left by an earlier run or in use elsewhere):" >&2
  sed 's/^/  /' <<<"$NS_BEFORE" >&2
fi

RESULTS="$(mktemp -d /tmp/daf-test-results.XXXXXX)"
trap 'rm -rf "$RESULTS"' EXIT
export DAF_E2E_NS_LOG="$RESULTS/netns.log"

failed_projects=()
for project in "${PROJECTS[@]}"; do
  name="$(basename "$project")"
  echo "=== $name"
  "$DOTNET" test "$project" -c "$CONFIGURATION" --nologo \
      --logger "console;verbosity=normal" \
      --logger "trx;LogFileName=$name.trx" \
      --results-directory "$RESULTS" \
      --blame-hang-timeout 5m --blame-hang-dump-type none "$@"
  rc=$?
  if [ $rc -ne 0 ]; then
    failed_projects+=("$name (dotnet test exit $rc)")
  fi
  if ! compgen -G "$RESULTS/$name.trx" >/dev/null; then
    echo "run-tests: $name produced no test results (build failure or crash)" >&2
    failed_projects+=("$name (no results)")
  fi
done

# Totals from the TRX files' <Counters> elements (skipped tests from their NotExecuted results), and the name and
# the first 1,500 characters of the message of each failed test in $RESULTS/failures.txt: CI shows only the tail of this output.
read -r PASSED FAILED SKIPPED < <(python3 - "$RESULTS" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
LIMIT = 1500  # characters of each failure message: its start must explain it (CI shows only the tail of the run)
passed = failed = skipped = 0
failures = []
for path in sorted(glob.glob(sys.argv[1] + "/**/*.trx", recursive=True)):
    for element in ET.parse(path).getroot().iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "Counters":
            a = element.attrib
            passed += int(a.get("passed", 0))
            failed += int(a.get("failed", 0)) + int(a.get("error", 0)) + int(a.get("timeout", 0)) + int(a.get("aborted", 0))
        elif tag == "UnitTestResult" and element.attrib.get("outcome") == "NotExecuted":
            skipped += 1  # a skipped test: the Counters element does not count it
        elif tag == "UnitTestResult" and element.attrib.get("outcome") != "Passed":
            message = next((m.text or "" for m in element.iter() if m.tag.endswith("}Message")), "").strip()
            if len(message) > LIMIT:
                message = message[:LIMIT] + f" [... {len(message) - LIMIT} more characters in the .trx]"
            lines = [line.rstrip() for line in message.splitlines() if line.strip()]
            failures.append("\n      ".join([f"{element.attrib.get('testName', '?')}: {lines[0] if lines else ''}"] + lines[1:]))
with open(sys.argv[1] + "/failures.txt", "w") as out:
    out.writelines(line + "\n" for line in failures)
print(passed, failed, skipped)
PY
)
PASSED="${PASSED:-0}"; FAILED="${FAILED:-0}"; SKIPPED="${SKIPPED:-0}"

status=0
for p in "${failed_projects[@]}"; do
  echo "run-tests: failed: $p" >&2
  status=1
done
if [ "$FAILED" -gt 0 ]; then status=1; fi
if [ $((PASSED + FAILED)) -eq 0 ]; then
  echo "run-tests: no test ran" >&2
  status=1
fi

# Namespaces that appeared during the run and are still there after a grace period (a concurrent
# program may own short-lived daf- namespaces; on a shared machine it may also own long-lived ones).
# Every daf-e2e- namespace of this run is in DAF_E2E_NS_LOG: others of that name belong to another run.
leaked() {
  comm -13 <(echo "$NS_BEFORE") <(daf_namespaces) | sed '/^$/d' | while read -r ns; do
    case "$ns" in
      daf-e2e-*) grep -qxF "$ns" "$DAF_E2E_NS_LOG" 2>/dev/null && echo "$ns" ;;
      *) echo "$ns" ;;
    esac
  done
}
LEAKED="$(leaked)"
for _ in 1 2 3 4 5; do
  [ -z "$LEAKED" ] && break
  sleep 2
  LEAKED="$(leaked)"
done
if [ -n "$LEAKED" ]; then
  echo "run-tests: the tests leaked network namespaces (or another DAF run on this machine owns them):" >&2
  while read -r ns; do
    echo "  $ns: $(ip netns pids "$ns" 2>/dev/null | xargs -r ps -o args= -p 2>/dev/null | head -3 | paste -sd';' -)" >&2
  done <<<"$LEAKED"
  status=1
fi
# Namespaces this run's e2e beds created (NetnsBed logs them to DAF_E2E_NS_LOG) are certainly ours:
# remove any that survived, so that a crashed run does not pile them up. Others are left to their owner.
if [ -f "$DAF_E2E_NS_LOG" ]; then
  for ns in $(sort -u "$DAF_E2E_NS_LOG"); do
    [ -e "/run/netns/$ns" ] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null && echo "run-tests: removed $ns, left behind by the e2e tests" >&2
    status=1
  done
fi

if [ -s "$RESULTS/failures.txt" ]; then
  echo "run-tests: failed tests:"
  sed '/^ /!s/^/  FAILED /' "$RESULTS/failures.txt"
fi
echo "tests: $PASSED passed, $FAILED failed, $SKIPPED skipped"
exit $status
