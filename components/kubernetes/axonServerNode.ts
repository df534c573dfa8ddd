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
import { AxonNode, HEALTH_RELAY_PORT, PORTS, Topology } from "../topology/model";
import { nodeAddress } from "../topology/naming";
import { hasHealthRelay, sitePortRules } from "../topology/connectivity";
import { HEALTH_RELAY_NAMES, healthRelayConfigMapData, healthRelayContainer, healthRelayVolume } from "./healthRelay";
import { PROJECT } from "../topology/identity";
import { nodePortsOf } from "../topology/loadBalancers";
import { nodeLabels, nodePodLabels, nodePodSelector, sitePodSelector } from "../platform/labels";
import {
    AXON_CONTAINER_NAME,
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
    /** The environment's topology: the node's properties, the cluster template and names come from it. */
    readonly topology: Topology;
    /** The node, on a Kubernetes site (`eks`, `gke` or `kubernetes`). */
    readonly node: AxonNode;
    /** The node's site host; every object uses its provider (pass it as `providers` in the options too). */
    readonly host: KubernetesHost;
    /** Namespace of the Axon Server objects (an Output of the site's Namespace, for the dependency). */
    readonly namespace: pulumi.Input<string>;
    /** The site's ServiceAccount the pod runs as (it carries the backup sidecar's bucket identity). */
    readonly serviceAccountName: pulumi.Input<string>;
    /** Site Secret with `system.token` and `internal.token`. */
    readonly tokensSecretName: pulumi.Input<string>;
    /**
     * Site Secret with `axoniq.license`.
     * @default - none: unlicensed
     */
    readonly licenseSecretName?: pulumi.Input<string>;
    /**
     * The node's certificate, key and CA; required when `topology.axonServer.tls`.
     * @default - none
     */
    readonly tls?: NodeTlsMaterial;
    /**
     * Resources the StatefulSet waits for besides `host.readyResources`: the gate after the previous
     * node of the creation chain, so `pulumi up` creates one node at a time (restarts are the rollers').
     * @default - none
     */
    readonly dependsOn?: readonly pulumi.Resource[];
    /**
     * Hard pod anti-affinity between the site's Axon pods (else preferred).
     * @default false
     */
    readonly requireSeparateWorkers?: boolean;
    /**
     * The backup agent sidecar, only on the nodes that run one.
     * @default - none
     */
    readonly backup?: NodeBackupSidecar;
    /**
     * Extra annotations of the internal load balancer Service (a platform's own keys, e.g. health-check
     * settings), merged over `INTERNAL_LB_ANNOTATIONS` (never over `GKE_LB_IP_ADDRESSES_ANNOTATION`).
     * @default - none
     */
    readonly loadBalancerAnnotations?: Readonly<Record<string, pulumi.Input<string>>>;
}

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;

/** The backup agent of a node the backup plan designates (components/backup/plan.ts). */
export interface NodeBackupSidecar {
    /** `backupSidecarContainer(...)`, built on this pod's volume names (podSpec.ts `VOLUMES`). */
    readonly container: Container;
    /**
     * Pod volumes besides the script ConfigMap and `/tmp` (e.g. `webIdentityTokenVolume()`).
     * @default - none
     */
    readonly extraVolumes?: readonly Volume[];
}

/**
 * Annotations of the per-node internal load balancer Services GKE implements
 * (cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters):
 * `networking.gke.io/load-balancer-type: "Internal"` makes an internal passthrough NLB; global access
 * lets peers in other regions (over peering/VPN) reach it (an internal LB is regional otherwise). AWS
 * nodes have none: their NLB is made by the site (components/aws/nodeLoadBalancer.ts), not by a
 * controller reading annotations.
 */
export const INTERNAL_LB_ANNOTATIONS: Readonly<Record<"gcp-internal", Readonly<Record<string, string>>>> = {
    "gcp-internal": {
        "networking.gke.io/load-balancer-type": "Internal",
        "networking.gke.io/internal-load-balancer-allow-global-access": "true",
    },
};

/**
 * GKE's annotation naming the reserved regional address(es) a LoadBalancer Service's forwarding rule uses
 * (at most one IPv4 and one IPv6, comma-separated names). It replaces the deprecated `spec.loadBalancerIP`
 * (Kubernetes Service API: "Deprecated ... Users are encouraged to use implementation-specific
 * annotations when available"); the GKE L4 controller reads it first and the old field only without it
 * (kubernetes/ingress-gce pkg/l4/annotations/l4_static_address.go `StaticL4AddressesAnnotationKey`,
 * pkg/l4/address/to_use.go `IPv4ToUse`). That controller runs internal load balancers with GKE subsetting,
 * which `GkeSite` turns on.
 */
