import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AxonServerCluster } from "../components/axonserver/cluster";
import type { NodePlacer, PlacementStep } from "../components/axonserver/placement";
import { kubernetesPlacer } from "../components/kubernetes/kubernetesPlacer";
import { GKE_LB_IP_ADDRESSES_ANNOTATION, INTERNAL_LB_ANNOTATIONS, PROPERTIES_HASH_ANNOTATION } from "../components/kubernetes/axonServerNode";
import { existingClusterHost } from "../components/kubernetes/existingCluster";
import { nodePodLabels, sitePodSelector } from "../components/platform/labels";
import { PROBE_PATH } from "../components/kubernetes/podSpec";
import { retainedStorageClassArgs } from "../components/platform/storageClass";
import { KubernetesHost } from "../components/platform/host";
import { loadTopologyOrThrow } from "../components/topology/load";
import { Topology } from "../components/topology/model";
import { creationOrder } from "../components/topology/rolling";
import { GATE_IMAGE, GATE_SCRIPT } from "../components/kubernetes/rollingGate";
import { containerSecurityContext } from "../components/kubernetes/podSpec";
import { registryImage } from "../components/topology/images";
import { HEALTH_RELAY_SCRIPT } from "../components/kubernetes/healthRelay";
import { HEALTH_RELAY_RESOURCES } from "../components/topology/platform/capacity";
import { ALLOW_INITIALISE_ANNOTATION, startupGuardFor } from "../components/axonserver/render/startupGuard";
import { CONTAINER_PATHS } from "../components/axonserver/render/paths";
import { POD_ANNOTATIONS_FILE } from "../components/kubernetes/podSpec";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";
import { assertUniqueUrns, containsSecretWrapper, countByType, MockRun, ofType, outputValue, redactSecrets, ResourceRecord, runUnderMocks, unwrapSecrets } from "../tools/harness/mocks";
import { buildTopology } from "./fixtures/topologies";

const ADMIN = "admin-token-VALUE-7f3a9c";
const INTERNAL = "internal-token-VALUE-19be42";
const LICENSE = "license-file-VALUE-55d0e1";

const T = {
    sts: "kubernetes:apps/v1:StatefulSet",
    svc: "kubernetes:core/v1:Service",
    cm: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    ns: "kubernetes:core/v1:Namespace",
    sa: "kubernetes:core/v1:ServiceAccount",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    sc: "kubernetes:storage.k8s.io/v1:StorageClass",
    job: "kubernetes:batch/v1:Job",
    provider: "pulumi:providers:kubernetes",
} as const;

