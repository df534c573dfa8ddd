/**
 * The restore procedure of a topology from the agents' backups, and what performs it. Pure, no Pulumi
 * import.
 *
 * Every target node gets ITS OWN newest complete backup run: its control DB, its replication logs and its
 * event store, read from its own prefix `<environment>/<node>` (plan.ts, agent.sh). Axon Server requires
 * that: "each node gets restored the ConfigDB backed up for that node" (docs.axoniq.io, Backups, "Restore
 * with no pre-existing data"), because memberships, Raft term and commit index are per node. Node names
 * must match the source: they are identities stored in the control DB. When host names differ (restore
 * into another environment or region), the nodes start once with a `recovery.json` in the data directory,
 * where `axoniq.axonserver.recoveryfile` (always set, properties.ts) points.
 *
 * What performs it: the agent script in `--restore` mode, per Kubernetes node as a Job mounting the node's
 * PVCs while its StatefulSet is scaled to 0 (built by the caller's `kubernetesJob`, the Kubernetes adapter in
 * components/kubernetes/restoreJob.ts), per VM node as commands. Each step has an expected duration.
 */
import { ADMIN_GROUP, AxonNode, PORTS, Topology } from "../topology/model";
import { nodeAddress } from "../topology/naming";
import { firstAdminPrimary, rollingOrder } from "../topology/rolling";
import { nodePaths } from "../axonserver/render/paths";
import { AGENT_ENV, AGENT_LAYOUT, RESTORE_ENV } from "./agent";
import { nodePrefix, planBackups } from "./plan";
import { BackupSettings } from "./settings";
import { SIDECAR_NAME, VM_AGENT_PATH } from "./agentRuntime";

/**
 * One element of `recovery.json` (docs.axoniq.io `administration/recovery`: `name`, `oldName`,
 * `hostName`, `internalHostName`, `internalGrpcPort`, `httpPort`, `grpcPort`). The ports never change in
 * this program (model.ts `PORTS`); they are written anyway so the file states the whole address.
 */
export interface RecoveryEntry {
    readonly name: string;
    readonly hostName: string;
    readonly internalHostName: string;
    readonly grpcPort: number;
    readonly httpPort: number;
    readonly internalGrpcPort: number;
}

export const RECOVERY_FILE_NAME = "recovery.json";

/** One node's restore: where its backup is, and what restores it. */
export interface NodeRestore {
    readonly node: string;
    readonly site: string;
    readonly platform: AxonNode["platform"];
    /** The node's prefix in the bucket (its agent's `BACKUP_TARGET` in the source). */
    readonly source: string;
    /** Environment of `agent.sh --restore` for this node (target paths). */
    readonly env: Readonly<Record<string, string>>;
    /** Kubernetes nodes: the Job that runs the restore on the node's PVCs. */
    readonly job?: Record<string, unknown>;
    /** VM nodes: the commands that run the restore on the VM (as root). */
    readonly commands?: readonly string[];
}

export interface RestoreStep {
    readonly title: string;
    /** Expected wall-clock minutes of the step (all nodes in parallel where the step allows it). */
    readonly minutes: number;
    readonly lines: readonly string[];
}

export interface RestorePlan {
    readonly sourceEnvironment: string;
    readonly targetEnvironment: string;
    readonly stopOrder: readonly string[];
    readonly startOrder: readonly string[];
    readonly nodes: readonly NodeRestore[];
    /** Present when a host name differs between source and target. */
    readonly recovery?: readonly RecoveryEntry[];
    readonly steps: readonly RestoreStep[];
    readonly warnings: readonly string[];
}

/** Thrown when the target cannot receive the source's backup (names differ). */
export class RestorePlanError extends Error {}

/**
 * Expected durations. The copy estimate assumes up to 25 GiB of backed-up data per node, read from the
 * bucket at about 100 MB/s per node (all Jobs run in parallel): ~4.5 minutes, plus image pull and scheduling.
 * A bigger event store takes proportionally longer: measure it in a drill.
 */
export const RESTORE_MINUTES = { hold: 1, copy: 6, start: 3, verify: 2 } as const;
export const RESTORE_ASSUMED_GIB_PER_NODE = 25;

export type RestoreSettings = Pick<BackupSettings, "cloud" | "drRegion"> & Partial<Pick<BackupSettings, "agentImage">>;

/** Name of a node's restore Job. */
export const restoreJobName = (node: string): string => `${node}-restore`;
/** The PVC of a StatefulSet volume claim template: `<template>-<statefulset>-<ordinal>` (Kubernetes StatefulSet naming). */
export const pvcName = (template: string, node: string): string => `${template}-${node}-0`;
/**
 * Placeholder of the AWS role a GKE node's Job assumes to read S3 (the role is autonamed; its ARN is in the
 * node's backup sidecar env `AWS_ROLE_ARN`, and the plan prints the command that fills it in).
 */
