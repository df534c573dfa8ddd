/**
 * The restore procedure of a topology from the agents' backups. Pure, no Pulumi import.
 *
 * Restoring means: every target node gets the admin agent's control DB, and for each replication
 * group it stores data of, that group's log segments and its contexts' event/snapshot segments from the
 * group's designated agent (plan.ts) — every member becomes a copy of the backed-up PRIMARY, and Raft
 * brings them in step after the start. Node names must match the source: they are identities stored
 * in the control DB. When host names differ (restore into another environment or region), the nodes
 * start once with a `recovery.json` (reference axonserver.md §1.1).
 */
import { ADMIN_GROUP, AxonNode, Topology } from "../topology/model";
import { nodeAddress } from "../topology/naming";
import { firstAdminPrimary, rollingOrder } from "../topology/rolling";
import { nodePaths } from "../axonserver/render/paths";
import { AGENT_LAYOUT } from "./agent";
import { BackupPlan, nodePrefix, planBackups } from "./plan";
import { BackupSettings } from "./settings";

/**
 * One element of `recovery.json` (reference §1.1; docs `administration/recovery`). Only `name`,
 * `hostName` and `internalHostName` are written: "any elements that have not changed (except for the
 * name) may be omitted", and the ports never change in this program (model.ts `PORTS`). That also
 * sidesteps the internal port key, which the reference gives as `internalGrpcPort` and the docs'
 * example as `grpcInternalPort`.
 */
export interface RecoveryEntry {
    readonly name: string;
    readonly oldName?: string;
    readonly hostName: string;
    readonly internalHostName: string;
}

/** Env var of `axoniq.axonserver.recoveryfile` (Spring relaxed binding, reference §1). */
export const RECOVERY_FILE_ENV = "AXONIQ_AXONSERVER_RECOVERYFILE";
export const RECOVERY_FILE_NAME = "recovery.json";

export interface NodeRestore {
    readonly node: string;
    readonly copies: readonly { readonly from: string; readonly to: string; readonly what: string }[];
}

export interface RestorePlan {
    readonly sourceEnvironment: string;
    readonly targetEnvironment: string;
    readonly stopOrder: readonly string[];
    readonly startOrder: readonly string[];
    readonly nodes: readonly NodeRestore[];
    /** Present when a host name differs between source and target. */
    readonly recovery?: readonly RecoveryEntry[];
    readonly warnings: readonly string[];
}

/** Thrown when the target cannot receive the source's backup (names differ). */
export class RestorePlanError extends Error {}

/**
 * The ordered restore of `source`'s backups (bucket root `bucketUrl`, e.g. `s3://…`) into `target`
 * (default: the same topology, i.e. restore in place).
 */
export function restorePlan(o: { source: Topology; target?: Topology; settings: Pick<BackupSettings, "intervalMinutes" | "snapshotTime">; bucketUrl: string }): RestorePlan {
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
    const plan: BackupPlan = planBackups(source, o.settings);
    const warnings = [...plan.warnings];
    const designated = new Map(plan.groups.map((g) => [g.group, g.node]));
    const srcGroups = new Map(source.replicationGroups.map((g) => [g.name, g]));
    for (const g of target.replicationGroups) {
        const sg = srcGroups.get(g.name);
        const key = (x: typeof g) => JSON.stringify([...x.members].map((m) => `${m.node}=${m.role}`).sort());
        if (!sg) warnings.push(`replication group ${g.name} exists only in the target: it starts empty`);
        else if (key(sg) !== key(g)) warnings.push(`replication group ${g.name} has other members or roles in the target than in the source: fix the membership after the start`);
    }

    const root = o.bucketUrl.replace(/\/+$/, "");
    const prefix = (node: string) => `${root}/${nodePrefix(source.environment, node)}`;
    const nodes: NodeRestore[] = target.nodes.map((node) => nodeRestore(node, plan.adminNode, designated, srcGroups, prefix));

    const srcByName = new Map(source.nodes.map((n) => [n.name, n]));
    const changed = target.nodes.some((n) => nodeAddress(target, n).fqdn !== nodeAddress(source, srcByName.get(n.name)!).fqdn);
    const recovery = changed
        ? target.nodes.map((n) => {
              const fqdn = nodeAddress(target, n).fqdn;
              return { name: n.name, hostName: fqdn, internalHostName: fqdn };
          })
        : undefined;

    const first = firstAdminPrimary(target).name;
    const admins = new Set(target.replicationGroups.find((g) => g.name === ADMIN_GROUP)?.members.map((m) => m.node) ?? []);
    const startOrder = [first, ...target.nodes.filter((n) => n.name !== first && admins.has(n.name)).map((n) => n.name), ...target.nodes.filter((n) => !admins.has(n.name)).map((n) => n.name)];
    return {
        sourceEnvironment: source.environment,
        targetEnvironment: target.environment,
        stopOrder: rollingOrder(target).map((n) => n.name),
        startOrder,
        nodes,
        ...(recovery ? { recovery } : {}),
        warnings,
    };
}

