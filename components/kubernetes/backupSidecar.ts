/**
 * The backup agent as a sidecar of a Kubernetes node's pod: the Kubernetes adapter of the backup domain
 * (components/backup). Pure object builders (type-only Pulumi imports), no resources.
 *
 * Sidecar, not a CronJob: the agent must read the files the REST API names from the node's own
 * volumes, and those are ReadWriteOnce PVCs attached to the node's pod. A CronJob pod would need the
 * same volumes on the same worker (RWO allows that only by accident of scheduling, and not at all for
 * `ReadWriteOncePod`), so the agent is a second container of the node's pod that mounts the volumes
 * read-only and talks to Axon Server on `127.0.0.1:8024`. It sleeps between runs (`--loop`), aligned
 * so that every agent runs `CONTROLDB_BEFORE_SNAPSHOT_MINUTES` before the daily snapshots. Every node runs
 * one (components/backup/plan.ts: each node backs up its own control DB, logs and events).
 *
 * Wiring (`AxonServerNode`'s `backup` argument, `stacks/backup.ts`):
 * - `containers: [axon, backupSidecarContainer(...)]`;
 * - `volumes: [...podVolumes, ...backupSidecarVolumes(configMapName)]`, with a ConfigMap whose data is
 *   `backupScriptConfigMapData()`;
 * - the pod's ServiceAccount carries the bucket identity (EKS: `eks.amazonaws.com/role-arn` = the IRSA
 *   role of components/backup/access.ts; GKE: `iam.gke.io/gcp-service-account` = the GSA of access.ts);
 *   a GKE pod writing to S3 assumes its role with a projected token instead (`webIdentityRoleArn`,
 *   `webIdentityTokenVolume`);
 * - the control DB zips are in `controlDbBackups`, a directory of the data volume that every pod's init
 *   container creates; the agent mounts it read-write (subPath) to delete older zips (the newest stays,
 *   so a volume snapshot holds a consistent copy of the control DB).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PATHS, CONTROLDB_BACKUP_SUBDIR, systemTokenFile } from "../axonserver/render/paths";
import { AGENT_SCRIPT_NAME, renderBackupAgent } from "../backup/agent";
import { agentEnv, backupAgentImage, SCRIPT_DIR, SIDECAR_NAME, WEB_IDENTITY } from "../backup/agentRuntime";
import { BackupPlan, planBackups } from "../backup/plan";
import { BackupSettings } from "../backup/settings";
import { AxonNode, Topology } from "../topology/model";
import { BACKUP_AGENT_RESOURCES } from "../topology/platform/capacity";
import { containerSecurityContext } from "./podSpec";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Pod volumes the sidecar adds (unique next to the pod's own volumes, components/axonserver/render/paths.ts `VOLUMES`). */
export const SIDECAR_VOLUMES = { script: "backup-agent", tmp: "backup-tmp" } as const;
/** Env var holding the bucket root URL; `BACKUP_TARGET` expands it (`$(VAR)`, Kubernetes env syntax). */
export const BUCKET_URL_ENV = "BACKUP_BUCKET_URL";

/** Data of the ConfigMap holding the agent script. */
export function backupScriptConfigMapData(): Record<string, string> {
    return { [AGENT_SCRIPT_NAME]: renderBackupAgent() };
}

/** Pod volumes of the sidecar: the script ConfigMap (read-only, 0555) and a private `/tmp`. */
export function backupSidecarVolumes(configMapName: pulumi.Input<string>): Volume[] {
    return [
        { name: SIDECAR_VOLUMES.script, configMap: { name: configMapName, defaultMode: 0o555, items: [{ key: AGENT_SCRIPT_NAME, path: AGENT_SCRIPT_NAME }] } },
        { name: SIDECAR_VOLUMES.tmp, emptyDir: { sizeLimit: "64Mi" } },
    ];
}

