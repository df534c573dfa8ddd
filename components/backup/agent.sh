#!/usr/bin/env bash
# Axon Server backup agent and restore step of axonserver-multiregion (components/backup/agent.sh).
#
# Runs next to ONE Axon Server node (Kubernetes sidecar, a systemd timer on VMs, or a restore Job) and
# backs up that node's own files, which the Axon Server EE backup REST API names, to the node's prefix of
# the backup bucket; or (--restore) puts the newest complete run back into the node's empty directories.
#
# One run (--once), or one run per interval (--loop):
#   1. POST /v1/backup/createControlDbBackup (404: POST /createControlDbBackup) on this node: the node's
#      own control DB (group memberships, Raft term and commit index are per node), copied to the run;
#      older controldb*.zip files on the node are deleted, the newest stays (BACKUP_CONTROLDB_PRUNE);
#   2. per replication group this node stores data for, isolated (a failing group is skipped and reported,
#      the others go on): GET /v1/backup/log/filenames?context=<group>, every file copied to the run, all
#      within BACKUP_LOG_WINDOW_SECONDS of step 1 (Axon: logs within 30 minutes of the control DB);
#      then per context and type EVENT, SNAPSHOT: GET /v1/backup/eventstore?targetContext=<ctx>&type=<T>
#      &lastClosedSegmentBackedUp=<n>&lastClosedVersionBackedUp=<v>, closed segments stored once under
#      events/<ctx>/, newer (active, still changing) files under the run;
#   3. only when every group succeeded: the run's manifest, then the pointer `latest` = the run id. A run
#      with a failed group leaves `latest` at the previous complete run and exits non-zero.
# Every call carries `AxonIQ-Context: _admin`: Axon's REST voter takes the authorisation context from that
# header before the `context` parameter, and the system token holds ADMIN on _admin only.
#
# Bucket layout under BACKUP_TARGET (<bucket>/<environment>/<node>):
#   latest                                 id of the newest complete run (written last)
#   runs/<id>/manifest                     every object of the run, one per line (see below)
#   runs/<id>/controldb/controldb.zip      this node's control DB backup
#   runs/<id>/log/<group>/<file>           this node's replication log of <group> (full copy per run)
#   runs/<id>/events/<ctx>/<file>          segments not yet closed at that run (overwritten by Axon)
#   events/<ctx>/<file>                    closed segments and their indexes (immutable, shared by runs)
#   last-success                           epoch seconds of the last complete run (monitoring)
#   hold                                   present: runs are skipped (set by the restore procedure, so
#                                          that a node starting empty does not replace the runs to restore)
# Manifest lines: "controldb <key>", "log <group> <key>", "events <ctx> <key>",
#   "marker <ctx> <TYPE> <lastClosedSegment> <lastClosedVersion>"; keys relative to BACKUP_TARGET.
#
# Environment:
#   BACKUP_TARGET               this node's prefix: s3://<bucket>/<env>/<node>, gs://..., file:///dir
#   BACKUP_UNITS                space-separated "<group>:<ctx>,<ctx>" ("<group>:" = log only; may be empty)
#   AXON_URL                    node HTTP endpoint (default http://127.0.0.1:8024)
#   AXON_TOKEN_FILE             file holding the node's system token
#   AXON_CA_FILE                CA bundle when AXON_URL is https (optional)
#   BACKUP_CONTROLDB_PRUNE      true: delete older controldb*.zip next to the new one (default false)
#   BACKUP_LOG_WINDOW_SECONDS   default 1800: the log copy must end this soon after the control DB backup
#   BACKUP_INTERVAL_MINUTES     loop period (default 60); runs start at epoch multiples + offset
#   BACKUP_OFFSET_MINUTES       default 0
#   BACKUP_RETRIES              attempts per HTTP call / copy (default 5), exponential backoff from
#   BACKUP_RETRY_DELAY_SECONDS  (default 2; 0 in tests)
#   BACKUP_RUN_ID               id of the run (default: UTC time yyyymmddThhmmssZ); sortable
#   BACKUP_JSON_TOOL            jq | python3 (default: jq when installed, else python3)
# Restore (--restore) environment:
#   RESTORE_SOURCE              the node's prefix to restore from (same forms as BACKUP_TARGET)
#   RESTORE_RUN                 run id (default: the `latest` pointer, i.e. the newest complete run)
#   RESTORE_DATA_DIR, RESTORE_LOG_DIR, RESTORE_EVENTS_DIR   the node's directories (empty, or see WIPE)
#   RESTORE_WIPE                true: empty those directories first (default false: refuse non-empty)
#   RESTORE_RECOVERY_JSON       recovery.json content, written to RESTORE_DATA_DIR/recovery.json (optional)
#
# JSON parsing: the amazon/aws-cli image installs jq (aws/aws-cli docker/Dockerfile:
# "yum install -y less groff jq"); google/cloud-sdk:slim has no jq but ships python3 (gcloud needs
# it). So: jq when present, else python3. Unzip: unzip when present, else python3's zipfile module.
set -uo pipefail

