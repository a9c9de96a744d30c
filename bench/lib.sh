# Shared by the benchmark scripts (sourced, not run): logging, a free loopback port, a private docker-registry, and
# the clean-up of what a run started. The sourcing script sets RUN (its run directory) and PIDS=() first.

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# kills every process in PIDS and the dockerd whose pid file is $RUN/dockerd.pid (for `trap cleanup EXIT`)
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$RUN/dockerd.pid" ] && kill "$(cat "$RUN/dockerd.pid")" 2>/dev/null || true
  sleep 1
}

# start_registry NAME PORT: Debian's docker-registry on 127.0.0.1:PORT, storage in $RUN/NAME/data (deletes
# allowed), its pid in $RUN/NAME.pid and PIDS; returns once /v2/ answers
start_registry() {
  local name=$1 port=$2
  rm -rf "$RUN/$name"; mkdir -p "$RUN/$name"
  cat > "$RUN/$name.yml" <<YML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $RUN/$name/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
YML
  setsid /usr/bin/docker-registry serve "$RUN/$name.yml" >"$RUN/$name.log" 2>&1 </dev/null &
  echo $! > "$RUN/$name.pid"; PIDS+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && return 0; sleep 0.1; done
  log "registry $name did not start"; cat "$RUN/$name.log"; exit 1
}
stop_registry() {
  local pid; pid=$(cat "$RUN/$1.pid"); kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}
