/**
 * The Axon-aware rolling gate between two consecutive nodes of the creation chain: a Kubernetes Job that
 * `pulumi up` awaits. pulumi-kubernetes counts a Job as created only when its `Complete` condition is
 * true and fails the step at once on `Failed` (provider/pkg/await/job.go, `jobInitAwaiter`), and the
 * engine starts a resource's step only after its dependencies' steps, awaits included
 * (pulumi.com/docs/iac/concepts/resources/options/dependson). So `node A → gate Job → node B` means B is
 * created (or, for a VM, replaced) only after Axon itself reported A back and caught up in every group,
 * and B's groups able to lose B (the script: components/kubernetes/gate/rollingGate.mjs).
 *
 * A gate matters when a node (re)starts in the chain: on creation, when a VM is replaced, and when a
 * StatefulSet is replaced (a field such as `volumeClaimTemplates` that cannot be updated). A changed pod
 * template restarts nothing in the chain (the StatefulSets are `OnDelete`; the roller Jobs restart pods
 * later, components/kubernetes/roller.ts). A Job's pod template is immutable and a finished Job never runs
 * again: the Job's name carries a hash of what restarts A or B in the chain (a VM's configuration, a
 * StatefulSet's volumes) and of the gate's own configuration, so such a change replaces the Job (a new
 * run); otherwise the completed Job stays and the chain passes at once.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderAxonServerProperties } from "../axonserver/render/properties";
import { AxonNode, HEALTH_RELAY_PORT, PORTS, Topology } from "../topology/model";
import { chainGateSite, nodesVisibleFromSite } from "../topology/connectivity";
import { ROLLING_KEYS } from "../topology/identity";
import { nodeAddress } from "../topology/naming";
import { registryImage } from "../topology/images";
import { nodeLabels, nodePodSelector, recommendedLabels } from "../platform/labels";
import { volumeClaimTemplates } from "./podSpec";

/** The gate script, shipped in a ConfigMap and run with `node`. */
export const GATE_SCRIPT_FILE = "rollingGate.mjs";
export const GATE_SCRIPT = fs.readFileSync(path.join(__dirname, "gate", GATE_SCRIPT_FILE), "utf8");
/** The roller script (components/kubernetes/roller.ts), in the same ConfigMap: it imports the gate's. */
export const ROLLER_SCRIPT_FILE = "roller.mjs";
export const ROLLER_SCRIPT = fs.readFileSync(path.join(__dirname, "gate", ROLLER_SCRIPT_FILE), "utf8");

/**
 * `pulumi.com/replaceUnready: "true"`: on the next `pulumi up`, pulumi-kubernetes replaces a Job that is
 * not ready (failed or still running) instead of keeping it (provider/pkg/provider/provider.go, Diff:
 * `metadata.ReplaceUnready` → `checkjob` readiness). So a failed gate or roller runs again once the
 * cause is fixed, even when nothing else changed.
 */
export const REPLACE_UNREADY_ANNOTATION = { "pulumi.com/replaceUnready": "true" } as const;

/**
 * Official Node.js image (Docker Hub `library/node`), through the stack's registry mirror
 * (`imageRegistry`) like the other images; its `node` user has uid 1000.
 */
export const GATE_IMAGE = "library/node:20-alpine";
/** uid of the image's `node` user, which runs both scripts. */
const SCRIPT_UID = 1000;

/** Pod annotation an operator sets on a stuck gate's pod to let `pulumi up` continue (README). */
export const GATE_OVERRIDE_ANNOTATION = ROLLING_KEYS.override;

/** `app.kubernetes.io/component` of the gate pods (the NetworkPolicy lets them reach 8024). */
export const GATE_COMPONENT = "rolling-gate";

/** Site-level ConfigMap holding the script. */
export const GATE_CONFIGMAP = "axonserver-rolling-gate";

