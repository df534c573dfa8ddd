/**
 * The Kubernetes `NodePlacer` (components/axonserver/placement.ts): places the nodes of `kubernetes`,
 * `eks` and `gke` sites on their site's `KubernetesHost`. Per site it creates the site objects
 * (siteObjects.ts); per node an `AxonServerNode`; between two nodes of the chain, on a Kubernetes site,
 * the rolling gate Job (rollingGate.ts); after the chain, the roller Jobs that restart the pods in update
 * order (roller.ts). Every resource is a child of the cluster component.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterContext, GateStep, NodeDnsTarget, NodePlacement, NodePlacer, PlacedNode, PlacementStep, RollStep } from "../axonserver/placement";
import { KubernetesHost } from "../platform/host";
import { AxonNode, Topology } from "../topology/model";
import { AxonServerNode, NodeBackupSidecar } from "./axonServerNode";
import { gateScriptConfigMap, gateSite, nodeFingerprint, rollingGateJob } from "./rollingGate";
import { createRollers, SiteRollerHost } from "./roller";
import { createClientConfig, createSiteObjects, requireSeparateWorkers, SiteObjects } from "./siteObjects";

export interface KubernetesPlacerArgs {
    /** Kubernetes host per site name; every node on a site that is not `vm` needs one. */
    readonly hosts: Readonly<Record<string, KubernetesHost>>;
    /** Backup agent sidecar per node name (only the nodes the backup plan designates). @default - none */
    readonly backupSidecars?: Readonly<Record<string, NodeBackupSidecar>>;
    /**
     * Annotations of the site's ServiceAccount per site name, e.g. the bucket identity of the backup
     * sidecar (`eks.amazonaws.com/role-arn`, `iam.gke.io/gcp-service-account`). @default - none
     */
    readonly serviceAccountAnnotations?: Readonly<Record<string, Readonly<Record<string, pulumi.Input<string>>>>>;
}

/** The placer of every node not on a `vm` site. */
export function kubernetesPlacer(args: KubernetesPlacerArgs): NodePlacer {
    return {
        name: "kubernetes",
        handles: (node) => node.platform !== "vm",
        check: (_t, nodes) => nodes.filter((n) => !args.hosts[n.site]).map((n) => `node ${n.name}: site ${n.site} (${n.platform}) has no Kubernetes host`),
        attach: (cluster) => attachKubernetes(cluster, args),
    };
}

/** Creates the site objects of every Kubernetes site, and returns the placement of its nodes and gates. */
function attachKubernetes(cluster: ClusterContext, args: KubernetesPlacerArgs): NodePlacement {
    const sites = createSites(cluster, args);
    const gateScripts: Record<string, k8s.core.v1.ConfigMap> = {};
    return {
        place: (node, step) => placeNode(cluster, args, sites, node, step),
        gate: (step) => createGate(cluster, args.hosts, sites, gateScripts, step),
        roll: (step) => createSiteRollers(cluster, args.hosts, sites, gateScripts, step),
    };
}

/** The site's ConfigMap with the gate and roller scripts, made on first use. */
function scriptConfigMap(cluster: ClusterContext, host: KubernetesHost, so: SiteObjects, site: string, gateScripts: Record<string, k8s.core.v1.ConfigMap>): k8s.core.v1.ConfigMap {
    gateScripts[site] ??= gateScriptConfigMap(`${cluster.name}-${site}-rolling-gate`, cluster.topology.environment, so.namespace, {
        parent: cluster.parent,
        provider: host.provider,
    });
    return gateScripts[site];
}

/**
 * The roller Jobs (roller.ts) of every Kubernetes site with nodes, after every node and gate of the chain:
 * they restart the pods (StatefulSets `OnDelete`) in update order, one at a time.
 */
function createSiteRollers(
    cluster: ClusterContext,
    hosts: Readonly<Record<string, KubernetesHost>>,
    sites: Record<string, SiteObjects>,
    gateScripts: Record<string, k8s.core.v1.ConfigMap>,
    step: RollStep,
): Readonly<Record<string, pulumi.Resource>> {
    const t = cluster.topology;
    const rollerHosts: Record<string, SiteRollerHost> = {};
    for (const [site, so] of Object.entries(sites)) {
        const host = hosts[site];
        rollerHosts[site] = { provider: host.provider, namespace: so.namespace, scriptConfigMap: scriptConfigMap(cluster, host, so, site, gateScripts).metadata.name };
    }
    const hashes: Record<string, pulumi.Input<string>> = {};
    for (const n of t.nodes.filter((x) => x.platform !== "vm")) {
        const placed = step.placed[n.name];
        if (placed?.restartHash === undefined) throw new Error(`node ${n.name}: placed without a pod template hash`);
        hashes[n.name] = placed.restartHash;
    }
    return createRollers(cluster.name, { topology: t, sites: rollerHosts, podTemplateHashes: hashes, dependsOn: step.chain, parent: cluster.parent }).jobs;
}

