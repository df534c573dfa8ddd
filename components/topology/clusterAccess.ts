/**
 * Load-time checks of the cloud platform options: how the runner reaches the cluster APIs
 * (`clusterAccess`) and the per-site platform options. Pure, no Pulumi import.
 */
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
                `is open to these ranges only; set the public egress address of the machine running \`pulumi up\` (e.g. [203.0.113.10/32]), ` +
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
