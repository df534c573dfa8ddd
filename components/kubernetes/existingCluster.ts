/**
 * A site on an existing Kubernetes cluster (`platform: kubernetes`, e.g. kind for the `local` stack):
 * nothing is created but the provider. The cluster's own storage classes are used as configured.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesHost } from "../platform/host";
import { Site, Topology } from "../topology/model";
import { siteResourcePrefix } from "../topology/naming";

/**
 * The host of an existing-cluster site. The provider uses the configured kube context, or the
 * kubeconfig's current context when none is configured. No internal load balancer: an existing
 * cluster has no known cloud controller, so cross-site reachability is the operator's job.
 */
export function existingClusterHost(site: Site, topology: Pick<Topology, "environment">, opts?: pulumi.CustomResourceOptions): KubernetesHost {
    if (site.platform !== "kubernetes" || !site.existingCluster) {
        throw new Error(`site ${site.name}: existingClusterHost needs platform "kubernetes" with existingCluster options`);
    }
    const ec = site.existingCluster;
    const provider = new k8s.Provider(
        `${siteResourcePrefix(topology, site.name)}-k8s`,
        ec.context !== undefined ? { context: ec.context } : {},
        opts,
    );
    return {
        site: site.name,
        provider,
        storageClassNames: { ...ec.storageClasses },
        readyResources: [],
        internalLoadBalancer: "none",
    };
}