export interface GateConfig {
    /** The node just created or changed; absent for a gate before the first node. */
    after?: string;
    /** The node `pulumi up` changes next. */
    before?: string;
    /** Every group `after` or `before` is a member of, with all its members. */
    groups: { name: string; members: { node: string; role: string }[] }[];
    minActiveBackups: number;
    /** `/actuator` base URL of every node reachable from the gate's site. */
    endpoints: Record<string, string>;
    /** DNS names that must resolve from the gate's site (peers reach `after` by them). */
    mustResolve: string[];
    /**
     * The name the gate reaches `before` by, when it can (its in-cluster `-http` Service, created after its
     * StatefulSet, or a VM's private DNS record, made from the instance's address): while it does not
     * resolve, `before` does not exist yet and its groups have nothing to lose (a new cluster).
     */
    beforeAddress?: string;
    timeoutSeconds: number;
    intervalSeconds: number;
    overrideAnnotation: string;
}

/**
 * The site a gate runs in: `after`'s if it is on Kubernetes, else `before`'s; for two VM nodes, a
 * Kubernetes site with a network path to both VM sites, else none. One rule, `chainGateSite` (the firewall
 * and endpoint analysis uses it too).
 */
export function gateSite(after: AxonNode, before: AxonNode, t: Topology): string | undefined {
    return chainGateSite(t, after, before);
}

/**
 * `/actuator` base URL of every node a gate or roller Job on `site` can ask (`nodesVisibleFromSite`): the
 * site's own Kubernetes nodes through their in-cluster `-http` Service (8024), the VM nodes whose firewall
 * admits this site on 8024 (`gateSitesOfVmSite`: the VMs this site's Jobs ask and can route to) at their
 * private DNS name (8024 is plain HTTP on VMs too), and the nodes of other EKS/GKE sites whose health relay
 * admits this site (`healthRelaySourceSites`) at their private DNS name on the relay's port, through the
 * node's internal load balancer (it answers `GET /actuator/health` only). Other nodes are out of reach:
 * the gate counts them as not UP (fail closed).
 */
export function gateEndpoints(t: Topology, site: string): Record<string, string> {
    return Object.fromEntries(
        nodesVisibleFromSite(t, site).map((n) => [
            n.name,
            n.platform === "vm"
                ? `http://${nodeAddress(t, n).fqdn}:${PORTS.http}`
                : n.site === site
                  ? `http://${n.name}-http.${t.kubernetes.namespace}.svc.cluster.local:${PORTS.http}`
                  : `http://${nodeAddress(t, n).fqdn}:${HEALTH_RELAY_PORT}`,
        ]),
    );
}

/** The gate's configuration (pure). Timeout: the node's startup budget plus ten minutes to catch up. */
export function gateConfig(t: Topology, after: AxonNode, before: AxonNode, site: string): GateConfig {
    const inGroup = (g: Topology["replicationGroups"][number]) => g.members.some((m) => m.node === after.name || m.node === before.name);
    const endpoints = gateEndpoints(t, site);
    return {
        after: after.name,
        before: before.name,
        groups: t.replicationGroups.filter(inGroup).map((g) => ({ name: g.name, members: g.members.map((m) => ({ node: m.node, role: m.role })) })),
        minActiveBackups: t.axonServer.minActiveBackups,
        endpoints,
        mustResolve: [nodeAddress(t, after).fqdn],
        // Only a name made with the node itself tells whether it exists: the in-cluster `-http` Service or a
        // VM's record. The private DNS name of a node on another Kubernetes site points at its load
        // balancer, which exists before the node does; there the group's leader decides (confirmed by its
        // own view, it lists its followers and not `before`: not a member yet).
        ...(endpoints[before.name] !== undefined && (before.platform === "vm" || before.site === site) ? { beforeAddress: new URL(endpoints[before.name]).hostname } : {}),
        timeoutSeconds: t.axonServer.startupBudgetSeconds + 600,
        intervalSeconds: 10,
        overrideAnnotation: GATE_OVERRIDE_ANNOTATION,
    };
}

/** What `pulumi up` would change on a node, for the gate's name (image, resources, properties). */
export function nodeFingerprint(t: Topology, node: AxonNode): string {
    return createHash("sha256")
        .update(JSON.stringify([t.axonServer.image, node.resources, node.volumes, renderAxonServerProperties(t, node)]))
        .digest("hex");
}

