/**
 * Names and addresses derived from the topology. Pure functions, no Pulumi import.
 *
 * Every resource name, host name and DNS name is computed here so that the components, the offline
 * tools and the tests agree on them.
 */
import { AxonNode, StorageTier, Topology } from "./model";

/** DNS-1123 label: lower-case alphanumerics and `-`, starting and ending alphanumeric, at most 63. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Length limits chosen so every derived name stays within its platform's limit (see README). */
export const NAME_LIMITS = {
    /** Used in every cloud resource name and in DNS: `<node>.<environment>.<domain>`. */
    environment: 16,
    /** `<environment>-<site>-<suffix>` must fit IAM role names (64) and GCE names (63). */
    site: 20,
    /**
     * A node name is a StatefulSet name: its pods' `controller-revision-hash` label is
     * `<name>-<10 chars>` and must stay within 63, and `<name>-internal` Services within 63.
     */
    node: 40,
} as const;

export interface NodeAddress {
    /** `axoniq.axonserver.hostname` and `internal-hostname`: the node's first DNS label. */
    readonly hostname: string;
    /** `axoniq.axonserver.domain` and `internal-domain`. */
    readonly domain: string;
    /** `hostname.domain`: what peers and clients connect to. */
    readonly fqdn: string;
}

/**
 * Whether nodes are addressed through the environment's private DNS zone (`<node>.<env>.<domain>`)
 * rather than in-cluster Service DNS. In-cluster DNS only works when every node lives in one
 * existing Kubernetes cluster (the `local` stack); any cloud site or a second site needs private DNS.
 */
export function usesPrivateDns(topology: Pick<Topology, "sites">): boolean {
    return topology.sites.length > 1 || topology.sites.some((s) => s.platform !== "kubernetes");
}

/** The private DNS zone of the environment, e.g. `prod.axon.internal`. */
export function privateZoneName(topology: Pick<Topology, "environment" | "dns">): string {
    return `${topology.environment}.${topology.dns.domain}`;
}

/**
 * The address of a node. With private DNS: `<node>.<environment>.<domain>`; otherwise the node's
 * governing headless Service: `<node>.<namespace>.svc.cluster.local`.
 */
export function nodeAddress(topology: Pick<Topology, "sites" | "environment" | "dns" | "kubernetes">, node: Pick<AxonNode, "name">): NodeAddress {
    const domain = usesPrivateDns(topology)
        ? privateZoneName(topology)
        : `${topology.kubernetes.namespace}.svc.cluster.local`;
    return { hostname: node.name, domain, fqdn: `${node.name}.${domain}` };
}

/** Prefix of cloud resource names of a site: `<environment>-<site>`. */
export function siteResourcePrefix(topology: Pick<Topology, "environment">, siteName: string): string {
    return `${topology.environment}-${siteName}`;
}

/** Logical name of an EKS site's managed node group in `zone` (`sitePrefix`: `siteResourcePrefix`). */
export function eksNodeGroupResourceName(sitePrefix: string, zone: string): string {
    return `${sitePrefix}-ng-${zone}`;
}

/** Logical name of a GKE site's node pool (`sitePrefix`: `siteResourcePrefix`). */
export function gkeNodePoolResourceName(sitePrefix: string): string {
    return `${sitePrefix}-pool`;
}

/**
 * The node label EKS puts on every node of a managed node group, valued with the group's name
 * (`eks.amazonaws.com/nodegroup=$nodeGroupName`, EKS user guide, "Understand each phase of node updates").
 */
export const EKS_NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup";

/**
 * The node label GKE puts on every node of a pool ("Each node in the pool has a Kubernetes node label,
 * cloud.google.com/gke-nodepool, which has the node pool's name as its value",
 * cloud.google.com/kubernetes-engine/docs/concepts/node-pools).
 */
export const GKE_NODEPOOL_LABEL = "cloud.google.com/gke-nodepool";

/** StorageClass name of a tier on the clusters the program creates (EKS, GKE): `axonserver-<environment>-<tier>`. */
export function tierStorageClassName(environment: string, tier: StorageTier): string {
    return `axonserver-${environment}-${tier}`;
}
