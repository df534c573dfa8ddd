/**
 * Identity of what this program creates, in one place: the keys that find every resource of an
 * environment (AWS tags, GCP labels, Kubernetes labels), and the stable hash that shortens names to a
 * platform's length limit. Pure, no Pulumi import.
 *
 * One key finds an environment on each platform:
 * - AWS and GCP: the tag / label `axonserver-environment=<environment>` (GCP label keys allow lowercase
 *   letters, digits, `_` and `-`, at most 63 characters: cloud.google.com/compute/docs/labeling-resources);
 * - Kubernetes: the recommended label `app.kubernetes.io/instance=<environment>`
 *   (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels).
 */

/** The project: the `part-of` of every Kubernetes object and the prefix of our own Kubernetes label keys. */
export const PROJECT = "axonserver-multiregion";

/** AWS tag and GCP label keys of every taggable cloud resource. */
export const CLOUD_KEYS = {
    environment: "axonserver-environment",
    site: "axonserver-site",
    node: "axonserver-node",
} as const;

/**
 * Further AWS tag / GCP label keys some cloud resources carry besides their identity: the workload a
 * resource serves (`app=axonserver` on GKE clusters and node pools), what it is for (`purpose`), and
 * which of a VM node's volumes a disk is (`axonserver-volume=data`).
 */
export const CLOUD_EXTRA_KEYS = {
    app: "app",
    purpose: "purpose",
    volume: "axonserver-volume",
} as const;

/**
 * Annotation keys of ours: the documented override that lets a rebuilt `first` node initialise a new
 * cluster (components/axonserver/render/startupGuard.ts), and why a site's PodDisruptionBudget allows no
 * disruption at all (components/kubernetes/siteObjects.ts).
 */
export const ANNOTATION_KEYS = {
    allowInitialise: `${PROJECT}/allow-initialise`,
    whyZero: `${PROJECT}/why-zero`,
} as const;

/**
 * Keys of the rolling gate and roller Jobs (components/kubernetes/rollingGate.ts, roller.ts): the pod
 * annotation an operator sets to override a stuck step (README, "Creation order and rolling changes"),
 * and the labels that find a gate's or roller's pod for it.
 */
export const ROLLING_KEYS = {
    override: `${PROJECT}/gate-override`,
    gateAfter: `${PROJECT}/gate-after`,
    gateBefore: `${PROJECT}/gate-before`,
    rollerSegment: `${PROJECT}/roller-segment`,
} as const;

/** Kubernetes label keys and the fixed values of the recommended labels. */
export const KUBERNETES_KEYS = {
    name: "app.kubernetes.io/name",
    /** The environment (one Axon Server cluster per environment). */
    instance: "app.kubernetes.io/instance",
    component: "app.kubernetes.io/component",
    partOf: "app.kubernetes.io/part-of",
    managedBy: "app.kubernetes.io/managed-by",
    site: `${PROJECT}/site`,
    node: `${PROJECT}/node`,
} as const;
export const APP_NAME = "axonserver";
export const PART_OF = PROJECT;
export const MANAGED_BY = "pulumi";

/** Tags / labels that identify a cloud resource of `environment` (and of a site, when it belongs to one). */
export function cloudIdentity(environment: string, site?: string): Record<string, string> {
    return { [CLOUD_KEYS.environment]: environment, ...(site !== undefined ? { [CLOUD_KEYS.site]: site } : {}) };
}

/** 32-bit FNV-1a: a small stable hash for names (not for security). */
export function fnv1a(s: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
        h ^= s.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
}

/** Seven base-36 characters of `fnv1a(s)`: the suffix of a shortened name. */
export function shortHash(s: string): string {
    return fnv1a(s).toString(36).padStart(7, "0").slice(0, 7);
}

/** `full` when it has at most `max` characters, else a prefix of it, `-` and `shortHash(full)`. */
export function fitName(full: string, max: number): string {
    if (full.length <= max) return full;
    const hash = shortHash(full);
    return `${full.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}