// Loosely typed views of unwrapped inputs, for assertions only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deep assertions on plain JSON
type J = any;
const inputs = (r: ResourceRecord): J => unwrapSecrets(r.inputs);
const one = (records: ResourceRecord[], type: string, name: string): ResourceRecord => {
    const found = records.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected exactly one ${type} ${name}, found ${found.length}`);
    return found[0];
};
const container = (sts: ResourceRecord): J => inputs(sts).spec.template.spec.containers[0];
const RECOMMENDED = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"];

function localTopology(): Topology {
    const { raw, options } = stackConfigFromFile(readStackFile("local"));
    return loadTopologyOrThrow(raw, options).topology;
}

describe("kubernetes: AxonServerCluster on the local stack (existing cluster)", () => {
    let run: MockRun<AxonServerCluster>;
    let topology: Topology;
    before(async () => {
        topology = localTopology();
        run = await runUnderMocks({ stack: "local" }, () => {
            const hosts = Object.fromEntries(topology.sites.map((s) => [s.name, existingClusterHost(s, topology)]));
            return new AxonServerCluster(topology.environment, {
                topology,
                secrets: { adminToken: ADMIN, internalToken: INTERNAL },
                placers: [kubernetesPlacer({ hosts })],
            });
        });
    });

    it("creates the expected resources, with unique URNs", () => {
        assert.deepEqual(countByType(run.records), {
            "axonserver:index:AxonServerCluster": 1,
            "axonserver:index:AxonServerNode": 3,
            [T.sts]: 3,
            [T.svc]: 9, // headless + grpc + http per node; no load balancer on an existing cluster
            [T.cm]: 5, // one per node + the client config + the rolling gate script
            [T.secret]: 1, // tokens; no license, no TLS
            [T.ns]: 1,
            [T.sa]: 1 + 1, // the site's, and the roller's
            "kubernetes:rbac.authorization.k8s.io/v1:Role": 1,
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 1,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 1, // per roller: list the workers
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 1,
            [T.pdb]: 1, // three PRIMARY nodes: one class
            [T.netpol]: 1,
            [T.job]: 2 + 1, // a gate between every two consecutive nodes; one roller (one site)
            [T.provider]: 1,
        });
        assertUniqueUrns(run.records);
    });

    it("puts every Kubernetes object on the site's provider, with the recommended labels", () => {
        const [provider] = ofType(run.records, T.provider);
        for (const r of run.records.filter((x) => x.type.startsWith("kubernetes:"))) {
            assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.name} uses provider ${r.provider}`);
            const labels = inputs(r).metadata.labels ?? {};
            for (const key of RECOMMENDED) assert.ok(labels[key], `${r.type} ${r.name} lacks label ${key}`);
        }
    });

    it("runs each node as a singleton StatefulSet: PVCs retained, info-only probes within the startup budget, restricted security context", () => {
        for (const node of topology.nodes) {
            const sts = inputs(one(run.records, T.sts, `local-${node.name}-sts`));
            const spec = sts.spec;
            const pod = spec.template.spec;
            const c = container(one(run.records, T.sts, `local-${node.name}-sts`));
            assert.equal(spec.replicas, 1);
            assert.equal(spec.serviceName, node.name);
            assert.equal(sts.metadata.namespace, "axonserver");
            assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
            assert.deepEqual(spec.selector.matchLabels, { ...sitePodSelector("local", "kind"), "axonserver-multiregion/node": node.name });
            assert.deepEqual(spec.template.metadata.labels, nodePodLabels("local", "kind", node.name));
            // Probes: /actuator/info only, with a startup budget of at least 600 s.
            for (const p of ["startupProbe", "livenessProbe", "readinessProbe"]) {
                assert.equal(c[p].httpGet.path, PROBE_PATH);
                assert.equal(c[p].httpGet.port, "http");
            }
            assert.equal(PROBE_PATH, "/actuator/info");
            assert.ok(!JSON.stringify(sts).includes("/actuator/health"));
            const budget = c.startupProbe.periodSeconds * c.startupProbe.failureThreshold;
            assert.ok(budget >= topology.axonServer.startupBudgetSeconds && budget >= 600, `startup budget ${budget}`);
            assert.ok(Number(sts.metadata.annotations["pulumi.com/timeoutSeconds"]) > budget, "pulumi waits longer than the startup budget");
            // Grace period.
            assert.equal(pod.terminationGracePeriodSeconds, topology.axonServer.terminationGracePeriodSeconds);
            assert.ok(pod.terminationGracePeriodSeconds >= 120);
            // Non-root 1001, restricted.
            assert.deepEqual(
                { u: pod.securityContext.runAsUser, g: pod.securityContext.runAsGroup, f: pod.securityContext.fsGroup, nr: pod.securityContext.runAsNonRoot },
                { u: 1001, g: 1001, f: 1001, nr: true },
            );
            assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
            assert.equal(c.securityContext.allowPrivilegeEscalation, false);
            assert.equal(c.securityContext.readOnlyRootFilesystem, true);
            assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
            assert.equal(pod.automountServiceAccountToken, false);
            assert.equal(pod.serviceAccountName, "axonserver");
            // Ports, image, resources.
            assert.deepEqual(
                c.ports.map((p: J) => [p.name, p.containerPort]),
                [["http", 8024], ["grpc", 8124], ["internal-grpc", 8224]],
            );
            assert.equal(c.image, topology.axonServer.image);
            assert.deepEqual(c.resources, {
                requests: { cpu: node.resources.cpu, memory: node.resources.memory },
                limits: { cpu: node.resources.cpuLimit, memory: node.resources.memory },
            });
            // Env: identity, heap, internal token by reference only.
            const env = Object.fromEntries(c.env.map((e: J) => [e.name, e]));
            assert.equal(env.AXONIQ_AXONSERVER_NAME.value, node.name);
            assert.equal(env.AXONIQ_AXONSERVER_HOSTNAME.value, node.name);
            assert.match(env.JAVA_TOOL_OPTIONS.value, /^-Xms512m -Xmx512m /);
            const tokenEnv = env.AXONIQ_AXONSERVER_ACCESSCONTROL_INTERNALTOKEN;
            assert.equal(tokenEnv.value, undefined);
            assert.deepEqual(tokenEnv.valueFrom.secretKeyRef, { name: "axonserver-tokens", key: "internal.token" });
            assert.equal(env.AXONIQ_LICENSE, undefined);
            // Volumes: four PVCs on the configured class, config and token read-only, /tmp writable.
            assert.deepEqual(
                spec.volumeClaimTemplates.map((v: J) => [v.metadata.name, v.spec.storageClassName, v.spec.resources.requests.storage]),
                [["events", "standard", "2Gi"], ["data", "standard", "1Gi"], ["log", "standard", "1Gi"], ["plugins", "standard", "1Gi"]],
            );
            const mounts = Object.fromEntries(c.volumeMounts.map((m: J) => [m.mountPath, m]));
            for (const p of ["/axonserver/events", "/axonserver/data", "/axonserver/log", "/axonserver/plugins", "/tmp"]) assert.ok(mounts[p] && !mounts[p].readOnly, p);
            assert.equal(mounts["/axonserver/config"].readOnly, true);
            assert.equal(mounts["/axonserver/security"].readOnly, true);
            const tmp = pod.volumes.find((v: J) => v.name === "tmp");
            assert.deepEqual(tmp.emptyDir, {});
            const security = pod.volumes.find((v: J) => v.name === "security");
            assert.deepEqual(security.secret.items, [{ key: "system.token", path: "system.token" }]);
            // No zone on kind: no node affinity; soft anti-affinity on the worker host name.
            assert.equal(pod.affinity.nodeAffinity, undefined);
            const anti = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0];
            assert.equal(anti.podAffinityTerm.topologyKey, "kubernetes.io/hostname");
            assert.deepEqual(anti.podAffinityTerm.labelSelector.matchLabels, sitePodSelector("local", "kind"));
        }
    });

    it("mounts a config whose system token path matches the token Secret key", () => {
        const cm = inputs(one(run.records, T.cm, "local-axonserver-1-config"));
        assert.match(cm.data["axonserver.properties"], /^axoniq\.axonserver\.accesscontrol\.systemtokenfile=\/axonserver\/security\/system\.token$/m);
        assert.ok(cm.data["cluster-template.yml"].includes("cluster-template"));
        // A properties change restarts the pod (through the chain); the template alone does not.
        const sts = inputs(one(run.records, T.sts, "local-axonserver-1-sts"));
        assert.equal(
            sts.spec.template.metadata.annotations[PROPERTIES_HASH_ANNOTATION],
            createHash("sha256").update(cm.data["axonserver.properties"]).digest("hex"),
        );
        const pod = sts.spec.template.spec;
        assert.deepEqual(pod.volumes.find((v: J) => v.name === "config").configMap, {
            name: "axonserver-1-config",
            items: [{ key: "axonserver.properties", path: "axonserver.properties" }, { key: "cluster-template.yml", path: "cluster-template.yml" }],
        });
        const tokens = inputs(one(run.records, T.secret, "local-kind-tokens"));
        assert.deepEqual(Object.keys(tokens.stringData).sort(), ["internal.token", "system.token"]);
        assert.equal(tokens.stringData["system.token"], ADMIN);
        assert.equal(tokens.stringData["internal.token"], INTERNAL);
    });

    it("gives each node a headless governing Service that publishes not-ready pods, plus gRPC and HTTP Services", () => {
        for (const node of topology.nodes) {
            const headless = inputs(one(run.records, T.svc, `local-${node.name}-headless`));
            assert.equal(headless.metadata.name, node.name);
            assert.equal(headless.spec.clusterIP, "None");
            assert.equal(headless.spec.publishNotReadyAddresses, true);
            assert.deepEqual(headless.spec.ports.map((p: J) => p.port), [8124, 8224]);
            assert.equal(headless.spec.selector["axonserver-multiregion/node"], node.name);
            const grpc = inputs(one(run.records, T.svc, `local-${node.name}-grpc`));
            assert.deepEqual(grpc.spec.ports.map((p: J) => p.port), [8124]);
            const http = inputs(one(run.records, T.svc, `local-${node.name}-http`));
            assert.equal(http.spec.type, "ClusterIP");
            assert.equal(http.spec.sessionAffinity, "ClientIP");
            assert.deepEqual(http.spec.ports.map((p: J) => p.port), [8024]);
        }
    });

    it("keeps secrets out of ConfigMaps and plain env values; the token Secret is a Pulumi secret", () => {
        for (const cm of ofType(run.records, T.cm)) {
            const text = JSON.stringify(unwrapSecrets(cm.inputs));
            assert.ok(!text.includes(ADMIN) && !text.includes(INTERNAL), `${cm.name} leaks a token`);
        }
        for (const sts of ofType(run.records, T.sts)) {
            const text = JSON.stringify(unwrapSecrets(sts.inputs));
            assert.ok(!text.includes(ADMIN) && !text.includes(INTERNAL), `${sts.name} leaks a token`);
        }
        const tokens = one(run.records, T.secret, "local-kind-tokens");
        assert.ok(containsSecretWrapper(tokens.inputs), "token Secret inputs are Pulumi secrets");
        assert.equal(JSON.stringify(redactSecrets(tokens.inputs)).includes(INTERNAL), false, "only inside the secret wrapper");
    });

    it("chains node → gate Job → node in creation order, the cluster template's first node first", () => {
        // dependsOn orders creation and updates alike, and pulumi-kubernetes awaits a StatefulSet's
        // readiness and a Job's completion before dependents start (provider/pkg/await/{statefulset,job}.go).
        const order = creationOrder(topology).map((n) => n.name);
        assert.deepEqual(order, ["axonserver-1", "axonserver-2", "axonserver-3"]);
        assert.deepEqual(run.result.creationOrder, order);
        // Restarts take another order (the rollers; StatefulSets are OnDelete): least critical first.
        assert.deepEqual(run.result.updateOrder, ["axonserver-2", "axonserver-3", "axonserver-1"]);
        const stsOf = (n: string) => one(run.records, T.sts, `local-${n}-sts`);
        const gateBefore = (n: string) => one(run.records, T.job, `local-gate-${n}`);
        const allSts = new Set(ofType(run.records, T.sts).map((r) => r.urn));
        const allJobs = new Set(ofType(run.records, T.job).map((r) => r.urn));
        const chainDeps = (r: ResourceRecord) => r.dependencies.filter((d) => allSts.has(d) || allJobs.has(d));
        assert.deepEqual(chainDeps(stsOf(order[0])), []);
        for (let i = 1; i < order.length; i++) {
            const gate = gateBefore(order[i]);
            assert.deepEqual(chainDeps(gate), [stsOf(order[i - 1]).urn], `gate before ${order[i]} waits for ${order[i - 1]}`);
            assert.deepEqual(chainDeps(stsOf(order[i])), [gate.urn], `${order[i]} waits for its gate`);
            const cfg = JSON.parse(inputs(gate).spec.template.spec.containers[0].env.find((e: J) => e.name === "GATE_CONFIG").value);
            assert.equal(cfg.after, order[i - 1]);
            assert.equal(cfg.before, order[i]);
            // The `-http` Service is created after the StatefulSet (below): while the name does not resolve,
            // the next node does not exist yet and its groups have nothing to lose.
            assert.equal(cfg.beforeAddress, `${order[i]}-http.axonserver.svc.cluster.local`);
        }
        assert.deepEqual(Object.keys(run.result.gates), ["axonserver-1->axonserver-2", "axonserver-2->axonserver-3"]);
    });

    it("runs each gate as an awaited, one-shot, restricted Job with the script, its config and the override file", () => {
        for (const job of ofType(run.records, T.job).filter((r) => r.name.startsWith("local-gate-"))) {
            const j = inputs(job);
            assert.match(j.metadata.name, /^axonserver-\d-gate-[0-9a-f]{10}$/);
            assert.ok(j.metadata.name.length <= 63);
            assert.equal(j.spec.backoffLimit, 0, "a failed gate fails pulumi up, it is not retried");
            assert.ok(Number(j.metadata.annotations["pulumi.com/timeoutSeconds"]) > j.spec.activeDeadlineSeconds, "the script's deadline comes first");
            const pod = j.spec.template.spec;
            assert.equal(pod.restartPolicy, "Never");
            assert.equal(pod.automountServiceAccountToken, false);
            const c = pod.containers[0];
            assert.deepEqual(c.command, ["node", "/gate/rollingGate.mjs"]);
            assert.equal(c.image, "library/node:20-alpine", "Docker Hub's official node image (no registry mirror in this stack)");
            assert.equal(c.terminationMessagePolicy, "FallbackToLogsOnError");
            assert.equal(c.securityContext.readOnlyRootFilesystem, true);
            const cfg = JSON.parse(c.env.find((e: J) => e.name === "GATE_CONFIG").value);
            assert.deepEqual(Object.keys(cfg.endpoints), ["axonserver-1", "axonserver-2", "axonserver-3"]);
            assert.equal(cfg.endpoints["axonserver-1"], "http://axonserver-1-http.axonserver.svc.cluster.local:8024");
            assert.equal(cfg.overrideAnnotation, "axonserver-multiregion/gate-override");
            assert.deepEqual(pod.volumes.find((v: J) => v.name === "pod-info").downwardAPI.items, [{ path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } }]);
            assert.equal(pod.volumes.find((v: J) => v.name === "gate").configMap.name, "axonserver-rolling-gate");
        }
        const cm = inputs(one(run.records, T.cm, "local-kind-rolling-gate"));
        assert.equal(cm.data["rollingGate.mjs"], GATE_SCRIPT);
    });

    it("renders the split-brain guard as the first init container of every node, with its template and annotation volumes", () => {
        for (const node of topology.nodes) {
            const pod = inputs(one(run.records, T.sts, `local-${node.name}-sts`)).spec.template.spec;
            const guard = pod.initContainers[0];
            assert.equal(guard.name, "startup-guard");
            assert.deepEqual(guard.command.slice(0, 2), ["bash", "-c"]);
            assert.equal(guard.command[2], startupGuardFor(topology, node, CONTAINER_PATHS, { annotationsFile: POD_ANNOTATIONS_FILE, key: ALLOW_INITIALISE_ANNOTATION }));
            assert.ok(guard.command[2].includes(`readonly IS_FIRST="${node.name === "axonserver-1"}"`));
            assert.deepEqual(guard.volumeMounts.map((m: J) => m.name), ["data", "config", "template", "pod-info"]);
            const c = pod.containers[0];
            assert.deepEqual(c.volumeMounts.find((m: J) => m.name === "template"), { name: "template", mountPath: "/axonserver/template", readOnly: true });
            assert.ok(pod.volumes.some((v: J) => v.name === "template" && v.emptyDir));
        }
    });

    it("creates every awaited Service after its StatefulSet and publishes not-ready addresses", () => {
        // pulumi-kubernetes waits for a non-headless Service's endpoints to target a pod (10 minutes by
        // default; provider/pkg/await/service.go `checkAndLogStatus`; headless Services are exempt,
        // `isHeadlessService`): created before a StatefulSet that the chain starts later, it would time out.
        for (const node of topology.nodes) {
            const sts = one(run.records, T.sts, `local-${node.name}-sts`);
            for (const svc of ["grpc", "http"]) {
                const r = one(run.records, T.svc, `local-${node.name}-${svc}`);
                assert.ok(r.dependencies.includes(sts.urn), `${svc} Service of ${node.name} depends on its StatefulSet`);
                assert.equal(inputs(r).spec.publishNotReadyAddresses, true);
            }
            const headless = inputs(one(run.records, T.svc, `local-${node.name}-headless`));
            assert.equal(headless.spec.clusterIP, "None", "the headless Service needs no await; the StatefulSet names it");
            assert.equal(headless.spec.publishNotReadyAddresses, true);
        }
    });

    it("has one role-aware PodDisruptionBudget per class of the site's pods (here: the three PRIMARY nodes)", () => {
        const pdb = inputs(ofType(run.records, T.pdb)[0]);
        assert.equal(pdb.metadata.name, "axonserver-primary");
        assert.equal(pdb.spec.maxUnavailable, 1);
        assert.deepEqual(pdb.spec.selector.matchLabels, sitePodSelector("local", "kind"));
        assert.deepEqual(pdb.spec.selector.matchExpressions, [{ key: "axonserver-multiregion/node", operator: "In", values: ["axonserver-1", "axonserver-2", "axonserver-3"] }]);
    });

    it("opens 8224 to Axon pods and peers, 8124 to clients and client namespaces, 8024 to admins", () => {
        const np = inputs(ofType(run.records, T.netpol)[0]);
        assert.deepEqual(np.spec.policyTypes, ["Ingress"]);
        const byPort = Object.fromEntries(np.spec.ingress.map((r: J) => [r.ports[0].port, r.from]));
        assert.deepEqual(Object.keys(byPort).sort(), ["8024", "8124", "8224"]);
        assert.deepEqual(byPort[8224], [{ podSelector: { matchLabels: sitePodSelector("local", "kind") } }, { ipBlock: { cidr: "10.244.0.0/16" } }]);
        assert.deepEqual(byPort[8124], [{ ipBlock: { cidr: "10.244.0.0/16" } }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } } }]);
        // 8024 also from the rolling gate's pods (they ask every node for its Raft state).
        assert.deepEqual(byPort[8024], [
            { ipBlock: { cidr: "127.0.0.1/32" } },
            { podSelector: { matchLabels: { "app.kubernetes.io/name": "axonserver", "app.kubernetes.io/instance": "local", "app.kubernetes.io/component": "rolling-gate" } } },
        ]);
    });

    it("retains the namespace on destroy and disables service account tokens", () => {
        const ns = one(run.records, T.ns, "local-kind-namespace");
        assert.equal(ns.retainOnDelete, true);
        assert.equal(inputs(ns).metadata.name, "axonserver");
        assert.equal(inputs(one(run.records, T.sa, "local-kind-sa")).automountServiceAccountToken, false);
    });

    it("publishes the client config in the app namespace without a token", () => {
        const cm = inputs(one(run.records, T.cm, "local-kind-client-config"));
        assert.equal(cm.metadata.name, "axonserver-client");
        assert.equal(cm.metadata.namespace, "default");
        assert.equal(cm.data.AXON_AXONSERVER_SERVERS, "axonserver-1.axonserver.svc.cluster.local:8124,axonserver-2.axonserver.svc.cluster.local:8124,axonserver-3.axonserver.svc.cluster.local:8124");
        assert.match(cm.data["axonserver-client.properties"], /^axon\.axonserver\.context=default$/m);
        assert.equal(JSON.parse(cm.data["axonserver-client.json"]).defaultContext, "default");
        assert.ok(!Object.keys(cm.data).some((k) => /TOKEN/i.test(k)));
    });

    it("exports secret tokens, no CA without TLS, and in-cluster endpoints", async () => {
        assert.equal(await pulumi.isSecret(run.result.adminToken), true);
        assert.equal(await pulumi.isSecret(run.result.internalToken), true);
        assert.equal(await outputValue(run.result.adminToken), ADMIN);
        assert.equal(await outputValue(run.result.caCertificate), undefined);
        // An existing cluster gets no internal load balancer: no address for a DNS record.
        for (const n of Object.values(run.result.nodes)) assert.equal(n.dnsTarget, undefined, n.node.name);
        const endpoints = await outputValue(run.result.nodeEndpoints);
        assert.deepEqual(endpoints["axonserver-2"], {
            site: "kind",
            fqdn: "axonserver-2.axonserver.svc.cluster.local",
            grpc: "axonserver-2.axonserver.svc.cluster.local:8124",
            http: "axonserver-2-http.axonserver.svc.cluster.local:8024",
            internalGrpc: "axonserver-2.axonserver.svc.cluster.local:8224",
        });
    });
});

