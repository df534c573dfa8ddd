/**
 * The per-node internal Network Load Balancers of EKS sites, as data: the fixed NodePorts each node's
 * Service takes, the load balancer subnets carved out of the site CIDR, the load balancer and target
 * group names, and the load-time checks of all three. Pure, no Pulumi import: components/aws builds the
 * load balancers from it, components/kubernetes the Services, and the loader checks it.
 */
import { subdivideCidr, parseCidr } from "./cidr";
import { fitName } from "./identity";
import { AxonNode, ConfigIssue, HEALTH_RELAY_PORT, PORTS, Site, Topology } from "./model";

/** A platform limit: its value and where it comes from (same shape as platform/limits.ts `Limit`). */
interface Limit<T> {
    readonly value: T;
    readonly source: string;
}

/**
 * The NodePort range of an EKS cluster: the API server's default `--service-node-port-range`, which the
 * program keeps by leaving the cluster's `kubeApiServerConfig.serviceNodePortRange` unset
 * (node_modules/@pulumi/aws/types/input.d.ts `ClusterKubeApiServerConfigServiceNodePortRange`: default
 * 30000-32767). Kubernetes since 1.29 (KEP-3668) splits it into a static lower band of
 * `min(max(16, size / 32), 128)` ports, which automatic allocation uses only once the upper band is
 * exhausted, and a dynamic band: fixed ports in the static band do not collide with the random ports
 * of other Services of the cluster. For 30000-32767 the static band is 30000-30085 (86 ports).
 */
export const NODE_PORT_RANGE: Limit<{ readonly min: number; readonly max: number; readonly staticBandEnd: number }> = {
    value: { min: 30000, max: 32767, staticBandEnd: 30000 + Math.min(Math.max(16, Math.floor((32767 - 30000 + 1) / 32)), 128) - 1 },
    source: "https://kubernetes.io/docs/concepts/services-networking/service/#avoid-nodeport-collisions",
};

/** The fixed ports of one node's Service: the traffic NodePorts and the kube-proxy health check port. */
export interface NodePorts {
    /** NodePort of the client gRPC port (8124); the load balancer's 8124 target group forwards here. */
    readonly grpc: number;
    /** NodePort of the internal gRPC port (8224). */
    readonly internalGrpc: number;
    /**
     * `healthCheckNodePort` of the Service (type LoadBalancer, `externalTrafficPolicy: Local`): kube-proxy
     * answers `/healthz` here with 200 only on the worker that runs the node's pod.
     */
    readonly healthCheck: number;
    /** NodePort of the health relay's port (8025), used on a site whose nodes run the relay. */
    readonly healthRelay: number;
}

/** Ports a node takes: `grpc`, `internalGrpc`, `healthCheck`, `healthRelay`. */
const PORTS_PER_NODE = 4;
/** The first three of a slot's ports, contiguous, as before the health relay had a port. */
const CONTIGUOUS_PORTS_PER_NODE = 3;

/**
 * The NodePort slots of an EKS site: slot `s` is the three ports `30000 + 3s`, `+1`, `+2` and the health
 * relay's `30000 + 3 × 21 + s` = `30063 + s`, so the 21 slots 0-20 fill the static band 30000-30085 with
 * 84 ports, 30000-30083 (its last two ports stay unused). The first three ports of a slot are where they
 * were when a slot had three ports (28 slots, 0-27): a node of slot 0-20 keeps its Service's ports, and
 * the relay ports take 30063-30083, which only slots 21-27 used. A node's slot is config
 * (`nodes[].nodePortSlot`), not its position in the list: a node keeps its ports however other nodes
 * are added, removed or reordered.
 */
export const NODE_PORT_SLOTS: Limit<{ readonly count: number; readonly portsPerSlot: number }> = {
    value: {
        count: Math.floor((NODE_PORT_RANGE.value.staticBandEnd - NODE_PORT_RANGE.value.min + 1) / PORTS_PER_NODE),
        portsPerSlot: PORTS_PER_NODE,
    },
    source: NODE_PORT_RANGE.source,
};

