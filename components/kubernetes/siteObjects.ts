/**
 * The site-level Kubernetes objects of the Axon Server cluster, one set per Kubernetes site (each site is
 * its own cluster): the namespace, ServiceAccount, token and license Secrets, role-aware
 * PodDisruptionBudgets, the NetworkPolicy of the Axon ports, and the applications' client ConfigMap.
 * Created by the Kubernetes placer (kubernetesPlacer.ts) under the cluster component.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderRegionClientConfigs } from "../axonserver/render/clientConfig";
import type { ClusterSecrets } from "../axonserver/secrets";
import { KubernetesHost } from "../platform/host";
import { NODE_LABEL, recommendedLabels, sitePodSelector, siteLabels } from "../platform/labels";
import { serverSitesOfClient, sitePortRules } from "../topology/connectivity";
import { ANNOTATION_KEYS, KUBERNETES_KEYS } from "../topology/identity";
import { siteDisruptionBudgets } from "../topology/analysis";
import { HEALTH_RELAY_PORT, PORTS, Site, Topology } from "../topology/model";
import { GATE_COMPONENT } from "./rollingGate";
import { LICENSE_KEY, TOKEN_KEYS } from "./podSpec";

/** Names of the site-level objects (same in every site: each site is its own cluster). */
export const SITE_OBJECT_NAMES = {
    serviceAccount: "axonserver",
    tokens: "axonserver-tokens",
    license: "axonserver-license",
    disruptionBudget: "axonserver",
    networkPolicy: "axonserver",
    clientConfig: "axonserver-client",
} as const;

/** What the site's nodes refer to. */
export interface SiteObjects {
    readonly namespace: pulumi.Output<string>;
    readonly serviceAccountName: pulumi.Output<string>;
    readonly tokensSecretName: pulumi.Output<string>;
    readonly licenseSecretName?: pulumi.Output<string>;
}

/** Where site objects are created: under the cluster component, named after it. */
export interface SiteObjectsArgs {
    /** The cluster component's name: object names are `<cluster>-<site>-...`. */
    readonly clusterName: string;
    /** Parent of the objects (the cluster component). */
    readonly parent: pulumi.Resource;
    /** The validated topology. */
    readonly topology: Topology;
    /** The site the objects are for. */
    readonly site: Site;
    /** The site's host; every object uses its provider. */
    readonly host: KubernetesHost;
}

