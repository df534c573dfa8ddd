/**
 * The Axon Server cluster of one environment, whatever its nodes run on: the tokens and license, TLS,
 * the chain that creates nodes one at a time (components/topology/rolling.ts `creationOrder`), the
 * platforms' rollers that restart them on a change in `updateOrder`, and a handle per node. The nodes themselves are created by `NodePlacer`s (placement.ts), one per platform:
 * components/kubernetes/kubernetesPlacer.ts and components/vm/vmPlacer.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { AxonNode, Topology } from "../topology/model";
import { creationOrder, updateOrder } from "../topology/rolling";
import { NodePlacement, NodePlacer, PlacedNode, NodeEndpoint, NodeTlsMaterial } from "./placement";
import { ClusterSecretsInput, resolveClusterSecrets } from "./secrets";
import { AxonServerTls } from "./tls";

export type { ClusterSecretsInput } from "./secrets";

export interface AxonServerClusterArgs {
    /** The validated topology; the cluster creates every node of it. */
    readonly topology: Topology;
    /** Configured secrets; missing tokens are generated. */
    readonly secrets: ClusterSecretsInput;
    /** The placers of the nodes' platforms; each node must be handled by exactly one of them. */
    readonly placers: readonly NodePlacer[];
}

/**
 * The cluster. Type `axonserver:index:AxonServerCluster` (the token of the stacks already deployed: a new
 * one would change the URN of every node's resources).
 */
export class AxonServerCluster extends pulumi.ComponentResource {
    /** System token with administrative rights (secret). */
    readonly adminToken: pulumi.Output<string>;
    /** Token nodes use to authenticate each other (secret). */
    readonly internalToken: pulumi.Output<string>;
    /** PEM CA certificate; undefined without TLS. */
    readonly caCertificate: pulumi.Output<string | undefined>;
    /** Every node (Kubernetes and VM) as placed, by node name, in topology order. */
    readonly nodes: Readonly<Record<string, PlacedNode>>;
    /** Every node's addresses, by node name in topology order. */
    readonly nodeEndpoints: pulumi.Output<Record<string, NodeEndpoint>>;
    /** Node names in the order a new cluster is created (components/topology/rolling.ts `creationOrder`). */
    readonly creationOrder: string[];
    /** Node names in the order a change restarts them, one at a time (`updateOrder`). */
    readonly updateOrder: string[];
    /**
     * The gates between consecutive nodes of the creation chain, keyed `<after>-><before>` (none between
     * two VM nodes that no Kubernetes site reaches).
     */
    readonly gates: Readonly<Record<string, pulumi.Resource>>;
    /** The resources that restart nodes after the chain, in update order (the Kubernetes roller Jobs). */
    readonly rollers: Readonly<Record<string, pulumi.Resource>>;

    constructor(name: string, args: AxonServerClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:index:AxonServerCluster", name, {}, opts);
        const t = args.topology;
        const placerOf = assignPlacers(t, args.placers);
        checkArguments(t, args, placerOf);

        const secrets = resolveClusterSecrets(name, args.secrets, this);
        const tls = t.axonServer.tls ? new AxonServerTls(`${name}-tls`, { topology: t }, { parent: this }) : undefined;
        const placements = attachPlacers(args.placers, { name, parent: this, topology: t, secrets });
        const chain = createNodeChain(creationOrder(t), {
            placementOf: (node) => placements.get(placerOf(node))!,
            placements: [...placements.values()],
            tlsOf: (node) => nodeTlsMaterial(tls, node),
        });
        // Restarts come after the whole chain: every node resource and every gate.
        const rollStep = {
            placed: chain.placed,
            chain: [...Object.values(chain.placed).flatMap((p) => p.ready), ...Object.values(chain.gates)],
        };
        const rollers = Object.assign({}, ...[...placements.values()].map((p) => p.roll?.(rollStep) ?? {})) as Record<string, pulumi.Resource>;

        this.adminToken = secrets.adminToken;
        this.internalToken = secrets.internalToken;
        this.caCertificate = tls ? tls.caCertPem : pulumi.output<string | undefined>(undefined);
        // Topology order, for stable outputs.
        this.nodes = Object.fromEntries(t.nodes.map((n) => [n.name, chain.placed[n.name]]));
        this.nodeEndpoints = pulumi.all(Object.fromEntries(t.nodes.map((n) => [n.name, chain.placed[n.name].endpoint]))) as pulumi.Output<Record<string, NodeEndpoint>>;
        this.creationOrder = chain.order;
        this.updateOrder = updateOrder(t).map((n) => n.name);
        this.gates = chain.gates;
        this.rollers = rollers;

        this.registerOutputs({
            adminToken: this.adminToken,
            caCertificate: this.caCertificate,
            nodeEndpoints: this.nodeEndpoints,
            creationOrder: this.creationOrder,
            updateOrder: this.updateOrder,
            gates: Object.keys(this.gates),
            rollers: Object.keys(this.rollers),
        });
    }
}

