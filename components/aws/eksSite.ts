/**
 * An EKS site: the cluster, its IAM roles, node group, add-ons (VPC CNI with NetworkPolicy, EBS CSI) and
 * retained StorageClasses per tier; hands the Axon workload a `KubernetesHost` (components/platform/host.ts).
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../platform/labels";
import { retainedStorageClassArgs } from "../platform/storageClass";
import { KubernetesHost, WorkerPoolPin } from "../platform/host";
import { EKS_NODEGROUP_LABEL, eksNodeGroupResourceName, tierStorageClassName } from "../topology/naming";
import { PortRule, sitePortRules } from "../topology/connectivity";
import { ClusterAccess, HEALTH_RELAY_PORT, PORTS, Site, STORAGE_TIERS, StorageTier, Topology } from "../topology/model";
import { AWS_TAG_KEYS, AwsNetwork, awsSiteTags, eksClusterName } from "./awsNetwork";
import {
    accountRootKeyPolicy,
    ebsCsiKmsPolicy,
    irsaTrustPolicy,
    MANAGED_POLICIES,
    managedPolicyArn,
    serviceTrustPolicy,
} from "./iam";
import { NodeLoadBalancers } from "./nodeLoadBalancer";
import { AwsIngressRules } from "./securityGroups";

/** Re-exported: the cluster name is also needed by `AwsNetwork` for its subnet tags. */
export { eksClusterName };

/** The EBS CSI driver: provisioner name, EKS add-on name and its controller's service account. */
/** The Amazon VPC CNI managed add-on and the configuration that turns on NetworkPolicy enforcement. */
export const VPC_CNI_ADDON = "vpc-cni";
export const VPC_CNI_CONFIGURATION = { enableNetworkPolicy: "true" } as const;

export const EBS_CSI = {
    provisioner: "ebs.csi.aws.com",
    addonName: "aws-ebs-csi-driver",
    namespace: "kube-system",
    serviceAccount: "ebs-csi-controller-sa",
} as const;

/**
 * EBS CSI StorageClass parameters of a tier, without the KMS key (added by `EksSite`). Parameter names
 * are those of kubernetes-sigs/aws-ebs-csi-driver `docs/parameters.md` and `docs/tagging.md`:
 *
 * - `fast`: gp3 with 50 IOPS per GiB (raised to the gp3 minimum of 3,000 for small volumes by
 *   `allowAutoIOPSPerGBIncrease`, capped by the driver at the gp3 maximum) and 250 MiB/s;
 * - `standard`: gp3 at its baseline (3,000 IOPS, 125 MiB/s);
 * - `cold`: sc1 (Cold HDD), sequential and cheap: fits append-only event segments on SECONDARY and
 *   backup nodes. **sc1 volumes are at least 125 GiB**: smaller claims fail to provision.
 *
 * Every volume is encrypted and tagged `axonserver-environment=<env>` and `axonserver-site=<site>`
 * (`tagSpecification_<n>`), which snapshot lifecycle policies select on.
 */
export function ebsStorageClassParameters(tier: StorageTier, environment: string, site: string): Record<string, string> {
    const byTier: Record<StorageTier, Record<string, string>> = {
        fast: { type: "gp3", iopsPerGB: "50", allowAutoIOPSPerGBIncrease: "true", throughput: "250" },
        standard: { type: "gp3" },
        cold: { type: "sc1" },
    };
    return {
        ...byTier[tier],
        encrypted: "true",
        tagSpecification_1: `${AWS_TAG_KEYS.environment}=${environment}`,
        tagSpecification_2: `${AWS_TAG_KEYS.site}=${site}`,
        tagSpecification_3: `axonserver-storage-tier=${tier}`,
    };
}

/** Minimum EBS volume size of a tier in GiB (sc1: 125 GiB; gp3: 1 GiB). */
export const EBS_MIN_SIZE_GIB: Readonly<Record<StorageTier, number>> = { fast: 1, standard: 1, cold: 125 };

/**
 * Kubernetes version of EKS clusters whose site sets none: pinned, so a replacement or a new site never
 * silently lands on another minor version. 1.35 is in standard support until 2027-03-27 (EKS user guide,
 * "Kubernetes version lifecycle", release calendar); `upgradePolicy: STANDARD` below makes EKS upgrade
 * a cluster at the end of standard support instead of billing extended support.
 */
