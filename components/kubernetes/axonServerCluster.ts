/**
 * The Axon Server cluster of one environment on its Kubernetes sites (and, through `vmNodeFactory`,
 * its VM nodes): secrets, TLS, per-site objects, and one `AxonServerNode` per node, chained so that
 * `pulumi up` changes one node at a time.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderRegionClientConfigs } from "../axonserver/render/clientConfig";
import { KubernetesHost } from "../platform/host";
import { AxonNode, PORTS, Site, Topology } from "../topology/model";
import { nodeAddress } from "../topology/naming";
import { serverSitesOfClient, sitePortRules } from "../topology/connectivity";
import { creationOrder } from "../topology/rolling";
import { siteDisruptionBudgets } from "../topology/analysis";
import { AxonServerNode, NodeBackupSidecar, NodeEndpoint } from "./axonServerNode";
import { NODE_LABEL, recommendedLabels, sitePodSelector, siteLabels } from "../platform/labels";
import { GATE_COMPONENT, gateScriptConfigMap, gateSite, nodeFingerprint, rollingGateJob } from "./rollingGate";
import { LICENSE_KEY, TOKEN_KEYS } from "./podSpec";
import { ClusterSecretsInput, resolveClusterSecrets } from "./secrets";
import { AxonServerTls } from "./tls";
import type { VmNodeBackup, VmNodeFactory } from "../axonserver/vmNode";

export type { ClusterSecretsInput } from "./secrets";
export type { NodeBackupSidecar } from "./axonServerNode";

export interface AxonServerClusterArgs {
    topology: Topology;
    /** Kubernetes host per site name; every node on a site that is not `vm` needs one. */
    kubernetesHosts: Readonly<Record<string, KubernetesHost>>;
    /** Configured secrets; missing tokens are generated. */
    secrets: ClusterSecretsInput;
    /** Required when the topology has VM nodes. */
    vmNodeFactory?: VmNodeFactory;
    /** Backup agent sidecar per Kubernetes node name (only the designated nodes). Default: none. */
    backupSidecars?: Readonly<Record<string, NodeBackupSidecar>>;
    /** Backup agent per VM node name (only the designated nodes). Default: none. */
    vmBackups?: Readonly<Record<string, VmNodeBackup>>;
    /**
     * Annotations of the site's ServiceAccount per site name, e.g. the bucket identity of the backup
     * sidecar (`eks.amazonaws.com/role-arn`, `iam.gke.io/gcp-service-account`). Default: none.
     */
    serviceAccountAnnotations?: Readonly<Record<string, Readonly<Record<string, pulumi.Input<string>>>>>;
}

/** Names of the site-level objects (same in every site: each site is its own cluster). */
export const SITE_OBJECT_NAMES = {
    serviceAccount: "axonserver",
    tokens: "axonserver-tokens",
    license: "axonserver-license",
    disruptionBudget: "axonserver",
    networkPolicy: "axonserver",
    clientConfig: "axonserver-client",
} as const;

interface SiteObjects {
    namespace: pulumi.Output<string>;
    serviceAccountName: pulumi.Output<string>;
    tokensSecretName: pulumi.Output<string>;
    licenseSecretName?: pulumi.Output<string>;
}

/** The Axon Server cluster. Type `axonserver:index:AxonServerCluster`. */
export class AxonServerCluster extends pulumi.ComponentResource {
    /** System token with administrative rights (secret). */
    readonly adminToken: pulumi.Output<string>;
    /** Token nodes use to authenticate each other (secret). */
    readonly internalToken: pulumi.Output<string>;
    /** PEM CA certificate; undefined without TLS. */
    readonly caCertificate: pulumi.Output<string | undefined>;
    /** Kubernetes nodes by node name. */
    readonly nodes: Readonly<Record<string, AxonServerNode>>;
    /** Every node's addresses (VM nodes included). */
    readonly nodeEndpoints: pulumi.Output<Record<string, NodeEndpoint>>;
    /** Node names in chain order (creation order = update order, see components/topology/rolling.ts). */
    readonly rollingOrder: string[];
    /** The gate Jobs, keyed `<after>-><before>` (none between two VM nodes). */
    readonly gates: Readonly<Record<string, k8s.batch.v1.Job>>;

