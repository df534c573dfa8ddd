/**
 * The internal Network Load Balancers of an EKS site's Axon nodes, one per node, made by Pulumi rather
 * than by a controller inside the cluster (README "Load balancers"). The node's Kubernetes Service only
 * holds fixed NodePorts (components/topology/loadBalancers.ts); this component puts the load balancer in
 * front of them:
 *
 * - one security group for the site's NLBs with one rule per port and source range: 8124 from the
 *   client ranges, 8224 from the peer sites' ranges, 8025 (the health relay) from the other Kubernetes
 *   sites whose gate and roller Jobs check a node of this site and are routed to it (connectivity.ts
 *   `healthRelaySourceSites`, through `sitePortRules`), and egress to the workers only;
 * - per node: an internal NLB in the site's load balancer subnets with cross-zone load balancing, a TCP
 *   listener and an instance target group per forwarded port (the node's NodePort, client IP preservation
 *   off; 8025 only on a site whose nodes run the health relay), the health check on the Service's
 *   `healthCheckNodePort`, and the target groups attached to the Auto Scaling group of the node group of
 *   the node's zone;
 * - one rule on the workers' security group: the NodePort block of every slot from the NLBs' group only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NodeLoadBalancer } from "../platform/host";
import { CLOUD_KEYS } from "../topology/identity";
import { hasHealthRelay, PortRule, sitePortRules } from "../topology/connectivity";
import {
    forwardedPorts,
    loadBalancerSubnetCidrs,
    nodeLoadBalancerName,
    nodePortBlock,
    nodePortsOf,
    nodeTargetGroupName,
    usesNodeNlbs,
} from "../topology/loadBalancers";
import { AxonNode, HEALTH_RELAY_PORT, PORTS, Site, Topology } from "../topology/model";
import { AwsNetwork, awsSiteTags } from "./awsNetwork";
import { AwsIngressRules } from "./securityGroups";

/**
 * Target group settings of every node port. The health check asks kube-proxy's health server on the
 * Service's `healthCheckNodePort` (`/healthz`): with `externalTrafficPolicy: Local` it answers 200 only
 * on the worker that runs the node's pod, so only that worker is a healthy target (kubernetes.io/docs/
 * tasks/access-application-cluster/create-external-load-balancer, "Preserving the client source IP").
 */
