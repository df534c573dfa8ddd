/**
 * The backup bucket of an environment, in the disaster-recovery region.
 *
 * Layout (agent.ts, plan.ts): `<environment>/<node>/controldb/…`, `…/log/<group>/…`,
 * `…/events/<context>/…`; one prefix per agent node, so each agent's identity is scoped to its prefix
 * (access.ts). Versioned: every overwrite (active segment, markers, control DB zip, log replacement)
 * keeps the previous version for `retentionDays`, which is what makes a point-in-time restore possible.
 *
 * Data safety: `forceDestroy: false` (a non-empty bucket is never deleted), and the component passes
 * `protect: true` + `retainOnDelete: true` to the bucket by default (`pulumi destroy` leaves it; to
 * really delete it: `pulumi state unprotect`, empty it, remove it in the console).
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { BackupSettings } from "./settings";
import { bucketUrl } from "./agentRuntime";
import { accountRootKeyPolicy } from "../aws/iam";
import { CLOUD_EXTRA_KEYS, cloudIdentity } from "../topology/identity";

export interface BackupBucketArgs {
    /** Environment name, for the `axonserver-environment` tag / label and the key's description. */
    readonly environment: string;
    /** The stack's backup settings: the bucket's cloud and region, retention, Object Lock. */
    readonly settings: BackupSettings;
    /**
     * GCP project of the bucket (required for `cloud: gcp`).
     * @default - none
     */
    readonly gcpProject?: string;
    /**
     * AWS account id, for the KMS key policy (required for `cloud: aws`).
     * @default - none
     */
    readonly awsAccountId?: pulumi.Input<string>;
    /**
     * AWS partition.
     * @default "aws"
     */
    readonly awsPartition?: string;
    /**
     * `protect` + `retainOnDelete` on the bucket.
     * @default true
     */
    readonly protectBucket?: boolean;
    /**
     * Extra tags / labels.
     * @default - none
     */
    readonly tags?: Readonly<Record<string, string>>;
}

/** Multiple days; a GCS lifecycle condition takes whole days. */
const ABORT_MULTIPART_DAYS = 7;

/** A bucket policy denying every request that does not use TLS (`aws:SecureTransport` false). */
export function secureTransportOnlyPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });
}

/** What every step of a backup bucket shares: names, settings, labels and the options of its children. */
interface BackupBucketContext {
    /** The component's name: the prefix of every child's logical name. */
    readonly name: string;
    readonly args: BackupBucketArgs;
    readonly settings: BackupSettings;
    readonly parent: pulumi.Resource;
    /** `{ parent }` of the children that hold no data. */
    readonly child: pulumi.CustomResourceOptions;
    /** `{ parent, protect, retainOnDelete }` of the bucket and its key (`protectBucket`). */
    readonly keep: pulumi.CustomResourceOptions;
    /** Tags (S3) or labels (GCS) of the bucket and its key. */
    readonly labels: Record<string, string>;
}

function backupBucketContext(name: string, args: BackupBucketArgs, parent: pulumi.Resource): BackupBucketContext {
    const protect = args.protectBucket ?? true;
    return {
        name,
        args,
        settings: args.settings,
        parent,
        child: { parent },
        keep: { parent, protect, retainOnDelete: protect },
        labels: { ...cloudIdentity(args.environment), [CLOUD_EXTRA_KEYS.purpose]: "axonserver-backup", ...(args.tags ?? {}) },
    };
}

/** The bucket as the component exposes it: its name, and on S3 its ARN and SSE-KMS key. */
interface CreatedBucket {
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn?: pulumi.Output<string>;
    readonly kmsKeyArn?: pulumi.Output<string>;
}

/**
 * The S3 bucket in `drRegion`: its SSE-KMS key (`createS3BucketKey`), the bucket (never force-destroyed,
 * Object Lock when the settings ask), then `blockInsecureS3Access`, versioning, `encryptS3Bucket` and
 * `expireS3Versions`.
 */
