/**
 * Wiring of the sites: which component builds each site of the topology, on which network and provider.
 * No resource logic here: the components own what they create.
 */
import * as gcp from "@pulumi/gcp";
import { AwsNetwork } from "../components/aws/awsNetwork";
import { EksSite } from "../components/aws/eksSite";
import { AwsProviders } from "../components/aws/providers";
import { GcpFirewall } from "../components/gcp/firewall";
import { GcpNetwork } from "../components/gcp/gcpNetwork";
import { GkeSite } from "../components/gcp/gkeSite";
import { gcpNetworkSites } from "../components/gcp/ranges";
import { existingClusterHost } from "../components/kubernetes/existingCluster";
import { KubernetesHost } from "../components/platform/host";
import { Site, Topology } from "../components/topology/model";
import { siteResourcePrefix } from "../components/topology/naming";
import { VmSite } from "../components/vm/vmSite";

/** The environment's GCP network and the provider every GCP resource uses. */
export interface GcpEnvironment {
    readonly provider: gcp.Provider;
    readonly network: GcpNetwork;
    /** The project's APIs this program needs; `provider` depends on them, so every GCP resource does. */
    readonly apis: readonly gcp.projects.Service[];
}

/**
 * APIs of the GCP project the program uses (create-time `SERVICE_DISABLED` errors otherwise): networks,
 * VMs and VPN (compute), GKE (container), Cloud DNS (dns), service accounts and IAM bindings (iam,
 * cloudresourcemanager for project IAM), Workload Identity tokens (iamcredentials), VM secrets
 * (secretmanager), the backup bucket (storage) and Backup for GKE (gkebackup). Enabling an API costs
 * nothing; Service Usage (serviceusage.googleapis.com, on by default) must be on to enable them.
 */
export const GCP_APIS = [
    "compute.googleapis.com",
    "container.googleapis.com",
    "dns.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "gkebackup.googleapis.com",
] as const;

/** What the sites provide to the Axon Server cluster, the connectivity and the private DNS. */
export interface Sites {
    /** Kubernetes host per Kubernetes site (`kubernetes`, `eks`, `gke`). */
    readonly kubernetesHosts: Record<string, KubernetesHost>;
    /** The VPC of every AWS site the program builds (`eks` and `vm`), by site name, in topology order. */
    readonly awsNetworks: Readonly<Record<string, AwsNetwork>>;
    /** Only when there are AWS `eks`/`vm` sites. */
    readonly awsProviders?: AwsProviders;
    /** Only when there are GCP `gke`/`vm` sites. */
    readonly gcp?: GcpEnvironment;
    /** Site components by site name (EKS, GKE and VM sites), for in-process callers and tests. */
    readonly eksSites: Readonly<Record<string, EksSite>>;
    readonly gkeSites: Readonly<Record<string, GkeSite>>;
    readonly vmSites: Readonly<Record<string, VmSite>>;
    /** The Axon port firewall of each GKE site (EKS and VM sites make their own rules). */
    readonly gkeFirewalls: Readonly<Record<string, GcpFirewall>>;
}

/** Site features other parts of the program need. */
export interface SiteOptions {
    /**
     * Enable the Backup for GKE agent on GKE clusters (the backup wiring adds a BackupPlan).
     * @default false
     */
    readonly gkeBackupAgent?: boolean;
}

/** Sites with a network this program builds: AWS `eks`/`vm` (a VPC each). */
export function isAwsNetworkSite(site: Site): boolean {
    return site.cloud === "aws" && (site.platform === "eks" || site.platform === "vm");
}

/**
 * One explicit GCP provider for the environment's project. Its region is the first GCP site's: every GCP
 * component passes `region` on regional resources, so it is only a default, but never the shell's.
 */