/** First health relay NodePort (slot 0): right after the contiguous ports of every slot. */
const RELAY_PORT_BASE = NODE_PORT_RANGE.value.min + CONTIGUOUS_PORTS_PER_NODE * NODE_PORT_SLOTS.value.count;

/** Why `nodes[].nodePortSlot` is 0-20: slot `s` is four ports, 21 slots fill the static band (with the source). */
export function nodePortSlotWhy(): string {
    return (
        `slot s is the NodePorts ${NODE_PORT_RANGE.value.min} + ${CONTIGUOUS_PORTS_PER_NODE}s, +1, +2 and the health relay's ${RELAY_PORT_BASE} + s; ` +
        `${NODE_PORT_SLOTS.value.count} slots of ${PORTS_PER_NODE} ports fill the static NodePort band ` +
        `${NODE_PORT_RANGE.value.min}-${NODE_PORT_RANGE.value.staticBandEnd}, ${NODE_PORT_SLOTS.source}`
    );
}

/** The allowed values of `nodes[].nodePortSlot`, with their source. */
function nodePortSlotRangeText(): string {
    return `an integer from 0 to ${NODE_PORT_SLOTS.value.count - 1} (${nodePortSlotWhy()})`;
}

/**
 * Kubernetes sites whose nodes each get an internal load balancer of their own: EKS (a Network Load
 * Balancer per node, `usesNodeNlbs`) and GKE (internal passthrough load balancer Services per node on a
 * reserved address). An existing cluster (`platform: kubernetes`) and a VM site have none.
 */
export function hasNodeLoadBalancers(site: Pick<Site, "platform">): boolean {
    return site.platform === "eks" || site.platform === "gke";
}

/**
 * EKS sites only: each node's load balancer is a Network Load Balancer this program builds, forwarding to
 * fixed NodePorts (`nodes[].nodePortSlot`) in load balancer subnets carved out of the site CIDR. GKE nodes
 * have per-node load balancers too (`hasNodeLoadBalancers`) but as Services with no slot, subnet or NLB.
 */
export function usesNodeNlbs(site: Pick<Site, "cloud" | "platform">): boolean {
    return site.cloud === "aws" && site.platform === "eks";
}

/** The NodePorts of a slot. */
export function slotNodePorts(slot: number): NodePorts {
    const base = NODE_PORT_RANGE.value.min + CONTIGUOUS_PORTS_PER_NODE * slot;
    return { grpc: base, internalGrpc: base + 1, healthCheck: base + 2, healthRelay: RELAY_PORT_BASE + slot };
}

/**
 * The NodePorts of one node of an EKS site: those of its `nodePortSlot`, whatever the other nodes. The
 * loader requires the slot on every such node and keeps slots unique per site (one cluster per site).
 */
export function nodePortsOf(node: Pick<AxonNode, "name" | "site" | "nodePortSlot">): NodePorts {
    if (node.nodePortSlot === undefined) throw new Error(`node ${node.name} of site ${node.site} has no nodePortSlot`);
    return slotNodePorts(node.nodePortSlot);
}

/** The NodePorts of every node of an EKS site, by node name. */
export function siteNodePorts(topology: Pick<Topology, "nodes">, siteName: string): Record<string, NodePorts> {
    return Object.fromEntries(topology.nodes.filter((n) => n.site === siteName).map((n) => [n.name, nodePortsOf(n)]));
}

/**
 * The NodePorts of every slot, `30000`-`30083` (the health relay's included): what the NLBs' security
 * group may reach on the workers.
 * The whole block, not the ports of today's nodes, so adding or removing a node never touches the rules
 * (only the site's NLBs' group is admitted, and an NLB only forwards to its own target groups' ports).
 */
