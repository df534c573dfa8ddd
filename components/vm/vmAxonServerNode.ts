/**
 * One Axon Server node on a VM (EC2 instance or Compute Engine VM) of a `VmSite`.
 *
 * Per node: its secrets in the cloud's secret manager (system token, internal token, license, TLS), an
 * identity that can read exactly those secrets, one separate data disk, and the instance. The instance's
 * user data / startup script is rendered by `renderVmBootstrap` and names the secrets only; the node
 * fetches them into tmpfs at every service start (see `bootstrap.ts`).
 *
 * Data disk: **one** disk per node, sized as the sum of `node.volumes` (events + data + log + plugins) and
 * mounted on the working directory. One disk means one snapshot per node captures the event store, the
 * control DB and the Raft log at the same instant (separate disks would be snapshotted at different
 * moments), and a single device to wait for at boot. Its type follows the node's storage tier.
 *
 * The disk is a separate resource with `retainOnDelete: true`: replacing the instance (any change of the
 * user data or startup script replaces it, on purpose: the VM is rebuilt from scratch with the new
 * configuration) keeps the disk, and so does `pulumi destroy`, which then leaves the disk behind silently
 * (delete it in the console once it is no longer wanted). We chose this over `protect: true`, which keeps
 * it too but makes every `pulumi destroy` of the environment fail until the volume is unprotected in the
 * state; set `protectDataDisk` to get that loud behaviour as well.
 *
 * Instances are replaced delete-before-create: the data disk can only be attached read-write to one
 * instance, and two processes must never run as the same Axon Server node.
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { renderClusterTemplate } from "../axonserver/render/clusterTemplate";
import { jvmHeapOptions, quantityBytes } from "../axonserver/render/jvm";
import { VM_PATHS } from "../axonserver/render/paths";
import { startupGuardFor } from "../axonserver/render/startupGuard";
import { renderAxonServerProperties } from "../axonserver/render/properties";
import { AWS_TAG_KEYS, awsSiteTags } from "../aws/awsNetwork";
import { renderBackupAgent } from "../backup/agent";
import { renderBackupTimerUnits } from "./backupTimer";
import { POLICY_VERSION, managedPolicyArn, serviceTrustPolicy } from "../aws/iam";
import { CLOUD_EXTRA_KEYS, CLOUD_KEYS, cloudIdentity, shortHash } from "../topology/identity";
import type { NodeTlsMaterial } from "../axonserver/placement";
import type { VmNodeBackup } from "../axonserver/vmNode";
import { AxonNode, StorageTier, Topology } from "../topology/model";
import { nodeAddress } from "../topology/naming";
import { VmBackupAgent, VmSecretRefs, awsDataDevice, gcpDataDevice, renderVmBootstrap } from "./bootstrap";
import { AwsVmPlacement, GcpVmPlacement, VmSite } from "./vmSite";


export interface VmAxonServerNodeArgs {
    /** The environment's topology: the node's properties, the cluster template and names come from it. */
    readonly topology: Topology;
    /** A node of a `platform: vm` site. */
    readonly node: AxonNode;
    /** The node's site. */
    readonly site: VmSite;
    /** System token with administrative rights (`accesscontrol.systemtokenfile`). */
    readonly adminToken: pulumi.Input<string>;
    /** Cluster-internal token, the same on every node. */
    readonly internalToken: pulumi.Input<string>;
    /**
     * License file content.
     * @default - none: unlicensed
     */
    readonly license?: pulumi.Input<string>;
    /**
     * The node's certificate, key and CA; required when `topology.axonServer.tls`.
     * @default - none
     */
    readonly tls?: NodeTlsMaterial;
    /**
     * Resources the instance waits for: the previous node of the rolling chain, so `pulumi up` replaces
     * one VM at a time. (A component's own `dependsOn` does not reach its children, so it is passed here.)
     * @default - none
     */
    readonly dependsOn?: readonly pulumi.Resource[];
    /**
     * Also `protect` the data disk (`pulumi destroy` then fails until it is unprotected).
     * @default false
     */
    readonly protectDataDisk?: boolean;
    /**
     * Root / boot disk size in GiB.
     * @default 20
     */
    readonly rootDiskGb?: number;
    /**
     * Install the backup agent (only on the node the backup plan designates).
     * @default - none
     */
    readonly backup?: VmNodeBackup;
}