/** The one placer of each node; nodes with none or several are left to `checkArguments`. */
function assignPlacers(t: Topology, placers: readonly NodePlacer[]): (node: AxonNode) => NodePlacer {
    const byNode = new Map(t.nodes.map((n) => [n.name, placers.filter((p) => p.handles(n))]));
    return (node) => byNode.get(node.name)![0];
}

/** Every problem of the arguments at once, before any resource is created. */
function checkArguments(t: Topology, args: AxonServerClusterArgs, placerOf: (node: AxonNode) => NodePlacer | undefined): void {
    const problems: string[] = [];
    for (const n of t.nodes) {
        const handlers = args.placers.filter((p) => p.handles(n));
        if (handlers.length === 0) problems.push(`node ${n.name} (site ${n.site}, platform ${n.platform}): no placer handles it (placers: ${args.placers.map((p) => p.name).join(", ") || "none"})`);
        if (handlers.length > 1) problems.push(`node ${n.name}: placed by several placers (${handlers.map((p) => p.name).join(", ")})`);
    }
    for (const p of args.placers) {
        const mine = t.nodes.filter((n) => placerOf(n) === p);
        if (mine.length > 0) problems.push(...(p.check?.(t, mine) ?? []));
    }
    if (t.axonServer.licensed && args.secrets.license === undefined) problems.push("axonServer.licensed is set but no license secret was given");
    if (problems.length > 0) throw new Error(`AxonServerCluster: ${problems.join("; ")}`);
}

/** Binds every placer to the cluster, in the given order (each creates its shared resources). */
function attachPlacers(placers: readonly NodePlacer[], cluster: Parameters<NodePlacer["attach"]>[0]): Map<NodePlacer, NodePlacement> {
    return new Map(placers.map((p) => [p, p.attach(cluster)]));
}

/** The certificate of `node` from the cluster's TLS; undefined without TLS. */
function nodeTlsMaterial(tls: AxonServerTls | undefined, node: AxonNode): NodeTlsMaterial | undefined {
    const cert = tls?.nodes[node.name];
    return tls && cert ? { caCertPem: tls.caCertPem, certPem: cert.certPem, privateKeyPem: cert.privateKeyPem } : undefined;
}

/** How the chain reaches the platforms. */
export interface NodeChainArgs {
    /** The placement of the node's platform. */
    readonly placementOf: (node: AxonNode) => NodePlacement;
    /**
     * Every placement, asked for a gate when neither node's own platform runs one (two VM nodes: a
     * Kubernetes site that reaches both may).
     * @default - only the two nodes' own placements
     */
    readonly placements?: readonly NodePlacement[];
    /** The node's certificate; undefined without TLS. */
    readonly tlsOf: (node: AxonNode) => NodeTlsMaterial | undefined;
}

/** The chain as built. */
export interface NodeChain {
    /** Node names in chain order. */
    readonly order: string[];
    /** Every node, by name. */
    readonly placed: Readonly<Record<string, PlacedNode>>;
    /** Gates by `<after>-><before>`. */
    readonly gates: Readonly<Record<string, pulumi.Resource>>;
}

/**
 * The creation chain (components/topology/rolling.ts `creationOrder`): the template's `first`, the other
 * PRIMARY nodes, ACTIVE_BACKUP, then the rest. Every node waits for the gate after the previous node,
 * which waits for that node: the engine starts a resource's step only after its dependencies' steps,
 * awaits included (pulumi.com/docs/iac/concepts/resources/options/dependson), and a gate completes only
 * once Axon reports the previous node back (components/kubernetes/rollingGate.ts). `dependsOn` edges
 * apply to creation and updates alike: a new cluster starts in this order, and a VM is replaced in it; a
 * StatefulSet's new pod template restarts nothing here (`OnDelete`: the rollers restart pods afterwards,
 * in update order). The gate runs on the previous node's platform if it has gates, else on the next
 * node's, else on any platform that offers one (two VM nodes); when none does, the next node waits for
 * the previous node itself.
 */
export function createNodeChain(order: readonly AxonNode[], args: NodeChainArgs): NodeChain {
    const placed: Record<string, PlacedNode> = {};
    const gates: Record<string, pulumi.Resource> = {};
    let previous: PlacedNode | undefined;
    for (const node of order) {
        let dependsOn: readonly pulumi.Resource[] = previous ? previous.ready : [];
        if (previous) {
            const step = { after: previous, before: node };
            const candidates = [args.placementOf(previous.node), args.placementOf(node), ...(args.placements ?? [])];
            let gate: pulumi.Resource | undefined;
            for (const p of candidates) {
                gate = p.gate?.(step);
                if (gate) break;
            }
            if (gate) {
                gates[`${previous.node.name}->${node.name}`] = gate;
                dependsOn = [gate];
            }
        }
        previous = args.placementOf(node).place(node, { dependsOn, tls: args.tlsOf(node) });
        placed[node.name] = previous;
    }
    return { order: order.map((n) => n.name), placed, gates };
}
