/**
 * The GCP firewall rules of one site: the Axon ports from the topology's sources, on the site's network tag.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { PortRule, sitePortRules } from "../topology/connectivity";
import { Site, Topology } from "../topology/model";
import { GcpNetwork } from "./gcpNetwork";
import { fitName } from "../topology/identity";
import { GCP_MAX_LOGICAL_NAME, gcpSiteNetworkTag } from "./ranges";

export interface GcpFirewallArgs {
    /** The environment's topology: the site's port rules and network tag come from it. */
    readonly topology: Topology;
    /** A `gcp` site whose instances (GKE nodes or VMs) carry `gcpSiteNetworkTag(topology, site)`. */
    readonly site: Site;
    /** The environment's network: the rules belong to it. */
    readonly network: GcpNetwork;
    /** GCP provider of the environment's project. */
    readonly provider: gcp.Provider;
    /**
     * Rule priority (lower wins).
     * @default 1000
     */
    readonly priority?: number;
}

const OPEN_TO_ALL = new Set(["0.0.0.0/0", "::/0"]);

/**
 * Ingress rules for the Axon Server ports of one GCP site, straight from `sitePortRules`: internal gRPC
 * (8224) from the sites sharing a replication group, client gRPC (8124) from the client ranges, HTTP
 * (8024) from the admin ranges (on a VM site also from the Kubernetes sites whose Jobs ask it), and on a
 * GKE site whose nodes run the health relay its 8025 from the other Kubernetes sites whose Jobs ask them
 * (`healthRelaySourceSites`). One rule per port, targeting the site's network tag, so a rule never opens
 * a port to a source meant for another one. Nothing is ever opened to `0.0.0.0/0`.
 *
 * Because GKE pods live in a secondary range of the site CIDR, the site CIDR covers node and pod sources.
 * On a GKE site the tag is on the nodes, and the pods' addresses are alias IP ranges of the nodes, which
 * a rule targeting the nodes covers too: 8025 (like 8124 and 8224) is open from its sources on the pods
 * directly, not only through the node's internal load balancer. The sources are the same either way,
 * and the pods' NetworkPolicy admits the same ranges (README "Known limitations").
 * The control plane → nodes rule is created by GKE itself and not repeated here.
 */
export class GcpFirewall extends pulumi.ComponentResource {
    /** Firewall rule per Axon port. */
    public readonly rules: Readonly<Record<number, gcp.compute.Firewall>>;
    /** The port rules the firewall was built from. */
    public readonly portRules: readonly PortRule[];

    constructor(name: string, args: GcpFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:gcp:GcpFirewall", name, {}, opts);
        const { topology, site, network, provider } = args;
        const tag = gcpSiteNetworkTag(topology, site.name);
        this.portRules = sitePortRules(topology, site);
        const rules: Record<number, gcp.compute.Firewall> = {};
        for (const rule of this.portRules) {
            const open = rule.cidrs.filter((c) => OPEN_TO_ALL.has(c));
            if (open.length > 0) {
                // The loader rejects these; refusing here too keeps the component safe on its own.
                throw new Error(`GcpFirewall ${name}: port ${rule.port} would be open to ${open.join(", ")}`);
            }
            rules[rule.port] = new gcp.compute.Firewall(
                fitName(`${name}-${rule.port}`, GCP_MAX_LOGICAL_NAME),
                {
                    project: network.project,
                    network: network.network.selfLink,
                    direction: "INGRESS",
                    priority: args.priority ?? 1000,
                    description: `${rule.description} (${topology.environment}/${site.name})`,
                    sourceRanges: [...rule.cidrs],
                    targetTags: [tag],
                    allows: [{ protocol: "tcp", ports: [String(rule.port)] }],
                },
                { parent: this, provider },
            );
        }
        this.rules = rules;
        this.registerOutputs({ rules: this.rules });
    }
}
