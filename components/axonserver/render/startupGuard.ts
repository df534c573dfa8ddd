/**
 * The start-up guard against a second cluster: a bash script that runs before Axon Server on every node
 * (Kubernetes init container, VM `ExecStartPre`). Pure text rendering, no Pulumi import.
 *
 * Why: the cluster template runs once, on a node's first clean start ("runs exactly once, on the first
 * clean Axon Server start-up, if there is no previous cluster configuration defined",
 * docs.axoniq.io/axon-server-reference/v2024.2 cluster template). The node whose internal host:port
 * equals the template's `first` and that has no replication groups INITIALISES a new cluster; every other
 * clean node registers with `first` (EE 4.4.2 `ClusterTemplateRunner.initCluster`). So rebuilding
 * `first` on an empty data volume while the cluster lives would start a second, empty, writable cluster.
 *
 * What the guard does, only on the `first` node with a clean data volume (no control DB file):
 * 1. if another `_admin` PRIMARY answers on its internal gRPC port, the node must join, not initialise:
 *    it writes the template with `first` = that peer, so the node registers with the live cluster;
 * 2. else, if the operator set the override (documented in the README), it initialises and records that
 *    (log line + a line in `initialised-by-override.log` on the data volume);
 * 3. else, if no other `_admin` PRIMARY name resolves, the cluster was never deployed (the chain creates
 *    `first` before every other node, and their DNS names only exist once they do): it initialises;
 * 4. else it refuses (exit 1): the cluster exists but none of its `_admin` PRIMARY nodes answers.
 * Every other case (data present, or not `first`) copies the template unchanged. Axon Server reads the
 * template from the writable copy (`clustertemplate.path`), never from the read-only source.
 */

import { ADMIN_GROUP, AxonNode, PORTS, Topology } from "../../topology/model";
import { ANNOTATION_KEYS } from "../../topology/identity";
import { nodeAddress } from "../../topology/naming";
import { firstAdminPrimary } from "../../topology/rolling";
import { AxonPaths, clusterTemplateFile, runtimeClusterTemplateFile } from "./paths";
import { clusterTemplateFirst } from "./clusterTemplate";

/** H2 file of the control DB under `controldb-path` (spring.datasource.url `…/axonserver-controldb`). */
export const CONTROL_DB_FILE = "axonserver-controldb.mv.db";

/** Pod annotation (Kubernetes) that allows `first` to initialise a new cluster on a clean volume. */
export const ALLOW_INITIALISE_ANNOTATION = ANNOTATION_KEYS.allowInitialise;

export interface StartupGuardInput {
    /** The node the guard runs for (its log lines and error messages name it). */
    readonly nodeName: string;
    /** This node is the cluster template's `first`. */
    readonly isFirst: boolean;
    /** `first` as written in the template (host:port). */
    readonly first: string;
    /** Internal host:port of the other `_admin` PRIMARY nodes, in config order. */
    readonly peers: readonly string[];
    /** `controldb-path`. */
    readonly dataDir: string;
    /** The read-only template as deployed. */
    readonly templateSource: string;
    /** The copy Axon Server reads (`clustertemplate.path`). */
    readonly templateTarget: string;
    /**
     * Where the override comes from: a downward-API annotations file and the annotation key (Kubernetes),
     * or a file whose content is the reason (VM).
     */
    readonly override: { readonly annotationsFile: string; readonly key: string } | { readonly file: string };
    /**
     * Seconds to wait for each peer's TCP answer.
     * @default 3
     */
    readonly probeTimeoutSeconds?: number;
}

const SAFE = /^[A-Za-z0-9._:/@-]+$/;

