/**
 * Labels of every Kubernetes object of an Axon Server deployment. Pure, no resource creation.
 *
 * The `app.kubernetes.io/*` keys are the Kubernetes recommended labels
 * (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels). Two keys of our own
 * (prefix `axonserver-multiregion/`, the project name) select one site's or one node's pods: a
 * selector must never match another node's pods, and the site PodDisruptionBudget must match all of
 * them and nothing else.
 */

import { APP_NAME, KUBERNETES_KEYS, MANAGED_BY, PART_OF } from "../topology/identity";

export { APP_NAME, MANAGED_BY, PART_OF };
export const SITE_LABEL = KUBERNETES_KEYS.site;
export const NODE_LABEL = KUBERNETES_KEYS.node;

/** What an object is for (`app.kubernetes.io/component`). */
export type Component = "server" | "config" | "secrets" | "tls" | "network" | "client-config" | "namespace" | "disruption-budget" | "rolling-gate";

/** The recommended labels; `instance` is the environment (one Axon Server cluster per environment). */
export function recommendedLabels(environment: string, component: Component): Record<string, string> {
    return {
        [KUBERNETES_KEYS.name]: APP_NAME,
        [KUBERNETES_KEYS.instance]: environment,
        [KUBERNETES_KEYS.component]: component,
        [KUBERNETES_KEYS.partOf]: PART_OF,
        [KUBERNETES_KEYS.managedBy]: MANAGED_BY,
    };
}

/** Labels of a cluster-scoped object a site creates for the environment (its StorageClasses): no component, no site. */
export function platformLabels(environment: string): Record<string, string> {
    return { [KUBERNETES_KEYS.partOf]: PART_OF, [KUBERNETES_KEYS.managedBy]: MANAGED_BY, [KUBERNETES_KEYS.instance]: environment };
}

/** Selects every Axon Server pod of one site (PodDisruptionBudget, NetworkPolicy, anti-affinity). */
export function sitePodSelector(environment: string, site: string): Record<string, string> {
    return {
        [KUBERNETES_KEYS.name]: APP_NAME,
        [KUBERNETES_KEYS.instance]: environment,
        [KUBERNETES_KEYS.component]: "server",
        [SITE_LABEL]: site,
    };
}

/** Selects the one pod of a node (StatefulSet selector, the node's Services). Immutable once deployed. */
export function nodePodSelector(environment: string, site: string, node: string): Record<string, string> {
    return { ...sitePodSelector(environment, site), [NODE_LABEL]: node };
}

/** Labels of a node's pod template: the selector plus the remaining recommended labels. */
export function nodePodLabels(environment: string, site: string, node: string): Record<string, string> {
    return { ...recommendedLabels(environment, "server"), ...nodePodSelector(environment, site, node) };
}

/** Labels of a site-level object. */
export function siteLabels(environment: string, site: string, component: Component): Record<string, string> {
    return { ...recommendedLabels(environment, component), [SITE_LABEL]: site };
}

/** Labels of a node-level object. */
export function nodeLabels(environment: string, site: string, node: string, component: Component): Record<string, string> {
    return { ...siteLabels(environment, site, component), [NODE_LABEL]: node };
}
