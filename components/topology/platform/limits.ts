/**
 * The platforms' limits as data, each with its source (doc URL or provider source file), and the
 * load-time check `platformIssues` that applies them to a topology. Pure: no Pulumi import.
 *
 * The schema and `validate.ts` check the config against itself; this module checks it against what
 * AWS, GCP and Kubernetes accept, so that a bad topology fails at `npm run topology` with a config
 * path instead of at `pulumi up`.
 */
import { ConfigIssue, MaintenanceWindow, Site, StorageTier, Topology } from "../model";
import { nodeAddress, siteResourcePrefix, usesPrivateDns } from "../naming";
import { quantityMi } from "../schema";
import { nodeLoadBalancerIssues } from "../loadBalancers";
import { capacityIssues } from "./capacity";
import { lookupMachineType, machineTypeNamingIssue } from "./machineTypes";

/** A platform limit: its value and where it comes from. */
export interface Limit<T> {
    readonly value: T;
    readonly source: string;
}

// ---------------------------------------------------------------------------------------------
// Data Lifecycle Manager

/**
 * DLM lifecycle policy `description`: 1-500 characters of `[0-9A-Za-z _-]`. terraform-provider-aws
 * validates it in preview (internal/service/dlm/lifecycle_policy.go: `StringMatch("^[0-9A-Za-z _-]+$")`,
 * `StringLenBetween(1, 500)`); the DLM API reference for CreateLifecyclePolicy has the same pattern.
 */
export const DLM_DESCRIPTION = {
    pattern: { value: /^[0-9A-Za-z _-]+$/, source: "terraform-provider-aws internal/service/dlm/lifecycle_policy.go" },
    maxLength: { value: 500, source: "https://docs.aws.amazon.com/dlm/latest/APIReference/API_CreateLifecyclePolicy.html" },
} as const;

/** undefined when `description` is a valid DLM policy description, else what is wrong and what is allowed. */
export function dlmDescriptionIssue(description: string): string | undefined {
    const bad = [...new Set(description.replace(/[0-9A-Za-z _-]/g, ""))];
    if (description.length >= 1 && description.length <= DLM_DESCRIPTION.maxLength.value && bad.length === 0) return undefined;
    const why =
        bad.length > 0
            ? `the characters ${bad.map((c) => JSON.stringify(c)).join(" ")} are not allowed`
            : `it has ${description.length} characters`;
    return (
        `${JSON.stringify(description)} is not a valid DLM policy description: ${why}; allowed are 1-${DLM_DESCRIPTION.maxLength.value} ` +
        `letters, digits, spaces, "_" and "-" (${DLM_DESCRIPTION.pattern.value.source}, ${DLM_DESCRIPTION.pattern.source})`
    );
}

// ---------------------------------------------------------------------------------------------
// EKS

/**
 * "When you create a cluster, you specify a VPC and at least two subnets that are in different
 * Availability Zones." The program gives the cluster one private subnet per zone of the site, so an
 * `eks` site needs two zones (its Axon nodes may all stay in one of them).
 */
export const EKS_MIN_ZONES: Limit<number> = { value: 2, source: "https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html" };

/**
 * EKS managed node group updates fail when pods do not leave a node within 15 minutes
 * (PodEvictionFailure): a termination grace period above this makes node upgrades fail.
 */
export const EKS_NODE_DRAIN_SECONDS: Limit<number> = { value: 900, source: "https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html" };

// ---------------------------------------------------------------------------------------------
// Volume sizes

export const EBS_VOLUME_TYPES = ["gp2", "gp3", "io1", "io2", "st1", "sc1"] as const;
export type EbsVolumeType = (typeof EBS_VOLUME_TYPES)[number];
export const PD_TYPES = ["pd-standard", "pd-balanced", "pd-ssd"] as const;
export type PdType = (typeof PD_TYPES)[number];

const EBS_TYPES_DOC = "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html";

/**
 * EBS volume size per type, GiB. gp3 grew from 16 to 64 TiB in September 2025; io2 is Block Express
 * (4 GiB-64 TiB); HDD types (st1, sc1) start at 125 GiB.
 */