/** Namespace, ServiceAccount, token and license Secrets, PodDisruptionBudget and NetworkPolicy of a site. */
export function createSiteObjects(
    a: SiteObjectsArgs,
    secrets: ClusterSecrets,
    serviceAccountAnnotations?: Readonly<Record<string, pulumi.Input<string>>>,
): SiteObjects {
    const { topology: t, site, host } = a;
    const env = t.environment;
    const prefix = `${a.clusterName}-${site.name}`;
    const opts = { parent: a.parent, provider: host.provider };

    // retainOnDelete: `pulumi destroy` (or removing a site) must not delete the namespace, because
    // Kubernetes would then delete the PVCs in it and release the event store volumes. The PVCs are
    // not Pulumi resources (the StatefulSet controller creates them), so keeping the namespace is
    // what keeps them bound and re-adoptable by a later deployment. Delete it by hand when the
    // data is truly no longer needed.
    const namespace = new k8s.core.v1.Namespace(
        `${prefix}-namespace`,
        { metadata: { name: t.kubernetes.namespace, labels: siteLabels(env, site.name, "namespace") } },
        { ...opts, retainOnDelete: true },
    );
    const ns = namespace.metadata.name;

    const serviceAccount = new k8s.core.v1.ServiceAccount(
        `${prefix}-sa`,
        {
            metadata: {
                name: SITE_OBJECT_NAMES.serviceAccount,
                namespace: ns,
                labels: siteLabels(env, site.name, "server"),
                ...(serviceAccountAnnotations ? { annotations: { ...serviceAccountAnnotations } } : {}),
            },
            // Axon Server never talks to the Kubernetes API.
            automountServiceAccountToken: false,
        },
        opts,
    );

    const tokens = new k8s.core.v1.Secret(
        `${prefix}-tokens`,
        {
            metadata: { name: SITE_OBJECT_NAMES.tokens, namespace: ns, labels: siteLabels(env, site.name, "secrets") },
            type: "Opaque",
            stringData: {
                // Mounted as the file `accesscontrol.systemtokenfile` names.
                [TOKEN_KEYS.systemToken]: secrets.adminToken,
                // Read through a secretKeyRef env var.
                [TOKEN_KEYS.internalToken]: secrets.internalToken,
            },
        },
        opts,
    );

    const license = secrets.license
        ? new k8s.core.v1.Secret(
              `${prefix}-license`,
              {
                  metadata: { name: SITE_OBJECT_NAMES.license, namespace: ns, labels: siteLabels(env, site.name, "secrets") },
                  type: "Opaque",
                  stringData: { [LICENSE_KEY]: secrets.license },
              },
              opts,
          )
        : undefined;

    // Role-aware budgets (components/topology/analysis.ts `siteDisruptionBudgets`): one per class of
    // pods (PRIMARY somewhere, ACTIVE_BACKUP somewhere, never voting), each pod in exactly one, so a
    // drain never takes two voters of the site at once, and none where one loss stops a group's writes.
    for (const b of siteDisruptionBudgets(t).filter((x) => x.site === site.name)) {
        new k8s.policy.v1.PodDisruptionBudget(
            `${prefix}-pdb-${b.class}`,
            {
                metadata: {
                    name: `${SITE_OBJECT_NAMES.disruptionBudget}-${b.class}`,
                    namespace: ns,
                    labels: siteLabels(env, site.name, "disruption-budget"),
                    ...(b.reason ? { annotations: { [ANNOTATION_KEYS.whyZero]: b.reason } } : {}),
                },
                spec: {
                    maxUnavailable: b.maxUnavailable,
                    selector: {
                        matchLabels: sitePodSelector(env, site.name),
                        matchExpressions: [{ key: NODE_LABEL, operator: "In", values: b.nodes }],
                    },
                },
            },
            opts,
        );
    }

    new k8s.networking.v1.NetworkPolicy(
        `${prefix}-netpol`,
        {
            metadata: { name: SITE_OBJECT_NAMES.networkPolicy, namespace: ns, labels: siteLabels(env, site.name, "network") },
            spec: {
                podSelector: { matchLabels: sitePodSelector(env, site.name) },
                policyTypes: ["Ingress"],
                ingress: networkPolicyIngress(t, site),
            },
        },
        opts,
    );

    return {
        namespace: ns,
        serviceAccountName: serviceAccount.metadata.name,
        tokensSecretName: tokens.metadata.name,
        licenseSecretName: license?.metadata.name,
    };
}

/**
 * The `axonserver-client` ConfigMap in the applications' namespace: the client settings of the
 * site's region (properties, env keys for `envFrom`, JSON of every context). Never the token.
 * The app namespace is not created here: it belongs to the applications.
 */
export function createClientConfig(a: SiteObjectsArgs): void {
    const { topology: t, site, host } = a;
    const regional = renderRegionClientConfigs(t)[site.region];
    if (!regional) return;
    const def = regional.contexts[regional.defaultContext];
    new k8s.core.v1.ConfigMap(
        `${a.clusterName}-${site.name}-client-config`,
        {
            metadata: {
                name: SITE_OBJECT_NAMES.clientConfig,
                namespace: t.kubernetes.appNamespace,
                labels: siteLabels(t.environment, site.name, "client-config"),
            },
            data: {
                ...def.env,
                "axonserver-client.properties": def.properties,
                "axonserver-client.json": JSON.stringify(regional, null, 2),
            },
        },
        { parent: a.parent, provider: host.provider },
    );
}

type NetworkPolicyIngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;

