/**
 * The `backup` stack config key: file backups of the Axon Server REST backup API into a bucket in a
 * disaster-recovery region, plus daily volume snapshots. Pure, no Pulumi import.
 *
 * ```yaml
 * axonserver-multiregion:backup:
 *   drRegion: us-east-1          # region of the backup bucket (and of snapshot copies)
 *   cloud: aws                   # cloud of the bucket; default: the cloud of the first site
 *   intervalMinutes: 60          # file backup every N minutes (a divisor of 1440)
 *   retentionDays: 30            # old object versions are kept this long
 *   objectLock: false            # S3 Object Lock (governance mode) for retentionDays
 *   snapshotTime: "02:00"        # daily volume snapshots, UTC
 *   snapshotRetentionCount: 14   # snapshots kept per volume
 *   agentImage: ...              # override of the stock cloud CLI image of the agent
 * ```
 * Absent `backup` (or `enabled: false`): no backups are configured.
 */
import { Cloud, ConfigIssue, Topology } from "../topology/model";
import { listOf, PATTERNS, quote } from "../topology/schema";

export type BucketCloud = "aws" | "gcp";
export const BUCKET_CLOUDS: readonly BucketCloud[] = ["aws", "gcp"];

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
    /** Image of the backup agent; default: the pinned stock CLI image of `cloud` (sidecar.ts). */
    readonly agentImage?: string;
}

export const BACKUP_DEFAULTS = {
    intervalMinutes: 60,
    retentionDays: 30,
    objectLock: false,
    snapshotTime: "02:00",
    snapshotRetentionCount: 14,
} as const;

export const BACKUP_KEYS = [
    "enabled",
    "drRegion",
    "cloud",
    "intervalMinutes",
    "retentionDays",
    "objectLock",
    "snapshotTime",
    "snapshotRetentionCount",
    "agentImage",
] as const;