export const EKS_DEFAULT_KUBERNETES_VERSION = "1.35";

/** Control-plane log types sent to CloudWatch Logs (EKS user guide, "Send control plane logs to CloudWatch Logs"). */
export const EKS_CONTROL_PLANE_LOGS = ["api", "audit", "authenticator"] as const;

/**
 * EKS-managed core add-ons, so EKS upgrades them with the cluster (pulumi-eks and terraform-aws-eks do the
 * same): coredns needs workers to run on; kube-proxy is a DaemonSet.
 */
export const EKS_CORE_ADDONS = ["coredns", "kube-proxy"] as const;

/** The access policy given to `clusterAccess.eksAdminPrincipals` (EKS user guide, "Access policy permissions"). */
export function eksClusterAdminPolicyArn(partition: string): string {
    return `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`;
}

/**
 * The API endpoint access of an EKS cluster. The private endpoint is always on (nodes and peered
 * networks use it). The public endpoint is on, open only to the runner's public ranges
 * (`clusterAccess.runnerCidrs`), unless `privateOnly`: then the runner reaches the private endpoint over
 * its transit gateway (`runnerRoutes`, validated at load time). EKS user guide, "Cluster API server
 * endpoint": `publicAccessCidrs` limits the public endpoint to the listed ranges.
 */
export function eksEndpointAccess(access: Pick<ClusterAccess, "runnerCidrs" | "privateOnly">): {
    endpointPrivateAccess: true;
    endpointPublicAccess: boolean;
    publicAccessCidrs?: string[];
} {
    if (access.privateOnly || access.runnerCidrs.length === 0) return { endpointPrivateAccess: true, endpointPublicAccess: false };
    return { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: [...access.runnerCidrs].sort() };
}

/** Inputs of the kubeconfig of an EKS cluster. */
export interface EksKubeconfigOptions {
    /** The EKS cluster's name (`aws eks get-token --cluster-name`). */
    readonly clusterName: string;
    /** The cluster's API server URL (`cluster.endpoint`). */
    readonly endpoint: string;
    /** Base64 certificate authority data (`cluster.certificateAuthority.data`). */
    readonly certificateAuthorityData: string;
    /** The cluster's region, passed to `aws eks get-token` explicitly. */
    readonly region: string;
    /**
     * Role `aws eks get-token` assumes (`clusterAccess.eksRoleArn`).
     * @default - none: the caller's identity
     */
    readonly roleArn?: string;
}

/**
 * The kubeconfig pulumi-eks `generateKubeconfig` builds: authentication through `aws eks get-token`
 * (AWS CLI v2 on the machine running `pulumi up`, with the credentials the README sets up), so no token
 * is stored in the state; `--role-arn` when the stack names a role to assume.
 */
export function eksKubeconfig(o: EksKubeconfigOptions): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Config",
        "current-context": "aws",
        clusters: [{ name: "kubernetes", cluster: { server: o.endpoint, "certificate-authority-data": o.certificateAuthorityData } }],
        contexts: [{ name: "aws", context: { cluster: "kubernetes", user: "aws" } }],
        users: [
            {
                name: "aws",
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: [
                            "--region",
                            o.region,
                            "eks",
                            "get-token",
                            "--cluster-name",
                            o.clusterName,
                            ...(o.roleArn ? ["--role-arn", o.roleArn] : []),
                            "--output",
                            "json",
                        ],
                        env: [{ name: "KUBERNETES_EXEC_INFO", value: '{"apiVersion": "client.authentication.k8s.io/v1beta1"}' }],
                    },
                },
            },
        ],
    };
}

/**
 * The CIDR rules of an EKS site's cluster security group: the HTTP port from the admin ranges and the API
 * on 443 from the admin and runner ranges. 8124, 8224 and the health relay's 8025 reach the workers only
 * through the nodes' NLBs, whose security group filters the client, peer and relay ranges
 * (`NodeLoadBalancers`): the cluster security group admits the NodePorts from that group alone, instead
 * of one rule per port and range.
 */
