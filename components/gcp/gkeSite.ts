/**
 * A GKE site: the private regional cluster, its node pool and service account, the retained StorageClasses
 * per tier; hands the Axon workload a `KubernetesHost` (components/platform/host.ts).
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../platform/labels";
import { retainedStorageClassArgs } from "../platform/storageClass";
import { KubernetesHost, WorkerPoolPin } from "../platform/host";
import { APP_NAME, CLOUD_EXTRA_KEYS, cloudIdentity, fitName } from "../topology/identity";
import { Site, STORAGE_TIERS, StorageTier, Topology } from "../topology/model";
import { GKE_NODEPOOL_LABEL, gkeNodePoolResourceName, siteResourcePrefix, tierStorageClassName } from "../topology/naming";
import { GcpNetwork } from "./gcpNetwork";
import { GCP_MAX_LOGICAL_NAME, gcpAccountId, gcpSiteNetworkTag, POD_RANGE_NAME, SERVICE_RANGE_NAME } from "./ranges";

/** Persistent Disk type per storage tier (PD CSI driver `type` parameter). */
export const GKE_DISK_TYPES: Readonly<Record<StorageTier, string>> = {
    fast: "pd-ssd",
    standard: "pd-balanced",
    cold: "pd-standard",
};

/**
 * Default recurring maintenance window: Saturday and Sunday 02:00-10:00 UTC (16 h a week). GKE needs at
 * least 48 hours of availability in a 32-day rolling window, in windows of at least 4 hours
 * (`GKE_MAINTENANCE_AVAILABILITY`); this leaves 64 in the worst 32 days, not the bare 48 that 02:00-08:00
 * would, so a difference in how GKE counts the window's edges cannot refuse the cluster. Auto-upgrades and
 * node recreation then happen only inside it, not at any time.
 */
