#!/usr/bin/env bash
# Listing at scale: GET /images/json on imaged vs a reference dockerd holding the same images.
# See docs/benchmarks.md ("Listing") for what it measures and the results.
#
#   bench/list-bench.sh [--sizes "2000 20000"] [--dockerd-max N] [--runs R] [--jobs J] [--dir DIR] [--keep]
#
# --sizes        image counts to measure at, ascending (each image has 2 tags and 2 labels)
# --dockerd-max  populate/measure dockerd only up to this many images (it imports ~15 images/s here)
# --dir          work directory (default /tmp/imaged-list-bench); stores there are reused by a rerun,
#                population is incremental, so a second run only times
# --keep         leave the daemons running at the end
# --populate-only  fill the stores and stop (time later with the same --dir)
# Needs: java 17, python3, dockerd (Debian docker.io; overlay2), curl. Runs as root (dockerd).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
SIZES="2000 20000"
DOCKERD_MAX=20000
RUNS=20
JOBS=4
DIR=/tmp/imaged-list-bench
KEEP=0
POPULATE_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2;;
    --dockerd-max) DOCKERD_MAX=$2; shift 2;;
    --runs) RUNS=$2; shift 2;;
    --jobs) JOBS=$2; shift 2;;
    --dir) DIR=$2; shift 2;;
    --keep) KEEP=1; shift;;
    --populate-only) POPULATE_ONLY=1; shift;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
B="python3 $here/listbench.py"
JAR=${IMAGED_JAR:-$repo/target/imaged.jar}
ID=$DIR/imaged            # imaged data root and socket
RD=$DIR/dockerd           # dockerd data root, exec root, socket
ISOCK=$ID/imaged.sock
DSOCK=$RD/docker.sock
RESULTS=$DIR/results.jsonl
mkdir -p "$ID" "$RD"
: > "$RESULTS"

[ -f "$JAR" ] || (cd "$repo" && mvn -B -o -q package -DskipTests)
command -v dockerd >/dev/null || { echo "dockerd not found (apt-get install docker.io)" >&2; exit 1; }

log() { echo "[$(date +%T)] $*" >&2; }
facts() {
  echo "{\"facts\":{\"nproc\":$(nproc),\"mem_gib\":$(awk '/MemTotal/{printf "%.1f",$2/1048576}' /proc/meminfo),\"cpu\":\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\",\"java\":\"$(java -version 2>&1 | head -1 | sed 's/"//g')\",\"dockerd\":\"$(dockerd --version)\",\"kernel\":\"$(uname -r)\"}}" >> "$RESULTS"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

IMAGED_PID=
start_imaged() {
  local t0 t1
  t0=$(date +%s.%N)
  setsid java ${IMAGED_JAVA_OPTS:-} -jar "$JAR" --imaged.data-root="$ID" --imaged.hosts="unix://$ISOCK" \
    >"$DIR/imaged.log" 2>&1 </dev/null &
  IMAGED_PID=$!
  $B ping-wait "$ISOCK" 300 >/dev/null
  t1=$(date +%s.%N)
  IMAGED_UP=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")
  IMAGED_CPU=$(awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$IMAGED_PID/stat") # CPU until /_ping
}
stop_imaged() {
  [ -n "$IMAGED_PID" ] || return 0
  kill "$IMAGED_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$IMAGED_PID" 2>/dev/null || break; sleep 0.1; done
  IMAGED_PID=
}
start_dockerd() {
  local t0 t1
  t0=$(date +%s.%N)
  setsid dockerd --data-root "$RD/data" --exec-root "$RD/exec" --pidfile "$RD/dockerd.pid" -H "unix://$DSOCK" \
    --storage-driver overlay2 --iptables=false --ip6tables=false --bridge=none >"$DIR/dockerd.log" 2>&1 </dev/null &
  $B ping-wait "$DSOCK" 600 >/dev/null
  t1=$(date +%s.%N)
  DOCKERD_UP=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")
}
stop_dockerd() {
  [ -f "$RD/dockerd.pid" ] || return 0
  local pid; pid=$(cat "$RD/dockerd.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}
cleanup() { [ "$KEEP" = 1 ] && return 0; stop_imaged; stop_dockerd; }
trap cleanup EXIT

rss_kib() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
record_startup() { # $1 = images
  local loaded
  loaded=$(grep -o 'loaded in [0-9]* ms' "$DIR/imaged.log" | tail -1 | grep -o '[0-9]*')
  local started; started=$(grep -o 'Started ImagedApplication in [0-9.]* seconds' "$DIR/imaged.log" | tail -1 | grep -o '[0-9.]*' | head -1)
  # RSS after one full listing, as a running daemon would be
  curl -sf --unix-socket "$ISOCK" http://x/images/json?all=1 >/dev/null
  echo "{\"startup\":{\"daemon\":\"imaged\",\"images\":$1,\"ping_s\":$IMAGED_UP,\"cpu_s\":$IMAGED_CPU,\"store_loaded_ms\":${loaded:-null},\"spring_started_s\":${started:-null},\"rss_kib\":$(rss_kib "$IMAGED_PID"),\"load\":\"$(load)\"}}" >> "$RESULTS"
}

facts
log "starting imaged ($JAR) and dockerd under $DIR"
start_imaged
start_dockerd
for N in $SIZES; do
  log "populating up to $N images (imaged) and $(( N < DOCKERD_MAX ? N : DOCKERD_MAX )) (dockerd), $JOBS parallel clients each"
  $B populate "$ISOCK" 0 "$N" --jobs "$JOBS" >> "$DIR/populate.log" &
  ip=$!
  dp=
  if [ "$N" -le "$DOCKERD_MAX" ]; then $B populate "$DSOCK" 0 "$N" --jobs "$JOBS" >> "$DIR/populate.log" & dp=$!; fi
  wait $ip; [ -z "$dp" ] || wait $dp
  [ "$POPULATE_ONLY" = 0 ] || continue

  log "restarting imaged to measure startup with $N images"
  stop_imaged
  start_imaged
  record_startup "$N"
  if [ "$N" -le "$DOCKERD_MAX" ]; then
    stop_dockerd; start_dockerd
    echo "{\"startup\":{\"daemon\":\"dockerd\",\"images\":$N,\"ping_s\":$DOCKERD_UP,\"rss_kib\":$(rss_kib "$(cat "$RD/dockerd.pid")"),\"load\":\"$(load)\"}}" >> "$RESULTS"
  fi

  # back-to-back series so both daemons see the same machine load; imaged twice (cold-ish JIT, then warm)
  for who in imaged dockerd imaged; do
    if [ "$who" = dockerd ] && [ "$N" -gt "$DOCKERD_MAX" ]; then continue; fi
    sock=$ISOCK; [ "$who" = dockerd ] && sock=$DSOCK
    l=$(load)
    log "timing $who at $N images (load $l)"
    $B time "$sock" "$who" --runs "$RUNS" | sed "s/^{/{\"images\":$N,\"load\":\"$l\",/" >> "$RESULTS"
  done
done
[ "$POPULATE_ONLY" = 1 ] || python3 "$here/list-report.py" "$RESULTS"