export const GKE_LB_IP_ADDRESSES_ANNOTATION = "networking.gke.io/load-balancer-ip-addresses";

/**
 * The warning `pulumi up` gives when a GKE node's load balancer Service has another address than the one
 * reserved for the node (which its DNS record points at); undefined while they agree or the Service has no
 * address yet. GKE's L4 controller skips a name in `GKE_LB_IP_ADDRESSES_ANNOTATION` that it cannot find in
 * the cluster's region and takes an ephemeral address instead (kubernetes/ingress-gce
 * pkg/l4/annotations/l4_static_address.go `ipAddressFromAnnotation`), and a load balancer made before GKE
 * subsetting keeps its forwarding rule's address: nothing fails, the node is just unreachable by name.
 */
export function gkeLoadBalancerAddressMismatch(
    node: string,
    service: { readonly namespace: string; readonly name: string },
    reserved: string,
    ingress: readonly { readonly ip?: string }[] | undefined,
): string | undefined {
    const ips = (ingress ?? []).map((i) => i.ip).filter((ip): ip is string => typeof ip === "string" && ip !== "");
    if (ips.length === 0 || ips.includes(reserved)) return undefined;
    return (
        `node ${node}: Service ${service.name} has the load balancer address ${ips.join(", ")}, not ${reserved}, the address reserved for the node that its DNS name points at. ` +
        `GKE found no regional address of the name in ${GKE_LB_IP_ADDRESSES_ANNOTATION} (and took an ephemeral one), or the load balancer predates GKE subsetting: ` +
        `compare \`kubectl -n ${service.namespace} get svc ${service.name}\` with the reserved address and replace the Service (README "Upgrading an existing GKE stack")`
    );
}

/**
 * `loadBalancerClass` of an AWS node's Service: implemented by no controller, so none makes a load
 * balancer for it (the NLB is Pulumi's); prefixed, as classes not reserved for end users must be.
 */
export const NODE_NLB_CLASS = `${PROJECT}/pulumi-nlb`;

/** pulumi-kubernetes: the object is ready once created (provider/pkg/await). */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/** Pod-template annotation carrying the hash of the node's properties: a change restarts the pod. */
export const PROPERTIES_HASH_ANNOTATION = "axonserver-multiregion/properties-sha256";