function nodeRestore(
    node: AxonNode,
    adminNode: string,
    designated: Map<string, string>,
    srcGroups: Map<string, Topology["replicationGroups"][number]>,
    prefix: (node: string) => string,
): NodeRestore {
    const p = nodePaths(node);
    const copies: { from: string; to: string; what: string }[] = [
        { from: `${prefix(adminNode)}/${AGENT_LAYOUT.controlDbZip}`, to: `${p.data}/`, what: "control DB: unzip into the data directory, then delete the zip" },
    ];
    for (const [group, role] of Object.entries(node.roles)) {
        if (role === "MESSAGING_ONLY") continue;
        const from = designated.get(group);
        const sg = srcGroups.get(group);
        if (!from || !sg) continue;
        copies.push({ from: `${prefix(from)}/${AGENT_LAYOUT.logDir(group)}/`, to: `${p.log}/${group}/`, what: `replication log of ${group}` });
        for (const ctx of sg.contexts) {
            if (ctx.name === ADMIN_GROUP) continue;
            copies.push({
                from: `${prefix(from)}/${AGENT_LAYOUT.eventsDir(ctx.name)}/`,
                to: `${p.events}/${ctx.name}/`,
                what: `events and snapshots of ${ctx.name} (skip the .marker-* objects)`,
            });
        }
    }
    return { node: node.name, copies };
}

/** `recovery.json` text (2-space JSON, trailing newline). */
export function renderRecoveryJson(entries: readonly RecoveryEntry[]): string {
    return JSON.stringify(entries, null, 2) + "\n";
}

/** The plan as the numbered procedure the CLI prints. */
export function renderRestorePlan(plan: RestorePlan, target: Topology, o: { recoveryWrittenTo?: string } = {}): string {
    const out: string[] = [];
    const line = (s = "") => out.push(s);
    const byName = new Map(target.nodes.map((n) => [n.name, n]));
    line(`# Restore of ${plan.sourceEnvironment} backups into ${plan.targetEnvironment}`);
    line();
    line("Practise this procedure before you need it. Paths are inside each node's volumes");
    line("(Kubernetes: a helper pod mounting the node's PVCs while its StatefulSet is scaled to 0; VMs: as the axonserver user).");
    for (const w of plan.warnings) line(`WARNING: ${w}`);
    line();
    line("## 1. Stop every node (least critical first, the cluster template's first node last)");
    plan.stopOrder.forEach((n, i) => line(`${i + 1}. ${n}`));
    line();
    line("## 2. Replace each node's data with the backup (empty the events, log and data volumes first)");
    for (const nr of plan.nodes) {
        const n = byName.get(nr.node)!;
        line(`### ${nr.node} (${n.site}, ${n.platform})`);
        for (const c of nr.copies) line(`- ${c.what}:\n    ${c.from}  ->  ${c.to}`);
        line(`- delete ${nodePaths(n).data}/AxonIQ.pid if present`);
    }
    line();
    if (plan.recovery) {
        const p = (name: string) => nodePaths(byName.get(name)!);
        line(`## 3. Host names changed: start once in recovery mode`);
        line(`Write the recovery.json below to every node's data directory and set ${RECOVERY_FILE_ENV}`);
        line(`to it for the first start (e.g. ${p(plan.startOrder[0]).data}/${RECOVERY_FILE_NAME}); remove both after the cluster is up.`);
        line();
        if (o.recoveryWrittenTo) line(`recovery.json was written to ${o.recoveryWrittenTo}.`);
        else out.push(renderRecoveryJson(plan.recovery).trimEnd());
        line();
    } else {
        line("## 3. Host names are unchanged: no recovery.json");
        line();
    }
    line("## 4. Start (the cluster template's first node first, then _admin members, then the rest)");
    plan.startOrder.forEach((n, i) => line(`${i + 1}. ${n}`));
    line();
    line("## 5. Verify and resume");
    line("- GET /v1/public/me and /v1/public/replicationgroups on each node: every group has a leader;");
    line("- replay a sample aggregate per context from a client;");
    line("- run `pulumi up` so the backup agents resume (their first run is a full copy under the target's prefixes).");
    return out.join("\n") + "\n";
}
