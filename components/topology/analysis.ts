/**
 * Failure analysis: for each failure scenario (nothing, one node, one zone, one site, one region) and
 * each replication group, can a leader be elected, can events be committed, and is every committed
 * event still stored outside the failed area. Pure functions, no Pulumi import.
 *
 * Role semantics follow reference/axonserver.md §3 (Axon Server's Raft code):
 * - voters are PRIMARY and ACTIVE_BACKUP; only a PRIMARY can lead;
 * - electing a leader and committing an entry both need a majority of the group's PRIMARY nodes
 *   (the leader included; majority = floor(n/2)+1) AND, only when the group has ACTIVE_BACKUP
 *   members, at least `minActiveBackups` of them;
 * - PASSIVE_BACKUP, SECONDARY and MESSAGING_ONLY never count.
 */
import { ReplicationGroup, Role, Topology } from "./model";

export type ScenarioKind = "none" | "node" | "zone" | "site" | "region";

export interface GroupVerdict {
    group: string;
    /** A leader can be elected among the surviving members. */
    electable: boolean;
    /** Events can be committed (same rule as `electable` in Axon Server; kept separate on purpose). */
    writable: boolean;
    /** No committed event can have been lost: some surviving member holds every committed event. */
    dataSafe: boolean;
    /** Surviving PASSIVE_BACKUP and SECONDARY members: copies that may lag behind the last commit. */
    bestEffortCopies: string[];
    /** Short human reasons, e.g. "1/3 PRIMARY up, majority needs 2". */
    notes: string[];
}

export interface Scenario {
    kind: ScenarioKind;
    /** `none` for the baseline; otherwise the node, zone, site or region name. */
    name: string;
    /** Names of the failed nodes, in config order. */
    failed: string[];
    /** One verdict per replication group, `_admin` first, then config order. */
    groups: GroupVerdict[];
}

export interface FailureSummary {
    [group: string]: {
        /** The group stays writable whichever single node fails. */
        survivesAnyNode: boolean;
        survivesAnyZone: boolean;
        survivesAnySite: boolean;
        survivesAnyRegion: boolean;
        /** No committed event can be lost whichever single region fails. */
        dataSafeOnAnyRegionLoss: boolean;
    };
}

/** Smallest number of PRIMARY nodes that is a majority of `n` (the leader included). */
export function majority(n: number): number {
    return Math.floor(n / 2) + 1;
}

const count = (members: readonly { role: Role }[], role: Role) => members.filter((m) => m.role === role).length;

/** The verdict for one group when the nodes in `failed` are down (and their disks lost). */
export function judgeGroup(group: ReplicationGroup, failed: ReadonlySet<string>, minActiveBackups: number): GroupVerdict {
    const up = group.members.filter((m) => !failed.has(m.node));
    const down = group.members.filter((m) => failed.has(m.node));
    const primaries = count(group.members, "PRIMARY");
    const backups = count(group.members, "ACTIVE_BACKUP");
    const need = majority(primaries);
    const upPrimaries = count(up, "PRIMARY");
    const upBackups = count(up, "ACTIVE_BACKUP");
    const downPrimaries = count(down, "PRIMARY");
    const downBackups = count(down, "ACTIVE_BACKUP");

    const primaryOk = primaries > 0 && upPrimaries >= need;
    const backupsOk = backups === 0 || upBackups >= minActiveBackups;
    const quorum = primaryOk && backupsOk;
    // A commit is stored on `need` PRIMARY nodes (+ `minActiveBackups` ACTIVE_BACKUP nodes when the group
    // has any). The failed set can hold every copy of some commit only if it covers such a set.
    const dataLost = primaries > 0 && downPrimaries >= need && (backups === 0 || downBackups >= minActiveBackups);

    const notes: string[] = [];
    if (primaries === 0) notes.push("no PRIMARY member: no leader can ever be elected");
    else notes.push(`${upPrimaries}/${primaries} PRIMARY up, majority needs ${need}`);
    if (backups > 0) {
        notes.push(`${upBackups}/${backups} ACTIVE_BACKUP up, minActiveBackups needs ${minActiveBackups}`);
        if (minActiveBackups > backups) notes.push(`minActiveBackups ${minActiveBackups} > ${backups} ACTIVE_BACKUP members: never writable`);
    }
    notes.push("writable = electable: commits use the election rule");
    if (dataLost) {
        notes.push(
            backups > 0
                ? `${downPrimaries} PRIMARY and ${downBackups} ACTIVE_BACKUP lost: a commit may exist only on failed nodes`
                : `${downPrimaries} PRIMARY lost (a majority): a commit may exist only on failed nodes`,
        );
    }
    const ignored = (["SECONDARY", "PASSIVE_BACKUP", "MESSAGING_ONLY"] as const)
        .map((r) => [r, count(group.members, r)] as const)
        .filter(([, n]) => n > 0)
        .map(([r, n]) => `${n} ${r}`);
    if (ignored.length) notes.push(`not counted for quorum: ${ignored.join(", ")}`);

    return {
        group: group.name,
        electable: quorum,
        writable: quorum,
        dataSafe: !dataLost,
        bestEffortCopies: up.filter((m) => m.role === "PASSIVE_BACKUP" || m.role === "SECONDARY").map((m) => m.node),
        notes,
    };
}