export const EBS_SIZE_GIB: Readonly<Record<EbsVolumeType, Limit<{ readonly min: number; readonly max: number }>>> = {
    gp2: { value: { min: 1, max: 16384 }, source: EBS_TYPES_DOC },
    gp3: { value: { min: 1, max: 65536 }, source: EBS_TYPES_DOC },
    io1: { value: { min: 4, max: 16384 }, source: EBS_TYPES_DOC },
    io2: { value: { min: 4, max: 65536 }, source: EBS_TYPES_DOC },
    st1: { value: { min: 125, max: 16384 }, source: EBS_TYPES_DOC },
    sc1: { value: { min: 125, max: 16384 }, source: EBS_TYPES_DOC },
};

/**
 * Persistent Disk size per type, GiB: at most 64 TiB; at least 1 GiB, the smallest size the PD CSI
 * driver provisions ("Change minimum volume size to 1Gi to be in line with GCE PD",
 * kubernetes-sigs/gcp-compute-persistent-disk-csi-driver#122).
 */
export const PD_SIZE_GIB: Readonly<Record<PdType, Limit<{ readonly min: number; readonly max: number }>>> = {
    "pd-standard": { value: { min: 1, max: 65536 }, source: "https://cloud.google.com/compute/docs/disks/persistent-disks" },
    "pd-balanced": { value: { min: 1, max: 65536 }, source: "https://cloud.google.com/compute/docs/disks/persistent-disks" },
    "pd-ssd": { value: { min: 1, max: 65536 }, source: "https://cloud.google.com/compute/docs/disks/persistent-disks" },
};

/**
 * Volume type of each storage tier per platform, as the components create them:
 * EKS: components/aws/eksSite.ts `ebsStorageClassParameters`; GKE: components/gcp/gkeSite.ts
 * `GKE_DISK_TYPES`; VMs: components/vm/vmAxonServerNode.ts `EBS_BY_TIER` / `PD_BY_TIER` (one data disk
 * holding all four volumes). test/platform-limits.test.ts keeps these in step with the components.
 */
export const VOLUME_TYPE_BY_TIER = {
    eks: { fast: "gp3", standard: "gp3", cold: "sc1" },
    gke: { fast: "pd-ssd", standard: "pd-balanced", cold: "pd-standard" },
    awsVm: { fast: "gp3", standard: "gp3", cold: "gp3" },
    gcpVm: { fast: "pd-ssd", standard: "pd-balanced", cold: "pd-balanced" },
} as const satisfies {
    eks: Record<StorageTier, EbsVolumeType>;
    gke: Record<StorageTier, PdType>;
    awsVm: Record<StorageTier, EbsVolumeType>;
    gcpVm: Record<StorageTier, PdType>;
};

/**
 * GCE machine series that attach only Hyperdisk, no Persistent Disk: the GKE storage classes and the GCE
 * VM data disks of this program are Persistent Disks (`VOLUME_TYPE_BY_TIER`), which these workers cannot
 * attach. (Red Hat's GCP PD CSI notes: "regular persistent disks are not available on N4 ... VMs".)
 */
export const HYPERDISK_ONLY_SERIES: Limit<readonly string[]> = {
    value: ["n4", "n4a", "n4d", "c4", "c4a", "c4d"],
    source: "https://cloud.google.com/compute/docs/general-purpose-machines",
};

function sizeLimit(type: EbsVolumeType | PdType): Limit<{ readonly min: number; readonly max: number }> {
    return (EBS_SIZE_GIB as Record<string, Limit<{ min: number; max: number }>>)[type] ?? (PD_SIZE_GIB as Record<string, Limit<{ min: number; max: number }>>)[type];
}

const VOLUME_KEYS = ["events", "data", "log", "plugins"] as const;

/** GiB a quantity occupies once rounded up to whole GiB (CSI drivers and the clouds size disks in GiB). */
function gib(q: string): number {
    return Math.ceil(quantityMi(q) / 1024);
}