readonly SCRIPT_NAME="backup-agent"
readonly ADMIN_CONTEXT="_admin"
AXON_URL="${AXON_URL:-http://127.0.0.1:8024}"
BACKUP_CONTROLDB_PRUNE="${BACKUP_CONTROLDB_PRUNE:-false}"
BACKUP_LOG_WINDOW_SECONDS="${BACKUP_LOG_WINDOW_SECONDS:-1800}"
BACKUP_INTERVAL_MINUTES="${BACKUP_INTERVAL_MINUTES:-60}"
BACKUP_OFFSET_MINUTES="${BACKUP_OFFSET_MINUTES:-0}"
BACKUP_RETRIES="${BACKUP_RETRIES:-5}"
BACKUP_RETRY_DELAY_SECONDS="${BACKUP_RETRY_DELAY_SECONDS:-2}"
BACKUP_UNITS="${BACKUP_UNITS:-}"
AXON_CA_FILE="${AXON_CA_FILE:-}"
STEP="init"
WORK=""

# Time without a fork (bash >= 4.2 printf %(...)T; the agent images ship bash 4.2+).
now_epoch() {
    printf '%(%s)T' -1
}

log() {
    local ts
    TZ=UTC printf -v ts '%(%Y-%m-%dT%H:%M:%SZ)T' -1
    printf '%s %s %s\n' "$ts" "$SCRIPT_NAME" "$*" >&2
}

# Logs the failed step and ends the (sub)shell: a run, or one group of a run.
die() {
    log "ERROR step=${STEP}: $*"
    exit 1
}

usage() {
    echo "usage: $0 --once | --loop | --restore" >&2
    exit 2
}

is_int() {
    [[ "$1" =~ ^-?[0-9]+$ ]]
}

check_url() {
    case "$2" in
        s3://*/* | gs://*/* | file:///*) ;;
        *) die "$1 must be s3://<bucket>/<prefix>, gs://<bucket>/<prefix> or file:///<dir>, got $2" ;;
    esac
    case "$2" in
        s3://*) command -v aws >/dev/null 2>&1 || die "aws CLI not found" ;;
        gs://*) command -v gcloud >/dev/null 2>&1 || die "gcloud CLI not found" ;;
    esac
}

check_common() {
    local n
    for n in BACKUP_RETRIES BACKUP_RETRY_DELAY_SECONDS; do
        is_int "${!n}" || die "$n must be a whole number, got ${!n}"
    done
    ((BACKUP_RETRIES > 0)) || die "BACKUP_RETRIES must be above 0"
}