    constructor(name: string, args: AxonServerClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:index:AxonServerCluster", name, {}, opts);
        const t = args.topology;
        const hosts = args.kubernetesHosts;

        // Fail before creating anything.
        const vmNodes = t.nodes.filter((n) => n.platform === "vm");
        if (vmNodes.length > 0 && !args.vmNodeFactory) {
            throw new Error(`nodes ${vmNodes.map((n) => n.name).join(", ")} run on VMs but no vmNodeFactory was given`);
        }
        for (const n of t.nodes) {
            if (n.platform !== "vm" && !hosts[n.site]) throw new Error(`node ${n.name}: site ${n.site} (${n.platform}) has no Kubernetes host`);
        }
        if (t.axonServer.licensed && args.secrets.license === undefined) {
            throw new Error("axonServer.licensed is set but no license secret was given");
        }

        const secrets = resolveClusterSecrets(name, args.secrets, this);
        this.adminToken = secrets.adminToken;
        this.internalToken = secrets.internalToken;

        const tls = t.axonServer.tls ? new AxonServerTls(`${name}-tls`, { topology: t }, { parent: this }) : undefined;
        this.caCertificate = tls ? tls.caCertPem : pulumi.output<string | undefined>(undefined);

        const siteObjects: Record<string, SiteObjects> = {};
        for (const site of t.sites) {
            const host = hosts[site.name];
            if (!host) continue;
            this.createClientConfig(name, t, site, host);
            const siteNodes = t.nodes.filter((n) => n.site === site.name && n.platform !== "vm");
            if (siteNodes.length === 0) continue;
            siteObjects[site.name] = this.createSiteObjects(name, t, site, host, secrets, args.serviceAccountAnnotations?.[site.name]);
        }

        // The chain (components/topology/rolling.ts): the template's `first`, the other PRIMARY nodes,
        // ACTIVE_BACKUP, then the rest. Every node dependsOn the gate Job after the previous node, which
        // dependsOn that node: pulumi-kubernetes waits for a StatefulSet to be ready and for a Job to
        // complete before dependents start (pulumi-kubernetes provider/pkg/await/job.go), and dependsOn edges
        // apply to creation and updates alike. So a new cluster starts in creation order, and a change
        // rolls one node at a time, each step released by Axon's own view (rollingGate.ts).
        const order = creationOrder(t);
        this.rollingOrder = order.map((n) => n.name);
        const nodes: Record<string, AxonServerNode> = {};
        const endpoints: Record<string, pulumi.Output<NodeEndpoint>> = {};
        const gates: Record<string, k8s.batch.v1.Job> = {};
        const gateScripts: Record<string, k8s.core.v1.ConfigMap> = {};
        let previous: { node: AxonNode; resources: pulumi.Resource[]; hash: pulumi.Input<string> } | undefined;
        for (const node of order) {
            let dependsOn: pulumi.Resource[] = previous ? [...previous.resources] : [];
            const gateAt = previous ? gateSite(previous.node, node) : undefined;
            if (previous && gateAt) {
                const host = hosts[gateAt];
                const so = siteObjects[gateAt];
                gateScripts[gateAt] ??= gateScriptConfigMap(`${name}-${gateAt}-rolling-gate`, t.environment, so.namespace, { parent: this, provider: host.provider });
                const gate = rollingGateJob(`${name}-gate-${node.name}`, {
                    topology: t,
                    after: previous.node,
                    before: node,
                    site: gateAt,
                    namespace: so.namespace,
                    scriptConfigMap: gateScripts[gateAt].metadata.name,
                    afterHash: previous.hash,
                    dependsOn: previous.resources,
                    provider: host.provider,
                    parent: this,
                });
                gates[`${previous.node.name}->${node.name}`] = gate;
                dependsOn = [gate];
            }
            const cert = tls?.nodes[node.name];
            if (node.platform === "vm") {
                const vm = args.vmNodeFactory!({
                    node,
                    dependsOn,
                    adminToken: secrets.adminToken,
                    internalToken: secrets.internalToken,
                    license: secrets.license,
                    tls: tls && cert ? { caCertPem: tls.caCertPem, certPem: cert.certPem, privateKeyPem: cert.privateKeyPem } : undefined,
                    parent: this,
                    backup: args.vmBackups?.[node.name],
                });
                previous = { node, resources: [vm], hash: nodeFingerprint(t, node) };
                const addr = nodeAddress(t, node);
                endpoints[node.name] = pulumi.output<NodeEndpoint>({
                    site: node.site,
                    fqdn: addr.fqdn,
                    grpc: `${addr.fqdn}:${PORTS.grpc}`,
                    http: `${addr.fqdn}:${PORTS.http}`,
                    internalGrpc: `${addr.fqdn}:${PORTS.internalGrpc}`,
                });
                continue;
            }
            const host = hosts[node.site];
            const so = siteObjects[node.site];
            const n = new AxonServerNode(
                `${name}-${node.name}`,
                {
                    topology: t,
                    node,
                    host,
                    namespace: so.namespace,
                    serviceAccountName: so.serviceAccountName,
                    tokensSecretName: so.tokensSecretName,
                    licenseSecretName: so.licenseSecretName,
                    tls: tls && cert ? { caCertPem: tls.caCertPem, certPem: cert.certPem, privateKeyPem: cert.privateKeyPem } : undefined,
                    dependsOn,
                    requireSeparateWorkers: requireSeparateWorkers(t, t.sites.find((s) => s.name === node.site)!),
                    backup: args.backupSidecars?.[node.name],
                },
                { parent: this, providers: [host.provider] },
            );
            nodes[node.name] = n;
            endpoints[node.name] = n.endpoint;
            // The next step waits for the pod and for the address peers use to reach it.
            previous = { node, resources: [n.statefulSet, ...n.internalLoadBalancers], hash: n.podTemplateHash };
        }
        this.gates = gates;
        this.nodes = nodes;
        // Keys in topology order for a stable output.
        this.nodeEndpoints = pulumi.all(Object.fromEntries(t.nodes.map((n) => [n.name, endpoints[n.name]]))) as pulumi.Output<Record<string, NodeEndpoint>>;

        this.registerOutputs({
            adminToken: this.adminToken,
            caCertificate: this.caCertificate,
            nodeEndpoints: this.nodeEndpoints,
            rollingOrder: this.rollingOrder,
            gates: Object.keys(this.gates),
        });
    }