/**
 * A single Axon Server node. Type `axonserver:index:AxonServerNode`. The constructor only chains named
 * steps: `createNodeConfig`, `createTlsSecret`, `createBackupConfigMap`, `createHeadlessService`,
 * `createStatefulSet`, `createClusterServices`, then the node's load balancer on a cloud host
 * (`createAwsNodeLoadBalancer` or `createGkeNodeLoadBalancers`) and its `nodeEndpoint`.
 */
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
     * The node's load balancer Service on every cloud host (`host.internalLoadBalancer` not `none`): the
     * node's private DNS name points at its load balancer, so it needs a stable routable address even when
     * today no other site reaches it. AWS: the fixed NodePorts of 8124 + 8224 behind the site's NLB (no
     * controller acts on it); GKE: an internal load balancer for 8124 only (clients' ranges).
     */
    readonly internalLoadBalancer?: k8s.core.v1.Service;
    /** AWS only: admits the NLB's subnets on 8124 and 8224 (the NLB does not keep the client's address). */
    readonly loadBalancerNetworkPolicy?: k8s.networking.v1.NetworkPolicy;
    /** AWS only: the DNS name of the node's NLB (known once the NLB exists); the DNS record points at it. */
    readonly loadBalancerHostname?: pulumi.Output<string>;
    /** GKE only: the node's 8224 internal load balancer (peers' ranges), on the same address as 8124. */
    readonly internalPeerLoadBalancer?: k8s.core.v1.Service;
    /**
     * GKE only, on a site whose nodes run the health relay: the node's internal load balancer for the
     * relay's port (the other Kubernetes sites' ranges), on the same address as 8124.
     */
    readonly internalHealthLoadBalancer?: k8s.core.v1.Service;
    /** Every internal load balancer Service of the node (none, one, or two or three on GKE). */
    readonly internalLoadBalancers: readonly k8s.core.v1.Service[];
    /** GKE only: the reserved internal address both load balancers use; the DNS record points at it. */
    readonly loadBalancerAddress?: pulumi.Output<string>;
    readonly tlsSecret?: k8s.core.v1.Secret;
    /** The backup agent script, when the node runs the backup sidecar. */
    readonly backupConfigMap?: k8s.core.v1.ConfigMap;
    /** The health relay script, when the node runs the relay sidecar (`hasHealthRelay`). */
    readonly healthRelayConfigMap?: k8s.core.v1.ConfigMap;
    readonly endpoint: pulumi.Output<NodeEndpoint>;
    /** SHA-256 of the StatefulSet's pod template: changes exactly when `pulumi up` restarts the pod. */
    readonly podTemplateHash: pulumi.Output<string>;

    constructor(name: string, args: AxonServerNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:index:AxonServerNode", name, {}, opts);
        const ctx = nodeContext(name, args, this);

        const config = createNodeConfig(ctx);
        this.configMap = config.configMap;
        this.tlsSecret = createTlsSecret(ctx);
        this.backupConfigMap = createBackupConfigMap(ctx);
        this.healthRelayConfigMap = createHealthRelayConfigMap(ctx);
        this.headlessService = createHeadlessService(ctx);
        this.statefulSet = createStatefulSet(ctx, {
            properties: config.properties,
            configMap: this.configMap,
            headlessService: this.headlessService,
            tlsSecret: this.tlsSecret,
            backupConfigMap: this.backupConfigMap,
            healthRelayConfigMap: this.healthRelayConfigMap,
        });
        const services = createClusterServices(ctx, this.statefulSet);
        let addressWarnings: pulumi.Output<string>[] = [];
        this.grpcService = services.grpc;
        this.httpService = services.http;

        if (args.host.internalLoadBalancer === "aws-nlb") {
            const lb = createAwsNodeLoadBalancer(ctx, this.statefulSet);
            this.internalLoadBalancer = lb.service;
            this.loadBalancerNetworkPolicy = lb.networkPolicy;
            this.loadBalancerHostname = lb.hostname;
        } else if (args.host.internalLoadBalancer === "gcp-internal") {
            const lb = createGkeNodeLoadBalancers(ctx, this.statefulSet);
            this.loadBalancerAddress = lb.address;
            this.internalLoadBalancer = lb.service;
            this.internalPeerLoadBalancer = lb.peerService;
            this.internalHealthLoadBalancer = lb.healthService;
            addressWarnings = lb.addressWarnings;
        }
        this.internalLoadBalancers = [this.internalLoadBalancer, this.internalPeerLoadBalancer, this.internalHealthLoadBalancer].filter((s): s is k8s.core.v1.Service => s !== undefined);

        this.endpoint = nodeEndpoint(ctx, this.loadBalancerAddress, this.loadBalancerHostname);
        this.podTemplateHash = this.statefulSet.spec.apply((spec) => createHash("sha256").update(JSON.stringify(spec?.template ?? {})).digest("hex"));

        // The GKE address warnings among the outputs, so they are logged before the update ends.
        this.registerOutputs({
            endpoint: this.endpoint,
            podTemplateHash: this.podTemplateHash,
            loadBalancerAddressWarnings: pulumi.all(addressWarnings).apply((ws) => ws.filter((w) => w !== "")),
        });
    }
}

/** Metadata of one of the node's objects: name, namespace, the node's labels. */
interface NodeObjectMeta {
    name: string;
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
}

/** What every step of a node shares: names, the node's labels and selector, the parent. */
interface NodeContext {
    /** The component's name: the prefix of every child's logical name. */
    readonly name: string;
    readonly args: AxonServerNodeArgs;
    readonly topology: Topology;
    readonly node: AxonNode;
    readonly host: KubernetesHost;
    readonly parent: pulumi.Resource;
    /** `{ parent }` of the children that wait for nothing else. */
    readonly child: pulumi.CustomResourceOptions;
    /** The node's pod selector (`nodePodSelector`). */
    readonly selector: Record<string, string>;
    /** Metadata of an object named `objName`, labelled as the node's `component`. */
    readonly meta: (objName: string, component?: Parameters<typeof nodeLabels>[3]) => NodeObjectMeta;
}