export function nodePortBlock(): { from: number; to: number } {
    return { from: NODE_PORT_RANGE.value.min, to: NODE_PORT_RANGE.value.min + PORTS_PER_NODE * NODE_PORT_SLOTS.value.count - 1 };
}

/**
 * Load-time checks of `nodes[].nodePortSlot` (its range is the schema's): required on every node of an
 * EKS site, unique per site, and only there. Each message suggests a free slot of the site: the node's
 * position among the site's nodes (counting from 0) when free, which is the slot that keeps the ports a
 * node had before slots were config, else the lowest free one.
 */
export function nodePortSlotIssues(topology: Pick<Topology, "nodes" | "sites">): ConfigIssue[] {
    const errors: ConfigIssue[] = [];
    const sites = new Map(topology.sites.map((s) => [s.name, s]));
    for (const site of topology.sites) {
        if (!usesNodeNlbs(site)) continue;
        const nodes = topology.nodes.filter((n) => n.site === site.name);
        const used = new Set(nodes.flatMap((n) => (n.nodePortSlot === undefined ? [] : [n.nodePortSlot])));
        const suggest = (position: number): string => {
            if (position < NODE_PORT_SLOTS.value.count && !used.has(position)) return `e.g. nodePortSlot: ${position} (free on site ${site.name})`;
            const free = Array.from({ length: NODE_PORT_SLOTS.value.count }, (_, s) => s).find((s) => !used.has(s));
            return free === undefined ? `no slot of site ${site.name} is free: move a node to another site` : `e.g. nodePortSlot: ${free} (free on site ${site.name})`;
        };
        const holder = new Map<number, AxonNode>();
        nodes.forEach((node, position) => {
            const path = `nodes[${node.index}].nodePortSlot`;
            if (node.nodePortSlot === undefined) {
                errors.push({
                    path,
                    message:
                        `is required on node ${node.name} of EKS site ${site.name}: the slot fixes the node's NodePorts (and so its Service and NLB target groups) ` +
                        `independently of the other nodes; ${nodePortSlotRangeText()}, unique per site, never changed once deployed; ${suggest(position)}`,
                });
                return;
            }
            const other = holder.get(node.nodePortSlot);
            if (other) {
                errors.push({
                    path,
                    message:
                        `${node.nodePortSlot} is also the nodePortSlot of node ${other.name} (nodes[${other.index}]) on EKS site ${site.name}: ` +
                        `two nodes of a cluster cannot share NodePorts (slots are unique per site, 0 to ${NODE_PORT_SLOTS.value.count - 1}); give node ${node.name} another slot, ${suggest(position)}`,
                });
                return;
            }
            holder.set(node.nodePortSlot, node);
        });
    }
    for (const node of topology.nodes) {
        const site = sites.get(node.site);
        if (node.nodePortSlot === undefined || !site || usesNodeNlbs(site)) continue;
        errors.push({
            path: `nodes[${node.index}].nodePortSlot`,
            message: `${node.nodePortSlot} is set on node ${node.name} of site ${site.name} (${site.cloud}/${site.platform}): only nodes of EKS sites (aws/eks) have fixed NodePorts; remove it`,
        });
    }
    return errors;
}

/**
 * The load balancer subnets of an AWS site: one per zone, in the part of the site CIDR no other subnet
 * uses (components/aws/awsNetwork.ts `awsSubnetLayout`: the last `/(p+3)` block holds the public
 * subnets, zone `i` getting its `i`-th `/(p+6)`; the 8th `/(p+6)` is always free, at most 7 zones). It
 * is cut into 8 `/(p+9)`, zone `i` getting number `i`: a `/16` site gives each zone a `/25`. Only the
 * NLBs live there, so the NetworkPolicy admits exactly their addresses (pods take VPC addresses from
 * the private subnets). Undefined when the site CIDR is too small (`/p` longer than `/19`).
 */
