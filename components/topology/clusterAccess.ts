/**
 * Load-time checks of the cloud platform options: how the runner reaches the cluster APIs
 * (`clusterAccess`) and the per-site platform options. Pure, no Pulumi import.
 */
import { cidrContains } from "./cidr";
import { BackupSettings, ConfigIssue, Site, Topology } from "./model";
import { listOf, quote } from "./schema";

/** GCP region names, e.g. `europe-west4`. */
const GCP_REGION = /^[a-z]+-[a-z]+\d+$/;

/**
 * Default region of a GKE site's Backup for GKE plan: a nearby region in the same geography, so a
 * regional outage never takes the backups with the cluster (cloud.google.com/kubernetes-engine/docs/add-on/backup-for-gke/concepts/backup-plan:
 * "location … where all backup artifacts … will be stored"). Other regions: set `sites[].backupRegion`.
 */
export const GKE_BACKUP_REGION_PAIRS: Readonly<Record<string, string>> = {
    "europe-west1": "europe-west4",
    "europe-west4": "europe-west1",
    "europe-west2": "europe-west1",
    "europe-west3": "europe-west4",
    "europe-north1": "europe-west4",
    "us-central1": "us-east1",
    "us-east1": "us-central1",
    "us-east4": "us-central1",
    "us-west1": "us-west2",
    "us-west2": "us-west1",
    "asia-northeast1": "asia-northeast2",
    "asia-northeast2": "asia-northeast1",
    "asia-southeast1": "asia-east1",
    "asia-east1": "asia-southeast1",
    "australia-southeast1": "australia-southeast2",
    "australia-southeast2": "australia-southeast1",
};

/**
 * The Backup for GKE plan region of a GKE site: `backupRegion` as configured, else the DR region of a GCS
 * backup bucket (when it is another region), else the cluster region's pair; undefined when none applies.
 * The loader's check and the `GkeBackup` component both use it, so they never disagree.
 */
export function gkeBackupRegion(
    site: Pick<Site, "region"> & { readonly cluster: Pick<Site["cluster"], "backupRegion"> },
    backup?: Pick<BackupSettings, "cloud" | "drRegion">,
): string | undefined {
    if (site.cluster.backupRegion !== undefined) return site.cluster.backupRegion;
    if (backup?.cloud === "gcp" && backup.drRegion !== site.region) return backup.drRegion;
    return GKE_BACKUP_REGION_PAIRS[site.region];
}

/** Which parts of the config `clusterAccessIssues` may judge (the loader narrows them when a config has errors). */
export interface ClusterAccessCheckOptions {
    /** false: some sites had errors and are not in the topology; the checks against the set of EKS regions are skipped. @default true */
    readonly allSites?: boolean;
    /** false: `clusterAccess` itself had errors; only the per-site options are checked. @default true */
    readonly access?: boolean;
    /** false: `backup` had errors; a GKE site's Backup for GKE region is not judged (it may come from `backup.drRegion`). @default true */
    readonly backup?: boolean;
}

