/**
 * Failure analysis: for each failure scenario (nothing, one node, one zone, one site, one region) and
 * each replication group, can a leader be elected, can events be committed, and is every committed
 * event still stored outside the failed area. Pure functions, no Pulumi import.
 *
 * Role semantics follow Axon Server's Raft code:
 * - voters are PRIMARY and ACTIVE_BACKUP; only a PRIMARY can lead;
 * - electing a leader and committing an entry both need a majority of the group's PRIMARY nodes
 *   (the leader included; majority = floor(n/2)+1) AND, only when the group has ACTIVE_BACKUP
 *   members, at least `minActiveBackups` of them;
 * - PASSIVE_BACKUP, SECONDARY and MESSAGING_ONLY never count.
 *
 * Tiered storage: in a group with SECONDARY members, PRIMARY nodes delete event segments older than the
 * context's retention time once the SECONDARY nodes hold them (docs.axoniq.io/axon-server-reference/
 * v2024.2, "Tiered storage": data becomes "eligible for removal from the last tier in primary nodes …
 * if all available secondary nodes have a safe copy"; EE 4.4.2 `RaftGroupRepositoryManager
 * .getNextTearRole`: only PRIMARY and MESSAGING_ONLY have a SECONDARY tier, so backup nodes keep
 * everything). `event.retention-time` defaults to 7d (`StorageProperties.retentionTime`), so every
 * group with a SECONDARY member is tiered. Events past retention then survive only on a SECONDARY or a
 * backup node, and stay readable only while a SECONDARY is up ("at least one SECONDARY node needs to be
 * up at all times", docs node-roles).
 */
import { ReplicationGroup, Role, Topology } from "./model";

export type ScenarioKind = "none" | "node" | "zone" | "site" | "region";

export interface GroupVerdict {
    group: string;
    /** A leader can be elected among the surviving members. */
    electable: boolean;
    /** Events can be committed (same rule as `electable` in Axon Server; kept separate on purpose). */
    writable: boolean;
    /**
     * No committed event can have been lost: some surviving member holds every committed event and, in a
     * tiered group, some surviving SECONDARY or backup node holds the events past retention.
     */
    dataSafe: boolean;
    /** The group has SECONDARY members: PRIMARY nodes drop events past the retention time. */
    tiered: boolean;
    /** Tiered groups: a surviving SECONDARY or backup node holds the events past retention (true otherwise). */
    oldEventsSafe: boolean;
    /** Tiered groups: a SECONDARY is up, so events past retention can be read (true otherwise). */
    oldEventsReadable: boolean;
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
        /** No committed event (events past retention included) can be lost whichever single zone fails. */
        dataSafeOnAnyZoneLoss: boolean;
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

    const tiered = count(group.members, "SECONDARY") > 0;
    const upSecondaries = count(up, "SECONDARY");
    const oldCopies = up.filter((m) => m.role === "SECONDARY" || m.role === "ACTIVE_BACKUP" || m.role === "PASSIVE_BACKUP").length;
    const oldEventsSafe = !tiered || oldCopies > 0;
    const oldEventsReadable = !tiered || upSecondaries > 0;
    if (tiered) {
        const retention = retentionOf(group);
        if (!oldEventsSafe) notes.push(`events older than ${retention} were only on the failed SECONDARY/backup nodes: lost`);
        else if (!oldEventsReadable) notes.push(`no SECONDARY up: events older than ${retention} are unreadable until one returns`);
    }

    return {
        group: group.name,
        electable: quorum,
        writable: quorum,
        dataSafe: !dataLost && oldEventsSafe,
        tiered,
        oldEventsSafe,
        oldEventsReadable,
        bestEffortCopies: up.filter((m) => m.role === "PASSIVE_BACKUP" || m.role === "SECONDARY").map((m) => m.node),
        notes,
    };
}

/** The longest `event.retention-time` of the group's contexts, or Axon Server's default `7d`. */
export function retentionOf(group: ReplicationGroup): string {
    const values = group.contexts.map((c) => c.metaData["event.retention-time"]).filter((v): v is string => !!v);
    return values.length ? [...new Set(values)].join("/") : "7d (default)";
}

/**
 * Warnings of tiered groups: when every SECONDARY member shares one zone or one site, losing it loses
 * (without backup nodes) or hides (with them) every event past the retention time.
 */
export function tieringWarnings(topology: Topology): { path: string; message: string }[] {
    const out: { path: string; message: string }[] = [];
    topology.replicationGroups.forEach((g) => {
        const secondaries = g.members.filter((m) => m.role === "SECONDARY").map((m) => topology.nodes.find((n) => n.name === m.node)!);
        if (secondaries.length === 0) return;
        const backups = g.members.filter((m) => m.role === "ACTIVE_BACKUP" || m.role === "PASSIVE_BACKUP").length;
        const impact = backups
            ? "events past the retention time become unreadable (they survive on the backup nodes)"
            : "every event past the retention time is lost (no backup node keeps them)";
        const names = secondaries.map((n) => `"${n.name}"`).join(", ");
        const sites = new Set(secondaries.map((n) => n.site));
        const zones = new Set(secondaries.map((n) => n.zone ?? `site ${n.site}`));
        const path = `replicationGroups[${g.name}]`;
        // The narrowest shared failure domain: a zone, else a site.
        const zoned = secondaries.every((n) => n.zone !== undefined);
        if (zoned && zones.size === 1) {
            out.push({ path, message: `all SECONDARY nodes ${names} of group "${g.name}" (retention ${retentionOf(g)}) are in zone "${[...zones][0]}": losing it, ${impact}` });
        } else if (sites.size === 1) {
            out.push({ path, message: `all SECONDARY nodes ${names} of group "${g.name}" (retention ${retentionOf(g)}) are in site "${[...sites][0]}": losing it, ${impact}` });
        }
    });
    return out;
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
            dataSafeOnAnyZoneLoss: verdicts("zone").every((v) => v.dataSafe),
        };
    }
    return summary;
}