/** Longest bucket name (S3 and GCS: 63): the preflight renders the user data with it. */
const PREFLIGHT_BUCKET = "b".repeat(63);

/** Secret kinds of a node and the env/secret-name suffix of each. */
const SECRET_KINDS = ["system-token", "internal-token", "license", "tls-cert", "tls-key", "tls-ca"] as const;
type SecretKind = (typeof SECRET_KINDS)[number];

/** Size of the one data disk in GiB: the node's volume sizes added up, rounded up to whole GiB. */
export function dataDiskSizeGb(node: Pick<AxonNode, "volumes">): number {
    const v = node.volumes;
    const bytes = [v.events, v.data, v.log, v.plugins].reduce((sum, q) => sum + quantityBytes(q), 0);
    return Math.ceil(bytes / 1024 ** 3);
}

/** EBS settings per storage tier. gp3 throughout: the disk also holds the control DB and the Raft log. */
export const EBS_BY_TIER: Readonly<Record<StorageTier, { type: string; iops?: number; throughput?: number }>> = {
    fast: { type: "gp3", iops: 6000, throughput: 250 },
    standard: { type: "gp3" },
    cold: { type: "gp3" },
};

/** Persistent disk type per storage tier. No pd-standard (HDD): the Raft log and control DB need low latency. */
export const PD_BY_TIER: Readonly<Record<StorageTier, string>> = { fast: "pd-ssd", standard: "pd-balanced", cold: "pd-balanced" };

/** `/dev/disk/by-id/google-<this>` on Compute Engine. */
export const GCP_DATA_DEVICE_NAME = "axonserver-data";
/** Block device name of the EBS attachment (Nitro exposes it as NVMe; the script mounts it by volume id). */
export const AWS_DATA_DEVICE_NAME = "/dev/sdf";

/** A Compute Engine resource name (RFC 1035, at most 63): starts with a letter, shortened with a stable hash. */
export function gceName(name: string): string {
    let n = /^[a-z]/.test(name) ? name : `ax-${name}`;
    if (n.length > 63) {
        const hash = shortHash(n);
        n = `${n.slice(0, 63 - hash.length - 1).replace(/-+$/, "")}-${hash}`;
    }
    return n;
}

