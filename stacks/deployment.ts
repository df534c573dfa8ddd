/**
 * The deployment factory: a validated `Topology` in, every resource of the environment created, the
 * stack outputs out. No config reading here (see `config.ts`) and no resource logic: it only wires
 * the sites (`sites.ts`), the backups (`backup.ts`), the Axon Server cluster on them, the connectivity
 * between them (`connectivity.ts`) and the private DNS zone of the node names (`dns.ts`). Callable several times in one process (tests, `render`), since it
 * has no module-level state.
 */
import * as pulumi from "@pulumi/pulumi";
import { renderRegionClientConfigs, RegionClientConfig } from "../components/axonserver/render/clientConfig";
import { BackupSettings } from "../components/backup/settings";
import { AxonServerCluster } from "../components/axonserver/cluster";
import type { NodeEndpoint, NodePlacer } from "../components/axonserver/placement";
import { kubernetesPlacer } from "../components/kubernetes/kubernetesPlacer";
import { KubernetesHost } from "../components/platform/host";
import { analyzeFailures, drainWarnings, FailureSummary, summarizeFailures, tieringWarnings } from "../components/topology/analysis";
import { ConfigIssue, Topology } from "../components/topology/model";
import { vmPlacer } from "../components/vm/vmPlacer";
import { attachVmBackup, Backup, createBackup } from "./backup";
import { StackInput } from "./config";
import { Connectivity, createConnectivity } from "./connectivity";
import { createPrivateDns, PrivateDns } from "./dns";
import { createSites, Sites } from "./sites";

export type { Sites } from "./sites";
export { createSites } from "./sites";

/** Every field is a stack output (see `index.ts`); read them with `StackReference.getOutput(<field>)`. */
export interface DeploymentOutputs {
    /** The environment name (`environment` config key). */
    environment: string;
    /** Per site: node name → its addresses (client gRPC, internal gRPC, HTTP; load balancer if any). */
    nodeEndpoints: pulumi.Output<Record<string, Record<string, NodeEndpoint>>>;
    /** Admin token of the cluster (configured or generated). A Pulumi secret. */
    adminToken: pulumi.Output<string>;
    /** Axon Framework client configuration keyed by client region. Holds no secret. */
    clientConfig: pulumi.Output<Record<string, RegionClientConfig>>;
    /** PEM CA certificate clients trust when TLS is on; undefined without TLS. */
    clientCaCertificate: pulumi.Output<string | undefined>;
    /** Per replication group: which single failures it survives. */
    failureSummary: FailureSummary;
    /** Validation warnings of the topology (legal but risky layouts). */
    warnings: ConfigIssue[];
    /** Node names in the order `pulumi up` updates them, one at a time (= `updateOrder`). */
    rollingOrder: string[];
    /** Node names in the order a new cluster is created: `first`, the other PRIMARY nodes, the rest. */
    creationOrder: string[];
    /**
     * Node names in the order a change restarts them, one at a time: VM nodes (replaced in the creation
     * chain), then Kubernetes nodes least critical first (the roller Jobs).
     */
    updateOrder: string[];
}

/** The stack output names, in `index.ts` order (`render` writes them to outputs.json). */
export const OUTPUT_KEYS = [
    "environment",
    "nodeEndpoints",
    "adminToken",
    "clientConfig",
    "clientCaCertificate",
    "failureSummary",
    "warnings",
    "rollingOrder",
    "creationOrder",
    "updateOrder",
] as const satisfies readonly (keyof DeploymentOutputs)[];

/** What `createDeployment` returns: the stack outputs plus handles for in-process callers (not outputs). */
export interface Deployment extends DeploymentOutputs {
    /** Kubernetes host per site name; `render` maps Kubernetes objects to sites through their providers. */
    readonly kubernetesHosts: Readonly<Record<string, KubernetesHost>>;
    readonly cluster: AxonServerCluster;
    /** Site components, networks and providers. */
    readonly sites: Sites;
    /** Peerings and VPNs between the sites. */
    readonly connectivity: Connectivity;
    /** The private DNS zones of the node names. */
    readonly privateDns: PrivateDns;
    /** Bucket, agents and snapshot policies; absent without a `backup` config key. */
    readonly backup?: Backup;
}

/** Regroups node endpoints per site; sites and nodes in topology order, sites without nodes left out. */
function endpointsBySite(topology: Topology, byNode: Record<string, NodeEndpoint>): Record<string, Record<string, NodeEndpoint>> {
    const out: Record<string, Record<string, NodeEndpoint>> = {};
    for (const site of topology.sites) {
        const nodes = topology.nodes.filter((n) => n.site === site.name && byNode[n.name]);
        if (nodes.length > 0) out[site.name] = Object.fromEntries(nodes.map((n) => [n.name, byNode[n.name]]));
    }
    return out;
}

/** The cluster's node placers: Kubernetes sites' hosts, VM sites, and the backup agents of both. */
function createPlacers(sites: Sites, backup: Backup | undefined): NodePlacer[] {
    return [
        kubernetesPlacer({ hosts: sites.kubernetesHosts, backupSidecars: backup?.sidecars, serviceAccountAnnotations: backup?.serviceAccountAnnotations }),
        vmPlacer({ sites: sites.vmSites, backups: backup?.vmBackups }),
    ];
}

/**
 * Creates every resource of the environment from a validated topology. `warnings` are the loader's
 * warnings, passed through to the `warnings` output; `backupSettings` the parsed `backup` key (none:
 * no backups).
 */
export function createDeployment(
    topology: Topology,
    secrets: StackInput["secrets"],
    warnings: readonly ConfigIssue[] = [],
    backupSettings?: BackupSettings,
): Deployment {
    const sites = createSites(topology, { gkeBackupAgent: backupSettings !== undefined });
    const { kubernetesHosts } = sites;
    // Before the cluster: its pods, VMs and ServiceAccounts carry the agents and their identities.
    const createdBackup = backupSettings ? createBackup(topology, sites, backupSettings) : undefined;
    const cluster = new AxonServerCluster(topology.environment, { topology, secrets, placers: createPlacers(sites, createdBackup) });
    // After the cluster: the VM nodes' identities and disks exist only once it placed them.
    const backup = createdBackup ? attachVmBackup(topology, sites, createdBackup, cluster) : undefined;
    const connectivity = createConnectivity(topology, sites);
    // After the cluster: the records point at the addresses of the nodes it placed.
    const privateDns = createPrivateDns(topology, sites, cluster);
    const clientConfig: Record<string, RegionClientConfig> = renderRegionClientConfigs(topology);
    return {
        environment: topology.environment,
        nodeEndpoints: cluster.nodeEndpoints.apply((byNode) => endpointsBySite(topology, byNode)),
        adminToken: pulumi.secret(cluster.adminToken),
        clientConfig: pulumi.output(clientConfig),
        clientCaCertificate: pulumi.output(cluster.caCertificate),
        failureSummary: summarizeFailures(analyzeFailures(topology)),
        warnings: [...warnings, ...tieringWarnings(topology), ...drainWarnings(topology)].map((w) => ({ path: w.path, message: w.message })),
        rollingOrder: cluster.updateOrder,
        creationOrder: cluster.creationOrder,
        updateOrder: cluster.updateOrder,
        kubernetesHosts,
        cluster,
        sites,
        connectivity,
        privateDns,
        ...(backup ? { backup } : {}),
    };
}
