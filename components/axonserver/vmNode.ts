/**
 * The backup agent of a VM node: what the stack's backup wiring (stacks/backup.ts) hands the VM placer
 * (components/vm/vmPlacer.ts) for the nodes the backup plan designates. Types only.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { BackupPlan } from "../backup/plan";
import type { BackupSettings } from "../backup/settings";

/**
 * The backup agent of a VM node (components/vm/backupTimer.ts `renderBackupTimerUnits`): its script and
 * systemd timer are installed by the bootstrap. Bucket access is granted to the node's identity
 * (`PlacedNode.machine`) by the stack (`stacks/backup.ts`).
 */
export interface VmNodeBackup {
    /** The stack's backup settings: the bucket's cloud and region, and the interval of the timer. */
    readonly settings: BackupSettings;
    /** The environment's backup plan: the node's agent (its units and start offset) comes from it. */
    readonly plan: BackupPlan;
    /** The bucket's name (rendered into the timer's environment). */
    readonly bucketName: pulumi.Input<string>;
}
