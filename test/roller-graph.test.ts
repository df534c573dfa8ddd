/**
 * The roller Jobs in the resource graph, under Pulumi mocks: StatefulSets `OnDelete`, rollers after every
 * node resource and gate, chained in update order, with least-privilege RBAC and a restricted pod.
 *
 * Platform rules:
 * - `updateStrategy: OnDelete`: "The StatefulSet controller will not automatically update the Pods in a
 *   StatefulSet. Users must manually delete Pods to cause the controller to create new Pods that reflect
 *   modifications made to a StatefulSet's .spec.template"
 *   (kubernetes.io/docs/concepts/workloads/controllers/statefulset/#update-strategies).
 * - pulumi-kubernetes provider/pkg/await/statefulset.go: for OnDelete with `metadata.generation > 1` an
 *   update is ready when `status.replicas` and `status.readyReplicas` equal `spec.replicas`
 *   (`revisionReady = true`): a spec change completes without restarting the pod; generation 1 (creation)
 *   still awaits a ready pod. So the creation chain restarts nothing on an update, and only a Job that runs
 *   after it can choose the restart order.
 * - pulumi-kubernetes provider/pkg/await/job.go: a Job counts as created only once `Complete`.
 * - `dependsOn` on a local component expands to its custom children (pulumi runtime/dependsOn.ts).
 * - pulumi-kubernetes provider/pkg/provider/provider.go: `pulumi.com/replaceUnready: "true"` replaces a Job
 *   that is not ready (failed) on the next `pulumi up`.
 */
import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { NodePlacer } from "../components/axonserver/placement";
import { AxonServerCluster } from "../components/axonserver/cluster";
import { kubernetesPlacer } from "../components/kubernetes/kubernetesPlacer";
import * as path from "node:path";
import { selects } from "./support/labelSelector";
import { createRollers, rollerClusterAccountName, rollerConfig } from "../components/kubernetes/roller";
import { chainRestartFingerprint, GATE_SCRIPT, gateConfig, gateSite, ROLLER_SCRIPT } from "../components/kubernetes/rollingGate";
import { KubernetesHost } from "../components/platform/host";
import { retainedStorageClassArgs } from "../components/platform/storageClass";
import { Topology } from "../components/topology/model";
import { unverifiableRollerNodes } from "../components/topology/connectivity";
import { creationOrder, rollerSegments, updateOrder } from "../components/topology/rolling";
import { buildReport } from "../components/topology/report";
import { loadTopologyOrThrow } from "../components/topology/load";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";
import { MockRun, ofType, ResourceRecord, runUnderMocks, unwrapSecrets } from "../tools/harness/mocks";
import { buildTopology } from "./fixtures/topologies";

const T = {
    sts: "kubernetes:apps/v1:StatefulSet",
    job: "kubernetes:batch/v1:Job",
    sa: "kubernetes:core/v1:ServiceAccount",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    binding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    clusterBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    cm: "kubernetes:core/v1:ConfigMap",
    pet: "random:index/randomPet:RandomPet",
} as const;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deep assertions on plain JSON
type J = any;
const inputs = (r: ResourceRecord): J => unwrapSecrets(r.inputs);

/**
 * Two Kubernetes sites and a VM site; the update order visits `eu` twice (its SECONDARY first, its
 * PRIMARY nodes last, `us`'s ACTIVE_BACKUP nodes between).
 */
function topology(): Topology {
    return buildTopology(topologyInput("rg"));
}