/** Throws when TLS is on and the node got no certificate. */
function nodeContext(name: string, args: AxonServerNodeArgs, parent: pulumi.Resource): NodeContext {
    const { topology: t, node } = args;
    const env = t.environment;
    const ctx: NodeContext = {
        name,
        args,
        topology: t,
        node,
        host: args.host,
        parent,
        child: { parent },
        selector: nodePodSelector(env, node.site, node.name),
        meta: (objName, component = "server") => ({
            name: objName,
            namespace: args.namespace,
            labels: nodeLabels(env, node.site, node.name, component),
        }),
    };
    if (t.axonServer.tls && !args.tls) throw new Error(`node ${node.name}: TLS is on but no certificate was given`);
    return ctx;
}

/** A Service port targeting the container port of the same name. */
function servicePort(port: number, portName: string) {
    return { name: portName, port, targetPort: portName, protocol: "TCP" };
}

/** The node's `axonserver.properties` and cluster template, in a ConfigMap. */
export function createNodeConfig(ctx: NodeContext): { properties: string; configMap: k8s.core.v1.ConfigMap } {
    const { name, topology: t, node } = ctx;
    // Config: never a secret here (the renderers write none; the tests check the ConfigMap inputs).
    const properties = renderAxonServerProperties(t, node);
    const configMap = new k8s.core.v1.ConfigMap(
        `${name}-config`,
        {
            metadata: ctx.meta(`${node.name}-config`, "config"),
            data: { [FILES.properties]: properties, [FILES.clusterTemplate]: renderClusterTemplate(t) },
        },
        ctx.child,
    );
    return { properties, configMap };
}

/** The node's certificate, key and CA as a `kubernetes.io/tls` Secret; none without TLS. */
export function createTlsSecret(ctx: NodeContext): k8s.core.v1.Secret | undefined {
    const { name, node, args } = ctx;
    if (!args.tls) return undefined;
    return new k8s.core.v1.Secret(
        `${name}-tls`,
        {
            metadata: ctx.meta(`${node.name}-tls`, "tls"),
            type: "kubernetes.io/tls",
            stringData: {
                [FILES.tlsCert]: pulumi.secret(args.tls.certPem),
                [FILES.tlsKey]: pulumi.secret(args.tls.privateKeyPem),
                [FILES.tlsCa]: pulumi.output(args.tls.caCertPem),
            },
        },
        ctx.child,
    );
}

/** The backup agent script ConfigMap, when the node runs the backup sidecar. */
export function createBackupConfigMap(ctx: NodeContext): k8s.core.v1.ConfigMap | undefined {
    const { name, node, args } = ctx;
    if (!args.backup) return undefined;
    // Not hashed into the pod annotations: a new script reaches the sidecar through the
    // ConfigMap volume update, without restarting Axon Server.
    return new k8s.core.v1.ConfigMap(`${name}-backup-agent`, { metadata: ctx.meta(`${node.name}-backup-agent`, "config"), data: backupScriptConfigMapData() }, ctx.child);
}

/**
 * The health relay script, when the node runs the relay sidecar: nodes of an EKS/GKE site whose Raft
 * state other Kubernetes sites' Jobs ask (components/kubernetes/healthRelay.ts).
 */
export function createHealthRelayConfigMap(ctx: NodeContext): k8s.core.v1.ConfigMap | undefined {
    const { name, node, topology: t } = ctx;
    if (!nodeRunsHealthRelay(t, node)) return undefined;
    return new k8s.core.v1.ConfigMap(`${name}-health-relay`, { metadata: ctx.meta(`${node.name}-health-relay`, "config"), data: healthRelayConfigMapData() }, ctx.child);
}

/** Whether the node's pod runs the health relay sidecar (its site's nodes are asked from other Kubernetes sites). */
function nodeRunsHealthRelay(t: Topology, node: AxonNode): boolean {
    const site = t.sites.find((s) => s.name === node.site);
    return site !== undefined && hasHealthRelay(t, site);
}

/**
 * Governing Service of the StatefulSet. publishNotReadyAddresses: peers must resolve a node that is
 * starting (or not ready), otherwise Kubernetes, not Axon Server, decides who is reachable.
 */
export function createHeadlessService(ctx: NodeContext): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        `${ctx.name}-headless`,
        {
            metadata: ctx.meta(ctx.node.name),
            spec: {
                clusterIP: "None",
                publishNotReadyAddresses: true,
                selector: ctx.selector,
                ports: [servicePort(PORTS.grpc, PORT_NAMES.grpc), servicePort(PORTS.internalGrpc, PORT_NAMES.internalGrpc)],
            },
        },
        ctx.child,
    );
}

