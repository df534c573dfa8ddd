/**
 * The typed topology model: the single source of truth every component receives a slice of.
 *
 * Pure TypeScript, no Pulumi import. Stack config is parsed and validated once (see `load.ts`) into a
 * `Topology`; everything else (host names, tags, peerings, firewall rules, the cluster template, the
 * client configuration) is derived from it. All objects are readonly: nothing downstream mutates them.
 */

export const CLOUDS = ["aws", "gcp", "none"] as const;
export type Cloud = (typeof CLOUDS)[number];

/** `kubernetes` = an existing cluster reached through a kube context; the others are created here. */
export const PLATFORMS = ["eks", "gke", "kubernetes", "vm"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Which platforms each cloud can host. `none` = bring your own Kubernetes cluster. */
export const PLATFORMS_BY_CLOUD: Readonly<Record<Cloud, readonly Platform[]>> = {
    aws: ["eks", "kubernetes", "vm"],
    gcp: ["gke", "kubernetes", "vm"],
    none: ["kubernetes"],
};

/** Axon Server replication-group roles. */
export const ROLES = ["PRIMARY", "SECONDARY", "ACTIVE_BACKUP", "PASSIVE_BACKUP", "MESSAGING_ONLY"] as const;
export type Role = (typeof ROLES)[number];

export const STORAGE_TIERS = ["fast", "standard", "cold"] as const;
export type StorageTier = (typeof STORAGE_TIERS)[number];

/** The replication group (and context) that holds the cluster's own configuration. */
export const ADMIN_GROUP = "_admin";

/** Axon Server's fixed ports. */
export const PORTS = { http: 8024, grpc: 8124, internalGrpc: 8224 } as const;

/**
 * Port of the health relay sidecar (components/kubernetes/gate/healthRelay.mjs): `GET /actuator/health`
 * only, forwarded to the pod's own 8024, for the rolling Jobs of other Kubernetes sites. Not one Axon
 * Server uses (8024 HTTP, 8124 client gRPC, 8224 internal gRPC; the rendered properties set no
 * `management.server.port`).
 */
export const HEALTH_RELAY_PORT = 8025;

/** A problem found in the stack config. `path` is the config path, e.g. `nodes[3].site`. */
export interface ConfigIssue {
    readonly path: string;
    readonly message: string;
}

/** Compute and memory for one Axon Server node (Kubernetes quantities; VMs map them to a type). */
export interface NodeResources {
    /** CPU request, e.g. `"1"` or `"500m"`. */
    readonly cpu: string;
    /** CPU limit; defaults to twice the request. */
    readonly cpuLimit: string;
    /** Memory request and limit (equal: the JVM heap is derived from it), e.g. `"4Gi"`. */
    readonly memory: string;
}

/** Sizes of the node's volumes (Kubernetes quantities, e.g. `"50Gi"`). */
export interface VolumeSizes {
    /** Event and snapshot segments: `/axonserver/events`. Uses the node's storage tier. */
    readonly events: string;
    /** Control DB, logs of the server, PID file: `/axonserver/data`. */
    readonly data: string;
    /** Raft replication log: `/axonserver/log`. */
    readonly log: string;
    /** Plugin bundles and cache: `/axonserver/plugins`. */
    readonly plugins: string;
}

/** Options of a site on an existing Kubernetes cluster (`platform: kubernetes`). */
export interface ExistingClusterOptions {
    /** Kube context to use; the current context of the kubeconfig when absent. */
    readonly context?: string;
    /** Storage class name per tier on that cluster (kind's `standard` for every tier by default). */
    readonly storageClasses: Readonly<Record<StorageTier, string>>;
}

/** Options of sites the program creates (EKS/GKE node pools, VM sizes). All optional with defaults. */
export interface ClusterOptions {
    /** Kubernetes version of EKS/GKE; provider default when absent. */
    readonly kubernetesVersion?: string;
    /** EC2 instance type or GCE machine type of the node pool / the VMs. */
    readonly machineType: string;
    /** Worker nodes per zone (EKS node group per zone; GKE node pool `nodeCount` per zone). */
    readonly nodesPerZone: number;
    /** AWS: one NAT gateway per zone (resilient) or a single one (cheaper). */
    readonly natGateways: "perZone" | "single";
    /** GKE: cluster deletion protection (default true). */
    readonly deletionProtection: boolean;
    /** GKE: recurring maintenance window; the GKE site applies its default when absent. */
    readonly maintenanceWindow?: MaintenanceWindow;
    /** GKE: maintenance exclusions (default none). */
    readonly maintenanceExclusions: readonly MaintenanceExclusion[];
    /** GKE: region of the Backup for GKE plan; default chosen by the backup wiring (never the cluster's region). */
    readonly backupRegion?: string;
    /** GCP VMs: port 22 open to Google's IAP range (default false). */
    readonly allowIapSsh: boolean;
    /** AWS: existing KMS key ARN for EBS volumes (default: the site creates one). */
    readonly kmsKeyArn?: string;
}

/** GKE recurring maintenance window (RFC 3339 UTC times, RFC 5545 recurrence). */
export interface MaintenanceWindow {
    readonly startTime: string;
    readonly endTime: string;
    readonly recurrence: string;
}

/** GKE maintenance exclusion. */
export interface MaintenanceExclusion {
    readonly name: string;
    readonly startTime: string;
    readonly endTime: string;
    readonly scope: "NO_UPGRADES" | "NO_MINOR_UPGRADES" | "NO_MINOR_OR_NODE_UPGRADES";
}

/** A runner network behind a transit gateway in one AWS region (EKS private-only access). */
export interface RunnerRoute {
    readonly region: string;
    readonly transitGatewayId: string;
    readonly cidrs: readonly string[];
}

/** How the machine running `pulumi up` reaches the cluster APIs. */
export interface ClusterAccess {
    /** Public egress ranges of the runner; the EKS public endpoint is open to these only. */
    readonly runnerCidrs: readonly string[];
    /** EKS: private endpoint only; `runnerRoutes` then covers every EKS region. */
    readonly privateOnly: boolean;
    readonly runnerRoutes: readonly RunnerRoute[];
    /** IAM principals with an EKS access entry and AmazonEKSClusterAdminPolicy. */
    readonly eksAdminPrincipals: readonly string[];
    /** Role assumed by the kubeconfig's `aws eks get-token --role-arn`. */
    readonly eksRoleArn?: string;
}

export interface Site {
    readonly name: string;
    readonly cloud: Cloud;
    readonly platform: Platform;
    readonly region: string;
    /** Zones the site spans, in config order. May be empty for `kubernetes` sites without zones. */
    readonly zones: readonly string[];
    /** The site's network (VPC / subnet range). For `kubernetes` sites: the range nodes' traffic comes from. */
    readonly cidr: string;
    /** Position in `sites`; the first site is the default home of `_admin`. */
    readonly index: number;
    /** Only for `platform: kubernetes`. */
    readonly existingCluster?: ExistingClusterOptions;
    /** For platforms the program creates (`eks`, `gke`, `vm`). */
    readonly cluster: ClusterOptions;
}

export interface AxonNode {
    /** `axoniq.axonserver.name` and the first label of its host name; immutable once deployed. */
    readonly name: string;
    readonly site: string;
    /** Undefined only on a `kubernetes` site without zones. */
    readonly zone?: string;
    /**
     * EKS sites only (required there, unique per site): the node's fixed NodePorts are
     * `30000 + 3 × nodePortSlot`, `+1`, `+2` and the health relay's `30063 + nodePortSlot`
     * (loadBalancers.ts `NODE_PORT_SLOTS`).
     */
    readonly nodePortSlot?: number;
    /** Copied from the site for convenience. */
    readonly region: string;
    readonly cloud: Cloud;
    readonly platform: Platform;
    readonly storage: StorageTier;
    readonly resources: NodeResources;
    readonly volumes: VolumeSizes;
    /** Default tags (`region`, `zone`, `cloud`, `site`) merged with the node's extra tags. */
    readonly tags: Readonly<Record<string, string>>;
    /** Role per replication group this node is a member of. */
    readonly roles: Readonly<Record<string, Role>>;
    /** Position in `nodes`. */
    readonly index: number;
}

export interface Context {
    readonly name: string;
    /** Context metaData, e.g. `{ "event.retention-time": "30d" }`. */
    readonly metaData: Readonly<Record<string, string>>;
}

export interface GroupMember {
    readonly node: string;
    readonly role: Role;
}

export interface ReplicationGroup {
    readonly name: string;
    readonly contexts: readonly Context[];
    /** In config order. */
    readonly members: readonly GroupMember[];
    /** True when `_admin` was not configured and defaulted to the PRIMARY nodes of the first site. */
    readonly defaulted: boolean;
}

/** Where Axon Framework applications run. */
export interface ClientRegion {
    readonly region: string;
    /** Source ranges of the applications (opened for 8124). */
    readonly cidrs: readonly string[];
    /** Kubernetes namespaces (on Axon's own sites) whose pods may reach 8124. */
    readonly namespaces: readonly string[];
    /** Contexts these applications use; default: every context except `_admin`. */
    readonly contexts: readonly string[];
}

export interface AxonServerSettings {
    /** Axon Server version, e.g. `2024.2.4`. */
    readonly version: string;
    /** The official nonroot image: `axoniq/axonserver:<version>-jdk-17-nonroot`. */
    readonly image: string;
    readonly tls: boolean;
    /** `axoniq.axonserver.replication.min-active-backups` (default 1). */
    readonly minActiveBackups: number;
    /** Whether a license is configured (the secret itself never enters the model). */
    readonly licensed: boolean;
    /** Startup-probe budget in seconds (default 900; at least 600). */
    readonly startupBudgetSeconds: number;
    /** Pod termination grace / systemd stop timeout in seconds (default 180; at least 120). */
    readonly terminationGracePeriodSeconds: number;
    /** VM nodes: URL of the Axon Server jar/zip for `version`, and its SHA-256. */
    readonly download?: { readonly url: string; readonly sha256: string };
}

export interface KubernetesSettings {
    /** Namespace of the Axon Server objects on every Kubernetes site (default `axonserver`). */
    readonly namespace: string;
    /** Namespace that receives the `axonserver-client` ConfigMap (default `default`). */
    readonly appNamespace: string;
}

export interface DnsSettings {
    /** Private DNS domain; a node's address is `<node>.<environment>.<domain>` (default `axon.internal`). */
    readonly domain: string;
}

export type BucketCloud = "aws" | "gcp";

/** The `backup` config key after validation (absent, or `enabled: false`: no backups). */
export interface BackupSettings {
    readonly enabled: boolean;
    /** AWS or GCP region of the bucket (and the target of cross-region snapshot copies). */
    readonly drRegion: string;
    /** Cloud of the bucket. Default: the cloud of the first site (an error when that is `none`). */
    readonly cloud: BucketCloud;
    /** Minutes between two file backups of an agent (default 60); divides a day so runs align daily. */
    readonly intervalMinutes: number;
    /** Days noncurrent object versions (and the Object Lock retention) are kept (default 30). */
    readonly retentionDays: number;
    /** S3 only: Object Lock in governance mode for `retentionDays` (default false). */
    readonly objectLock: boolean;
    /** Daily volume snapshot time `HH:MM`, UTC (default `02:00`). */
    readonly snapshotTime: string;
    /** Snapshots kept per volume (default 14). */
    readonly snapshotRetentionCount: number;
    /** Image of the backup agent; default: the pinned stock CLI image of `cloud` (components/backup/agentRuntime.ts). */
    readonly agentImage?: string;
}

export interface Topology {
    /** Environment name, used in resource names and DNS. */
    readonly environment: string;
    readonly axonServer: AxonServerSettings;
    readonly kubernetes: KubernetesSettings;
    readonly dns: DnsSettings;
    /** GCP project of the GCP sites (required when any site is on `gcp`). */
    readonly gcpProject?: string;
    /** Ranges allowed to reach the HTTP UI/REST port 8024 (and cluster API endpoints). */
    readonly adminCidrs: readonly string[];
    readonly sites: readonly Site[];
    readonly nodes: readonly AxonNode[];
    /** `_admin` first, then the configured groups in config order. */
    readonly replicationGroups: readonly ReplicationGroup[];
    readonly clients: readonly ClientRegion[];
    /** Cluster API access of the runner (EKS endpoint, access entries). */
    readonly clusterAccess: ClusterAccess;
    /** Registry mirroring Docker Hub (`<registry>/axoniq/axonserver`); absent: Docker Hub. */
    readonly imageRegistry?: string;
    /** Backups and snapshots; absent without a `backup` config key (or with `enabled: false`). */
    readonly backup?: BackupSettings;
}

/** The outcome of loading a stack config: a topology only when there are no errors. */
export interface LoadResult {
    readonly topology?: Topology;
    readonly errors: readonly ConfigIssue[];
    readonly warnings: readonly ConfigIssue[];
}

/**
 * A stack's config as the Pulumi CLI hands it to the program, whichever door it came through (the
 * Pulumi engine, or a `Pulumi.<stack>.yaml` read by the offline tools).
 */
export interface StackConfigInput {
    /**
     * This project's keys (namespace stripped) and their text: strings as they are, every other value
     * JSON-encoded (what the Pulumi CLI passes; an empty YAML value becomes "null"). Keys stored as
     * secrets are left out (see `secretKeys`).
     */
    readonly values: Readonly<Record<string, string>>;
    /** This project's keys whose value is (or contains) a secret, namespace stripped. */
    readonly secretKeys: readonly string[];
    /** Fully-qualified keys of other namespaces (`aws:region`, a typo such as `axonserver:backup`). */
    readonly otherKeys: readonly string[];
}
