/**
 * IAM and KMS policy documents as JSON text. Pure functions, no Pulumi import.
 *
 * Built with `JSON.stringify` instead of the `aws.iam.getPolicyDocument` invoke: an invoke answers
 * nothing under mocks and these documents are small and fixed.
 * Callers resolve Outputs (ARNs, the OIDC issuer) first, e.g. with `pulumi.all(...).apply(...)`.
 */

/** The policy language version every document uses. */
export const POLICY_VERSION = "2012-10-17";

/** AWS managed policies the EKS site attaches, by name (the ARN depends on the partition). */
export const MANAGED_POLICIES = {
    /** Cluster role: lets the control plane manage ENIs, load balancers, etc. */
    eksCluster: "AmazonEKSClusterPolicy",
    /** Node role: kubelet talks to EKS. */
    eksWorkerNode: "AmazonEKSWorkerNodePolicy",
    /** Node role: the VPC CNI plugin assigns VPC addresses to pods. */
    eksCni: "AmazonEKS_CNI_Policy",
    /** Node role: pull images from ECR (EKS add-on images live there). */
    ecrReadOnly: "AmazonEC2ContainerRegistryReadOnly",
    /** EBS CSI controller role (IRSA): create/attach/snapshot EBS volumes. */
    ebsCsiDriver: "service-role/AmazonEBSCSIDriverPolicy",
} as const;

/** `arn:<partition>:iam::aws:policy/<name>` (partition `aws`, `aws-cn`, `aws-us-gov`). */
export function managedPolicyArn(name: string, partition = "aws"): string {
    return `arn:${partition}:iam::aws:policy/${name}`;
}

/** Trust policy letting an AWS service (e.g. `eks.amazonaws.com`, `ec2.amazonaws.com`) assume a role. */
export function serviceTrustPolicy(service: string): string {
    return JSON.stringify({
        Version: POLICY_VERSION,
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}

export interface IrsaTrustPolicyOptions {
    /** ARN of the cluster's `aws.iam.OpenIdConnectProvider`. */
    readonly oidcProviderArn: string;
    /** The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<ID>`). */
    readonly issuerUrl: string;
    /** Namespace of the only ServiceAccount that may assume the role. */
    readonly namespace: string;
    /** The only ServiceAccount (in `namespace`) that may assume the role: the token's `sub`. */
    readonly serviceAccount: string;
}

/** The issuer without its scheme: the prefix of the `:sub` / `:aud` condition keys. */
export function issuerHost(issuerUrl: string): string {
    return issuerUrl.replace(/^https:\/\//, "");
}

/**
 * IAM roles for service accounts: only the given Kubernetes service account of this cluster may assume
 * the role, through the cluster's OIDC provider, with the STS audience.
 */
export function irsaTrustPolicy(o: IrsaTrustPolicyOptions): string {
    const host = issuerHost(o.issuerUrl);
    return JSON.stringify({
        Version: POLICY_VERSION,
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: o.oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${host}:sub`]: `system:serviceaccount:${o.namespace}:${o.serviceAccount}`,
                        [`${host}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    });
}

/**
 * Key policy of a customer managed KMS key that delegates all access control to IAM (the AWS default
 * key policy): the account root may use and administer the key, so IAM policies of the account (such
 * as the EBS CSI driver's, see `ebsCsiKmsPolicy`) decide who actually can.
 */
export function accountRootKeyPolicy(accountId: string, partition = "aws"): string {
    return JSON.stringify({
        Version: POLICY_VERSION,
        Statement: [
            {
                Sid: "EnableIamUserPermissions",
                Effect: "Allow",
                Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
        ],
    });
}

/**
 * What the EBS CSI controller needs to create, attach and snapshot volumes encrypted with a customer
 * managed key (EKS user guide, "Creating the Amazon EBS CSI driver IAM role", custom KMS key policy):
 * grants only for AWS resources (EBS/EC2 use the grant when attaching), plus data-key operations.
 */
export function ebsCsiKmsPolicy(keyArn: string): string {
    return JSON.stringify({
        Version: POLICY_VERSION,
        Statement: [
            {
                Effect: "Allow",
                Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                Resource: [keyArn],
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
            {
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                Resource: [keyArn],
            },
        ],
    });
}