/** The objects the StatefulSet's pod refers to. */
export interface NodePodInputs {
    /** The rendered properties (their hash restarts the pod). */
    readonly properties: string;
    readonly configMap: k8s.core.v1.ConfigMap;
    readonly headlessService: k8s.core.v1.Service;
    readonly tlsSecret?: k8s.core.v1.Secret;
    readonly backupConfigMap?: k8s.core.v1.ConfigMap;
    readonly healthRelayConfigMap?: k8s.core.v1.ConfigMap;
}

/**
 * The node's singleton StatefulSet (`OnDelete`, PVCs retained), after the host's ready resources and
 * `args.dependsOn` (the gate of the creation chain).
 */
export function createStatefulSet(ctx: NodeContext, inputs: NodePodInputs): k8s.apps.v1.StatefulSet {
    const { name, args, topology: t, node, host, selector } = ctx;
    const env = t.environment;
    const addr = nodeAddress(t, node);
    const licensed = args.licenseSecretName !== undefined;
    const probes = axonProbes(t.axonServer.startupBudgetSeconds);
    const podLabels = nodePodLabels(env, node.site, node.name);
    // pulumi-kubernetes waits 10 minutes for a StatefulSet by default: longer than
    // that would fail `pulumi up` while the startup probe still allows the node to start.
    const awaitSeconds = Math.max(600, t.axonServer.startupBudgetSeconds + 600);

    return new k8s.apps.v1.StatefulSet(
        `${name}-sts`,
        {
            metadata: { ...ctx.meta(node.name), annotations: { "pulumi.com/timeoutSeconds": String(awaitSeconds) } },
            spec: {
                replicas: 1, // singleton: never scale; add a node to the topology instead
                // A changed pod template restarts nothing by itself ("Users must manually delete Pods",
                // kubernetes.io/docs/concepts/workloads/controllers/statefulset/#update-strategies), and
                // pulumi-kubernetes counts the update done once the replica is ready
                // (provider/pkg/await/statefulset.go, OnDelete with generation > 1). The roller Jobs restart
                // the pods afterwards in update order, least critical first (components/kubernetes/roller.ts).
                // A new StatefulSet (generation 1) is still awaited until its pod is ready.
                updateStrategy: { type: "OnDelete" },
                serviceName: inputs.headlessService.metadata.name,
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
                        annotations: { [PROPERTIES_HASH_ANNOTATION]: createHash("sha256").update(inputs.properties).digest("hex") },
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
                            workerPool:
                                host.workerPool && node.zone !== undefined
                                    ? { labelKey: host.workerPool.labelKey, poolName: host.workerPool.poolNameOfZone(node.zone) }
                                    : undefined,
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
                                name: AXON_CONTAINER_NAME,
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
                            ...(inputs.healthRelayConfigMap ? [healthRelayContainer(t)] : []),
                        ],
                        volumes: [
                            ...podVolumes({
                                configMapName: inputs.configMap.metadata.name,
                                tokensSecretName: args.tokensSecretName,
                                licenseSecretName: args.licenseSecretName,
                                tlsSecretName: inputs.tlsSecret?.metadata.name,
                            }),
                            ...(inputs.backupConfigMap ? backupSidecarVolumes(inputs.backupConfigMap.metadata.name) : []),
                            ...(args.backup?.extraVolumes ?? []),
                            ...(inputs.healthRelayConfigMap ? [healthRelayVolume(inputs.healthRelayConfigMap.metadata.name)] : []),
                        ],
                    },
                },
            },
        },
        { parent: ctx.parent, dependsOn: [...host.readyResources, ...(args.dependsOn ?? [])] },
    );
}

/**
 * Options of the Services created after the StatefulSet: pulumi-kubernetes waits until a non-headless
 * Service's endpoints target a pod (and a LoadBalancer has an address) before the Service counts as
 * created (provider/pkg/await/service.go, `serviceInitAwaiter.checkAndLogStatus`; 10 minutes by default).
 * The pod exists only once the StatefulSet is created, which the rolling chain may do long after the
 * Services would otherwise start waiting. The headless Service is exempt (`isHeadlessService`).
 */
function afterPod(ctx: NodeContext, statefulSet: k8s.apps.v1.StatefulSet): pulumi.CustomResourceOptions {
    return { parent: ctx.parent, dependsOn: [statefulSet] };
}

