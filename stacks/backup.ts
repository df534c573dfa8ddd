/**
 * Wiring of backups and disaster recovery (components/backup): the bucket in the DR region, the agents
 * the backup plan designates with their bucket identities, and the daily volume snapshots. The
 * components own what they create; this file adds the few raw resources that join two of them (GCP
 * service accounts and IAM bindings, an AWS OIDC provider, disk snapshot-schedule attachments).
 *
 * - Bucket: one `BackupBucket` on the bucket cloud's provider (AWS: `AwsProviders.forRegion(drRegion)`).
 * - Agents (`planBackups`): a sidecar of the designated Kubernetes nodes, a systemd timer on designated
 *   VM nodes. Identities, each scoped to its agents' prefixes (`agentScope`):
 *   - EKS → S3: IRSA. An `AwsBackupIrsaRole` on the site's OIDC provider for the Axon ServiceAccount,
 *     which carries `eks.amazonaws.com/role-arn` (docs.aws.amazon.com/eks/latest/eksctl/iamserviceaccounts.html:
 *     "a service account should include the ARN of that role as an annotation (eks.amazonaws.com/role-arn)";
 *     the EKS webhook then injects `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`).
 *   - GKE → GCS: Workload Identity. A GCP service account, `roles/iam.workloadIdentityUser` for
 *     `serviceAccount:<project>.svc.id.goog[<ns>/<sa>]`, `GcpBackupAccess`, and the ServiceAccount annotated
 *     `iam.gke.io/gcp-service-account` with its email (GKE Workload Identity docs).
 *   - GKE → S3: the cluster's own OIDC issuer (`https://container.googleapis.com/v1/projects/<p>/locations/<l>/clusters/<c>`,
 *     GKE `projects.locations.clusters.well-known.getOpenid-configuration`) registered as an AWS IAM OIDC
 *     provider, an `AwsBackupIrsaRole` trusting it for the Axon ServiceAccount, and the sidecar exchanging a
 *     projected token (audience `sts.amazonaws.com`) for the role (`WEB_IDENTITY` in components/backup/agentRuntime.ts).
 *   - VM: `AwsBackupRolePolicy` on the instance role, or `GcpBackupAccess` for the instance's service account.
 *   Other pairs (EKS or EC2 → GCS, Compute Engine → S3, an existing cluster) have no identity this program
 *   can set up: the loader rejects them (`backupWiringIssues` in components/topology/validate.ts).
 * - Snapshots: an `AwsSnapshotPolicy` per AWS region with sites (EKS KMS keys for the copy; EC2 volumes use the
 *   AWS managed EBS key, which DLM may use without a grant), a `GcpSnapshotSchedule` per GCP region with VM
 *   sites attached to the VMs' data disks, a `GkeBackup` per GKE site (its cluster gets the Backup for GKE addon).
 *
 * Two phases: `createBackup` before the cluster (the pods and VMs need the sidecars, the timers and the
 * ServiceAccount annotations), `attachVmBackup` after it (VM identities and disks exist only then: it reads
 * them from the cluster's placed nodes).
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { AwsProviders } from "../components/aws/providers";
import { agentScope, AwsBackupIrsaRole, AwsBackupRolePolicy, GcpBackupAccess } from "../components/backup/access";
import { BackupBucket } from "../components/backup/backupBucket";
import { BackupPlan, planBackups } from "../components/backup/plan";
import { BackupSettings } from "../components/backup/settings";
import { webIdentityTokenVolume } from "../components/backup/agentRuntime";
import { backupSidecarContainer } from "../components/kubernetes/backupSidecar";
import { AwsSnapshotPolicy, GcpSnapshotSchedule, GkeBackup } from "../components/backup/snapshots";
import { gcpAccountId, GCP_MAX_LOGICAL_NAME } from "../components/gcp/ranges";
import { cloudIdentity, fitName } from "../components/topology/identity";
import { AxonServerCluster } from "../components/axonserver/cluster";
import type { NodeBackupSidecar } from "../components/kubernetes/axonServerNode";
import { SITE_OBJECT_NAMES } from "../components/kubernetes/siteObjects";
import { VOLUMES } from "../components/axonserver/render/paths";
import { Site, Topology } from "../components/topology/model";
import { siteResourcePrefix } from "../components/topology/naming";
import type { VmNodeBackup } from "../components/axonserver/vmNode";
import { isAwsNetworkSite, Sites } from "./sites";

/** ServiceAccount annotation of an IRSA role (EKS). */
export const EKS_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";
/** ServiceAccount annotation of a Workload Identity GSA (GKE). */
export const GKE_GSA_ANNOTATION = "iam.gke.io/gcp-service-account";
export const WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser";