/**
 * What restarts a node while `pulumi up` walks the creation chain: a VM's whole configuration (any change
 * replaces the instance); for a StatefulSet, the fields that cannot be updated, whose change makes Pulumi
 * replace it so its pod starts anew. The API server forbids "updates to statefulset spec for fields other
 * than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit',
 * 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds'" (kubernetes
 * pkg/apis/apps/validation/validation.go, `ValidateStatefulSetUpdate`): here `serviceName`
 * (the headless Service, named as the node), `selector`, `podManagementPolicy` (not set: the default) and
 * `volumeClaimTemplates` (sizes, tier, labels), built with the functions AxonServerNode builds them with.
 * A pod template change restarts nothing there (`OnDelete`).
 */
export function chainRestartFingerprint(t: Topology, node: AxonNode): string {
    if (node.platform === "vm") return nodeFingerprint(t, node);
    const tierNames = { fast: "fast", standard: "standard", cold: "cold" } as const;
    const immutable = {
        serviceName: node.name,
        selector: nodePodSelector(t.environment, node.site, node.name),
        podManagementPolicy: null,
        volumeClaimTemplates: volumeClaimTemplates({ node, storageClassNames: tierNames, labels: nodeLabels(t.environment, node.site, node.name, "server") }),
    };
    return createHash("sha256").update(JSON.stringify(["statefulset", immutable])).digest("hex");
}

/** Job name: `<after>-gate-<10 hex>`, at most 63 characters (it is also a label value). */
export function gateJobName(after: string, hash: string): string {
    return `${after.slice(0, 63 - "-gate-".length - 10)}-gate-${hash.slice(0, 10)}`;
}

export interface RollingGateArgs {
    /** The whole topology (groups, endpoints, timeouts). */
    readonly topology: Topology;
    /** The node just created or replaced: Axon must report it back. */
    readonly after: AxonNode;
    /** The node the chain creates or replaces next: its groups must be able to lose it. */
    readonly before: AxonNode;
    /** Kubernetes site the Job runs on (`gateSite`). */
    readonly site: string;
    /** That site's Axon namespace (an Output of the Namespace, for the dependency). */
    readonly namespace: pulumi.Input<string>;
    /** The site ConfigMap with the script (`gateScriptConfigMap`). */
    readonly scriptConfigMap: pulumi.Input<string>;
    /** For a VM `after`: its fingerprint (`nodeFingerprint`); ignored for a Kubernetes node (`chainRestartFingerprint`). */
    readonly afterHash: pulumi.Input<string>;
    /** Resources the gate runs after: `after`'s StatefulSet (or VM node) and its load balancer. */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
    /** The gate site cluster's Kubernetes provider. */
    readonly provider: pulumi.ProviderResource;
    /** The cluster component the Job belongs to. */
    readonly parent: pulumi.Resource;
}

/** The ConfigMap with the gate and roller scripts in a site's Axon namespace. */
export function gateScriptConfigMap(name: string, environment: string, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(
        name,
        {
            metadata: { name: GATE_CONFIGMAP, namespace, labels: recommendedLabels(environment, "config") },
            data: { [GATE_SCRIPT_FILE]: GATE_SCRIPT, [ROLLER_SCRIPT_FILE]: ROLLER_SCRIPT },
        },
        opts,
    );
}