/** The client gRPC (8124) and HTTP (8024) ClusterIP Services, after the StatefulSet (`afterPod`). */
export function createClusterServices(ctx: NodeContext, statefulSet: k8s.apps.v1.StatefulSet): { grpc: k8s.core.v1.Service; http: k8s.core.v1.Service } {
    const { name, node, selector } = ctx;
    const opts = afterPod(ctx, statefulSet);
    const grpc = new k8s.core.v1.Service(
        `${name}-grpc`,
        {
            metadata: ctx.meta(`${node.name}-grpc`),
            spec: { type: "ClusterIP", publishNotReadyAddresses: true, selector, ports: [servicePort(PORTS.grpc, PORT_NAMES.grpc)] },
        },
        opts,
    );
    // Access control is always on: the UI session lives on one node, hence ClientIP affinity
    // ("Axon Server with access control enabled requires session affinity").
    const http = new k8s.core.v1.Service(
        `${name}-http`,
        {
            metadata: ctx.meta(`${node.name}-http`),
            spec: {
                type: "ClusterIP",
                sessionAffinity: "ClientIP",
                // The rolling gate asks a node that is starting (not ready) for its Raft state.
                publishNotReadyAddresses: true,
                selector,
                ports: [servicePort(PORTS.http, PORT_NAMES.http)],
            },
        },
        opts,
    );
    return { grpc, http };
}

/**
 * The Kubernetes side of the node's NLB (made by the site, `host.nodeLoadBalancers`): a Service that
 * holds the node's fixed NodePorts and kube-proxy health check port, and a NetworkPolicy that admits
 * what the NLB forwards.
 *
 * The Service is `type: LoadBalancer` with a `loadBalancerClass` no controller implements: every load
 * balancer implementation, the in-tree AWS one included, ignores a Service that sets it
 * (kubernetes.io/docs/concepts/services-networking/service/#load-balancer-class), and only this type
 * with `externalTrafficPolicy: Local` has a `healthCheckNodePort` (the Kubernetes API reference,
 * ServiceSpec: "This only applies when type is set to LoadBalancer and externalTrafficPolicy is set to
 * Local"; a NodePort Service that sets it is rejected). Since no controller writes its status,
 * pulumi-kubernetes must not wait for an address (`pulumi.com/skipAwait`); it waits for the NLB instead.
 */
export function createAwsNodeLoadBalancer(
    ctx: NodeContext,
    statefulSet: k8s.apps.v1.StatefulSet,
): { service: k8s.core.v1.Service; networkPolicy: k8s.networking.v1.NetworkPolicy; hostname: pulumi.Output<string> } {
    const { name, node, host, selector } = ctx;
    const nlb = host.nodeLoadBalancers?.[node.name];
    if (nlb === undefined) throw new Error(`node ${node.name}: site ${node.site} made no load balancer for it`);
    const ports = nodePortsOf(node);
    const relay = nodeRunsHealthRelay(ctx.topology, node);
    const service = new k8s.core.v1.Service(
        `${name}-internal-lb`,
        {
            metadata: { ...ctx.meta(`${node.name}-internal`), annotations: { [SKIP_AWAIT_ANNOTATION]: "true" } },
            spec: {
                type: "LoadBalancer",
                loadBalancerClass: NODE_NLB_CLASS,
                // Only the worker running the pod answers the health check; no second hop, no SNAT.
                externalTrafficPolicy: "Local",
                healthCheckNodePort: ports.healthCheck,
                // Peers and clients reach the node through its NLB: Axon Server, not Kubernetes
                // readiness, decides whether a starting node is usable.
                publishNotReadyAddresses: true,
                selector,
                ports: [
                    { ...servicePort(PORTS.grpc, PORT_NAMES.grpc), nodePort: ports.grpc },
                    { ...servicePort(PORTS.internalGrpc, PORT_NAMES.internalGrpc), nodePort: ports.internalGrpc },
                    // The health relay's port, behind the NLB's 8025 listener (its own target group).
                    ...(relay ? [{ ...servicePort(HEALTH_RELAY_PORT, HEALTH_RELAY_NAMES.port), nodePort: ports.healthRelay }] : []),
                ],
            },
        },
        {
            parent: ctx.parent,
            dependsOn: [statefulSet, ...nlb.resources],
            // The API server refuses to change either in place: `loadBalancerClass` "may not change once
            // set" while the type stays LoadBalancer, and `healthCheckNodePort` is "field is immutable"
            // while type LoadBalancer and externalTrafficPolicy Local (k8s.io/kubernetes
            // pkg/apis/core/validation/validation.go, ValidateServiceUpdate: validateLoadBalancerClassField
            // and validateServiceExternalTrafficFieldsUpdate). A Service made by an older version of this
            // program (in-tree NLB, no class) is therefore replaced, and its fixed name and NodePorts need
            // the old one gone first. A node's ports come from its `nodePortSlot`, so no other node's
            // change ever replaces this Service.
            replaceOnChanges: ["spec.loadBalancerClass", "spec.healthCheckNodePort"],
            deleteBeforeReplace: true,
        },
    );
    // The NLB does not keep the client's address: the pod sees the NLB's, from the load balancer
    // subnets. NetworkPolicies add up (kubernetes.io/docs/concepts/services-networking/network-policies),
    // so this one opens the forwarded ports to those subnets next to the site's policy; the NLB's
    // security group has already filtered the client, peer and relay ranges per port.
    const networkPolicy = new k8s.networking.v1.NetworkPolicy(
        `${name}-nlb-netpol`,
        {
            metadata: ctx.meta(`${node.name}-nlb`, "network"),
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        ports: [PORTS.grpc, PORTS.internalGrpc, ...(relay ? [HEALTH_RELAY_PORT] : [])].map((port) => ({ port, protocol: "TCP" })),
                        from: nlb.sourceCidrs.map((cidr) => ({ ipBlock: { cidr } })),
                    },
                ],
            },
        },
        ctx.child,
    );
    return { service, networkPolicy, hostname: pulumi.output(nlb.hostname) };
}

