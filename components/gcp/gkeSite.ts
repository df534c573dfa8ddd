/**
 * A GKE site: the private regional cluster, its node pool and service account, the retained StorageClasses
 * per tier; hands the Axon workload a `KubernetesHost` (components/platform/host.ts).
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../platform/labels";
import { retainedStorageClassArgs } from "../platform/storageClass";
import { KubernetesHost } from "../platform/host";
import { APP_NAME, CLOUD_EXTRA_KEYS, cloudIdentity, fitName } from "../topology/identity";
import { Site, STORAGE_TIERS, StorageTier, Topology } from "../topology/model";
import { siteResourcePrefix, tierStorageClassName } from "../topology/naming";
import { GcpNetwork } from "./gcpNetwork";
import { GCP_MAX_LOGICAL_NAME, gcpAccountId, gcpSiteNetworkTag, POD_RANGE_NAME, SERVICE_RANGE_NAME } from "./ranges";

/** Persistent Disk type per storage tier (PD CSI driver `type` parameter). */
export const GKE_DISK_TYPES: Readonly<Record<StorageTier, string>> = {
    fast: "pd-ssd",
    standard: "pd-balanced",
    cold: "pd-standard",
};

/**
 * Default recurring maintenance window: Saturday and Sunday 02:00-08:00 UTC (12 h a week). GKE needs at
 * least 48 hours of availability in any 32 days, in windows of at least 4 hours (GKE docs, "Maintenance
 * windows and exclusions"); auto-upgrades and node recreation then happen only inside it, not at any time.
 */
export const DEFAULT_GKE_MAINTENANCE_WINDOW = {
    startTime: "2026-01-03T02:00:00Z",
    endTime: "2026-01-03T08:00:00Z",
    recurrence: "FREQ=WEEKLY;BYDAY=SA,SU",
} as const;

/**
 * The exec plugin of a GKE kubeconfig. With `--use_application_default_credentials` the plugin takes its
 * token from Application Default Credentials (the same credentials the Pulumi GCP provider uses)
 * instead of shelling out to `gcloud config config-helper` (kubernetes/cloud-provider-gcp
 * `cmd/gke-gcloud-auth-plugin/cred.go`: `pflag.Bool("use_application_default_credentials", …)` selects
 * `defaultCredentialsTokenProvider`).
 */
export const GKE_AUTH_PLUGIN = {
    command: "gke-gcloud-auth-plugin",
    args: ["--use_application_default_credentials"],
} as const;

/**
 * The kubeconfig of a GKE cluster reached through its DNS-based control-plane endpoint
 * (`gke-<hash>.<region>.gke.goog`): no network path and no authorized network needed, every request is
 * checked by IAM (`container.clusters.connect`), and the name never changes, whatever `adminCidrs` say —
 * a changed `server` would replace the Kubernetes provider and every object of the site. The endpoint
 * serves a publicly trusted certificate, so the kubeconfig carries no cluster CA.
 */
export function gkeKubeconfig(contextName: string, dnsEndpoint: string): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Config",
        "current-context": contextName,
        clusters: [{ name: contextName, cluster: { server: `https://${dnsEndpoint}` } }],
        contexts: [{ name: contextName, context: { cluster: contextName, user: contextName } }],
        users: [
            {
                name: contextName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: GKE_AUTH_PLUGIN.command,
                        args: [...GKE_AUTH_PLUGIN.args],
                        installHint:
                            "Install gke-gcloud-auth-plugin for use with kubectl by following https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin",
                        provideClusterInfo: true,
                    },
                },
            },
        ],
    };
}

/** The provisioner of GKE's Compute Engine Persistent Disk CSI driver. */
export const GKE_PD_CSI_PROVISIONER = "pd.csi.storage.gke.io";

/**
 * Project roles of the node service account: the least-privilege set GKE needs (CIS GKE benchmark 5.2.1:
 * logging and monitoring) plus pulling images from Artifact Registry.
 */
export const GKE_NODE_ROLES = [
    // The role Google documents for node service accounts (GKE docs, "Use least privileged IAM service
    // accounts": roles/container.defaultNodeServiceAccount); terraform-google-kubernetes-engine grants it too.
    "roles/container.defaultNodeServiceAccount",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/artifactregistry.reader",
] as const;

