#!/usr/bin/env bash
# Transfer benchmark of imaged against dockerd (overlay2) and skopeo, all on loopback (issue #3 part 10).
#
#   bash bench/transfer-bench.sh            # REPS=3 by default; results in $WORK/results.md (and stdout)
#
# In one run: generates (once, cached in $WORK/images) a ~700 MB 4-layer image and a 40-layer image as OCI
# layouts, uploads them with skopeo into a private docker-registry on a free loopback port, starts imaged
# (as the README says: the launcher `target/imaged/imaged` with its class-data archive and memory options; own data
# root and socket) and a private dockerd (own data/exec root, socket, pid file), then times with the docker CLI:
#   - docker pull of both images through imaged and through dockerd (rmi between repetitions)
#   - skopeo copy of both images to a dir: (the floor: download + verify, no unpacking)
#   - docker push of the big image (pulled, then tagged) to a SECOND registry whose storage is wiped before
#     every push, so every blob really uploads (no cross-repository mount is possible)
# imaged's peak RSS is its VmHWM from /proc at the end (peak over its whole life), plus VmRSS sampled every 100 ms.
# Never contacts anything but 127.0.0.1. Not part of the Maven test run.
#
#   BIG_MIX=dense BIG_LAYER_MB=135   the big image like issue 11's (~566 MB plain, ~250 MB gzip; cached per mix/size)
#   IMAGED_DIST=DIR                   the launcher layout to run (default target/imaged; e.g. a copy of a baseline build)
#   IMAGED_LAUNCH=jar                 run `java $IMAGED_JAVA_OPTS -jar target/imaged.jar` instead (the JVM's defaults)
#   IMAGED_JAVA_OPTS=...              added to the launcher's options (or the only options with the jar)
#   IMAGES=big PUSH_REPS=0            only the big pull (the default is "big many", pushes REPS times)
set -euo pipefail

