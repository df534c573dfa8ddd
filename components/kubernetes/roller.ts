/**
 * The rollers: Kubernetes Jobs that restart the Axon Server pods in update order (least critical first),
 * one at a time, each step released by Axon's own Raft view (script: components/kubernetes/gate/roller.mjs).
 *
 * Why Jobs: the StatefulSets are `updateStrategy: OnDelete`, so `pulumi up` writes a changed pod template
 * without restarting the pod ("Users must manually delete Pods to cause the controller to create new Pods
 * that reflect modifications made to a StatefulSet's .spec.template",
 * kubernetes.io/docs/concepts/workloads/controllers/statefulset/#update-strategies), and pulumi-kubernetes
 * counts such an update (generation > 1) as done once the replicas are ready (provider/pkg/await/statefulset.go,
 * OnDelete: `revisionReady = true`). The `dependsOn` chain that orders creation therefore orders no restart;
 * the rollers, which depend on every node resource and every gate, restart the pods afterwards in an order
 * of their own. A Job is the one thing `pulumi up` awaits that can run such a sequence: it counts as
 * created only when it completes, and fails the run on `Failed` (provider/pkg/await/job.go).
 *
 * One Job per segment of the update order (`rollerSegments`: consecutive nodes on one site), chained in
 * order. A Job runs again exactly when one of its nodes' pod templates changes (its name carries their
 * hashes) or when it failed (`pulumi.com/replaceUnready`); on creation it finds every pod at its
 * StatefulSet's update revision and completes at once.
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { fitName, ROLLING_KEYS } from "../topology/identity";
import { AxonNode, Topology } from "../topology/model";
import { RollerSegment, rollerSegments } from "../topology/rolling";
import { rollerCheckedAfter } from "../topology/connectivity";
import { recommendedLabels, siteLabels } from "../platform/labels";
import { AXON_CONTAINER_NAME } from "./podSpec";
import { requireSeparateWorkers } from "./siteObjects";
import {
    GATE_COMPONENT,
    GATE_OVERRIDE_ANNOTATION,
    GATE_SCRIPT,
    nodeFingerprint,
    REPLACE_UNREADY_ANNOTATION,
    ROLLER_SCRIPT,
    gateEndpoints,
    scriptJobPodSpec,
} from "./rollingGate";

/**
 * ServiceAccount, Role and RoleBinding of a roller, one set per segment (`<name>-<segment index>`) in its
 * site's Axon namespace: each roller may touch its own segment's pods only.
 */
export const ROLLER_RBAC_NAME = "axonserver-roller";
/** Pod label naming the segment (`<site>-<index>`), for `kubectl annotate pod -l …` (README). */
export const ROLLER_SEGMENT_LABEL = ROLLING_KEYS.rollerSegment;

/** Name of a segment's ServiceAccount, Role and RoleBinding. */
export function rollerAccountName(segment: RollerSegment): string {
    return `${ROLLER_RBAC_NAME}-${segment.index}`;
}

/** One rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface RollerRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    /** Absent: every object of the resource. */
    resourceNames?: string[];
}

/**
 * What a roller does in its namespace, and nothing else (roller.mjs "API calls"): GET its StatefulSets
 * (update revision, pod template), GET and DELETE their pods `<statefulSet>-0` (the restart; the
 * StatefulSet controller recreates the pod, so no create/patch). `resourceNames` narrows those verbs to
 * the segment's own objects ("rules cannot restrict create or deletecollection requests by their resource
 * name", and list/watch only with a single-object field selector,
 * https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources). Where the pod
 * templates require pod anti-affinity (`listPods`: the site's pods must be on separate workers), also
 * `list` pods in the namespace: a worker of the new pod's pool may already run another Axon pod of the
 * site, and the new pod would stay Pending (roller.mjs `placement`); a list cannot be narrowed by name,
 * and pod objects carry no secret values (Secrets are separate objects).
 */
export function rollerRules(config: Pick<RollerConfig, "nodes">, listPods: boolean): RollerRule[] {
    return [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "delete"], resourceNames: config.nodes.map((n) => `${n.statefulSet}-0`) },
        { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["get"], resourceNames: config.nodes.map((n) => n.statefulSet) },
        ...(listPods ? [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }] : []),
    ];
}

/**
 * What a roller may read outside its namespace: `list` on `nodes` (cluster-scoped, so a ClusterRole bound
 * to the roller's ServiceAccount), to find a Ready, schedulable worker for a pod's replacement before it
 * deletes the pod (roller.mjs `placement`). `list`, not `get`: the script asks for the workers carrying
 * the pod's required labels (any of them may match its node affinity), and, for a pod anti-affinity
 * check, one worker by a `metadata.name` field selector; `resourceNames` cannot narrow a list
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources). Worker objects
 * hold no secrets.
 */
export function rollerClusterRules(): RollerRule[] {
    return [{ apiGroups: [""], resources: ["nodes"], verbs: ["list"] }];
}