/** The client ConfigMap of every site with a host; the site objects where Axon nodes run. */
function createSites(cluster: ClusterContext, args: KubernetesPlacerArgs): Record<string, SiteObjects> {
    const t = cluster.topology;
    const siteObjects: Record<string, SiteObjects> = {};
    for (const site of t.sites) {
        const host = args.hosts[site.name];
        if (!host) continue;
        const where = { clusterName: cluster.name, parent: cluster.parent, topology: t, site, host };
        createClientConfig(where);
        if (!t.nodes.some((n) => n.site === site.name && n.platform !== "vm")) continue;
        siteObjects[site.name] = createSiteObjects(where, cluster.secrets, args.serviceAccountAnnotations?.[site.name]);
    }
    return siteObjects;
}

/** One `AxonServerNode`, named `<cluster>-<node>`, on its site's provider. */
function placeNode(cluster: ClusterContext, args: KubernetesPlacerArgs, sites: Record<string, SiteObjects>, node: AxonNode, step: PlacementStep): PlacedNode {
    const t = cluster.topology;
    const host = args.hosts[node.site];
    const so = sites[node.site];
    const n = new AxonServerNode(
        `${cluster.name}-${node.name}`,
        {
            topology: t,
            node,
            host,
            namespace: so.namespace,
            serviceAccountName: so.serviceAccountName,
            tokensSecretName: so.tokensSecretName,
            licenseSecretName: so.licenseSecretName,
            tls: step.tls,
            dependsOn: [...step.dependsOn],
            requireSeparateWorkers: requireSeparateWorkers(t, t.sites.find((s) => s.name === node.site)!),
            backup: args.backupSidecars?.[node.name],
        },
        { parent: cluster.parent, providers: [host.provider] },
    );
    return {
        node,
        component: n,
        // The next step waits for the pod and for the address peers use to reach it.
        ready: [n.statefulSet, ...n.internalLoadBalancers],
        restartHash: n.podTemplateHash,
        endpoint: n.endpoint,
        dnsTarget: dnsTargetOf(n),
    };
}

/**
 * The node's private DNS target: on GKE the reserved address both of its load balancers use (known before
 * they are); on EKS the NLB's host name; none without an internal load balancer (an existing cluster).
 */
function dnsTargetOf(n: AxonServerNode): pulumi.Output<NodeDnsTarget> | undefined {
    if (!n.internalLoadBalancer) return undefined;
    if (n.loadBalancerAddress) return n.loadBalancerAddress.apply((ip): NodeDnsTarget => ({ ip }));
    return n.endpoint.apply((e): NodeDnsTarget => ({ ...e.loadBalancer }));
}

/**
 * The gate Job between `after` and `before` on the site `gateSite` picks (`after`'s if it is on
 * Kubernetes, else `before`'s, else one that reaches both VMs), with the site's script ConfigMap (one per
 * site, made on first use).
 */
function createGate(
    cluster: ClusterContext,
    hosts: Readonly<Record<string, KubernetesHost>>,
    sites: Record<string, SiteObjects>,
    gateScripts: Record<string, k8s.core.v1.ConfigMap>,
    step: GateStep,
): pulumi.Resource | undefined {
    const t: Topology = cluster.topology;
    const { after, before } = step;
    const at = gateSite(after.node, before, t);
    const host = at === undefined ? undefined : hosts[at];
    const so = at === undefined ? undefined : sites[at];
    if (at === undefined || !host || !so) return undefined;
    scriptConfigMap(cluster, host, so, at, gateScripts);
    return rollingGateJob(`${cluster.name}-gate-${before.name}`, {
        topology: t,
        after: after.node,
        before,
        site: at,
        namespace: so.namespace,
        scriptConfigMap: gateScripts[at].metadata.name,
        afterHash: after.restartHash ?? nodeFingerprint(t, after.node),
        dependsOn: [...after.ready],
        provider: host.provider,
        parent: cluster.parent,
    });
}