/** Errors of `clusterAccess` and of the per-site platform options, each with its config path. */
export function clusterAccessIssues(topology: Pick<Topology, "sites" | "clusterAccess" | "backup">, options: ClusterAccessCheckOptions = {}): ConfigIssue[] {
    const errors: ConfigIssue[] = [];
    const err = (path: string, message: string) => errors.push({ path, message });
    const access = topology.clusterAccess;
    const eksRegions = [...new Set(topology.sites.filter((s) => s.platform === "eks").map((s) => s.region))];
    const checkAccess = options.access ?? true;
    const allSites = checkAccess && (options.allSites ?? true);

    if (allSites && eksRegions.length > 0 && !access.privateOnly && access.runnerCidrs.length === 0) {
        err(
            "clusterAccess.runnerCidrs",
            `is required for the EKS sites (regions ${listOf(eksRegions)}): \`pulumi up\` talks to each cluster's API, whose public endpoint ` +
                `is open to these ranges only; set the public egress address of the machine running \`pulumi up\` (the address ` +
                `\`curl -s https://checkip.amazonaws.com\` prints, followed by /32), ` +
                `or set privateOnly: true with runnerRoutes when that machine reaches the VPCs privately`,
        );
    }
    if (checkAccess && access.privateOnly) {
        if (access.runnerCidrs.length > 0) {
            err("clusterAccess.runnerCidrs", `must be empty with privateOnly: true (a private-only endpoint has no public side to open)`);
        }
        const routed = new Set(access.runnerRoutes.map((r) => r.region));
        const missing = eksRegions.filter((r) => !routed.has(r));
        if (allSites && missing.length > 0) {
            err(
                "clusterAccess.runnerRoutes",
                `privateOnly: true needs a route from the runner network to every EKS region's VPC, which does not exist before the first ` +
                    `\`pulumi up\` creates it; missing for ${listOf(missing)}: add { region, transitGatewayId, cidrs } for each (the VPC is ` +
                    `attached to that transit gateway and its private route tables send cidrs there)`,
            );
        }
    }
    access.runnerRoutes.forEach((r, i) => {
        if (allSites && !eksRegions.includes(r.region)) {
            err(`clusterAccess.runnerRoutes[${i}].region`, `${quote(r.region)} has no EKS site; regions with EKS sites: ${listOf(eksRegions)}`);
        }
    });
    const seen = new Set<string>();
    (checkAccess ? access.runnerRoutes : []).forEach((r, i) => {
        if (seen.has(r.region)) err(`clusterAccess.runnerRoutes[${i}].region`, `${quote(r.region)} is listed twice; one transit gateway per region`);
        seen.add(r.region);
    });
    if (allSites && (access.eksAdminPrincipals.length > 0 || access.eksRoleArn) && eksRegions.length === 0) {
        err("clusterAccess", `eksAdminPrincipals and eksRoleArn apply to EKS sites only; this stack has none`);
    }

    for (const site of topology.sites) {
        const at = (key: string) => `sites[${site.index}].${key}`;
        const c = site.cluster;
        const gke = site.platform === "gke";
        if (!gke) {
            if (!c.deletionProtection) err(at("deletionProtection"), `applies to gke sites only (site ${site.name} is ${site.platform})`);
            if (c.maintenanceWindow) err(at("maintenanceWindow"), `applies to gke sites only (site ${site.name} is ${site.platform})`);
            if (c.maintenanceExclusions.length > 0) err(at("maintenanceExclusions"), `applies to gke sites only (site ${site.name} is ${site.platform})`);
            if (c.backupRegion !== undefined) err(at("backupRegion"), `applies to gke sites only (site ${site.name} is ${site.platform})`);
        }
        if (c.allowIapSsh && !(site.platform === "vm" && site.cloud === "gcp")) {
            err(at("allowIapSsh"), `applies to vm sites on gcp only (AWS VMs use SSM Session Manager; Kubernetes nodes are not reached by SSH)`);
        }
        if (c.kmsKeyArn !== undefined) {
            if (!(site.cloud === "aws" && (site.platform === "eks" || site.platform === "vm"))) {
                err(at("kmsKeyArn"), `applies to eks and vm sites on aws only`);
            } else if (c.kmsKeyArn.split(":")[3] !== site.region) {
                err(at("kmsKeyArn"), `${quote(c.kmsKeyArn)} is in region ${c.kmsKeyArn.split(":")[3]}; EBS volumes of ${site.region} need a key of ${site.region}`);
            }
        }
        if (gke) {
            const region = gkeBackupRegion(site, topology.backup);
            if (c.backupRegion !== undefined && !GCP_REGION.test(c.backupRegion)) {
                err(at("backupRegion"), `${quote(c.backupRegion)} is not a GCP region, e.g. "europe-west1"`);
            } else if (region === undefined && topology.backup !== undefined && (options.backup ?? true)) {
                err(at("backupRegion"), `is required: no default paired region for ${site.region}; name another GCP region for the Backup for GKE plan`);
            } else if (region === site.region) {
                err(at("backupRegion"), `${quote(region)} is the cluster's own region: losing the region would lose the backups; choose another region`);
            }
            const w = c.maintenanceWindow;
            if (w && !(Date.parse(w.endTime) > Date.parse(w.startTime))) {
                err(at("maintenanceWindow.endTime"), `${quote(w.endTime)} must be after startTime ${quote(w.startTime)}`);
            }
            c.maintenanceExclusions.forEach((e, i) => {
                if (!(Date.parse(e.endTime) > Date.parse(e.startTime))) {
                    err(at(`maintenanceExclusions[${i}].endTime`), `${quote(e.endTime)} must be after startTime ${quote(e.startTime)}`);
                }
            });
        }
    }
    return errors;
}

