/**
 * Daily volume snapshots, next to the file backups of the agents.
 *
 * - AWS (EKS PVs and EC2 VM volumes): one `aws.dlm.LifecyclePolicy` per AWS region with sites (DLM is
 *   regional and targets by tag; one policy per site would snapshot a region's volumes twice). It
 *   targets `axonserver-environment=<env>`: EBS CSI volumes get that tag from the storage class
 *   parameter `tagSpecification_1` (eksSite.ts `ebsStorageClassParameters`), VM volumes must carry it as
 *   an EC2 tag (the VM code tags them). Daily at `snapshotTime` UTC, `snapshotRetentionCount` kept, and
 *   copied (encrypted) to `drRegion` when that is another AWS region.
 * - GCP VMs: a `gcp.compute.ResourcePolicy` snapshot schedule per GCP region, exported for the VM code
 *   to attach with `gcp.compute.DiskResourcePolicyAttachment`. Snapshots are stored in the multi-region
 *   of the DR region (`eu`, `us`, `asia`), which survives the loss of the site's region.
 * - GKE PVs (created by the CSI driver, not by Pulumi): Backup for GKE, `gcp.gkebackup.BackupPlan` of
 *   the Axon namespace with volume data, daily, located in the DR region. Needs the cluster addon
 *   `addonsConfig.gkeBackupAgentConfig.enabled` and the `gkebackup.googleapis.com` API. Plus a
 *   `VolumeSnapshotClass` for on-demand `VolumeSnapshot`s (e.g. before an upgrade).
 *
 * Timing: the admin agent's runs are aligned so one starts `CONTROLDB_BEFORE_SNAPSHOT_MINUTES` before
 * `snapshotTime` (plan.ts `adminOffsetMinutes`), so a snapshot of the data volume holds a control DB
 * backup zip at most that old. GCE daily schedules only start at 00:00, 04:00, … 20:00 UTC (provider
 * docs), so GCP VM snapshots use the slot at or before `snapshotTime`.
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AWS_TAG_KEYS } from "../aws/awsNetwork";
import { accountRootKeyPolicy, managedPolicyArn, POLICY_VERSION, serviceTrustPolicy } from "../aws/iam";
import { gkeBackupRegion } from "../topology/clusterAccess";
import { DLM_DESCRIPTION } from "../topology/platform/limits";
import { cloudIdentity, KUBERNETES_KEYS, PART_OF } from "../topology/identity";
import { BackupSettings, minutesOfDay } from "./settings";

export const DLM_SERVICE = "dlm.amazonaws.com";
export const DLM_MANAGED_POLICY = "service-role/AWSDataLifecycleManagerServiceRole";
/** The tag every Axon Server volume of an environment carries (EBS CSI `tagSpecification_1`, VM tags). */
export const SNAPSHOT_TARGET_TAG = AWS_TAG_KEYS.environment;

/** A DLM description from free text: every other character becomes a space, runs collapse, cut to 500. */
export function dlmDescription(text: string): string {
    // Allowed characters: DLM_DESCRIPTION.pattern (components/topology/platform/limits.ts, with its sources).
    const clean = text.replace(/[^0-9A-Za-z _-]+/g, " ").replace(/ {2,}/g, " ").trim().slice(0, DLM_DESCRIPTION.maxLength.value).trim();
    return clean.length > 0 ? clean : "Axon Server volumes";
}

/** `HH:MM` of the GCE daily schedule: the 4-hour slot at or before `snapshotTime`. */
export function gceDailyStartTime(snapshotTime: string): string {
    const h = Math.floor(minutesOfDay(snapshotTime) / 60);
    return `${String(h - (h % 4)).padStart(2, "0")}:00`;
}

/** Multi-region of a GCP region (`europe-*` → `eu`, `us-*` → `us`, `asia-*` → `asia`); else the region. */
export function gcpMultiRegion(region: string): string {
    if (region.startsWith("europe-")) return "eu";
    if (region.startsWith("us-")) return "us";
    if (region.startsWith("asia-")) return "asia";
    return region;
}

/** `MM HH * * *` (UTC) of `snapshotTime`. */
export function dailyCron(snapshotTime: string): string {
    const m = minutesOfDay(snapshotTime);
    return `${m % 60} ${Math.floor(m / 60)} * * *`;
}