export function eksIngressRules(topology: Topology, site: Site): PortRule[] {
    const rules = sitePortRules(topology, site).filter((r) => r.port !== PORTS.grpc && r.port !== PORTS.internalGrpc && r.port !== HEALTH_RELAY_PORT);
    const runner = topology.clusterAccess.runnerRoutes.filter((r) => r.region === site.region).flatMap((r) => r.cidrs);
    const apiSources = [...new Set([...topology.adminCidrs, ...runner])].sort();
    if (apiSources.length > 0) {
        rules.push({ port: 443, cidrs: apiSources, description: "Kubernetes API private endpoint from admin and runner ranges" });
    }
    return rules;
}

export interface EksSiteArgs {
    /** The validated topology. */
    readonly topology: Topology;
    /** An `eks` site on `aws`. */
    readonly site: Site;
    /** The site's network (same site). */
    readonly network: AwsNetwork;
    /** Provider of the site's region. */
    readonly provider: aws.Provider;
}

/** Throws when the site is not an AWS `eks` site or the network is another site's. */
export function validateEksSiteArgs(args: Pick<EksSiteArgs, "site" | "network">): void {
    const { site, network } = args;
    if (site.cloud !== "aws" || site.platform !== "eks") {
        throw new Error(`EksSite: site ${site.name} is ${site.cloud}/${site.platform}, not aws/eks`);
    }
    if (network.site.name !== site.name) {
        throw new Error(`EksSite: site ${site.name} was given the network of site ${network.site.name}`);
    }
}

/** What every step of an EKS site shares: names, options (parent + regional provider), tags, account facts. */
interface EksSiteContext {
    /** The component's name: the prefix of every child's logical name. */
    readonly name: string;
    readonly topology: Topology;
    readonly site: Site;
    readonly network: AwsNetwork;
    readonly provider: aws.Provider;
    readonly parent: pulumi.Resource;
    /** `{ parent, provider }` of every AWS child. */
    readonly opts: pulumi.CustomResourceOptions;
    readonly tags: (name: string) => Record<string, string>;
    readonly clusterName: string;
    readonly accountId: pulumi.Output<string>;
    readonly partition: pulumi.Output<string>;
    /** ARN of an AWS managed policy in the site's partition. */
    readonly policyArn: (policy: string) => pulumi.Output<string>;
}

function eksSiteContext(name: string, args: EksSiteArgs, parent: pulumi.Resource): EksSiteContext {
    const { topology, site, provider } = args;
    const partition = aws.getPartitionOutput({}, { parent, provider }).partition;
    return {
        name,
        topology,
        site,
        network: args.network,
        provider,
        parent,
        opts: { parent, provider },
        tags: (n: string) => awsSiteTags(topology, site, n),
        clusterName: eksClusterName(topology, site),
        accountId: aws.getCallerIdentityOutput({}, { parent, provider }).accountId,
        partition,
        policyArn: (policy: string) => partition.apply((p) => managedPolicyArn(policy, p)),
    };
}

/**
 * The KMS key of the site's EBS volumes, unless the site names one (`kmsKeyArn`). Volumes survive
 * `pulumi destroy` (reclaimPolicy Retain), so their key does too, and so does its alias: a later `pulumi
 * up` of the site then fails on the existing alias instead of creating a second key that the retained
 * volumes are not encrypted with. Set `kmsKeyArn` to the kept key (`aws kms describe-key --key-id
 * alias/axonserver-<cluster>-ebs`) to reuse it.
 */
export function createEbsKey(ctx: EksSiteContext): { key?: aws.kms.Key; keyArn: pulumi.Output<string> } {
    const { name, site, topology, opts: o } = ctx;
    const configuredKey = site.cluster.kmsKeyArn;
    if (configuredKey !== undefined) return { keyArn: pulumi.output(configuredKey) };
    const key = new aws.kms.Key(
        `${name}-ebs-key`,
        {
            description: `EBS volumes of Axon Server site ${site.name} (${topology.environment})`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: pulumi.all([ctx.accountId, ctx.partition]).apply(([account, p]) => accountRootKeyPolicy(account, p)),
            tags: ctx.tags(`${name}-ebs-key`),
        },
        { ...o, retainOnDelete: true },
    );
    new aws.kms.Alias(`${name}-ebs-key-alias`, { name: `alias/axonserver-${ctx.clusterName}-ebs`, targetKeyId: key.keyId }, { ...o, retainOnDelete: true });
    return { key, keyArn: key.arn };
}