/** The gate Job between `after` and `before`. */
export function rollingGateJob(name: string, a: RollingGateArgs): k8s.batch.v1.Job {
    const t = a.topology;
    const config = gateConfig(t, a.after, a.before, a.site);
    const configJson = JSON.stringify(config);
    const jobName = pulumi
        .output(a.afterHash)
        .apply((h) =>
            gateJobName(
                a.after.name,
                createHash("sha256")
                    .update(a.after.platform === "vm" ? h : chainRestartFingerprint(t, a.after))
                    .update(chainRestartFingerprint(t, a.before))
                    .update(configJson)
                    .digest("hex"),
            ),
        );
    const labels = { ...recommendedLabels(t.environment, GATE_COMPONENT), [ROLLING_KEYS.gateAfter]: a.after.name, [ROLLING_KEYS.gateBefore]: a.before.name };
    return new k8s.batch.v1.Job(
        name,
        {
            metadata: {
                name: jobName,
                namespace: a.namespace,
                labels,
                // The Job awaiter's 10-minute default is shorter than a node's start; the script's own
                // deadline comes first, so a stuck gate fails with Axon's answer, not a bare timeout.
                annotations: { "pulumi.com/timeoutSeconds": String(config.timeoutSeconds + 300), ...REPLACE_UNREADY_ANNOTATION },
            },
            spec: {
                backoffLimit: 0,
                activeDeadlineSeconds: config.timeoutSeconds + 120,
                template: {
                    metadata: { labels },
                    spec: scriptJobPodSpec({ topology: t, script: "gate", config: configJson, scriptConfigMap: a.scriptConfigMap }),
                },
            },
        },
        { parent: a.parent, provider: a.provider, dependsOn: a.dependsOn },
    );
}

/** What differs between the gate's and the roller's Job pod. */
export interface ScriptJobPod {
    /** The topology (its image registry). */
    readonly topology: Topology;
    /** Which script runs: the container's name and the prefix of its environment (`GATE_*`, `ROLLER_*`). */
    readonly script: "gate" | "roller";
    /** The script's JSON configuration. */
    readonly config: pulumi.Input<string>;
    /** The site's ConfigMap holding both scripts. */
    readonly scriptConfigMap: pulumi.Input<string>;
    /**
     * ServiceAccount whose token the pod gets: only the roller talks to the API server.
     * @default - none; no token is mounted
     */
    readonly serviceAccountName?: pulumi.Input<string>;
}

/**
 * The pod of a gate or roller Job: one `node` container running its script from the site's ConfigMap
 * under PodSecurity `restricted`, with the pod's own annotations as a file (the audited override).
 */
export function scriptJobPodSpec(a: ScriptJobPod): k8s.types.input.core.v1.PodSpec {
    const restricted = {
        runAsNonRoot: true,
        runAsUser: SCRIPT_UID,
        runAsGroup: SCRIPT_UID,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
    const prefix = a.script === "gate" ? "GATE" : "ROLLER";
    return {
        restartPolicy: "Never",
        ...(a.serviceAccountName !== undefined ? { serviceAccountName: a.serviceAccountName } : {}),
        automountServiceAccountToken: a.serviceAccountName !== undefined,
        // The kubelet sets KUBERNETES_SERVICE_HOST/PORT even without service links
        // (kubernetes pkg/kubelet/kubelet_pods.go, getServiceEnvVarMap: the master service is always included).
        enableServiceLinks: false,
        securityContext: { runAsNonRoot: true, runAsUser: SCRIPT_UID, runAsGroup: SCRIPT_UID, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
            {
                name: a.script,
                image: registryImage(a.topology.imageRegistry, GATE_IMAGE),
                imagePullPolicy: "IfNotPresent",
                command: ["node", `/gate/${a.script === "gate" ? GATE_SCRIPT_FILE : ROLLER_SCRIPT_FILE}`],
                env: [
                    { name: `${prefix}_CONFIG`, value: a.config },
                    { name: `${prefix}_OVERRIDE_FILE`, value: "/etc/pod-info/annotations" },
                ],
                // The last log lines (the node, the step, what Axon reported) become the termination
                // message the Job awaiter shows when the script fails.
                terminationMessagePolicy: "FallbackToLogsOnError",
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                securityContext: restricted,
                volumeMounts: [
                    { name: "gate", mountPath: "/gate", readOnly: true },
                    { name: "pod-info", mountPath: "/etc/pod-info", readOnly: true },
                ],
            },
        ],
        volumes: [
            { name: "gate", configMap: { name: a.scriptConfigMap } },
            { name: "pod-info", downwardAPI: { items: [{ path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } }] } },
        ],
    };
}
