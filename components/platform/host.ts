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

/**
 * How a node is exposed to peers and clients in other sites: `aws-nlb`, an internal NLB per node that
 * the site creates (its Service only holds fixed NodePorts, `nodeLoadBalancers`); `gcp-internal`, internal
 * load balancer Services GKE implements; `none` on existing clusters.
 */
export type InternalLoadBalancer = "none" | "aws-nlb" | "gcp-internal";

/**
 * A node's reserved internal address on a `gcp-internal` host (a `gcp.compute.Address` with purpose
 * `SHARED_LOADBALANCER_VIP`): the node's load balancer Services name it, its DNS record holds the IP.
 */
export interface ReservedLoadBalancerAddress {
    /** The IP address: the node's private DNS A record points at it. */
    readonly address: pulumi.Input<string>;
    /** The address resource's name in the cluster's project and region: what the Services reference. */
    readonly name: pulumi.Input<string>;
}

/** A node's load balancer that the site created outside Kubernetes (`aws-nlb`). */
export interface NodeLoadBalancer {
    /** DNS name of the load balancer: the node's private DNS record points at it. */
    readonly hostname: pulumi.Input<string>;
    /**
     * Source ranges of what the load balancer forwards, as the pod sees them (the load balancer's own
     * subnets: it does not keep the client's address). The node's NetworkPolicy admits them.
     */
    readonly sourceCidrs: readonly string[];
    /** The load balancer, its listeners and target registrations: the node's Service waits for them. */
    readonly resources: readonly pulumi.Resource[];
}

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
    readonly loadBalancerAddresses?: Readonly<Record<string, ReservedLoadBalancerAddress>>;
    /**
     * `aws-nlb` only: the load balancer of each node of the site, by node name. Required for every node of
     * an `aws-nlb` host.
     * @default - none (hosts other than `aws-nlb`)
     */
    readonly nodeLoadBalancers?: Readonly<Record<string, NodeLoadBalancer>>;
}