function topologyInput(environment: string): Parameters<typeof buildTopology>[0] {
    return {
        environment,
        sites: [
            { name: "eu", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] },
            { name: "us", region: "us-east-1", zones: ["us-east-1a", "us-east-1b"] },
            { name: "dr", platform: "vm", region: "eu-central-1", zones: ["eu-central-1a"] },
        ],
        nodes: ["p1", "p2", "p3", "sec", { name: "ab1", site: "us" }, { name: "ab2", site: "us" }, { name: "vm", site: "dr" }],
        groups: {
            _admin: { p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY" },
            orders: { p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY", ab1: "ACTIVE_BACKUP", ab2: "ACTIVE_BACKUP", sec: "SECONDARY", vm: "PASSIVE_BACKUP" },
        },
    };
}

function host(site: string): KubernetesHost {
    const provider = new k8s.Provider(`rg-${site}-k8s`, {});
    const sc = new k8s.storage.v1.StorageClass(`rg-${site}-sc`, retainedStorageClassArgs({ name: "axon", provisioner: "ebs.csi.aws.com", parameters: { type: "gp3" } }), { provider });
    return { site, provider, storageClassNames: { fast: sc.metadata.name, standard: sc.metadata.name, cold: sc.metadata.name }, readyResources: [sc], internalLoadBalancer: "none" };
}

describe("rollers in the resource graph (mocks)", () => {
    let run: MockRun<AxonServerCluster>;
    let t: Topology;
    before(async () => {
        t = topology();
        run = await runUnderMocks({ stack: "rg" }, () => {
            // A stand-in VM placer: one RandomPet per VM node.
            const vms: NodePlacer = {
                name: "test-vm",
                handles: (n) => n.platform === "vm",
                attach: (c) => ({
                    place: (node, step) => {
                        const pet = new random.RandomPet(`rg-${node.name}-vm`, {}, { parent: c.parent, dependsOn: [...step.dependsOn] });
                        return { node, component: c.parent, ready: [pet], endpoint: pulumi.output({ site: node.site, fqdn: `${node.name}.rg.axon.internal`, grpc: "", http: "", internalGrpc: "" }) };
                    },
                }),
            };
            return new AxonServerCluster("rg", {
                topology: t,
                secrets: { license: "LICENSE" },
                placers: [kubernetesPlacer({ hosts: { eu: host("eu"), us: host("us") } }), vms],
            });
        });
    });

    const rollers = () => ofType(run.records, T.job).filter((r) => r.name.startsWith("rg-roller-"));
    const gates = () => ofType(run.records, T.job).filter((r) => r.name.startsWith("rg-gate-"));

    it("makes every StatefulSet OnDelete, so an update restarts no pod by itself", () => {
        const sets = ofType(run.records, T.sts);
        assert.equal(sets.length, 6);
        for (const s of sets) assert.deepEqual(inputs(s).spec.updateStrategy, { type: "OnDelete" }, s.name);
    });

    it("reports creation and update order apart, and a roller Job per segment of the update order", () => {
        assert.deepEqual(run.result.creationOrder, ["p1", "p2", "p3", "ab1", "ab2", "sec", "vm"]);
        assert.deepEqual(run.result.updateOrder, ["vm", "sec", "ab1", "ab2", "p2", "p3", "p1"]);
        assert.deepEqual(run.result.updateOrder, updateOrder(t).map((n) => n.name));
        assert.deepEqual(Object.keys(run.result.rollers), ["eu-0", "us-1", "eu-2"]);
        assert.deepEqual(
            rollers().map((r) => r.name),
            ["rg-roller-eu-0", "rg-roller-us-1", "rg-roller-eu-2"],
        );
    });

    it("runs every roller after every StatefulSet, every VM node and every gate; chained in update order", () => {
        const after = [...ofType(run.records, T.sts), ...ofType(run.records, T.pet), ...gates()].map((r) => r.urn);
        assert.ok(gates().length > 0);
        const jobs = rollers();
        jobs.forEach((job, i) => {
            for (const urn of after) assert.ok(job.dependencies.includes(urn), `${job.name} waits for ${urn}`);
            if (i > 0) assert.ok(job.dependencies.includes(jobs[i - 1].urn), `${job.name} waits for ${jobs[i - 1].name}`);
        });
        // Nothing of the creation chain waits for a roller: on creation they run last and find nothing to do.
        const rollerUrns = new Set(jobs.map((j) => j.urn));
        for (const r of [...ofType(run.records, T.sts), ...gates(), ...ofType(run.records, T.pet)]) {
            assert.ok(!r.dependencies.some((d) => rollerUrns.has(d)), `${r.name} must not wait for a roller`);
        }
    });

    it("configures each roller with its segment's nodes in order, on its site's namespace", () => {
        const segments = rollerSegments(t);
        rollers().forEach((job, i) => {
            const j = inputs(job);
            const c = j.spec.template.spec.containers[0];
            const cfg = JSON.parse(c.env.find((e: J) => e.name === "ROLLER_CONFIG").value);
            assert.equal(cfg.site, segments[i].site);
            assert.deepEqual(
                cfg.nodes.map((n: J) => n.node),
                [...segments[i].nodes],
            );
            assert.equal(cfg.namespace, "axonserver");
            assert.match(j.metadata.name, new RegExp(`^roller-${segments[i].site}-${i}-[0-9a-f]{10}$`));
        });
        // The roller waits for the Axon Server container's readiness: the container of that name runs Axon.
        for (const job of rollers()) {
            const cfg = JSON.parse(inputs(job).spec.template.spec.containers[0].env.find((e: J) => e.name === "ROLLER_CONFIG").value);
            for (const { statefulSet } of cfg.nodes) {
                const sts = ofType(run.records, T.sts).map(inputs).find((x: J) => x.metadata.name === statefulSet);
                const axon = sts.spec.template.spec.containers.filter((c: J) => c.name === cfg.container);
                assert.equal(axon.length, 1, `${statefulSet}: one container ${cfg.container}`);
                assert.equal(axon[0].image, t.axonServer.image, `${statefulSet}: ${cfg.container} runs Axon Server`);
            }
        }
        // The first segment checks the VM back first: its site reaches the VM's 8024.
        const first = JSON.parse(inputs(rollers()[0]).spec.template.spec.containers[0].env.find((e: J) => e.name === "ROLLER_CONFIG").value);
        assert.equal(first.after, "vm");
        assert.equal(first.endpoints.vm, "http://vm.rg.axon.internal:8024");
    });

    it("gives each roller Job a deadline past the script's longest run: the wait for `after`, then five waits per node and three more after a 409", () => {
        // Past activeDeadlineSeconds the Job fails with DeadlineExceeded (kubernetes.io/docs/concepts/workloads/
        // controllers/job/#job-termination-and-cleanup), without the script's message naming the node.
        for (const job of rollers()) {
            const j = inputs(job);
            const cfg = JSON.parse(j.spec.template.spec.containers[0].env.find((e: J) => e.name === "ROLLER_CONFIG").value);
            // Per node: observed, a worker for the new pod, can be lost, Axon container ready, back; after a 409
            // on the delete: observed, a worker, can be lost again.
            const waits = (cfg.after !== undefined ? 1 : 0) + 8 * cfg.nodes.length;
            const longest = waits * cfg.timeoutSeconds + cfg.nodes.length * t.axonServer.terminationGracePeriodSeconds;
            assert.ok(j.spec.activeDeadlineSeconds > longest, `${job.name}: ${j.spec.activeDeadlineSeconds} s <= ${longest} s`);
        }
        assert.ok(rollers().some((job) => JSON.parse(inputs(job).spec.template.spec.containers[0].env.find((e: J) => e.name === "ROLLER_CONFIG").value).after === "vm"), "one roller waits for `after`");
    });

    it("runs the roller as a restricted, awaited, one-shot Job with the service-account token it needs", () => {
        for (const job of rollers()) {
            const j = inputs(job);
            assert.equal(j.spec.backoffLimit, 0);
            assert.equal(j.metadata.annotations["pulumi.com/replaceUnready"], "true", "a failed roller runs again on the next pulumi up");
            assert.ok(Number(j.metadata.annotations["pulumi.com/timeoutSeconds"]) > j.spec.activeDeadlineSeconds, "the script's deadline comes first");
            const pod = j.spec.template.spec;
            assert.equal(pod.restartPolicy, "Never");
            assert.equal(pod.serviceAccountName, `axonserver-roller-${j.metadata.labels["axonserver-multiregion/roller-segment"].split("-").pop()}`);
            assert.equal(pod.automountServiceAccountToken, true);
            assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
            const c = pod.containers[0];
            assert.deepEqual(c.command, ["node", "/gate/roller.mjs"]);
            assert.deepEqual(c.securityContext, {
                runAsNonRoot: true,
                runAsUser: 1000,
                runAsGroup: 1000,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.equal(c.env.find((e: J) => e.name === "ROLLER_OVERRIDE_FILE").value, "/etc/pod-info/annotations");
            assert.equal(pod.volumes.find((v: J) => v.name === "gate").configMap.name, "axonserver-rolling-gate");
            // The pod carries the gate's component label: the NetworkPolicy admits it to 8024.
            assert.equal(j.spec.template.metadata.labels["app.kubernetes.io/component"], "rolling-gate");
        }
        for (const cm of ofType(run.records, T.cm).filter((r) => inputs(r).metadata.name === "axonserver-rolling-gate")) {
            assert.equal(inputs(cm).data["roller.mjs"], ROLLER_SCRIPT);
            assert.equal(inputs(cm).data["rollingGate.mjs"], GATE_SCRIPT, "roller.mjs imports it from the same directory");
        }
    });

    /**
     * Kubernetes RBAC (https://kubernetes.io/docs/reference/access-authn-authz/rbac/): a Role's rules are
     * additive, a request is allowed when one rule lists its API group, resource and verb and, if the rule
     * has `resourceNames`, the object's name; a Role acts in its own namespace only. `resourceNames` cannot
     * narrow create or deletecollection (no name in the request) and narrows list/watch only with a
     * `metadata.name` field selector, so a rule with names must not rely on it for those verbs.
     */
    const allows = (rules: J[], call: Call) =>
        rules.some((r: J) => r.apiGroups.includes(call.group) && r.resources.includes(call.resource) && r.verbs.includes(call.verb) && (!r.resourceNames?.length || r.resourceNames.includes(call.name)));

    it("grants each roller exactly the calls roller.mjs makes for its own segment, no more (RBAC, run against a stub API)", async () => {
        const roller = (await importEsm(ROLLER)) as RollerModule;
        let listedPods = 0;
        const roles = ofType(run.records, T.role);
        const bindings = ofType(run.records, T.binding);
        const clusterRoles = ofType(run.records, T.clusterRole).map(inputs);
        const clusterBindings = ofType(run.records, T.clusterBinding).map(inputs);
        assert.equal(roles.length, rollers().length, "one Role per roller");
        assert.equal(clusterRoles.length, rollers().length, "one ClusterRole per roller");
        for (const job of rollers()) {
            const j = inputs(job);
            const pod = j.spec.template.spec;
            // Job -> ServiceAccount -> RoleBinding -> Role, in the Job's namespace.
            const binding = bindings.map(inputs).find((b: J) => b.subjects.some((x: J) => x.kind === "ServiceAccount" && x.name === pod.serviceAccountName && x.namespace === j.metadata.namespace));
            assert.ok(binding, `${job.name}: a RoleBinding for ${pod.serviceAccountName}`);
            assert.equal(binding.roleRef.kind, "Role");
            const role = roles.map(inputs).find((r: J) => r.metadata.name === binding.roleRef.name && r.metadata.namespace === j.metadata.namespace);
            assert.ok(role, `${job.name}: Role ${binding.roleRef.name}`);
            for (const r of role.rules) {
                if (r.resourceNames?.length) for (const v of ["list", "watch", "create", "deletecollection"]) assert.ok(!r.verbs.includes(v), `${v} cannot be narrowed by resourceNames`);
            }
            // Cluster-scoped calls (the workers): Job -> ServiceAccount -> ClusterRoleBinding -> ClusterRole.
            const clusterBinding = clusterBindings.find((b: J) => b.subjects.some((x: J) => x.kind === "ServiceAccount" && x.name === pod.serviceAccountName && x.namespace === j.metadata.namespace));
            assert.ok(clusterBinding, `${job.name}: a ClusterRoleBinding for ${pod.serviceAccountName}`);
            assert.equal(clusterBinding.roleRef.kind, "ClusterRole");
            const clusterRole = clusterRoles.find((r: J) => r.metadata.name === clusterBinding.roleRef.name);
            assert.ok(clusterRole, `${job.name}: ClusterRole ${clusterBinding.roleRef.name}`);
            assert.ok(clusterBindings.filter((b: J) => b.roleRef.name === clusterRole.metadata.name).length === 1, "the ClusterRole is bound once, to this roller");

            // Run the script for this segment: every pod at an old revision, every node healthy (every
            // endpoint reachable, so each step gets as far as the delete).
            const cfg = JSON.parse(pod.containers[0].env.find((e: J) => e.name === "ROLLER_CONFIG").value);
            const nodes = [...new Set(cfg.groups.flatMap((g: J) => g.members.map((m: J) => m.node)))] as string[];
            cfg.endpoints = Object.fromEntries(nodes.map((n) => [n, `stub://${n}`]));
            cfg.intervalSeconds = 0;
            // The stub clock stands still: two passing polls 0 s apart confirm an Axon check.
            cfg.confirmSeconds = 0;
            // The StatefulSets' rendered pod templates (node affinity: the pod's zone; pod anti-affinity, required
            // where the site has a worker per Axon node of a zone), and one worker per zone of the site.
            const templates = Object.fromEntries(
                cfg.nodes.map((n: J) => [n.statefulSet, ofType(run.records, T.sts).map(inputs).find((x: J) => x.metadata.name === n.statefulSet).spec.template]),
            );
            const zones = t.sites.find((x) => x.name === cfg.site)!.zones;
            const stub = stubApi(templates, zones, cfg.container);
            const lines: string[] = [];
            const code = await roller.roll(cfg, { api: stub.api, health: async (n) => healthyAxon(cfg.groups, n), log: (x) => lines.push(x), readOverride: () => "", sleep: async () => undefined, now: () => 0 });
            assert.equal(code, 0, lines.join("\n"));
            assert.ok(stub.calls.some((c) => c.resource === "nodes"), `${job.name}: looks for a worker before deleting`);
            if (Object.values(templates).some((x: J) => x.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution)) listedPods++;
            for (const call of stub.calls) {
                if (call.namespace === "") {
                    assert.ok(allows(clusterRole.rules, call), `${job.name}: the ClusterRole allows ${call.verb} ${call.resource}`);
                    continue;
                }
                assert.equal(call.namespace, role.metadata.namespace, `${job.name}: ${call.verb} ${call.resource}/${call.name} in the Role's namespace`);
                assert.ok(allows(role.rules, call), `${job.name}: the Role allows ${call.verb} ${call.resource}/${call.name}`);
            }
            // No rule, verb or name the script does not use.
            for (const r of clusterRole.rules) {
                assert.ok(!r.resourceNames?.length, "resourceNames cannot narrow a list");
                for (const verb of r.verbs) {
                    const used = stub.calls.some((c) => c.namespace === "" && r.apiGroups.includes(c.group) && r.resources.includes(c.resource) && c.verb === verb);
                    assert.ok(used, `${job.name}: cluster-wide ${verb} ${r.resources.join(",")} is granted but never called`);
                }
            }
            for (const r of role.rules) {
                for (const verb of r.verbs) {
                    for (const name of r.resourceNames ?? [undefined]) {
                        const used = stub.calls.some((c) => r.apiGroups.includes(c.group) && r.resources.includes(c.resource) && c.verb === verb && (name === undefined || c.name === name));
                        assert.ok(used, `${job.name}: ${verb} ${r.resources.join(",")}${name ? `/${name}` : ""} is granted but never called`);
                    }
                }
            }
            // Another segment's pod is not in reach.
            const others = rollers().filter((o) => o !== job).flatMap((o) => JSON.parse(inputs(o).spec.template.spec.containers[0].env.find((e: J) => e.name === "ROLLER_CONFIG").value).nodes.map((n: J) => n.statefulSet));
            for (const o of others) assert.ok(!allows(role.rules, { verb: "delete", group: "", resource: "pods", name: `${o}-0`, namespace: cfg.namespace }), `${job.name} cannot delete ${o}-0`);
        }
        // The `us` site has a worker per Axon node of a zone: its pods require separate workers, and its roller
        // lists the namespace's pods for that check (so the grant above was exercised, not vacuous).
        assert.equal(listedPods, 1, "one segment's templates require pod anti-affinity");
    });
});

interface Call {
    verb: string;
    group: string;
    resource: string;
    name: string;
    namespace: string;
}
interface RollerModule {
    roll(cfg: object, deps: { api: { request(method: string, path: string, body?: object): Promise<{ status: number; body: unknown; text: string }> }; health: (n: string) => Promise<object | null>; log: (s: string) => void; readOverride: () => string; sleep: (ms: number) => Promise<void>; now: () => number }): Promise<number>;
}
const ROLLER = path.resolve(__dirname, "../components/kubernetes/gate/roller.mjs");
// Native dynamic import (ts-node compiles `import()` to `require`, which cannot load an ES module).
const importEsm = new Function("p", "return import(p)") as (p: string) => Promise<unknown>;

/**
 * An in-process stand-in for the API server the roller talks to (roller.test.ts runs the same script
 * against a real HTTPS stub): StatefulSets under OnDelete with a new update revision and the given pod
 * templates, their pods at the old one, each on its zone's worker; a DELETE makes the controller's new pod
 * at the update revision, its `container` ready; one Ready worker per zone (the well-known zone and
 * hostname labels). Lists honour label selectors in every form the API server accepts
 * (support/labelSelector.ts) and `metadata.name` field selectors ( kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors,
 * field-selectors/). Records every call.
 */
function stubApi(templates: Record<string, J>, zones: readonly string[], container: string) {
    const calls: Call[] = [];
    const zoneOf = (tpl: J) => tpl.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchExpressions?.find((e: J) => e.key === "topology.kubernetes.io/zone")?.values?.[0];
    const workers = zones.map((z, i) => ({ metadata: { name: `w${i}`, labels: { "topology.kubernetes.io/zone": z, "kubernetes.io/hostname": `w${i}` } }, spec: {}, status: { conditions: [{ type: "Ready", status: "True" }] } }));
    const workerOf = (s: string) => workers.find((w) => w.metadata.labels["topology.kubernetes.io/zone"] === zoneOf(templates[s]))?.metadata.name;
    const pods = new Map(Object.keys(templates).map((s, i) => [`${s}-0`, { uid: `u${i}`, revision: `${s}-old`, sts: s, nodeName: workerOf(s) }]));
    let uid = 100;
    const api = {
        async request(method: string, p: string) {
            const ok = (body: object) => ({ status: 200, body, text: JSON.stringify(body) });
            const url = new URL(p, "https://api");
            if (url.pathname === "/api/v1/nodes") {
                assert.equal(method, "GET");
                // Served from the watch cache ("0"), except the fresh read right before a DELETE (none).
                assert.ok([null, "0"].includes(url.searchParams.get("resourceVersion")), `resourceVersion=${url.searchParams.get("resourceVersion")}`);
                calls.push({ verb: "list", group: "", resource: "nodes", name: "", namespace: "" });
                const field = url.searchParams.get("fieldSelector");
                return ok({
                    kind: "NodeList",
                    items: workers.filter((w) => selects(url.searchParams.get("labelSelector"), w.metadata.labels) && (!field || field === `metadata.name=${w.metadata.name}`)),
                });
            }
            const list = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
            if (list) {
                assert.equal(method, "GET");
                calls.push({ verb: "list", group: "", resource: "pods", name: "", namespace: decodeURIComponent(list[1]) });
                const items = [...pods].map(([name, pod]) => ({ metadata: { name, uid: pod.uid, labels: templates[pod.sts].metadata.labels }, spec: { nodeName: pod.nodeName }, status: { phase: "Running" } }));
                return ok({ kind: "PodList", items: items.filter((x) => selects(url.searchParams.get("labelSelector"), x.metadata.labels)) });
            }
            const m = /^\/(?:apis\/(apps)\/v1|api\/v1)\/namespaces\/([^/]+)\/([^/]+)\/([^/?]+)$/.exec(p);
            assert.ok(m, `unexpected API path ${p}`);
            const [, group = "", ns, resource, name] = m;
            const verb = { GET: "get", DELETE: "delete" }[method];
            assert.ok(verb, `unexpected method ${method}`);
            calls.push({ verb, group, resource, name: decodeURIComponent(name), namespace: decodeURIComponent(ns) });
            if (resource === "statefulsets") return ok({ metadata: { name, generation: 2 }, spec: { template: templates[name] }, status: { observedGeneration: 2, updateRevision: `${name}-new` } });
            const pod = pods.get(name);
            if (!pod) return { status: 404, body: null, text: "" };
            if (verb === "delete") {
                pods.set(name, { ...pod, uid: `u${++uid}`, revision: `${pod.sts}-new` });
                return ok({});
            }
            return ok({ metadata: { name, uid: pod.uid, labels: { "controller-revision-hash": pod.revision } }, status: { conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ name: container, ready: true }] } });
        },
    };
    return { api, calls };
}

/** Axon's `/actuator/health` for a healthy cluster: `leaderOf(group)` (default its first PRIMARY) leads, everyone UP. */
function healthyAxon(groups: J[], node: string, leaderOf: (g: J) => string = (g) => g.members.find((m: J) => m.role === "PRIMARY").node): object {
    const details: Record<string, string> = {};
    for (const g of groups) {
        if (!g.members.some((m: J) => m.node === node)) continue;
        const leader = leaderOf(g);
        details[`${g.name}.leader`] = leader;
        if (node === leader) for (const m of g.members) if (m.node !== node) details[`${g.name}.follower.${m.node}.status`] = "UP";
    }
    return { status: "UP", components: { raft: { status: "UP", details } } };
}

describe("roller Job names (mocks): a new run exactly when a segment's pod template changes", () => {
    const namesFor = async (hashes: Record<string, string>) => {
        const t = topology();
        const run = await runUnderMocks({ stack: "rn" }, () => {
            const provider = new k8s.Provider("rn-k8s", {});
            const parent = new pulumi.ComponentResource("test:index:Parent", "rn");
            const site = { provider, namespace: "axonserver", scriptConfigMap: "axonserver-rolling-gate" };
            return createRollers("rn", { topology: t, sites: { eu: site, us: site }, podTemplateHashes: hashes, dependsOn: [], parent });
        });
        return ofType(run.records, T.job).map((r) => inputs(r).metadata.name as string);
    };

    it("changes only the Job of the segment whose node changed", async () => {
        const base = { p1: "h1", p2: "h2", p3: "h3", sec: "hs", ab1: "ha", ab2: "hb" };
        const before = await namesFor(base);
        assert.deepEqual(await namesFor({ ...base }), before, "same templates: same names (the completed Job stays)");
        const after = await namesFor({ ...base, ab2: "hb-new" });
        assert.equal(after[0], before[0]);
        assert.notEqual(after[1], before[1], "us-1 (ab1, ab2) runs again");
        assert.equal(after[2], before[2]);
    });
});

describe("roller ClusterRole names: unique per cluster, whatever else shares it", () => {
    // ClusterRoles and ClusterRoleBindings are cluster-scoped (https://kubernetes.io/docs/reference/access-authn-authz/rbac/
    // #role-and-clusterrole: "ClusterRole, by contrast, is a non-namespaced resource"): two stacks on one existing
    // cluster must not name theirs alike, or the second `pulumi up` fails on an object it does not own. Two
    // stacks on one cluster differ in environment or in namespace (a namespace's Role, StatefulSets and pods
    // would collide otherwise). Names are DNS subdomains, at most 253 characters (kubernetes.io/docs/concepts/
    // overview/working-with-objects/names/#dns-subdomain-names).
    const withNamespace = (environment: string, namespace: string) =>
        buildTopology({ ...topologyInput(environment), overrides: { kubernetes: { namespace, appNamespace: "default" } } });
    const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

    it("differs between two stacks of one environment in two namespaces, and between environments", () => {
        const segment = rollerSegments(topology())[0];
        const a = rollerClusterAccountName(withNamespace("rg", "axon-a"), segment);
        const b = rollerClusterAccountName(withNamespace("rg", "axon-b"), segment);
        const c = rollerClusterAccountName(withNamespace("other", "axon-a"), segment);
        assert.notEqual(a, b);
        assert.notEqual(a, c);
        assert.notEqual(rollerClusterAccountName(withNamespace("rg", "axon-a"), rollerSegments(topology())[1]), a, "one per segment");
        // Hyphens are allowed inside both: a separator they may contain would join "a-b" + "c" and "a" + "b-c" alike.
        assert.notEqual(rollerClusterAccountName(withNamespace("a-b", "c"), segment), rollerClusterAccountName(withNamespace("a", "b-c"), segment));
    });

    it("stays a DNS subdomain of at most 253 characters with the longest environment and namespace", () => {
        const long = "e".repeat(63);
        for (const s of rollerSegments(topology())) {
            const n = rollerClusterAccountName(withNamespace(long, "n".repeat(63)), s);
            assert.ok(n.length <= 253, n);
            assert.match(n, DNS_SUBDOMAIN);
        }
    });
});

describe("gates run again when a StatefulSet is replaced (chainRestartFingerprint)", () => {
    // The API server forbids "updates to statefulset spec for fields other than 'replicas', 'ordinals',
    // 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and
    // 'minReadySeconds'" (kubernetes pkg/apis/apps/validation/validation.go `ValidateStatefulSetUpdate`), so
    // Pulumi replaces the StatefulSet and its pod restarts in the chain: the gates around it must run again.
    const p1 = (t: Topology) => t.nodes.find((n) => n.name === "p1")!;
    const base = topology();
    const fp = chainRestartFingerprint(base, p1(base));
    it("changes with the selector and the claims' labels (both derive from the environment)", () => {
        const other = buildTopology(topologyInput("rg2"));
        assert.notEqual(chainRestartFingerprint(other, p1(other)), fp);
    });
    it("changes with a volume size, not with the pod template (image: OnDelete, the roller restarts it)", () => {
        const t = topology();
        const bigger = { ...t, nodes: t.nodes.map((n) => (n.name === "p1" ? { ...n, volumes: { ...n.volumes, events: "999Gi" } } : n)) };
        assert.notEqual(chainRestartFingerprint(bigger, p1(bigger)), fp);
        const image = { ...t, axonServer: { ...t.axonServer, image: "axoniq/axonserver-enterprise:9999.1.0-nonroot" } };
        assert.equal(chainRestartFingerprint(image, p1(image)), fp);
    });
});

describe("prod: every gate and roller step passes by itself in a healthy cluster (health relay), whichever PRIMARY leads", () => {
    // Before the health relay, aws-euw1's Jobs could not see the PRIMARY nodes on gcp-euw4: the roller steps
    // axon-ab-1, axon-ab-2 and the gate axon-ab-1 -> axon-ab-2 stopped for the override on every rolling change.
    it("runs the gate script on each gate's and roller step's own configuration: all pass, and the report names no step", async () => {
        const gate = (await importEsm(path.resolve(__dirname, "../components/kubernetes/gate/rollingGate.mjs"))) as {
            evaluate(cfg: object, health: (n: string) => Promise<object | null>): Promise<{ ok: boolean; problems: string[]; notes: string[] }>;
        };
        const { raw, options } = stackConfigFromFile(readStackFile("prod"));
        const t = loadTopologyOrThrow(raw, options).topology;
        const primaries = t.replicationGroups.flatMap((g) => g.members.filter((m) => m.role === "PRIMARY").map((m) => m.node));
        const passesForEveryLeader = async (cfg: { groups: { name: string; members: { node: string; role: string }[] }[] }, after?: string, before?: string) => {
            const problems: string[] = [];
            for (const leader of new Set(primaries)) {
                const leaderOf = (g: J) => (g.members.some((m: J) => m.node === leader && m.role === "PRIMARY") ? leader : g.members.find((m: J) => m.role === "PRIMARY").node);
                // A healthy cluster: every node answers where the Job can reach it, and resolves.
                const r = await gate.evaluate({ ...cfg, after, before, mustResolve: [] }, async (n) => healthyAxon(cfg.groups, n, leaderOf));
                problems.push(...r.problems.map((p) => `leader ${leader}: ${p}`));
                // Every node exists here: none may pass as "not a member yet" (that note skips the group's check).
                problems.push(...r.notes.filter((n) => n.includes("not a member yet")).map((n) => `leader ${leader}: note: ${n}`));
            }
            return problems;
        };
        const chain = creationOrder(t);
        for (let i = 1; i < chain.length; i++) {
            const site = gateSite(chain[i - 1], chain[i], t);
            if (site === undefined) continue;
            const cfg = gateConfig(t, chain[i - 1], chain[i], site);
            assert.deepEqual(await passesForEveryLeader(cfg, cfg.after, cfg.before), [], `gate ${cfg.after} -> ${cfg.before} on ${site}`);
        }
        for (const segment of rollerSegments(t)) {
            const cfg = rollerConfig(t, segment);
            if (cfg.after !== undefined) assert.deepEqual(await passesForEveryLeader(cfg, cfg.after), [], `${segment.site}: ${cfg.after} back`);
            for (const [i, { node }] of cfg.nodes.entries()) {
                assert.deepEqual(await passesForEveryLeader(cfg, i > 0 ? cfg.nodes[i - 1].node : cfg.after, node), [], `${segment.site}: step ${node}`);
                assert.deepEqual(await passesForEveryLeader(cfg, node), [], `${segment.site}: ${node} back`);
            }
            assert.deepEqual(unverifiableRollerNodes(t, segment), [], `${segment.site}-${segment.index}: no needsOverride`);
        }
        assert.ok(!buildReport({ topology: t, errors: [], warnings: [] }, "prod").rollers.some((r) => r.needsOverride), "the report's rollers[].needsOverride is absent");
    });
});

describe("roller steps the Job cannot verify (report `needsOverride`) match what the gate script decides", () => {
    // The script is the rule: in a healthy cluster, a step passes by itself exactly when each of its checks
    // ("previous node back", "can be lost", and "back" after the restart) passes whichever PRIMARY leads
    // (only a PRIMARY can lead); the report must name the others. The segment's `after` is checked first,
    // under its own name.
    // Two variants: both Kubernetes sites on EKS (each site's Jobs ask the other's nodes through their health
    // relay: nothing blind), and `eu` an existing cluster (its nodes have no load balancer: `us`'s Jobs
    // cannot see the PRIMARY nodes, so its steps stop for the override).
    const variants: [string, Topology][] = [
        ["EKS + EKS", topology()],
        ["existing cluster + EKS", buildTopology({ ...topologyInput("rg"), sites: (topologyInput("rg").sites ?? []).map((x) => (typeof x === "object" && x.name === "eu" ? { ...x, platform: "kubernetes" } : x)) })],
    ];
    it("names exactly the nodes whose checks fail in a healthy cluster for some leader", async () => {
        const gate = (await importEsm(path.resolve(__dirname, "../components/kubernetes/gate/rollingGate.mjs"))) as {
            evaluate(cfg: object, health: (n: string) => Promise<object | null>): Promise<{ ok: boolean; problems: string[] }>;
        };
        const blind: Record<string, number> = {};
        for (const [variant, t] of variants) {
            let blindSeen = 0;
            for (const segment of rollerSegments(t)) {
                const cfg = rollerConfig(t, segment);
                const expected = unverifiableRollerNodes(t, segment);
                blindSeen += expected.length;
                const primaries = [...new Set(cfg.groups.flatMap((g) => g.members.filter((m) => m.role === "PRIMARY").map((m) => m.node)))];
                /** Whether every check passes for every possible leader. */
                const always = async (checks: { after?: string; before?: string }[]) => {
                    for (const leader of primaries) {
                        const leaderOf = (g: J) => (g.members.some((m: J) => m.node === leader && m.role === "PRIMARY") ? leader : g.members.find((m: J) => m.role === "PRIMARY").node);
                        for (const c of checks) {
                            const r = await gate.evaluate({ ...cfg, after: c.after, before: c.before, mustResolve: [] }, async (n) => healthyAxon(cfg.groups, n, leaderOf));
                            if (!r.ok) return false;
                        }
                    }
                    return true;
                };
                const steps: { node: string; checks: { after?: string; before?: string }[] }[] = [];
                if (cfg.after !== undefined) steps.push({ node: cfg.after, checks: [{ after: cfg.after }] });
                cfg.nodes.forEach(({ node }, i) => steps.push({ node, checks: [{ after: i > 0 ? cfg.nodes[i - 1].node : cfg.after, before: node }, { after: node }] }));
                for (const { node, checks } of steps) {
                    const passes = await always(checks);
                    assert.equal(!passes, expected.includes(node), `${variant}: ${segment.site}-${segment.index} ${node}: script ${passes ? "passes" : "stops"}, report says ${expected.includes(node) ? "override" : "none"}`);
                }
            }
            blind[variant] = blindSeen;
        }
        assert.deepEqual(blind, { "EKS + EKS": 0, "existing cluster + EKS": 2 }, "us (ACTIVE_BACKUP, PRIMARY on eu) needs the override only where eu's nodes are out of reach");
    });
});