/**
 * Name of a segment's ClusterRole and ClusterRoleBinding: cluster-scoped, so it carries the environment
 * and the Axon namespace (two stacks may share an existing cluster, with another environment or the same
 * one in another namespace): `axonserver-roller-<i>-nodes.<namespace>.<environment>`. Both are DNS-1123
 * labels (no dots), so the dots keep two pairs apart that hyphens would join alike ("a-b" + "c", "a" +
 * "b-c"). A DNS subdomain of at most 253 characters
 * (kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names): two labels of at
 * most 63 fit already; `fitName` only guards the limit.
 */
export function rollerClusterAccountName(t: Pick<Topology, "environment" | "kubernetes">, segment: RollerSegment): string {
    return fitName(`${ROLLER_RBAC_NAME}-${segment.index}-nodes.${t.kubernetes.namespace}.${t.environment}`, 253);
}

/** The script's configuration (the env contract in roller.mjs). */
export interface RollerConfig {
    site: string;
    namespace: string;
    nodes: { node: string; statefulSet: string }[];
    /** The Axon Server container of each pod: the roller waits for its readiness, not the pod's. */
    container: string;
    after?: string;
    groups: { name: string; members: { node: string; role: string }[] }[];
    minActiveBackups: number;
    endpoints: Record<string, string>;
    timeoutSeconds: number;
    intervalSeconds: number;
    overrideAnnotation: string;
}

/**
 * The roller configuration of one segment (pure). Per step the same budget as a gate: the node's startup
 * budget plus ten minutes to catch up. Groups: every group of the segment's nodes and of `after`.
 */
export function rollerConfig(t: Topology, segment: RollerSegment): RollerConfig {
    const endpoints = gateEndpoints(t, segment.site);
    const after = rollerCheckedAfter(t, segment);
    const names = new Set([...segment.nodes, ...(after !== undefined ? [after] : [])]);
    return {
        site: segment.site,
        namespace: t.kubernetes.namespace,
        // The StatefulSet is named as its node (AxonServerNode); its one pod is `<name>-0`.
        nodes: segment.nodes.map((node) => ({ node, statefulSet: node })),
        container: AXON_CONTAINER_NAME,
        ...(after !== undefined ? { after } : {}),
        groups: t.replicationGroups
            .filter((g) => g.members.some((m) => names.has(m.node)))
            .map((g) => ({ name: g.name, members: g.members.map((m) => ({ node: m.node, role: m.role })) })),
        minActiveBackups: t.axonServer.minActiveBackups,
        endpoints,
        timeoutSeconds: t.axonServer.startupBudgetSeconds + 600,
        intervalSeconds: 10,
        overrideAnnotation: GATE_OVERRIDE_ANNOTATION,
    };
}

/**
 * Seconds the Job may run: the wait until `after` is back (when set), then per node five waits (status
 * observed, a worker for the new pod, can be lost, Axon container ready, back) of at most `timeoutSeconds`
 * each, plus three more when the pod was replaced by someone else between the check and the delete (a
 * 409: re-read, a worker, can be lost), plus the pod's termination grace. The script's own deadlines come
 * first, so a stuck step fails with its message. (A worker that goes each time during Axon's check, so
 * that both run again, is not bounded by the script: the Job's deadline ends that.)
 */
export function rollerDeadlineSeconds(t: Topology, config: RollerConfig): number {
    const afterWait = config.after !== undefined ? config.timeoutSeconds : 0;
    return afterWait + config.nodes.length * (8 * config.timeoutSeconds + t.axonServer.terminationGracePeriodSeconds) + 120;
}

/** Job name: `roller-<site>-<index>-<10 hex>`, at most 63 characters (it is also a label value). */
export function rollerJobName(segment: RollerSegment, hash: string): string {
    const tail = `-${segment.index}-${hash.slice(0, 10)}`;
    return `roller-${segment.site}`.slice(0, 63 - tail.length).replace(/-+$/, "") + tail;
}

export interface SiteRollerHost {
    /** The site cluster's Kubernetes provider. */
    readonly provider: pulumi.ProviderResource;
    /** The site's Axon namespace (an Output of the Namespace, for the dependency). */
    readonly namespace: pulumi.Input<string>;
    /** Name of the site ConfigMap with both scripts (`gateScriptConfigMap`). */
    readonly scriptConfigMap: pulumi.Input<string>;
}

export interface RollersArgs {
    /** The whole topology (the update order spans every site). */
    readonly topology: Topology;
    /** Per Kubernetes site with nodes: where its rollers run. */
    readonly sites: Readonly<Record<string, SiteRollerHost>>;
    /** `AxonServerNode.podTemplateHash` of every Kubernetes node. */
    readonly podTemplateHashes: Readonly<Record<string, pulumi.Input<string>>>;
    /** Every node resource (StatefulSets, VM nodes) and every gate Job: the rollers run after all of them. */
    readonly dependsOn: readonly pulumi.Resource[];
    /** The cluster component the Jobs and RBAC objects belong to. */
    readonly parent: pulumi.Resource;
}