/**
 * Three sites: EKS-like `eu` (3 zones, AWS NLB), GKE-like `us` (GCP internal LB) and a VM site `dr`.
 * TLS and license on; tokens generated.
 */
function multiZoneTopology(): Topology {
    const base = buildTopology({
        environment: "mz",
        sites: [
            { name: "eu", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] },
            { name: "us", cloud: "gcp", region: "us-east1", zones: ["us-east1-b"] },
            { name: "dr", platform: "vm", region: "eu-central-1", zones: ["eu-central-1a"] },
        ],
        nodes: ["axon-1", "axon-2", "axon-3", { name: "axon-4", storage: "cold" }, { name: "axon-us", site: "us" }, { name: "axon-vm", site: "dr" }],
        groups: [
            { name: "default", members: { "axon-1": "PRIMARY", "axon-2": "PRIMARY", "axon-3": "PRIMARY", "axon-us": "PASSIVE_BACKUP", "axon-vm": "PASSIVE_BACKUP" } },
            { name: "local", members: { "axon-1": "PRIMARY", "axon-4": "SECONDARY" } },
        ],
        clients: [{ region: "eu-west-1", cidrs: ["10.50.0.0/16"], namespaces: ["apps"], contexts: ["default"] }],
    });
    return { ...base, axonServer: { ...base.axonServer, tls: true, licensed: true } };
}