/** IAM partition of an AWS region. */
function awsPartition(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/** The IAM policy that lets a node read exactly its own secrets (JSON text). */
export function nodeSecretsPolicy(secretArns: readonly string[]): string {
    return JSON.stringify({
        Version: POLICY_VERSION,
        Statement: [{ Sid: "ReadOwnAxonServerSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [...secretArns] }],
    });
}

export class VmAxonServerNode extends pulumi.ComponentResource {
    public readonly node: AxonNode;
    /** `<node>.<environment>.<domain>`: the stack adds the private DNS record pointing at `privateIp`. */
    public readonly fqdn: string;
    public readonly privateIp: pulumi.Output<string>;
    public readonly instance: aws.ec2.Instance | gcp.compute.Instance;
    public readonly dataDisk: aws.ebs.Volume | gcp.compute.Disk;
    /** Secret-manager reference (AWS ARN / GCP secret id) per secret kind. */
    public readonly secretRefs: pulumi.Output<Record<string, string>>;
    /** The instance's identity: its IAM role (EC2) or service account (Compute Engine). */
    public readonly role?: aws.iam.Role;
    public readonly serviceAccount?: gcp.serviceaccount.Account;

    constructor(name: string, args: VmAxonServerNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:vm:VmAxonServerNode", name, {}, opts);
        const { topology, node, site } = args;
        if (node.platform !== "vm" || node.site !== site.site.name) {
            throw new Error(`VmAxonServerNode ${name}: node ${node.name} is not a VM node of site ${site.site.name}`);
        }
        if (!node.zone || !site.site.zones.includes(node.zone)) throw new Error(`VmAxonServerNode ${name}: node ${node.name} needs a zone of site ${site.site.name}`);
        if (topology.axonServer.tls && !args.tls) throw new Error(`VmAxonServerNode ${name}: TLS is on but no certificate was given for ${node.name}`);
        if (!topology.axonServer.download) {
            throw new Error(`VmAxonServerNode ${name}: axonServer.download (url and sha256 of the Axon Server jar) is required for VM nodes`);
        }
        this.node = node;
        this.fqdn = nodeAddress(topology, node).fqdn;
        // Render once with placeholder references now, so a bad input (or EC2 user data over 16 KB) fails
        // here with its message instead of inside an apply.
        preflight(args, site.placement.cloud === "aws" ? "aws" : "gcp", site.placement.cloud === "gcp" ? site.placement.project : undefined);

        const values: Partial<Record<SecretKind, pulumi.Input<string>>> = {
            "system-token": args.adminToken,
            "internal-token": args.internalToken,
        };
        if (args.license !== undefined) values.license = args.license;
        if (topology.axonServer.tls && args.tls) {
            values["tls-cert"] = args.tls.certPem;
            values["tls-key"] = args.tls.privateKeyPem;
            values["tls-ca"] = args.tls.caCertPem;
        }

        const built =
            site.placement.cloud === "aws"
                ? this.buildAws(name, args, site.placement, values)
                : this.buildGcp(name, args, site.placement, values);
        this.instance = built.instance;
        this.dataDisk = built.dataDisk;
        if ("role" in built) this.role = built.role;
        if ("serviceAccount" in built) this.serviceAccount = built.serviceAccount;
        this.privateIp = built.privateIp;
        this.secretRefs = built.secretRefs;
        this.registerOutputs({ fqdn: this.fqdn, privateIp: this.privateIp, secretRefs: this.secretRefs });
    }

    private buildAws(name: string, args: VmAxonServerNodeArgs, p: AwsVmPlacement, values: Partial<Record<SecretKind, pulumi.Input<string>>>) {
        const { topology, node } = args;
        const site = args.site.site;
        const zone = node.zone!;
        const o: pulumi.CustomResourceOptions = { parent: this, provider: p.provider };
        const tags = (n: string) => ({ ...awsSiteTags(topology, site, n), [CLOUD_KEYS.node]: node.name });

        // Secrets: one per kind, the value only in a SecretVersion (a Pulumi secret end to end).
        const secrets: Partial<Record<SecretKind, aws.secretsmanager.Secret>> = {};
        const versions: aws.secretsmanager.SecretVersion[] = [];
        for (const kind of SECRET_KINDS) {
            const value = values[kind];
            if (value === undefined) continue;
            const secret = new aws.secretsmanager.Secret(
                `${name}-${kind}`,
                {
                    name: `axonserver/${topology.environment}/${node.name}/${kind}`,
                    description: `Axon Server ${topology.environment}: ${kind} of node ${node.name}`,
                    // The value lives in Pulumi state; a recovery window would only block re-creating the name.
                    recoveryWindowInDays: 0,
                    tags: tags(`${name}-${kind}`),
                },
                o,
            );
            secrets[kind] = secret;
            versions.push(
                new aws.secretsmanager.SecretVersion(`${name}-${kind}-version`, { secretId: secret.id, secretString: pulumi.secret(value) }, o),
            );
        }
        const arnOf = (kind: SecretKind) => secrets[kind]?.arn;
        const kinds = Object.keys(secrets) as SecretKind[];
        const secretRefs = pulumi.all(kinds.map((k) => secrets[k]!.arn)).apply((arns) => Object.fromEntries(kinds.map((k, i) => [k, arns[i]])));

        // Identity: read exactly this node's secrets; Session Manager instead of SSH.
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: `axon-${topology.environment}-${node.name}`,
                description: `Axon Server ${topology.environment} VM node ${node.name}`,
                assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
                tags: tags(`${name}-role`),
            },
            o,
        );
        const secretsPolicy = new aws.iam.RolePolicy(
            `${name}-secrets`,
            { role: role.name, policy: secretRefs.apply((refs) => nodeSecretsPolicy(kinds.map((k) => refs[k]))) },
            o,
        );
        const ssm = new aws.iam.RolePolicyAttachment(
            `${name}-ssm`,
            { role: role.name, policyArn: managedPolicyArn("AmazonSSMManagedInstanceCore", awsPartition(site.region)) },
            o,
        );
        const profile = new aws.iam.InstanceProfile(`${name}-profile`, { name: `axon-${topology.environment}-${node.name}`, role: role.name, tags: tags(`${name}-profile`) }, o);

        const ebs = EBS_BY_TIER[node.storage];
        const volume = new aws.ebs.Volume(
            `${name}-data`,
            {
                availabilityZone: zone,
                size: dataDiskSizeGb(node),
                type: ebs.type,
                ...(ebs.iops ? { iops: ebs.iops } : {}),
                ...(ebs.throughput ? { throughput: ebs.throughput } : {}),
                encrypted: true,
                // Without a key, EBS uses the account's `aws/ebs` key; `kmsKeyArn` names a customer key instead
                // (kept across destroy, so a re-created site can attach the retained volume).
                ...(args.site.site.cluster.kmsKeyArn !== undefined ? { kmsKeyId: args.site.site.cluster.kmsKeyArn } : {}),
                tags: { ...tags(`${name}-data`), [CLOUD_EXTRA_KEYS.volume]: "data" },
            },
            { ...o, retainOnDelete: true, protect: args.protectDataDisk ?? false },
        );

        const base = bootstrapBase(args);
        const userData = pulumi
            .all([volume.id, arnOf("system-token")!, arnOf("internal-token")!, arnOf("license"), arnOf("tls-cert"), arnOf("tls-key"), arnOf("tls-ca"), args.backup?.bucketName])
            .apply(([volumeId, systemToken, internalToken, license, cert, key, ca, bucketName]) => {
                const refs: VmSecretRefs = {
                    systemToken,
                    internalToken,
                    ...(license ? { license } : {}),
                    ...(cert && key && ca ? { tls: { cert, key, ca } } : {}),
                };
                const backupAgent = vmBackupAgent(args, bucketName);
                return renderVmBootstrap({ ...base, cloud: "aws", awsRegion: site.region, dataDevice: awsDataDevice(volumeId), secrets: refs, backupAgent }).cloudConfig;
            });

        const instance = new aws.ec2.Instance(
            `${name}-vm`,
            {
                ami: p.ami,
                instanceType: site.cluster.machineType,
                availabilityZone: zone,
                subnetId: p.network.privateSubnetOf(zone).id,
                vpcSecurityGroupIds: [p.securityGroup.id],
                associatePublicIpAddress: false,
                iamInstanceProfile: profile.name,
                metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
                // Root disk tags here, never `volumeTags`: pulumi-aws ec2/instance docs, "Do not use volumeTags if
                // you plan to manage block device tags outside the aws.ec2.Instance configuration, such as using
                // tags in an aws.ebs.Volume resource attached via aws.ec2.VolumeAttachment. Doing so will result
                // in resource cycling" — it could strip the data volume's snapshot tag. Without the environment
                // tag: that tag selects the volumes of the daily snapshots (backup/snapshots.ts), and the root
                // disk is rebuilt from scratch, never restored.
                rootBlockDevice: {
                    encrypted: true,
                    volumeType: "gp3",
                    volumeSize: args.rootDiskGb ?? 20,
                    deleteOnTermination: true,
                    tags: withoutKey(tags(`${name}-vm-root`), AWS_TAG_KEYS.environment),
                },
                userData,
                // Configuration changes rebuild the VM from scratch; the data volume is kept and re-attached.
                userDataReplaceOnChange: true,
                tags: tags(`${name}-vm`),
            },
            {
                ...o,
                deleteBeforeReplace: true,
                // A new AL2023 release must not replace every VM on the next `pulumi up`: move a node to a new
                // AMI deliberately, one at a time (`pulumi up --replace <urn>`).
                ignoreChanges: ["ami"],
                // Secrets and their IAM policy exist before the first boot fetches them.
                dependsOn: [...(args.dependsOn ?? []), ...p.readyResources, ...versions, secretsPolicy, ssm],
            },
        );
        new aws.ec2.VolumeAttachment(
            `${name}-data`,
            {
                instanceId: instance.id,
                volumeId: volume.id,
                deviceName: AWS_DATA_DEVICE_NAME,
                // Detaching stops the instance first, so Axon Server shuts down cleanly (systemd TimeoutStopSec).
                stopInstanceBeforeDetaching: true,
            },
            { ...o, deleteBeforeReplace: true },
        );
        return { instance, dataDisk: volume, privateIp: instance.privateIp, secretRefs, role };
    }

    private buildGcp(name: string, args: VmAxonServerNodeArgs, p: GcpVmPlacement, values: Partial<Record<SecretKind, pulumi.Input<string>>>) {
        const { topology, node } = args;
        const site = args.site.site;
        const zone = node.zone!;
        const o: pulumi.CustomResourceOptions = { parent: this, provider: p.provider };
        const labels = { ...cloudIdentity(topology.environment, site.name), [CLOUD_KEYS.node]: node.name };

        // The node's own identity: it reads its own secrets and nothing else.
        const account = new gcp.serviceaccount.Account(
            `${name}-sa`,
            {
                project: p.project,
                accountId: gceAccountId(topology.environment, node.name),
                displayName: `Axon Server ${topology.environment} VM node ${node.name}`,
            },
            o,
        );

        const secrets: Partial<Record<SecretKind, gcp.secretmanager.Secret>> = {};
        const ready: pulumi.Resource[] = [];
        for (const kind of SECRET_KINDS) {
            const value = values[kind];
            if (value === undefined) continue;
            const secret = new gcp.secretmanager.Secret(
                `${name}-${kind}`,
                { project: p.project, secretId: `axonserver-${topology.environment}-${node.name}-${kind}`, replication: { auto: {} }, labels },
                o,
            );
            secrets[kind] = secret;
            ready.push(
                new gcp.secretmanager.SecretVersion(`${name}-${kind}-version`, { secret: secret.id, secretData: pulumi.secret(value) }, o),
                new gcp.secretmanager.SecretIamMember(
                    `${name}-${kind}-access`,
                    { project: p.project, secretId: secret.secretId, role: "roles/secretmanager.secretAccessor", member: pulumi.interpolate`serviceAccount:${account.email}` },
                    o,
                ),
            );
        }
        const kinds = Object.keys(secrets) as SecretKind[];
        const secretRefs = pulumi.all(kinds.map((k) => secrets[k]!.secretId)).apply((ids) => Object.fromEntries(kinds.map((k, i) => [k, ids[i]])));

        const disk = new gcp.compute.Disk(
            `${name}-data`,
            {
                project: p.project,
                name: gceName(`${topology.environment}-${node.name}-data`),
                zone,
                type: PD_BY_TIER[node.storage],
                size: dataDiskSizeGb(node),
                labels: { ...labels, [CLOUD_EXTRA_KEYS.volume]: "data" },
            },
            { ...o, retainOnDelete: true, protect: args.protectDataDisk ?? false },
        );

        const base = bootstrapBase(args);
        const startupScript = pulumi.all([secretRefs, args.backup?.bucketName]).apply(([refs, bucketName]) => {
            const r: VmSecretRefs = {
                systemToken: refs["system-token"],
                internalToken: refs["internal-token"],
                ...(refs.license ? { license: refs.license } : {}),
                ...(refs["tls-cert"] ? { tls: { cert: refs["tls-cert"], key: refs["tls-key"], ca: refs["tls-ca"] } } : {}),
            };
            const backupAgent = vmBackupAgent(args, bucketName);
            return renderVmBootstrap({ ...base, cloud: "gcp", gcpProject: p.project, dataDevice: gcpDataDevice(GCP_DATA_DEVICE_NAME), secrets: r, backupAgent }).script;
        });

        const instance = new gcp.compute.Instance(
            `${name}-vm`,
            {
                project: p.project,
                name: gceName(`${topology.environment}-${node.name}`),
                zone,
                machineType: site.cluster.machineType,
                bootDisk: { initializeParams: { image: p.image, size: args.rootDiskGb ?? 20, type: "pd-balanced" }, autoDelete: true },
                attachedDisks: [{ source: disk.selfLink, deviceName: GCP_DATA_DEVICE_NAME, mode: "READ_WRITE" }],
                // No accessConfigs: no external address. Outbound goes through the network's Cloud NAT.
                networkInterfaces: [{ subnetwork: p.subnetwork.selfLink }],
                shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
                metadata: { "enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE" },
                // Debian images run `startup-script` at every boot (they have no cloud-init). Changing it
                // recreates the VM, like `userDataReplaceOnChange` on EC2; the data disk is kept.
                metadataStartupScript: startupScript,
                serviceAccount: { email: account.email, scopes: ["cloud-platform"] },
                tags: [p.networkTag],
                labels,
                allowStoppingForUpdate: true,
            },
            {
                ...o,
                deleteBeforeReplace: true,
                dependsOn: [...(args.dependsOn ?? []), ...p.readyResources, ...ready],
            },
        );
        const privateIp = instance.networkInterfaces.apply((nics) => nics?.[0]?.networkIp ?? "");
        return { instance, dataDisk: disk, privateIp, secretRefs, serviceAccount: account };
    }
}

/** Renders the bootstrap with realistic placeholder secret references (same lengths as the real ones). */
function preflight(args: VmAxonServerNodeArgs, cloud: "aws" | "gcp", gcpProject: string | undefined): void {
    const { topology, node } = args;
    const ref = (kind: SecretKind) =>
        cloud === "aws"
            ? `arn:${awsPartition(node.region)}:secretsmanager:${node.region}:123456789012:secret:axonserver/${topology.environment}/${node.name}/${kind}-AbCdEf`
            : `axonserver-${topology.environment}-${node.name}-${kind}`;
    const tls = topology.axonServer.tls;
    renderVmBootstrap({
        ...bootstrapBase(args),
        cloud,
        awsRegion: node.region,
        gcpProject,
        dataDevice: cloud === "aws" ? awsDataDevice("vol-0123456789abcdef0") : gcpDataDevice(GCP_DATA_DEVICE_NAME),
        secrets: {
            systemToken: ref("system-token"),
            internalToken: ref("internal-token"),
            ...(args.license !== undefined ? { license: ref("license") } : {}),
            ...(tls ? { tls: { cert: ref("tls-cert"), key: ref("tls-key"), ca: ref("tls-ca") } } : {}),
        },
        backupAgent: vmBackupAgent(args, PREFLIGHT_BUCKET),
    });
}

/** The agent script and units of a designated node, for the bucket's resolved name. */
function vmBackupAgent(args: VmAxonServerNodeArgs, bucketName: string | undefined): VmBackupAgent | undefined {
    const b = args.backup;
    if (!b || bucketName === undefined) return undefined;
    const units = renderBackupTimerUnits({ node: args.node, topology: args.topology, settings: b.settings, plan: b.plan, bucketName });
    return units ? { script: renderBackupAgent(), ...units } : undefined;
}

function withoutKey(tags: Record<string, string>, key: string): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).filter(([k]) => k !== key));
}