export const DEFAULT_GKE_MAINTENANCE_WINDOW = {
    startTime: "2026-01-03T02:00:00Z",
    endTime: "2026-01-03T10:00:00Z",
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

/** What every step of a GKE site shares: names, options (parent + provider), the site's subnet and labels. */
interface GkeSiteContext {
    /** The component's name: the prefix of every child's logical name. */
    readonly name: string;
    readonly args: GkeSiteArgs;
    readonly topology: Topology;
    readonly site: Site;
    readonly project: string;
    readonly subnet: gcp.compute.Subnetwork;
    /** The `/28` of the private control plane (`GcpSiteRanges.master`). */
    readonly masterRange: string;
    readonly parent: pulumi.Resource;
    /** `{ parent, provider }` of every GCP child. */
    readonly opts: pulumi.CustomResourceOptions;
    /** The same keys as every other cloud resource (components/topology/identity.ts). */
    readonly labels: Record<string, string>;
    /** Network tag on every node (firewall target). */
    readonly nodeTag: string;
}

/** Throws when the site is not a GCP `gke` site or the network has no subnet for it. */
function gkeSiteContext(name: string, args: GkeSiteArgs, parent: pulumi.Resource): GkeSiteContext {
    const { topology, site, network, provider } = args;
    if (site.cloud !== "gcp" || site.platform !== "gke") {
        throw new Error(`GkeSite ${name}: site ${site.name} is ${site.cloud}/${site.platform}, not gcp/gke`);
    }
    const subnet = network.subnets[site.name];
    const ranges = network.ranges[site.name];
    if (!subnet || !ranges?.master) throw new Error(`GkeSite ${name}: network ${network.project} has no subnet for site ${site.name}`);
    return {
        name,
        args,
        topology,
        site,
        project: network.project,
        subnet,
        masterRange: ranges.master,
        parent,
        opts: { parent, provider },
        labels: { ...cloudIdentity(topology.environment, site.name), [CLOUD_EXTRA_KEYS.app]: APP_NAME },
        nodeTag: gcpSiteNetworkTag(topology, site.name),
    };
}

/** The node service account and its project roles (`GKE_NODE_ROLES`). */
export interface GkeNodeIdentity {
    readonly serviceAccount: gcp.serviceaccount.Account;
    readonly roleBindings: gcp.projects.IAMMember[];
}

export function createNodeIdentity(ctx: GkeSiteContext): GkeNodeIdentity {
    const { name, topology, site, project, opts: o } = ctx;
    const serviceAccount = new gcp.serviceaccount.Account(
        `${name}-nodes-sa`,
        {
            project,
            accountId: gcpAccountId(topology, site.name, "nodes"),
            displayName: `GKE nodes of Axon Server site ${topology.environment}/${site.name}`,
        },
        o,
    );
    const roleBindings = GKE_NODE_ROLES.map(
        (role) =>
            new gcp.projects.IAMMember(
                `${name}-nodes-${role.replace(/^roles\//, "").replace(/\./g, "-")}`,
                { project, role, member: serviceAccount.member },
                o,
            ),
    );
    return { serviceAccount, roleBindings };
}

/**
 * The private regional cluster over the site's zones: VPC-native on the site's subnet, private nodes,
 * DNS-based control-plane endpoint, master authorized networks from `adminCidrs`, Workload Identity,
 * Dataplane V2, the maintenance window and exclusions of the site. Created after the node roles.
 */
export function createGkeCluster(ctx: GkeSiteContext, identity: GkeNodeIdentity): gcp.container.Cluster {
    const { name, args, topology, site, project, opts: o } = ctx;
    return new gcp.container.Cluster(
        `${name}-gke`,
        {
            project,
            // Explicit (GKE allows 40 characters; this is at most 37): a replacement must be deliberate.
            name: siteResourcePrefix(topology, site.name),
            location: site.region,
            nodeLocations: [...site.zones],
            network: args.network.network.selfLink,
            subnetwork: ctx.subnet.selfLink,
            networkingMode: "VPC_NATIVE",
            ipAllocationPolicy: { clusterSecondaryRangeName: POD_RANGE_NAME, servicesSecondaryRangeName: SERVICE_RANGE_NAME },
            privateClusterConfig: {
                enablePrivateNodes: true,
                enablePrivateEndpoint: args.privateEndpoint ?? true,
                masterIpv4CidrBlock: ctx.masterRange,
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
                // GKE subsetting (below) "requires that the HttpLoadBalancing add-on is enabled": on by
                // default, stated so nobody turns it off.
                httpLoadBalancing: { disabled: false },
                ...(args.backupAgent ? { gkeBackupAgentConfig: { enabled: true } } : {}),
            },
            // GKE subsetting: internal LoadBalancer Services get GCE_VM_IP NEG backends and are run by the
            // L4 controller that reads `networking.gke.io/load-balancer-ip-addresses` (the node Services pin
            // their reserved address with it; the instance-group controller reads only the deprecated
            // `spec.loadBalancerIP`: kubernetes/cloud-provider-gcp providers/gce/gce_loadbalancer_internal.go
            // `ilbIPToUse`). GKE docs, "Create an internal load balancer", requirements: available "in new and
            // existing Standard clusters in GKE versions 1.18.19-gke.1400 and later", and it "cannot be
            // disabled once it has been enabled"; on by default from GKE 1.36. An in-place update.
            enableL4IlbSubsetting: true,
            datapathProvider: "ADVANCED_DATAPATH",
            enableShieldedNodes: true,
            // The default pool is replaced by the node pool (`createNodePool`; GKE needs one node to create
            // the cluster).
            removeDefaultNodePool: true,
            initialNodeCount: 1,
            // That temporary default pool runs as the site's node service account too, never as the
            // Compute Engine default service account (Editor on the project).
            nodeConfig: {
                serviceAccount: identity.serviceAccount.email,
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
            resourceLabels: ctx.labels,
        },
        { ...o, dependsOn: identity.roleBindings },
    );
}

/**
 * Node pool fields GKE would change in place by recreating every node under the pool's surge upgrade
 * (terraform-provider-google google/services/container/node_config.go `nodePoolNodeConfigUpdate`: one
 * `UpdateNodePool` call for `machine_type`, `disk_size_gb`, `disk_type`), which waits for
 * PodDisruptionBudgets, that count a pod back once it is Ready, not once Axon has caught up. The program
 * replaces the pool instead (`replaceOnChanges`), so the roller moves the Axon pods, Axon-gated, onto
 * the new pool before the old one is deleted (README "Changing the worker machine type").
 */
export const GKE_POOL_REPLACE_ON_CHANGES: readonly string[] = ["nodeConfig.machineType", "nodeConfig.diskSizeGb"];

/** The Axon pods of every zone run on the site's one (regional) pool. */
export function gkeWorkerPool(nodePool: gcp.container.NodePool): WorkerPoolPin {
    return { labelKey: GKE_NODEPOOL_LABEL, poolNameOfZone: () => nodePool.name };
}

/** The site's node pool: `nodesPerZone` nodes in every zone, tagged `nodeTag`, after the node roles. */
export function createNodePool(ctx: GkeSiteContext, cluster: gcp.container.Cluster, identity: GkeNodeIdentity): gcp.container.NodePool {
    const { name, args, site, project, labels, opts: o } = ctx;
    return new gcp.container.NodePool(
        gkeNodePoolResourceName(name),
        {
            project,
            cluster: cluster.name,
            // A generated name lets a replaced pool (new machine type) come up beside the old one: Pulumi
            // creates the replacement first and deletes the old pool at the end of the update.
            namePrefix: "axon-",
            location: site.region,
            nodeLocations: [...site.zones],
            // Per zone in a regional cluster.
            nodeCount: site.cluster.nodesPerZone,
            management: { autoRepair: true, autoUpgrade: true },
            nodeConfig: {
                machineType: site.cluster.machineType,
                diskSizeGb: args.nodeDiskSizeGb ?? 100,
                serviceAccount: identity.serviceAccount.email,
                // Access is limited by the service account's IAM roles (Google's recommendation).
                oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
                workloadMetadataConfig: { mode: "GKE_METADATA" },
                shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
                tags: [ctx.nodeTag],
                labels,
                resourceLabels: labels,
            },
        },
        { ...o, dependsOn: identity.roleBindings, replaceOnChanges: [...GKE_POOL_REPLACE_ON_CHANGES] },
    );
}

/** The kubeconfig of the cluster (`gkeKubeconfig`, DNS-based endpoint) and the Kubernetes provider using it. */
export function createKubeProvider(ctx: GkeSiteContext, cluster: gcp.container.Cluster): { kubeconfig: pulumi.Output<string>; provider: k8s.Provider } {
    const { name, topology, site } = ctx;
    // Lifted property access (not apply): a missing output stays undefined instead of dropping the provider.
    const contextName = `${topology.environment}-${site.name}`;
    const dnsEndpoint = cluster.controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint;
    const kubeconfig = pulumi.jsonStringify(dnsEndpoint.apply((e) => gkeKubeconfig(contextName, e)));
    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig, enableServerSideApply: true }, { parent: ctx.parent });
    return { kubeconfig, provider };
}