REPS=${REPS:-3}
WORK=${WORK:-/tmp/imaged-transfer-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/target/imaged.jar
LAUNCH=${IMAGED_LAUNCH:-launcher}
DIST=${IMAGED_DIST:-$ROOT/target/imaged}
JAVA_OPTS=${IMAGED_JAVA_OPTS:-}
BIG_MIX=${BIG_MIX:-half}
BIG_LAYER_MB=${BIG_LAYER_MB:-175}
BIG_SEED=${BIG_SEED:-11}
# the default image keeps its old cache directory; another mix, size or seed gets its own
BIG_DIR=big; [ "$BIG_MIX/$BIG_LAYER_MB/$BIG_SEED" = half/175/11 ] || BIG_DIR=big-$BIG_MIX-$BIG_LAYER_MB-$BIG_SEED
mkdir -p "$WORK"
RUN=$WORK/run
PIDS=()

. "$ROOT/bench/lib.sh"
now() { date +%s.%N; }
trap cleanup EXIT

# ---- build and generate -------------------------------------------------------------------------------------
if [ -z "${IMAGED_DIST:-}" ] && { [ ! -f "$JAR" ] || [ ! -x "$DIST/imaged" ] || [ -n "${REBUILD:-}" ]; }; then
  log "building"; (cd "$ROOT" && ./mvnw -B -o -q package -DskipTests)
fi
if [ ! -f "$WORK/images/$BIG_DIR/index.json" ]; then
  log "generating the big image (4 layers x $BIG_LAYER_MB MB, mix $BIG_MIX)"; rm -rf "$WORK/images/$BIG_DIR"
  python3 "$ROOT/bench/gen-oci-image.py" "$WORK/images/$BIG_DIR" 1 4 "$BIG_LAYER_MB" "$BIG_SEED" "$BIG_MIX"
fi
if [ ! -f "$WORK/images/many/index.json" ]; then
  log "generating the 40-layer image"; rm -rf "$WORK/images/many"
  python3 "$ROOT/bench/gen-oci-image.py" "$WORK/images/many" 1 40 "${MANY_LAYER_MB:-2.5}" 12
fi

rm -rf "$RUN"; mkdir -p "$RUN"
export DOCKER_CONFIG=$RUN/docker-config; mkdir -p "$DOCKER_CONFIG"
P1=$(free_port); start_registry reg1 "$P1"
P2=$(free_port); start_registry reg2 "$P2"
R1=127.0.0.1:$P1; R2=127.0.0.1:$P2
BIG=$R1/bench/big:1; MANY=$R1/bench/many:1
log "uploading the images into $R1"
skopeo copy -q --dest-tls-verify=false --format v2s2 "oci:$WORK/images/$BIG_DIR:1" "docker://$BIG"
skopeo copy -q --dest-tls-verify=false --format v2s2 "oci:$WORK/images/many:1" "docker://$MANY"

# ---- daemons ------------------------------------------------------------------------------------------------
log "starting imaged ($LAUNCH)"
mkdir -p "$RUN/imaged"
ITCP=$(free_port)
# a copy, so that a rebuild during the run does not pull the program from under it
if [ "$LAUNCH" = jar ]; then
  cp "$JAR" "$RUN/imaged.jar"; JAR=$RUN/imaged.jar
  CMD=(java $JAVA_OPTS -jar "$JAR")
else
  cp -r "$DIST" "$RUN/imaged-dist"
  CMD=("$RUN/imaged-dist/imaged")
  export IMAGED_JAVA_OPTS=$JAVA_OPTS
fi
# shellcheck disable=SC2086
(cd "$RUN/imaged" && IMAGED_DATA_ROOT=$RUN/imaged/data IMAGED_HOSTS="unix://$RUN/imaged.sock,tcp://127.0.0.1:$ITCP" \
  setsid "${CMD[@]}" >"$RUN/imaged.log" 2>&1 </dev/null) &
for _ in $(seq 300); do curl -sf --unix-socket "$RUN/imaged.sock" http://x/_ping >/dev/null 2>&1 && break; sleep 0.2; done
# the JVM (the launcher execs it, or runs it as its child)
IPID=$(pgrep -n -f "java .*(-jar $JAR|$RUN/imaged-dist/)")
PIDS+=("$IPID")
log "imaged pid $IPID"
( while kill -0 "$IPID" 2>/dev/null; do awk '/VmRSS/{print $2}' "/proc/$IPID/status" 2>/dev/null; sleep 0.1; done ) > "$RUN/imaged-rss.txt" &
PIDS+=($!)

log "starting dockerd"
setsid dockerd --data-root "$RUN/dockerd" --exec-root "$RUN/dexec" --pidfile "$RUN/dockerd.pid" \
  -H "unix://$RUN/docker.sock" --storage-driver overlay2 --iptables=false --ip6tables=false --bridge=none \
  --insecure-registry "$R1" --insecure-registry "$R2" >"$RUN/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 150); do curl -sf --unix-socket "$RUN/docker.sock" http://x/_ping >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf --unix-socket "$RUN/docker.sock" http://x/_ping >/dev/null || { log "dockerd did not start"; tail "$RUN/dockerd.log"; exit 1; }

DPID=$(cat "$RUN/dockerd.pid")
declare -A DPIDS=([imaged]="$IPID" [dockerd]="$DPID")
declare -A HOST=([imaged]="unix://$RUN/imaged.sock" [dockerd]="unix://$RUN/docker.sock")
RESULTS=$RUN/times.tsv; : > "$RESULTS"
record() { echo -e "$1\t$2\t$3" >> "$RESULTS"; log "$1 $2: $3 (wall s, cpu s)"; }
TICK=$(getconf CLK_TCK)
# CPU seconds (user+sys, all threads) of the daemon processes given and their children (dockerd's containerd)
daemon_cpu() {
  local p all=()
  for p in "$@"; do all+=("$p" $(pgrep -P "$p" || true)); done
  for p in "${all[@]}"; do awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || true; done | awk -v t="$TICK" '{s+=$1} END {print s/t}'
}
# timed PIDS... -- command: wall seconds and CPU seconds (the command's own plus the daemons')
timed() {
  local pids=() c0 c1 out
  while [ "$1" != -- ]; do pids+=("$1"); shift; done; shift
  c0=$(daemon_cpu "${pids[@]}")
  out=$(python3 -c 'import resource,subprocess,sys,time
t=time.monotonic(); rc=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL).returncode; w=time.monotonic()-t
r=resource.getrusage(resource.RUSAGE_CHILDREN); print(f"{w:.2f}\t{r.ru_utime+r.ru_stime:.2f}"); sys.exit(rc)' "$@")
  c1=$(daemon_cpu "${pids[@]}")
  python3 -c "import sys; w,c='$out'.split(); print(f'{w}\t{float(c)+$c1-$c0:.2f}')"
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

LOAD_START=$(loadavg)
# ---- pulls --------------------------------------------------------------------------------------------------
for rep in $(seq "$REPS"); do
  for img in ${IMAGES:-big many}; do
    ref=$R1/bench/$img:1
    for tool in imaged dockerd; do
      DOCKER_HOST=${HOST[$tool]} docker rmi -f "$ref" >/dev/null 2>&1 || true
      sync
      record "pull-$img" "$tool" "$(DOCKER_HOST=${HOST[$tool]} timed ${DPIDS[$tool]} -- docker pull -q "$ref")"
    done
    rm -rf "$RUN/skopeo-dir"; sync
    record "pull-$img" skopeo "$(timed -- skopeo copy -q --src-tls-verify=false "docker://$ref" "dir:$RUN/skopeo-dir")"
    rm -rf "$RUN/skopeo-dir"
  done
done
log "imaged data root after the pulls: $(du -sh "$RUN/imaged/data" | cut -f1); dockerd's: $(du -sh "$RUN/dockerd" | cut -f1)"

# ---- pushes (the big image, pulled into each daemon first) ----------------------------------------------------
[ "${PUSH_REPS:-$REPS}" -gt 0 ] && for tool in imaged dockerd; do DOCKER_HOST=${HOST[$tool]} docker pull -q "$BIG" >/dev/null; done
for rep in $(seq "${PUSH_REPS:-$REPS}"); do
  for tool in imaged dockerd; do
    stop_registry reg2; start_registry reg2 "$P2"
    dst=$R2/bench/pushed-$tool-$rep:1
    DOCKER_HOST=${HOST[$tool]} docker tag "$BIG" "$dst"
    sync
    record push-big "$tool" "$(DOCKER_HOST=${HOST[$tool]} timed ${DPIDS[$tool]} -- docker push -q "$dst")"
  done
done
LOAD_END=$(loadavg)

HWM=$(awk '/VmHWM/{print $2}' "/proc/$IPID/status")
RSSMAX=$(sort -n "$RUN/imaged-rss.txt" | tail -1)
BIGMB=$(du -sm "$WORK/images/$BIG_DIR/blobs" | cut -f1); MANYMB=$(du -sm "$WORK/images/many/blobs" | cut -f1)

python3 - "$RESULTS" "$HWM" "$RSSMAX" "$LOAD_START" "$LOAD_END" "$REPS" "$BIGMB" "$MANYMB" "$LAUNCH ($([ "$LAUNCH" = jar ] && echo "$JAR" || echo "$DIST")), options '$JAVA_OPTS'" <<'PY' | tee "$WORK/results.md"
import sys, statistics, collections
path, hwm, rssmax, l0, l1, reps, bigmb, manymb, opts = sys.argv[1:]
t = collections.defaultdict(list)
cpu = collections.defaultdict(list)
for line in open(path):
    op, tool, s, c = line.rstrip("\n").split("\t")
    t[(op, tool)].append(float(s))
    cpu[(op, tool)].append(float(c))
med = {k: statistics.median(v) for k, v in t.items()}
print(f"| operation | tool | median wall s | runs (wall s) | imaged vs this tool (wall) | median CPU s |")
print(f"|---|---|---:|---|---:|---:|")
for op in ["pull-big", "pull-many", "push-big"]:
    for tool in ["imaged", "dockerd", "skopeo"]:
        if (op, tool) not in med: continue
        m = med[(op, tool)]
        ratio = "" if tool == "imaged" else f"{m / med[(op, 'imaged')]:.2f}x faster" if m >= med[(op, 'imaged')] else f"{med[(op, 'imaged')] / m:.2f}x slower"
        print(f"| {op} | {tool} | {m:.2f} | {' '.join(f'{x:.2f}' for x in t[(op, tool)])} | {ratio} | {statistics.median(cpu[(op, tool)]):.2f} |")
print()
print(f"imaged peak RSS: VmHWM {int(hwm)/1024:.0f} MiB (max sampled VmRSS {int(rssmax)/1024:.0f} MiB); imaged run by the {opts}")
print(f"images: big {bigmb} MB compressed on disk, 40-layer {manymb} MB; repetitions: {reps}")
print(f"load average at start: {l0}; at end: {l1}")
PY
log "done; logs in $RUN"
