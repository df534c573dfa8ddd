/**
 * The parts of the stack the component tests render without the whole program, wired as `stacks/` wires
 * them: shared by the unit tests (small fixtures) and the integration tests (the example stack files).
 */
import * as gcp from "@pulumi/gcp";
import { AwsNetwork } from "../../components/aws/awsNetwork";
import { AwsProviders } from "../../components/aws/providers";
import { CrossCloudVpns } from "../../components/connectivity/crossCloudVpn";
import { GcpFirewall } from "../../components/gcp/firewall";
import { GcpNetwork } from "../../components/gcp/gcpNetwork";
import { GkeSite } from "../../components/gcp/gkeSite";
import { GcpPrivateDns } from "../../components/gcp/privateDns";
import { Topology } from "../../components/topology/model";
import { nodeAddress, privateZoneName } from "../../components/topology/naming";

/** The networks and the VPNs, as the stack wires them. */
export function vpnProgram(topology: Topology) {
    const gcpProvider = new gcp.Provider("gcp", { project: topology.gcpProject, region: "europe-west4" });
    const gcpNetwork = new GcpNetwork(`${topology.environment}-gcp`, { topology, provider: gcpProvider });
    const providers = new AwsProviders("aws");
    const awsNetworks = Object.fromEntries(
        topology.sites
            .filter((s) => s.cloud === "aws")
            .map((site) => [site.name, new AwsNetwork(`${topology.environment}-${site.name}`, { topology, site, provider: providers.forRegion(site.region) })]),
    );
    const vpns = new CrossCloudVpns(`${topology.environment}-vpn`, { topology, gcpNetwork, gcpProvider, awsNetworks });
    return { gcpNetwork, awsNetworks, vpns };
}

/** Everything GCP of an environment, as the stack wires it. */
export function gcpProgram(topology: Topology) {
    const provider = new gcp.Provider("gcp", { project: topology.gcpProject, region: "europe-west4" });
    const network = new GcpNetwork(`${topology.environment}-gcp`, { topology, provider });
    const sites = topology.sites.filter((s) => s.cloud === "gcp");
    const gke = Object.fromEntries(
        sites.filter((s) => s.platform === "gke").map((site) => [site.name, new GkeSite(`${topology.environment}-${site.name}`, { topology, site, network, provider })]),
    );
    const firewalls = sites.map((site) => new GcpFirewall(`${topology.environment}-${site.name}-fw`, { topology, site, network, provider }));
    const dns = new GcpPrivateDns(`${topology.environment}-dns`, {
        zoneName: privateZoneName(topology),
        network,
        provider,
        records: topology.nodes
            .filter((n) => n.cloud === "gcp")
            .map((n, i) => ({ name: nodeAddress(topology, n).fqdn, target: i % 2 === 0 ? { ip: `10.30.0.${10 + i}` } : { hostname: `lb-${n.name}.example.internal` } })),
    });
    return { network, gke, firewalls, dns };
}