/** A DLM schedule retains at most 1000 snapshots; GCS/S3 retention beyond 10 years is not sensible here. */
const LIMITS = {
    intervalMinutes: { min: 5, max: 1440 },
    retentionDays: { min: 1, max: 3650 },
    snapshotRetentionCount: { min: 1, max: 1000 },
} as const;

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** Container image reference: `name[:tag][@sha256:…]`, no spaces. */
const IMAGE = /^[a-z0-9]([a-z0-9._\-/:@]*[a-z0-9])?$/;

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Minutes after midnight of an `HH:MM` time. */
export function minutesOfDay(hhmm: string): number {
    const m = HH_MM.exec(hhmm);
    if (!m) throw new Error(`not an HH:MM time: ${hhmm}`);
    return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Parses the `backup` key. Every problem is reported with its config path, the bad value quoted and
 * what is allowed. Absent key → `{ settings: undefined }` (backups disabled), no error.
 */
export function parseBackupSettings(raw: unknown, topology: Pick<Topology, "sites">): { settings?: BackupSettings; errors: ConfigIssue[] } {
    const errors: ConfigIssue[] = [];
    const err = (key: string, message: string) => errors.push({ path: key ? `backup.${key}` : "backup", message });
    if (raw === undefined || raw === null) return { errors };
    if (!isRecord(raw)) {
        err("", `expected a map with keys ${listOf(BACKUP_KEYS)}, got ${quote(raw)}`);
        return { errors };
    }
    for (const key of Object.keys(raw)) {
        if (!(BACKUP_KEYS as readonly string[]).includes(key)) err(key, `unknown key ${quote(key)}; allowed keys: ${listOf(BACKUP_KEYS)}`);
    }

    const bool = (key: string, dflt: boolean): boolean => {
        const v = raw[key];
        if (v === undefined) return dflt;
        if (typeof v === "boolean") return v;
        if (v === "true" || v === "false") return v === "true";
        err(key, `${quote(v)} is not a boolean; allowed: true, false`);
        return dflt;
    };
    const int = (key: keyof typeof LIMITS, dflt: number): number => {
        const v = raw[key];
        if (v === undefined) return dflt;
        const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
        const { min, max } = LIMITS[key];
        if (typeof n !== "number" || !Number.isInteger(n)) err(key, `${quote(v)} is not a whole number; ${key} must be an integer from ${min} to ${max}`);
        else if (n < min || n > max) err(key, `${quote(v)} is out of range; ${key} must be an integer from ${min} to ${max}`);
        else return n;
        return dflt;
    };

    const enabled = bool("enabled", true);

    // cloud: explicit, else the first site's cloud.
    let cloud: BucketCloud | undefined;
    if (raw.cloud !== undefined) {
        if (typeof raw.cloud === "string" && (BUCKET_CLOUDS as readonly string[]).includes(raw.cloud)) cloud = raw.cloud as BucketCloud;
        else err("cloud", `${quote(raw.cloud)} is not a valid bucket cloud; allowed: ${listOf(BUCKET_CLOUDS)}`);
    } else {
        const first: Cloud | undefined = topology.sites[0]?.cloud;
        if (first === "aws" || first === "gcp") cloud = first;
        else if (enabled) {
            err("cloud", `is required: the first site's cloud is ${quote(first ?? "(no site)")}, which has no bucket; allowed: ${listOf(BUCKET_CLOUDS)}`);
        }
    }

    let drRegion = "";
    if (raw.drRegion === undefined) {
        if (enabled) err("drRegion", `is required: the ${cloud === "gcp" ? "GCP" : "AWS"} region of the backup bucket, e.g. ${cloud === "gcp" ? '"europe-west1"' : '"us-east-1"'}`);
    } else if (typeof raw.drRegion !== "string") {
        err("drRegion", `${quote(raw.drRegion)} is not a region name`);
    } else {
        drRegion = raw.drRegion;
        if (cloud === "aws" && !PATTERNS.awsRegion.test(drRegion)) {
            err("drRegion", `${quote(drRegion)} is not an AWS region: expected the pattern ${PATTERNS.awsRegion.source}, e.g. "us-east-1"`);
        } else if (cloud === "gcp" && !PATTERNS.gcpRegion.test(drRegion)) {
            err("drRegion", `${quote(drRegion)} is not a GCP region: expected the pattern ${PATTERNS.gcpRegion.source}, e.g. "europe-west1"`);
        }
    }

    const intervalMinutes = int("intervalMinutes", BACKUP_DEFAULTS.intervalMinutes);
    if (raw.intervalMinutes !== undefined && 1440 % intervalMinutes !== 0) {
        err(
            "intervalMinutes",
            `${quote(raw.intervalMinutes)} does not divide a day (1440 minutes): runs are aligned to the day so one lands shortly before the snapshots; allowed e.g. 15, 30, 60, 120, 240, 360, 720, 1440`,
        );
    }
    const retentionDays = int("retentionDays", BACKUP_DEFAULTS.retentionDays);
    const objectLock = bool("objectLock", BACKUP_DEFAULTS.objectLock);
    if (objectLock && cloud === "gcp") {
        err(
            "objectLock",
            `true is only supported for S3 buckets (cloud: aws): a GCS retention policy forbids overwriting objects, which the agent must do for the active segment, its markers and the replication log; allowed with cloud gcp: false`,
        );
    }

    let snapshotTime: string = BACKUP_DEFAULTS.snapshotTime;
    if (raw.snapshotTime !== undefined) {
        if (typeof raw.snapshotTime === "string" && HH_MM.test(raw.snapshotTime)) snapshotTime = raw.snapshotTime;
        else err("snapshotTime", `${quote(raw.snapshotTime)} is not a valid time: expected "HH:MM" (24 h, UTC), e.g. "02:00"`);
    }
    const snapshotRetentionCount = int("snapshotRetentionCount", BACKUP_DEFAULTS.snapshotRetentionCount);

    let agentImage: string | undefined;
    if (raw.agentImage !== undefined) {
        if (typeof raw.agentImage === "string" && IMAGE.test(raw.agentImage)) agentImage = raw.agentImage;
        else err("agentImage", `${quote(raw.agentImage)} is not a valid image reference, e.g. "amazon/aws-cli:2.27.49"`);
    }

    if (errors.length > 0 || !enabled || cloud === undefined) return { errors };
    return {
        settings: {
            enabled,
            drRegion,
            cloud,
            intervalMinutes,
            retentionDays,
            objectLock,
            snapshotTime,
            snapshotRetentionCount,
            ...(agentImage !== undefined ? { agentImage } : {}),
        },
        errors,
    };
}
