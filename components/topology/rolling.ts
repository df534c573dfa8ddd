/**
 * The order in which `pulumi up` creates and changes the Axon Server nodes. Pure, no Pulumi import.
 *
 * One order serves both, because Pulumi's `dependsOn` edges are static: the same edge orders a
 * resource's creation and its updates (pulumi.com/docs/iac/concepts/resources/options/dependson). The
 * order is the one a NEW cluster needs, and updates walk the same chain one node at a time, with an
 * Axon-aware gate between every two nodes (components/kubernetes/rollingGate.ts) doing what
 * least-critical-first only approximated: the next node is changed only after Axon reports the previous
 * one back and caught up in every group, and only when the next node's groups can lose it.
 *
 * Creation order: the cluster template's `first` node (it initialises the cluster; every other node
 * registers with it), then the other PRIMARY nodes, then ACTIVE_BACKUP, then the nodes that never
 * vote. Axon Server creates a replication group when the first of its listed nodes joins, and refuses
 * to create it from a node that is not PRIMARY ("No primary nodes provided", EE 4.4.2
 * `AddNodeToReplicationGroupTask` / `createReplicationGroup`): every group must see a PRIMARY member
 * before any other member, which this order guarantees (a group always has a PRIMARY: the loader
 * checks it). Ties keep config order.
 *
 * `leastCriticalOrder` is the order a rolling change would take without a gate (non-voting, then
 * ACTIVE_BACKUP, then PRIMARY, `first` last); the report shows it next to the chain so operators can
 * see which nodes a change reaches first and why the gate is there.
 */
import { ADMIN_GROUP, AxonNode, Role, Topology } from "./model";

/** 0 = never votes, 1 = votes but cannot lead, 2 = can lead (Axon Server's Raft roles). */
const ROLE_RANK: Readonly<Record<Role, number>> = {
    MESSAGING_ONLY: 0,
    PASSIVE_BACKUP: 0,
    SECONDARY: 0,
    ACTIVE_BACKUP: 1,
    PRIMARY: 2,
};
const RANK_LABEL = ["non-voting", "ACTIVE_BACKUP", "PRIMARY"] as const;

/**
 * The cluster template's `first` node: the first PRIMARY of `_admin` in config order. It initialises
 * the cluster and every other node registers with it.
 */
export function firstAdminPrimary(topology: Pick<Topology, "replicationGroups" | "nodes">): AxonNode {
    const admin = topology.replicationGroups.find((g) => g.name === ADMIN_GROUP);
    const member = admin?.members.find((m) => m.role === "PRIMARY");
    const node = member && topology.nodes.find((n) => n.name === member.node);
    if (!node) throw new Error(`replication group ${ADMIN_GROUP} has no PRIMARY node`);
    return node;
}

function rankOf(node: AxonNode): number {
    return Math.max(-1, ...Object.values(node.roles).map((r) => ROLE_RANK[r]));
}

interface Ranked {
    readonly node: AxonNode;
    readonly rank: number;
    readonly first: boolean;
}

function ranks(topology: Topology): Ranked[] {
    const first = firstAdminPrimary(topology).name;
    return topology.nodes.map((node) => ({ node, rank: rankOf(node), first: node.name === first }));
}

function label({ node, rank }: Ranked): string {
    const groups = Object.entries(node.roles)
        .filter(([, role]) => ROLE_RANK[role] === rank)
        .map(([g, role]) => (rank === 0 ? `${role}@${g}` : g));
    return rank < 0 ? "no role" : `${RANK_LABEL[rank]} (${groups.join(", ")})`;
}

/** Creation order = the chain `pulumi up` walks, on creation and on updates (see the module comment). */
export function creationOrder(topology: Topology): AxonNode[] {
    return ranks(topology)
        .sort((a, b) => Number(b.first) - Number(a.first) || b.rank - a.rank || a.node.index - b.node.index)
        .map((r) => r.node);
}

/** The chain with the reason of each position, for reports. */
export function creationOrderExplained(topology: Topology): { node: string; rank: string }[] {
    return creationOrder(topology).map((node) => {
        const r = ranks(topology).find((x) => x.node.name === node.name)!;
        return { node: node.name, rank: r.first ? `${label(r)}, cluster-template first: initialises the cluster` : label(r) };
    });
}

/** Least critical first, `first` last: what an ungated rolling change would touch first. */
export function leastCriticalOrder(topology: Topology): AxonNode[] {
    return ranks(topology)
        .sort((a, b) => Number(a.first) - Number(b.first) || a.rank - b.rank || a.node.index - b.node.index)
        .map((r) => r.node);
}

/**
 * Least critical first (`leastCriticalOrder`): the order in which to stop nodes by hand (e.g. before a
 * restore). Not the order `pulumi up` changes them: that is `creationOrder`.
 */
export function rollingOrder(topology: Topology): AxonNode[] {
    return leastCriticalOrder(topology);
}

/** `leastCriticalOrder` with the reason of each position. */
export function rollingOrderExplained(topology: Topology): { node: string; rank: string }[] {
    return leastCriticalOrder(topology).map((node) => {
        const r = ranks(topology).find((x) => x.node.name === node.name)!;
        return { node: node.name, rank: r.first ? `${label(r)}, cluster-template first: last of all` : label(r) };
    });
}
