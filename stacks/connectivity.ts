/**
 * Wiring of the connectivity between sites, from `connectedSitePairs` (sites sharing a replication group,
 * or hosting clients of one another's nodes). Sites that need not talk get nothing.
 *
 * - AWS ↔ AWS: an `AwsVpcPeering` per pair (peering is not transitive, so one per pair).
 * - GCP ↔ GCP: nothing. All GCP sites share the environment's one global VPC (`GcpNetwork`), whose
 *   subnets route to each other in every region; only the sites' firewalls decide what passes.
 * - AWS ↔ GCP: HA VPN (`CrossCloudVpns` over `crossCloudLinks`: one link per AWS VPC and GCP region).
 * - A pair with an existing cluster (`platform: kubernetes`): its network is not ours to attach to, so
 *   the program only warns; the user provides the routing.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsVpcPeering, awsPeeringName } from "../components/aws/vpcPeering";
import { CrossCloudVpns } from "../components/connectivity/crossCloudVpn";
import { crossCloudLinks } from "../components/connectivity/vpnPlan";
import { connectedSitePairs, SitePair } from "../components/topology/connectivity";
import { Site, Topology } from "../components/topology/model";
import { privateZoneName, usesPrivateDns } from "../components/topology/naming";
import { isAwsNetworkSite, Sites } from "./sites";

export interface Connectivity {
    /** Per AWS↔AWS pair, keyed `<siteA>|<siteB>` (topology order). */
    readonly peerings: Readonly<Record<string, AwsVpcPeering>>;
    /** Only when some AWS site must reach some GCP site. */
    readonly vpns?: CrossCloudVpns;
    /** Pairs the program cannot connect (an existing cluster on one side); each was warned about. */
    readonly manual: readonly SitePair[];
}

const isGcpNetworkSite = (s: Site) => s.cloud === "gcp" && (s.platform === "gke" || s.platform === "vm");

/** The warning for a pair the program cannot connect. Pure, exported for tests. */
export function manualPairMessage(topology: Topology, pair: SitePair): string {
    const describe = (s: Site) => `${s.name} (${s.platform === "kubernetes" ? "existing cluster" : `${s.cloud}/${s.platform}`}, ${s.cidr})`;
    const dns = usesPrivateDns(topology) ? ` and let both resolve the private zone ${privateZoneName(topology)}` : "";
    return (
        `sites ${describe(pair.a)} and ${describe(pair.b)} must reach each other (${pair.reasons.join(", ")}), ` +
        `but the program cannot connect an existing cluster's network: provide routing between ${pair.a.cidr} and ${pair.b.cidr} ` +
        `(peering, VPN or interconnect)${dns}.`
    );
}

export function createConnectivity(topology: Topology, sites: Sites): Connectivity {
    const peerings: Record<string, AwsVpcPeering> = {};
    const manual: SitePair[] = [];
    for (const pair of connectedSitePairs(topology)) {
        const { a, b } = pair;
        if (a.platform === "kubernetes" || b.platform === "kubernetes") {
            manual.push(pair);
            pulumi.log.warn(manualPairMessage(topology, pair));
        } else if (isAwsNetworkSite(a) && isAwsNetworkSite(b)) {
            peerings[`${a.name}|${b.name}`] = new AwsVpcPeering(awsPeeringName(topology, a.name, b.name), {
                a: sites.awsNetworks[a.name],
                b: sites.awsNetworks[b.name],
                environment: topology.environment,
            });
        } else if (isGcpNetworkSite(a) && isGcpNetworkSite(b)) {
            // Nothing to create: one global VPC (see the module comment).
        }
        // AWS ↔ GCP pairs: below, grouped per AWS VPC and GCP region.
    }

    let vpns: CrossCloudVpns | undefined;
    if (crossCloudLinks(topology).length > 0) {
        if (!sites.gcp) throw new Error("AWS↔GCP links without a GCP network"); // createSites builds it for every GCP site
        vpns = new CrossCloudVpns(`${topology.environment}-vpn`, {
            topology,
            gcpNetwork: sites.gcp.network,
            gcpProvider: sites.gcp.provider,
            awsNetworks: sites.awsNetworks,
        });
    }
    return { peerings, vpns, manual };
}