export function createS3BackupBucket(ctx: BackupBucketContext): CreatedBucket {
    const { name, args, settings: s } = ctx;
    if (args.awsAccountId === undefined) throw new Error(`${name}: awsAccountId is required for an S3 backup bucket`);
    const key = createS3BucketKey(ctx, args.awsAccountId);
    const bucket = new aws.s3.Bucket(
        `${name}-bucket`,
        { region: s.drRegion, forceDestroy: false, objectLockEnabled: s.objectLock ? true : undefined, tags: ctx.labels },
        ctx.keep,
    );
    blockInsecureS3Access(ctx, bucket);
    const versioning = new aws.s3.BucketVersioning(
        `${name}-versioning`,
        { region: s.drRegion, bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
        ctx.child,
    );
    encryptS3Bucket(ctx, bucket, key);
    expireS3Versions(ctx, bucket, versioning);
    return { bucketName: bucket.bucket, bucketArn: bucket.arn, kmsKeyArn: key.arn };
}

/** The bucket's SSE-KMS key (rotation on), protected and kept like the bucket. */
export function createS3BucketKey(ctx: BackupBucketContext, awsAccountId: pulumi.Input<string>): aws.kms.Key {
    const { name, args } = ctx;
    return new aws.kms.Key(
        `${name}-key`,
        {
            region: ctx.settings.drRegion,
            description: `SSE-KMS key of the Axon Server backup bucket of ${args.environment}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: pulumi.output(awsAccountId).apply((id) => accountRootKeyPolicy(id, args.awsPartition ?? "aws")),
            tags: ctx.labels,
        },
        ctx.keep,
    );
}

/** The public access block and a bucket policy refusing requests without TLS. */
export function blockInsecureS3Access(ctx: BackupBucketContext, bucket: aws.s3.Bucket): void {
    const { name } = ctx;
    const region = ctx.settings.drRegion;
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access`,
        { region, bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        ctx.child,
    );
    // Requests without TLS are refused whoever makes them (S3 user guide, security best practices:
    // "Enforce encryption of data in transit … aws:SecureTransport").
    new aws.s3.BucketPolicy(
        `${name}-tls-only`,
        { region, bucket: bucket.id, policy: bucket.arn.apply(secureTransportOnlyPolicy) },
        // S3 rejects policy writes racing the public access block; a Deny is never "public".
        { parent: ctx.parent, dependsOn: [publicAccess] },
    );
}

/** SSE-KMS with the bucket's key by default, with an S3 Bucket Key. */
export function encryptS3Bucket(ctx: BackupBucketContext, bucket: aws.s3.Bucket, key: aws.kms.Key): void {
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${ctx.name}-sse`,
        {
            region: ctx.settings.drRegion,
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
        },
        ctx.child,
    );
}

/**
 * Noncurrent versions expire after `retentionDays` (with their delete markers and incomplete multipart
 * uploads); with `objectLock`, a GOVERNANCE default retention of `retentionDays`. Both after versioning.
 */
export function expireS3Versions(ctx: BackupBucketContext, bucket: aws.s3.Bucket, versioning: aws.s3.BucketVersioning): void {
    const { name, settings: s } = ctx;
    const region = s.drRegion;
    new aws.s3.BucketLifecycleConfiguration(
        `${name}-lifecycle`,
        {
            region,
            bucket: bucket.id,
            rules: [
                {
                    id: "expire-noncurrent-versions",
                    status: "Enabled",
                    filter: { prefix: "" },
                    noncurrentVersionExpiration: { noncurrentDays: s.retentionDays },
                    // Delete markers left once their versions expired.
                    expiration: { expiredObjectDeleteMarker: true },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
                },
            ],
        },
        { parent: ctx.parent, dependsOn: [versioning] },
    );
    if (s.objectLock) {
        // Governance mode: versions cannot be deleted or shortened for retentionDays except by a
        // principal with s3:BypassGovernanceRetention. Overwrites still work (they add versions).
        new aws.s3.BucketObjectLockConfiguration(
            `${name}-object-lock`,
            { region, bucket: bucket.id, objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "GOVERNANCE", days: s.retentionDays } } },
            { parent: ctx.parent, dependsOn: [versioning] },
        );
    }
}

/** The GCS bucket in `drRegion`: versioned, uniform access, public access prevented, never force-destroyed. */
export function createGcsBackupBucket(ctx: BackupBucketContext): CreatedBucket {
    const { name, args, settings: s } = ctx;
    if (!args.gcpProject) throw new Error(`${name}: gcpProject is required for a GCS backup bucket`);
    // No `retentionPolicy`: a GCS retention policy forbids replacing objects younger than the
    // period, and the agent must overwrite the active segment, its markers and the log prefix.
    // Versioning + a noncurrent-version lifecycle rule keep every state for retentionDays.
    const bucket = new gcp.storage.Bucket(
        `${name}-bucket`,
        {
            project: args.gcpProject,
            location: s.drRegion.toUpperCase(),
            storageClass: "STANDARD",
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            versioning: { enabled: true },
            forceDestroy: false,
            lifecycleRules: [
                { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: s.retentionDays, withState: "ARCHIVED" } },
                { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: ABORT_MULTIPART_DAYS } },
            ],
            labels: ctx.labels,
        },
        ctx.keep,
    );
    return { bucketName: bucket.name };
}

/**
 * The backup bucket on S3 (`createS3BackupBucket`) or GCS (`createGcsBackupBucket`), by
 * `settings.cloud`; the constructor only picks the step and exposes what it returns.
 */
export class BackupBucket extends pulumi.ComponentResource {
    /** Bucket name (S3 or GCS). */
    public readonly bucketName: pulumi.Output<string>;
    /** `s3://<name>` or `gs://<name>`: the agents' `BACKUP_BUCKET_URL`. */
    public readonly url: pulumi.Output<string>;
    /** S3 only: bucket ARN and the SSE-KMS key ARN (agents need Encrypt/GenerateDataKey on it). */
    public readonly bucketArn?: pulumi.Output<string>;
    public readonly kmsKeyArn?: pulumi.Output<string>;
    public readonly cloud: "aws" | "gcp";

    constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:backup:BackupBucket", name, {}, opts);
        const ctx = backupBucketContext(name, args, this);
        const s = args.settings;
        this.cloud = s.cloud;
        const created = s.cloud === "aws" ? createS3BackupBucket(ctx) : createGcsBackupBucket(ctx);
        this.bucketName = created.bucketName;
        this.bucketArn = created.bucketArn;
        this.kmsKeyArn = created.kmsKeyArn;
        this.url = this.bucketName.apply((n) => bucketUrl(s.cloud, n));
        this.registerOutputs({ bucketName: this.bucketName, url: this.url, bucketArn: this.bucketArn, kmsKeyArn: this.kmsKeyArn });
    }
}
