#!/usr/bin/env bash
# npm run e2e -- [--scenarios a,b,c,e,d] [--pod-ready-delay-ms N] [--long]
#
# Builds (or takes from the cache) the real binaries, then runs the scenarios of tools/e2e/run.ts
# against local control planes on 127.0.0.1. Whatever happens, every process it started is stopped
# (by process id) and the work directory is removed; E2E_KEEP=1 keeps the work directory (logs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/axonserver-e2e.XXXXXX")
export E2E_WORK=$WORK
touch "$WORK/pids"

cleanup() {
    local rc=$?
    # Children first (pulumi, providers, control plane), then give them a moment, then force.
    while read -r pid; do [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null || true; done < "$WORK/pids"
    sleep 1
    while read -r pid; do [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true; done < "$WORK/pids"
    if [[ "${E2E_KEEP:-0}" == 1 || $rc -ne 0 ]]; then
        echo "[e2e] work directory kept: $WORK (logs in $WORK/logs)" >&2
    else
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS
"$HERE/build.sh" | tee "$WORK/build.out"
setup=$((SECONDS - start))
E2E_PATH=$(sed -n 's/^E2E_PATH=//p' "$WORK/build.out")
export E2E_PATH
echo "[e2e] set-up (build or cache check): ${setup}s"

cd "$REPO"
TS_NODE_TRANSPILE_ONLY=true node -r ts-node/register "$HERE/run.ts" "$@" &
echo $! >> "$WORK/pids"
wait $!
