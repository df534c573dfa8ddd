/**
 * Where the backup agent runs. Pure object builders (type-only Pulumi imports), no resources.
 *
 * Sidecar, not a CronJob: the agent must read the files the REST API names from the node's own
 * volumes, and those are ReadWriteOnce PVCs attached to the node's pod. A CronJob pod would need the
 * same volumes on the same worker (RWO allows that only by accident of scheduling, and not at all for
 * `ReadWriteOncePod`), so the agent is a second container of the node's pod that mounts the volumes
 * read-only and talks to Axon Server on `127.0.0.1:8024`. It sleeps between runs (`--loop`), aligned
 * so that every agent runs `CONTROLDB_BEFORE_SNAPSHOT_MINUTES` before the daily snapshots. Every node runs
 * one (plan.ts: each node backs up its own control DB, logs and events).
 *
 * VMs run the same script from a systemd timer (`renderBackupTimerUnits`): `--once` per activation,
 * `OnCalendar` aligned the same way.
 *
 * Wiring (`AxonServerNode`'s `backup` argument, `stacks/backup.ts`):
 * - `containers: [axon, backupSidecarContainer(...)]`;
 * - `volumes: [...podVolumes, ...backupSidecarVolumes(configMapName)]`, with a ConfigMap whose data is
 *   `backupScriptConfigMapData()`;
 * - the pod's ServiceAccount carries the bucket identity (EKS: `eks.amazonaws.com/role-arn` = the IRSA
 *   role of access.ts; GKE: `iam.gke.io/gcp-service-account` = the GSA of access.ts); a GKE pod writing
 *   to S3 assumes its role with a projected token instead (`webIdentityRoleArn`, `webIdentityTokenVolume`);
 * - the control DB zips are in `controlDbBackups`, a directory of the data volume that every pod's init
 *   container creates; the agent mounts it read-write (subPath) to delete older zips (the newest stays,
 *   so a volume snapshot holds a consistent copy of the control DB).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { AxonNode, PORTS, Topology } from "../topology/model";
import { BACKUP_AGENT_RESOURCES } from "../topology/platform/capacity";
import { CONTAINER_PATHS, CONTROLDB_BACKUP_SUBDIR, systemTokenFile, VM_PATHS } from "../axonserver/render/paths";
import { AGENT_ENV, AGENT_SCRIPT_NAME, LOG_WINDOW_SECONDS, renderBackupAgent } from "./agent";
import { agentOf, BackupPlan, nodePrefix, planBackups, renderUnits } from "./plan";
import { BackupSettings, BucketCloud } from "./settings";
import { registryImage } from "../topology/images";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/**
 * Pinned stock images with the cloud CLI, bash, curl and a JSON tool (agent.ts): `amazon/aws-cli`
 * (Amazon Linux + `jq`), `google/cloud-sdk` slim (Debian + `python3`). Bump deliberately.
 */
export const AGENT_IMAGES: Readonly<Record<BucketCloud, string>> = {
    aws: "amazon/aws-cli:2.32.8",
    gcp: "google/cloud-sdk:552.0.0-slim",
};

/**
 * The image the backup agent and the restore Jobs run: `backup.agentImage` as configured, otherwise the
 * pinned stock image of the bucket's cloud through the stack's `imageRegistry` mirror (if any).
 */
export function backupAgentImage(settings: Pick<BackupSettings, "cloud" | "agentImage">, imageRegistry: string | undefined): string {
    return settings.agentImage ?? registryImage(imageRegistry, AGENT_IMAGES[settings.cloud]);
}

export const SIDECAR_NAME = "backup";
/** Pod volumes the sidecar adds (unique next to podSpec.ts's VOLUMES). */
export const SIDECAR_VOLUMES = { script: "backup-agent", tmp: "backup-tmp" } as const;
/** Where the ConfigMap with the script is mounted. */
export const SCRIPT_DIR = "/opt/axonserver-backup";
/** Env var holding the bucket root URL; `BACKUP_TARGET` expands it (`$(VAR)`, Kubernetes env syntax). */
export const BUCKET_URL_ENV = "BACKUP_BUCKET_URL";