    /** Namespace, ServiceAccount, token and license Secrets, PodDisruptionBudget and NetworkPolicy of a site. */
    private createSiteObjects(
        name: string,
        t: Topology,
        site: Site,
        host: KubernetesHost,
        secrets: ReturnType<typeof resolveClusterSecrets>,
        serviceAccountAnnotations?: Readonly<Record<string, pulumi.Input<string>>>,
    ): SiteObjects {
        const env = t.environment;
        const prefix = `${name}-${site.name}`;
        const opts = { parent: this, provider: host.provider };

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
                        ...(b.reason ? { annotations: { "axonserver-multiregion/why-zero": b.reason } } : {}),
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
    private createClientConfig(name: string, t: Topology, site: Site, host: KubernetesHost): void {
        const regional = renderRegionClientConfigs(t)[site.region];
        if (!regional) return;
        const def = regional.contexts[regional.defaultContext];
        new k8s.core.v1.ConfigMap(
            `${name}-${site.name}-client-config`,
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
            { parent: this, provider: host.provider },
        );
    }
}

type NetworkPolicyIngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;

const METADATA_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * Ingress of a site's Axon pods (from `sitePortRules`):
 * - 8224 from the site's own Axon pods and the CIDRs of sites sharing a replication group;
 * - 8124 from client CIDRs and from pods in client namespaces of this cluster (clients in this site's
 *   region); load balancers keep the client's source address (`externalTrafficPolicy: Local`);
 * - 8024 from the admin CIDRs.
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
    const gatePods: NetworkPolicyPeer = { podSelector: { matchLabels: { ...pick(recommendedLabels(t.environment, GATE_COMPONENT), ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"]) } } };
    ingress.push({ ports: port(PORTS.http), from: [...ipBlocks(cidrsOf(PORTS.http)), gatePods] });
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
