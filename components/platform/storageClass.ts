/**
 * Platform layer: the StorageClass every Kubernetes site creates for Axon Server volumes (kept on delete,
 * expandable, bound where the pod runs). Arguments only; the sites create the resource.
 */
import * as k8s from "@pulumi/kubernetes";

/** Inputs for a StorageClass that keeps its volumes when the claim (or the stack) goes away. */
export interface RetainedStorageClassOptions {
    /** StorageClass name (cluster-scoped: make it unique per environment/tier). */
    readonly name: string;
    /** CSI provisioner, e.g. "ebs.csi.aws.com" or "pd.csi.storage.gke.io". */
    readonly provisioner: string;
    /** Provisioner parameters (disk type, IOPS, encryption...). */
    readonly parameters: Readonly<Record<string, string>>;
    /**
     * Extra metadata labels.
     * @default - none
     */
    readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Arguments for a StorageClass used by Axon Server volumes:
 * - `reclaimPolicy: Retain`: deleting a PVC (or the stack) never deletes the disk holding the event store;
 * - `allowVolumeExpansion: true`: grow the event store in place;
 * - `volumeBindingMode: WaitForFirstConsumer`: the disk is created in the zone the pod is scheduled in,
 *   which matters because each Axon node is pinned to a zone.
 */
export function retainedStorageClassArgs(o: RetainedStorageClassOptions): k8s.storage.v1.StorageClassArgs {
    return {
        metadata: { name: o.name, ...(o.labels ? { labels: { ...o.labels } } : {}) },
        provisioner: o.provisioner,
        parameters: { ...o.parameters },
        reclaimPolicy: "Retain",
        allowVolumeExpansion: true,
        volumeBindingMode: "WaitForFirstConsumer",
    };
}
