/**
 * The orders in which `pulumi up` creates and changes the Axon Server nodes. Pure, no Pulumi import.
 *
 * Creation and updates take DIFFERENT orders, by different mechanisms:
 *
 * - **Creation order** is a `dependsOn` chain (node → gate Job → node, components/kubernetes/rollingGate.ts).
 *   Pulumi's `dependsOn` edges are static: the same edge orders a resource's creation and its updates
 *   (pulumi.com/docs/iac/concepts/resources/options/dependson). The chain is the order a NEW cluster
 *   needs: the cluster template's `first` node (it initialises the cluster; every other node registers
 *   with it), then the other PRIMARY nodes, then ACTIVE_BACKUP, then the nodes that never vote. Axon
 *   Server creates a replication group when the first of its listed nodes joins, and refuses to create
 *   it from a node that is not PRIMARY ("No primary nodes provided", EE 4.4.2
 *   `AddNodeToReplicationGroupTask` / `createReplicationGroup`): every group must see a PRIMARY member
 *   before any other member, which this order guarantees (the loader checks every group has a PRIMARY).
 *   Ties keep config order.
 * - **Update order** is the order in which the nodes RESTART on a change. The StatefulSets use
 *   `updateStrategy: OnDelete`: "the StatefulSet controller will not automatically update the Pods …
 *   Users must manually delete Pods" (kubernetes.io/docs/concepts/workloads/controllers/statefulset/
 *   #update-strategies), and pulumi-kubernetes counts an OnDelete StatefulSet update (generation > 1)
 *   as done once its replicas are ready, without waiting for new pods (provider/pkg/await/statefulset.go,
 *   `revisionReady = true` for OnDelete). So walking the creation chain on an update restarts no pod;
 *   the roller Jobs (components/kubernetes/roller.ts) run after every node resource and restart the
 *   pods one at a time in `updateOrder`, each step checked against Axon's own Raft view.
 *
 * Update order rule, least critical first (what a restart costs, from Axon's quorum rules): nodes with
 * no voting role anywhere (SECONDARY, PASSIVE_BACKUP, MESSAGING_ONLY: they "never influence the
 * availability of the replication group"), then ACTIVE_BACKUP (votes, cannot lead; commits need
 * `minActiveBackups` of them), then PRIMARY (can lead; a majority is needed), the template's `first`
 * last; a node ranks by its most critical role over all groups; ties keep config order. VM nodes are
 * the exception: Pulumi replaces a VM's instance itself, in the creation chain (its only ordering
 * edge), which runs before any roller restarts a pod, so VM nodes come first, in creation order
 * (with the gates before and after each still checking Axon).
 *
 * `leastCriticalOrder` is the same rule over every node regardless of platform: the order to stop
 * nodes by hand (e.g. before a restore).
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

/** Creation order: the `dependsOn` chain `pulumi up` walks (see the module comment). */
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
 * restore). `pulumi up` restarts nodes in `updateOrder`.
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

/**
 * The order in which `pulumi up` restarts nodes on an update: VM nodes first, in creation order (Pulumi
 * replaces their instances in the creation chain, before any roller runs), then the Kubernetes nodes
 * least critical first (`leastCriticalOrder`), restarted one at a time by the roller Jobs.
 */
export function updateOrder(topology: Topology): AxonNode[] {
    const vms = creationOrder(topology).filter((n) => n.platform === "vm");
    return [...vms, ...leastCriticalOrder(topology).filter((n) => n.platform !== "vm")];
}

/** `updateOrder` with the reason of each position, for reports. */
export function updateOrderExplained(topology: Topology): { node: string; rank: string }[] {
    const all = ranks(topology);
    return updateOrder(topology).map((node) => {
        const r = all.find((x) => x.node.name === node.name)!;
        const base = r.first ? `${label(r)}, cluster-template first: last of all` : label(r);
        return { node: node.name, rank: node.platform === "vm" ? `${label(r)}, VM: replaced by Pulumi in the creation chain, before any pod restarts` : base };
    });
}

/**
 * One roller Job's share of `updateOrder`: a maximal run of consecutive Kubernetes nodes on one site.
 * When the order visits a site twice (e.g. its SECONDARY nodes first, its PRIMARY nodes last, with
 * another site's backups between), the site gets one segment per visit, and the segments run one after
 * the other in this order.
 */
export interface RollerSegment {
    /** Kubernetes site whose pods this segment restarts (the Job runs there). */
    readonly site: string;
    /** Position among the segments, 0-based. */
    readonly index: number;
    /** Nodes in restart order, all on `site`. */
    readonly nodes: readonly string[];
    /**
     * The node restarted just before this segment (previous segment's last node, or for the first
     * segment the last VM node replaced): the segment first waits until Axon reports it back.
     */
    readonly after?: string;
}

/** `updateOrder`'s Kubernetes nodes cut into per-site segments (see `RollerSegment`). */
export function rollerSegments(topology: Topology): RollerSegment[] {
    const order = updateOrder(topology);
    const vms = order.filter((n) => n.platform === "vm");
    const segments: { site: string; nodes: string[]; after?: string }[] = [];
    let previous: string | undefined = vms.length ? vms[vms.length - 1].name : undefined;
    for (const node of order.filter((n) => n.platform !== "vm")) {
        const last = segments[segments.length - 1];
        if (last && last.site === node.site) last.nodes.push(node.name);
        else segments.push({ site: node.site, nodes: [node.name], ...(previous !== undefined ? { after: previous } : {}) });
        previous = node.name;
    }
    return segments.map((s, index) => ({ ...s, index }));
}
