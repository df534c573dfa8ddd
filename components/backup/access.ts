/**
 * Write access to the backup bucket for the agents only, each scoped to its own prefix
 * `<environment>/<node>/` (plan.ts). IAM documents are built with `JSON.stringify` (no invokes: they
 * answer nothing under mocks).
 *
 * - AWS, Kubernetes site: an IRSA role per site trusted by the site's OIDC provider for the pods'
 *   service account, with `backupAgentPolicy` for the prefixes of the site's agents.
 * - AWS, VM site: `backupAgentPolicy` attached to the existing instance role (`AwsBackupRolePolicy`).
 * - GCP: `gcp.storage.BucketIAMMember` with an IAM condition on the object name prefix, for a
 *   Workload Identity GSA (GKE) or the VM's service account.
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy, POLICY_VERSION } from "../aws/iam";
import { BackupPlan, nodePrefix } from "./plan";

/** What one identity (a site's role or service account) may reach. */
export interface AgentScope {
    /** Prefixes (`<env>/<node>`, no trailing slash) the identity reads and writes. */
    readonly prefixes: readonly string[];
}

/** The scope of the agents running on the given nodes (e.g. one site's nodes). */
export function agentScope(environment: string, plan: BackupPlan, nodes: readonly string[]): AgentScope {
    const agents = plan.agents.filter((a) => nodes.includes(a.node));
    const prefixes = agents.map((a) => nodePrefix(environment, a.node));
    return { prefixes };
}

/**
 * IAM policy of an agent identity: objects only under its prefixes; `ListBucket` only with an
 * `s3:prefix` inside them; the SSE-KMS data-key operations on the bucket key.
 */
export function backupAgentPolicy(o: { bucketArn: string; kmsKeyArn: string; scope: AgentScope }): string {
    if (o.scope.prefixes.length === 0) throw new Error("backupAgentPolicy: no prefix");
    const statements: Record<string, unknown>[] = [
        {
            Sid: "AgentObjects",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            Resource: o.scope.prefixes.map((p) => `${o.bucketArn}/${p}/*`),
        },
        {
            Sid: "AgentList",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: o.bucketArn,
            Condition: { StringLike: { "s3:prefix": o.scope.prefixes.flatMap((p) => [`${p}/`, `${p}/*`]) } },
        },
    ];
    statements.push({
        Sid: "BucketKey",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
        Resource: o.kmsKeyArn,
    });
    return JSON.stringify({ Version: POLICY_VERSION, Statement: statements });
}

export interface AwsBackupIrsaRoleArgs {
    /** ARN of the site's `aws.iam.OpenIdConnectProvider`. */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** The cluster's OIDC issuer URL. */
    readonly oidcIssuerUrl: pulumi.Input<string>;
    /** Namespace of the Axon pods (their sidecars use the pod's identity). */
    readonly namespace: string;
    /** Service account of the Axon pods in `namespace`: the only subject that may assume the role. */
    readonly serviceAccount: string;
    /** ARN of the backup bucket. */
    readonly bucketArn: pulumi.Input<string>;
    /** ARN of the bucket's KMS key: the agents need its data-key operations for SSE-KMS objects. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The object prefixes of the site's agents (`agentScope`). */
    readonly scope: AgentScope;
    /**
     * Tags of the role.
     * @default - none
     */
    readonly tags?: Readonly<Record<string, string>>;
}

/** IRSA role of a Kubernetes site's agents. Annotate the pods' service account with `roleArn`. */
export class AwsBackupIrsaRole extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: AwsBackupIrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:backup:AwsBackupIrsaRole", name, {}, opts);
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                description: "Axon Server backup agents (sidecars) of one Kubernetes site",
                assumeRolePolicy: pulumi
                    .all([args.oidcProviderArn, args.oidcIssuerUrl])
                    .apply(([arn, issuer]) => irsaTrustPolicy({ oidcProviderArn: arn, issuerUrl: issuer, namespace: args.namespace, serviceAccount: args.serviceAccount })),
                tags: args.tags,
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: this.role.name,
                policy: pulumi.all([args.bucketArn, args.kmsKeyArn]).apply(([bucketArn, kmsKeyArn]) => backupAgentPolicy({ bucketArn, kmsKeyArn, scope: args.scope })),
            },
            { parent: this },
        );
        this.roleArn = this.role.arn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}

/** The agent policy on an existing role (a VM's instance role). */
export class AwsBackupRolePolicy extends pulumi.ComponentResource {
    public readonly policy: aws.iam.RolePolicy;

    constructor(
        name: string,
        args: { role: pulumi.Input<string>; bucketArn: pulumi.Input<string>; kmsKeyArn: pulumi.Input<string>; scope: AgentScope },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("axonserver:backup:AwsBackupRolePolicy", name, {}, opts);
        this.policy = new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: args.role,
                policy: pulumi.all([args.bucketArn, args.kmsKeyArn]).apply(([bucketArn, kmsKeyArn]) => backupAgentPolicy({ bucketArn, kmsKeyArn, scope: args.scope })),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}

/** `roles/storage.objectUser`: get, list, create, update, delete objects; no bucket administration. */
export const GCS_AGENT_ROLE = "roles/storage.objectUser";

/**
 * IAM condition of an agent binding: objects under its prefixes; or the bucket itself, because
 * `storage.objects.list` is checked on the bucket (listing shows names only; reading an object outside
 * the prefixes stays denied).
 */
export function gcsAgentCondition(bucket: string, scope: AgentScope): { title: string; description: string; expression: string } {
    const objects = scope.prefixes.map((p) => `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${p}/")`);
    return {
        title: "axonserver-backup-prefix",
        description: `Axon Server backup agents: ${scope.prefixes.join(", ")}`,
        expression: [`resource.type == "storage.googleapis.com/Bucket"`, ...objects].join(" || "),
    };
}

export interface GcpBackupAccessArgs {
    /** Name of the GCS backup bucket. */
    readonly bucketName: pulumi.Input<string>;
    /** `serviceAccount:<email>` of the Workload Identity GSA or the VM's service account. */
    readonly member: pulumi.Input<string>;
    /** The object prefixes the identity's agents read and write (`agentScope`). */
    readonly scope: AgentScope;
}

/** Conditional bucket bindings for one identity. */
export class GcpBackupAccess extends pulumi.ComponentResource {
    constructor(name: string, args: GcpBackupAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:backup:GcpBackupAccess", name, {}, opts);
        new gcp.storage.BucketIAMMember(
            `${name}-agent`,
            {
                bucket: args.bucketName,
                role: GCS_AGENT_ROLE,
                member: args.member,
                condition: pulumi.output(args.bucketName).apply((b) => gcsAgentCondition(b, args.scope)),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