/** The load balancer subnets of the `eu` site's NLBs (NodeLoadBalancers gives them; any value under test). */
const EU_LB_SUBNETS = ["10.0.252.0/25", "10.0.252.128/25", "10.0.253.0/25"];

/**
 * The internal address a GKE site reserved for axon-us (GkeSite reserves it; any value under test). A mock
 * `gcp.compute.Address` holds it, so GKE (the harness) gives the node's Services that address and `pulumi up`
 * has nothing to warn about (test/gke-lb-address.test.ts).
 */
const US_LB_ADDRESS = "10.1.200.7";
/** The name of that reserved address resource (GkeSite's `gcp.compute.Address` name; any value under test). */
const US_LB_ADDRESS_NAME = "mz-us-axon-us-ilb-1a2b3c4";

describe("kubernetes: AxonServerCluster across zones, sites and a VM", () => {
    let run: MockRun<{ cluster: AxonServerCluster; vmCalls: { node: string; step: PlacementStep; licensed: boolean }[] }>;
    let topology: Topology;
    before(async () => {
        topology = multiZoneTopology();
        run = await runUnderMocks({ stack: "mz" }, () => {
            const usAddress = () => {
                const a = new gcp.compute.Address("mz-us-axon-us-ilb", { name: US_LB_ADDRESS_NAME, address: US_LB_ADDRESS, region: "us-east1", addressType: "INTERNAL", purpose: "SHARED_LOADBALANCER_VIP" });
                return { address: a.address, name: a.name };
            };
            const host = (site: string, lb: KubernetesHost["internalLoadBalancer"]): KubernetesHost => {
                const provider = new k8s.Provider(`mz-${site}-k8s`, {});
                const sc = (tier: string) =>
                    new k8s.storage.v1.StorageClass(
                        `mz-${site}-${tier}`,
                        retainedStorageClassArgs({ name: `axon-${tier}`, provisioner: "ebs.csi.aws.com", parameters: { type: "gp3" } }),
                        { provider },
                    );
                const classes = { fast: sc("fast"), standard: sc("standard"), cold: sc("cold") };
                return {
                    site,
                    provider,
                    storageClassNames: { fast: classes.fast.metadata.name, standard: classes.standard.metadata.name, cold: classes.cold.metadata.name },
                    readyResources: [classes.fast, classes.standard, classes.cold],
                    internalLoadBalancer: lb,
                    ...(lb === "gcp-internal" ? { loadBalancerAddresses: { "axon-us": usAddress() } } : {}),
                    // What EksSite's NodeLoadBalancers hand over: the NLB's DNS name and subnets.
                    ...(lb === "aws-nlb"
                        ? {
                              nodeLoadBalancers: Object.fromEntries(
                                  topology.nodes
                                      .filter((n) => n.site === site)
                                      .map((n) => [n.name, { hostname: `${n.name}-internal.elb.amazonaws.com`, sourceCidrs: EU_LB_SUBNETS, resources: [] }]),
                              ),
                          }
                        : {}),
                };
            };
            const vmCalls: { node: string; step: PlacementStep; licensed: boolean }[] = [];
            // A stand-in VM placer: one RandomPet per VM node, as a child of the cluster.
            const vms: NodePlacer = {
                name: "test-vm",
                handles: (n) => n.platform === "vm",
                attach: (c) => ({
                    place: (node, step) => {
                        vmCalls.push({ node: node.name, step, licensed: c.secrets.license !== undefined });
                        const pet = new random.RandomPet(`mz-${node.name}-vm`, {}, { parent: c.parent, dependsOn: [...step.dependsOn] });
                        return { node, component: c.parent, ready: [pet], endpoint: pulumi.output({ site: node.site, fqdn: `${node.name}.mz.axon.internal`, grpc: "", http: "", internalGrpc: "" }) };
                    },
                }),
            };
            const cluster = new AxonServerCluster("mz", {
                topology,
                secrets: { license: LICENSE },
                placers: [kubernetesPlacer({ hosts: { eu: host("eu", "aws-nlb"), us: host("us", "gcp-internal") } }), vms],
            });
            return { cluster, vmCalls };
        });
    });

    it("creates the expected resources, with unique URNs", () => {
        const counts = countByType(run.records);
        assert.deepEqual(counts, {
            "axonserver:index:AxonServerCluster": 1,
            "axonserver:index:AxonServerNode": 5,
            "axonserver:index:AxonServerTls": 1,
            [T.sts]: 5,
            // headless, gRPC, HTTP and an internal load balancer per node (every node on a cloud host); the GKE
            // node (axon-us) has three, one per port: 8124, 8224 and the health relay's 8025.
            [T.svc]: 5 * 4 + 2,
            // config per node; the client config only where clients are (eu-west-1); the gate script per
            // site; the health relay script per node (eu and us share a group: each site's Jobs ask the other's)
            [T.cm]: 5 + 1 + 2 + 5,
            [T.secret]: 5 + 2 * 2, // TLS per node; tokens + license per site
            [T.ns]: 2,
            [T.sa]: 2 + 3, // per site the Axon pods'; per roller (three) its own
            "kubernetes:rbac.authorization.k8s.io/v1:Role": 3, // per roller: its segment's pods and StatefulSets
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 3,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 3, // per roller: list the workers
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 3,
            [T.pdb]: 3, // eu: PRIMARY and ACTIVE_BACKUP classes; us: one class
            // a gate between every two consecutive nodes of six (the VM's own gates run on a Kubernetes
            // site); a roller per visit of a site in update order
            [T.job]: 5 + 3,
            [T.netpol]: 2 + 4, // per site, and per AWS node for what its NLB forwards
            [T.sc]: 6,
            [T.provider]: 2,
            "random:index/randomPassword:RandomPassword": 2,
            "random:index/randomPet:RandomPet": 1,
            "tls:index/privateKey:PrivateKey": 1 + 6,
            "tls:index/selfSignedCert:SelfSignedCert": 1,
            "tls:index/certRequest:CertRequest": 6,
            "tls:index/locallySignedCert:LocallySignedCert": 6,
            "gcp:compute/address:Address": 1, // the test's stand-in for the address GkeSite reserves for axon-us
        });
        assertUniqueUrns(run.records);
    });

    it("pins every node to its zone and uses the tier's storage class for events", () => {
        for (const node of topology.nodes.filter((n) => n.platform !== "vm")) {
            const sts = inputs(one(run.records, T.sts, `mz-${node.name}-sts`));
            const terms = sts.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
            assert.deepEqual(terms, [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: [node.zone] }] }]);
            const classes = Object.fromEntries(sts.spec.volumeClaimTemplates.map((v: J) => [v.metadata.name, v.spec.storageClassName]));
            assert.deepEqual(classes, { events: `axon-${node.storage}`, data: "axon-standard", log: "axon-standard", plugins: "axon-standard" });
        }
        assert.equal(topology.nodes.find((n) => n.name === "axon-4")!.zone, "eu-west-1a");
    });

    it("requires separate workers only where the site has enough of them per zone", () => {
        const anti = (n: string) => inputs(one(run.records, T.sts, `mz-${n}-sts`)).spec.template.spec.affinity.podAntiAffinity;
        // eu: two Axon nodes in eu-west-1a but one worker per zone -> preferred; us: one node -> required.
        assert.ok(anti("axon-1").preferredDuringSchedulingIgnoredDuringExecution);
        assert.equal(anti("axon-1").requiredDuringSchedulingIgnoredDuringExecution, undefined);
        assert.equal(anti("axon-us").requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname");
    });

    it("makes each node wait for its host's ready resources and the gate after the previous node (VM nodes included)", () => {
        const order = creationOrder(topology).map((n) => n.name);
        assert.deepEqual(run.result.cluster.creationOrder, order);
        const isVm = (n: string) => topology.nodes.find((x) => x.name === n)!.platform === "vm";
        const chainUrn = (n: string) => (isVm(n) ? one(run.records, "random:index/randomPet:RandomPet", `mz-${n}-vm`).urn : one(run.records, T.sts, `mz-${n}-sts`).urn);
        for (let i = 0; i < order.length; i++) {
            const node = topology.nodes.find((x) => x.name === order[i])!;
            const self = isVm(node.name) ? one(run.records, "random:index/randomPet:RandomPet", `mz-${node.name}-vm`) : one(run.records, T.sts, `mz-${node.name}-sts`);
            if (!isVm(node.name)) {
                const scs = ofType(run.records, T.sc).filter((r) => r.name.startsWith(`mz-${node.site}-`)).map((r) => r.urn);
                for (const sc of scs) assert.ok(self.dependencies.includes(sc), `${node.name} waits for ${sc}`);
            }
            if (i === 0) continue;
            // previous node → gate → this node; the gate also waits for the previous node's load balancer.
            const gate = one(run.records, T.job, `mz-gate-${node.name}`);
            assert.ok(gate.dependencies.includes(chainUrn(order[i - 1])), `gate before ${node.name} waits for ${order[i - 1]}`);
            if (!isVm(order[i - 1])) assert.ok(gate.dependencies.includes(one(run.records, T.svc, `mz-${order[i - 1]}-internal-lb`).urn));
            assert.ok(self.dependencies.includes(gate.urn), `${node.name} waits for its gate`);
            assert.ok(!self.dependencies.includes(chainUrn(order[i - 1])), "through the gate only");
        }
        const vmIndex = order.indexOf("axon-vm");
        assert.ok(vmIndex > 0, "the VM node is in the chain, gated by a Job on the previous node's Kubernetes site");
        const [call] = run.result.vmCalls;
        assert.equal(call.node, "axon-vm");
        assert.ok(call.step.tls && call.licensed, "the VM placer gets the certificate and the license from the cluster");
    });

    it("creates each internal load balancer after its StatefulSet, publishing not-ready addresses", () => {
        // The LB Service is awaited until its endpoints target a pod and it has an address
        // (provider/pkg/await/service.go); peers and clients reach the node through it, so a starting node
        // must stay reachable (docs v2024.2 clustering: both addresses "must resolve to the node").
        for (const node of topology.nodes.filter((n) => n.platform !== "vm")) {
            const names = [`mz-${node.name}-internal-lb`, ...(node.site === "us" ? [`mz-${node.name}-internal-peer-lb`] : [])];
            for (const lb of names.map((n) => one(run.records, T.svc, n))) {
                assert.ok(lb.dependencies.includes(one(run.records, T.sts, `mz-${node.name}-sts`).urn), lb.name);
                assert.equal(inputs(lb).spec.type, "LoadBalancer");
                assert.equal(inputs(lb).spec.publishNotReadyAddresses, true, lb.name);
            }
        }
    });

    it("issues a CA and per-node certificates with the node's SANs, mounted from a TLS Secret", () => {
        const ca = inputs(one(run.records, "tls:index/selfSignedCert:SelfSignedCert", "mz-tls-ca"));
        assert.equal(ca.isCaCertificate, true);
        const csr = inputs(one(run.records, "tls:index/certRequest:CertRequest", "mz-tls-axon-1-csr"));
        assert.deepEqual(csr.dnsNames, ["axon-1.mz.axon.internal", "axon-1", "axon-1.axonserver.svc.cluster.local"]);
        const secret = one(run.records, T.secret, "mz-axon-1-tls");
        const s = inputs(secret);
        assert.equal(s.type, "kubernetes.io/tls");
        assert.deepEqual(Object.keys(s.stringData).sort(), ["ca.crt", "tls.crt", "tls.key"]);
        assert.match(s.stringData["tls.key"], /BEGIN PRIVATE KEY/);
        assert.ok(!JSON.stringify(redactSecrets(secret.inputs)).includes("BEGIN PRIVATE KEY"), "the key is a wrapped secret");
        const c = container(one(run.records, T.sts, "mz-axon-1-sts"));
        assert.ok(c.volumeMounts.some((m: J) => m.mountPath === "/axonserver/tls" && m.readOnly));
    });

    it("mounts the license and points AXONIQ_LICENSE at it", () => {
        const lic = inputs(one(run.records, T.secret, "mz-eu-license"));
        assert.equal(lic.stringData["axoniq.license"], LICENSE);
        const c = container(one(run.records, T.sts, "mz-axon-2-sts"));
        const env = Object.fromEntries(c.env.map((e: J) => [e.name, e.value]));
        assert.equal(env.AXONIQ_LICENSE, "/axonserver/license/axoniq.license");
        assert.ok(c.volumeMounts.some((m: J) => m.mountPath === "/axonserver/license" && m.readOnly));
        for (const cm of ofType(run.records, T.cm)) assert.ok(!JSON.stringify(unwrapSecrets(cm.inputs)).includes(LICENSE));
    });

    it("gives every node on a cloud host its own internal load balancer, as the host says", () => {
        const lbs = ofType(run.records, T.svc).filter((r) => inputs(r).spec.type === "LoadBalancer");
        // axon-4 is reached from no other site, but its private DNS name needs a routable address too.
        assert.deepEqual(lbs.map((r) => r.name).sort(), [
            "mz-axon-1-internal-lb",
            "mz-axon-2-internal-lb",
            "mz-axon-3-internal-lb",
            "mz-axon-4-internal-lb",
            "mz-axon-us-internal-health-lb",
            "mz-axon-us-internal-lb",
            "mz-axon-us-internal-peer-lb",
        ]);
        const aws = inputs(one(run.records, T.svc, "mz-axon-1-internal-lb"));
        assert.equal(aws.metadata.name, "axon-1-internal");
        assert.equal(aws.spec.externalTrafficPolicy, "Local");
        assert.deepEqual(aws.spec.ports.map((p: J) => p.port), [8124, 8224, 8025]);
    });

    it("splits a GKE node's internal load balancer per port, on one reserved shared address", () => {
        // GKE writes one VPC firewall rule per LoadBalancer Service from `loadBalancerSourceRanges`, for all
        // of its ports (cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters,
        // "Firewall rules and source IP address allowlist"): one Service per port keeps 8124 to client
        // ranges and 8224 to peer ranges. Both name the node's SHARED_LOADBALANCER_VIP address (one
        // internal address across up to ten forwarding rules: cloud.google.com/load-balancing/docs/internal/
        // multiple-forwarding-rules-same-ip), so one DNS name serves both ports.
        const client = inputs(one(run.records, T.svc, "mz-axon-us-internal-lb"));
        const peer = inputs(one(run.records, T.svc, "mz-axon-us-internal-peer-lb"));
        assert.deepEqual([client.metadata.name, peer.metadata.name], ["axon-us-internal", "axon-us-internal-peer"]);
        for (const svc of [client, peer]) {
            assert.deepEqual(svc.metadata.annotations, { ...INTERNAL_LB_ANNOTATIONS["gcp-internal"], [GKE_LB_IP_ADDRESSES_ANNOTATION]: US_LB_ADDRESS_NAME });
            assert.equal(svc.metadata.annotations["networking.gke.io/internal-load-balancer-allow-global-access"], "true");
            assert.equal(svc.spec.externalTrafficPolicy, "Local");
        }
        assert.deepEqual(client.spec.ports.map((p: J) => [p.port, p.targetPort]), [[8124, "grpc"]]);
        assert.deepEqual(peer.spec.ports.map((p: J) => [p.port, p.targetPort]), [[8224, "internal-grpc"]]);
        const cidr = (site: string) => topology.sites.find((x) => x.name === site)!.cidr;
        // 8224: every site sharing a replication group with us (eu, us, dr).
        assert.deepEqual(peer.spec.loadBalancerSourceRanges, [cidr("eu"), cidr("us"), cidr("dr")].sort());
        // 8124: no client connects to us; an empty list would mean "from anywhere", so only its own range.
        assert.deepEqual(client.spec.loadBalancerSourceRanges, [cidr("us")]);
        // The health relay's port: its own Service (so GKE admits only its sources on it), on the same
        // address, from the other Kubernetes sites sharing a group (eu), never the VM site or the node's own.
        const health = inputs(one(run.records, T.svc, "mz-axon-us-internal-health-lb"));
        assert.equal(health.metadata.name, "axon-us-internal-health");
        assert.deepEqual(health.metadata.annotations, { ...INTERNAL_LB_ANNOTATIONS["gcp-internal"], [GKE_LB_IP_ADDRESSES_ANNOTATION]: US_LB_ADDRESS_NAME });
        assert.deepEqual([health.spec.type, health.spec.externalTrafficPolicy, health.spec.publishNotReadyAddresses], ["LoadBalancer", "Local", true]);
        assert.deepEqual(health.spec.ports.map((p: J) => [p.port, p.targetPort, p.protocol]), [[8025, "health-relay", "TCP"]]);
        assert.deepEqual(health.spec.loadBalancerSourceRanges, [cidr("eu")]);
        // "you can use a shared internal IP address across up to ten forwarding rules"
        // (https://cloud.google.com/load-balancing/docs/internal/multiple-forwarding-rules-same-ip): three here.
        const sharing = ofType(run.records, T.svc).filter((r) => inputs(r).metadata.annotations?.[GKE_LB_IP_ADDRESSES_ANNOTATION] === US_LB_ADDRESS_NAME);
        assert.equal(sharing.length, 3);
        assert.ok(sharing.length <= 10);
        // AWS keeps one NLB with every port.
        assert.equal(ofType(run.records, T.svc).filter((r) => r.name === "mz-axon-1-internal-peer-lb").length, 0);
    });

    it("pins a GKE node's load balancers to the reserved address by name (annotation), not by the deprecated spec.loadBalancerIP", () => {
        // Kubernetes Service API (kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/):
        // `loadBalancerIP` "Deprecated: This field was under-specified and its meaning varies across
        // implementations ... Users are encouraged to use implementation-specific annotations when available."
        // GKE's is `networking.gke.io/load-balancer-ip-addresses`, the names of reserved regional addresses
        // (ingress-gce pkg/l4/annotations/l4_static_address.go `StaticL4AddressesAnnotationKey`, "comma separate
        // names of IP Addresses reserved in google cloud"); the L4 ILB controller takes it before
        // `.Spec.LoadBalancerIP` ("old field, was deprecated") and records a "MixedStaticIP" event when both are
        // set ("Consider using annotation only"; pkg/l4/address/to_use.go `IPv4ToUse`). The controller holds a
        // named address as the user's (never releases it: pkg/l4/address/manager.go `HoldAddress`).
        for (const logical of ["mz-axon-us-internal-lb", "mz-axon-us-internal-peer-lb", "mz-axon-us-internal-health-lb"]) {
            const svc = inputs(one(run.records, T.svc, logical));
            assert.equal(svc.metadata.annotations[GKE_LB_IP_ADDRESSES_ANNOTATION], US_LB_ADDRESS_NAME, logical);
            assert.equal(GKE_LB_IP_ADDRESSES_ANNOTATION, "networking.gke.io/load-balancer-ip-addresses");
            assert.equal(svc.spec.loadBalancerIP, undefined, logical);
            // Still the internal passthrough NLB annotation GKE documents for "all supported versions".
            assert.equal(svc.metadata.annotations["networking.gke.io/load-balancer-type"], "Internal", logical);
            assert.equal(svc.spec.loadBalancerClass, undefined, logical);
        }
    });

    it("replaces a GKE node's load balancer Services delete-before-replace (fixed object names)", () => {
        // A replacement forced with `pulumi up --replace` never asks the provider (pulumi/pulumi
        // pkg/resource/deploy/step_generator.go `diff`: a targeted replace returns a diff without
        // DeleteBeforeReplace; only the resource option overrides it), so Pulumi would create the new
        // Service first. With server-side apply and no `upsertExistingObjects`, "Pulumi will error if a
        // resource already exists in the cluster" (node_modules/@pulumi/kubernetes/provider.d.ts): the
        // fixed `metadata.name` must be freed first. The AWS node's Service does the same.
        for (const logical of ["mz-axon-us-internal-lb", "mz-axon-us-internal-peer-lb", "mz-axon-us-internal-health-lb", "mz-axon-1-internal-lb"]) {
            const svc = one(run.records, T.svc, logical);
            assert.equal(typeof inputs(svc).metadata.name, "string", `${logical} has a fixed name`);
            assert.equal(svc.deleteBeforeReplace, true, logical);
        }
    });

    // The relay sidecar shares the pod's network namespace: it reaches Axon Server on 127.0.0.1:8024
    // ("Containers in the same Pod ... can communicate with one another using localhost",
    // https://kubernetes.io/docs/concepts/workloads/pods/#pod-networking), and a Service's `targetPort` may
    // name a container port of any container of the selected pods ("you can reference these names in the
    // targetPort attribute of a Service", https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports).
    // An EKS node's Service holds the relay's NodePort for the NLB's 8025 target group; kube-proxy opens a
    // NodePort on every worker (https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport).
    it("runs the health relay sidecar in every Axon pod of both Kubernetes sites, restricted, counted, on its named port", () => {
        for (const node of ["axon-1", "axon-4", "axon-us"]) {
            const sts = inputs(one(run.records, T.sts, `mz-${node}-sts`));
            const relay = sts.spec.template.spec.containers.find((c: J) => c.name === "health-relay");
            assert.ok(relay, `${node} runs the relay`);
            assert.equal(relay.image, registryImage(topology.imageRegistry, GATE_IMAGE), "the gate Jobs' official Node.js image");
            assert.deepEqual(relay.command, ["node", "/relay/healthRelay.mjs"]);
            const env = Object.fromEntries(relay.env.map((e: J) => [e.name, e.value]));
            assert.deepEqual([env.RELAY_PORT, env.RELAY_UPSTREAM], ["8025", "http://127.0.0.1:8024"]);
            assert.deepEqual(relay.ports, [{ name: "health-relay", containerPort: 8025, protocol: "TCP" }]);
            assert.deepEqual(relay.securityContext, containerSecurityContext());
            assert.deepEqual(relay.resources, HEALTH_RELAY_RESOURCES);
            assert.equal(relay.livenessProbe, undefined);
            const volume = sts.spec.template.spec.volumes.find((v: J) => v.name === "health-relay");
            assert.deepEqual(volume.configMap, { name: `${node}-health-relay`, defaultMode: 0o444, items: [{ key: "healthRelay.mjs", path: "healthRelay.mjs" }] });
            assert.deepEqual(relay.volumeMounts, [{ name: "health-relay", mountPath: "/relay", readOnly: true }]);
            const cm = inputs(one(run.records, T.cm, `mz-${node}-health-relay`));
            // The relay alone: a gate script change must not rewrite every node's relay ConfigMap.
            assert.deepEqual(Object.keys(cm.data), ["healthRelay.mjs"]);
            assert.equal(cm.data["healthRelay.mjs"], HEALTH_RELAY_SCRIPT);
            // No other container listens on 8025 (Axon Server: 8024, 8124, 8224).
            const others = sts.spec.template.spec.containers.filter((c: J) => c !== relay).flatMap((c: J) => (c.ports ?? []).map((p: J) => p.containerPort));
            assert.ok(!others.includes(8025));
        }
        const aws = inputs(one(run.records, T.svc, "mz-axon-2-internal-lb"));
        const slot = topology.nodes.find((n) => n.name === "axon-2")!.nodePortSlot!;
        assert.deepEqual(aws.spec.ports.find((p: J) => p.port === 8025), { name: "health-relay", port: 8025, targetPort: "health-relay", protocol: "TCP", nodePort: 30063 + slot });
        // What the NLB forwards arrives from its subnets (no client IP preservation): 8025 too.
        const nlbPolicy = inputs(one(run.records, T.netpol, "mz-axon-2-nlb-netpol"));
        assert.deepEqual(nlbPolicy.spec.ingress[0].ports.map((p: J) => p.port), [8124, 8224, 8025]);
    });

    it("exposes every node as a handle, the VM included; the DNS target is the NLB's host name on AWS and the reserved address on GKE", async () => {
        const nodes = run.result.cluster.nodes;
        assert.deepEqual(Object.keys(nodes), topology.nodes.map((n) => n.name));
        assert.equal(nodes["axon-vm"].node.platform, "vm");
        assert.deepEqual(await outputValue(nodes["axon-1"].dnsTarget!), { hostname: "axon-1-internal.elb.amazonaws.com" });
        assert.deepEqual(await outputValue(nodes["axon-us"].dnsTarget!), { ip: US_LB_ADDRESS });
        // What the next node waits for: the pod and every address peers reach the node through.
        const urns = async (rs: readonly pulumi.Resource[]) => Promise.all(rs.map((r) => outputValue(r.urn)));
        assert.deepEqual(await urns(nodes["axon-us"].ready), [
            one(run.records, T.sts, "mz-axon-us-sts").urn,
            one(run.records, T.svc, "mz-axon-us-internal-lb").urn,
            one(run.records, T.svc, "mz-axon-us-internal-peer-lb").urn,
            one(run.records, T.svc, "mz-axon-us-internal-health-lb").urn,
        ]);
        assert.equal(nodes["axon-1"].machine, undefined, "pods run as the site's ServiceAccount");
    });

    it("reports load balancer addresses in the node endpoints", async () => {
        const endpoints = await outputValue(run.result.cluster.nodeEndpoints);
        assert.deepEqual(Object.keys(endpoints), topology.nodes.map((n) => n.name));
        assert.deepEqual(endpoints["axon-1"].loadBalancer, { hostname: "axon-1-internal.elb.amazonaws.com" });
        assert.deepEqual(endpoints["axon-us"].loadBalancer, { ip: US_LB_ADDRESS });
        assert.deepEqual(endpoints["axon-4"].loadBalancer, { hostname: "axon-4-internal.elb.amazonaws.com" });
        assert.equal(endpoints["axon-vm"].fqdn, "axon-vm.mz.axon.internal");
        assert.match((await outputValue(run.result.cluster.caCertificate)) ?? "", /BEGIN CERTIFICATE/);
    });

    it("admits only client ranges and client namespaces of the region on 8124 (load balancers keep source addresses)", () => {
        const np = inputs(one(run.records, T.netpol, "mz-eu-netpol"));
        const byPort = Object.fromEntries(np.spec.ingress.map((r: J) => [r.ports[0].port, r.from]));
        assert.deepEqual(byPort[8124], [
            { ipBlock: { cidr: "10.50.0.0/16" } },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } } },
        ]);
        assert.deepEqual(byPort[8224].slice(1), [{ ipBlock: { cidr: "10.0.0.0/16" } }, { ipBlock: { cidr: "10.1.0.0/16" } }, { ipBlock: { cidr: "10.2.0.0/16" } }]);
        const us = inputs(one(run.records, T.netpol, "mz-us-netpol"));
        // us holds no client-facing role: 8124 stays closed; the relay admits eu's Jobs (GKE keeps their address).
        assert.deepEqual(us.spec.ingress.map((r: J) => r.ports[0].port), [8224, 8024, 8025]);
        assert.deepEqual(us.spec.ingress[2].from, [{ ipBlock: { cidr: topology.sites.find((x) => x.name === "eu")!.cidr } }]);
        assert.deepEqual(byPort[8025], [{ ipBlock: { cidr: topology.sites.find((x) => x.name === "us")!.cidr } }]);
    });

    it("generates secret tokens and keeps them out of ConfigMaps and env", async () => {
        const admin = await outputValue(run.result.cluster.adminToken);
        const internal = await outputValue(run.result.cluster.internalToken);
        assert.equal(admin.length, 48);
        assert.notEqual(admin, internal);
        assert.equal(await pulumi.isSecret(run.result.cluster.adminToken), true);
        for (const r of [...ofType(run.records, T.cm), ...ofType(run.records, T.sts)]) {
            const text = JSON.stringify(unwrapSecrets(r.inputs));
            assert.ok(!text.includes(admin) && !text.includes(internal), `${r.name} leaks a token`);
        }
    });

    it("storage classes retain their volumes and bind in the pod's zone", () => {
        const sc = inputs(one(run.records, T.sc, "mz-eu-fast"));
        assert.deepEqual(
            { reclaimPolicy: sc.reclaimPolicy, allowVolumeExpansion: sc.allowVolumeExpansion, volumeBindingMode: sc.volumeBindingMode },
            { reclaimPolicy: "Retain", allowVolumeExpansion: true, volumeBindingMode: "WaitForFirstConsumer" },
        );
    });
});

