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

/**
 * The worker pool an Axon pod of a zone must run on, named by the node label the platform itself puts on
 * every worker of the pool (EKS `eks.amazonaws.com/nodegroup`, GKE `cloud.google.com/gke-nodepool`).
 *
 * Why: a change that replaces a pool (EKS: new instance type, subnets or node role; GKE: new machine type)
 * creates the new pool beside the old one, and Pulumi deletes the old pool only at the end of the update,
 * when neither EKS nor GKE waits for PodDisruptionBudgets for long. Pinning the pod to its pool's *name*
 * makes that replacement a pod-template change, so the site's roller moves every Axon pod onto the new
 * pool one at a time, Axon-gated, before the old pool is deleted.
 */
export interface WorkerPoolPin {
    /** The node label whose value is the pool's name. */
    readonly labelKey: string;
    /** The pool's name for the workers of `zone` (a resource output: it changes when the pool is replaced). */
    readonly poolNameOfZone: (zone: string) => pulumi.Input<string>;
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
    /**
     * Cloud sites: the worker pool each zone's Axon pods are pinned to (`WorkerPoolPin`).
     * @default - none: pods are pinned to their zone only (existing clusters)
     */
    readonly workerPool?: WorkerPoolPin;
}