/** What the sidecar of one node is built from. */
export interface BackupSidecarOptions {
    /** The node the sidecar backs up. */
    readonly node: Pick<AxonNode, "name">;
    /** The topology (its environment, nodes and groups name the node's prefix and units). */
    readonly topology: Pick<Topology, "environment" | "nodes" | "replicationGroups" | "imageRegistry">;
    /** The parsed `backup` config key. */
    readonly settings: BackupSettings;
    /** Bucket root URL, e.g. `s3://<bucket>` (`bucketUrl`); may be an Output. */
    readonly targetUrl: pulumi.Input<string>;
    /** The pod volume with `system.token` (components/axonserver/render/paths.ts `VOLUMES.security`). */
    readonly tokenVolumeName: string;
    /** The pod's PVC volumes (components/axonserver/render/paths.ts `VOLUMES`). */
    readonly volumeMountNames: { readonly events: string; readonly data: string; readonly log: string };
    /**
     * Precomputed plan.
     * @default - `planBackups(topology, settings)`
     */
    readonly plan?: BackupPlan;
    /**
     * ARN of the role the sidecar assumes with its projected token (`WEB_IDENTITY`): only for an S3 bucket
     * from a cluster without IRSA (GKE). On EKS the IRSA webhook injects the same env itself.
     * @default - none (the pod's ServiceAccount carries the identity)
     */
    readonly webIdentityRoleArn?: pulumi.Input<string>;
}

/**
 * The sidecar container of a node, or `undefined` when the plan has no agent for it (every node of the
 * topology has one, components/backup/plan.ts).
 */
export function backupSidecarContainer(o: BackupSidecarOptions): Container | undefined {
    const plan = o.plan ?? planBackups(o.topology, o.settings);
    const p = CONTAINER_PATHS;
    const vars = agentEnv({
        environment: o.topology.environment,
        node: o.node.name,
        plan,
        settings: o.settings,
        bucketRef: `$(${BUCKET_URL_ENV})`,
        tokenFile: systemTokenFile(p),
    });
    if (!vars) return undefined;
    // The agent deletes older control DB zips: it gets write access to their directory only (a subPath of
    // the data volume), never to the control DB.
    const webIdentity: EnvVar[] =
        o.webIdentityRoleArn !== undefined
            ? [
                  { name: "AWS_ROLE_ARN", value: o.webIdentityRoleArn },
                  { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: `${WEB_IDENTITY.mountPath}/${WEB_IDENTITY.file}` },
              ]
            : [];
    const env: EnvVar[] = [
        { name: BUCKET_URL_ENV, value: o.targetUrl },
        ...Object.entries(vars).map(([name, value]) => ({ name, value })),
        // Read-only root filesystem: the CLIs keep their caches and config under /tmp.
        { name: "HOME", value: "/tmp" },
        { name: "TMPDIR", value: "/tmp" },
        ...(o.settings.cloud === "gcp" ? [{ name: "CLOUDSDK_CONFIG", value: "/tmp/gcloud" }] : [{ name: "AWS_REGION", value: o.settings.drRegion }]),
        ...webIdentity,
    ];
    return {
        name: SIDECAR_NAME,
        // The stock image through the stack's registry mirror (`imageRegistry`), like the Axon Server image.
        image: backupAgentImage(o.settings, o.topology.imageRegistry),
        imagePullPolicy: "IfNotPresent",
        // The aws-cli image's entrypoint is `aws`: replace it.
        command: ["bash", `${SCRIPT_DIR}/${AGENT_SCRIPT_NAME}`],
        args: ["--loop"],
        env,
        volumeMounts: [
            { name: o.volumeMountNames.events, mountPath: p.events, readOnly: true },
            { name: o.volumeMountNames.data, mountPath: p.data, readOnly: true },
            { name: o.volumeMountNames.log, mountPath: p.log, readOnly: true },
            { name: o.volumeMountNames.data, mountPath: p.controlDbBackups, subPath: CONTROLDB_BACKUP_SUBDIR },
            { name: o.tokenVolumeName, mountPath: p.security, readOnly: true },
            { name: SIDECAR_VOLUMES.script, mountPath: SCRIPT_DIR, readOnly: true },
            { name: SIDECAR_VOLUMES.tmp, mountPath: "/tmp" },
            ...(o.webIdentityRoleArn !== undefined ? [{ name: WEB_IDENTITY.volume, mountPath: WEB_IDENTITY.mountPath, readOnly: true }] : []),
        ],
        // The loader's per-zone capacity check counts the same requests (one sidecar per Axon pod).
        resources: { requests: { ...BACKUP_AGENT_RESOURCES.requests }, limits: { ...BACKUP_AGENT_RESOURCES.limits } },
        // Axon Server's own container security (its uid): the agent reads the files Axon Server writes and
        // deletes its older zips.
        securityContext: containerSecurityContext(),
    };
}