/** The bucket root URL of a bucket name: `s3://<name>` or `gs://<name>`. */
export function bucketUrl(cloud: BucketCloud, bucketName: string): string {
    return `${cloud === "aws" ? "s3" : "gs"}://${bucketName}`;
}

/** Data of the ConfigMap holding the agent script. */
export function backupScriptConfigMapData(): Record<string, string> {
    return { [AGENT_SCRIPT_NAME]: renderBackupAgent() };
}

/**
 * AWS web identity of a sidecar outside EKS (a GKE pod writing to S3): the pod's ServiceAccount token,
 * projected for the STS audience, which the AWS CLI exchanges for the role's credentials
 * (`AssumeRoleWithWebIdentity`, env `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`, the same pair the EKS
 * pod identity webhook injects for IRSA). The kubelet refreshes the token before it expires.
 */
export const WEB_IDENTITY = {
    volume: "backup-aws-token",
    mountPath: "/var/run/secrets/axonserver-backup/aws",
    file: "token",
    audience: "sts.amazonaws.com",
    expirationSeconds: 3600,
} as const;

/** The projected token volume of `WEB_IDENTITY` (add it to the pod next to `backupSidecarVolumes`). */
export function webIdentityTokenVolume(): Volume {
    return {
        name: WEB_IDENTITY.volume,
        projected: {
            sources: [{ serviceAccountToken: { audience: WEB_IDENTITY.audience, expirationSeconds: WEB_IDENTITY.expirationSeconds, path: WEB_IDENTITY.file } }],
        },
    };
}

/** Pod volumes of the sidecar: the script ConfigMap (read-only, 0555) and a private `/tmp`. */
export function backupSidecarVolumes(configMapName: pulumi.Input<string>): Volume[] {
    return [
        { name: SIDECAR_VOLUMES.script, configMap: { name: configMapName, defaultMode: 0o555, items: [{ key: AGENT_SCRIPT_NAME, path: AGENT_SCRIPT_NAME }] } },
        { name: SIDECAR_VOLUMES.tmp, emptyDir: { sizeLimit: "64Mi" } },
    ];
}

export interface BackupSidecarOptions {
    node: Pick<AxonNode, "name">;
    topology: Pick<Topology, "environment" | "nodes" | "replicationGroups" | "imageRegistry">;
    settings: BackupSettings;
    /** Bucket root URL, e.g. `s3://<bucket>` (`bucketUrl`); may be an Output. */
    targetUrl: pulumi.Input<string>;
    /** The pod volume with `system.token` (podSpec.ts `VOLUMES.security`). */
    tokenVolumeName: string;
    /** The pod's PVC volumes (podSpec.ts `VOLUMES`). */
    volumeMountNames: { events: string; data: string; log: string };
    /** Precomputed plan (default: `planBackups(topology, settings)`). */
    plan?: BackupPlan;
    /**
     * ARN of the role the sidecar assumes with its projected token (`WEB_IDENTITY`): only for an S3 bucket
     * from a cluster without IRSA (GKE). On EKS the IRSA webhook injects the same env itself.
     */
    webIdentityRoleArn?: pulumi.Input<string>;
}

