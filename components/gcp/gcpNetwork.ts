/**
 * The one global GCP network of an environment: subnets per site (address plan in `ranges.ts`), Cloud
 * Routers and NAT per region.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { Topology } from "../topology/model";
import { fitName } from "../topology/identity";
import { GCP_MAX_LOGICAL_NAME, GcpSiteRanges, gcpNetworkSites, gcpSiteRanges } from "./ranges";

export interface GcpNetworkArgs {
    /** The environment's topology; one subnet is created per GKE or GCE VM site on `gcp`. */
    readonly topology: Topology;
    /** GCP provider of the environment's project. */
    readonly provider: gcp.Provider;
    /**
     * Cloud NAT log filter (`ERRORS_ONLY`, `TRANSLATIONS_ONLY` or `ALL`).
     * @default "ERRORS_ONLY"
     */
    readonly natLogFilter?: string;
}

/**
 * The one GCP network of an environment: a global custom-mode VPC (`routingMode: GLOBAL`) with a regional
 * subnet per GCP site, and per region a Cloud Router with Cloud NAT so private nodes reach the internet
 * (image pulls) without public addresses.
 *
 * All GCP sites of an environment share this network, so GCP↔GCP traffic between regions needs no
 * peering: routes between subnets of one VPC are implicit and global, and only firewall rules
 * (`GcpFirewall`) decide what may pass. Network peering would only be needed if sites lived in separate
 * networks, which this design never does.
 *
 * Subnet ranges follow `gcpSiteRanges` (components/gcp/ranges.ts): everything a site uses, GKE pods,
 * services and control plane included, lies inside the site CIDR.
 */
export class GcpNetwork extends pulumi.ComponentResource {
    /** The environment's VPC. */
    public readonly network: gcp.compute.Network;
    /** Subnet per GCP site name. */
    public readonly subnets: Readonly<Record<string, gcp.compute.Subnetwork>>;
    /** Address plan per GCP site name. */
    public readonly ranges: Readonly<Record<string, GcpSiteRanges>>;
    /** Cloud Router (used by Cloud NAT) per region. */
    public readonly routers: Readonly<Record<string, gcp.compute.Router>>;
    /** Cloud NAT per region. */
    public readonly nats: Readonly<Record<string, gcp.compute.RouterNat>>;
    /** GCP project id of the environment. */
    public readonly project: string;
    /** The provider every child uses; components built on this network reuse it. */
    public readonly provider: gcp.Provider;

    constructor(name: string, args: GcpNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:gcp:GcpNetwork", name, {}, opts);
        const { topology, provider } = args;
        if (!topology.gcpProject) throw new Error(`GcpNetwork ${name}: the topology has GCP sites but no gcpProject`);
        this.project = topology.gcpProject;
        this.provider = provider;
        const childOpts = { parent: this, provider };

        this.network = new gcp.compute.Network(
            fitName(`${name}-vpc`, GCP_MAX_LOGICAL_NAME),
            {
                project: this.project,
                autoCreateSubnetworks: false,
                routingMode: "GLOBAL",
                description: `Axon Server ${topology.environment}: one global VPC for every GCP site`,
            },
            childOpts,
        );

        const sites = gcpNetworkSites(topology);
        const subnets: Record<string, gcp.compute.Subnetwork> = {};
        const ranges: Record<string, GcpSiteRanges> = {};
        for (const site of sites) {
            const plan = gcpSiteRanges(site);
            ranges[site.name] = plan;
            subnets[site.name] = new gcp.compute.Subnetwork(
                fitName(`${name}-${site.name}-subnet`, GCP_MAX_LOGICAL_NAME),
                {
                    project: this.project,
                    network: this.network.id,
                    region: site.region,
                    ipCidrRange: plan.primary,
                    secondaryIpRanges: plan.secondary.map((r) => ({ rangeName: r.rangeName, ipCidrRange: r.ipCidrRange })),
                    // Private nodes reach Google APIs (Artifact Registry, logging) without external addresses.
                    privateIpGoogleAccess: true,
                    description: `Axon Server site ${site.name} (${site.cidr})`,
                },
                childOpts,
            );
        }

        const routers: Record<string, gcp.compute.Router> = {};
        const nats: Record<string, gcp.compute.RouterNat> = {};
        for (const region of [...new Set(sites.map((s) => s.region))]) {
            routers[region] = new gcp.compute.Router(
                fitName(`${name}-${region}-router`, GCP_MAX_LOGICAL_NAME),
                { project: this.project, network: this.network.id, region, description: "Cloud NAT for private nodes" },
                childOpts,
            );
            nats[region] = new gcp.compute.RouterNat(
                fitName(`${name}-${region}-nat`, GCP_MAX_LOGICAL_NAME),
                {
                    project: this.project,
                    router: routers[region].name,
                    region,
                    natIpAllocateOption: "AUTO_ONLY",
                    sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
                    logConfig: { enable: true, filter: args.natLogFilter ?? "ERRORS_ONLY" },
                },
                childOpts,
            );
        }
        this.subnets = subnets;
        this.ranges = ranges;
        this.routers = routers;
        this.nats = nats;

        this.registerOutputs({
            network: this.network,
            subnets: this.subnets,
            routers: this.routers,
            nats: this.nats,
            project: this.project,
        });
    }
}
