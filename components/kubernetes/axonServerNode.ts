/**
 * One Axon Server node on Kubernetes: a singleton StatefulSet (replicas: 1, never scaled) with its
 * config, its Services and, when TLS is on, its certificate Secret.
 *
 * One StatefulSet per node, not one scaled set: each node has its own identity, roles and data, and a
 * scaled set can only stop its highest ordinals.
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderAxonServerProperties } from "../axonserver/render/properties";
import { renderClusterTemplate } from "../axonserver/render/clusterTemplate";
import { ALLOW_INITIALISE_ANNOTATION, startupGuardFor } from "../axonserver/render/startupGuard";
import { CONTAINER_PATHS } from "../axonserver/render/paths";
import { FILES } from "../axonserver/render/paths";
import type { NodeEndpoint, NodeTlsMaterial } from "../axonserver/placement";
import { backupScriptConfigMapData, backupSidecarVolumes } from "./backupSidecar";
import { KubernetesHost } from "../platform/host";
import { AxonNode, PORTS, Topology } from "../topology/model";
import { nodeAddress } from "../topology/naming";
import { sitePortRules } from "../topology/connectivity";
import { nodeLabels, nodePodLabels, nodePodSelector, sitePodSelector } from "../platform/labels";
import {
    axonAffinity,
    axonEnv,
    axonProbes,
    controlDbBackupDirInitContainer,
    containerPorts,
    containerResources,
    containerSecurityContext,
    podSecurityContext,
    podVolumes,
    POD_ANNOTATIONS_FILE,
    PORT_NAMES,
    startupGuardInitContainer,
    volumeClaimTemplates,
    volumeMounts,
} from "./podSpec";

export interface AxonServerNodeArgs {
    topology: Topology;
    node: AxonNode;
    /** The node's site host; every object uses its provider (pass it as `providers` in the options too). */
    host: KubernetesHost;
    /** Namespace of the Axon Server objects (an Output of the site's Namespace, for the dependency). */
    namespace: pulumi.Input<string>;
    serviceAccountName: pulumi.Input<string>;
    /** Site Secret with `system.token` and `internal.token`. */
    tokensSecretName: pulumi.Input<string>;
    /** Site Secret with `axoniq.license`; absent = unlicensed. */
    licenseSecretName?: pulumi.Input<string>;
    /** Required when `topology.axonServer.tls`. */
    tls?: NodeTlsMaterial;
    /**
     * Resources the StatefulSet waits for besides `host.readyResources`: the gate after the previous
     * node of the creation chain, so `pulumi up` creates one node at a time (restarts are the rollers').
     */
    dependsOn?: pulumi.Resource[];
    /** Hard pod anti-affinity between the site's Axon pods (else preferred). Default false. */
    requireSeparateWorkers?: boolean;
    /** The backup agent sidecar, only on the nodes that run one. Default: none. */
    backup?: NodeBackupSidecar;
    /**
     * Extra annotations of the internal load balancer Service (a platform's own keys, e.g. health-check
     * settings), merged over `INTERNAL_LB_ANNOTATIONS`. Default: none.
     */
    loadBalancerAnnotations?: Readonly<Record<string, pulumi.Input<string>>>;
}

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;

/** The backup agent of a node the backup plan designates (components/backup/plan.ts). */
export interface NodeBackupSidecar {
    /** `backupSidecarContainer(...)`, built on this pod's volume names (podSpec.ts `VOLUMES`). */
    container: Container;
    /** Pod volumes besides the script ConfigMap and `/tmp` (e.g. `webIdentityTokenVolume()`). */
    extraVolumes?: Volume[];
}

