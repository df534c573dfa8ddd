/**
 * Pure builders for the pod of one Axon Server node: probes, security contexts, volumes and mounts,
 * affinity, env, ports, resources. Plain objects typed with the Kubernetes input types; no resource is
 * created here, so every rule can be unit-tested on the returned objects.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { AxonNode, PORTS, StorageTier } from "../topology/model";
import { AXON_UID, AxonPaths, CONTAINER_PATHS, FILES, VOLUMES } from "../axonserver/render/paths";
import { INTERNAL_TOKEN_ENV, LICENSE_ENV, licenseFile } from "../axonserver/render/properties";
import { JVM_OPTIONS_ENV, jvmHeapOptions } from "../axonserver/render/jvm";

type Probe = k8s.types.input.core.v1.Probe;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type Affinity = k8s.types.input.core.v1.Affinity;
type ContainerPort = k8s.types.input.core.v1.ContainerPort;
type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type PersistentVolumeClaim = k8s.types.input.core.v1.PersistentVolumeClaim;
type Container = k8s.types.input.core.v1.Container;

/**
 * The probe endpoint. `/actuator/info` answers 200 as long as the node can serve requests;
 * `/actuator/health` reports the whole cluster's health (WARN/DOWN when any node or group has a
 * problem), so using it would let Kubernetes restart healthy nodes. Never `/actuator/health`.
 */
export const PROBE_PATH = "/actuator/info";

/**
 * Name of the Axon Server container in a node's pod. The roller waits for this container's readiness
 * (`status.containerStatuses[].ready`), not the pod's: the pod's sidecars are not Axon Server.
 */
export const AXON_CONTAINER_NAME = "axonserver";

/** Named container ports; Services target these names. */
export const PORT_NAMES = { http: "http", grpc: "grpc", internalGrpc: "internal-grpc" } as const;

/** Keys of the site's token Secret. `system.token` is the file `accesscontrol.systemtokenfile` names. */
export const TOKEN_KEYS = { systemToken: FILES.systemToken, internalToken: "internal.token" } as const;

/** Key of the license Secret: the file `AXONIQ_LICENSE` points at. */
export const LICENSE_KEY = FILES.license;


/** Where the downward-API volume puts the pod's annotations (read by the start-up guard). */
export const POD_INFO_DIR = "/etc/pod-info";
export const POD_ANNOTATIONS_FILE = `${POD_INFO_DIR}/annotations`;

const STARTUP_PERIOD_SECONDS = 10;
const PROBE_TIMEOUT_SECONDS = 5; // a GC pause must not fail a probe (the default is 1 s)

export interface AxonProbes {
    startupProbe: Probe;
    livenessProbe: Probe;
    readinessProbe: Probe;
}

/**
 * Probes, all on `/actuator/info` over plain HTTP (8024 stays HTTP with TLS on: TLS covers gRPC only).
 * - startup: `periodSeconds × failureThreshold ≥ startupBudgetSeconds`. A node checks its event store
 *   segments (and may rebuild indexes) before it serves; liveness must not kill it meanwhile.
 * - liveness: ~1 minute of failures before a restart (period 10 × 6).
 * - readiness: lenient (period 10 × 6) so Kubernetes does not take routing decisions that belong to
 *   Axon Server's own availability logic; the headless Service publishes not-ready pods anyway.
 */
export function axonProbes(startupBudgetSeconds: number): AxonProbes {
    const httpGet = { path: PROBE_PATH, port: PORT_NAMES.http, scheme: "HTTP" };
    return {
        startupProbe: {
            httpGet,
            periodSeconds: STARTUP_PERIOD_SECONDS,
            timeoutSeconds: PROBE_TIMEOUT_SECONDS,
            failureThreshold: Math.max(1, Math.ceil(startupBudgetSeconds / STARTUP_PERIOD_SECONDS)),
        },
        livenessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: PROBE_TIMEOUT_SECONDS, failureThreshold: 6 },
        readinessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: PROBE_TIMEOUT_SECONDS, failureThreshold: 6 },
    };
}

/** Pod-level security: Pod Security Standard "restricted", uid/gid 1001 of the nonroot image. */
export function podSecurityContext(): PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: AXON_UID,
        runAsGroup: AXON_UID,
        fsGroup: AXON_UID,
        // Only chown a volume when its root does not match: a recursive chown of a large event store
        // on every start would eat into the startup budget.
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level security: restricted profile plus a read-only root filesystem. */
export function containerSecurityContext(): SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: AXON_UID,
        runAsGroup: AXON_UID,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** 8024 HTTP (UI, REST, actuator), 8124 client gRPC, 8224 internal gRPC. */
export function containerPorts(): ContainerPort[] {
    return [
        { name: PORT_NAMES.http, containerPort: PORTS.http, protocol: "TCP" },
        { name: PORT_NAMES.grpc, containerPort: PORTS.grpc, protocol: "TCP" },
        { name: PORT_NAMES.internalGrpc, containerPort: PORTS.internalGrpc, protocol: "TCP" },
    ];
}