/**
 * IPv4 ranges reserved for documentation and examples, never routed on the internet: RFC 5737, section 3
 * (TEST-NET-1, -2, -3), https://www.rfc-editor.org/rfc/rfc5737#section-3. The example stacks' runner
 * address is one of them. `runnerCidrs` are IPv4 only (cidr.ts), so the IPv6 documentation prefix
 * (2001:db8::/32, RFC 3849) cannot occur.
 */
export const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"] as const;

/** The documentation range `cidr` lies in, if any. Undefined for a malformed CIDR (the schema reports it). */
export function documentationRange(cidr: string): string | undefined {
    try {
        return DOCUMENTATION_RANGES.find((r) => cidrContains(r, cidr));
    } catch {
        return undefined;
    }
}

const CHECKIP = "curl -s https://checkip.amazonaws.com";

/**
 * Warnings, one per entry of `clusterAccess.runnerCidrs` that lies in a documentation range, on a stack
 * whose EKS API is reached through its public endpoint (EKS sites, not `privateOnly`). Such an entry admits
 * no machine: the endpoint only sees routed source addresses. When every entry is one, the runner cannot
 * reach any EKS API, and `pulumi up` would create the clusters and then wait for APIs it cannot reach
 * until it times out; `unreachableRunnerIssues` turns these warnings into the entry point's refusal.
 */
export function documentationRunnerWarnings(topology: Pick<Topology, "sites" | "clusterAccess">): ConfigIssue[] {
    const access = topology.clusterAccess;
    const eksRegions = [...new Set(topology.sites.filter((s) => s.platform === "eks").map((s) => s.region))];
    if (eksRegions.length === 0 || access.privateOnly) return [];
    const placeholders = access.runnerCidrs.flatMap((cidr, i) => {
        const range = documentationRange(cidr);
        return range === undefined ? [] : [{ i, cidr, range }];
    });
    const all = placeholders.length === access.runnerCidrs.length;
    return placeholders.map(({ i, cidr, range }) => ({
        path: `clusterAccess.runnerCidrs[${i}]`,
        message:
            `${quote(cidr)} lies in ${range}, a range reserved for documentation (RFC 5737) and never routed on the internet, ` +
            `so it admits no machine to the public EKS API endpoints (regions ${listOf(eksRegions)}). ` +
            (all
                ? `No runner range is real: \`pulumi up\` refuses to start (it would create the clusters, then wait for APIs it ` +
                  `cannot reach). Set the public egress address of the machine that runs \`pulumi up\`: what ` +
                  `\`${CHECKIP}\` prints, followed by /32, e.g. ` +
                  `\`pulumi config set --path 'clusterAccess.runnerCidrs[${i}]' "$(${CHECKIP})/32"\``
                : `Remove it: the other runner ranges are the ones \`pulumi up\` is reached from`),
    }));
}

/**
 * The entry point's refusal (stacks/program.ts, `pulumi up` and `pulumi preview`): the warnings of
 * `documentationRunnerWarnings` when every runner range is a documentation range, else none. The offline
 * doors (`npm run topology`, `npm run render`) only warn.
 */
export function unreachableRunnerIssues(topology: Pick<Topology, "sites" | "clusterAccess">): ConfigIssue[] {
    const warnings = documentationRunnerWarnings(topology);
    return warnings.length > 0 && warnings.length === topology.clusterAccess.runnerCidrs.length ? warnings : [];
}