/**
 * The node's GKE internal load balancers (8124 for clients, 8224 for peers, and the health relay's 8025
 * for the other Kubernetes sites' Jobs on a site whose nodes run it) on the site's reserved address for
 * the node, after the StatefulSet (`afterPod`).
 *
 * One load balancer per node, never a shared one: every node must be individually addressable (Axon
 * Server's "Network requirements"). Created for every node of a cloud host, not only those reached from
 * other sites: the node's private DNS record (the address peers, clients and the node itself use) points
 * at it.
 */
export function createGkeNodeLoadBalancers(
    ctx: NodeContext,
    statefulSet: k8s.apps.v1.StatefulSet,
): {
    address: pulumi.Output<string>;
    service: k8s.core.v1.Service;
    peerService: k8s.core.v1.Service;
    healthService?: k8s.core.v1.Service;
    /** Per Service: the `gkeLoadBalancerAddressMismatch` warning ("" when none), once its address is known. */
    addressWarnings: pulumi.Output<string>[];
} {
    const { name, args, topology: t, node, host, selector } = ctx;
    const site = t.sites.find((s) => s.name === node.site)!;
    const rules = sitePortRules(t, site);
    const sourcesOf = (ports: number[]): string[] => {
        const cidrs = rules.filter((r) => ports.includes(r.port)).flatMap((r) => r.cidrs);
        // An empty list would mean "no restriction" to Kubernetes: fall back to the site's own range.
        return [...new Set(cidrs.length > 0 ? cidrs : [site.cidr])].sort();
    };
    // Delete before replace: the Services have fixed names, and the Kubernetes provider (server-side
    // apply, no `upsertExistingObjects`: "Pulumi will error if a resource already exists in the
    // cluster", @pulumi/kubernetes provider.d.ts) refuses to create an object that already exists. A
    // replacement forced with `pulumi up --replace` never reaches the provider's diff and is
    // create-before-delete unless this option says otherwise (pulumi/pulumi
    // pkg/resource/deploy/step_generator.go `diff`: a targeted replace), so the README's one node at a
    // time `--replace` needs it. The Service's port is unreachable until the new forwarding rule exists.
    const opts: pulumi.CustomResourceOptions = { ...afterPod(ctx, statefulSet), deleteBeforeReplace: true };
    const lbService = (logical: string, objName: string, ports: number[], addressName: pulumi.Input<string>) =>
        new k8s.core.v1.Service(
            logical,
            {
                metadata: {
                    ...ctx.meta(objName),
                    // The address annotation last: extra annotations may not move the node's address.
                    annotations: { ...INTERNAL_LB_ANNOTATIONS["gcp-internal"], ...(args.loadBalancerAnnotations ?? {}), [GKE_LB_IP_ADDRESSES_ANNOTATION]: addressName },
                },
                spec: {
                    type: "LoadBalancer",
                    // Peers and clients reach the node through this address: Axon Server, not
                    // Kubernetes readiness, decides whether a starting node is usable.
                    publishNotReadyAddresses: true,
                    // Local keeps the client source IP (no kube-proxy SNAT), so the NetworkPolicy sees it.
                    externalTrafficPolicy: "Local",
                    loadBalancerSourceRanges: sourcesOf(ports),
                    selector,
                    ports: ports.map((p) => servicePort(p, GKE_PORT_NAMES[p])),
                },
            },
            opts,
        );
    // GKE turns `loadBalancerSourceRanges` into VPC firewall rules for every port of the Service
    // (cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters,
    // "Firewall rules and source IP address allowlist"): one Service per port, so 8124 admits only
    // client ranges and 8224 only peer ranges (ingress-gce pkg/l4/resources/l4.go: one firewall rule
    // per Service, its ports, `loadBalancerSourceRanges` as sources, the Service's IP as destination).
    // Both name the node's reserved SHARED_LOADBALANCER_VIP address in
    // `networking.gke.io/load-balancer-ip-addresses` (not the deprecated `spec.loadBalancerIP`), so the
    // node's one DNS name serves both ports.
    const reserved = host.loadBalancerAddresses?.[node.name];
    if (reserved === undefined) throw new Error(`node ${node.name}: site ${node.site} reserved no internal load balancer address for it`);
    const service = lbService(`${name}-internal-lb`, `${node.name}-internal`, [PORTS.grpc], reserved.name);
    const peerService = lbService(`${name}-internal-peer-lb`, `${node.name}-internal-peer`, [PORTS.internalGrpc], reserved.name);
    // Its own Service, so GKE admits only the relay's sources on it (`loadBalancerSourceRanges` apply to
    // every port of a Service); only where the relay runs (another Kubernetes site asks this site).
    const healthService = nodeRunsHealthRelay(t, node) ? lbService(`${name}-internal-health-lb`, `${node.name}-internal-health`, [HEALTH_RELAY_PORT], reserved.name) : undefined;
    // pulumi-kubernetes waits until a LoadBalancer Service has an address (no skipAwait here), so its status
    // is known once `pulumi up` made or read it (unknown in a preview of a new one: nothing to compare). A
    // warning, not an error: an error would also fail every later preview, and the targeted replacements
    // that fix the Service, while any node's Service still has its old address.
    const addressWarning = (svc: k8s.core.v1.Service, objName: string): pulumi.Output<string> =>
        pulumi.all([svc.status, reserved.address]).apply(([status, ip]) => {
            const warning = gkeLoadBalancerAddressMismatch(node.name, { namespace: t.kubernetes.namespace, name: objName }, ip, status?.loadBalancer?.ingress);
            if (warning !== undefined) void pulumi.log.warn(warning, svc);
            return warning ?? "";
        });
    return {
        address: pulumi.output(reserved.address),
        service,
        peerService,
        ...(healthService ? { healthService } : {}),
        addressWarnings: [
            addressWarning(service, `${node.name}-internal`),
            addressWarning(peerService, `${node.name}-internal-peer`),
            ...(healthService ? [addressWarning(healthService, `${node.name}-internal-health`)] : []),
        ],
    };
}