export const WEB_IDENTITY_ROLE_PLACEHOLDER = "<AWS_ROLE_ARN of the node's backup sidecar>";
/** The backup script ConfigMap of a node (components/kubernetes/axonServerNode.ts). */
export const scriptConfigMapName = (node: string): string => `${node}-backup-agent`;

/**
 * The ordered restore of `source`'s backups (bucket root `bucketUrl`, e.g. `s3://…`) into `target`
 * (default: the same topology, i.e. restore in place).
 */
/**
 * Builds the Kubernetes Job that runs `agent.sh --restore` for one node on its PVCs. The platform's
 * adapter (components/kubernetes/restoreJob.ts) supplies it: the plan itself knows no Kubernetes.
 */
export type RestoreJobBuilder = (target: Topology, node: AxonNode, env: Readonly<Record<string, string>>, settings: RestoreSettings) => Record<string, unknown>;

export function restorePlan(o: { source: Topology; target?: Topology; settings: RestoreSettings; bucketUrl: string; kubernetesJob: RestoreJobBuilder }): RestorePlan {
    const source = o.source;
    const target = o.target ?? source;
    const srcNames = source.nodes.map((n) => n.name);
    const dstNames = target.nodes.map((n) => n.name);
    const missing = srcNames.filter((n) => !dstNames.includes(n));
    const extra = dstNames.filter((n) => !srcNames.includes(n));
    if (missing.length > 0 || extra.length > 0) {
        throw new RestorePlanError(
            `the target stack must have the same node names as the source (they are identities in the control DB): ` +
                `missing in target: ${missing.join(", ") || "(none)"}; not in source: ${extra.join(", ") || "(none)"}`,
        );
    }
    const warnings: string[] = [];
    const srcGroups = new Map(source.replicationGroups.map((g) => [g.name, g]));
    for (const g of target.replicationGroups) {
        const sg = srcGroups.get(g.name);
        const key = (x: typeof g) => JSON.stringify([...x.members].map((m) => `${m.node}=${m.role}`).sort());
        if (!sg) warnings.push(`replication group ${g.name} exists only in the target: it starts empty`);
        else if (key(sg) !== key(g)) warnings.push(`replication group ${g.name} has other members or roles in the target than in the source: fix the membership after the start`);
    }

    const srcByName = new Map(source.nodes.map((n) => [n.name, n]));
    const changed = target.nodes.some((n) => nodeAddress(target, n).fqdn !== nodeAddress(source, srcByName.get(n.name)!).fqdn);
    const recovery: RecoveryEntry[] | undefined = changed
        ? target.nodes.map((n) => {
              const fqdn = nodeAddress(target, n).fqdn;
              return { name: n.name, hostName: fqdn, internalHostName: fqdn, grpcPort: PORTS.grpc, httpPort: PORTS.http, internalGrpcPort: PORTS.internalGrpc };
          })
        : undefined;

    const root = o.bucketUrl.replace(/\/+$/, "");
    const prefix = (node: string) => `${root}/${nodePrefix(source.environment, node)}`;
    const backedUp = new Set(planBackups(source, { intervalMinutes: 60, snapshotTime: "00:00" }).agents.map((a) => a.node));
    for (const n of target.nodes.filter((x) => !backedUp.has(x.name))) {
        warnings.push(`node ${n.name} has no backup (no agent in the source): delete its volumes before step 4 so it rejoins clean`);
    }
    const nodes = target.nodes.filter((n) => backedUp.has(n.name)).map((node) => nodeRestore(target, node, prefix(node.name), o.settings, o.kubernetesJob, recovery));

    const first = firstAdminPrimary(target).name;
    const admins = new Set(target.replicationGroups.find((g) => g.name === ADMIN_GROUP)?.members.map((m) => m.node) ?? []);
    const startOrder = [first, ...target.nodes.filter((n) => n.name !== first && admins.has(n.name)).map((n) => n.name), ...target.nodes.filter((n) => !admins.has(n.name)).map((n) => n.name)];
    const stopOrder = rollingOrder(target).map((n) => n.name);
    if (target.environment !== source.environment) {
        warnings.push(
            `the target environment ${target.environment} differs from the source ${source.environment}: the target's agent identities reach only ` +
                `${target.environment}/<node>/ in the bucket; grant the restore Jobs (the Axon ServiceAccount) read access to ${source.environment}/<node>/ ` +
                `and kms:Decrypt on the bucket key before step 3`,
        );
    }
    const steps = restoreSteps({ source, target, nodes, stopOrder, startOrder, recovery: recovery !== undefined, prefix, settings: o.settings });
    return { sourceEnvironment: source.environment, targetEnvironment: target.environment, stopOrder, startOrder, nodes, ...(recovery ? { recovery } : {}), steps, warnings };
}