/**
 * Every scenario, in this order: none; each node (config order); each zone; each site; each region
 * (zones, sites and regions in site config order). Scenarios that would fail no node (a zone or site
 * without Axon nodes) are left out.
 */
export function analyzeFailures(topology: Topology): Scenario[] {
    const min = topology.axonServer.minActiveBackups;
    const scenario = (kind: ScenarioKind, name: string, failed: string[]): Scenario => {
        const set = new Set(failed);
        return { kind, name, failed, groups: topology.replicationGroups.map((g) => judgeGroup(g, set, min)) };
    };
    const nodesWhere = (pred: (n: Topology["nodes"][number]) => boolean) => topology.nodes.filter(pred).map((n) => n.name);
    const unique = (xs: string[]) => [...new Set(xs)];

    const scenarios: Scenario[] = [scenario("none", "none", [])];
    for (const n of topology.nodes) scenarios.push(scenario("node", n.name, [n.name]));
    // Zones in site order, then any zone a node names that its site does not list (the loader rejects
    // those, but the analysis should not silently drop nodes).
    const zones = unique([...topology.sites.flatMap((s) => s.zones), ...topology.nodes.flatMap((n) => (n.zone ? [n.zone] : []))]);
    const regions = unique(topology.sites.map((s) => s.region));
    const groups: [ScenarioKind, string[], (name: string) => string[]][] = [
        ["zone", zones, (z) => nodesWhere((n) => n.zone === z)],
        ["site", topology.sites.map((s) => s.name), (s) => nodesWhere((n) => n.site === s)],
        ["region", regions, (r) => nodesWhere((n) => n.region === r)],
    ];
    for (const [kind, names, failedOf] of groups) {
        for (const name of names) {
            const failed = failedOf(name);
            if (failed.length) scenarios.push(scenario(kind, name, failed));
        }
    }
    return scenarios;
}

/**
 * Per group: whether it stays writable under every scenario of a kind (vacuously true when the
 * topology has no scenario of that kind, e.g. no zones), and whether no region loss can lose a commit.
 */
export function summarizeFailures(scenarios: Scenario[]): FailureSummary {
    const summary: FailureSummary = {};
    const groupNames = [...new Set(scenarios.flatMap((s) => s.groups.map((g) => g.group)))];
    for (const group of groupNames) {
        const verdicts = (kind: ScenarioKind) =>
            scenarios.filter((s) => s.kind === kind).flatMap((s) => s.groups.filter((g) => g.group === group));
        const survives = (kind: ScenarioKind) => verdicts(kind).every((v) => v.electable && v.writable);
        summary[group] = {
            survivesAnyNode: survives("node"),
            survivesAnyZone: survives("zone"),
            survivesAnySite: survives("site"),
            survivesAnyRegion: survives("region"),
            dataSafeOnAnyRegionLoss: verdicts("region").every((v) => v.dataSafe),
        };
    }
    return summary;
}