export interface GkeSiteArgs {
    /** The environment's topology: names, labels and the site's node sizes come from it. */
    readonly topology: Topology;
    /** A `gcp`/`gke` site of the topology. */
    readonly site: Site;
    /** The environment's network: the site's subnet and address plan come from it. */
    readonly network: GcpNetwork;
    /** GCP provider of the environment's project. */
    readonly provider: gcp.Provider;
    /**
     * GKE refuses to delete a cluster with deletion protection. To destroy the site: set the site's
     * `deletionProtection: false` in the stack config, run `pulumi up` (an in-place update), then
     * `pulumi destroy`. Volumes survive either way: their StorageClasses use `reclaimPolicy: Retain`.
     * @default - the site's `deletionProtection` in the stack config (true unless set)
     */
    readonly deletionProtection?: boolean;
    /**
     * GKE release channel (`RAPID`, `REGULAR`, `STABLE`, `EXTENDED`).
     * @default "REGULAR"
     */
    readonly releaseChannel?: string;
    /**
     * Boot disk size of the nodes in GB.
     * @default 100
     */
    readonly nodeDiskSizeGb?: number;
    /**
     * Whether the IP-based control-plane endpoint is private only. The kubeconfig never uses it (it uses
     * the DNS-based endpoint), so this only decides who may use the IP endpoint: the admin CIDRs through
     * the VPC (private) or also from the internet.
     * @default true
     */
    readonly privateEndpoint?: boolean;
    /**
     * Enable the Backup for GKE agent addon (`addonsConfig.gkeBackupAgentConfig`), which a
     * `gcp.gkebackup.BackupPlan` of the cluster needs (components/backup/snapshots.ts `GkeBackup`).
     * @default false
     */
    readonly backupAgent?: boolean;
}

/**
 * A GKE site: a private, regional GKE Standard cluster over the site's zones with one node pool, and the
 * Kubernetes provider plus per-tier StorageClasses the Axon Server nodes use.
 *
 * - Nodes have no external addresses (`enablePrivateNodes`) and reach the internet through the region's
 *   Cloud NAT (`GcpNetwork`). The control plane is reachable only from the admin CIDRs (master authorized
 *   networks): on its private endpoint only when those are private ranges (see `privateEndpoint`), else on
 *   its public endpoint. Global access lets other regions use the private endpoint over the VPC.
 * - Workload Identity is on (`<project>.svc.id.goog`) and nodes run the GKE metadata server, so pods never
 *   see the node service account.
 * - Dataplane V2 enforces Kubernetes NetworkPolicies.
 * - The firewall rule from the control plane to the nodes is created by GKE itself; Axon ports are opened by
 *   `GcpFirewall` on the node tag `gcpSiteNetworkTag(topology, site)`.
 */
export class GkeSite extends pulumi.ComponentResource {
    public readonly host: KubernetesHost;
    public readonly cluster: gcp.container.Cluster;
    public readonly nodePool: gcp.container.NodePool;
    public readonly nodeServiceAccount: gcp.serviceaccount.Account;
    public readonly kubeProvider: k8s.Provider;
    public readonly storageClasses: Readonly<Record<StorageTier, k8s.storage.v1.StorageClass>>;
    /** Network tag on every node (firewall target). */
    public readonly nodeTag: string;
    /** The kubeconfig (no credentials: it runs `gke-gcloud-auth-plugin`). */
    public readonly kubeconfig: pulumi.Output<string>;
    /**
     * One reserved internal address per Axon node of the site, by node name: the node's two internal
     * load balancers (8124, 8224) share it, so its one DNS name serves both ports.
     */
    public readonly loadBalancerAddresses: Readonly<Record<string, gcp.compute.Address>>;