function restoreEnv(node: AxonNode, source: string, settings: RestoreSettings, recovery?: readonly RecoveryEntry[]): Record<string, string> {
    const p = nodePaths(node);
    return {
        [RESTORE_ENV.source]: source,
        [RESTORE_ENV.dataDir]: p.data,
        [RESTORE_ENV.logDir]: p.log,
        [RESTORE_ENV.eventsDir]: p.events,
        // The volumes of a node deployed before the restore hold an empty node's files.
        [RESTORE_ENV.wipe]: "true",
        [AGENT_ENV.retries]: "5",
        [AGENT_ENV.retryDelaySeconds]: "5",
        ...(recovery ? { [RESTORE_ENV.recoveryJson]: JSON.stringify(recovery) } : {}),
        ...(settings.cloud === "aws" ? { AWS_REGION: settings.drRegion } : {}),
    };
}

function nodeRestore(target: Topology, node: AxonNode, source: string, settings: RestoreSettings, kubernetesJob: RestoreJobBuilder, recovery?: readonly RecoveryEntry[]): NodeRestore {
    const env = restoreEnv(node, source, settings, recovery);
    const base = { node: node.name, site: node.site, platform: node.platform, source, env };
    if (node.platform === "vm") {
        const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
        return {
            ...base,
            commands: [`sudo -u axonserver env ${assignments.join(" ")} bash ${VM_AGENT_PATH} --restore`],
        };
    }
    return { ...base, job: kubernetesJob(target, node, env, settings) };
}