/** The cluster and node IAM roles with their AWS managed policies. */
export interface EksRoles {
    readonly clusterRole: aws.iam.Role;
    readonly clusterPolicy: aws.iam.RolePolicyAttachment;
    readonly nodeRole: aws.iam.Role;
    readonly nodePolicies: aws.iam.RolePolicyAttachment[];
}

export function createEksRoles(ctx: EksSiteContext): EksRoles {
    const { name, clusterName, opts: o } = ctx;
    const clusterRole = new aws.iam.Role(
        `${name}-cluster-role`,
        { assumeRolePolicy: serviceTrustPolicy("eks.amazonaws.com"), description: `EKS control plane of ${clusterName}`, tags: ctx.tags(`${name}-cluster-role`) },
        o,
    );
    const clusterPolicy = new aws.iam.RolePolicyAttachment(
        `${name}-cluster-policy`,
        { role: clusterRole.name, policyArn: ctx.policyArn(MANAGED_POLICIES.eksCluster) },
        o,
    );
    const nodeRole = new aws.iam.Role(
        `${name}-node-role`,
        { assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"), description: `EKS worker nodes of ${clusterName}`, tags: ctx.tags(`${name}-node-role`) },
        o,
    );
    const nodePolicies = (["eksWorkerNode", "eksCni", "ecrReadOnly"] as const).map(
        (key) => new aws.iam.RolePolicyAttachment(`${name}-node-${key}`, { role: nodeRole.name, policyArn: ctx.policyArn(MANAGED_POLICIES[key]) }, o),
    );
    return { clusterRole, clusterPolicy, nodeRole, nodePolicies };
}

/**
 * The EKS cluster in the site's private subnets: API authentication mode `API`, pinned Kubernetes
 * version with the STANDARD upgrade policy, control-plane logs, endpoint access from `eksEndpointAccess`.
 */
export function createEksCluster(ctx: EksSiteContext, roles: EksRoles): aws.eks.Cluster {
    const { name, site, topology, network, clusterName, opts: o } = ctx;
    return new aws.eks.Cluster(
        `${name}-eks`,
        {
            name: clusterName,
            roleArn: roles.clusterRole.arn,
            version: site.cluster.kubernetesVersion ?? EKS_DEFAULT_KUBERNETES_VERSION,
            upgradePolicy: { supportType: "STANDARD" },
            enabledClusterLogTypes: [...EKS_CONTROL_PLANE_LOGS],
            // The subnets of the site's zones at creation. EKS user guide ("Cluster VPC and subnet
            // requirements"): subnets added later "must be in the same set of AZs as originally
            // provided when you created the cluster" — adding a zone to an existing EKS site fails;
            // create a new site instead (README).
            vpcConfig: {
                subnetIds: network.privateSubnets.map((s) => s.id),
                ...eksEndpointAccess(topology.clusterAccess),
            },
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
            tags: ctx.tags(clusterName),
        },
        { ...o, dependsOn: [roles.clusterPolicy, ...(network.runnerAttachment ? [network.runnerAttachment] : [])] },
    );
}

/**
 * Everyone who administers the cluster besides its creator (another engineer, CI): an access entry plus
 * the cluster-admin access policy (EKS user guide, "Grant IAM users access to Kubernetes with EKS access
 * entries"; terraform-aws-eks `access_entries`). The creator already has one
 * (`bootstrapClusterCreatorAdminPermissions`): listing it again fails with ResourceInUse.
 */
export function createAdminAccessEntries(ctx: EksSiteContext, cluster: aws.eks.Cluster): aws.eks.AccessEntry[] {
    const { name, topology, opts: o } = ctx;
    return topology.clusterAccess.eksAdminPrincipals.map((principalArn, i) => {
        const entry = new aws.eks.AccessEntry(
            `${name}-admin-${i}`,
            { clusterName: cluster.name, principalArn, type: "STANDARD", tags: ctx.tags(`${name}-admin-${i}`) },
            o,
        );
        new aws.eks.AccessPolicyAssociation(
            `${name}-admin-${i}-policy`,
            { clusterName: cluster.name, principalArn: entry.principalArn, policyArn: ctx.partition.apply(eksClusterAdminPolicyArn), accessScope: { type: "cluster" } },
            o,
        );
        return entry;
    });
}

/**
 * One managed node group per zone (in `site.zones` order, so a node pinned to a zone always has a worker
 * there and its zonal EBS volume can attach), each named by the provider (no `nodeGroupName`: "If
 * omitted, the provider will assign a random, unique name"), so a change that forces a new group
 * (instance type, subnets, node role: ForceNew in terraform-provider-aws
 * internal/service/eks/node_group.go) creates the new group beside the old one, and the NLB target
 * groups' attachments follow its Auto Scaling group in the same update (`NodeLoadBalancers`). The Axon pods are pinned to their zone's group by its name
 * (`eksWorkerPool`), so the roller moves them onto the new group before Pulumi deletes the old one at
 * the end of the update; EKS itself drains a deleted group's nodes all at once and waits for no
 * PodDisruptionBudget for long (README "Changing the worker machine type").
 *
 * In-place updates (Kubernetes version, AMI) are EKS rolling updates, one node at a time
 * (`maxUnavailable: 1`): EKS honours PodDisruptionBudgets and, without the force flag
 * (`forceUpdateVersion`, deliberately unset), fails the update with `PodEvictionFailure` after
 * 15 minutes instead of evicting (EKS user guide, "Understand each phase of node updates").
 */
export function createNodeGroups(ctx: EksSiteContext, cluster: aws.eks.Cluster, roles: EksRoles): aws.eks.NodeGroup[] {
    const { name, site, network, opts: o } = ctx;
    return site.zones.map(
        (zone) =>
            new aws.eks.NodeGroup(
                eksNodeGroupResourceName(name, zone),
                {
                    clusterName: cluster.name,
                    nodeRoleArn: roles.nodeRole.arn,
                    subnetIds: [network.privateSubnetOf(zone).id],
                    instanceTypes: [site.cluster.machineType],
                    version: cluster.version,
                    scalingConfig: {
                        desiredSize: site.cluster.nodesPerZone,
                        minSize: site.cluster.nodesPerZone,
                        maxSize: site.cluster.nodesPerZone,
                    },
                    // Replace workers one at a time: each may host an Axon node of a quorum.
                    updateConfig: { maxUnavailable: 1 },
                    tags: ctx.tags(eksNodeGroupResourceName(name, zone)),
                },
                { ...o, dependsOn: roles.nodePolicies },
            ),
    );
}

/** The Axon pods of a zone run on that zone's node group (`nodeGroups` in `zones` order). */
export function eksWorkerPool(zones: readonly string[], nodeGroups: readonly aws.eks.NodeGroup[]): WorkerPoolPin {
    return {
        labelKey: EKS_NODEGROUP_LABEL,
        poolNameOfZone: (zone) => {
            const i = zones.indexOf(zone);
            if (i < 0 || !nodeGroups[i]) throw new Error(`EKS site has no node group in zone ${zone} (zones: ${zones.join(", ")})`);
            return nodeGroups[i].nodeGroupName;
        },
    };
}

/** IRSA for the EBS CSI controller and its managed add-on. */
export interface EbsCsi {
    readonly oidcIssuer: pulumi.Output<string>;
    readonly oidcProvider: aws.iam.OpenIdConnectProvider;
    readonly role: aws.iam.Role;
    readonly addon: aws.eks.Addon;
}

/**
 * The cluster's IAM OIDC provider, the EBS CSI controller's IRSA role (managed policy + use of the EBS
 * key) and the `aws-ebs-csi-driver` add-on, after the node groups (its controller pods need workers).
 */
export function createEbsCsi(ctx: EksSiteContext, cluster: aws.eks.Cluster, nodeGroups: aws.eks.NodeGroup[], kmsKeyArn: pulumi.Output<string>): EbsCsi {
    const { name, clusterName, opts: o } = ctx;
    const oidcIssuer = cluster.identities.apply((ids) => {
        const issuer = ids?.[0]?.oidcs?.[0]?.issuer;
        if (!issuer) throw new Error(`EKS cluster ${clusterName} reported no OIDC issuer`);
        return issuer;
    });
    const oidcProvider = new aws.iam.OpenIdConnectProvider(
        `${name}-oidc`,
        { url: oidcIssuer, clientIdLists: ["sts.amazonaws.com"], tags: ctx.tags(`${name}-oidc`) },
        o,
    );
    const role = new aws.iam.Role(
        `${name}-ebs-csi-role`,
        {
            assumeRolePolicy: pulumi.all([oidcProvider.arn, oidcIssuer]).apply(([arn, issuer]) =>
                irsaTrustPolicy({ oidcProviderArn: arn, issuerUrl: issuer, namespace: EBS_CSI.namespace, serviceAccount: EBS_CSI.serviceAccount }),
            ),
            description: `EBS CSI controller of ${clusterName}`,
            tags: ctx.tags(`${name}-ebs-csi-role`),
        },
        o,
    );
    const csiPolicy = new aws.iam.RolePolicyAttachment(`${name}-ebs-csi-policy`, { role: role.name, policyArn: ctx.policyArn(MANAGED_POLICIES.ebsCsiDriver) }, o);
    const csiKms = new aws.iam.RolePolicy(`${name}-ebs-csi-kms`, { role: role.name, policy: kmsKeyArn.apply(ebsCsiKmsPolicy) }, o);
    const addon = new aws.eks.Addon(
        `${name}-ebs-csi`,
        {
            clusterName: cluster.name,
            addonName: EBS_CSI.addonName,
            serviceAccountRoleArn: role.arn,
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: ctx.tags(`${name}-ebs-csi`),
        },
        // The controller pods need nodes to run on, and its role its permissions before it starts.
        { ...o, dependsOn: [...nodeGroups, csiPolicy, csiKms] },
    );
    return { oidcIssuer, oidcProvider, role, addon };
}

/**
 * The VPC CNI as a managed add-on with NetworkPolicy enforcement. Without it the Axon NetworkPolicies
 * are accepted but not enforced: the VPC CNI enforces Kubernetes network policies only with
 * `enableNetworkPolicy` (AWS EKS user guide, "Configure your cluster for Kubernetes network policies";
 * off by default). EKS installs the CNI itself; the managed add-on takes it over (OVERWRITE) with this
 * setting.
 */
export function createVpcCniAddon(ctx: EksSiteContext, cluster: aws.eks.Cluster): aws.eks.Addon {
    const { name, opts: o } = ctx;
    return new aws.eks.Addon(
        `${name}-vpc-cni`,
        {
            clusterName: cluster.name,
            addonName: VPC_CNI_ADDON,
            configurationValues: JSON.stringify(VPC_CNI_CONFIGURATION),
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: ctx.tags(`${name}-vpc-cni`),
        },
        o,
    );
}

/** EKS-managed coredns and kube-proxy (`EKS_CORE_ADDONS`), after the node groups. */
export function createCoreAddons(ctx: EksSiteContext, cluster: aws.eks.Cluster, nodeGroups: aws.eks.NodeGroup[]): aws.eks.Addon[] {
    const { name, opts: o } = ctx;
    return EKS_CORE_ADDONS.map(
        (addonName) =>
            new aws.eks.Addon(
                `${name}-${addonName}`,
                {
                    clusterName: cluster.name,
                    addonName,
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                    tags: ctx.tags(`${name}-${addonName}`),
                },
                // coredns is a Deployment: its add-on turns ACTIVE only once workers run its pods.
                { ...o, dependsOn: nodeGroups },
            ),
    );
}

/**
 * The Kubernetes provider of the cluster (`eksKubeconfig`). It waits for the admin access entries:
 * objects created with it must not race them.
 */
export function createKubeProvider(ctx: EksSiteContext, cluster: aws.eks.Cluster, adminAccessEntries: aws.eks.AccessEntry[]): k8s.Provider {
    const { name, site, topology } = ctx;
    const kubeconfig = pulumi.jsonStringify(
        pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority.data]).apply(([n, endpoint, ca]) =>
            eksKubeconfig({
                clusterName: n,
                endpoint,
                certificateAuthorityData: ca,
                region: site.region,
                ...(topology.clusterAccess.eksRoleArn ? { roleArn: topology.clusterAccess.eksRoleArn } : {}),
            }),
        ),
    );
    return new k8s.Provider(`${name}-k8s`, { kubeconfig, enableServerSideApply: true }, { parent: ctx.parent, dependsOn: adminAccessEntries });
}