/**
 * Annotations of the per-node internal load balancer.
 * - AWS: the Service controller built into EKS (the AWS cloud provider, no extra controller to
 *   install): `aws-load-balancer-type: nlb` makes a Network Load Balancer with instance targets and
 *   `aws-load-balancer-internal: "true"` keeps it internal (kubernetes/kubernetes#114111 shows the pair;
 *   the AWS Load Balancer Controller docs list the same keys as derived from the in-tree controller).
 *   With `externalTrafficPolicy: Local` instance targets preserve the client's source address, so the
 *   NetworkPolicy and `loadBalancerSourceRanges` see the real peer/client ranges.
 * - GKE (cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters):
 *   `networking.gke.io/load-balancer-type: "Internal"` makes an internal passthrough NLB; global access
 *   lets peers in other regions (over peering/VPN) reach it (an internal LB is regional otherwise).
 */
export const INTERNAL_LB_ANNOTATIONS: Readonly<Record<"aws-nlb" | "gcp-internal", Readonly<Record<string, string>>>> = {
    "aws-nlb": {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    },
    "gcp-internal": {
        "networking.gke.io/load-balancer-type": "Internal",
        "networking.gke.io/internal-load-balancer-allow-global-access": "true",
    },
};

/** Pod-template annotation carrying the hash of the node's properties: a change restarts the pod. */
export const PROPERTIES_HASH_ANNOTATION = "axonserver-multiregion/properties-sha256";

/** A single Axon Server node. Type `axonserver:index:AxonServerNode`. */
export class AxonServerNode extends pulumi.ComponentResource {
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    readonly configMap: k8s.core.v1.ConfigMap;
    /** Governing headless Service, named as the node: `<node>.<namespace>.svc.cluster.local`. */
    readonly headlessService: k8s.core.v1.Service;
    /** Client gRPC (8124) ClusterIP Service. */
    readonly grpcService: k8s.core.v1.Service;
    /** HTTP (8024) ClusterIP Service. */
    readonly httpService: k8s.core.v1.Service;
    /**
     * Per-node internal load balancer on every cloud host (`host.internalLoadBalancer` not `none`): the
     * node's private DNS name points at it, so it needs a stable routable address even when today no
     * other site reaches it. AWS: 8124 + 8224 in one Service; GKE: 8124 only (clients' ranges).
     */
    readonly internalLoadBalancer?: k8s.core.v1.Service;
    /** GKE only: the node's 8224 internal load balancer (peers' ranges), on the same address as 8124. */
    readonly internalPeerLoadBalancer?: k8s.core.v1.Service;
    /** Every internal load balancer Service of the node (none, one, or two on GKE). */
    readonly internalLoadBalancers: readonly k8s.core.v1.Service[];
    /** GKE only: the reserved internal address both load balancers use; the DNS record points at it. */
    readonly loadBalancerAddress?: pulumi.Output<string>;
    readonly tlsSecret?: k8s.core.v1.Secret;
    /** The backup agent script, when the node runs the backup sidecar. */
    readonly backupConfigMap?: k8s.core.v1.ConfigMap;
    readonly endpoint: pulumi.Output<NodeEndpoint>;
    /** SHA-256 of the StatefulSet's pod template: changes exactly when `pulumi up` restarts the pod. */
    readonly podTemplateHash: pulumi.Output<string>;