check_env() {
    [[ -n "${BACKUP_TARGET:-}" ]] || die "BACKUP_TARGET is not set"
    [[ -n "${AXON_TOKEN_FILE:-}" ]] || die "AXON_TOKEN_FILE is not set"
    check_url BACKUP_TARGET "$BACKUP_TARGET"
    check_common
    local n
    for n in BACKUP_INTERVAL_MINUTES BACKUP_OFFSET_MINUTES BACKUP_LOG_WINDOW_SECONDS; do
        is_int "${!n}" || die "$n must be a whole number, got ${!n}"
    done
    ((BACKUP_INTERVAL_MINUTES > 0)) || die "BACKUP_INTERVAL_MINUTES must be above 0"
    local unit
    for unit in $BACKUP_UNITS; do
        [[ "$unit" =~ ^[A-Za-z0-9_.-]+:([A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*)?$ ]] || die "invalid unit '${unit}' in BACKUP_UNITS: expected <group>:<ctx>,<ctx>"
    done
    if [[ -z "${BACKUP_JSON_TOOL:-}" ]]; then
        if command -v jq >/dev/null 2>&1; then BACKUP_JSON_TOOL=jq; else BACKUP_JSON_TOOL=python3; fi
    fi
    command -v "$BACKUP_JSON_TOOL" >/dev/null 2>&1 || die "JSON tool ${BACKUP_JSON_TOOL} not found"
    command -v curl >/dev/null 2>&1 || die "curl not found"
}

# --- JSON ------------------------------------------------------------------------------------
# json_values <array|files|last> <file>: one value per line (array elements, .filenames[], or
# .lastClosedSegment). Fails on malformed JSON or a missing/null value.
json_values() {
    if [[ "$BACKUP_JSON_TOOL" == "jq" ]]; then
        case "$1" in
            array) jq -er 'if type == "array" then .[] else error("not an array") end' "$2" ;;
            files) jq -er '.filenames | if type == "array" then .[] else error("no filenames") end' "$2" ;;
            last) jq -er '.lastClosedSegment' "$2" ;;
        esac
        local rc=$?
        # jq -e exits 4 when an empty array produced no output: that is a valid (empty) answer.
        if [[ $rc -eq 4 && "$1" != "last" ]]; then return 0; fi
        return $rc
    fi
    python3 - "$1" "$2" <<'PY'
import json, sys
kind, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    doc = json.load(f)
if kind == "array":
    values = doc
elif kind == "files":
    values = doc["filenames"]
else:
    values = [doc["lastClosedSegment"]]
if not isinstance(values, list):
    sys.exit(3)
for v in values:
    if v is None:
        sys.exit(3)
    sys.stdout.write("%s\n" % v)
PY
}

# --- HTTP ------------------------------------------------------------------------------------
# Transient: connection refused/reset, DNS, timeouts, TLS handshake, empty reply (curl exit codes
# 5 6 7 28 35 52 55 56), HTTP 429 and 5xx.
is_transient() {
    local rc=$1 status=$2
    case "$rc" in
        5 | 6 | 7 | 28 | 35 | 52 | 55 | 56) return 0 ;;
    esac
    [[ "$rc" -eq 0 && ("$status" == 429 || "$status" =~ ^5) ]]
}

# api_status <METHOD> <path> <outfile>: prints the HTTP status (2xx, or a final non-transient one);
# retries transient failures; fails when curl itself fails for good.
api_status() {
    local method=$1 path=$2 out=$3 attempt=1 delay=$BACKUP_RETRY_DELAY_SECONDS rc status
    local -a tls=()
    if [[ -n "$AXON_CA_FILE" ]]; then tls=(--cacert "$AXON_CA_FILE"); fi
    while :; do
        rc=0
        # The token travels in a header file (-H @file), never on the command line (ps shows that).
        status=$(curl -sS "${tls[@]}" -o "$out" -w '%{http_code}' -X "$method" -H "@${WORK}/headers" \
            --connect-timeout 10 --max-time 600 "${AXON_URL}${path}") || rc=$?
        if [[ $rc -eq 0 && "$status" =~ ^2 ]]; then
            echo "$status"
            return 0
        fi
        if is_transient "$rc" "$status" && ((attempt < BACKUP_RETRIES)); then
            log "step=${STEP}: ${method} ${path}: transient failure (curl exit ${rc}, HTTP ${status:-none}); retry ${attempt}/$((BACKUP_RETRIES - 1)) in ${delay}s"
            sleep "$delay"
            delay=$((delay * 2))
            attempt=$((attempt + 1))
            continue
        fi
        if [[ $rc -ne 0 ]]; then
            die "${method} ${path} failed (curl exit ${rc})"
        fi
        echo "$status"
        return 0
    done
}

# api <METHOD> <path> <outfile>: the response body in <outfile>; any non-2xx answer fails the step.
api() {
    local status
    status=$(api_status "$@") || exit 1
    [[ "$status" =~ ^2 ]] || die "$1 $2 failed (HTTP ${status}): $(head -c 300 "$3" 2>/dev/null | tr -d '\n')"
}

# retry <description> <command...>: runs a storage command with the same backoff as api.
retry() {
    local what=$1 attempt=1 delay=$BACKUP_RETRY_DELAY_SECONDS
    shift
    until "$@"; do
        if ((attempt >= BACKUP_RETRIES)); then
            die "${what} failed after ${attempt} attempts"
        fi
        log "step=${STEP}: ${what} failed; retry ${attempt}/$((BACKUP_RETRIES - 1)) in ${delay}s"
        sleep "$delay"
        delay=$((delay * 2))
        attempt=$((attempt + 1))
    done
}