/** Requests and limits; memory request = limit because the JVM heap is derived from it. */
export function containerResources(node: Pick<AxonNode, "resources">): ResourceRequirements {
    const r = node.resources;
    return {
        requests: { cpu: r.cpu, memory: r.memory },
        limits: { cpu: r.cpuLimit, memory: r.memory },
    };
}

export interface EnvOptions {
    /** The node: its name, and its memory for the JVM heap. */
    readonly node: Pick<AxonNode, "name" | "resources">;
    /** `axoniq.axonserver.hostname` (also in the properties; the env var wins over the image default). */
    readonly hostname: string;
    /** Name of the Secret holding `internal.token`. */
    readonly tokensSecretName: pulumi.Input<string>;
    /** Whether a license file is mounted. */
    readonly licensed: boolean;
    /**
     * Where the files are inside the container (the license file's path comes from it).
     * @default - `CONTAINER_PATHS`
     */
    readonly paths?: AxonPaths;
}

/**
 * Container env. The internal token comes from a `secretKeyRef`, never a literal; the license env is a
 * file path, not the license.
 */
export function axonEnv(o: EnvOptions): EnvVar[] {
    const paths = o.paths ?? CONTAINER_PATHS;
    const env: EnvVar[] = [
        { name: "AXONIQ_AXONSERVER_NAME", value: o.node.name },
        { name: "AXONIQ_AXONSERVER_HOSTNAME", value: o.hostname },
        { name: JVM_OPTIONS_ENV, value: jvmHeapOptions(o.node.resources.memory) },
        { name: INTERNAL_TOKEN_ENV, valueFrom: { secretKeyRef: { name: o.tokensSecretName, key: TOKEN_KEYS.internalToken } } },
    ];
    if (o.licensed) env.push({ name: LICENSE_ENV, value: licenseFile(paths) });
    return env;
}

export interface PodVolumeOptions {
    /** ConfigMap with `axonserver.properties` and `cluster-template.yml`. */
    readonly configMapName: pulumi.Input<string>;
    /** Secret with `system.token` (only that key is mounted). */
    readonly tokensSecretName: pulumi.Input<string>;
    /**
     * Secret with the license file; mounted only when set.
     * @default - none (no license volume)
     */
    readonly licenseSecretName?: pulumi.Input<string>;
    /**
     * Secret with the node's certificate, key and CA; mounted only when set.
     * @default - none (no TLS volume)
     */
    readonly tlsSecretName?: pulumi.Input<string>;
}

/** Owner and group (fsGroup 1001) may read; nobody else. */
const SECRET_MODE = 0o440;

/** Pod volumes besides the PVC templates: config, secrets (read-only) and a writable `/tmp`. */
export function podVolumes(o: PodVolumeOptions): Volume[] {
    const volumes: Volume[] = [
        { name: VOLUMES.config, configMap: { name: o.configMapName, items: [
            { key: FILES.properties, path: FILES.properties },
            { key: FILES.clusterTemplate, path: FILES.clusterTemplate },
        ] } },
        { name: VOLUMES.security, secret: { secretName: o.tokensSecretName, defaultMode: SECRET_MODE, items: [
            { key: TOKEN_KEYS.systemToken, path: FILES.systemToken },
        ] } },
        // The root filesystem is read-only; Tomcat and the JVM write temporary files here.
        { name: VOLUMES.tmp, emptyDir: {} },
        // The cluster template Axon Server reads, written by the start-up guard before every start.
        { name: VOLUMES.template, emptyDir: {} },
        // The pod's annotations, for the guard's documented override (updated live by the kubelet).
        { name: VOLUMES.podInfo, downwardAPI: { items: [{ path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } }] } },
    ];
    if (o.licenseSecretName !== undefined) {
        volumes.push({ name: VOLUMES.license, secret: { secretName: o.licenseSecretName, defaultMode: SECRET_MODE, items: [
            { key: LICENSE_KEY, path: FILES.license },
        ] } });
    }
    if (o.tlsSecretName !== undefined) {
        volumes.push({ name: VOLUMES.tls, secret: { secretName: o.tlsSecretName, defaultMode: SECRET_MODE, items: [
            { key: FILES.tlsCert, path: FILES.tlsCert },
            { key: FILES.tlsKey, path: FILES.tlsKey },
            { key: FILES.tlsCa, path: FILES.tlsCa },
        ] } });
    }
    return volumes;
}

/** Mounts: the four PVCs read-write; config, tokens, license and TLS read-only; `/tmp`. */
export function volumeMounts(o: { licensed: boolean; tls: boolean; paths?: AxonPaths }): VolumeMount[] {
    const p = o.paths ?? CONTAINER_PATHS;
    const mounts: VolumeMount[] = [
        { name: VOLUMES.events, mountPath: p.events },
        { name: VOLUMES.data, mountPath: p.data },
        { name: VOLUMES.log, mountPath: p.log },
        { name: VOLUMES.plugins, mountPath: p.plugins },
        { name: VOLUMES.config, mountPath: p.configDir, readOnly: true },
        { name: VOLUMES.security, mountPath: p.security, readOnly: true },
        { name: VOLUMES.tmp, mountPath: "/tmp" },
        { name: VOLUMES.template, mountPath: p.runtimeTemplateDir, readOnly: true },
    ];
    if (o.licensed) mounts.push({ name: VOLUMES.license, mountPath: p.license, readOnly: true });
    if (o.tls) mounts.push({ name: VOLUMES.tls, mountPath: p.tls, readOnly: true });
    return mounts;
}