/** KMS grants DLM needs to copy snapshots of volumes encrypted with customer managed keys. */
export function dlmKmsPolicy(keyArns: readonly string[]): string {
    return JSON.stringify({
        Version: POLICY_VERSION,
        Statement: [
            { Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: keyArns },
            { Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: keyArns, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
        ],
    });
}

export interface AwsSnapshotPolicyArgs {
    /** Environment name: DLM targets the volumes tagged with it, and it tags the policy's resources. */
    readonly environment: string;
    /** The source region (where the volumes are). */
    readonly region: string;
    /** Sites in that region (for the description). */
    readonly sites: readonly string[];
    /** The stack's backup settings: snapshot time, retention count, and the DR region copies go to. */
    readonly settings: BackupSettings;
    /**
     * Customer managed keys of the volumes (EKS site keys), so DLM can copy their snapshots.
     * @default - none (volumes use AWS managed keys)
     */
    readonly volumeKmsKeyArns?: readonly pulumi.Input<string>[];
    /**
     * AWS partition, for the managed policy's and the key policy's ARNs.
     * @default "aws"
     */
    readonly partition?: string;
    /**
     * Extra tags of the role, policy and key.
     * @default - none
     */
    readonly tags?: Readonly<Record<string, string>>;
}

/** DLM policy (+ execution role) of one AWS region. */
export class AwsSnapshotPolicy extends pulumi.ComponentResource {
    public readonly policy: aws.dlm.LifecyclePolicy;
    public readonly role: aws.iam.Role;
    /**
     * Customer managed key of the snapshot copies in `drRegion` (kept on destroy: the copies stay
     * readable). Without `cmkArn` DLM encrypts copies with the DR region's `aws/ebs` managed key, whose
     * policy cannot be changed and which cannot be shared with another account.
     */
    public readonly drKey?: aws.kms.Key;

    constructor(name: string, args: AwsSnapshotPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:backup:AwsSnapshotPolicy", name, {}, opts);
        const s = args.settings;
        const tags = { [AWS_TAG_KEYS.environment]: args.environment, ...(args.tags ?? {}) };
        this.role = new aws.iam.Role(
            `${name}-dlm-role`,
            { description: `DLM snapshots of Axon Server volumes of ${args.environment} in ${args.region}`, assumeRolePolicy: serviceTrustPolicy(DLM_SERVICE), tags },
            { parent: this },
        );
        const attachment = new aws.iam.RolePolicyAttachment(
            `${name}-dlm-managed`,
            { role: this.role.name, policyArn: managedPolicyArn(DLM_MANAGED_POLICY, args.partition ?? "aws") },
            { parent: this },
        );
        const dependsOn: pulumi.Resource[] = [attachment];
        const copy = s.cloud === "aws" && s.drRegion !== args.region;
        if (copy) {
            const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
            this.drKey = new aws.kms.Key(
                `${name}-dr-key`,
                {
                    region: s.drRegion,
                    description: `Snapshot copies of Axon Server ${args.environment} volumes from ${args.region}`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 30,
                    policy: account.apply((a) => accountRootKeyPolicy(a, args.partition ?? "aws")),
                    tags,
                },
                { parent: this, retainOnDelete: true },
            );
        }
        const keyArns: pulumi.Input<string>[] = [...(args.volumeKmsKeyArns ?? []), ...(this.drKey ? [this.drKey.arn] : [])];
        if (keyArns.length > 0) {
            dependsOn.push(
                new aws.iam.RolePolicy(
                    `${name}-dlm-kms`,
                    { role: this.role.name, policy: pulumi.all(keyArns).apply((arns) => dlmKmsPolicy(arns)) },
                    { parent: this },
                ),
            );
        }
        this.policy = new aws.dlm.LifecyclePolicy(
            `${name}-dlm`,
            {
                region: args.region,
                description: dlmDescription(`Axon Server ${args.environment} volumes of ${args.sites.join(" ")} daily`),
                executionRoleArn: this.role.arn,
                state: "ENABLED",
                policyDetails: {
                    resourceTypes: ["VOLUME"],
                    targetTags: { [SNAPSHOT_TARGET_TAG]: args.environment },
                    schedules: [
                        {
                            name: `daily-${s.snapshotTime.replace(":", "")}-utc`,
                            createRule: { interval: 24, intervalUnit: "HOURS", times: s.snapshotTime },
                            retainRule: { count: s.snapshotRetentionCount },
                            copyTags: true,
                            ...(copy
                                ? {
                                      crossRegionCopyRules: [
                                          {
                                              target: s.drRegion,
                                              encrypted: true,
                                              cmkArn: this.drKey!.arn,
                                              copyTags: true,
                                              retainRule: { interval: s.snapshotRetentionCount, intervalUnit: "DAYS" },
                                          },
                                      ],
                                  }
                                : {}),
                        },
                    ],
                },
                tags,
            },
            { parent: this, dependsOn },
        );
        this.registerOutputs({ policyArn: this.policy.arn });
    }
}

export interface GcpSnapshotScheduleArgs {
    /** Environment name, for the description and the snapshots' `axonserver-environment` label. */
    readonly environment: string;
    /** GCP project of the disks. */
    readonly project: string;
    /** Region of the disks: a resource policy attaches only to disks of its own region. */
    readonly region: string;
    /** The stack's backup settings: snapshot time, retention count, and the DR region. */
    readonly settings: BackupSettings;
}

/** Snapshot schedule of GCP VM disks in one region; attach it to the disks (VM code). */
export class GcpSnapshotSchedule extends pulumi.ComponentResource {
    public readonly policy: gcp.compute.ResourcePolicy;
    /** The policy name, what `DiskResourcePolicyAttachment.name` takes (not the self link). */
    public readonly policyName: pulumi.Output<string>;

    constructor(name: string, args: GcpSnapshotScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:backup:GcpSnapshotSchedule", name, {}, opts);
        const s = args.settings;
        const storageLocation = gcpMultiRegion(s.cloud === "gcp" ? s.drRegion : args.region);
        this.policy = new gcp.compute.ResourcePolicy(
            `${name}-snapshots`,
            {
                project: args.project,
                region: args.region,
                description: `Axon Server ${args.environment} VM disks: daily snapshots`,
                snapshotSchedulePolicy: {
                    schedule: { dailySchedule: { daysInCycle: 1, startTime: gceDailyStartTime(s.snapshotTime) } },
                    retentionPolicy: { maxRetentionDays: s.snapshotRetentionCount, onSourceDiskDelete: "KEEP_AUTO_SNAPSHOTS" },
                    snapshotProperties: { storageLocations: storageLocation, labels: cloudIdentity(args.environment) },
                },
            },
            { parent: this },
        );
        this.policyName = this.policy.name;
        this.registerOutputs({ policyName: this.policyName });
    }
}

export interface GkeBackupArgs {
    /** Environment name, for the description, the plan's label and the VolumeSnapshotClass. */
    readonly environment: string;
    /** GCP project of the cluster. */
    readonly project: string;
    /** The cluster's region (used when the bucket is not on GCP). */
    readonly region: string;
    /** `gcp.container.Cluster.id` (`projects/…/locations/…/clusters/…`). */
    readonly clusterId: pulumi.Input<string>;
    /**
     * Region of the plan (where its backups are stored): the site's `backupRegion`.
     * @default - `gkeBackupLocation`: the DR region when the bucket is on GCP, else the paired region
     */
    readonly location?: string;
    /** Namespace of the Axon Server objects. */
    readonly namespace: string;
    /** The stack's backup settings: snapshot time, retention count, and the bucket's cloud and DR region. */
    readonly settings: BackupSettings;
    /** The site's Kubernetes provider (for the VolumeSnapshotClass). */
    readonly kubernetesProvider: k8s.Provider;
}

/**
 * Where a Backup for GKE plan keeps its backups. Backup for GKE, BackupPlan `location`: "the region where
 * all backup artifacts produced by the BackupPlan will be stored (both config backups and volume
 * backups)" — so never the cluster's own region, which a regional outage would take with it: the
 * configured region, else the DR region of a GCS bucket, else the cluster region's pair.
 */
export function gkeBackupLocation(clusterRegion: string, settings: Pick<BackupSettings, "cloud" | "drRegion">, configured?: string): string {
    const location = gkeBackupRegion({ region: clusterRegion, cluster: { backupRegion: configured } }, settings);
    if (!location || location === clusterRegion) {
        throw new Error(`Backup for GKE of a cluster in ${clusterRegion}: set sites[].backupRegion to another GCP region (no default pair)`);
    }
    return location;
}

/** Backup for GKE plan of the Axon namespace (with volume data) + a VolumeSnapshotClass. */
export class GkeBackup extends pulumi.ComponentResource {
    public readonly plan: gcp.gkebackup.BackupPlan;
    public readonly snapshotClass: k8s.apiextensions.CustomResource;

    constructor(name: string, args: GkeBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:backup:GkeBackup", name, {}, opts);
        const s = args.settings;
        this.plan = new gcp.gkebackup.BackupPlan(
            `${name}-plan`,
            {
                project: args.project,
                location: gkeBackupLocation(args.region, s, args.location),
                cluster: args.clusterId,
                description: `Axon Server ${args.environment}: namespace ${args.namespace} with volume data, daily`,
                backupConfig: {
                    selectedNamespaces: { namespaces: [args.namespace] },
                    includeVolumeData: true,
                    // Tokens, license and keys come back from Pulumi config, never from a backup.
                    includeSecrets: false,
                },
                backupSchedule: { cronSchedule: dailyCron(s.snapshotTime) },
                retentionPolicy: { backupRetainDays: s.snapshotRetentionCount },
                labels: cloudIdentity(args.environment),
            },
            { parent: this },
        );
        this.snapshotClass = new k8s.apiextensions.CustomResource(
            `${name}-snapshot-class`,
            {
                apiVersion: "snapshot.storage.k8s.io/v1",
                kind: "VolumeSnapshotClass",
                metadata: { name: `axonserver-${args.environment}`, labels: { [KUBERNETES_KEYS.partOf]: PART_OF, [KUBERNETES_KEYS.instance]: args.environment } },
                driver: "pd.csi.storage.gke.io",
                // A VolumeSnapshot deleted by mistake must not delete the disk snapshot.
                deletionPolicy: "Retain",
            },
            { parent: this, provider: args.kubernetesProvider },
        );
        this.registerOutputs({ planId: this.plan.id });
    }
}
