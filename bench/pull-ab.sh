#!/usr/bin/env bash
# Paired A/B of the big pull between two builds, for a shared (noisy) machine: one registry, two imaged daemons
# (launcher layouts A and B, e.g. a copy of a baseline's target/imaged and the current one) running side by side,
# pulls alternating A, B, A, B ... so that both see the same load; wall seconds and imaged CPU seconds per pull.
#
#   bash bench/pull-ab.sh /tmp/imaged-baseline-dist target/imaged 8
#   OPTS_A=... OPTS_B=...     IMAGED_JAVA_OPTS of each daemon (e.g. -Xlog:gc:file=/tmp/gcB.log)
#   IMAGE=DIR                 the OCI layout to pull (default: transfer-bench.sh's cached issue-11 image)
# The first pull of each daemon pays for the JIT (about 1.5 CPU-s more); compare the later ones.
# Never contacts anything but 127.0.0.1.
set -euo pipefail
A=$(cd "$1" && pwd); B=$(cd "$2" && pwd); N=${3:-5}
IMAGE=${IMAGE:-/tmp/imaged-transfer-bench/images/big-dense-135-11}
Q=${WORK:-/tmp/imaged-pull-ab}; rm -rf "$Q"; mkdir -p "$Q"
RUN=$Q PIDS=()
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT
PORT=$(free_port); start_registry registry "$PORT"
REF=127.0.0.1:$PORT/bench/big
skopeo copy -q --dest-tls-verify=false --format v2s2 "oci:$IMAGE:1" "docker://$REF:1"
declare -A IP
for s in A B; do
  cp -r "${!s}" "$Q/dist$s"; o=OPTS_$s
  (cd "$Q" && IMAGED_JAVA_OPTS="${!o:-}" IMAGED_DATA_ROOT=$Q/data$s IMAGED_HOSTS=unix://$Q/$s.sock \
    setsid "$Q/dist$s/imaged" > "$Q/imaged$s.log" 2>&1 < /dev/null) &
  for _ in $(seq 200); do curl -sf --unix-socket "$Q/$s.sock" http://x/_ping >/dev/null 2>&1 && break; sleep 0.1; done
  IP[$s]=$(pgrep -n -f "java .*$Q/dist$s/"); PIDS+=("${IP[$s]}")
done
cpu() { awk -v t="$(getconf CLK_TCK)" '{print ($14+$15)/t}' "/proc/$1/stat"; }
for i in $(seq "$N"); do
  for s in A B; do
    curl -sf --unix-socket "$Q/$s.sock" -X DELETE "http://x/images/$REF:1?force=1" > /dev/null || true
    sync; c0=$(cpu "${IP[$s]}"); t0=$(date +%s.%N); l=$(cut -d' ' -f1 /proc/loadavg)
    curl -sfN --unix-socket "$Q/$s.sock" -X POST "http://x/images/create?fromImage=$REF&tag=1" > "$Q/out.$s.$i"
    t1=$(date +%s.%N); c1=$(cpu "${IP[$s]}")
    grep -q "Downloaded newer image" "$Q/out.$s.$i" || { echo "$s pull $i failed"; tail -3 "$Q/out.$s.$i"; }
    python3 -c "print(f'$s pull $i: wall {$t1-$t0:.2f} s, cpu {$c1-$c0:.2f} s, load1 $l')"
  done
done
for s in A B; do echo "$s peak RSS $(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' "/proc/${IP[$s]}/status")"; done