/** A retained EBS CSI StorageClass per tier, encrypted with the site's key. */
export function createStorageClasses(
    ctx: EksSiteContext,
    kubeProvider: k8s.Provider,
    kmsKeyArn: pulumi.Output<string>,
): Record<StorageTier, k8s.storage.v1.StorageClass> {
    const { name, topology, site } = ctx;
    const scLabels = platformLabels(topology.environment);
    const storageClasses = {} as Record<StorageTier, k8s.storage.v1.StorageClass>;
    for (const tier of STORAGE_TIERS) {
        const parameters = ebsStorageClassParameters(tier, topology.environment, site.name);
        const base = retainedStorageClassArgs({
            name: tierStorageClassName(topology.environment, tier),
            provisioner: EBS_CSI.provisioner,
            parameters,
            labels: scLabels,
        });
        storageClasses[tier] = new k8s.storage.v1.StorageClass(
            `${name}-sc-${tier}`,
            // The key ARN is only known after creation, so it is added here rather than by the helper.
            { ...base, parameters: { ...parameters, kmsKeyId: kmsKeyArn } },
            { parent: ctx.parent, provider: kubeProvider },
        );
    }
    return storageClasses;
}

/**
 * An EKS cluster for one site, built from raw `@pulumi/aws` resources (the remote
 * `@pulumi/eks` components are opaque under mocks). The constructor only chains named steps:
 *
 * - `createEbsKey`: a KMS key (rotation on, kept on destroy: retained volumes stay readable) encrypting
 *   every EBS volume;
 * - `createEksRoles`: cluster and node IAM roles with the AWS managed policies;
 * - `createEksCluster`: the cluster in the private subnets, API access mode `API`, private endpoint on,
 *   public endpoint only for the runner's ranges (`eksEndpointAccess`);
 * - `createAdminAccessEntries`: access entries of `clusterAccess.eksAdminPrincipals`;
 * - `createNodeGroups`: one managed node group per zone, so a node pinned to a zone always has a worker
 *   there and its zonal EBS volume can attach;
 * - `createEbsCsi`, `createVpcCniAddon`, `createCoreAddons`: the IAM OIDC provider and the EBS CSI driver
 *   add-on with an IRSA role (managed policy + KMS), the VPC CNI with NetworkPolicy, coredns, kube-proxy;
 * - `createKubeProvider`, `createStorageClasses`: a Kubernetes provider (kubeconfig with `aws eks
 *   get-token`) and a retained StorageClass per tier;
 * - ingress rules on the cluster security group (which EKS puts on managed nodes, hence on pods) for
 *   the HTTP port and the API on 443 from the admin ranges (`eksIngressRules`);
 * - `NodeLoadBalancers`: an internal NLB per Axon node of the site, on fixed NodePorts of its workers.
 */