export function loadBalancerSubnetCidrs(cidr: string, zones: readonly string[]): string[] | undefined {
    const parsed = parseCidr(cidr);
    if (!parsed || parsed.prefix > LOAD_BALANCER_SUBNETS.value.maxSitePrefix) return undefined;
    const p = parsed.prefix;
    const spare = subdivideCidr(subdivideCidr(cidr, p + 3, 7), p + 6, 7);
    return zones.map((_, i) => subdivideCidr(spare, p + 9, i));
}

/**
 * Subnets: AWS keeps 5 addresses of every subnet, subnets are at least `/28`, and an internal NLB whose
 * address Amazon picks needs 8 free addresses in each of its subnets when it is created (ELB user guide,
 * "Availability Zones for your Network Load Balancer"). `/p+9` must be `/28` or larger: `/19` at most.
 */
export const LOAD_BALANCER_SUBNETS: Limit<{ readonly maxSitePrefix: number; readonly reservedPerSubnet: number; readonly freeAtCreation: number }> = {
    value: { maxSitePrefix: 19, reservedPerSubnet: 5, freeAtCreation: 8 },
    source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/availability-zones.html, https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html",
};

/** How many NLBs fit a load balancer subnet of `prefix` (each takes one address; 8 must be free before each). */
export function nlbsPerSubnet(prefix: number): number {
    const usable = 2 ** (32 - prefix) - LOAD_BALANCER_SUBNETS.value.reservedPerSubnet;
    return Math.max(0, usable - LOAD_BALANCER_SUBNETS.value.freeAtCreation + 1);
}

/** Nodes an EKS site can have: ports of the static NodePort band, and NLBs of its load balancer subnets. */
export function maxNodesPerNlbSite(siteCidr: string): number {
    const band = NODE_PORT_SLOTS.value.count;
    const parsed = parseCidr(siteCidr);
    if (!parsed || parsed.prefix > LOAD_BALANCER_SUBNETS.value.maxSitePrefix) return 0;
    return Math.min(band, nlbsPerSubnet(parsed.prefix + 9));
}

/**
 * Load balancer names: at most 32 characters of letters, digits and `-`, not starting or ending with `-`,
 * not starting with `internal-`.
 */
export const ELB_NAME: Limit<{ readonly max: number; readonly pattern: RegExp }> = {
    value: { max: 32, pattern: /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/ },
    source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
};

/** Target group names: at most 32 characters of letters, digits and `-`, not starting or ending with `-`. */
export const TARGET_GROUP_NAME: Limit<{ readonly max: number; readonly pattern: RegExp }> = {
    value: { max: 32, pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/ },
    source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
};

/** Name of a node's NLB: `<environment>-<node>`, shortened with a hash to 32 characters. */
export function nodeLoadBalancerName(topology: Pick<Topology, "environment">, node: Pick<AxonNode, "name">): string {
    return fitName(`${topology.environment}-${node.name}`, ELB_NAME.value.max);
}

/**
 * Name of a node's target group for one Axon port: `<environment>-<node>-<nodePort>`, shortened to 32.
 * The NodePort is part of the name, so a target group replaced for a new port never clashes with the old
 * one's name (target group names are unique per region and account).
 */
export function nodeTargetGroupName(topology: Pick<Topology, "environment">, node: Pick<AxonNode, "name">, nodePort: number): string {
    return fitName(`${topology.environment}-${node.name}-${nodePort}`, TARGET_GROUP_NAME.value.max);
}

/** Every NLB and target group name of the topology, with the config path that makes it. */
export function nodeLoadBalancerNames(
    topology: Pick<Topology, "environment" | "nodes" | "sites">,
): { what: string; name: string; path: string; rule: Limit<{ readonly max: number; readonly pattern: RegExp }> }[] {
    const out: { what: string; name: string; path: string; rule: Limit<{ readonly max: number; readonly pattern: RegExp }> }[] = [];
    const sites = new Map(topology.sites.map((s) => [s.name, s]));
    for (const node of topology.nodes) {
        const site = sites.get(node.site);
        if (!site || !usesNodeNlbs(site)) continue;
        const path = `nodes[${node.index}].name`;
        out.push({ what: "load balancer name", name: nodeLoadBalancerName(topology, node), path, rule: ELB_NAME });
        if (node.nodePortSlot === undefined) continue; // nodePortSlotIssues reports it
        const ports = nodePortsOf(node);
        // The relay's too, whether the site runs it or not: its name is as long as the others'.
        for (const p of [ports.grpc, ports.internalGrpc, ports.healthRelay]) out.push({ what: "target group name", name: nodeTargetGroupName(topology, node, p), path, rule: TARGET_GROUP_NAME });
    }
    return out;
}