/** Env of an agent, shared by the sidecar and the VM timer. `target` values may use `$(BACKUP_BUCKET_URL)`. */
export function agentEnv(o: { environment: string; node: string; plan: BackupPlan; settings: BackupSettings; bucketRef: string; tokenFile: string }): Record<string, string> | undefined {
    const agent = agentOf(o.plan, o.node);
    if (!agent) return undefined;
    const env: Record<string, string> = {
        [AGENT_ENV.target]: `${o.bucketRef}/${nodePrefix(o.environment, o.node)}`,
        [AGENT_ENV.units]: renderUnits(agent.units),
        // 8024 stays plain HTTP with TLS on (TLS covers gRPC only: properties.ts), on the loopback.
        [AGENT_ENV.axonUrl]: `http://127.0.0.1:${PORTS.http}`,
        [AGENT_ENV.tokenFile]: o.tokenFile,
        // Keep the newest control DB zip on the volume, delete older ones.
        [AGENT_ENV.controlDbPrune]: "true",
        [AGENT_ENV.logWindowSeconds]: String(LOG_WINDOW_SECONDS),
        [AGENT_ENV.intervalMinutes]: String(o.settings.intervalMinutes),
        [AGENT_ENV.offsetMinutes]: String(agent.offsetMinutes),
        [AGENT_ENV.retries]: "5",
        [AGENT_ENV.retryDelaySeconds]: "5",
    };
    return env;
}

/**
 * The sidecar container of a node, or `undefined` when the plan has no agent for it (every node of the
 * topology has one, plan.ts).
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
        securityContext: {
            runAsNonRoot: true,
            runAsUser: 1001,
            runAsGroup: 1001,
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
    };
}

/** Quote a value for a systemd `Environment=` assignment. */
function systemdQuote(v: string): string {
    return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Path of the script on a VM (installed by the VM bootstrap next to the other units). */
export const VM_AGENT_PATH = `/usr/local/bin/${AGENT_SCRIPT_NAME}`;

/**
 * systemd units for a VM node's agent: `axonserver-backup.service` (oneshot, `--once`, as the
 * `axonserver` user so it can read the volumes and delete its older control DB zips) and
 * `axonserver-backup.timer` (`OnCalendar` at the plan's aligned minutes, `Persistent=true`).
 * `undefined` when the node has no agent. The VM engineer installs the script (`renderBackupAgent()`)
 * at `VM_AGENT_PATH` and these units; the instance role/SA carries the bucket access (access.ts).
 */
export function renderBackupTimerUnits(o: {
    node: Pick<AxonNode, "name">;
    topology: Pick<Topology, "environment" | "nodes" | "replicationGroups">;
    settings: BackupSettings;
    /** Bucket name (plain string: user data is rendered from resolved values). */
    bucketName: string;
    plan?: BackupPlan;
}): { service: string; timer: string } | undefined {
    const plan = o.plan ?? planBackups(o.topology, o.settings);
    const vars = agentEnv({
        environment: o.topology.environment,
        node: o.node.name,
        plan,
        settings: o.settings,
        bucketRef: bucketUrl(o.settings.cloud, o.bucketName),
        tokenFile: systemTokenFile(VM_PATHS),
    });
    if (!vars) return undefined;
    if (o.settings.cloud === "aws") vars.AWS_REGION = o.settings.drRegion;
    const agent = agentOf(plan, o.node.name)!;
    const minutes: number[] = [];
    for (let m = agent.offsetMinutes; m < 1440; m += o.settings.intervalMinutes) minutes.push(m);
    const calendar = minutes.map((m) => `*-*-* ${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}:00 UTC`);
    const service = [
        "[Unit]",
        `Description=Axon Server backup agent of ${o.node.name} (generated by axonserver-multiregion)`,
        "After=axonserver.service network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        "User=axonserver",
        "Group=axonserver",
        ...Object.entries(vars).map(([k, v]) => `Environment=${k}=${systemdQuote(v)}`),
        `ExecStart=/bin/bash ${VM_AGENT_PATH} --once`,
        "PrivateTmp=true",
        "NoNewPrivileges=true",
        "ProtectSystem=strict",
        // Deletes older control DB zips; the rest of the volume stays read-only to it.
        `ReadWritePaths=${VM_PATHS.controlDbBackups}`,
        "",
    ].join("\n");
    const timer = [
        "[Unit]",
        `Description=Runs the Axon Server backup agent of ${o.node.name} every ${o.settings.intervalMinutes} minutes`,
        "",
        "[Timer]",
        ...calendar.map((c) => `OnCalendar=${c}`),
        "Persistent=true",
        "AccuracySec=1s",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
    return { service, timer };
}