/** The guard script. Throws when a value could break out of the script's quoting. */
export function renderStartupGuard(i: StartupGuardInput): string {
    const values = [i.nodeName, i.first, ...i.peers, i.dataDir, i.templateSource, i.templateTarget, ...Object.values(i.override)];
    const bad = values.filter((v) => !SAFE.test(v));
    if (bad.length) throw new Error(`startup guard of ${i.nodeName}: unsafe value(s) ${bad.map((v) => JSON.stringify(v)).join(", ")}`);
    const override =
        "file" in i.override
            ? [
                  `readonly OVERRIDE_FILE="${i.override.file}"`,
                  "override_reason() {",
                  '    if [ -s "$OVERRIDE_FILE" ]; then tr -d \'\\n\' < "$OVERRIDE_FILE"; fi',
                  "}",
                  "consume_override() {",
                  '    mv -f "$OVERRIDE_FILE" "$OVERRIDE_FILE.used-$(date -u +%Y%m%dT%H%M%SZ)"',
                  "}",
              ]
            : [
                  `readonly ANNOTATIONS_FILE="${i.override.annotationsFile}"`,
                  `readonly OVERRIDE_KEY="${i.override.key}"`,
                  "override_reason() {",
                  '    [ -r "$ANNOTATIONS_FILE" ] || return 0',
                  '    sed -n "s|^${OVERRIDE_KEY}=\\"\\(.*\\)\\"\\$|\\1|p" "$ANNOTATIONS_FILE" | head -n 1',
                  "}",
                  "consume_override() { :; }",
              ];
    return [
        "#!/bin/bash",
        `# Start-up guard of Axon Server node ${i.nodeName}: never initialise a second cluster.`,
        "# Generated by axonserver-multiregion (components/axonserver/render/startupGuard.ts).",
        "set -euo pipefail",
        "",
        `readonly NODE="${i.nodeName}"`,
        `readonly IS_FIRST="${i.isFirst ? "true" : "false"}"`,
        `readonly FIRST="${i.first}"`,
        `readonly PEERS="${i.peers.join(" ")}"`,
        `readonly DATA_DIR="${i.dataDir}"`,
        `readonly CONTROL_DB="${i.dataDir}/${CONTROL_DB_FILE}"`,
        `readonly TEMPLATE_SRC="${i.templateSource}"`,
        `readonly TEMPLATE_DST="${i.templateTarget}"`,
        `readonly PROBE_TIMEOUT="${i.probeTimeoutSeconds ?? 3}"`,
        ...override,
        "",
        'log() { echo "axonserver-startup-guard[$NODE]: $*" >&2; }',
        'use_template() { cp -f "$TEMPLATE_SRC" "$TEMPLATE_DST"; chmod 0644 "$TEMPLATE_DST"; }',
        "",
        'if [ -e "$CONTROL_DB" ]; then',
        '    log "control DB present: a restart, not a clean start (Axon Server ignores the template)"',
        "    use_template",
        "    exit 0",
        "fi",
        'if [ "$IS_FIRST" != true ]; then',
        '    log "clean data volume: will register with $FIRST (cluster template)"',
        "    use_template",
        "    exit 0",
        "fi",
        "",
        "# The template's `first` on a clean volume: it would initialise a cluster. Join a live one instead.",
        "for peer in $PEERS; do",
        '    host="${peer%:*}"',
        '    port="${peer##*:}"',
        '    if timeout "$PROBE_TIMEOUT" bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then',
        '        log "clean data volume but _admin PRIMARY $peer answers: the cluster exists; registering with it instead of initialising"',
        '        sed "s|^\\([[:space:]]*first:\\).*\\$|\\1 $peer|" "$TEMPLATE_SRC" > "$TEMPLATE_DST"',
        '        chmod 0644 "$TEMPLATE_DST"',
        "        exit 0",
        "    fi",
        "done",
        "",
        'reason="$(override_reason)"',
        'if [ -n "$reason" ]; then',
        '    log "OVERRIDE: initialising a NEW cluster on a clean data volume; reason: $reason"',
        '    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $NODE initialised a new cluster by override: $reason" >> "$DATA_DIR/initialised-by-override.log"',
        "    consume_override",
        "    use_template",
        "    exit 0",
        "fi",
        "",
        "resolvable=()",
        "for peer in $PEERS; do",
        '    if getent hosts "${peer%:*}" >/dev/null 2>&1; then resolvable+=("$peer"); fi',
        "done",
        'if [ "${#resolvable[@]}" -eq 0 ]; then',
        '    log "clean data volume and no other _admin PRIMARY exists yet: initialising the cluster"',
        "    use_template",
        "    exit 0",
        "fi",
        'log "REFUSING to start: clean data volume on the cluster template\'s first node while the cluster exists (${resolvable[*]} resolve) but no _admin PRIMARY answers. Starting would create a second cluster. Bring an _admin PRIMARY back, or set the override (README, \\"Lost volume\\")."',
        "exit 1",
        "",
    ].join("\n");
}

/** The guard of one node of the topology (`override` as in `StartupGuardInput`). */
export function startupGuardFor(topology: Topology, node: AxonNode, paths: AxonPaths, override: StartupGuardInput["override"]): string {
    const first = firstAdminPrimary(topology).name;
    const admin = topology.replicationGroups.find((g) => g.name === ADMIN_GROUP)!;
    const peers = admin.members
        .filter((m) => m.role === "PRIMARY" && m.node !== node.name)
        .map((m) => `${nodeAddress(topology, { name: m.node }).fqdn}:${PORTS.internalGrpc}`);
    return renderStartupGuard({
        nodeName: node.name,
        isFirst: node.name === first,
        first: clusterTemplateFirst(topology),
        peers,
        dataDir: paths.data,
        templateSource: clusterTemplateFile(paths),
        templateTarget: runtimeClusterTemplateFile(paths),
        override,
    });
}
