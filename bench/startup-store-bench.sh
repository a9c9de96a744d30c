#!/usr/bin/env bash
# Startup with a populated store (issue 11, item 1): process start to the first answered /_ping of imaged, started as
# the README says (target/imaged/imaged: class-data archive, AOT mode), against dockerd 20.10 on its own populated
# data root — in one run, interleaved, so both see the same machine.
#
#   bench/startup-store-bench.sh --imaged DIR [--dockerd DIR] [--runs R]
#   IMAGED_DIST=/tmp/app25 JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bench/startup-store-bench.sh ...
#       another layout of the launcher (default target/imaged), e.g. a copy whose archive make-archive made with JDK 25
#
# DIR are the data roots list-bench.sh fills (`--populate-only --dir /tmp/lb` gives /tmp/lb/imaged and
# /tmp/lb/dockerd); no daemon may be running on them. Per run, imaged starts twice: "index" (the store-index the
# previous clean stop wrote) and "no index" (the index deleted first: what the start after a crash does, reading and
# hashing every config). Each imaged is stopped with SIGTERM after its /_ping and after the store's background check
# has finished, so the next start finds the index a clean stop writes. Results in /tmp/imaged-startup-store/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
IDATA= DDATA= RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --imaged) IDATA=$2; shift 2;;
    --dockerd) DDATA=$2; shift 2;;
    --runs) RUNS=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
[ -n "$IDATA" ] || { echo "--imaged DIR is required" >&2; exit 2; }
W=/tmp/imaged-startup-store; mkdir -p "$W"
DIST=${IMAGED_DIST:-$repo/target/imaged}
[ -x "$DIST/imaged" ] || (cd "$repo" && ./mvnw -B -o -q package -DskipTests)
TICK=$(getconf CLK_TCK)
ping_wait() { python3 "$here/listbench.py" ping-wait "$1" 900 >/dev/null; }
cpu_of() { awk -v t="$TICK" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
images_in() { curl -sf --unix-socket "$1" http://x/images/json?all=1 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

imaged_once() { # $1 = label
  local sock=$W/imaged.sock t0 t1 pid cpu n
  rm -f "$sock"
  [ "$1" = "no index" ] && rm -f "$IDATA/store-index"
  t0=$(date +%s.%N)
  setsid "$DIST/imaged" --imaged.data-root="$IDATA" --imaged.hosts="unix://$sock" \
    --imaged.registry.docker-io-upstream=http://127.0.0.1:9 --imaged.registry.docker-io-index=http://127.0.0.1:9 \
    >"$W/imaged.log" 2>&1 </dev/null &
  pid=$!
  ping_wait "$sock"
  t1=$(date +%s.%N)
  pid=$(pgrep -n -f "imaged.data-root=$IDATA") # the launcher execs java: same pid, looked up to be sure
  cpu=$(cpu_of "$pid")
  n=$(images_in "$sock")
  # the background check of an indexed start, then a clean stop (which writes the next index)
  if [ "$1" != "no index" ]; then
    for _ in $(seq 600); do grep -q "store checked against its index" "$W/imaged.log" && break; sleep 0.1; done
  fi
  kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "{\"daemon\":\"imaged\",\"variant\":\"$1\",\"images\":$n,\"ping_s\":$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}"),\"cpu_s\":$cpu,\"store_line\":\"$(grep -o 'store at .*' "$W/imaged.log" | head -1 | sed 's/"//g')\",\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}"
}

dockerd_once() {
  local sock=$W/docker.sock t0 t1 pid n
  rm -f "$sock"
  t0=$(date +%s.%N)
  setsid dockerd --data-root "$DDATA/data" --exec-root "$W/dexec" --pidfile "$W/dockerd.pid" -H "unix://$sock" \
    --storage-driver overlay2 --iptables=false --ip6tables=false --bridge=none >"$W/dockerd.log" 2>&1 </dev/null &
  ping_wait "$sock"
  t1=$(date +%s.%N)
  pid=$(cat "$W/dockerd.pid")
  n=$(images_in "$sock")
  kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "{\"daemon\":\"dockerd\",\"variant\":\"-\",\"images\":$n,\"ping_s\":$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}"),\"cpu_s\":null,\"store_line\":\"\",\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}"
}

imaged_once "warm-up" >/dev/null # writes an index if none is there, and fills the page cache
for i in $(seq "$RUNS"); do
  imaged_once "index"
  [ -z "$DDATA" ] || dockerd_once
  imaged_once "no index"
  imaged_once "index" >/dev/null # the no-index run's clean stop wrote an index again; one start to settle
done | tee "$W/results.jsonl"
python3 - "$W/results.jsonl" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| daemon | start | images | runs | first /_ping, median s (runs) | CPU to /_ping, median s |")
print("|---|---|---:|---:|---|---:|")
for key in dict.fromkeys((r["daemon"], r["variant"]) for r in rows):
    rs = [r for r in rows if (r["daemon"], r["variant"]) == key]
    cpu = [r["cpu_s"] for r in rs if r["cpu_s"] is not None]
    print("| %s | %s | %d | %d | %.2f (%s) | %s |" % (key[0], key[1], rs[0]["images"], len(rs),
          statistics.median(r["ping_s"] for r in rs), " ".join("%.2f" % r["ping_s"] for r in rs),
          "%.2f" % statistics.median(cpu) if cpu else "–"))
print("load average (1 min) at each run: %s" % ", ".join(r["load"] for r in rows))
for r in rows:
    if r["store_line"]: print("imaged %s: %s" % (r["variant"], r["store_line"]))
EOF