describe("kubernetes: AxonServerCluster argument errors", () => {
    it("rejects nodes without a placer and Kubernetes nodes without a host, all at once, before any placer creates anything", async () => {
        const topology = multiZoneTopology();
        let attached = 0;
        await assert.rejects(
            runUnderMocks({ stack: "err" }, () => {
                const provider = new k8s.Provider("err-k8s", {});
                const h: KubernetesHost = { site: "eu", provider, storageClassNames: { fast: "a", standard: "b", cold: "c" }, readyResources: [], internalLoadBalancer: "none" };
                const k8sPlacer = kubernetesPlacer({ hosts: { eu: h } });
                const spy: NodePlacer = { ...k8sPlacer, attach: (c) => (attached++, k8sPlacer.attach(c)) };
                return new AxonServerCluster("err", { topology, secrets: {}, placers: [spy] });
            }),
            (e: Error) => {
                assert.match(e.message, /node axon-vm \(site dr, platform vm\): no placer handles it \(placers: kubernetes\)/);
                assert.match(e.message, /node axon-us: site us \(gke\) has no Kubernetes host/);
                assert.match(e.message, /axonServer\.licensed is set but no license secret was given/);
                return true;
            },
        );
        assert.equal(attached, 0);
    });

    it("rejects a node two placers claim", async () => {
        const topology = localTopology();
        await assert.rejects(
            runUnderMocks({ stack: "err2" }, () => {
                const hosts = Object.fromEntries(topology.sites.map((s) => [s.name, existingClusterHost(s, topology)]));
                return new AxonServerCluster("err2", { topology, secrets: {}, placers: [kubernetesPlacer({ hosts }), { ...kubernetesPlacer({ hosts }), name: "other" }] });
            }),
            /node axonserver-1: placed by several placers \(kubernetes, other\)/,
        );
    });

    it("rejects a Kubernetes node whose site has no host", async () => {
        const topology = localTopology();
        await assert.rejects(
            runUnderMocks({ stack: "err3" }, () => new AxonServerCluster("err3", { topology, secrets: {}, placers: [kubernetesPlacer({ hosts: {} })] })),
            /node axonserver-1: site kind \(kubernetes\) has no Kubernetes host/,
        );
    });
});
