/**
 * Which node's agent backs up what. Pure, no Pulumi import.
 *
 * Rules (Axon Server backup docs, docs.axoniq.io "Backups"; axon-server-se `BackupInfoRestController`):
 * - a restore needs each node's OWN control DB: it holds the node's group memberships, Raft term, vote and
 *   commit index ("each node gets restored the ConfigDB backed up for that node");
 * - `POST /v1/backup/createControlDbBackup` backs up the control DB of the node that serves the call, and
 *   that node's log segments must be copied within 30 minutes after it (log compaction);
 * - the agent reads the files it is told about from its own node's volumes (ReadWriteOnce), so it runs
 *   on that node (a sidecar of the node's pod, or a timer on the VM).
 *
 * So every node runs an agent for itself: its control DB, then the replication log and the event store of
 * every group it stores data for (any role but MESSAGING_ONLY). Its own event store, not a PRIMARY's: in a
 * group with SECONDARY members and a retention time, the PRIMARY nodes drop segments older than the
 * retention time once the SECONDARY nodes hold them (docs.axoniq.io tiered storage), so only the SECONDARY
 * (and backup) nodes have the whole history; restoring each node from its own copy gives every node
 * exactly what it had. The price: one copy of a group's events per data member in the bucket.
 *
 * `_admin` is backed up as a replication log only: the `_admin` context keeps no event store (its data
 * is the control DB), so no event/snapshot listing is asked for it.
 */
import { ADMIN_GROUP, AxonNode, Platform, Topology } from "../topology/model";
import { BackupSettings, minutesOfDay } from "./settings";

/** One replication group an agent backs up: its log, then its contexts' events and snapshots. */
export interface BackupUnit {
    /** Replication group name. */
    readonly group: string;
    /** Contexts whose event store is backed up (none for `_admin`). */
    readonly contexts: readonly string[];
}

export interface AgentPlan {
    /** The node the agent runs beside (and backs up). */
    readonly node: string;
    /** The node's site. */
    readonly site: string;
    /** The node's platform: a sidecar on Kubernetes, a systemd timer on a VM. */
    readonly platform: Platform;
    /** Groups this node stores data for (empty: the node's control DB only). */
    readonly units: readonly BackupUnit[];
    /** Runs start when (UTC minutes since epoch − offset) is a multiple of the interval. */
    readonly offsetMinutes: number;
}

export interface BackupPlan {
    /** One agent per node, in node config order. */
    readonly agents: readonly AgentPlan[];
    /** Nodes left without an agent (on existing clusters), one sentence each. */
    readonly warnings: readonly string[];
}

/** Minutes between the agents' run and the snapshots (so volume snapshots hold a fresh control DB zip). */
export const CONTROLDB_BEFORE_SNAPSHOT_MINUTES = 10;

/** The bucket prefix of a node's agent: `<environment>/<node>`. */
export function nodePrefix(environment: string, node: string): string {
    return `${environment}/${node}`;
}

/** `BACKUP_UNITS` of the agent script: `<group>:<ctx>,<ctx>` separated by spaces. */
export function renderUnits(units: readonly BackupUnit[]): string {
    return units.map((u) => `${u.group}:${u.contexts.join(",")}`).join(" ");
}

/**
 * The offset (minutes, in `[0, interval)`) that makes one aligned run start `CONTROLDB_BEFORE_SNAPSHOT_MINUTES`
 * before `snapshotTime` every day (the interval divides 1440, settings.ts).
 */
export function adminOffsetMinutes(settings: Pick<BackupSettings, "intervalMinutes" | "snapshotTime">): number {
    const i = settings.intervalMinutes;
    return (((minutesOfDay(settings.snapshotTime) - CONTROLDB_BEFORE_SNAPSHOT_MINUTES) % i) + i) % i;
}

/** The groups a node stores data for, with their contexts (none for `_admin`). */
export function unitsOf(topology: Pick<Topology, "replicationGroups">, node: Pick<AxonNode, "roles">): BackupUnit[] {
    return topology.replicationGroups
        .filter((g) => node.roles[g.name] !== undefined && node.roles[g.name] !== "MESSAGING_ONLY")
        .map((g) => ({ group: g.name, contexts: g.name === ADMIN_GROUP ? [] : g.contexts.map((c) => c.name).filter((c) => c !== ADMIN_GROUP) }));
}

/**
 * One agent per node, except on existing clusters (`platform: kubernetes`): the program cannot give their
 * pods access to the bucket, so those nodes are not backed up (a warning names each).
 */
export function planBackups(topology: Pick<Topology, "nodes" | "replicationGroups">, settings: Pick<BackupSettings, "intervalMinutes" | "snapshotTime">): BackupPlan {
    const offset = adminOffsetMinutes(settings);
    const nodes = [...topology.nodes].sort((a, b) => a.index - b.index);
    const warnings = nodes
        .filter((n) => n.platform === "kubernetes")
        .map(
            (n) =>
                `node ${n.name} is on the existing cluster of site ${n.site}, whose pods the program cannot give access to the bucket: ` +
                `it has no backup agent; after a restore of the others it must rejoin clean (delete its volumes first), and it must not be the cluster template's first node`,
        );
    const agents = nodes.filter((n) => n.platform !== "kubernetes").map((node) => agentPlan(node, unitsOf(topology, node), offset));
    return { agents, warnings };
}

function agentPlan(node: AxonNode, units: BackupUnit[], offsetMinutes: number): AgentPlan {
    return { node: node.name, site: node.site, platform: node.platform, units, offsetMinutes };
}

/** The agent of a node, if it has one. */
export function agentOf(plan: BackupPlan, node: string): AgentPlan | undefined {
    return plan.agents.find((a) => a.node === node);
}