/** OIDC issuer of a GKE cluster's ServiceAccount tokens (its `workloadIdentityConfig.issuerUri`). */
export function gkeOidcIssuerUrl(project: string, location: string, cluster: string): string {
    return `https://container.googleapis.com/v1/projects/${project}/locations/${location}/clusters/${cluster}`;
}

/** IAM partition of an AWS region. */
function awsPartition(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

export interface Backup {
    readonly settings: BackupSettings;
    readonly plan: BackupPlan;
    readonly bucket: BackupBucket;
    /** The backup agent sidecar per Kubernetes node name (`kubernetesPlacer` `backupSidecars`). */
    readonly sidecars: Readonly<Record<string, NodeBackupSidecar>>;
    /** The backup agent per VM node name (`vmPlacer` `backups`). */
    readonly vmBackups: Readonly<Record<string, VmNodeBackup>>;
    /** Annotations of each site's Axon ServiceAccount (`kubernetesPlacer` `serviceAccountAnnotations`). */
    readonly serviceAccountAnnotations: Readonly<Record<string, Record<string, pulumi.Input<string>>>>;
    /** AWS roles of the agents per Kubernetes site (IRSA on EKS; web identity on GKE with an S3 bucket). */
    readonly agentRoles: Readonly<Record<string, AwsBackupIrsaRole>>;
    /** Workload Identity GSAs of the agents per GKE site (GCS bucket). */
    readonly agentServiceAccounts: Readonly<Record<string, gcp.serviceaccount.Account>>;
    readonly awsSnapshotPolicies: Readonly<Record<string, AwsSnapshotPolicy>>;
    readonly gcpSnapshotSchedules: Readonly<Record<string, GcpSnapshotSchedule>>;
    readonly gkeBackups: Readonly<Record<string, GkeBackup>>;
    /** Bucket access of each VM node's identity, by node name (`attachVmBackup`; empty before). */
    readonly vmAccess: Readonly<Record<string, AwsBackupRolePolicy | GcpBackupAccess>>;
    /** The GCE data disks' snapshot schedule attachments, by node name (`attachVmBackup`; empty before). */
    readonly diskPolicyAttachments: Readonly<Record<string, gcp.compute.DiskResourcePolicyAttachment>>;
    /** Providers of the bucket's cloud (created here when no site brought them). */
    readonly awsProviders?: AwsProviders;
    readonly gcpProvider?: gcp.Provider;
}

/** Phase 1: bucket, Kubernetes agents and their identities, snapshot policies. */
export function createBackup(topology: Topology, sites: Sites, settings: BackupSettings): Backup {
    const env = topology.environment;
    const ns = topology.kubernetes.namespace;
    const ksa = SITE_OBJECT_NAMES.serviceAccount;
    const tags = cloudIdentity(env);
    const awsSites = topology.sites.filter(isAwsNetworkSite);
    const awsProviders = sites.awsProviders ?? (settings.cloud === "aws" ? new AwsProviders(`${env}-aws`) : undefined);
    const needsGcp = settings.cloud === "gcp" || topology.sites.some((s) => s.cloud === "gcp" && (s.platform === "gke" || s.platform === "vm"));
    const gcpProvider =
        sites.gcp?.provider ?? (needsGcp ? new gcp.Provider(`${env}-gcp`, { project: topology.gcpProject, region: settings.drRegion }) : undefined);
    const project = topology.gcpProject ?? "";

    // --- bucket ----------------------------------------------------------------------------------
    let bucket: BackupBucket;
    if (settings.cloud === "aws") {
        const provider = awsProviders!.forRegion(settings.drRegion);
        bucket = new BackupBucket(
            `${env}-backup`,
            {
                environment: env,
                settings,
                awsAccountId: aws.getCallerIdentityOutput({}, { provider }).accountId,
                awsPartition: awsPartition(settings.drRegion),
            },
            { providers: [provider] },
        );
    } else {
        bucket = new BackupBucket(`${env}-backup`, { environment: env, settings, gcpProject: project }, { providers: [gcpProvider!] });
    }

    // --- agents ----------------------------------------------------------------------------------
    const plan = planBackups(topology, settings);
    const sidecars: Record<string, NodeBackupSidecar> = {};
    const vmBackups: Record<string, VmNodeBackup> = {};
    const serviceAccountAnnotations: Record<string, Record<string, pulumi.Input<string>>> = {};
    const agentRoles: Record<string, AwsBackupIrsaRole> = {};
    const agentServiceAccounts: Record<string, gcp.serviceaccount.Account> = {};
    const s3 = () => ({ bucketArn: bucket.bucketArn!, kmsKeyArn: bucket.kmsKeyArn! });

    for (const site of topology.sites) {
        const agents = plan.agents.filter((a) => a.site === site.name);
        if (agents.length === 0) continue;
        const prefix = siteResourcePrefix(topology, site.name);
        const scope = agentScope(env, plan, agents.map((a) => a.node));
        if (site.platform === "vm") {
            for (const a of agents) vmBackups[a.node] = { settings, plan, bucketName: bucket.bucketName };
            continue;
        }
        let webIdentityRoleArn: pulumi.Output<string> | undefined;
        if (site.platform === "eks" && settings.cloud === "aws") {
            const eks = sites.eksSites[site.name];
            agentRoles[site.name] = new AwsBackupIrsaRole(
                `${prefix}-backup`,
                { oidcProviderArn: eks.oidcProvider.arn, oidcIssuerUrl: eks.oidcIssuer, namespace: ns, serviceAccount: ksa, ...s3(), scope, tags },
                { providers: [sites.awsNetworks[site.name].provider] },
            );
            serviceAccountAnnotations[site.name] = { [EKS_ROLE_ANNOTATION]: agentRoles[site.name].roleArn };
        } else if (site.platform === "gke" && settings.cloud === "gcp") {
            const gsa = new gcp.serviceaccount.Account(
                `${prefix}-backup-sa`,
                { project, accountId: gcpAccountId(topology, site.name, "backup"), displayName: `Axon Server backup agents of site ${env}/${site.name}` },
                { provider: gcpProvider },
            );
            new gcp.serviceaccount.IAMMember(
                `${prefix}-backup-wi`,
                { serviceAccountId: gsa.name, role: WORKLOAD_IDENTITY_USER, member: `serviceAccount:${project}.svc.id.goog[${ns}/${ksa}]` },
                { provider: gcpProvider },
            );
            new GcpBackupAccess(`${prefix}-backup`, { bucketName: bucket.bucketName, member: pulumi.interpolate`serviceAccount:${gsa.email}`, scope }, { providers: [gcpProvider!] });
            agentServiceAccounts[site.name] = gsa;
            serviceAccountAnnotations[site.name] = { [GKE_GSA_ANNOTATION]: gsa.email };
        } else if (site.platform === "gke" && settings.cloud === "aws") {
            const gke = sites.gkeSites[site.name];
            const provider = awsProviders!.forRegion(settings.drRegion);
            const issuer = gke.cluster.name.apply((c) => gkeOidcIssuerUrl(project, site.region, c));
            const oidc = new aws.iam.OpenIdConnectProvider(`${prefix}-backup-oidc`, { url: issuer, clientIdLists: ["sts.amazonaws.com"], tags }, { provider });
            agentRoles[site.name] = new AwsBackupIrsaRole(
                `${prefix}-backup`,
                { oidcProviderArn: oidc.arn, oidcIssuerUrl: issuer, namespace: ns, serviceAccount: ksa, ...s3(), scope, tags },
                { providers: [provider] },
            );
            webIdentityRoleArn = agentRoles[site.name].roleArn;
        } else {
            throw new Error(`site ${site.name} (${site.cloud}/${site.platform}) cannot run a backup agent for a bucket on ${settings.cloud}`); // rejected by the loader (backupWiringIssues)
        }
        for (const a of agents) {
            const container = backupSidecarContainer({
                node: { name: a.node },
                topology,
                settings,
                plan,
                targetUrl: bucket.url,
                tokenVolumeName: VOLUMES.security,
                volumeMountNames: { events: VOLUMES.events, data: VOLUMES.data, log: VOLUMES.log },
                webIdentityRoleArn,
            })!;
            sidecars[a.node] = { container, ...(webIdentityRoleArn ? { extraVolumes: [webIdentityTokenVolume()] } : {}) };
        }
    }

    // --- snapshots -------------------------------------------------------------------------------
    const awsSnapshotPolicies: Record<string, AwsSnapshotPolicy> = {};
    for (const region of [...new Set(awsSites.map((s) => s.region))]) {
        const inRegion = awsSites.filter((s) => s.region === region);
        awsSnapshotPolicies[region] = new AwsSnapshotPolicy(
            `${env}-${region}-snapshots`,
            {
                environment: env,
                region,
                sites: inRegion.map((s) => s.name),
                settings,
                volumeKmsKeyArns: inRegion.filter((s) => s.platform === "eks").map((s) => sites.eksSites[s.name].kmsKeyArn),
                partition: awsPartition(region),
            },
            { providers: [awsProviders!.forRegion(region)] },
        );
    }
    const gcpSnapshotSchedules: Record<string, GcpSnapshotSchedule> = {};
    const gceSites = topology.sites.filter((s) => s.cloud === "gcp" && s.platform === "vm");
    for (const region of [...new Set(gceSites.map((s) => s.region))]) {
        gcpSnapshotSchedules[region] = new GcpSnapshotSchedule(
            fitName(`${env}-${region}-vm`, GCP_MAX_LOGICAL_NAME - "-snapshots".length),
            { environment: env, project, region, settings },
            { providers: [gcpProvider!] },
        );
    }
    const gkeBackups: Record<string, GkeBackup> = {};
    for (const site of topology.sites.filter((s: Site) => s.platform === "gke")) {
        const gke = sites.gkeSites[site.name];
        gkeBackups[site.name] = new GkeBackup(
            `${siteResourcePrefix(topology, site.name)}-gke-backup`,
            {
                environment: env,
                project,
                region: site.region,
                ...(site.cluster.backupRegion !== undefined ? { location: site.cluster.backupRegion } : {}),
                clusterId: gke.cluster.id,
                namespace: ns,
                settings,
                kubernetesProvider: gke.kubeProvider,
            },
            { providers: [gcpProvider!] },
        );
    }

    return {
        settings,
        plan,
        bucket,
        sidecars,
        vmBackups,
        serviceAccountAnnotations,
        agentRoles,
        agentServiceAccounts,
        awsSnapshotPolicies,
        gcpSnapshotSchedules,
        gkeBackups,
        vmAccess: {},
        diskPolicyAttachments: {},
        awsProviders,
        gcpProvider,
    };
}

/**
 * Phase 2, after the cluster placed the nodes: bucket access for the designated nodes' machines
 * (`PlacedNode.machine`) and the GCE data disks' snapshot schedule. Returns `backup` with both filled in.
 */
export function attachVmBackup(topology: Topology, sites: Sites, backup: Backup, cluster: AxonServerCluster): Backup {
    const env = topology.environment;
    const vmAccess: Record<string, AwsBackupRolePolicy | GcpBackupAccess> = {};
    const diskPolicyAttachments: Record<string, gcp.compute.DiskResourcePolicyAttachment> = {};
    for (const node of topology.nodes) {
        const machine = cluster.nodes[node.name]?.machine;
        if (!machine) continue;
        const name = machine.resourceName;
        if (backup.vmBackups[node.name]) {
            const scope = agentScope(env, backup.plan, [node.name]);
            const id = machine.identity;
            vmAccess[node.name] =
                id.cloud === "aws"
                    ? new AwsBackupRolePolicy(
                          `${name}-backup`,
                          { role: id.roleName, bucketArn: backup.bucket.bucketArn!, kmsKeyArn: backup.bucket.kmsKeyArn!, scope },
                          { providers: [sites.awsNetworks[node.site].provider] },
                      )
                    : new GcpBackupAccess(
                          `${name}-backup`,
                          { bucketName: backup.bucket.bucketName, member: pulumi.interpolate`serviceAccount:${id.serviceAccountEmail}`, scope },
                          { providers: [backup.gcpProvider!] },
                      );
        }
        const schedule = backup.gcpSnapshotSchedules[node.region];
        if (machine.gceDataDiskName && schedule) {
            diskPolicyAttachments[node.name] = new gcp.compute.DiskResourcePolicyAttachment(
                `${name}-snapshots`,
                { project: topology.gcpProject, zone: node.zone, disk: machine.gceDataDiskName, name: schedule.policyName },
                { provider: backup.gcpProvider },
            );
        }
    }
    return { ...backup, vmAccess, diskPolicyAttachments };
}