/**
 * The start-up guard's override on a VM: an operator creates this root-owned file with the reason as its
 * content; the guard logs it to the journal and renames it after use (README, "Lost volume").
 */
export const VM_ALLOW_INITIALISE_FILE = "/etc/axonserver/allow-initialise";

/** Plain texts the bootstrap needs, independent of the cloud. */
function bootstrapBase(args: VmAxonServerNodeArgs) {
    const { topology, node } = args;
    return {
        environment: topology.environment,
        nodeName: node.name,
        propertiesText: renderAxonServerProperties(topology, node, VM_PATHS),
        clusterTemplateText: renderClusterTemplate(topology),
        startupGuard: startupGuardFor(topology, node, VM_PATHS, { file: VM_ALLOW_INITIALISE_FILE }),
        download: topology.axonServer.download,
        tls: topology.axonServer.tls,
        stopTimeoutSeconds: topology.axonServer.terminationGracePeriodSeconds,
        jvmOptions: jvmHeapOptions(node.resources.memory),
    };
}

/** Service account id (6-30 characters) of a VM node: `axon-<environment>-<node>`, hash-shortened when too long. */
export function gceAccountId(environment: string, nodeName: string): string {
    const id = `axon-${environment}-${nodeName}`;
    if (id.length <= 30) return id;
    const hash = shortHash(id);
    return `${id.slice(0, 30 - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}