/**
 * Disruption classes of a Kubernetes site's Axon pods, one PodDisruptionBudget each. A pod belongs to
 * exactly one class (the eviction API refuses pods matched by more than one budget:
 * kubernetes.io/docs/tasks/run-application/configure-pdb, "if you have multiple PDBs that select the
 * same pod … the eviction API will return an error"), by its most critical role in any group.
 */
export type DisruptionClass = "primary" | "active-backup" | "non-voting";

export interface SiteDisruptionBudget {
    site: string;
    class: DisruptionClass;
    /** Node names (their pods) in config order. */
    nodes: string[];
    /**
     * Pods of this class a voluntary disruption may take at once: 1, or 0 when one of them alone would
     * stop a group's writes (a drain then waits for an operator).
     */
    maxUnavailable: number;
    /** Why `maxUnavailable` is 0, if it is. */
    reason?: string;
}

/** Voters of `group` that may be down while it stays writable, per voting role. */
function tolerance(group: ReplicationGroup, role: "PRIMARY" | "ACTIVE_BACKUP", minActiveBackups: number): number {
    if (role === "PRIMARY") {
        const p = count(group.members, "PRIMARY");
        return p - majority(p);
    }
    return count(group.members, "ACTIVE_BACKUP") - minActiveBackups;
}

const classOf = (roles: readonly Role[]): DisruptionClass =>
    roles.includes("PRIMARY") ? "primary" : roles.includes("ACTIVE_BACKUP") ? "active-backup" : "non-voting";

/** The PodDisruptionBudgets of every Kubernetes site (VM sites have no eviction API: none). */
export function siteDisruptionBudgets(topology: Topology): SiteDisruptionBudget[] {
    const out: SiteDisruptionBudget[] = [];
    const min = topology.axonServer.minActiveBackups;
    for (const site of topology.sites) {
        if (site.platform === "vm") continue;
        const nodes = topology.nodes.filter((n) => n.site === site.name);
        for (const cls of ["primary", "active-backup", "non-voting"] as const) {
            const members = nodes.filter((n) => classOf(Object.values(n.roles)) === cls);
            if (members.length === 0) continue;
            let maxUnavailable = 1;
            let reason: string | undefined;
            for (const n of members) {
                for (const [g, role] of Object.entries(n.roles)) {
                    if (role !== "PRIMARY" && role !== "ACTIVE_BACKUP") continue;
                    const group = topology.replicationGroups.find((x) => x.name === g)!;
                    if (tolerance(group, role, min) < 1 && maxUnavailable > 0) {
                        maxUnavailable = 0;
                        reason = `losing ${role} "${n.name}" stops writes of group "${g}"`;
                    }
                }
            }
            out.push({ site: site.name, class: cls, nodes: members.map((n) => n.name), maxUnavailable, ...(reason ? { reason } : {}) });
        }
    }
    return out;
}

export interface GroupDrainVerdict {
    group: string;
    /** PRIMARY members one simultaneous voluntary disruption per site's budgets can take at once. */
    primariesDrainable: number;
    /** PRIMARY members that may be down while the group stays writable. */
    primariesTolerated: number;
    activeBackupsDrainable: number;
    activeBackupsTolerated: number;
    /** Drains in every site at once keep the group writable. */
    safe: boolean;
}

/**
 * PodDisruptionBudgets act per cluster: one drain in every site at the same time takes up to
 * `maxUnavailable` pods of each budget. Per group: how many of its voters that can remove, against
 * how many it can lose and stay writable. A budget's allowance is shared by its pods, so it removes at
 * most `maxUnavailable` members of the group.
 */
export function drainAnalysis(topology: Topology, budgets: readonly SiteDisruptionBudget[] = siteDisruptionBudgets(topology)): GroupDrainVerdict[] {
    const min = topology.axonServer.minActiveBackups;
    return topology.replicationGroups.map((g) => {
        const drainable = (role: Role) =>
            budgets.reduce((sum, b) => sum + Math.min(b.maxUnavailable, g.members.filter((m) => m.role === role && b.nodes.includes(m.node)).length), 0);
        const primariesDrainable = drainable("PRIMARY");
        const activeBackupsDrainable = drainable("ACTIVE_BACKUP");
        const primariesTolerated = tolerance(g, "PRIMARY", min);
        const backups = count(g.members, "ACTIVE_BACKUP");
        const activeBackupsTolerated = backups === 0 ? 0 : tolerance(g, "ACTIVE_BACKUP", min);
        const safe = primariesDrainable <= primariesTolerated && (backups === 0 || activeBackupsDrainable <= activeBackupsTolerated);
        return { group: g.name, primariesDrainable, primariesTolerated, activeBackupsDrainable, activeBackupsTolerated, safe };
    });
}

/** One warning per group whose quorum simultaneous drains in every site can break. */
export function drainWarnings(topology: Topology): { path: string; message: string }[] {
    return drainAnalysis(topology)
        .filter((d) => !d.safe)
        .map((d) => ({
            path: `replicationGroups[${d.group}]`,
            message:
                `one drain in every site at the same time can take ${d.primariesDrainable} PRIMARY node(s) of group "${d.group}" ` +
                `(it tolerates ${d.primariesTolerated})` +
                (d.activeBackupsDrainable > d.activeBackupsTolerated ? ` and ${d.activeBackupsDrainable} ACTIVE_BACKUP node(s) (it tolerates ${d.activeBackupsTolerated})` : "") +
                `: writes stop. PodDisruptionBudgets act per Kubernetes cluster; drain one site at a time`,
        }));
}