    constructor(name: string, args: GkeSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:gcp:GkeSite", name, {}, opts);
        const { topology, site, network, provider } = args;
        if (site.cloud !== "gcp" || site.platform !== "gke") {
            throw new Error(`GkeSite ${name}: site ${site.name} is ${site.cloud}/${site.platform}, not gcp/gke`);
        }
        const subnet = network.subnets[site.name];
        const ranges = network.ranges[site.name];
        if (!subnet || !ranges?.master) throw new Error(`GkeSite ${name}: network ${network.project} has no subnet for site ${site.name}`);
        const project = network.project;
        const childOpts = { parent: this, provider };
        const privateEndpoint = args.privateEndpoint ?? true;
        // The same keys as every other cloud resource (components/topology/identity.ts).
        const labels = { ...cloudIdentity(topology.environment, site.name), [CLOUD_EXTRA_KEYS.app]: APP_NAME };
        this.nodeTag = gcpSiteNetworkTag(topology, site.name);

        this.nodeServiceAccount = new gcp.serviceaccount.Account(
            `${name}-nodes-sa`,
            {
                project,
                accountId: gcpAccountId(topology, site.name, "nodes"),
                displayName: `GKE nodes of Axon Server site ${topology.environment}/${site.name}`,
            },
            childOpts,
        );
        const roleBindings = GKE_NODE_ROLES.map(
            (role) =>
                new gcp.projects.IAMMember(
                    `${name}-nodes-${role.replace(/^roles\//, "").replace(/\./g, "-")}`,
                    { project, role, member: this.nodeServiceAccount.member },
                    childOpts,
                ),
        );

        this.cluster = new gcp.container.Cluster(
            `${name}-gke`,
            {
                project,
                // Explicit (GKE allows 40 characters; this is at most 37): a replacement must be deliberate.
                name: siteResourcePrefix(topology, site.name),
                location: site.region,
                nodeLocations: [...site.zones],
                network: network.network.selfLink,
                subnetwork: subnet.selfLink,
                networkingMode: "VPC_NATIVE",
                ipAllocationPolicy: { clusterSecondaryRangeName: POD_RANGE_NAME, servicesSecondaryRangeName: SERVICE_RANGE_NAME },
                privateClusterConfig: {
                    enablePrivateNodes: true,
                    enablePrivateEndpoint: privateEndpoint,
                    masterIpv4CidrBlock: ranges.master,
                    masterGlobalAccessConfig: { enabled: true },
                },
                // The DNS-based endpoint with user traffic allowed: `pulumi up` reaches the API from anywhere
                // with IAM credentials, before any VPN exists (GKE docs, "About network isolation": DNS-based
                // endpoint; @pulumi/gcp `ClusterControlPlaneEndpointsConfigDnsEndpointConfig.allowExternalTraffic`).
                controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: true } },
                masterAuthorizedNetworksConfig: {
                    cidrBlocks: topology.adminCidrs.map((cidr) => ({ cidrBlock: cidr, displayName: `admin ${cidr}` })),
                    gcpPublicCidrsAccessEnabled: false,
                },
                workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
                addonsConfig: {
                    gcePersistentDiskCsiDriverConfig: { enabled: true },
                    ...(args.backupAgent ? { gkeBackupAgentConfig: { enabled: true } } : {}),
                },
                datapathProvider: "ADVANCED_DATAPATH",
                enableShieldedNodes: true,
                // The default pool is replaced by `nodePool` below (GKE needs one node to create the cluster).
                removeDefaultNodePool: true,
                initialNodeCount: 1,
                // That temporary default pool runs as the site's node service account too, never as the
                // Compute Engine default service account (Editor on the project).
                nodeConfig: {
                    serviceAccount: this.nodeServiceAccount.email,
                    oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
                    workloadMetadataConfig: { mode: "GKE_METADATA" },
                    shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
                },
                deletionProtection: args.deletionProtection ?? site.cluster.deletionProtection,
                maintenancePolicy: {
                    recurringWindow: { ...(site.cluster.maintenanceWindow ?? DEFAULT_GKE_MAINTENANCE_WINDOW) },
                    maintenanceExclusions: site.cluster.maintenanceExclusions.map((e) => ({
                        exclusionName: e.name,
                        startTime: e.startTime,
                        endTime: e.endTime,
                        exclusionOptions: { scope: e.scope },
                    })),
                },
                releaseChannel: { channel: args.releaseChannel ?? "REGULAR" },
                ...(site.cluster.kubernetesVersion ? { minMasterVersion: site.cluster.kubernetesVersion } : {}),
                resourceLabels: labels,
            },
            { ...childOpts, dependsOn: roleBindings },
        );

        this.nodePool = new gcp.container.NodePool(
            `${name}-pool`,
            {
                project,
                cluster: this.cluster.name,
                // A generated name lets a replaced pool (new machine type) come up before the old one drains.
                namePrefix: "axon-",
                location: site.region,
                nodeLocations: [...site.zones],
                // Per zone in a regional cluster.
                nodeCount: site.cluster.nodesPerZone,
                management: { autoRepair: true, autoUpgrade: true },
                nodeConfig: {
                    machineType: site.cluster.machineType,
                    diskSizeGb: args.nodeDiskSizeGb ?? 100,
                    serviceAccount: this.nodeServiceAccount.email,
                    // Access is limited by the service account's IAM roles (Google's recommendation).
                    oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
                    workloadMetadataConfig: { mode: "GKE_METADATA" },
                    shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
                    tags: [this.nodeTag],
                    labels,
                    resourceLabels: labels,
                },
            },
            { ...childOpts, dependsOn: roleBindings },
        );

        // Lifted property access (not apply): a missing output stays undefined instead of dropping the provider.
        const contextName = `${topology.environment}-${site.name}`;
        const dnsEndpoint = this.cluster.controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint;
        this.kubeconfig = pulumi.jsonStringify(dnsEndpoint.apply((e) => gkeKubeconfig(contextName, e)));
        this.kubeProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });

        const storageClasses = {} as Record<StorageTier, k8s.storage.v1.StorageClass>;
        for (const tier of STORAGE_TIERS) {
            storageClasses[tier] = new k8s.storage.v1.StorageClass(
                `${name}-sc-${tier}`,
                retainedStorageClassArgs({
                    name: tierStorageClassName(topology.environment, tier),
                    provisioner: GKE_PD_CSI_PROVISIONER,
                    parameters: { type: GKE_DISK_TYPES[tier] },
                    labels: platformLabels(topology.environment),
                }),
                { parent: this, provider: this.kubeProvider },
            );
        }
        this.storageClasses = storageClasses;

        this.loadBalancerAddresses = reserveNodeLoadBalancerAddresses(name, topology, site, subnet.selfLink, project, childOpts);

        this.host = {
            site: site.name,
            provider: this.kubeProvider,
            storageClassNames: {
                fast: storageClasses.fast.metadata.name,
                standard: storageClasses.standard.metadata.name,
                cold: storageClasses.cold.metadata.name,
            },
            readyResources: [this.nodePool, ...STORAGE_TIERS.map((t) => storageClasses[t])],
            internalLoadBalancer: "gcp-internal",
            loadBalancerAddresses: Object.fromEntries(Object.entries(this.loadBalancerAddresses).map(([n, a]) => [n, a.address])),
        };

        this.registerOutputs({
            cluster: this.cluster,
            nodePool: this.nodePool,
            kubeconfig: this.kubeconfig,
            nodeTag: this.nodeTag,
        });
    }
}