/**
 * Init container creating `controldb-backup-location` (`paths.controlDbBackups`) on the data volume:
 * the backup agent mounts that directory read-write as a subPath, which must exist before the pod's
 * containers start. Same image (it has a shell and `mkdir`), restricted like the server.
 */
export function controlDbBackupDirInitContainer(image: string, paths: AxonPaths = CONTAINER_PATHS): Container {
    return {
        name: "controldb-backup-dir",
        image,
        imagePullPolicy: "IfNotPresent",
        command: ["mkdir", "-p", paths.controlDbBackups],
        volumeMounts: [{ name: VOLUMES.data, mountPath: paths.data }],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        securityContext: containerSecurityContext(),
    };
}

/**
 * The start-up guard (components/axonserver/render/startupGuard.ts) as an init container: it runs before
 * every start of the pod, reads the data volume, the deployed template and the pod's annotations, and
 * writes the template Axon Server reads. Same image (bash, coreutils, getent: Ubuntu-based Temurin),
 * restricted like the server.
 */
export function startupGuardInitContainer(image: string, script: string, paths: AxonPaths = CONTAINER_PATHS): Container {
    return {
        name: "startup-guard",
        image,
        imagePullPolicy: "IfNotPresent",
        command: ["bash", "-c", script],
        volumeMounts: [
            { name: VOLUMES.data, mountPath: paths.data },
            { name: VOLUMES.config, mountPath: paths.configDir, readOnly: true },
            { name: VOLUMES.template, mountPath: paths.runtimeTemplateDir },
            { name: VOLUMES.podInfo, mountPath: POD_INFO_DIR, readOnly: true },
        ],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        securityContext: containerSecurityContext(),
    };
}

/**
 * PVC templates. `events` uses the storage class of the node's tier; the other volumes the `standard`
 * tier. The classes have `reclaimPolicy: Retain` (storageClass.ts). Changing a template replaces the
 * StatefulSet; the PVCs survive through `persistentVolumeClaimRetentionPolicy`.
 */
export function volumeClaimTemplates(o: {
    node: Pick<AxonNode, "storage" | "volumes">;
    storageClassNames: Readonly<Record<StorageTier, pulumi.Input<string>>>;
    labels: Record<string, string>;
}): PersistentVolumeClaim[] {
    const claim = (name: string, size: string, tier: StorageTier): PersistentVolumeClaim => ({
        metadata: { name, labels: o.labels },
        spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: o.storageClassNames[tier],
            resources: { requests: { storage: size } },
        },
    });
    return [
        claim(VOLUMES.events, o.node.volumes.events, o.node.storage),
        claim(VOLUMES.data, o.node.volumes.data, "standard"),
        claim(VOLUMES.log, o.node.volumes.log, "standard"),
        claim(VOLUMES.plugins, o.node.volumes.plugins, "standard"),
    ];
}

export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

/**
 * Node affinity pins the pod to its zone (its disks are zonal: `WaitForFirstConsumer` creates them in
 * the zone of first scheduling, so the pod must never move zones) and, on cloud sites, to the worker
 * pool of that zone by the pool's name (`workerPool`, see `WorkerPoolPin` in components/platform/host.ts:
 * a replaced pool changes the pod template, so the roller moves the pod before the old pool goes). Pod
 * anti-affinity keeps two Axon pods of the site off one worker: `required` when the site has enough
 * workers for it, else `preferred` (a single-worker kind cluster would otherwise leave pods Pending
 * forever).
 */
export function axonAffinity(o: {
    zone?: string;
    sitePodSelector: Record<string, string>;
    requireSeparateWorkers: boolean;
    /** The pool's node label and its name for this zone; only with `zone`. */
    workerPool?: { labelKey: string; poolName: pulumi.Input<string> };
}): Affinity {
    const term = { labelSelector: { matchLabels: o.sitePodSelector }, topologyKey: HOSTNAME_LABEL };
    const affinity: Affinity = {
        podAntiAffinity: o.requireSeparateWorkers
            ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
            : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    };
    if (o.zone !== undefined) {
        affinity.nodeAffinity = {
            requiredDuringSchedulingIgnoredDuringExecution: {
                // One term: its expressions are ANDed (zone and pool), terms would be ORed.
                nodeSelectorTerms: [
                    {
                        matchExpressions: [
                            { key: ZONE_LABEL, operator: "In", values: [o.zone] },
                            ...(o.workerPool ? [{ key: o.workerPool.labelKey, operator: "In", values: [o.workerPool.poolName] }] : []),
                        ],
                    },
                ],
            },
        };
    }
    return affinity;
}