const METADATA_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * Ingress of a site's Axon pods (from `sitePortRules`):
 * - 8224 from the site's own Axon pods and the CIDRs of sites sharing a replication group;
 * - 8124 from client CIDRs and from pods in client namespaces of this cluster (clients in this site's
 *   region); load balancers keep the client's source address (`externalTrafficPolicy: Local`);
 * - 8024 from the admin CIDRs and the site's own gate and roller pods;
 * - the health relay's 8025 (where it runs) from the other Kubernetes sites whose gate and roller Jobs
 *   ask this site's nodes and are routed to it (connectivity.ts `healthRelaySourceSites`).
 * A port without sources gets no rule, so it stays closed.
 */
export function networkPolicyIngress(t: Topology, site: Site): NetworkPolicyIngressRule[] {
    const rules = sitePortRules(t, site);
    const cidrsOf = (port: number) => rules.find((r) => r.port === port)?.cidrs ?? [];
    const ipBlocks = (cidrs: readonly string[]): NetworkPolicyPeer[] => cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    const port = (p: number) => [{ port: p, protocol: "TCP" }];

    const ingress: NetworkPolicyIngressRule[] = [
        { ports: port(PORTS.internalGrpc), from: [{ podSelector: { matchLabels: sitePodSelector(t.environment, site.name) } }, ...ipBlocks(cidrsOf(PORTS.internalGrpc))] },
    ];

    const clientCidrs = new Set(cidrsOf(PORTS.grpc));
    const namespaces = clientNamespaces(t, site);
    const grpcFrom: NetworkPolicyPeer[] = [
        ...ipBlocks([...clientCidrs].sort()),
        ...namespaces.map((ns) => ({ namespaceSelector: { matchLabels: { [METADATA_NAME_LABEL]: ns } } })),
    ];
    if (grpcFrom.length > 0) ingress.push({ ports: port(PORTS.grpc), from: grpcFrom });

    // 8024: the admin ranges, and the rolling gate's pods in this namespace (rollingGate.ts).
    const gatePods: NetworkPolicyPeer = { podSelector: { matchLabels: { ...pick(recommendedLabels(t.environment, GATE_COMPONENT), [KUBERNETES_KEYS.name, KUBERNETES_KEYS.instance, KUBERNETES_KEYS.component]) } } };
    ingress.push({ ports: port(PORTS.http), from: [...ipBlocks(cidrsOf(PORTS.http)), gatePods] });
    // The health relay (sidecar port): the other Kubernetes sites' Jobs, through the node's internal load
    // balancer (GKE keeps their source address; EKS's NLB does not: its subnets are admitted per node).
    const relay = cidrsOf(HEALTH_RELAY_PORT);
    if (relay.length > 0) ingress.push({ ports: port(HEALTH_RELAY_PORT), from: ipBlocks(relay) });
    return ingress;
}

const pick = (r: Record<string, string>, keys: string[]): Record<string, string> => Object.fromEntries(keys.map((k) => [k, r[k]]));

/** Namespaces of client applications running in this site's cluster that connect to its nodes. */
function clientNamespaces(t: Topology, site: Site): string[] {
    const out = new Set<string>();
    for (const c of t.clients) {
        if (c.region !== site.region) continue;
        if (!serverSitesOfClient(t, c).some((s) => s.name === site.name)) continue;
        for (const ns of c.namespaces) out.add(ns);
    }
    return [...out].sort();
}

/**
 * Hard anti-affinity only where the site was sized for it: a cluster this program creates (EKS/GKE)
 * whose workers per zone are at least the Axon nodes in any one zone. Existing clusters (kind has a
 * single worker) get the preferred form, else pods would stay Pending and `pulumi up` would time out.
 */
export function requireSeparateWorkers(t: Topology, site: Site): boolean {
    if (site.platform === "kubernetes" || site.platform === "vm") return false;
    const perZone = new Map<string, number>();
    for (const n of t.nodes) if (n.site === site.name) perZone.set(n.zone ?? "", (perZone.get(n.zone ?? "") ?? 0) + 1);
    return Math.max(0, ...perZone.values()) <= site.cluster.nodesPerZone;
}