/**
 * A reserved internal address per node of the site, shared by the node's per-port internal LoadBalancer
 * Services. GKE (cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing, "Enabling Shared
 * IP"): several internal LoadBalancer Services can use one internal address reserved with
 * `--purpose SHARED_LOADBALANCER_VIP` in the cluster's subnet, each Service naming it, and "GKE only
 * preserves the IP address of an internal passthrough Network Load Balancer if the Service references an
 * internal IP address with that purpose". A stable address also lets the DNS record point at it directly.
 */
export function reserveNodeLoadBalancerAddresses(
    name: string,
    topology: Topology,
    site: Site,
    subnetwork: pulumi.Input<string>,
    project: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): Record<string, gcp.compute.Address> {
    const addresses: Record<string, gcp.compute.Address> = {};
    for (const node of topology.nodes.filter((n) => n.site === site.name)) {
        addresses[node.name] = new gcp.compute.Address(
            fitName(`${name}-${node.name}-ilb`, GCP_MAX_LOGICAL_NAME),
            {
                project,
                region: site.region,
                subnetwork,
                addressType: "INTERNAL",
                purpose: "SHARED_LOADBALANCER_VIP",
                description: `Internal load balancer address of Axon Server node ${topology.environment}/${node.name} (8124 and 8224)`,
                labels: { ...cloudIdentity(topology.environment, site.name), [CLOUD_EXTRA_KEYS.app]: APP_NAME },
            },
            opts,
        );
    }
    return addresses;
}
