/**
 * How the backup agent is run, whatever runs it: the image, its environment (`agentEnv`), the bucket URL,
 * and the paths and names the runners and the restore procedure (restorePlan.ts) share. Pure (type-only
 * Pulumi imports), no resources. The runners are platform adapters:
 * - Kubernetes: a sidecar container of the node's pod (components/kubernetes/backupSidecar.ts);
 * - VM: a systemd timer (components/vm/backupTimer.ts).
 */
import type * as k8s from "@pulumi/kubernetes";
import { PORTS } from "../topology/model";
import { AGENT_ENV, AGENT_SCRIPT_NAME, LOG_WINDOW_SECONDS } from "./agent";
import { agentOf, BackupPlan, nodePrefix, renderUnits } from "./plan";
import { BackupSettings, BucketCloud } from "./settings";
import { registryImage } from "../topology/images";

type Volume = k8s.types.input.core.v1.Volume;

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

/** Name of the agent's container in a Kubernetes node's pod (the restore procedure reads its env). */
export const SIDECAR_NAME = "backup";
/** Where the agent script is mounted in a container (the sidecar and the restore Jobs). */
export const SCRIPT_DIR = "/opt/axonserver-backup";

/** The bucket root URL of a bucket name: `s3://<name>` or `gs://<name>`. */
export function bucketUrl(cloud: BucketCloud, bucketName: string): string {
    return `${cloud === "aws" ? "s3" : "gs"}://${bucketName}`;
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

/** The projected token volume of `WEB_IDENTITY` (a pod of the sidecar or of a restore Job mounts it). */
export function webIdentityTokenVolume(): Volume {
    return {
        name: WEB_IDENTITY.volume,
        projected: {
            sources: [{ serviceAccountToken: { audience: WEB_IDENTITY.audience, expirationSeconds: WEB_IDENTITY.expirationSeconds, path: WEB_IDENTITY.file } }],
        },
    };
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

/** Path of the script on a VM (installed by the VM bootstrap next to the other units). */
export const VM_AGENT_PATH = `/usr/local/bin/${AGENT_SCRIPT_NAME}`;