function volumeIssues(topology: Topology, errors: ConfigIssue[]): void {
    const siteByName = new Map(topology.sites.map((s) => [s.name, s]));
    for (const node of topology.nodes) {
        const site = siteByName.get(node.site)!;
        if (site.platform === "eks" || site.platform === "gke") {
            for (const key of VOLUME_KEYS) {
                const tier: StorageTier = key === "events" ? node.storage : "standard";
                const type = VOLUME_TYPE_BY_TIER[site.platform][tier];
                const lim = sizeLimit(type);
                const size = gib(node.volumes[key]);
                if (size < lim.value.min || size > lim.value.max) {
                    errors.push({
                        path: `nodes[${node.index}].volumes.${key}`,
                        message:
                            `${JSON.stringify(node.volumes[key])} does not fit a ${type} volume (${key === "events" ? `storage tier "${tier}"` : `the "standard" tier`} on ${site.platform}): ` +
                            `${type} volumes are ${lim.value.min} GiB to ${lim.value.max} GiB (${lim.source}); set nodes[${node.index}].volumes.${key} ` +
                            `(or nodeDefaults.volumes.${key})${key === "events" && tier === "cold" ? ` or use storage "standard"` : ""}`,
                    });
                }
            }
        } else if (site.platform === "vm" && (site.cloud === "aws" || site.cloud === "gcp")) {
            const type = VOLUME_TYPE_BY_TIER[site.cloud === "aws" ? "awsVm" : "gcpVm"][node.storage];
            const lim = sizeLimit(type);
            // One data disk holding the four volumes (components/vm/vmAxonServerNode.ts `dataDiskSizeGb`).
            const size = Math.ceil(VOLUME_KEYS.reduce((s, k) => s + quantityMi(node.volumes[k]), 0) / 1024);
            if (size < lim.value.min || size > lim.value.max) {
                errors.push({
                    path: `nodes[${node.index}].volumes`,
                    message:
                        `the VM data disk (events + data + log + plugins = ${size} GiB) does not fit a ${type} volume: ${lim.value.min} GiB to ` +
                        `${lim.value.max} GiB (${lim.source})`,
                });
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Names

/** RFC 1035 label: what GCE resource names, GKE cluster names and Kubernetes Service names must be. */
export const RFC1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Name limits of resources whose names this program builds from user input. */
export const NAME_RULES = {
    iamRole: { value: { max: 64 }, source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html" },
    /** Pulumi autonaming appends `-` and 7 random characters and fails when the result exceeds the provider's maximum. */
    autonameSuffix: { value: 8, source: "pulumi/pulumi sdk/go/common/resource/properties_id.go NewUniqueHex" },
    eksCluster: { value: { max: 100, pattern: /^[0-9A-Za-z][A-Za-z0-9_-]*$/ }, source: "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html" },
    gkeCluster: {
        value: { max: 40, pattern: RFC1035_LABEL },
        source: "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#Cluster",
    },
    gceName: { value: { max: 63, pattern: RFC1035_LABEL }, source: "https://cloud.google.com/compute/docs/naming-resources" },
    /** Service names are RFC 1035 labels (k8s.io/apimachinery validation `IsDNS1035Label`). */
    k8sService: { value: { max: 63, pattern: RFC1035_LABEL }, source: "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names" },
    k8sLabelValue: { value: { max: 63 }, source: "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set" },
    /** ELB and target group names (the EKS nodes' NLBs: components/topology/loadBalancers.ts `ELB_NAME`, checked there). */
    elbName: { value: { max: 32 }, source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html" },
    dnsName: { value: { max: 253 }, source: "https://www.rfc-editor.org/rfc/rfc1035#section-2.3.4" },
} as const;

interface GeneratedName {
    readonly what: string;
    readonly name: string;
    readonly max: number;
    readonly pattern?: RegExp;
    readonly source: string;
    /** The config value to change when the name is too long. */
    readonly path: string;
    /** The config value to change when the name does not match `pattern` (default: `path`). */
    readonly patternPath?: string;
}

/**
 * The longest names the components build from user input, per site and node. Formulas mirror the
 * components (named per entry); test/platform-limits.test.ts compares them with the components' own
 * name functions where those are exported.
 */
export function generatedNames(topology: Topology): GeneratedName[] {
    const out: GeneratedName[] = [];
    const env = topology.environment;
    const autonamed = NAME_RULES.autonameSuffix.value;
    // `<environment>-<site>` names: too long → shorten the site name; a bad first character is the environment's.
    const prefixPaths = (s: Site) => ({ path: `sites[${s.index}].name`, patternPath: "environment" });
    for (const site of topology.sites) {
        const prefix = siteResourcePrefix(topology, site.name);
        if (site.platform === "eks") {
            out.push({ what: "EKS cluster name", name: prefix, max: NAME_RULES.eksCluster.value.max, pattern: NAME_RULES.eksCluster.value.pattern, source: NAME_RULES.eksCluster.source, ...prefixPaths(site) });
            // components/aws/eksSite.ts `${name}-ebs-csi-role` (the longest role) and stacks/backup.ts `${prefix}-backup` + `-role`,
            // autonamed: logical name + 8.
            for (const suffix of ["-ebs-csi-role", "-backup-role"]) {
                out.push({ what: "IAM role name (autonamed)", name: `${prefix}${suffix}${"x".repeat(autonamed)}`, max: NAME_RULES.iamRole.value.max, source: NAME_RULES.iamRole.source, ...prefixPaths(site) });
            }
        }
        if (site.platform === "gke") {
            // components/gcp/gkeSite.ts: cluster `name: siteResourcePrefix(...)`.
            out.push({ what: "GKE cluster name", name: prefix, max: NAME_RULES.gkeCluster.value.max, pattern: NAME_RULES.gkeCluster.value.pattern, source: NAME_RULES.gkeCluster.source, ...prefixPaths(site) });
        }
        if (site.cloud === "gcp" && (site.platform === "gke" || site.platform === "vm")) {
            // components/gcp/ranges.ts `gcpSiteNetworkTag`.
            out.push({ what: "GCE network tag", name: `${prefix}-axon`, max: NAME_RULES.gceName.value.max, pattern: NAME_RULES.gceName.value.pattern, source: NAME_RULES.gceName.source, ...prefixPaths(site) });
        }
        out.push({ what: "Kubernetes label value (site)", name: site.name, max: NAME_RULES.k8sLabelValue.value.max, source: NAME_RULES.k8sLabelValue.source, path: `sites[${site.index}].name` });
    }
    const siteByName = new Map(topology.sites.map((s) => [s.name, s]));
    for (const node of topology.nodes) {
        const site = siteByName.get(node.site)!;
        const nodePath = `nodes[${node.index}].name`;
        if (site.platform !== "vm") {
            // components/kubernetes/axonServerNode.ts: Services `<node>-grpc`, `<node>-http`, `<node>-internal`.
            out.push({ what: "Kubernetes Service name", name: `${node.name}-internal`, max: NAME_RULES.k8sService.value.max, pattern: NAME_RULES.k8sService.value.pattern, source: NAME_RULES.k8sService.source, path: nodePath });
            // The StatefulSet's pods carry `controller-revision-hash: <name>-<up to 10 characters>`.
            out.push({ what: "controller-revision-hash label value", name: `${node.name}-${"x".repeat(10)}`, max: NAME_RULES.k8sLabelValue.value.max, source: NAME_RULES.k8sLabelValue.source, path: nodePath });
        } else if (site.cloud === "aws") {
            // components/vm/vmAxonServerNode.ts: role and instance profile `axon-<environment>-<node>`.
            out.push({ what: "IAM role name", name: `axon-${env}-${node.name}`, max: NAME_RULES.iamRole.value.max, source: NAME_RULES.iamRole.source, path: nodePath });
        }
        if (usesPrivateDns(topology)) {
            out.push({ what: "node DNS name", name: nodeAddress(topology, node).fqdn, max: NAME_RULES.dnsName.value.max, source: NAME_RULES.dnsName.source, path: "dns.domain" });
        }
    }
    out.push({ what: "Kubernetes label value (environment)", name: env, max: NAME_RULES.k8sLabelValue.value.max, source: NAME_RULES.k8sLabelValue.source, path: "environment" });
    return out;
}

function nameIssues(topology: Topology, errors: ConfigIssue[]): void {
    const seen = new Set<string>();
    for (const n of generatedNames(topology)) {
        const shown = JSON.stringify(n.name.replace(/x{8,}$/, "") + (/x{8}$/.test(n.name) ? "-<7 random>" : ""));
        const report = (path: string, problem: string, fix: string) => {
            const key = `${path}|${n.what}|${fix}`;
            if (seen.has(key)) return;
            seen.add(key);
            errors.push({ path, message: `the ${n.what} ${shown} built from it is invalid: ${problem} (${n.source}); ${fix}` });
        };
        if (n.name.length > n.max) report(n.path, `it has ${n.name.length} characters, at most ${n.max} are allowed`, `choose a name shorter by ${n.name.length - n.max}`);
        if (n.pattern && !n.pattern.test(n.name)) {
            report(n.patternPath ?? n.path, `it must match ${n.pattern.source} (lower-case letters, digits and "-", starting with a letter)`, "choose a name starting with a letter");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Integer fields

export const INT32_MAX = 2147483647;

/** Period of the startup probe (components/kubernetes/podSpec.ts `STARTUP_PERIOD_SECONDS`). */
export const STARTUP_PROBE_PERIOD_SECONDS = 10;

export const TIME_LIMITS = {
    /** Probe.failureThreshold is an int32 (k8s.io/api core/v1 types.go). */
    failureThreshold: { value: INT32_MAX, source: "https://github.com/kubernetes/api/blob/master/core/v1/types.go (Probe.FailureThreshold int32)" },
    /**
     * A program limit: the rolling chain waits up to `startupBudgetSeconds` + 600 s per node before the
     * next; beyond a day a stuck node would hold `pulumi up` for days.
     */
    startupBudgetSeconds: { value: 86400, source: "program limit (rolling chain wait per node)" },
    /**
     * PodSpec.terminationGracePeriodSeconds is an int64; a program limit of one hour keeps the rolling
     * chain and node drains bounded (systemd TimeoutStopSec on VMs uses the same value).
     */
    terminationGracePeriodSeconds: { value: 3600, source: "program limit; int64 in https://github.com/kubernetes/api/blob/master/core/v1/types.go" },
    /** EKS `NodegroupScalingConfig.desiredSize` and GKE `NodePool.initialNodeCount` are 32-bit integers. */
    nodesPerZone: {
        value: INT32_MAX,
        source: "https://docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupScalingConfig.html, https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools#NodePool",
    },
} as const;

function timeIssues(topology: Topology, errors: ConfigIssue[], warnings: ConfigIssue[]): void {
    const ax = topology.axonServer;
    const threshold = Math.ceil(ax.startupBudgetSeconds / STARTUP_PROBE_PERIOD_SECONDS);
    if (threshold > TIME_LIMITS.failureThreshold.value) {
        errors.push({
            path: "axonServer.startupBudgetSeconds",
            message: `${ax.startupBudgetSeconds} gives a startup probe failureThreshold of ${threshold}, above the int32 maximum ${INT32_MAX} (${TIME_LIMITS.failureThreshold.source})`,
        });
    }
    if (ax.startupBudgetSeconds > TIME_LIMITS.startupBudgetSeconds.value) {
        errors.push({
            path: "axonServer.startupBudgetSeconds",
            message: `${ax.startupBudgetSeconds} is too big; allowed are 600 to ${TIME_LIMITS.startupBudgetSeconds.value} seconds (24 hours): ${TIME_LIMITS.startupBudgetSeconds.source}`,
        });
    }
    if (ax.terminationGracePeriodSeconds > TIME_LIMITS.terminationGracePeriodSeconds.value) {
        errors.push({
            path: "axonServer.terminationGracePeriodSeconds",
            message: `${ax.terminationGracePeriodSeconds} is too big; allowed are 120 to ${TIME_LIMITS.terminationGracePeriodSeconds.value} seconds (one hour): ${TIME_LIMITS.terminationGracePeriodSeconds.source}`,
        });
    } else if (ax.terminationGracePeriodSeconds > EKS_NODE_DRAIN_SECONDS.value && topology.sites.some((s) => s.platform === "eks")) {
        warnings.push({
            path: "axonServer.terminationGracePeriodSeconds",
            message:
                `${ax.terminationGracePeriodSeconds} seconds is longer than the ${EKS_NODE_DRAIN_SECONDS.value} s an EKS managed node group update waits for pods to leave a node ` +
                `(${EKS_NODE_DRAIN_SECONDS.source}): node upgrades may fail with PodEvictionFailure`,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// GKE maintenance window

/**
 * GKE rejects a maintenance policy that leaves too little time for maintenance: "You must allow at least
 * 48 hours of maintenance availability in a 32-day rolling window. Only contiguous availability windows
 * of at least four hours are considered." (the API error reads "maintenance policy would go longer than
 * 32d without 48h maintenance availability"). 32 days in the English page, its old alias
 * (/kubernetes-engine/docs/maintenance-window) and the German and Japanese pages; one Korean copy reads 92.
 *
 * Maintenance exclusions are not counted here, and their own limits (how many, how long per scope) are not
 * checked at load time beyond the count the provider enforces (`maintenanceExclusions` at most 20): the
 * current English text of those limits could not be confirmed, and GKE's API checks them when the cluster
 * is created or updated.
 */
export const GKE_MAINTENANCE_AVAILABILITY: Limit<{ readonly hours: number; readonly days: number; readonly minContiguousHours: number }> = {
    value: { hours: 48, days: 32, minContiguousHours: 4 },
    source: "https://cloud.google.com/kubernetes-engine/docs/how-to/maintenance-windows-and-exclusions",
};

const WEEK_MINUTES = 7 * 1440;
const RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/**
 * Hours of maintenance availability in the worst `GKE_MAINTENANCE_AVAILABILITY.days`-day stretch of a
 * recurring window, counting only contiguous stretches of at least `minContiguousHours`; undefined when
 * the recurrence is not one this evaluates (FREQ=DAILY, or FREQ=WEEKLY with an optional BYDAY list).
 */
export function gkeMaintenanceAvailabilityHours(window: MaintenanceWindow): number | undefined {
    const parts = new Map(window.recurrence.split(";").map((p) => p.split("=") as [string, string]));
    const freq = parts.get("FREQ");
    const interval = parts.get("INTERVAL") ?? "1";
    if (interval !== "1" || [...parts.keys()].some((k) => k !== "FREQ" && k !== "INTERVAL" && !(k === "BYDAY" && freq === "WEEKLY"))) return undefined;
    const start = new Date(window.startTime);
    const minutes = Math.min(WEEK_MINUTES, Math.round((Date.parse(window.endTime) - start.getTime()) / 60000));
    if (!(minutes > 0)) return undefined;
    const startDay = (start.getUTCDay() + 6) % 7; // Monday 0
    let days: number[];
    if (freq === "DAILY") days = [0, 1, 2, 3, 4, 5, 6];
    else if (freq === "WEEKLY") {
        const byDay = parts.get("BYDAY")?.split(",") ?? [RRULE_DAYS[startDay]];
        if (byDay.some((d) => !RRULE_DAYS.includes(d))) return undefined;
        days = byDay.map((d) => RRULE_DAYS.indexOf(d));
    } else return undefined;
    // One week, minute by minute: 1 where a window is open.
    const open = new Uint8Array(WEEK_MINUTES);
    const startOfDay = start.getUTCHours() * 60 + start.getUTCMinutes();
    for (const d of days) for (let m = 0; m < minutes; m++) open[(d * 1440 + startOfDay + m) % WEEK_MINUTES] = 1;
    // Keep only contiguous stretches of at least the minimum (the week wraps around).
    const kept = new Uint8Array(WEEK_MINUTES);
    const firstClosed = open.indexOf(0);
    if (firstClosed < 0) kept.fill(1);
    else {
        for (let i = 1, run: number[] = []; i <= WEEK_MINUTES; i++) {
            const m = (firstClosed + i) % WEEK_MINUTES;
            if (open[m]) run.push(m);
            if (!open[m] || i === WEEK_MINUTES) {
                if (run.length >= GKE_MAINTENANCE_AVAILABILITY.value.minContiguousHours * 60) for (const r of run) kept[r] = 1;
                run = [];
            }
        }
    }
    // A 32-day stretch is 4 whole weeks plus 4 days: the worst case is the 4-day stretch with the least.
    const weekly = kept.reduce((s, v) => s + v, 0);
    const restMinutes = GKE_MAINTENANCE_AVAILABILITY.value.days * 1440 - 4 * WEEK_MINUTES;
    let inRest = 0;
    for (let m = 0; m < restMinutes; m++) inRest += kept[m];
    let worstRest = inRest;
    for (let o = 1; o < WEEK_MINUTES; o++) {
        inRest += kept[(o + restMinutes - 1) % WEEK_MINUTES] - kept[o - 1];
        worstRest = Math.min(worstRest, inRest);
    }
    return (4 * weekly + worstRest) / 60;
}

function maintenanceIssues(topology: Topology, errors: ConfigIssue[], warnings: ConfigIssue[]): void {
    const lim = GKE_MAINTENANCE_AVAILABILITY;
    for (const site of topology.sites) {
        const w = site.cluster.maintenanceWindow;
        if (site.platform !== "gke" || !w || !(Date.parse(w.endTime) > Date.parse(w.startTime))) continue;
        const path = `sites[${site.index}].maintenanceWindow`;
        const hours = gkeMaintenanceAvailabilityHours(w);
        if (hours === undefined) {
            warnings.push({
                path,
                message: `the recurrence ${JSON.stringify(w.recurrence)} cannot be checked at load time against GKE's minimum of ${lim.value.hours} hours of maintenance availability in ${lim.value.days} days (${lim.source})`,
            });
        } else if (hours < lim.value.hours) {
            errors.push({
                path,
                message:
                    `${JSON.stringify(w.recurrence)} from ${w.startTime} to ${w.endTime} leaves ${Math.round(hours * 10) / 10} hours of maintenance availability in the worst ${lim.value.days} days ` +
                    `(only stretches of at least ${lim.value.minContiguousHours} hours count); GKE needs at least ${lim.value.hours} (${lim.source}): make the window longer or recur more often, ` +
                    `e.g. startTime 02:00, endTime 10:00, recurrence "FREQ=WEEKLY;BYDAY=SA,SU" (the default, 64 hours)`,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sites: zones, machine types, VM sizes

function siteIssues(topology: Topology, errors: ConfigIssue[], warnings: ConfigIssue[]): void {
    for (const site of topology.sites) {
        const path = `sites[${site.index}]`;
        if (site.platform === "eks" && site.zones.length < EKS_MIN_ZONES.value) {
            errors.push({
                path: `${path}.zones`,
                message:
                    `${JSON.stringify(site.zones)} lists ${site.zones.length} zone; an EKS cluster needs subnets in at least ${EKS_MIN_ZONES.value} Availability Zones ` +
                    `(${EKS_MIN_ZONES.source}): add a second zone of ${site.region}; Axon nodes may all stay in the first`,
            });
        }
        if ((site.platform === "eks" || site.platform === "gke") && site.cluster.nodesPerZone > TIME_LIMITS.nodesPerZone.value) {
            errors.push({
                path: `${path}.nodesPerZone`,
                message: `${site.cluster.nodesPerZone} is above the int32 maximum ${INT32_MAX} of the node count fields (${TIME_LIMITS.nodesPerZone.source})`,
            });
        }
        if (site.platform === "eks" || site.platform === "gke" || site.platform === "vm") {
            if (site.cloud !== "aws" && site.cloud !== "gcp") continue;
            const naming = machineTypeNamingIssue(site.cloud, site.cluster.machineType);
            if (naming) {
                errors.push({ path: `${path}.machineType`, message: naming });
                continue;
            }
            const series = site.cluster.machineType.split("-")[0];
            if (site.cloud === "gcp" && HYPERDISK_ONLY_SERIES.value.includes(series)) {
                errors.push({
                    path: `${path}.machineType`,
                    message:
                        `${JSON.stringify(site.cluster.machineType)}: the ${series.toUpperCase()} series attaches only Hyperdisk volumes (${HYPERDISK_ONLY_SERIES.source}), ` +
                        `but the Axon volumes are Persistent Disks (pd-ssd, pd-balanced, pd-standard); choose an E2, N2, N2D or T2D machine type`,
                });
                continue;
            }
            if (site.platform === "vm") vmSizeIssues(topology, site, errors, warnings);
        }
    }
}

/** Memory the OS and the backup agent keep on a VM node (a program allowance). */
const VM_OS_ALLOWANCE_MI = 1024;

function vmSizeIssues(topology: Topology, site: Site, errors: ConfigIssue[], warnings: ConfigIssue[]): void {
    const machine = lookupMachineType(site.cloud as "aws" | "gcp", site.cluster.machineType);
    const nodes = topology.nodes.filter((n) => n.site === site.name);
    if (!machine) {
        if (nodes.length > 0) {
            warnings.push({
                path: `sites[${site.index}].machineType`,
                message: `${JSON.stringify(site.cluster.machineType)} is not in the machine-type table, so the size of the VM nodes of site "${site.name}" cannot be checked against it`,
            });
        }
        return;
    }
    const machineMi = machine.memoryGiB * 1024;
    for (const node of nodes) {
        const mem = quantityMi(node.resources.memory);
        const msg = (verdict: string) =>
            `${JSON.stringify(node.resources.memory)} ${verdict} of a ${site.cluster.machineType} VM (${machine.memoryGiB} GiB); the JVM heap is derived from it and the OS needs about ` +
            `${VM_OS_ALLOWANCE_MI} MiB: lower nodes[${node.index}].memory or set a bigger sites[${site.index}].machineType`;
        if (mem >= machineMi) errors.push({ path: `nodes[${node.index}].memory`, message: msg("is not below the memory") });
        else if (mem > machineMi - VM_OS_ALLOWANCE_MI) warnings.push({ path: `nodes[${node.index}].memory`, message: msg("leaves less than 1 GiB") });
    }
}

// ---------------------------------------------------------------------------------------------

export interface PlatformIssueOptions {
    /** Whether Axon pods run the backup agent sidecar (a `backup` config key is present). */
    readonly backupAgent: boolean;
}

/**
 * Every platform limit applied to a loaded topology: zones per EKS site, machine-type names, volume
 * sizes per volume type, names built from user input, integer and time fields, GKE maintenance
 * windows, and the capacity of
 * every zone of the EKS/GKE sites (`capacity.ts`). Each issue has the config path as the user wrote it,
 * the bad value and what is allowed.
 */
export function platformIssues(topology: Topology, options: PlatformIssueOptions): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
    const errors: ConfigIssue[] = [];
    const warnings: ConfigIssue[] = [];
    siteIssues(topology, errors, warnings);
    volumeIssues(topology, errors);
    nameIssues(topology, errors);
    timeIssues(topology, errors, warnings);
    maintenanceIssues(topology, errors, warnings);
    errors.push(...nodeLoadBalancerIssues(topology));
    // Capacity needs known, well-formed machine types; a naming error is already reported.
    const badTypes = new Set(errors.filter((e) => e.path.endsWith(".machineType")).map((e) => e.path));
    const capacity = capacityIssues(topology, options);
    errors.push(...capacity.errors);
    warnings.push(...capacity.warnings.filter((w) => !badTypes.has(w.path)));
    return { errors, warnings };
}

