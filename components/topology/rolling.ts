/**
 * The order in which nodes are updated one at a time (design decision 5). Pure, no Pulumi import.
 *
 * Least critical first, so a bad change shows up on a node whose loss costs nothing: nodes that never
 * vote (MESSAGING_ONLY, PASSIVE_BACKUP, SECONDARY), then ACTIVE_BACKUP (votes, may gate commits), then
 * PRIMARY. A node's rank is its most critical role over all its groups; ties keep config order. The
 * cluster template's `first` node goes last of all: new nodes register through it.
 */
import { ADMIN_GROUP, AxonNode, Role, Topology } from "./model";

/** 0 = never votes, 1 = votes but cannot lead, 2 = can lead (reference §3). */
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
 * the cluster and every other node registers with it (reference §2).
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

function ranked(topology: Topology): Ranked[] {
    const first = firstAdminPrimary(topology).name;
    return topology.nodes
        .map((node) => ({ node, rank: rankOf(node), first: node.name === first }))
        .sort((a, b) => Number(a.first) - Number(b.first) || a.rank - b.rank || a.node.index - b.node.index);
}

/** Nodes in rolling-update order (stable; see the module comment). */
export function rollingOrder(topology: Topology): AxonNode[] {
    return ranked(topology).map((r) => r.node);
}

/** The rolling order with the reason of each position, for reports. */
export function rollingOrderExplained(topology: Topology): { node: string; rank: string }[] {
    return ranked(topology).map(({ node, rank, first }) => {
        const groups = Object.entries(node.roles)
            .filter(([, role]) => ROLE_RANK[role] === rank)
            .map(([g, role]) => (rank === 0 ? `${role}@${g}` : g));
        const label = rank < 0 ? "no role" : `${RANK_LABEL[rank]} (${groups.join(", ")})`;
        return { node: node.name, rank: first ? `${label}, cluster-template first: last of all` : label };
    });
}
