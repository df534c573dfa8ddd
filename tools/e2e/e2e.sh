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

RUN_PGID=""
# Every process of this run carries E2E_WORK=$WORK in its environment (the runner passes its environment
# on), including plugins a killed pulumi left behind in process groups of their own: their ids.
ours() {
    local f
    for f in /proc/[0-9]*/environ; do
        if tr '\0' '\n' 2>/dev/null < "$f" | grep -qxF "E2E_WORK=$WORK"; then
            f=${f#/proc/}
            [[ ${f%/environ} != "$$" && ${f%/environ} != "$BASHPID" ]] && echo "${f%/environ}"
        fi
    done
    return 0
}
cleanup() {
    local rc=$?
    # Children first (pulumi, providers, control plane), then give them a moment, then force. The
    # scenario runner has a process group of its own: plugins that a killed pulumi left behind and
    # Job pods run here are in it too, and go with it.
    while read -r pid; do [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null || true; done < "$WORK/pids"
    [[ -n "$RUN_PGID" ]] && kill -TERM -- "-$RUN_PGID" 2>/dev/null || true
    sleep 1
    while read -r pid; do [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true; done < "$WORK/pids"
    [[ -n "$RUN_PGID" ]] && kill -KILL -- "-$RUN_PGID" 2>/dev/null || true
    local left
    left=$(ours) || true
    if [[ -n "$left" ]]; then
        echo "[e2e] stopping leftover processes: $(echo $left)" >&2
        kill -KILL $left 2>/dev/null || true
    fi
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
E2E_KUBE_SRC=$(sed -n 's/^E2E_KUBE_SRC=//p' "$WORK/build.out")
export E2E_PATH E2E_KUBE_SRC
echo "[e2e] set-up (build or cache check): ${setup}s"

cd "$REPO"
TS_NODE_TRANSPILE_ONLY=true setsid node -r ts-node/register "$HERE/run.ts" "$@" &
RUN_PGID=$!
echo "$RUN_PGID" >> "$WORK/pids"
wait "$RUN_PGID"