# --- Storage (s3://, gs://, file://) ----------------------------------------------------------
file_path() {
    printf '%s' "${1#file://}"
}

# put <local file> <url>: upload, overwriting.
put() {
    local src=$1 url=$2 dst
    case "$url" in
        s3://*) aws s3 cp --only-show-errors --no-progress "$src" "$url" ;;
        gs://*) gcloud storage cp --quiet "$src" "$url" ;;
        file://*)
            dst=${url#file://}
            [[ -d "${dst%/*}" ]] || mkdir -p "${dst%/*}" || return 1
            cp -f "$src" "${dst}.part" && mv -f "${dst}.part" "$dst"
            ;;
    esac
}

# get <url> <local file>: download; non-zero when absent or unreadable.
get() {
    local url=$1 dst=$2
    [[ -d "${dst%/*}" ]] || mkdir -p "${dst%/*}" || return 1
    case "$url" in
        s3://*) aws s3 cp --only-show-errors --no-progress "$url" "$dst" ;;
        gs://*) gcloud storage cp --quiet "$url" "$dst" ;;
        file://*) cp -f "${url#file://}" "$dst" 2>/dev/null ;;
    esac
}

# cat_url <url>: object content on stdout; non-zero when absent or unreadable.
cat_url() {
    case "$1" in
        s3://*) aws s3 cp --only-show-errors "$1" - ;;
        gs://*) gcloud storage cat "$1" ;;
        file://*) cat "$(file_path "$1")" 2>/dev/null ;;
    esac
}

# list_runs <node prefix>: run ids under <prefix>/runs/, one per line.
list_runs() {
    local url=$1/runs/ dir
    case "$url" in
        s3://*) aws s3 ls "$url" | sed -n 's#^ *PRE \(.*\)/$#\1#p' ;;
        gs://*) { gcloud storage ls "$url" 2>/dev/null || true; } | sed -n 's#.*/runs/\([^/]*\)/$#\1#p' ;;
        file://*)
            dir=$(file_path "$url")
            [[ -d "$dir" ]] || return 0
            find "$dir" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'
            ;;
    esac
}

# rm_prefix <url of a directory>: deletes every object under it.
rm_prefix() {
    case "$1" in
        s3://*) aws s3 rm --only-show-errors --recursive "$1/" ;;
        gs://*) gcloud storage rm --quiet --recursive "$1/" ;;
        file://*) rm -rf "$(file_path "$1")" ;;
    esac
}

put_text() {
    printf '%s\n' "$2" >"${WORK}/text"
    retry "upload of $1" put "${WORK}/text" "$1"
}

# copy_file <node file> <key>: the file must exist (it may not vanish between listing and copy).
copy_file() {
    [[ -f "$1" && -r "$1" ]] || die "file $1 named by Axon Server is missing or unreadable (volume not mounted here?)"
    retry "upload of $1 to $2" put "$1" "${BACKUP_TARGET}/$2"
}

# --- Backup steps ------------------------------------------------------------------------------
step_controldb() {
    STEP="controldb"
    local path status dir f
    status=$(api_status POST /v1/backup/createControlDbBackup "${WORK}/controldb.out") || exit 1
    if [[ "$status" == 404 ]]; then
        # Axon Server docs show both paths (EE reference guide: /v1/backup/...; SE and some EE docs: /...).
        status=$(api_status POST /createControlDbBackup "${WORK}/controldb.out") || exit 1
    fi
    [[ "$status" =~ ^2 ]] || die "POST createControlDbBackup failed (HTTP ${status}): $(head -c 300 "${WORK}/controldb.out" | tr -d '\n')"
    # The endpoint returns the zip's absolute path, as plain text or as a JSON string.
    path=$(tr -d '\r\n' <"${WORK}/controldb.out")
    path=${path#\"}
    path=${path%\"}
    [[ "$path" == /* ]] || die "unexpected answer of createControlDbBackup: ${path}"
    copy_file "$path" "runs/${RUN_ID}/controldb/controldb.zip"
    echo "controldb runs/${RUN_ID}/controldb/controldb.zip" >>"${WORK}/manifest"
    log "step=${STEP}: ${path} -> runs/${RUN_ID}/controldb/controldb.zip"
    # Keep the newest zip on the volume (volume snapshots then hold a consistent control DB copy);
    # delete only older ones.
    if [[ "$BACKUP_CONTROLDB_PRUNE" == "true" ]]; then
        dir=$(dirname "$path")
        for f in "$dir"/controldb*.zip; do
            [[ -f "$f" && "$f" != "$path" && "$f" < "$path" ]] || continue
            rm -f "$f" || log "step=${STEP}: warning: could not delete ${f}"
        done
    fi
}

check_window() {
    local now
    now=$(now_epoch)
    ((now - CONTROLDB_AT <= BACKUP_LOG_WINDOW_SECONDS)) ||
        die "the log copy ended $((now - CONTROLDB_AT))s after the control DB backup (max ${BACKUP_LOG_WINDOW_SECONDS}s): this run cannot be restored"
}

# The replication log: a full copy under the run.
step_log() {
    local group=$1 f key
    STEP="log:${group}"
    check_window
    api GET "/v1/backup/log/filenames?context=${group}" "${WORK}/log.json"
    json_values array "${WORK}/log.json" >"${WORK}/log.list" || die "malformed answer: $(head -c 300 "${WORK}/log.json")"
    while IFS= read -r f; do
        [[ -n "$f" ]] || continue
        key="runs/${RUN_ID}/log/${group}/${f##*/}"
        copy_file "$f" "$key"
        echo "log ${group} ${key}" >>"${WORK}/group.manifest"
    done <"${WORK}/log.list"
    check_window
    log "step=${STEP}: $(grep -c . "${WORK}/log.list") file(s)"
}

# Events: closed segments once (shared), the rest under the run; previous closed ones carried over.
step_events() {
    local ctx=$1 type=$2 marker=-1 version=0 last f name n v key count=0
    STEP="events:${ctx}:${type}"
    if [[ -f "${WORK}/previous.manifest" ]]; then
        read -r marker version < <(awk -v c="$ctx" -v t="$type" '$1 == "marker" && $2 == c && $3 == t { print $4, $5 }' "${WORK}/previous.manifest") || true
        is_int "${marker:-}" || marker=-1
        is_int "${version:-}" || version=0
    fi
    api GET "/v1/backup/eventstore?targetContext=${ctx}&type=${type}&lastClosedSegmentBackedUp=${marker}&lastClosedVersionBackedUp=${version}" "${WORK}/events.json"
    last=$(json_values last "${WORK}/events.json") || die "malformed answer (no lastClosedSegment): $(head -c 300 "${WORK}/events.json")"
    is_int "$last" || die "lastClosedSegment is not a number: ${last}"
    json_values files "${WORK}/events.json" >"${WORK}/events.list" || die "malformed answer (no filenames): $(head -c 300 "${WORK}/events.json")"
    local newversion=$version
    while IFS= read -r f; do
        [[ -n "$f" ]] || continue
        name=${f##*/}
        # Segment file names: %020d<ext> or %020d_%05d<ext> (segment, version).
        [[ "$name" =~ ^([0-9]{20})(_([0-9]{5}))? ]] || die "unexpected segment file name ${name}"
        n=$((10#${BASH_REMATCH[1]}))
        v=$((10#${BASH_REMATCH[3]:-0}))
        if ((n <= last)); then key="events/${ctx}/${name}"; else key="runs/${RUN_ID}/events/${ctx}/${name}"; fi
        copy_file "$f" "$key"
        echo "events ${ctx} ${key}" >>"${WORK}/group.manifest"
        if ((n <= last && v > newversion)); then newversion=$v; fi
        count=$((count + 1))
    done <"${WORK}/events.list"
    if ((last < marker)); then last=$marker; fi
    echo "marker ${ctx} ${type} ${last} ${newversion}" >>"${WORK}/group.manifest"
    log "step=${STEP}: ${count} file(s) (lastClosedSegment ${marker} -> ${last}, version ${version} -> ${newversion})"
}

# One group in a subshell: its failure ends only the subshell.
backup_group() {
    local unit=$1 group contexts ctx type
    group=${unit%%:*}
    contexts=${unit#*:}
    : >"${WORK}/group.manifest"
    step_log "$group"
    for ctx in ${contexts//,/ }; do
        for type in EVENT SNAPSHOT; do
            step_events "$ctx" "$type"
        done
        # Closed segments of earlier runs stay part of this one.
        if [[ -f "${WORK}/previous.manifest" ]]; then
            awk -v c="$ctx" '$1 == "events" && $2 == c && $3 ~ /^events\// { print }' "${WORK}/previous.manifest" >>"${WORK}/group.manifest"
        fi
    done
}

run_once() {
    STEP="token"
    [[ -r "$AXON_TOKEN_FILE" ]] || die "token file ${AXON_TOKEN_FILE} is not readable"
    local token unit previous="" failed="" old
    token=$(tr -d '\r\n' <"$AXON_TOKEN_FILE")
    [[ -n "$token" ]] || die "token file ${AXON_TOKEN_FILE} is empty"
    (umask 077 && printf 'AxonIQ-Access-Token: %s\nAxonIQ-Context: %s\n' "$token" "$ADMIN_CONTEXT" >"${WORK}/headers") || die "cannot write ${WORK}/headers"
    RUN_ID="${BACKUP_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)}"
    [[ "$RUN_ID" =~ ^[A-Za-z0-9_.-]+$ ]] || die "invalid run id ${RUN_ID}"

    STEP="hold"
    if cat_url "${BACKUP_TARGET}/hold" >/dev/null 2>&1; then
        log "${BACKUP_TARGET}/hold exists (a restore is pending): run skipped"
        return 0
    fi
    STEP="previous"
    previous=$(cat_url "${BACKUP_TARGET}/latest" | tr -d '\r\n') || previous=""
    if [[ -n "$previous" ]]; then
        [[ "$previous" != "$RUN_ID" ]] || die "run ${RUN_ID} is already the latest complete run"
        retry "download of the manifest of run ${previous}" get "${BACKUP_TARGET}/runs/${previous}/manifest" "${WORK}/previous.manifest"
    fi
    : >"${WORK}/manifest"

    CONTROLDB_AT=$(now_epoch)
    (step_controldb) || die "no control DB backup: run ${RUN_ID} skipped every group"
    for unit in $BACKUP_UNITS; do
        if (backup_group "$unit"); then
            cat "${WORK}/group.manifest" >>"${WORK}/manifest"
        else
            failed="${failed} ${unit%%:*}"
        fi
    done
    STEP="done"
    if [[ -n "$failed" ]]; then
        die "run ${RUN_ID} is incomplete, group(s)${failed} failed; latest stays at ${previous:-(none)}"
    fi
    retry "upload of the manifest" put "${WORK}/manifest" "${BACKUP_TARGET}/runs/${RUN_ID}/manifest"
    put_text "${BACKUP_TARGET}/latest" "$RUN_ID"
    put_text "${BACKUP_TARGET}/last-success" "$(now_epoch)"
    log "run ${RUN_ID} complete: control DB${BACKUP_UNITS:+, }${BACKUP_UNITS}"
    # Keep this run and the previous complete one; remove older and incomplete runs.
    while IFS= read -r old; do
        [[ -n "$old" && "$old" != "$RUN_ID" && "$old" != "$previous" ]] || continue
        rm_prefix "${BACKUP_TARGET}/runs/${old}" || log "warning: could not delete run ${old}"
    done < <(list_runs "$BACKUP_TARGET" || true)
}

# --- Restore -----------------------------------------------------------------------------------
unzip_to() {
    if command -v unzip >/dev/null 2>&1; then
        unzip -o -q "$1" -d "$2"
    else
        python3 -m zipfile -e "$1" "$2"
    fi
}

# Empties a directory or refuses when it holds files. Kept: lost+found of a fresh file system, and the
# (emptied) controldb-backups directory, which the VM agent's systemd unit names in ReadWritePaths.
prepare_dir() {
    local dir=$1 entries
    mkdir -p "$dir" || die "cannot create ${dir}"
    entries=$(find "$dir" -mindepth 1 -maxdepth 1 ! -name lost+found ! -name controldb-backups | head -n 1)
    if [[ -z "$entries" && -z "$(find "$dir" -mindepth 2 -path '*/controldb-backups/*' | head -n 1)" ]]; then return 0; fi
    [[ "${RESTORE_WIPE:-false}" == "true" ]] || die "${dir} is not empty (set RESTORE_WIPE=true to replace its content)"
    find "$dir" -mindepth 1 -maxdepth 1 ! -name lost+found ! -name controldb-backups -exec rm -rf {} +
    if [[ -d "${dir}/controldb-backups" ]]; then find "${dir}/controldb-backups" -mindepth 1 -delete; fi
}

restore() {
    STEP="restore"
    local src run kind a key dest count=0 started
    started=$(now_epoch)
    src=${RESTORE_SOURCE:-}
    [[ -n "$src" ]] || die "RESTORE_SOURCE is not set"
    check_url RESTORE_SOURCE "$src"
    check_common
    local d
    for d in RESTORE_DATA_DIR RESTORE_LOG_DIR RESTORE_EVENTS_DIR; do
        [[ -n "${!d:-}" ]] || die "$d is not set"
    done
    run=${RESTORE_RUN:-}
    if [[ -z "$run" ]]; then
        run=$(cat_url "${src}/latest" | tr -d '\r\n') || run=""
        [[ -n "$run" ]] || die "no complete backup run under ${src} (no 'latest' pointer): nothing to restore"
    fi
    retry "download of the manifest of run ${run}" get "${src}/runs/${run}/manifest" "${WORK}/manifest" ||
        die "run ${run} under ${src} has no manifest: it is not complete"
    grep -q '^controldb ' "${WORK}/manifest" || die "the manifest of run ${run} names no control DB"
    prepare_dir "$RESTORE_DATA_DIR"
    prepare_dir "$RESTORE_LOG_DIR"
    prepare_dir "$RESTORE_EVENTS_DIR"
    while read -r kind a key; do
        case "$kind" in
            controldb)
                retry "download of ${a}" get "${src}/${a}" "${WORK}/controldb.zip"
                unzip_to "${WORK}/controldb.zip" "$RESTORE_DATA_DIR" || die "cannot unzip the control DB backup ${a}"
                ;;
            log) dest="${RESTORE_LOG_DIR}/${a}/${key##*/}" ;;
            events) dest="${RESTORE_EVENTS_DIR}/${a}/${key##*/}" ;;
            marker) continue ;;
            *) die "unknown manifest line: ${kind} ${a} ${key}" ;;
        esac
        if [[ "$kind" != controldb ]]; then retry "download of ${key}" get "${src}/${key}" "$dest"; fi
        count=$((count + 1))
    done <"${WORK}/manifest"
    rm -f "${RESTORE_DATA_DIR}/AxonIQ.pid"
    if [[ -n "${RESTORE_RECOVERY_JSON:-}" ]]; then
        printf '%s\n' "$RESTORE_RECOVERY_JSON" >"${RESTORE_DATA_DIR}/recovery.json" || die "cannot write recovery.json"
    fi
    log "restored run ${run} from ${src}: ${count} object(s) in $(($(now_epoch) - started))s"
}

# guarded <function>: runs it in a subshell with its own temporary directory, always removed; `die`
# ends that run, not the loop.
guarded() {
    (
        WORK=$(mktemp -d "${TMPDIR:-/tmp}/${SCRIPT_NAME}.XXXXXX") || die "cannot create a temporary directory"
        trap 'rm -rf "$WORK"' EXIT
        "$1"
    )
}

# Seconds until the next run: runs start when (epoch minutes - offset) is a multiple of the interval.
seconds_to_next_run() {
    local now period offset
    now=$(now_epoch)
    period=$((BACKUP_INTERVAL_MINUTES * 60))
    offset=$(((BACKUP_OFFSET_MINUTES * 60) % period))
    echo $((period - ((now - offset) % period + period) % period))
}

main() {
    local mode=${1:-}
    case "$mode" in
        --once | --loop) ;;
        --restore)
            guarded restore
            exit $?
            ;;
        *) usage ;;
    esac
    check_env
    if [[ "$mode" == "--once" ]]; then
        guarded run_once
        exit $?
    fi
    trap 'log "terminating"; exit 0' TERM INT
    log "loop: every ${BACKUP_INTERVAL_MINUTES} min at offset ${BACKUP_OFFSET_MINUTES} min; units ${BACKUP_UNITS:-(control DB only)}"
    while :; do
        local wait_s
        wait_s=$(seconds_to_next_run)
        log "next run in ${wait_s}s"
        sleep "$wait_s" &
        wait $! || true
        guarded run_once || log "run failed; the next run starts at the next interval"
    done
}

main "$@"