export class EksSite extends pulumi.ComponentResource {
    public readonly host: KubernetesHost;
    public readonly cluster: aws.eks.Cluster;
    public readonly kubeProvider: k8s.Provider;
    /** The EBS key this site created; absent when the site uses `kmsKeyArn` from config. */
    public readonly kmsKey?: aws.kms.Key;
    /** ARN of the key encrypting the site's EBS volumes (created, or `site.cluster.kmsKeyArn`). */
    public readonly kmsKeyArn: pulumi.Output<string>;
    /** EKS-managed coredns and kube-proxy. */
    public readonly coreAddons: aws.eks.Addon[];
    /** Access entries (with AmazonEKSClusterAdminPolicy) of `clusterAccess.eksAdminPrincipals`. */
    public readonly adminAccessEntries: aws.eks.AccessEntry[];
    public readonly oidcProvider: aws.iam.OpenIdConnectProvider;
    public readonly clusterRole: aws.iam.Role;
    public readonly nodeRole: aws.iam.Role;
    public readonly ebsCsiRole: aws.iam.Role;
    public readonly ebsCsiAddon: aws.eks.Addon;
    /** The VPC CNI as a managed add-on, with Kubernetes NetworkPolicy enforcement switched on. */
    public readonly vpcCniAddon: aws.eks.Addon;
    /** In `site.zones` order. */
    public readonly nodeGroups: aws.eks.NodeGroup[];
    public readonly storageClasses: Readonly<Record<StorageTier, k8s.storage.v1.StorageClass>>;
    public readonly ingressRules: AwsIngressRules;
    /** The internal NLB of each Axon node of the site. */
    public readonly nodeLoadBalancers: NodeLoadBalancers;
    /** The cluster's OIDC issuer URL. */
    public readonly oidcIssuer: pulumi.Output<string>;

