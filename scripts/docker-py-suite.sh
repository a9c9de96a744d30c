#!/usr/bin/env bash
# Runs the image-related parts of docker-py's own integration test suite against imaged.
#
# Builds nothing: needs target/imaged.jar (./mvnw package), /usr/bin/docker-registry, python3 with the `docker`
# and `pytest` modules, and docker-py's test sources: a directory holding docker-py's `tests/` package
# (DOCKER_PY_TESTS, default src/test/python/docker-py). Starts a loopback docker-registry and imaged on free
# ports, seeds the registry with tiny stand-ins for alpine/busybox/hello-world (scripts/docker-py-seed.py)
# and points imaged's docker.io mirror, upstream AND search index at it, so nothing ever reaches Docker Hub. Tests that need
# containers are deselected with reasons (scripts/docker-py-deselect.txt). Exit code = pytest's.
# Extra arguments go to pytest (e.g. -k test_pull, -x). KEEP=1 keeps the work directory. DOCKER_TEST_API_VERSION pins
# docker-py's API version (docker-py's own knob); DOCKER_PY_FILES="a.py b.py" runs other files of the tests/ tree.
# IMAGED_JAVA_OPTS adds JVM flags for imaged (DockerPySuiteIT passes the tests' start-up flags, see ImagedJvm).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TESTS=${DOCKER_PY_TESTS:-$ROOT/src/test/python/docker-py}
JAR=${IMAGED_JAR:-$ROOT/target/imaged.jar}
JAVA=${JAVA:-java}
FILES=(tests/integration/api_image_test.py tests/integration/models_images_test.py
       tests/integration/api_client_test.py tests/integration/client_test.py tests/integration/errors_test.py
       tests/integration/regression_test.py)
[ -z "${DOCKER_PY_FILES:-}" ] || read -r -a FILES <<< "$DOCKER_PY_FILES"  # another selection of test files

[ -f "$JAR" ] || { echo "no $JAR (run ./mvnw package first)" >&2; exit 2; }
[ -d "$TESTS/tests/integration" ] || { echo "no docker-py tests under $TESTS/tests/integration" >&2; exit 2; }
# the first python3 that has docker-py and pytest: PYTHON, the one on PATH (maybe pyenv's), then Debian's (apt)
PY=
for c in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$c" -c 'import docker, pytest' 2>/dev/null; then PY=$c; break; fi
done
[ -n "$PY" ] || { echo "no python3 with the docker and pytest modules (apt-get install python3-docker python3-pytest)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/docker-py-suite.XXXXXX")
REG_PID= IMAGED_PID=
cleanup() {
  [ -n "$IMAGED_PID" ] && kill "$IMAGED_PID" 2>/dev/null && wait "$IMAGED_PID" 2>/dev/null || true
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for SECONDS PID COMMAND...
  local until=$((SECONDS + $1)) pid=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ $SECONDS -lt $until ] || return 1
    sleep 0.2
  done
}

REG_PORT=$(free_port)
REGISTRY=127.0.0.1:$REG_PORT
mkdir -p "$WORK/registry"
cat > "$WORK/registry/config.yml" <<YAML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $WORK/registry/storage}, delete: {enabled: true}}
http: {addr: $REGISTRY}
YAML
/usr/bin/docker-registry serve "$WORK/registry/config.yml" > "$WORK/registry.log" 2>&1 &
REG_PID=$!
wait_for 20 "$REG_PID" curl -fsS "http://$REGISTRY/v2/" || { cat "$WORK/registry.log" >&2; echo "registry did not start" >&2; exit 2; }

SOCK=$WORK/imaged.sock
# shellcheck disable=SC2086 # IMAGED_JAVA_OPTS holds several flags
"$JAVA" -Xmx512m ${IMAGED_JAVA_OPTS:-} -jar "$JAR" --imaged.data-root="$WORK/data" --imaged.hosts="unix://$SOCK" \
  --imaged.registry.mirrors="http://$REGISTRY" --imaged.registry.docker-io-upstream="http://$REGISTRY" \
  --imaged.registry.docker-io-index="http://$REGISTRY" \
  --logging.level.root=WARN --logging.level.io.imaged=INFO > "$WORK/imaged.log" 2>&1 &
IMAGED_PID=$!
wait_for 90 "$IMAGED_PID" curl -fsS --unix-socket "$SOCK" http://localhost/_ping || { cat "$WORK/imaged.log" >&2; echo "imaged did not start" >&2; exit 2; }

export DOCKER_HOST=unix://$SOCK SEED_REGISTRY=$REGISTRY
unset DOCKER_TLS_VERIFY DOCKER_CERT_PATH  # DOCKER_TEST_API_VERSION passes through: docker-py pins its requests to it
"$PY" "$ROOT/scripts/docker-py-seed.py" "$REGISTRY"

# docker-py's tests/helpers.py imports paramiko at the top, for the ssh tests only (not run here): if it is missing,
# a stub module lets the unchanged sources import
if ! "$PY" -c 'import paramiko' 2>/dev/null; then
  mkdir -p "$WORK/pystub"
  printf '%s\n' '"""Stub: docker-py ssh tests are not run against imaged."""' 'class Channel:' '    pass' > "$WORK/pystub/paramiko.py"
  export PYTHONPATH="$WORK/pystub${PYTHONPATH:+:$PYTHONPATH}"
fi

DESELECT=()
while read -r id _; do
  DESELECT+=(--deselect "$id")
done < <(grep -v '^\s*\(#\|$\)' "$ROOT/scripts/docker-py-deselect.txt")

cd "$TESTS"
set +e
"$PY" -m pytest -p no:cacheprovider -rsx --junitxml="${JUNIT_XML:-$WORK/junit.xml}" "${DESELECT[@]}" "${FILES[@]}" "$@"
rc=$?
set -e
[ $rc -eq 0 ] || { echo "--- imaged log (tail) ---" >&2; tail -50 "$WORK/imaged.log" >&2; }
exit $rc
