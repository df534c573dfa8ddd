/**
 * Wiring of the private DNS zone `<environment>.<domain>`: every node's name resolves,
 * in every site, to a stable routable address. Route 53 serves the AWS VPCs, Cloud DNS the GCP network;
 * both zones hold a record for every node, wherever it runs:
 * - a Kubernetes node on EKS → its internal NLB (host name → CNAME);
 * - a Kubernetes node on GKE → the internal address reserved for its load balancers (A);
 * - a VM node → the instance's private IP (A).
 */
import * as pulumi from "@pulumi/pulumi";
import { AWS_TAG_KEYS } from "../components/aws/awsNetwork";
import { AwsPrivateDns, DnsTarget } from "../components/aws/privateDns";
import { GcpPrivateDns } from "../components/gcp/privateDns";
import { AxonServerCluster } from "../components/axonserver/cluster";
import { Topology } from "../components/topology/model";
import { nodeAddress, privateZoneName, usesPrivateDns } from "../components/topology/naming";
import { Sites } from "./sites";

export interface PrivateDns {
    /** Route 53 private zone over every AWS VPC of the environment; only with AWS `eks`/`vm` sites. */
    readonly aws?: AwsPrivateDns;
    /** Cloud DNS private zone on the GCP network; only with GCP `gke`/`vm` sites. */
    readonly gcp?: GcpPrivateDns;
    /** Nodes without a record (on an existing cluster: no internal load balancer); each was warned about. */
    readonly unresolved: readonly string[];
}

interface NodeRecord {
    name: string;
    target: pulumi.Output<DnsTarget>;
}

/** Creates the zones, with a record for every node the cluster placed (`PlacedNode.dnsTarget`). */
export function createPrivateDns(topology: Topology, sites: Sites, cluster: AxonServerCluster): PrivateDns {
    if (!usesPrivateDns(topology)) return { unresolved: [] };
    const env = topology.environment;
    const zoneName = privateZoneName(topology);

    const records: NodeRecord[] = [];
    const unresolved: string[] = [];
    for (const node of topology.nodes) {
        const name = nodeAddress(topology, node).fqdn;
        const target = cluster.nodes[node.name]?.dnsTarget;
        if (!target) {
            unresolved.push(node.name);
            pulumi.log.warn(
                `node ${node.name} runs on an existing cluster (site ${node.site}), which gets no internal load balancer: ` +
                    `the program creates no DNS record for ${name}; point it at an address of the node that every site can reach.`,
            );
            continue;
        }
        records.push({ name, target });
    }

    const awsNetworks = Object.values(sites.awsNetworks);
    const aws =
        awsNetworks.length > 0
            ? new AwsPrivateDns(`${env}-aws-dns`, {
                  zoneName,
                  vpcs: awsNetworks.map((n) => ({ vpcId: n.vpc.id, region: n.site.region })),
                  records,
                  // Route 53 is global; the first AWS site's provider makes the calls.
                  provider: awsNetworks[0].provider,
                  tags: { [AWS_TAG_KEYS.environment]: env },
              })
            : undefined;
    const gcp = sites.gcp
        ? new GcpPrivateDns(`${env}-gcp-dns`, { zoneName, network: sites.gcp.network, records, provider: sites.gcp.provider, environment: env })
        : undefined;
    if (!aws && !gcp) {
        pulumi.log.warn(`no cloud network hosts the private zone ${zoneName}: make it resolvable in every site yourself (node names are <node>.${zoneName}).`);
    }
    return { aws, gcp, unresolved };
}