/** A retained PD CSI StorageClass per tier (`GKE_DISK_TYPES`). */
export function createStorageClasses(ctx: GkeSiteContext, kubeProvider: k8s.Provider): Record<StorageTier, k8s.storage.v1.StorageClass> {
    const { name, topology } = ctx;
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
            { parent: ctx.parent, provider: kubeProvider },
        );
    }
    return storageClasses;
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
 *
 * The constructor only chains named steps: `createNodeIdentity` (node service account and roles),
 * `createGkeCluster`, `createNodePool`, `createKubeProvider`, `createStorageClasses`,
 * `reserveNodeLoadBalancerAddresses`.
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
        const ctx = gkeSiteContext(name, args, this);
        this.nodeTag = ctx.nodeTag;

        const identity = createNodeIdentity(ctx);
        this.nodeServiceAccount = identity.serviceAccount;
        this.cluster = createGkeCluster(ctx, identity);
        this.nodePool = createNodePool(ctx, this.cluster, identity);

        const kube = createKubeProvider(ctx, this.cluster);
        this.kubeconfig = kube.kubeconfig;
        this.kubeProvider = kube.provider;
        const storageClasses = createStorageClasses(ctx, this.kubeProvider);
        this.storageClasses = storageClasses;

        this.loadBalancerAddresses = reserveNodeLoadBalancerAddresses(name, ctx.topology, ctx.site, ctx.subnet.selfLink, ctx.project, ctx.opts);

        this.host = {
            site: ctx.site.name,
            provider: this.kubeProvider,
            storageClassNames: {
                fast: storageClasses.fast.metadata.name,
                standard: storageClasses.standard.metadata.name,
                cold: storageClasses.cold.metadata.name,
            },
            readyResources: [this.nodePool, ...STORAGE_TIERS.map((t) => storageClasses[t])],
            internalLoadBalancer: "gcp-internal",
            workerPool: gkeWorkerPool(this.nodePool),
            loadBalancerAddresses: Object.fromEntries(Object.entries(this.loadBalancerAddresses).map(([n, a]) => [n, { address: a.address, name: a.name }])),
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
 * Services. An internal address can serve up to ten forwarding rules when its purpose is
 * `SHARED_LOADBALANCER_VIP` (cloud.google.com/load-balancing/docs/internal/multiple-forwarding-rules-same-ip:
 * "To share an IP address, you set the purpose of the IP address to SHARED_LOADBALANCER_VIP"). Each Service
 * names it in `networking.gke.io/load-balancer-ip-addresses` (by name, in the cluster's project and
 * region: ingress-gce pkg/l4/annotations/l4_static_address.go looks it up with `GetRegionAddress`), and
 * the L4 controller treats a named address as the user's: it never releases it (pkg/l4/address/manager.go
 * `HoldAddress`). A stable address also lets the DNS record point at it directly.
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
                // Stale since the health relay's 8025 shares the address too, but kept as it is:
                // `description` is ForceNew (terraform-provider-google google/services/compute/resource_compute_address.go), so a
                // new text would replace every node's reserved address and move its DNS name.
                description: `Internal load balancer address of Axon Server node ${topology.environment}/${node.name} (8124 and 8224)`,
                labels: { ...cloudIdentity(topology.environment, site.name), [CLOUD_EXTRA_KEYS.app]: APP_NAME },
            },
            opts,
        );
    }
    return addresses;
}