export const NLB_TARGET_GROUP = {
    protocol: "TCP",
    targetType: "instance",
    /**
     * Off: the target sees the NLB's private address, not the client's. With client IP preservation on
     * instance targets, a client on the worker that hosts the node connects to itself through the NLB and
     * times out (ELB user guide, Network Load Balancer troubleshooting, "Requests from a target to its load
     * balancer time out"; the fix it names is to disable client IP preservation). The NLB's security group
     * filters sources instead.
     */
    preserveClientIp: "false",
    /**
     * Seconds a deregistering worker keeps its connections. EKS drains a worker (the pod leaves it) before
     * the Auto Scaling group terminates it, so nothing of the node is left to drain; the default 300 would
     * only slow every worker replacement.
     */
    deregistrationDelay: 30,
    healthCheck: { protocol: "HTTP", path: "/healthz", interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
} as const;

/**
 * The port rules of the NLBs' security group: 8124 from client ranges, 8224 from peer ranges, 8025 (the
 * health relay) from the other Kubernetes sites whose Jobs ask this site's nodes and are routed to it
 * (connectivity.ts `healthRelaySourceSites`); 8024 never.
 */
export function nlbPortRules(topology: Topology, site: Site): PortRule[] {
    return sitePortRules(topology, site).filter((r) => NLB_PORTS.has(r.port));
}

/** What EKS reports of a managed node group's resources (`aws.eks.NodeGroup.resources`). */
export interface ManagedNodeGroupResources {
    readonly autoscalingGroups?: readonly { readonly name?: string }[];
}

/**
 * The one Auto Scaling group of an EKS managed node group, from what EKS reports (`resources[]
 * .autoscalingGroups[]`, a list in the EKS API: `Nodegroup.resources.autoScalingGroups`). EKS makes one
 * per node group and keeps it for the group's life: a version or AMI update adds a launch template
 * version to "the Auto Scaling Group that's associated with your node group" (EKS user guide, "Understand
 * each phase of node updates", setup phase), and a group whose Auto Scaling group is gone is reported as
 * `AutoScalingGroupNotFound`, not re-created (EKS API reference, `Issue`). A change that needs a new group
 * (instance type, subnets, node role: ForceNew in terraform-provider-aws internal/service/eks/node_group.go)
 * is a new node group with a new name, so its attachments are replaced with it. Anything else than
 * exactly one group fails the update with the node group's name, instead of attaching the target groups
 * to one of several and leaving the others' workers unregistered.
 */
export function managedNodeGroupAsgName(nodeGroupName: string, resources: readonly ManagedNodeGroupResources[] | undefined): string {
    const names = (resources ?? []).flatMap((r) => r.autoscalingGroups ?? []).map((g) => g.name ?? "");
    if (names.length !== 1 || names[0] === "") {
        throw new Error(
            `EKS node group ${nodeGroupName} reports ${names.length} Auto Scaling groups (${names.join(", ") || "none"}); its NLB target groups can only follow exactly one (README "Load balancers")`,
        );
    }
    return names[0];
}

/** The ports an NLB may listen on (`forwardedPorts`). */
const NLB_PORTS: ReadonlySet<number> = new Set([PORTS.grpc, PORTS.internalGrpc, HEALTH_RELAY_PORT]);

/** The name of the Auto Scaling group of an EKS managed node group (`managedNodeGroupAsgName`). */
export function nodeGroupAsgName(nodeGroup: aws.eks.NodeGroup): pulumi.Output<string> {
    return pulumi.all([nodeGroup.nodeGroupName, nodeGroup.resources]).apply(([name, resources]) => managedNodeGroupAsgName(name, resources));
}

export interface NodeLoadBalancersArgs {
    /** The validated topology. */
    readonly topology: Topology;
    /** An `eks` site on `aws`. */
    readonly site: Site;
    /** The site's network: its VPC and `loadBalancerSubnets`. */
    readonly network: AwsNetwork;
    /** Provider of the site's region. */
    readonly provider: aws.Provider;
    /** The workers' security group (the EKS cluster security group, which EKS puts on managed nodes). */
    readonly workerSecurityGroupId: pulumi.Input<string>;
    /** The site's managed node groups, one per zone in `site.zones` order. */
    readonly nodeGroups: readonly aws.eks.NodeGroup[];
}

/** The per-node NLBs of one EKS site. Type `axonserver:aws:NodeLoadBalancers`. */
export class NodeLoadBalancers extends pulumi.ComponentResource {
    /** The NLBs' security group; absent when the site has no nodes. */
    public readonly securityGroup?: aws.ec2.SecurityGroup;
    public readonly ingressRules?: AwsIngressRules;
    /** By node name. */
    public readonly loadBalancers: Readonly<Record<string, aws.lb.LoadBalancer>>;
    /** By node name: the 8124 and 8224 target groups (and 8025's, with the health relay). */
    public readonly targetGroups: Readonly<Record<string, readonly aws.lb.TargetGroup[]>>;
    /** What the node's Kubernetes objects need, by node name (`KubernetesHost.nodeLoadBalancers`). */
    public readonly nodes: Readonly<Record<string, NodeLoadBalancer>>;

    constructor(name: string, args: NodeLoadBalancersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:aws:NodeLoadBalancers", name, {}, opts);
        const { topology, site, provider } = args;
        if (!usesNodeNlbs(site)) throw new Error(`NodeLoadBalancers: site ${site.name} is ${site.cloud}/${site.platform}, not aws/eks`);
        const o: pulumi.CustomResourceOptions = { parent: this, provider };
        const tags = (n: string, node?: string) => ({ ...awsSiteTags(topology, site, n), ...(node ? { [CLOUD_KEYS.node]: node } : {}) });
        const nodes = topology.nodes.filter((n) => n.site === site.name);
        const range = nodePortBlock();
        const sourceCidrs = loadBalancerSubnetCidrs(site.cidr, site.zones);
        if (!sourceCidrs) throw new Error(`site ${site.name}: ${site.cidr} leaves no room for load balancer subnets`); // the loader rejects it

        const loadBalancers: Record<string, aws.lb.LoadBalancer> = {};
        const targetGroups: Record<string, aws.lb.TargetGroup[]> = {};
        const out: Record<string, NodeLoadBalancer> = {};
        if (nodes.length > 0) {
            this.securityGroup = createNlbSecurityGroup(name, args, range, o, tags);
            this.ingressRules = new AwsIngressRules(
                `${name}-sg-in`,
                { securityGroupId: this.securityGroup.id, rules: nlbPortRules(topology, site), provider, tags: tags(`${name}-sg-in`) },
                { parent: this },
            );
            for (const node of nodes) {
                const made = createNodeLoadBalancer(name, args, node, this.securityGroup, o, tags);
                loadBalancers[node.name] = made.loadBalancer;
                targetGroups[node.name] = made.targetGroups;
                out[node.name] = { hostname: made.loadBalancer.dnsName, sourceCidrs, resources: made.resources };
            }
        }
        this.loadBalancers = loadBalancers;
        this.targetGroups = targetGroups;
        this.nodes = out;
        this.registerOutputs({
            securityGroupId: this.securityGroup?.id,
            dnsNames: Object.fromEntries(Object.entries(loadBalancers).map(([n, lb]) => [n, lb.dnsName])),
        });
    }
}

type Tags = (name: string, node?: string) => Record<string, string>;

/**
 * The security group of the site's NLBs (security groups can only be given to an NLB when it is created)
 * and the two rules that tie it to the workers: the NLBs reach the NodePort block of every slot, and the
 * workers admit that block from the NLBs only, in one rule for the whole site. The block does not depend
 * on the nodes, so adding or removing one leaves both rules alone.
 */
function createNlbSecurityGroup(
    name: string,
    args: NodeLoadBalancersArgs,
    range: { from: number; to: number },
    o: pulumi.CustomResourceOptions,
    tags: Tags,
): aws.ec2.SecurityGroup {
    const sg = new aws.ec2.SecurityGroup(
        `${name}-sg`,
        { vpcId: args.network.vpc.id, description: `Internal NLBs of the Axon Server nodes of site ${args.site.name}`, tags: tags(`${name}-sg`) },
        o,
    );
    const description = `Axon Server NodePorts ${range.from}-${range.to} (traffic and health checks)`;
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-sg-to-workers`,
        { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: range.from, toPort: range.to, referencedSecurityGroupId: args.workerSecurityGroupId, description, tags: tags(`${name}-sg-to-workers`) },
        o,
    );
    new aws.vpc.SecurityGroupIngressRule(
        `${name}-workers-from-nlb`,
        { securityGroupId: args.workerSecurityGroupId, ipProtocol: "tcp", fromPort: range.from, toPort: range.to, referencedSecurityGroupId: sg.id, description, tags: tags(`${name}-workers-from-nlb`) },
        o,
    );
    return sg;
}

/** One node's NLB, its listeners and target groups (8124, 8224, with the health relay 8025), and the target groups' attachments. */
function createNodeLoadBalancer(
    name: string,
    args: NodeLoadBalancersArgs,
    node: AxonNode,
    securityGroup: aws.ec2.SecurityGroup,
    o: pulumi.CustomResourceOptions,
    tags: Tags,
): { loadBalancer: aws.lb.LoadBalancer; targetGroups: aws.lb.TargetGroup[]; resources: pulumi.Resource[] } {
    const { topology, site, network } = args;
    const ports = nodePortsOf(node);
    const base = `${name}-${node.name}`;
    const loadBalancer = new aws.lb.LoadBalancer(
        base,
        {
            name: nodeLoadBalancerName(topology, node),
            loadBalancerType: "network",
            internal: true,
            subnets: network.loadBalancerSubnets.map((s) => s.id),
            securityGroups: [securityGroup.id],
            // Off by default for NLBs: an NLB node in a zone without a healthy target would drop the
            // connections DNS sends it; the node's pod runs in one zone only.
            enableCrossZoneLoadBalancing: true,
            tags: tags(base, node.name),
        },
        // A fixed name: the old NLB must go before its replacement can take the name.
        { ...o, deleteBeforeReplace: true },
    );
    // The pod is pinned to its zone: only that zone's workers can host it.
    const zoneIndex = node.zone === undefined ? -1 : site.zones.indexOf(node.zone);
    const groups = zoneIndex >= 0 ? [args.nodeGroups[zoneIndex]] : [...args.nodeGroups];
    const targetGroups: aws.lb.TargetGroup[] = [];
    const resources: pulumi.Resource[] = [loadBalancer];
    for (const { port, nodePort } of forwardedPorts(ports, hasHealthRelay(topology, site))) {
        const logical = `${base}-${port}`;
        const targetGroup = new aws.lb.TargetGroup(
            logical,
            {
                name: nodeTargetGroupName(topology, node, nodePort),
                port: nodePort,
                protocol: NLB_TARGET_GROUP.protocol,
                targetType: NLB_TARGET_GROUP.targetType,
                vpcId: network.vpc.id,
                preserveClientIp: NLB_TARGET_GROUP.preserveClientIp,
                deregistrationDelay: NLB_TARGET_GROUP.deregistrationDelay,
                healthCheck: { enabled: true, ...NLB_TARGET_GROUP.healthCheck, port: String(ports.healthCheck) },
                tags: tags(logical, node.name),
            },
            o,
        );
        const listener = new aws.lb.Listener(
            logical,
            { loadBalancerArn: loadBalancer.arn, port, protocol: "TCP", defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }], tags: tags(logical, node.name) },
            o,
        );
        // Targets are the workers of the node group: EKS exposes its managed Auto Scaling group, which
        // registers every worker it launches (README "Load balancers" on why not per-instance targets).
        const attachments = groups.map(
            (group, i) =>
                new aws.autoscaling.Attachment(
                    groups.length === 1 ? logical : `${logical}-${site.zones[i]}`,
                    { autoscalingGroupName: nodeGroupAsgName(group), lbTargetGroupArn: targetGroup.arn },
                    o,
                ),
        );
        targetGroups.push(targetGroup);
        resources.push(listener, ...attachments);
    }
    return { loadBalancer, targetGroups, resources };
}