/** The named container port each GKE load balancer Service port targets. */
const GKE_PORT_NAMES: Readonly<Record<number, string>> = {
    [PORTS.grpc]: PORT_NAMES.grpc,
    [PORTS.internalGrpc]: PORT_NAMES.internalGrpc,
    [HEALTH_RELAY_PORT]: HEALTH_RELAY_NAMES.port,
};

/**
 * The node's endpoint: its DNS names and ports, plus its load balancer's address (GKE: the reserved IP)
 * or DNS name (AWS: the NLB's). Both are known once the load balancer (AWS) or the address (GKE) exists:
 * nothing waits for a Service status.
 */
function nodeEndpoint(ctx: NodeContext, reserved: pulumi.Output<string> | undefined, hostname: pulumi.Output<string> | undefined): pulumi.Output<NodeEndpoint> {
    const { topology: t, node } = ctx;
    const addr = nodeAddress(t, node);
    const base = {
        site: node.site,
        fqdn: addr.fqdn,
        grpc: `${addr.fqdn}:${PORTS.grpc}`,
        http: `${node.name}-http.${t.kubernetes.namespace}.svc.cluster.local:${PORTS.http}`,
        internalGrpc: `${addr.fqdn}:${PORTS.internalGrpc}`,
    };
    return reserved
        ? reserved.apply((ip): NodeEndpoint => ({ ...base, loadBalancer: { ip } }))
        : hostname
          ? hostname.apply((h): NodeEndpoint => ({ ...base, loadBalancer: { hostname: h } }))
          : pulumi.output<NodeEndpoint>(base);
}
