/**
 * Which node's agent backs up what. Pure, no Pulumi import.
 *
 * Rules (seed "Axon Server backups", reference axonserver.md §4):
 * - the control DB backup (`POST /v1/backup/createControlDbBackup`) is made on a node serving `_admin`;
 * - log and event-store listings are asked of a PRIMARY member of the group;
 * - the agent reads the files it is told about from its own node's volumes (ReadWriteOnce), so it runs
 *   on that node (a sidecar of the node's pod, or a timer on the VM);
 * - the control DB comes first, and the log segments within 30 minutes after it.
 *
 * Choice: one designated PRIMARY per group, preferring a node that also is a PRIMARY of `_admin`, so one
 * agent run does control DB → log → events in order.
 * 1. The *admin agent* `A`: among the PRIMARY nodes of `_admin`, the one that is PRIMARY of the most
 *    groups (ties: `_admin` member order, i.e. the cluster template's `first` when it ties). `A` backs
 *    up `_admin`'s log, makes the control DB backup, and backs up every group it is PRIMARY of.
 * 2. Another group `g`: its first PRIMARY (config order) that is a PRIMARY of `_admin` — that agent
 *    makes its own control DB backup first, so its order is guaranteed locally.
 * 3. Fallback, no PRIMARY of `g` serves `_admin`: `g`'s first PRIMARY. Its agent cannot make a control
 *    DB backup, so it runs 5 minutes after `A` (aligned schedule, see `offsetMinutes`) and first checks
 *    `A`'s control-DB stamp in the bucket: younger than 20 minutes, or the run fails (the log must
 *    follow the control DB within 30 minutes). A warning names the group.
 *
 * `_admin` itself is backed up as a replication log only: the `_admin` context keeps no event store
 * (its data is the control DB), so no event/snapshot listing is asked for it.
 */
import { ADMIN_GROUP, AxonNode, Platform, ReplicationGroup, Topology } from "../topology/model";
import { BackupSettings, minutesOfDay } from "./settings";

/** One replication group an agent backs up: its log, then its contexts' events and snapshots. */
export interface BackupUnit {
    readonly group: string;
    /** Contexts whose event store is backed up (none for `_admin`). */
    readonly contexts: readonly string[];
}

export type AssignmentReason = "admin-agent" | "primary-serving-admin" | "fallback-primary";

export interface GroupAssignment {
    readonly group: string;
    readonly node: string;
    readonly reason: AssignmentReason;
}

export interface AgentPlan {
    readonly node: string;
    readonly site: string;
    readonly platform: Platform;
    /** Makes its own control DB backup first (the node is a PRIMARY of `_admin`). */
    readonly controlDb: boolean;
    /** Node whose control-DB stamp must be fresh before this agent backs up logs (fallback only). */
    readonly controlDbFrom?: string;
    readonly units: readonly BackupUnit[];
    /** Runs start when (UTC minutes since epoch − offset) is a multiple of the interval. */
    readonly offsetMinutes: number;
}

export interface BackupPlan {
    /** The admin agent: its control DB backup is the one restores use. */
    readonly adminNode: string;
    readonly groups: readonly GroupAssignment[];
    /** One agent per node that backs up at least one group, in node config order. */
    readonly agents: readonly AgentPlan[];
    readonly warnings: readonly string[];
}

/** Minutes between the admin agent's run and the snapshots (so volume snapshots hold a fresh control DB). */
export const CONTROLDB_BEFORE_SNAPSHOT_MINUTES = 10;
/** Delay of fallback agents after the admin agent. */
export const FALLBACK_DELAY_MINUTES = 5;
/** Maximum age of the admin agent's control DB backup when a fallback agent starts its log copy. */
export const CONTROLDB_MAX_AGE_SECONDS = 20 * 60;

const primaries = (g: ReplicationGroup): string[] => g.members.filter((m) => m.role === "PRIMARY").map((m) => m.node);

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

export function planBackups(topology: Pick<Topology, "nodes" | "replicationGroups">, settings: Pick<BackupSettings, "intervalMinutes" | "snapshotTime">): BackupPlan {
    const admin = topology.replicationGroups.find((g) => g.name === ADMIN_GROUP);
    const adminPrimaries = admin ? primaries(admin) : [];
    if (adminPrimaries.length === 0) throw new Error(`replication group ${ADMIN_GROUP} has no PRIMARY node: no node can make the control DB backup`);
    const groups = topology.replicationGroups.filter((g) => g.name !== ADMIN_GROUP);
    const primaryCount = (node: string) => groups.filter((g) => primaries(g).includes(node)).length;
    // Stable: the first of the best wins.
    const adminNode = adminPrimaries.reduce((best, n) => (primaryCount(n) > primaryCount(best) ? n : best));

    const warnings: string[] = [];
    const assignments: GroupAssignment[] = [{ group: ADMIN_GROUP, node: adminNode, reason: "admin-agent" }];
    for (const g of groups) {
        const p = primaries(g);
        if (p.length === 0) throw new Error(`replication group ${g.name} has no PRIMARY node: nothing can list its backup files`);
        if (p.includes(adminNode)) assignments.push({ group: g.name, node: adminNode, reason: "admin-agent" });
        else {
            const servesAdmin = p.find((n) => adminPrimaries.includes(n));
            if (servesAdmin) assignments.push({ group: g.name, node: servesAdmin, reason: "primary-serving-admin" });
            else {
                assignments.push({ group: g.name, node: p[0], reason: "fallback-primary" });
                warnings.push(
                    `replication group ${g.name}: no PRIMARY serves ${ADMIN_GROUP}, so ${p[0]} backs it up ${FALLBACK_DELAY_MINUTES} minutes after ` +
                        `${adminNode}'s control DB backup and fails when that is older than ${CONTROLDB_MAX_AGE_SECONDS / 60} minutes; ` +
                        `a restore of ${g.name} pairs its log with ${adminNode}'s control DB (make a PRIMARY of ${g.name} a PRIMARY of ${ADMIN_GROUP} to avoid this)`,
                );
            }
        }
    }

    const groupByName = new Map(topology.replicationGroups.map((g) => [g.name, g]));
    const base = adminOffsetMinutes(settings);
    const agents: AgentPlan[] = [];
    for (const node of [...topology.nodes].sort((a, b) => a.index - b.index)) {
        const mine = assignments.filter((a) => a.node === node.name);
        if (mine.length === 0) continue;
        const units = mine.map((a) => ({
            group: a.group,
            contexts: a.group === ADMIN_GROUP ? [] : groupByName.get(a.group)!.contexts.map((c) => c.name).filter((c) => c !== ADMIN_GROUP),
        }));
        const controlDb = adminPrimaries.includes(node.name);
        agents.push(agentPlan(node, controlDb, units, controlDb ? base : (base + FALLBACK_DELAY_MINUTES) % settings.intervalMinutes, controlDb ? undefined : adminNode));
    }
    return { adminNode, groups: assignments, agents, warnings };
}

function agentPlan(node: AxonNode, controlDb: boolean, units: BackupUnit[], offsetMinutes: number, controlDbFrom?: string): AgentPlan {
    return {
        node: node.name,
        site: node.site,
        platform: node.platform,
        controlDb,
        ...(controlDbFrom !== undefined ? { controlDbFrom } : {}),
        units,
        offsetMinutes,
    };
}

/** The agent of a node, if it has one. */
export function agentOf(plan: BackupPlan, node: string): AgentPlan | undefined {
    return plan.agents.find((a) => a.node === node);
}
