/**
 * Platform layer (components/platform/): what every Kubernetes site provides, below the clouds' site
 * components and the Axon workload; imports nothing but the topology model.
 *
 * What a site hands to the Axon Server components that run on it.
 *
 * A Kubernetes site (EksSite, GkeSite, or an existing cluster) yields a `KubernetesHost`; the
 * `AxonServerCluster` places the site's nodes on it without knowing which cloud made it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StorageTier } from "../topology/model";

/** How a node is exposed to peers and clients in other sites. */
export type InternalLoadBalancer = "none" | "aws-nlb" | "gcp-internal";

export interface KubernetesHost {
    /** Site name from the topology. */
    readonly site: string;
    /** Provider for the site's cluster; every Kubernetes object of the site uses it. */
    readonly provider: k8s.Provider;
    /** Storage class name per tier (created by the site, or configured for an existing cluster). */
    readonly storageClassNames: Readonly<Record<StorageTier, pulumi.Input<string>>>;
    /**
     * Resources that must exist before a StatefulSet can bind its volumes (CSI driver addon, storage
     * classes, node groups). StatefulSets `dependsOn` these: otherwise `pulumi up` waits 10 minutes
     * for volumes that never bind.
     */
    readonly readyResources: readonly pulumi.Resource[];
    /** Per-node internal load balancer flavour for nodes reached from other sites. */
    readonly internalLoadBalancer: InternalLoadBalancer;
    /**
     * `gcp-internal` only: the reserved internal address (purpose `SHARED_LOADBALANCER_VIP`) of each
     * node of the site, by node name. The node's per-port internal load balancers share it, and its
     * private DNS record points at it. Required for every node of a `gcp-internal` host.
     * @default - none (hosts other than `gcp-internal`)
     */
    readonly loadBalancerAddresses?: Readonly<Record<string, pulumi.Input<string>>>;
}
