#!/usr/bin/env bash
# docker save and docker load through imaged and through dockerd (overlay2), side by side in one run (issue 11).
#
#   bash bench/archive-bench.sh            # REPS=3 by default; results in $WORK/results.md (and stdout)
#
# Generates (once, cached in $WORK/images) a 4-layer image of about 566 MB, 250 MB gzip-compressed (the issue's
# image: `gen-oci-image.py ... 4 135 11 dense`), uploads it with skopeo into a private docker-registry on a free
# loopback port and pulls it into imaged (started as the README says: target/imaged/imaged, its own data root and
# socket) and into a private dockerd. Then, REPS times, with the docker CLI for each daemon:
#   - save:  docker save -o <daemon>.tar IMAGE          (the archive each daemon writes, to a file)
#   - load:  docker rmi IMAGE; docker load -i <daemon>.tar  (each daemon loads its own archive)
#   - cross: imaged loads dockerd's archive (plain tar layers), dockerd loads imaged's (gzip layers)
# Before each repetition both daemons remove and pull the image again, so that each saves it as pulled. Page cache
# is not dropped (both sides run warm, as the runs follow each other); `sync` runs before each timed command.
# IMAGED_DIST=DIR runs another launcher layout (default target/imaged; JAVA_HOME chooses its JVM).
# KEEP=1 leaves the daemons running at the end (for profiling by hand). imaged's peak RSS is its VmHWM at the end.
# Never contacts anything but 127.0.0.1.
set -euo pipefail

REPS=${REPS:-3}
WORK=${WORK:-/tmp/imaged-archive-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$WORK"
RUN=$WORK/run
PIDS=()

. "$ROOT/bench/lib.sh"
trap cleanup EXIT

[ -n "${IMAGED_DIST:-}" ] || [ -x "$ROOT/target/imaged/imaged" ] || { log "building"; (cd "$ROOT" && ./mvnw -B -o -q package -DskipTests); }
if [ ! -f "$WORK/images/big/index.json" ]; then
  log "generating the image (4 layers x 135 MiB, dense mix)"; rm -rf "$WORK/images/big"
  python3 "$ROOT/bench/gen-oci-image.py" "$WORK/images/big" 1 4 135 11 dense
fi

rm -rf "$RUN"; mkdir -p "$RUN"
export DOCKER_CONFIG=$RUN/docker-config; mkdir -p "$DOCKER_CONFIG"
P1=$(free_port); start_registry reg "$P1"
IMG=127.0.0.1:$P1/bench/archive:1
skopeo copy -q --dest-tls-verify=false --format v2s2 "oci:$WORK/images/big:1" "docker://$IMG"

log "starting imaged"
cp -r "${IMAGED_DIST:-$ROOT/target/imaged}" "$RUN/app" # a rebuild during the run must not change the daemon under it
setsid "$RUN/app/imaged" --imaged.data-root="$RUN/imaged" --imaged.hosts="unix://$RUN/imaged.sock" \
  --imaged.registry.docker-io-upstream=http://127.0.0.1:9 --imaged.registry.docker-io-index=http://127.0.0.1:9 \
  >"$RUN/imaged.log" 2>&1 </dev/null &
PIDS+=($!)
for _ in $(seq 300); do curl -sf --unix-socket "$RUN/imaged.sock" http://x/_ping >/dev/null 2>&1 && break; sleep 0.1; done
IPID=$(pgrep -n -f "imaged.data-root=$RUN/imaged")
log "starting dockerd"
setsid dockerd --data-root "$RUN/dockerd" --exec-root "$RUN/dexec" --pidfile "$RUN/dockerd.pid" \
  -H "unix://$RUN/docker.sock" --storage-driver overlay2 --iptables=false --ip6tables=false --bridge=none \
  --insecure-registry "127.0.0.1:$P1" >"$RUN/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 150); do curl -sf --unix-socket "$RUN/docker.sock" http://x/_ping >/dev/null 2>&1 && break; sleep 0.2; done
declare -A HOST=([imaged]="unix://$RUN/imaged.sock" [dockerd]="unix://$RUN/docker.sock")
for tool in imaged dockerd; do DOCKER_HOST=${HOST[$tool]} docker pull -q "$IMG" >/dev/null; done

RESULTS=$RUN/times.tsv; : > "$RESULTS"
timed() { python3 -c 'import subprocess,sys,time
t=time.monotonic(); rc=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL).returncode; print(f"{time.monotonic()-t:.2f}"); sys.exit(rc)' "$@"; }
record() { echo -e "$1\t$2\t$3" >> "$RESULTS"; log "$1 $2: $3 s"; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq "$REPS"); do
  for tool in imaged dockerd; do
    export DOCKER_HOST=${HOST[$tool]}
    # every repetition saves the image as pulled (a load before would have left it as that archive held it)
    docker rmi -f "$IMG" >/dev/null 2>&1 || true; docker pull -q "$IMG" >/dev/null
    rm -f "$RUN/$tool.tar"; sync
    record save "$tool" "$(timed docker save -o "$RUN/$tool.tar" "$IMG")"
    docker rmi -f "$IMG" >/dev/null; sync
    record load "$tool" "$(timed docker load -q -i "$RUN/$tool.tar")"
  done
  # each daemon loads the other's archive: imaged reads dockerd's plain layers, dockerd 20.10 imaged's gzip ones
  export DOCKER_HOST=${HOST[imaged]}; docker rmi -f "$IMG" >/dev/null; sync
  record load-other imaged "$(timed docker load -q -i "$RUN/dockerd.tar")"
  export DOCKER_HOST=${HOST[dockerd]}; docker rmi -f "$IMG" >/dev/null; sync
  record load-other dockerd "$(timed docker load -q -i "$RUN/imaged.tar")"
done
unset DOCKER_HOST
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
HWM=$(awk '/VmHWM/{print $2}' "/proc/$IPID/status")
if [ -n "${KEEP:-}" ]; then log "KEEP: imaged on $RUN/imaged.sock, dockerd on $RUN/docker.sock, registry 127.0.0.1:$P1; Ctrl-C ends"; sleep infinity; fi
SIZES="imaged.tar $(du -m "$RUN/imaged.tar" | cut -f1) MB, dockerd.tar $(du -m "$RUN/dockerd.tar" | cut -f1) MB"

python3 - "$RESULTS" "$HWM" "$LOAD_START" "$LOAD_END" "$REPS" "$SIZES" <<'PY' | tee "$WORK/results.md"
import sys, statistics, collections
path, hwm, l0, l1, reps, sizes = sys.argv[1:]
t = collections.defaultdict(list)
for line in open(path):
    op, tool, s = line.rstrip("\n").split("\t")
    t[(op, tool)].append(float(s))
med = {k: statistics.median(v) for k, v in t.items()}
print("| operation | imaged median s (runs) | dockerd median s (runs) | dockerd / imaged |")
print("|---|---|---|---:|")
for op in ["save", "load", "load-other"]:
    i, d = t[(op, "imaged")], t[(op, "dockerd")]
    print(f"| {op} | {med[(op, 'imaged')]:.2f} ({' '.join(f'{x:.2f}' for x in i)}) | {med[(op, 'dockerd')]:.2f} ({' '.join(f'{x:.2f}' for x in d)}) | {med[(op, 'dockerd')] / med[(op, 'imaged')]:.2f}x |")
print()
print(f"archives: {sizes}; imaged peak RSS (VmHWM over the run, pull included) {int(hwm) / 1024:.0f} MiB; repetitions {reps}")
print(f"load average at start: {l0}; at end: {l1}")
PY
log "done; logs in $RUN"
