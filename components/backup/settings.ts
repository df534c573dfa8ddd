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
 *
 * The schema and its checks live with the rest of the config (components/topology/schema.ts and
 * validate.ts); the loader puts the result into `Topology.backup`. This module keeps the backup
 * components' imports short.
 */
import type { BackupSettings, BucketCloud, ConfigIssue, Topology } from "../topology/model";
import { BACKUP_DEFAULTS, BACKUP_KEYS, BUCKET_CLOUDS, HH_MM } from "../topology/schema";
import { validateBackupKey } from "../topology/load";

export type { BackupSettings, BucketCloud };
export { BACKUP_DEFAULTS, BACKUP_KEYS, BUCKET_CLOUDS };

/** Minutes after midnight of an `HH:MM` time. */
export function minutesOfDay(hhmm: string): number {
    const m = HH_MM.exec(hhmm);
    if (!m) throw new Error(`not an HH:MM time: ${hhmm}`);
    return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * The `backup` key checked on its own against the sites (the loader's own checks; the agents' wiring
 * needs the whole topology and is checked by `loadTopology`). Absent key → no settings, no error.
 */
export function parseBackupSettings(raw: unknown, topology: Pick<Topology, "sites"> & Partial<Pick<Topology, "gcpProject">>): { settings?: BackupSettings; errors: ConfigIssue[] } {
    return validateBackupKey(raw, topology);
}
