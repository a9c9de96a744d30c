#!/usr/bin/env bash
# imaged startup: time from `java` to the first answered /_ping, and the CPU it took, for ways of launching
# the same jar: the fat jar as is, the extracted layout (java -Djarmode=tools extract), and the extracted
# layout with an AppCDS archive made by one training run. See docs/benchmarks.md ("Startup").
#
#   bench/startup-bench.sh [--runs R] [--data-root DIR]   (default: an empty data root, i.e. Spring + JVM only)
#
# With --data-root pointing at a populated store (e.g. /tmp/imaged-list-bench/imaged after list-bench.sh,
# with no imaged running on it) the store load is included. Writes into /tmp/imaged-startup-bench.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
RUNS=5
DATA=
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2;;
    --data-root) DATA=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
W=/tmp/imaged-startup-bench
JAR=${IMAGED_JAR:-$repo/target/imaged.jar}
[ -f "$JAR" ] || (cd "$repo" && mvn -B -o -q package -DskipTests)
rm -rf "$W/app" && mkdir -p "$W"
[ -n "$DATA" ] || { DATA=$W/data; mkdir -p "$DATA"; }
SOCK=$W/imaged.sock
TICK=$(getconf CLK_TCK)

java -Djarmode=tools -jar "$JAR" extract --destination "$W/app" >/dev/null
# the training run: start the context, write the archive of every class it loaded, exit
java -XX:ArchiveClassesAtExit="$W/app.jsa" -Dspring.context.exit=onRefresh -Xlog:cds=off -Xlog:cds+dynamic=off \
  -jar "$W/app/imaged.jar" --imaged.data-root="$W/train" --imaged.hosts="unix://$W/train.sock" >"$W/train.log" 2>&1

one() { # $1 = label, rest = java arguments before the app arguments
  local label=$1; shift
  local t0 t1 pid ticks
  rm -f "$SOCK"
  t0=$(date +%s.%N)
  java "$@" --imaged.data-root="$DATA" --imaged.hosts="unix://$SOCK" >"$W/run.log" 2>&1 </dev/null &
  pid=$!
  python3 "$here/listbench.py" ping-wait "$SOCK" 600 >/dev/null
  t1=$(date +%s.%N)
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "{\"variant\":\"$label\",\"ping_s\":$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}"),\"cpu_s\":$(awk "BEGIN{printf \"%.2f\", $ticks / $TICK}"),\"store_ms\":$(grep -o 'loaded in [0-9]*' "$W/run.log" | grep -o '[0-9]*$' || echo null),\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}"
}

for i in $(seq "$RUNS"); do # interleaved, so that a change in machine load hits every variant alike
  one "fat jar" -jar "$JAR"
  one "extracted" -jar "$W/app/imaged.jar"
  one "extracted + AppCDS" -XX:SharedArchiveFile="$W/app.jsa" -Xlog:cds=off -jar "$W/app/imaged.jar"
done | tee "$W/results.jsonl"
python3 - "$W/results.jsonl" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| launch | runs | first /_ping, median s | CPU to first /_ping, median s | store loaded, median ms |")
print("|---|---:|---:|---:|---:|")
for v in dict.fromkeys(r["variant"] for r in rows):
    rs = [r for r in rows if r["variant"] == v]
    st = [r["store_ms"] for r in rs if r["store_ms"] is not None]
    print("| %s | %d | %.2f | %.2f | %s |" % (v, len(rs), statistics.median(r["ping_s"] for r in rs),
          statistics.median(r["cpu_s"] for r in rs), statistics.median(st) if st else "–"))
print("load average during the runs: %s" % ", ".join(r["load"] for r in rows))
EOF