function createGcpEnvironment(topology: Topology): GcpEnvironment | undefined {
    const sites = gcpNetworkSites(topology);
    if (sites.length === 0) return undefined;
    if (!topology.gcpProject) throw new Error("sites on gcp need the gcpProject config key"); // the loader enforces it
    const env = topology.environment;
    // The APIs are enabled through their own provider; the provider of everything else waits for them.
    const apiProvider = new gcp.Provider(`${env}-gcp-apis`, { project: topology.gcpProject, region: sites[0].region });
    const apis = GCP_APIS.map(
        (service) =>
            new gcp.projects.Service(
                `${env}-api-${service.split(".")[0]}`,
                // Never disabled on destroy: other workloads of the project may use the same API.
                { project: topology.gcpProject, service, disableOnDestroy: false, disableDependentServices: false },
                { provider: apiProvider },
            ),
    );
    const provider = new gcp.Provider(`${env}-gcp`, { project: topology.gcpProject, region: sites[0].region }, { dependsOn: apis });
    return { provider, network: new GcpNetwork(`${env}-gcp-net`, { topology, provider }), apis };
}

/**
 * Creates every site, one branch per platform:
 * - `kubernetes`: the existing cluster's provider only;
 * - `eks`: the site's `AwsNetwork` (on its region's provider) and an `EksSite` on it;
 * - `gke`: a `GkeSite` on the environment's one `GcpNetwork`, and its `GcpFirewall` (GkeSite leaves the
 *   Axon ports to it);
 * - `vm`: a `VmSite` on the site's `AwsNetwork` or on the `GcpNetwork` (it makes its own firewall); the
 *   cluster's VM placer puts the nodes on it.
 */
export function createSites(topology: Topology, options: SiteOptions = {}): Sites {
    const env = topology.environment;
    const awsSites = topology.sites.filter(isAwsNetworkSite);
    const awsProviders = awsSites.length > 0 ? new AwsProviders(`${env}-aws`) : undefined;
    const gcpEnv = createGcpEnvironment(topology);

    const kubernetesHosts: Record<string, KubernetesHost> = {};
    const awsNetworks: Record<string, AwsNetwork> = {};
    const eksSites: Record<string, EksSite> = {};
    const gkeSites: Record<string, GkeSite> = {};
    const gkeFirewalls: Record<string, GcpFirewall> = {};
    const vmSites: Record<string, VmSite> = {};

    for (const site of awsSites) {
        const provider = awsProviders!.forRegion(site.region);
        awsNetworks[site.name] = new AwsNetwork(`${siteResourcePrefix(topology, site.name)}-net`, { topology, site, provider });
    }
    const gcpOf = (site: Site): GcpEnvironment => {
        if (!gcpEnv) throw new Error(`site ${site.name}: no GCP network`); // gcpNetworkSites covers gke and vm on gcp
        return gcpEnv;
    };

    for (const site of topology.sites) {
        const prefix = siteResourcePrefix(topology, site.name);
        switch (site.platform) {
            case "kubernetes":
                kubernetesHosts[site.name] = existingClusterHost(site, topology);
                break;
            case "eks": {
                const network = awsNetworks[site.name];
                eksSites[site.name] = new EksSite(prefix, { topology, site, network, provider: network.provider });
                kubernetesHosts[site.name] = eksSites[site.name].host;
                break;
            }
            case "gke": {
                const { provider, network } = gcpOf(site);
                gkeSites[site.name] = new GkeSite(prefix, { topology, site, network, provider, backupAgent: options.gkeBackupAgent });
                gkeFirewalls[site.name] = new GcpFirewall(`${prefix}-fw`, { topology, site, network, provider });
                kubernetesHosts[site.name] = gkeSites[site.name].host;
                break;
            }
            case "vm": {
                const network = site.cloud === "gcp" ? gcpOf(site).network : awsNetworks[site.name];
                if (!network) throw new Error(`VM site ${site.name} is on ${site.cloud}; VMs run on aws or gcp`); // the loader enforces it
                vmSites[site.name] = new VmSite(`${prefix}-vm`, { topology, site, network, allowIapSsh: site.cluster.allowIapSsh });
                break;
            }
        }
    }

    return { kubernetesHosts, awsNetworks, awsProviders, gcp: gcpEnv, eksSites, gkeSites, vmSites, gkeFirewalls };
}