export interface Rollers {
    /** Roller Jobs in run order, keyed `<site>-<index>`. */
    readonly jobs: Readonly<Record<string, k8s.batch.v1.Job>>;
    readonly segments: readonly RollerSegment[];
}

/** RBAC and the chained roller Jobs of a cluster (`rollerSegments` order). */
export function createRollers(name: string, a: RollersArgs): Rollers {
    const t = a.topology;
    const segments = rollerSegments(t);
    /**
     * The segment's ServiceAccount, Role (its own pods and StatefulSets) and RoleBinding, and the
     * ClusterRole (list the workers) with its ClusterRoleBinding.
     */
    const account = (segment: RollerSegment, config: RollerConfig, key: string): pulumi.Output<string> => {
        const host = a.sites[segment.site];
        const opts = { parent: a.parent, provider: host.provider };
        const labels = { ...siteLabels(t.environment, segment.site, GATE_COMPONENT), [ROLLER_SEGMENT_LABEL]: key };
        const meta = { name: rollerAccountName(segment), namespace: host.namespace, labels };
        const sa = new k8s.core.v1.ServiceAccount(`${name}-roller-${key}-sa`, { metadata: meta }, opts);
        const subjects = [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: host.namespace }];
        // The pod templates of the segment's site require separate workers exactly when this holds (kubernetesPlacer).
        const listPods = requireSeparateWorkers(t, t.sites.find((s) => s.name === segment.site)!);
        const role = new k8s.rbac.v1.Role(`${name}-roller-${key}-role`, { metadata: meta, rules: rollerRules(config, listPods) }, opts);
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-roller-${key}-binding`,
            { metadata: meta, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects },
            opts,
        );
        const clusterMeta = { name: rollerClusterAccountName(t, segment), labels };
        const clusterRole = new k8s.rbac.v1.ClusterRole(`${name}-roller-${key}-nodes-role`, { metadata: clusterMeta, rules: rollerClusterRules() }, opts);
        const clusterBinding = new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-roller-${key}-nodes-binding`,
            { metadata: clusterMeta, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name }, subjects },
            opts,
        );
        // The Job starts only once its permissions exist (the bindings' names are inputs of nothing else).
        return pulumi.all([sa.metadata.name, binding.metadata.name, clusterBinding.metadata.name]).apply(([n]) => n);
    };

    const jobs: Record<string, k8s.batch.v1.Job> = {};
    let previous: k8s.batch.v1.Job | undefined;
    for (const segment of segments) {
        const host = a.sites[segment.site];
        if (!host) throw new Error(`roller: site ${segment.site} has Kubernetes nodes but no roller host`);
        const config = rollerConfig(t, segment);
        const configJson = JSON.stringify(config);
        const afterNode: AxonNode | undefined = t.nodes.find((n) => n.name === segment.after);
        // A VM `after` restarts in the creation chain: a change to it reruns this Job, which first waits
        // until Axon reports the VM back (no gate follows the chain's last node).
        const afterPart = afterNode?.platform === "vm" ? nodeFingerprint(t, afterNode) : "";
        const hashes = segment.nodes.map((n) => {
            const h = a.podTemplateHashes[n];
            if (h === undefined) throw new Error(`roller: no pod template hash for node ${n}`);
            return h;
        });
        const jobName = pulumi
            .all(hashes)
            .apply((hs) => rollerJobName(segment, createHash("sha256").update(JSON.stringify(hs)).update(configJson).update(afterPart).update(GATE_SCRIPT).update(ROLLER_SCRIPT).digest("hex")));
        const key = `${segment.site}-${segment.index}`;
        const labels = { ...recommendedLabels(t.environment, GATE_COMPONENT), [ROLLER_SEGMENT_LABEL]: key };
        const deadline = rollerDeadlineSeconds(t, config);
        const job = new k8s.batch.v1.Job(
            `${name}-roller-${key}`,
            {
                metadata: {
                    name: jobName,
                    namespace: host.namespace,
                    labels,
                    // The Job awaiter's 10-minute default is far shorter than a segment's restarts.
                    annotations: { "pulumi.com/timeoutSeconds": String(deadline + 300), ...REPLACE_UNREADY_ANNOTATION },
                },
                spec: {
                    backoffLimit: 0,
                    activeDeadlineSeconds: deadline,
                    template: {
                        metadata: { labels },
                        // The one Job of this project that talks to the API server: it gets its segment's token.
                        spec: scriptJobPodSpec({ topology: t, script: "roller", config: configJson, scriptConfigMap: host.scriptConfigMap, serviceAccountName: account(segment, config, key) }),
                    },
                },
            },
            { parent: a.parent, provider: host.provider, dependsOn: [...a.dependsOn, ...(previous ? [previous] : [])] },
        );
        jobs[key] = job;
        previous = job;
    }
    return { jobs, segments };
}
