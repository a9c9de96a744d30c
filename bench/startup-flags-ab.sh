#!/usr/bin/env bash
# Interleaved A/B of JVM flags on imaged's start: for each round, one start per variant (IMAGED_JAVA_OPTS of the
# launcher), first /_ping and CPU to it; medians per variant at the end. For a noisy machine: the variants see the same
# load, so compare them within one run only.
#
#   bash bench/startup-flags-ab.sh --data DIR [--rounds N] -- "" "-XX:TieredStopAtLevel=1" "-Xms96m" ...
#   IMAGED_DIST=DIR JAVA_HOME=...     the launcher layout and JVM (as startup-store-bench.sh)
#
# DIR is a data root (list-bench.sh --populate-only fills one); "" is the launcher's own flags. Each start waits for
# the store's background check and stops cleanly, so every start finds the index. Never contacts anything but
# 127.0.0.1 (docker.io pinned to a closed port).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DATA= ROUNDS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA=$2; shift 2;;
    --rounds) ROUNDS=$2; shift 2;;
    --) shift; break;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
[ -n "$DATA" ] && [ $# -gt 0 ] || { echo "usage: $0 --data DIR [--rounds N] -- VARIANT..." >&2; exit 2; }
DIST=${IMAGED_DIST:-$(dirname "$here")/target/imaged}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
TICK=$(getconf CLK_TCK)
start_once() { # $1 = flags; prints "ping_s cpu_s"
  local sock=$W/imaged.sock t0 t1 pid cpu
  rm -f "$sock"; sleep 2
  t0=$(date +%s.%N)
  IMAGED_JAVA_OPTS="$1" setsid "$DIST/imaged" --imaged.data-root="$DATA" --imaged.hosts="unix://$sock" \
    --imaged.registry.docker-io-upstream=http://127.0.0.1:9 --imaged.registry.docker-io-index=http://127.0.0.1:9 \
    >"$W/log" 2>&1 </dev/null &
  pid=$!
  python3 "$here/listbench.py" ping-wait "$sock" 60 >/dev/null || { echo "no /_ping; log:" >&2; tail -5 "$W/log" >&2; kill "$pid"; exit 1; }
  t1=$(date +%s.%N)
  cpu=$(awk -v t="$TICK" '{printf "%.2f", ($14 + $15) / t}' "/proc/$pid/stat")
  for _ in $(seq 100); do grep -q "store checked against its index" "$W/log" && break; sleep 0.1; done
  kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  echo "$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}") $cpu"
}
for _ in $(seq "$ROUNDS"); do
  k=0
  for v in "$@"; do echo "$k $(start_once "$v")"; k=$((k + 1)); done
done > "$W/results"
python3 - "$W/results" "$@" <<'P'
import collections, statistics, sys
ping, cpu = collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    k, p, c = line.split(); ping[int(k)].append(float(p)); cpu[int(k)].append(float(c))
print("| flags | first /_ping, median s (runs) | CPU to /_ping, median s |\n|---|---|---:|")
for k, v in enumerate(sys.argv[2:]):
    print(f"| {v or '(launcher flags only)'} | {statistics.median(ping[k]):.2f} ({' '.join(f'{x:.2f}' for x in ping[k])}) | {statistics.median(cpu[k]):.2f} |")
P