    constructor(name: string, args: AxonServerNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:index:AxonServerNode", name, {}, opts);
        const { topology: t, node, host } = args;
        const env = t.environment;
        const addr = nodeAddress(t, node);
        const ns = args.namespace;
        const child = { parent: this };
        const selector = nodePodSelector(env, node.site, node.name);
        const meta = (objName: string, component: Parameters<typeof nodeLabels>[3] = "server") => ({
            name: objName,
            namespace: ns,
            labels: nodeLabels(env, node.site, node.name, component),
        });

        if (t.axonServer.tls && !args.tls) throw new Error(`node ${node.name}: TLS is on but no certificate was given`);

        // Config: never a secret here (the renderers write none; the tests check the ConfigMap inputs).
        const properties = renderAxonServerProperties(t, node);
        this.configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: meta(`${node.name}-config`, "config"),
                data: { [FILES.properties]: properties, [FILES.clusterTemplate]: renderClusterTemplate(t) },
            },
            child,
        );

        if (args.tls) {
            this.tlsSecret = new k8s.core.v1.Secret(
                `${name}-tls`,
                {
                    metadata: meta(`${node.name}-tls`, "tls"),
                    type: "kubernetes.io/tls",
                    stringData: {
                        [FILES.tlsCert]: pulumi.secret(args.tls.certPem),
                        [FILES.tlsKey]: pulumi.secret(args.tls.privateKeyPem),
                        [FILES.tlsCa]: pulumi.output(args.tls.caCertPem),
                    },
                },
                child,
            );
        }

        if (args.backup) {
            // Not hashed into the pod annotations: a new script reaches the sidecar through the
            // ConfigMap volume update, without restarting Axon Server.
            this.backupConfigMap = new k8s.core.v1.ConfigMap(
                `${name}-backup-agent`,
                { metadata: meta(`${node.name}-backup-agent`, "config"), data: backupScriptConfigMapData() },
                child,
            );
        }

        const servicePort = (port: number, portName: string) => ({ name: portName, port, targetPort: portName, protocol: "TCP" });

        // Governing Service of the StatefulSet. publishNotReadyAddresses: peers must resolve a node that
        // is starting (or not ready), otherwise Kubernetes, not Axon Server, decides who is reachable.
        this.headlessService = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: meta(node.name),
                spec: {
                    clusterIP: "None",
                    publishNotReadyAddresses: true,
                    selector,
                    ports: [servicePort(PORTS.grpc, PORT_NAMES.grpc), servicePort(PORTS.internalGrpc, PORT_NAMES.internalGrpc)],
                },
            },
            child,
        );
        const licensed = args.licenseSecretName !== undefined;
        const probes = axonProbes(t.axonServer.startupBudgetSeconds);
        const podLabels = nodePodLabels(env, node.site, node.name);
        // pulumi-kubernetes waits 10 minutes for a StatefulSet by default: longer than
        // that would fail `pulumi up` while the startup probe still allows the node to start.
        const awaitSeconds = Math.max(600, t.axonServer.startupBudgetSeconds + 600);

        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-sts`,
            {
                metadata: { ...meta(node.name), annotations: { "pulumi.com/timeoutSeconds": String(awaitSeconds) } },
                spec: {
                    replicas: 1, // singleton: never scale; add a node to the topology instead
                    // A changed pod template restarts nothing by itself ("Users must manually delete Pods",
                    // kubernetes.io/docs/concepts/workloads/controllers/statefulset/#update-strategies), and
                    // pulumi-kubernetes counts the update done once the replica is ready
                    // (provider/pkg/await/statefulset.go, OnDelete with generation > 1). The roller Jobs restart
                    // the pods afterwards in update order, least critical first (components/kubernetes/roller.ts).
                    // A new StatefulSet (generation 1) is still awaited until its pod is ready.
                    updateStrategy: { type: "OnDelete" },
                    serviceName: this.headlessService.metadata.name,
                    selector: { matchLabels: selector },
                    // Deleting or replacing the StatefulSet keeps the PVCs; they are re-adopted by name.
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                    volumeClaimTemplates: volumeClaimTemplates({
                        node,
                        storageClassNames: host.storageClassNames,
                        labels: nodeLabels(env, node.site, node.name, "server"),
                    }),
                    template: {
                        metadata: {
                            labels: podLabels,
                            // Only the properties: the cluster template is read once, on the first clean
                            // start, so changing it must not restart every node.
                            annotations: { [PROPERTIES_HASH_ANNOTATION]: createHash("sha256").update(properties).digest("hex") },
                        },
                        spec: {
                            serviceAccountName: args.serviceAccountName,
                            automountServiceAccountToken: false,
                            // No <SERVICE>_PORT env vars injected into a Spring Boot process.
                            enableServiceLinks: false,
                            // SIGTERM makes Axon Server flush and close its files; SIGKILL after a short
                            // grace leaves the control DB and indexes inconsistent.
                            terminationGracePeriodSeconds: t.axonServer.terminationGracePeriodSeconds,
                            securityContext: podSecurityContext(),
                            affinity: axonAffinity({
                                zone: node.zone,
                                sitePodSelector: sitePodSelector(env, node.site),
                                requireSeparateWorkers: args.requireSeparateWorkers ?? false,
                            }),
                            initContainers: [
                                startupGuardInitContainer(
                                    t.axonServer.image,
                                    startupGuardFor(t, node, CONTAINER_PATHS, { annotationsFile: POD_ANNOTATIONS_FILE, key: ALLOW_INITIALISE_ANNOTATION }),
                                ),
                                controlDbBackupDirInitContainer(t.axonServer.image),
                            ],
                            containers: [
                                {
                                    name: "axonserver",
                                    image: t.axonServer.image,
                                    imagePullPolicy: "IfNotPresent",
                                    ports: containerPorts(),
                                    env: axonEnv({ node, hostname: addr.hostname, tokensSecretName: args.tokensSecretName, licensed }),
                                    resources: containerResources(node),
                                    ...probes,
                                    securityContext: containerSecurityContext(),
                                    volumeMounts: volumeMounts({ licensed, tls: args.tls !== undefined }),
                                },
                                ...(args.backup ? [args.backup.container] : []),
                            ],
                            volumes: [
                                ...podVolumes({
                                    configMapName: this.configMap.metadata.name,
                                    tokensSecretName: args.tokensSecretName,
                                    licenseSecretName: args.licenseSecretName,
                                    tlsSecretName: this.tlsSecret?.metadata.name,
                                }),
                                ...(this.backupConfigMap ? backupSidecarVolumes(this.backupConfigMap.metadata.name) : []),
                                ...(args.backup?.extraVolumes ?? []),
                            ],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [...host.readyResources, ...(args.dependsOn ?? [])] },
        );

        // Created after the StatefulSet: pulumi-kubernetes waits until a non-headless Service's endpoints
        // target a pod (and a LoadBalancer has an address) before the Service counts as created
        // (provider/pkg/await/service.go, `serviceInitAwaiter.checkAndLogStatus`; 10 minutes by default). The
        // pod exists only once the StatefulSet is created, which the rolling chain may do long after the
        // Services would otherwise start waiting. The headless Service is exempt (`isHeadlessService`).
        const afterPod = { parent: this, dependsOn: [this.statefulSet] };
        this.grpcService = new k8s.core.v1.Service(
            `${name}-grpc`,
            {
                metadata: meta(`${node.name}-grpc`),
                spec: { type: "ClusterIP", publishNotReadyAddresses: true, selector, ports: [servicePort(PORTS.grpc, PORT_NAMES.grpc)] },
            },
            afterPod,
        );
        // Access control is always on: the UI session lives on one node, hence ClientIP affinity
        // ("Axon Server with access control enabled requires session affinity").
        this.httpService = new k8s.core.v1.Service(
            `${name}-http`,
            {
                metadata: meta(`${node.name}-http`),
                spec: {
                    type: "ClusterIP",
                    sessionAffinity: "ClientIP",
                    // The rolling gate asks a node that is starting (not ready) for its Raft state.
                    publishNotReadyAddresses: true,
                    selector,
                    ports: [servicePort(PORTS.http, PORT_NAMES.http)],
                },
            },
            afterPod,
        );

        if (host.internalLoadBalancer !== "none") {
            // One load balancer per node, never a shared one: every node must be individually
            // addressable (Axon Server's "Network requirements"). Created for every node of a cloud
            // host, not only those reached from other sites: the node's private DNS record (the
            // address peers, clients and the node itself use) points at it.
            const flavour = host.internalLoadBalancer;
            const site = t.sites.find((s) => s.name === node.site)!;
            const rules = sitePortRules(t, site);
            const sourcesOf = (ports: number[]): string[] => {
                const cidrs = rules.filter((r) => ports.includes(r.port)).flatMap((r) => r.cidrs);
                // An empty list would mean "no restriction" to Kubernetes: fall back to the site's own range.
                return [...new Set(cidrs.length > 0 ? cidrs : [site.cidr])].sort();
            };
            const lbService = (logical: string, objName: string, ports: number[], loadBalancerIP?: pulumi.Input<string>) =>
                new k8s.core.v1.Service(
                    logical,
                    {
                        metadata: {
                            ...meta(objName),
                            annotations: { ...INTERNAL_LB_ANNOTATIONS[flavour], ...(args.loadBalancerAnnotations ?? {}) },
                        },
                        spec: {
                            type: "LoadBalancer",
                            ...(loadBalancerIP !== undefined ? { loadBalancerIP } : {}),
                            // Peers and clients reach the node through this address: Axon Server, not
                            // Kubernetes readiness, decides whether a starting node is usable.
                            publishNotReadyAddresses: true,
                            // Local keeps the client source IP (no kube-proxy SNAT), so the NetworkPolicy sees it.
                            externalTrafficPolicy: "Local",
                            loadBalancerSourceRanges: sourcesOf(ports),
                            selector,
                            ports: ports.map((p) => servicePort(p, p === PORTS.grpc ? PORT_NAMES.grpc : PORT_NAMES.internalGrpc)),
                        },
                    },
                    afterPod,
                );
            if (flavour === "gcp-internal") {
                // GKE turns `loadBalancerSourceRanges` into VPC firewall rules for every port of the Service
                // (cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters,
                // "Firewall rules and source IP address allowlist"): one Service per port, so 8124 admits only
                // client ranges and 8224 only peer ranges. Both name the node's reserved
                // SHARED_LOADBALANCER_VIP address in `spec.loadBalancerIP`
                // (cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing, "Enabling Shared
                // IP"), so the node's one DNS name serves both ports.
                const address = host.loadBalancerAddresses?.[node.name];
                if (address === undefined) throw new Error(`node ${node.name}: site ${node.site} reserved no internal load balancer address for it`);
                this.loadBalancerAddress = pulumi.output(address);
                this.internalLoadBalancer = lbService(`${name}-internal-lb`, `${node.name}-internal`, [PORTS.grpc], address);
                this.internalPeerLoadBalancer = lbService(`${name}-internal-peer-lb`, `${node.name}-internal-peer`, [PORTS.internalGrpc], address);
            } else {
                // AWS keeps one NLB for both ports, with the union of their sources (README "Load balancers").
                this.internalLoadBalancer = lbService(`${name}-internal-lb`, `${node.name}-internal`, [PORTS.grpc, PORTS.internalGrpc]);
            }
        }
        this.internalLoadBalancers = [this.internalLoadBalancer, this.internalPeerLoadBalancer].filter((s): s is k8s.core.v1.Service => s !== undefined);

        const base = {
            site: node.site,
            fqdn: addr.fqdn,
            grpc: `${addr.fqdn}:${PORTS.grpc}`,
            http: `${node.name}-http.${t.kubernetes.namespace}.svc.cluster.local:${PORTS.http}`,
            internalGrpc: `${addr.fqdn}:${PORTS.internalGrpc}`,
        };
        const reserved = this.loadBalancerAddress;
        this.endpoint = reserved
            ? reserved.apply((ip): NodeEndpoint => ({ ...base, loadBalancer: { ip } }))
            : this.internalLoadBalancer
            ? this.internalLoadBalancer.status.apply((s): NodeEndpoint => {
                  const ingress = s?.loadBalancer?.ingress?.[0];
                  const lb: { hostname?: string; ip?: string } = {};
                  if (ingress?.hostname) lb.hostname = ingress.hostname;
                  if (ingress?.ip) lb.ip = ingress.ip;
                  return { ...base, loadBalancer: lb };
              })
            : pulumi.output<NodeEndpoint>(base);

        this.podTemplateHash = this.statefulSet.spec.apply((spec) => createHash("sha256").update(JSON.stringify(spec?.template ?? {})).digest("hex"));

        this.registerOutputs({ endpoint: this.endpoint, podTemplateHash: this.podTemplateHash });
    }
}