    constructor(name: string, args: EksSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:aws:EksSite", name, {}, opts);
        validateEksSiteArgs(args);
        const { topology, site, provider } = args;
        const ctx = eksSiteContext(name, args, this);

        const key = createEbsKey(ctx);
        this.kmsKey = key.key;
        this.kmsKeyArn = key.keyArn;

        const roles = createEksRoles(ctx);
        this.clusterRole = roles.clusterRole;
        this.nodeRole = roles.nodeRole;

        this.cluster = createEksCluster(ctx, roles);
        this.adminAccessEntries = createAdminAccessEntries(ctx, this.cluster);
        this.nodeGroups = createNodeGroups(ctx, this.cluster, roles);

        const csi = createEbsCsi(ctx, this.cluster, this.nodeGroups, this.kmsKeyArn);
        this.oidcIssuer = csi.oidcIssuer;
        this.oidcProvider = csi.oidcProvider;
        this.ebsCsiRole = csi.role;
        this.ebsCsiAddon = csi.addon;
        this.vpcCniAddon = createVpcCniAddon(ctx, this.cluster);
        this.coreAddons = createCoreAddons(ctx, this.cluster, this.nodeGroups);

        this.kubeProvider = createKubeProvider(ctx, this.cluster, this.adminAccessEntries);
        const storageClasses = createStorageClasses(ctx, this.kubeProvider, this.kmsKeyArn);
        this.storageClasses = storageClasses;

        this.ingressRules = new AwsIngressRules(
            `${name}-cluster-sg`,
            {
                securityGroupId: this.cluster.vpcConfig.clusterSecurityGroupId,
                rules: eksIngressRules(topology, site),
                provider,
                tags: awsSiteTags(topology, site, `${name}-cluster-sg`),
            },
            { parent: this },
        );

        this.nodeLoadBalancers = new NodeLoadBalancers(
            `${name}-nlb`,
            { topology, site, network: args.network, provider, workerSecurityGroupId: this.cluster.vpcConfig.clusterSecurityGroupId, nodeGroups: this.nodeGroups },
            { parent: this },
        );

        this.host = {
            site: site.name,
            provider: this.kubeProvider,
            storageClassNames: {
                fast: storageClasses.fast.metadata.name,
                standard: storageClasses.standard.metadata.name,
                cold: storageClasses.cold.metadata.name,
            },
            readyResources: [this.ebsCsiAddon, this.vpcCniAddon, ...this.coreAddons, ...STORAGE_TIERS.map((t) => storageClasses[t]), ...this.nodeGroups],
            internalLoadBalancer: "aws-nlb",
            nodeLoadBalancers: this.nodeLoadBalancers.nodes,
            workerPool: eksWorkerPool(site.zones, this.nodeGroups),
        };

        this.registerOutputs({
            clusterName: this.cluster.name,
            endpoint: this.cluster.endpoint,
            oidcProviderArn: this.oidcProvider.arn,
            kmsKeyArn: this.kmsKeyArn,
            clusterSecurityGroupId: this.cluster.vpcConfig.clusterSecurityGroupId,
        });
    }
}