/**
 * Load-time checks of the EKS sites' load balancers: the site CIDR leaves room for the load balancer
 * subnets, the site's nodes fit the static NodePort band and those subnets, every node has its own
 * NodePort slot, and every name is valid.
 */
export function nodeLoadBalancerIssues(topology: Pick<Topology, "environment" | "nodes" | "sites">): ConfigIssue[] {
    const errors: ConfigIssue[] = [...nodePortSlotIssues(topology)];
    for (const site of topology.sites) {
        if (!usesNodeNlbs(site)) continue;
        const parsed = parseCidr(site.cidr);
        if (!parsed) continue; // the schema reports a malformed CIDR
        if (parsed.prefix > LOAD_BALANCER_SUBNETS.value.maxSitePrefix) {
            errors.push({
                path: `sites[${site.index}].cidr`,
                message:
                    `${site.cidr} is too small for an EKS site: its per-zone load balancer subnets are /${parsed.prefix + 9}, AWS subnets are at least /28 ` +
                    `(${LOAD_BALANCER_SUBNETS.source}); use /${LOAD_BALANCER_SUBNETS.value.maxSitePrefix} or shorter`,
            });
            continue;
        }
        const nodes = topology.nodes.filter((n) => n.site === site.name);
        const max = maxNodesPerNlbSite(site.cidr);
        if (nodes.length > max) {
            errors.push({
                path: `sites[${site.index}]`,
                message:
                    `${nodes.length} nodes on EKS site ${site.name}, at most ${max} fit: each node takes ${PORTS_PER_NODE} fixed NodePorts of the static band ` +
                    `${NODE_PORT_RANGE.value.min}-${NODE_PORT_RANGE.value.staticBandEnd} (${NODE_PORT_RANGE.source}) and one address per load balancer subnet ` +
                    `(/${parsed.prefix + 9}, ${LOAD_BALANCER_SUBNETS.source}); move nodes to another site${parsed.prefix > 16 ? " or give the site a larger CIDR" : ""}`,
            });
        }
    }
    for (const n of nodeLoadBalancerNames(topology)) {
        if (n.name.length > n.rule.value.max || !n.rule.value.pattern.test(n.name)) {
            // Names start with the environment: a bad start is the environment's fault.
            const path = /^[A-Za-z0-9]/.test(n.name) && !n.name.startsWith("internal-") ? n.path : "environment";
            errors.push({
                path,
                message:
                    `the ${n.what} ${JSON.stringify(n.name)} built from it is invalid: at most ${n.rule.value.max} letters, digits and "-", ` +
                    `matching ${n.rule.value.pattern.source} (${n.rule.source})`,
            });
        }
    }
    return errors;
}

/**
 * The ports the load balancer forwards, with the NodePort each goes to: 8124 and 8224, and the health
 * relay's 8025 on a site whose nodes run it (`healthRelay`, connectivity.ts `hasHealthRelay`).
 */
export function forwardedPorts(ports: NodePorts, healthRelay: boolean): { port: number; nodePort: number }[] {
    return [
        { port: PORTS.grpc, nodePort: ports.grpc },
        { port: PORTS.internalGrpc, nodePort: ports.internalGrpc },
        ...(healthRelay ? [{ port: HEALTH_RELAY_PORT, nodePort: ports.healthRelay }] : []),
    ];
}