function shellQuote(v: string): string {
    return /^[A-Za-z0-9_./:=@-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** A GKE pod reads an S3 bucket like its sidecar: the AWS role through a projected ServiceAccount token. */
export function needsWebIdentity(node: Pick<AxonNode, "platform">, settings: RestoreSettings): boolean {
    return node.platform === "gke" && settings.cloud === "aws";
}

function restoreSteps(o: {
    source: Topology;
    target: Topology;
    nodes: readonly NodeRestore[];
    stopOrder: readonly string[];
    startOrder: readonly string[];
    recovery: boolean;
    prefix: (node: string) => string;
    settings: RestoreSettings;
}): RestoreStep[] {
    const byName = new Map(o.target.nodes.map((n) => [n.name, n]));
    const ns = o.target.kubernetes.namespace;
    const kubectl = (node: string) => `kubectl --context <${byName.get(node)!.site}> -n ${ns}`;
    const isVm = (node: string) => byName.get(node)!.platform === "vm";
    const cp = o.settings.cloud === "aws" ? "aws s3 cp -" : "gcloud storage cp -";
    const rm = o.settings.cloud === "aws" ? "aws s3 rm" : "gcloud storage rm";
    const cat = o.settings.cloud === "aws" ? "aws s3 cp" : "gcloud storage cat";
    const stopMinutes = Math.ceil(o.target.axonServer.terminationGracePeriodSeconds / 60);
    const withBackup = new Set(o.nodes.map((n) => n.node));
    const restored = o.stopOrder.filter((n) => withBackup.has(n));
    const steps: RestoreStep[] = [];
    steps.push({
        title: "Hold the backup agents and note the runs to restore",
        minutes: RESTORE_MINUTES.hold,
        lines: [
            "A node that starts empty must not replace its backup: with `hold` present the agents skip their runs.",
            ...restored.map((n) => `echo hold | ${cp} ${o.prefix(n)}/${AGENT_LAYOUT.hold}`),
            "Each node is restored from its newest complete run (the `latest` object); note them:",
            ...restored.map((n) => `${cat} ${o.prefix(n)}/${AGENT_LAYOUT.latest}${o.settings.cloud === "aws" ? " -" : ""}`),
            "Access: the restore reads only the node's own prefix, with the identity of the node's agent (IRSA role, Workload",
            "Identity or VM role), which holds read access to it and kms:Decrypt on the bucket's SSE-KMS key. The restored",
            "volumes are the target's own (new) volumes, encrypted with the target's keys: no key of the lost stack is needed.",
        ],
    });
    steps.push({
        title: "Stop every node (least critical first, the cluster template's first node last)",
        minutes: stopMinutes,
        lines: o.stopOrder.map((n) =>
            isVm(n) ? `${n}: sudo systemctl stop axonserver-backup.timer axonserver` : `${n}: ${kubectl(n)} scale statefulset/${n} --replicas=0 && ${kubectl(n)} wait --for=delete pod/${n}-0 --timeout=${stopMinutes * 60 + 60}s`,
        ),
    });
    steps.push({
        title: `Restore every node from its own backup (in parallel; estimate for up to ${RESTORE_ASSUMED_GIB_PER_NODE} GiB per node)`,
        minutes: RESTORE_MINUTES.copy,
        lines: [
            `Each restore empties the node's events, log and data directories, copies the node's control DB (unzipped), logs and`,
            `events of its newest complete run${o.recovery ? ", and writes recovery.json into the data directory" : ""}.`,
            ...(o.nodes.some((nr) => nr.job && needsWebIdentity(byName.get(nr.node)!, o.settings))
                ? [
                      `GKE nodes read S3 with their sidecar's AWS role: before step 2, fill it into their Job files, e.g.`,
                      `  ROLE=$(kubectl --context <site> -n ${ns} get statefulset/<node> -o jsonpath='{.spec.template.spec.containers[?(@.name=="${SIDECAR_NAME}")].env[?(@.name=="AWS_ROLE_ARN")].value}')`,
                      `  sed -i "s#${WEB_IDENTITY_ROLE_PLACEHOLDER}#$ROLE#" <node>-restore.yaml`,
                  ]
                : []),
            ...o.nodes.map((nr) =>
                nr.job
                    ? `${nr.node}: ${kubectl(nr.node)} apply -f ${restoreJobName(nr.node)}.yaml && ${kubectl(nr.node)} wait --for=condition=complete job/${restoreJobName(nr.node)} --timeout=30m`
                    : `${nr.node}: ${nr.commands!.join(" && ")}`,
            ),
        ],
    });
    steps.push({
        title: "Start (the cluster template's first node first, then _admin members, then the rest)",
        minutes: RESTORE_MINUTES.start,
        lines: o.startOrder.map((n, i) =>
            (isVm(n) ? `${n}: sudo systemctl start axonserver axonserver-backup.timer` : `${n}: ${kubectl(n)} scale statefulset/${n} --replicas=1`) +
            (i === 0 ? `  (wait until ${n} is ready before the others)` : ""),
        ),
    });
    steps.push({
        title: "Verify and resume the backups",
        minutes: RESTORE_MINUTES.verify,
        lines: [
            "GET /v1/public/me and /v1/public/replicationgroups on each node: every group has a leader; replay a sample aggregate per context.",
            ...(o.recovery ? [`Once the cluster is up, delete ${RECOVERY_FILE_NAME} from each node's data directory (Axon Server applies it at start).`] : []),
            ...restored.map((n) => `${rm} ${o.prefix(n)}/${AGENT_LAYOUT.hold}`),
            `The agents resume under ${o.target.environment}/<node>/ at their next interval${o.target.environment !== o.source.environment ? " (a first, full run)" : ""}.`,
        ],
    });
    return steps;
}

/** `recovery.json` text (2-space JSON, trailing newline). */
export function renderRecoveryJson(entries: readonly RecoveryEntry[]): string {
    return JSON.stringify(entries, null, 2) + "\n";
}

/** Total expected minutes of the procedure. */
export function restoreMinutes(plan: Pick<RestorePlan, "steps">): number {
    return plan.steps.reduce((s, x) => s + x.minutes, 0);
}

/** The plan as the numbered procedure the CLI prints, each step with its expected duration. */
export function renderRestorePlan(plan: RestorePlan, o: { filesWrittenTo?: string } = {}): string {
    const out: string[] = [];
    const line = (s = "") => out.push(s);
    line(`# Restore of ${plan.sourceEnvironment} backups into ${plan.targetEnvironment} (expected ${restoreMinutes(plan)} minutes end to end)`);
    line();
    line("Practise this procedure before you need it (the drill in test/integration/backup-drill.test.ts runs the same script).");
    line("Restore every node together: one node put back under a running cluster gets an older Raft term and vote (rejoin it clean instead).");
    if (o.filesWrittenTo) line(`The restore Jobs${plan.recovery ? " and recovery.json" : ""} were written to ${o.filesWrittenTo}.`);
    else line("Write the restore Jobs and VM scripts with --out-dir <dir>.");
    for (const w of plan.warnings) line(`WARNING: ${w}`);
    plan.steps.forEach((s, i) => {
        line();
        line(`## ${i + 1}. ${s.title} (~${s.minutes} min)`);
        for (const l of s.lines) line(l);
    });
    if (plan.recovery) {
        line();
        line("## recovery.json (host names changed; the restore writes it into each node's data directory)");
        out.push(renderRecoveryJson(plan.recovery).trimEnd());
    } else {
        line();
        line("Host names are unchanged: no recovery.json.");
    }
    return out.join("\n") + "\n";
}
