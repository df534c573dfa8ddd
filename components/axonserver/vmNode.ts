/**
 * How a VM node joins the Axon Server cluster: the contract between the cluster (which orders the nodes
 * and owns tokens, license and TLS) and the VM implementation (components/vm/vmNodeFactory.ts). Types
 * only, so neither side imports the other.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { BackupPlan } from "../backup/plan";
import type { BackupSettings } from "../backup/settings";
import type { AxonNode } from "../topology/model";

/**
 * The backup agent of a VM node (components/backup/sidecar.ts `renderBackupTimerUnits`): its script and
 * systemd timer are installed by the bootstrap. Bucket access is granted to the node's identity
 * (`role` / `serviceAccount`) by the stack (`stacks/backup.ts`).
 */
export interface VmNodeBackup {
    readonly settings: BackupSettings;
    readonly plan: BackupPlan;
    /** The bucket's name (rendered into the timer's environment). */
    readonly bucketName: pulumi.Input<string>;
}

/** What the cluster hands the factory for one VM node, in chain order. */
export interface VmNodeContext {
    node: AxonNode;
    /**
     * What the VM node waits for: the rolling gate Job after the previous node (or the previous node
     * itself between two VM nodes, which have no gate); empty for the first.
     */
    dependsOn: pulumi.Resource[];
    adminToken: pulumi.Output<string>;
    internalToken: pulumi.Output<string>;
    license?: pulumi.Output<string>;
    tls?: { caCertPem: pulumi.Output<string>; certPem: pulumi.Output<string>; privateKeyPem: pulumi.Output<string> };
    /** Parent for the VM node's resources (the cluster component). */
    parent: pulumi.Resource;
    /** The backup agent of the node, when the backup plan designates it. */
    backup?: VmNodeBackup;
}

/** Creates a VM node; returns the resource the next node of the chain must wait for. */
export type VmNodeFactory = (ctx: VmNodeContext) => pulumi.Resource;
