/**
 * The roller script (components/kubernetes/gate/roller.mjs) against two loopback stubs: a Kubernetes API
 * server over HTTPS (StatefulSets with `status.updateRevision`, pods labelled `controller-revision-hash`,
 * pod DELETE with a uid precondition, bearer-token auth) and Axon Server's `/actuator/health` with the
 * `raft` details the rolling gate reads.
 *
 * Platform rules the stub follows:
 * - OnDelete: "The StatefulSet controller will not automatically update the Pods in a StatefulSet. Users
 *   must manually delete Pods to cause the controller to create new Pods that reflect modifications made
 *   to a StatefulSet's .spec.template" (kubernetes.io/docs/concepts/workloads/controllers/statefulset/
 *   #update-strategies): a pod changes revision only when deleted; the controller recreates it, with a new
 *   uid, from `status.updateRevision`, recorded in the pod label `controller-revision-hash`
 *   (kubernetes pkg/controller/statefulset/stateful_set_utils.go `getPodRevision` / `newVersionedStatefulSetPod`).
 * - DeleteOptions `preconditions.uid`: a mismatch answers 409 Conflict (apimachinery `Preconditions`).
 * - Axon's raft health details: `<g>.leader`, `<g>.status` (BEHIND), on the leader
 *   `<g>.follower.<n>.status` = UP | BEHIND | NO_ACK_RECEIVED (EE `RaftHealthIndicator` / `LeaderState.health`,
 *   AxonIQ/axon-server-se tag axonserver-ee-4.4.2).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { selects } from "./support/labelSelector";

const ROLLER = path.resolve(__dirname, "../components/kubernetes/gate/roller.mjs");
const importEsm = new Function("p", "return import(p)") as (p: string) => Promise<RollerModule>;

interface Api {
    request(method: string, path: string, body?: object): Promise<{ status: number; body: unknown; text: string }>;
}
interface RollerModule {
    roll(cfg: object, deps: { api: Api; health: (n: string) => Promise<object | null>; log: (s: string) => void; readOverride: () => string; sleep: (ms: number) => Promise<void>; now: () => number }): Promise<number>;
    kubeClient(env: Record<string, string | undefined>): Promise<Api>;
    overrideFor(text: string, key: string, node: string): string | null;
}

const TOKEN = "roller-test-token";
const NS = "axonserver";
const OVERRIDE = "axonserver-multiregion/gate-override";
const PRIMARIES = ["a1", "a2", "a3"];
const GROUPS = [
    { name: "_admin", members: PRIMARIES.map((node) => ({ node, role: "PRIMARY" })) },
    {
        name: "orders",
        members: [
            ...PRIMARIES.map((node) => ({ node, role: "PRIMARY" })),
            { node: "ab1", role: "ACTIVE_BACKUP" },
            { node: "ab2", role: "ACTIVE_BACKUP" },
            { node: "sec", role: "SECONDARY" },
        ],
    },
];
const NODES = ["a1", "a2", "a3", "ab1", "ab2", "sec"];
/** Well-known zone label (kubernetes.io/docs/reference/labels-annotations-taints/#topologykubernetesiozone). */
const ZONE = "topology.kubernetes.io/zone";
/** EKS's node group label ("eks.amazonaws.com/nodegroup=$nodeGroupName", EKS user guide). */
const POOL = "eks.amazonaws.com/nodegroup";
const AZ = "eu-west-1a";
/** Update order (least critical first, `a1` = the template's first last). */
const ORDER = ["sec", "ab1", "ab2", "a2", "a3", "a1"];

type Health = "UP" | "DOWN" | "BEHIND";

/** A self-signed serving certificate for 127.0.0.1 (also its own CA), made with openssl. */
function selfSigned(dir: string): { key: string; cert: string } {
    const r = spawnSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        { cwd: dir, encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    return { key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") };
}

describe("roller (script against a stub Kubernetes API and a stub of Axon's /actuator/health)", function () {
    this.timeout(30000);
    let roller: RollerModule;
    let api: https.Server;
    let axon: http.Server;
    let saDir: string;
    let apiPort: number;
    let axonBase: string;
    // Cluster state, reset per test.
    let health: Record<string, Health>;
    /** `ready`: the Axon container's readiness (the pod is Ready only when its sidecars are too). */
    let pods: Record<string, { uid: string; revision: string; ready: boolean } | null>;
    let sts: Record<string, { generation: number; observedGeneration: number; updateRevision: string; pool: string }>;
    /** The health relay sidecar's readiness in every pod (false: crash-looping, or its image cannot be pulled). */
    let relayReady: boolean;
    /** Whether the Axon container of a pod the controller recreates gets ready. */
    let newPodReady: boolean;
    /** The cluster's workers (GET /api/v1/nodes). */
    /** `labels`: extra labels; one set to undefined removes a default label (hostname, zone, pool). */
    let workers: { name: string; zone: string; pool: string; ready: boolean; unschedulable?: boolean; taints?: object[]; labels?: Record<string, string | undefined> }[];
    /** Query strings of every node list (`labelSelector`, `resourceVersion`). */
    let nodeQueries: URLSearchParams[];
    /** Called with every node list's query string before the stub answers it. */
    let onNodeList: ((query: URLSearchParams) => void) | undefined;
    /** Label selectors of every pod list in the namespace. */
    let podQueries: string[];
    /** The worker each pod runs on (`spec.nodeName`); absent: not bound. */
    let podNode: Record<string, string>;
    /** A pod's `status.phase` other than Running (bound) / Pending (unbound). */
    let podPhase: Record<string, string>;
    /** Node affinity terms after the template's zone-and-pool term (terms are ORed). */
    let extraTerms: object[];
    /** The pod template's required pod anti-affinity (podSpec.ts `axonAffinity` with `requireSeparateWorkers`). */
    let antiAffinity: boolean;
    /** Node affinity expressions added to the template's one term. */
    let extraExpressions: object[];
    /** `workers`: the Ready, uncordoned workers of the StatefulSet's pool in the zone when the DELETE came. */
    /** `nodeQueries`: how many node lists came before the DELETE. */
    let deleted: { node: string; othersDown: string[]; workers?: string[]; nodeQueries?: number }[];
    let recoverAs: Health;
    let uidSeq: number;
    /** Evicts (replaces) this node's pod just before the roller's DELETE arrives, at the given revision. */
    let evictBeforeDelete: { node: string; revision: "old" | "new"; workerDownMs?: number } | undefined;

    /** The leader reports this node UP on these of its own health answers (1-based): the window after an election. */
    let flicker: { node: string; answers: number[] } | undefined;
    let leaderAnswers: number;
    const leader = () => PRIMARIES.find((n) => health[n] === "UP");
    const details = (n: string): Record<string, string> | null => {
        if (health[n] === "DOWN") return null;
        const d: Record<string, string> = {};
        const l = leader();
        const answer = n === l ? ++leaderAnswers : 0;
        for (const g of GROUPS) {
            if (!g.members.some((m) => m.node === n)) continue;
            d[`${g.name}.leader`] = l ?? "None";
            if (health[n] === "BEHIND") d[`${g.name}.status`] = "BEHIND";
            if (n === l) {
                for (const m of g.members) {
                    if (m.node === n) continue;
                    const h = flicker?.node === m.node && flicker.answers.includes(answer) ? "UP" : health[m.node];
                    d[`${g.name}.follower.${m.node}.status`] = h === "UP" ? "UP" : h === "BEHIND" ? "BEHIND" : "NO_ACK_RECEIVED";
                }
            }
        }
        return d;
    };

    before(async () => {
        roller = await importEsm(ROLLER);
        saDir = fs.mkdtempSync(path.join(os.tmpdir(), "roller-sa-"));
        const { key, cert } = selfSigned(saDir);
        fs.writeFileSync(path.join(saDir, "ca.crt"), cert);
        fs.writeFileSync(path.join(saDir, "token"), `${TOKEN}\n`);
        api = https.createServer({ key, cert }, (req, res) => {
            const send = (status: number, body: object) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
            if (req.headers.authorization !== `Bearer ${TOKEN}`) return void send(401, { kind: "Status", code: 401 });
            let raw = "";
            req.on("data", (c) => (raw += c));
            req.on("end", () => {
                const url = new URL(req.url ?? "", "https://api");
                // Label selectors in every form the API server accepts (support/labelSelector.ts).
                const fieldSelects = (field: string | null, name: string) => {
                    if (field === null) return true;
                    const m = /^metadata\.name=(.+)$/.exec(field);
                    assert.ok(m, `stub: unexpected field selector ${field}`);
                    return m[1] === name;
                };
                if (url.pathname === "/api/v1/nodes" && req.method === "GET") {
                    nodeQueries.push(url.searchParams);
                    onNodeList?.(url.searchParams);
                    const all = workers.map((w) => ({ ...w, all: { "kubernetes.io/hostname": w.name, [ZONE]: w.zone, [POOL]: w.pool, ...w.labels } }));
                    return void send(200, {
                        kind: "NodeList",
                        // A `metadata.name=<node>` field selector lists that node only (kubernetes.io/docs/concepts/
                        // overview/working-with-objects/field-selectors/); the script sends no other field selector.
                        items: all.filter((w) => selects(url.searchParams.get("labelSelector"), w.all) && fieldSelects(url.searchParams.get("fieldSelector"), w.name)).map((w) => ({
                            metadata: { name: w.name, labels: w.all },
                            spec: { ...(w.unschedulable ? { unschedulable: true } : {}), ...(w.taints ? { taints: w.taints } : {}) },
                            status: { conditions: [{ type: "Ready", status: w.ready ? "True" : "False" }] },
                        })),
                    });
                }
                if (url.pathname === `/api/v1/namespaces/${NS}/pods` && req.method === "GET") {
                    const selector = url.searchParams.get("labelSelector");
                    podQueries.push(selector ?? "");
                    const items = Object.entries(pods)
                        .filter(([, p]) => p !== null)
                        .map(([n, p]) => ({ metadata: { name: `${n}-0`, uid: p!.uid, labels: { app: "axon", site: "eu", node: n } }, spec: podNode[n] ? { nodeName: podNode[n] } : {}, status: { phase: podPhase[n] ?? (podNode[n] ? "Running" : "Pending") } }))
                        .filter((p) => selects(selector, p.metadata.labels));
                    return void send(200, { kind: "PodList", items });
                }
                const m = /^\/(?:apis\/apps\/v1|api\/v1)\/namespaces\/([^/]+)\/(statefulsets|pods)\/([^/?]+)$/.exec(req.url ?? "");
                if (!m || m[1] !== NS) return void send(404, { kind: "Status", code: 404 });
                const [, , kind, name] = m;
                if (kind === "statefulsets" && req.method === "GET") {
                    const s = sts[name];
                    if (!s) return void send(404, { code: 404 });
                    // The pod template pins the pod to its zone and its zone's worker pool (components/kubernetes/podSpec.ts `axonAffinity`).
                    const affinity = {
                        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: "In", values: [AZ] }, { key: POOL, operator: "In", values: [s.pool] }, ...extraExpressions] }, ...extraTerms] } },
                        ...(antiAffinity ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "axon", site: "eu" } }, topologyKey: "kubernetes.io/hostname" }] } } : {}),
                    };
                    return void send(200, {
                        metadata: { name, generation: s.generation },
                        spec: { replicas: 1, template: { spec: { affinity, containers: [{ name: "axonserver" }, { name: "health-relay" }] } } },
                        status: { observedGeneration: s.observedGeneration, updateRevision: s.updateRevision, replicas: 1 },
                    });
                }
                const node = name.replace(/-0$/, "");
                const p = pods[node];
                if (kind === "pods" && req.method === "GET") {
                    if (!p) return void send(404, { code: 404 });
                    return void send(200, {
                        metadata: { name, uid: p.uid, labels: { "controller-revision-hash": p.revision } },
                        status: {
                            conditions: [{ type: "Ready", status: p.ready && relayReady ? "True" : "False" }],
                            containerStatuses: [
                                { name: "axonserver", ready: p.ready },
                                { name: "health-relay", ready: relayReady },
                            ],
                        },
                    });
                }
                if (kind === "pods" && req.method === "DELETE") {
                    if (!p) return void send(404, { code: 404 });
                    if (evictBeforeDelete?.node === node) {
                        // Someone else's delete (an eviction) won the race: the controller already made a new pod.
                        const revision = evictBeforeDelete.revision === "new" ? sts[node].updateRevision : p.revision;
                        if (evictBeforeDelete.workerDownMs) {
                            // The eviction was a drain of the new pool's worker: it is cordoned for a while.
                            const w = workers.find((x) => x.name === "w-new")!;
                            w.unschedulable = true;
                            setTimeout(() => (w.unschedulable = false), evictBeforeDelete.workerDownMs);
                        }
                        evictBeforeDelete = undefined;
                        const evicted = { uid: `uid-${++uidSeq}`, revision, ready: false };
                        pods[node] = evicted;
                        health[node] = "DOWN";
                        setTimeout(() => (evicted.ready = true), 30);
                        setTimeout(() => (health[node] = recoverAs), 60);
                    }
                    const opts = JSON.parse(raw || "{}");
                    if (opts.preconditions?.uid !== pods[node]!.uid) return void send(409, { code: 409, reason: "Conflict" });
                    deleted.push({ node, nodeQueries: nodeQueries.length, othersDown: NODES.filter((n) => n !== node && health[n] !== "UP"), workers: workers.filter((w) => w.ready && !w.unschedulable && w.zone === AZ && w.pool === sts[node].pool).map((w) => w.name) });
                    delete podNode[node];
                    pods[node] = null;
                    health[node] = "DOWN";
                    // The controller recreates the pod from the update revision; Axon catches up a bit later.
                    setTimeout(() => (pods[node] = { uid: `uid-${++uidSeq}`, revision: sts[node].updateRevision, ready: newPodReady }), 30);
                    setTimeout(() => (health[node] = recoverAs), 60);
                    return void send(200, { kind: "Pod", metadata: { name } });
                }
                send(405, { code: 405 });
            });
        });
        await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
        apiPort = (api.address() as { port: number }).port;
        axon = http.createServer((req, res) => {
            const [, node, ...rest] = (req.url ?? "").split("/");
            if (rest.join("/") !== "actuator/health" || !(node in health)) return void res.writeHead(404).end();
            const d = details(node);
            if (d === null) return void req.socket.destroy();
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "UP", components: { raft: { status: "UP", details: d } } }));
        });
        await new Promise<void>((r) => axon.listen(0, "127.0.0.1", r));
        axonBase = `http://127.0.0.1:${(axon.address() as { port: number }).port}`;
    });
    after(async () => {
        await new Promise<void>((r) => api.close(() => r()));
        await new Promise<void>((r) => axon.close(() => r()));
        fs.rmSync(saDir, { recursive: true, force: true });
    });
    beforeEach(() => {
        flicker = undefined;
        leaderAnswers = 0;
        uidSeq = 100;
        recoverAs = "UP";
        evictBeforeDelete = undefined;
        deleted = [];
        health = Object.fromEntries(NODES.map((n) => [n, "UP" as Health]));
        // A spec update under OnDelete: new update revision, every pod still at the old one.
        sts = Object.fromEntries(NODES.map((n) => [n, { generation: 2, observedGeneration: 2, updateRevision: `${n}-new`, pool: "pool-b" }]));
        relayReady = true;
        newPodReady = true;
        workers = [
            { name: "w-old", zone: AZ, pool: "pool-a", ready: true },
            { name: "w-new", zone: AZ, pool: "pool-b", ready: true },
        ];
        nodeQueries = [];
        onNodeList = undefined;
        podQueries = [];
        podNode = {};
        podPhase = {};
        extraTerms = [];
        antiAffinity = false;
        extraExpressions = [];
        pods = Object.fromEntries(NODES.map((n, i) => [n, { uid: `uid-${i}`, revision: `${n}-old`, ready: true }]));
    });

    const env = (): Record<string, string> => ({ ROLLER_SERVICEACCOUNT_DIR: saDir, KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: String(apiPort) });
    const cfg = (nodes: string[], extra: object = {}) => ({
        site: "eu",
        namespace: NS,
        nodes: nodes.map((node) => ({ node, statefulSet: node })),
        groups: GROUPS,
        minActiveBackups: 1,
        endpoints: Object.fromEntries(NODES.map((n) => [n, `${axonBase}/${n}`])),
        timeoutSeconds: 2,
        intervalSeconds: 0.02,
        // Two passing polls at least this far apart pass an Axon check (production: 5 s).
        confirmSeconds: 0.01,
        overrideAnnotation: OVERRIDE,
        container: "axonserver",
        ...extra,
    });
    const health$ = async (url: string) => {
        const r = await fetch(`${url}/actuator/health`).catch(() => null);
        return r ? ((await r.json()) as object) : null;
    };
    const run = async (c: ReturnType<typeof cfg>, override: string | (() => string) = "") => {
        const lines: string[] = [];
        const code = await roller.roll(c, {
            api: await roller.kubeClient(env()),
            health: (n) => health$(c.endpoints[n as keyof typeof c.endpoints]),
            log: (s) => lines.push(s),
            readOverride: typeof override === "function" ? override : () => override,
            sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
            now: () => Date.now(),
        });
        return { code, out: lines.join("\n") };
    };

    it("restarts the pods in the given order, one at a time: each deleted only while every other node is UP", async () => {
        const r = await run(cfg(ORDER));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(
            deleted.map((d) => d.node),
            ORDER,
        );
        for (const d of deleted) assert.deepEqual(d.othersDown, [], `${d.node} was deleted while ${d.othersDown.join(", ")} was not UP`);
        for (const n of NODES) assert.equal(pods[n]!.revision, `${n}-new`, `${n} runs the update revision`);
        assert.match(r.out, /roller eu: done/);
    });

    it("skips pods already at the StatefulSet's update revision (a new cluster: nothing to delete)", async () => {
        pods.ab1!.revision = "ab1-new";
        pods.a3!.revision = "a3-new";
        const r = await run(cfg(ORDER));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(
            deleted.map((d) => d.node),
            ["sec", "ab2", "a2", "a1"],
        );
        assert.match(r.out, /ab1: pod ab1-0 already at revision ab1-new, skipped/);
        for (const n of NODES) pods[n]!.revision = `${n}-new`;
        deleted = [];
        assert.equal((await run(cfg(ORDER))).code, 0);
        assert.equal(deleted.length, 0, "nothing deleted");
    });

    it("waits for the StatefulSet controller to observe the latest generation before trusting updateRevision", async () => {
        sts.sec.observedGeneration = 1;
        sts.sec.updateRevision = "sec-old"; // stale status: would look up to date
        setTimeout(() => Object.assign(sts.sec, { observedGeneration: 2, updateRevision: "sec-new" }), 100);
        const r = await run(cfg(["sec"]));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(
            deleted.map((d) => d.node),
            ["sec"],
        );
    });

    it("never deletes a node its groups cannot lose; stops naming the node and what Axon reported", async () => {
        health.a2 = "DOWN"; // another PRIMARY is already gone: losing a3 too leaves 1 of 3
        const r = await run(cfg(["a3", "a1"], { timeoutSeconds: 0.1 }));
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        assert.match(r.out, /roller eu: FAILED at a3: a3: can be lost not reached after 0\.1s: _admin cannot lose a3: without it 1\/3 PRIMARY up \(needs 2\) in leader a1's view; not UP: a2=NO_ACK_RECEIVED/);
    });

    it("one passing poll of Axon's check is not enough: a down voter the leader reports UP once (just elected) never lets a node go", async () => {
        // A new leader reports every follower UP for up to its max election timeout (2500 ms by default:
        // axon-server-se tag axonserver-ee-4.4.2 `ReplicatorPeer`, `LeaderState.health`, `RaftProperties`).
        health.a2 = "DOWN";
        flicker = { node: "a2", answers: [1] };
        const r = await run(cfg(["a3"], { timeoutSeconds: 0.2, confirmSeconds: 0.05 }));
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        assert.match(r.out, /roller eu: a3: can be lost: passed once \(attempt 1\), not confirmed yet/);
        assert.match(r.out, /FAILED at a3: a3: can be lost not reached after 0\.2s: _admin cannot lose a3: without it 1\/3 PRIMARY up \(needs 2\) in leader a1's view; not UP: a2=NO_ACK_RECEIVED/);
        // Steadily UP: deleted once confirmed.
        flicker = undefined;
        health.a2 = "UP";
        const ok = await run(cfg(["a3"], { confirmSeconds: 0.05 }));
        assert.equal(ok.code, 0, ok.out);
        assert.match(ok.out, /roller eu: a3: can be lost: passed \(attempt \d+, confirmed after 0\.0[5-9]\d*s with the same leaders: _admin a1, orders a1\)/);
        assert.match(ok.out, /roller eu: a3: back in its groups: passed \(attempt \d+, confirmed after/);
    });

    it("never deletes a node whose other voters it cannot see (another Kubernetes cluster): fails closed, naming them and the override", async () => {
        // 3 PRIMARY on 3 clusters: this roller sees a3 (and the backups) only; a2 is in fact down.
        health.a2 = "DOWN";
        const endpoints = Object.fromEntries(["a3", "ab1", "ab2", "sec"].map((n) => [n, `${axonBase}/${n}`]));
        const r = await run(cfg(["a3"], { endpoints, timeoutSeconds: 0.1 }));
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        assert.match(
            r.out,
            /roller eu: FAILED at a3: a3: can be lost not reached after 0\.1s: _admin cannot lose a3: without it 0\/3 PRIMARY seen UP \(needs 2\) in their own views \(leader a1 not reachable from here\); not seen from this site: a1, a2 \(if they are up and caught up, override, audited: annotate this Job's pod axonserver-multiregion\/gate-override/,
        );
        // Even with every voter up, what it cannot see does not count: the override is the way on.
        health.a2 = "UP";
        assert.equal((await run(cfg(["a3"], { endpoints, timeoutSeconds: 0.1 }))).code, 1);
        // Two overrides: before the delete ("a3: …") and, a1 still out of sight, for a3's return ("a3 back: …").
        const o = await run(cfg(["a3"], { endpoints, timeoutSeconds: 5 }), () => `${OVERRIDE}="${deleted.length ? "a3 back" : "a3"}: INC-11 a1, a2 checked in the UI"\n`);
        assert.equal(o.code, 0, o.out);
        assert.match(o.out, /a3: back in its groups: OVERRIDDEN by annotation axonserver-multiregion\/gate-override="a3 back: INC-11/);
        assert.deepEqual(
            deleted.map((d) => d.node),
            ["a3"],
        );
    });

    it("'previous node back' fails closed when its group's leader cannot be asked: waits, then stops naming node, group, leader and override", async () => {
        // sec (restarted just before) says it follows a1 and is not behind, but only a1 knows whether it is
        // caught up; a1 is out of this Job's reach. The old fallback to sec's own view deleted ab1 here.
        const endpoints = Object.fromEntries(["a2", "a3", "ab1", "ab2", "sec"].map((n) => [n, `${axonBase}/${n}`]));
        const r = await run(cfg(["ab1"], { after: "sec", endpoints, timeoutSeconds: 0.1 }));
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        assert.match(
            r.out,
            /roller eu: FAILED at sec: sec: back in its groups not reached after 0\.1s: sec back in orders cannot be verified: its leader a1 could not be asked \(not reachable from this site\); sec's own view \(leader known, not behind\) is not enough \(if it reports sec UP, override, audited: .*gate-override="sec back: <reason>"/,
        );
        // The same check after a restart of the segment names that node's return in the override.
        const between = await run(cfg(["sec", "ab1"], { endpoints, timeoutSeconds: 0.2 }));
        assert.equal(between.code, 1, between.out);
        assert.match(between.out, /FAILED at sec: sec: back in its groups not reached after 0\.2s: sec back in orders cannot be verified: its leader a1 could not be asked.*gate-override="sec back: <reason>"/);
        assert.deepEqual(deleted.map((d) => d.node), ["sec"], "ab1 never deleted");
    });

    it("counts the group's members as Axon has them: a PRIMARY just added to the stack (not joined yet) does not stall a rerun", async () => {
        // The stack lists a4 as a fourth PRIMARY of _admin (its pod on another site, not created yet); Axon's
        // _admin still has a1, a2, a3 (the stub's leader lists those). Adding a node reruns the roller:
        // without a3, 2 of Axon's 3 are UP.
        const groups = [{ name: "_admin", members: [...GROUPS[0].members, { node: "a4", role: "PRIMARY" }] }, GROUPS[1]];
        const r = await run(cfg(["a3"], { groups }));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["a3"]);
        assert.match(r.out, /a3: can be lost: note: _admin: a4 is not a member yet \(new node\), not counted/);
    });

    it("a member Axon still has but the stack no longer lists (role unknown), down: the roller waits, naming it", async () => {
        // ab2 was removed from the stack (and its pod deleted) but is still a member of Axon's orders: the
        // leader reports it without ack. Its role is unknown: as a PRIMARY, orders has 4 and a3 cannot go.
        health.ab2 = "DOWN";
        const groups = [GROUPS[0], { name: "orders", members: GROUPS[1].members.filter((m) => m.node !== "ab2") }];
        const r = await run(cfg(["a3"], { groups, timeoutSeconds: 0.1 }));
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        assert.match(
            r.out,
            /FAILED at a3: a3: can be lost not reached after 0\.1s: orders cannot lose a3: without it 2\/4 PRIMARY up \(needs 3\), 1\/1 ACTIVE_BACKUP up \(needs 1\) in leader a1's view; not UP: ab2=NO_ACK_RECEIVED; members in Axon but not in the stack \(removed from the stack, not from Axon\?\): ab2, role unknown, .*DELETE \/v1\/cluster\/<node>; or, if the group can lose a3, override, audited: annotate this Job's pod axonserver-multiregion\/gate-override="a3: <reason>"/,
        );
    });

    it("a pod replaced by someone else before its DELETE (409 on the uid precondition) is followed, not a failure", async () => {
        evictBeforeDelete = { node: "sec", revision: "new" };
        let r = await run(cfg(["sec", "ab1"]));
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /sec: pod sec-0 is no longer the one checked \(HTTP 409 on the uid precondition\)/);
        assert.match(r.out, /sec: back in its groups: passed/);
        assert.deepEqual(
            deleted.map((d) => d.node),
            ["ab1"],
            "the evicted pod came back at the update revision: only ab1 deleted",
        );
        // Recreated from the old revision: the roller checks again and deletes the new pod.
        deleted = [];
        pods.ab2 = { uid: "uid-x", revision: "ab2-old", ready: true };
        evictBeforeDelete = { node: "ab2", revision: "old", workerDownMs: 200 };
        r = await run(cfg(["ab2"]));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(
            deleted.map((d) => d.node),
            ["ab2"],
        );
        // The re-read pod is deleted only once a worker can take its replacement again.
        assert.deepEqual(deleted[0].workers, ["w-new"]);
        assert.match(r.out, /ab2: a worker for the new pod: waiting \(attempt 1\): .*w-new unschedulable/);
        assert.equal(pods.ab2!.revision, "ab2-new");
    });

    it("a lone ACTIVE_BACKUP left: the other one may not go while the first is down", async () => {
        health.ab1 = "DOWN";
        const r = await run(cfg(["ab2"], { timeoutSeconds: 0.1 }));
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        assert.match(r.out, /orders cannot lose ab2: without it 3\/3 PRIMARY up \(needs 2\), 0\/2 ACTIVE_BACKUP up \(needs 1\)/);
    });

    it("stops when a restarted node does not come back, and touches no further node", async () => {
        recoverAs = "BEHIND";
        const r = await run(cfg(ORDER, { timeoutSeconds: 0.2 }));
        assert.equal(r.code, 1, r.out);
        assert.deepEqual(
            deleted.map((d) => d.node),
            ["sec"],
        );
        assert.match(r.out, /FAILED at sec: sec: back in its groups not reached after 0\.2s: sec is BEHIND in orders/);
    });

    it("waits first for the node changed before this Job (a replaced VM) to be back, even with nothing to restart", async () => {
        health.ab1 = "BEHIND";
        let r = await run(cfg(["sec"], { after: "ab1", timeoutSeconds: 0.1 }));
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        assert.match(r.out, /FAILED at ab1: ab1: back in its groups not reached after 0\.1s: ab1 is BEHIND in orders/);
        pods.sec!.revision = "sec-new"; // nothing to restart here: the check still runs
        r = await run(cfg(["sec"], { after: "ab1", timeoutSeconds: 0.1 }));
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /FAILED at ab1/);
        health.ab1 = "UP";
        r = await run(cfg(["sec"], { after: "ab1", timeoutSeconds: 0.3 }));
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /ab1: back in its groups: passed/);
    });

    it("the audited override lets only the named node's stuck step pass, and the log says so", async () => {
        health.a2 = "DOWN";
        // An override for another node changes nothing.
        let r = await run(cfg(["a3"], { timeoutSeconds: 0.1 }), `${OVERRIDE}="a1: INC-9"\n`);
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        r = await run(cfg(["a3"], { timeoutSeconds: 5 }), `x="1"\n${OVERRIDE}="a3: INC-9 a2 disk replaced, accepted by ops"\n`);
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(
            deleted.map((d) => d.node),
            ["a3"],
        );
        assert.match(r.out, /a3: can be lost: OVERRIDDEN by annotation axonserver-multiregion\/gate-override="a3: INC-9 a2 disk replaced, accepted by ops"; last check: none/);
        assert.equal(roller.overrideFor(`${OVERRIDE}="a3:"\n`, OVERRIDE, "a3"), null, "an override needs a reason");
    });

    it("an override passes one check only: `X: reason` the check before X's delete, `X back: reason` X's return, each value once", async () => {
        // a2 is down: a3 cannot be lost, the operator accepts it; a3 then does not come back (BEHIND).
        health.a2 = "DOWN";
        recoverAs = "BEHIND";
        let r = await run(cfg(["a3", "a1"], { timeoutSeconds: 0.2 }), `${OVERRIDE}="a3: INC-12 a2 disk replaced"\n`);
        assert.equal(r.code, 1, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["a3"]);
        assert.match(r.out, /a3: can be lost: OVERRIDDEN by annotation axonserver-multiregion\/gate-override="a3: INC-12 a2 disk replaced"/);
        assert.match(r.out, /a3: back in its groups: override "a3: INC-12 a2 disk replaced" is not for this check: this check takes a new axonserver-multiregion\/gate-override="a3 back: <reason>"/);
        assert.match(r.out, /FAILED at a3: a3: back in its groups not reached after 0\.2s: a3 is BEHIND in _admin/);
        assert.ok(!/a1/.test(deleted.map((d) => d.node).join()), "a1 untouched");
        // `X back: reason` passes the return (only): the operator annotates it once a3 was deleted.
        pods.a3 = { uid: "uid-a3", revision: "a3-old", ready: true };
        health.a3 = "UP";
        deleted = [];
        const annotation = () => `${OVERRIDE}="${deleted.length ? "a3 back: INC-12 a3 checked in the UI" : "a3: INC-12 a2 disk replaced"}"\n`;
        r = await run(cfg(["a3"], { timeoutSeconds: 5 }), annotation);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /a3: back in its groups: OVERRIDDEN by annotation axonserver-multiregion\/gate-override="a3 back: INC-12 a3 checked in the UI"/);
        assert.equal(roller.overrideFor(`${OVERRIDE}="a3 back: INC-1"\n`, OVERRIDE, "a3"), null, "a 'back' value is no 'can be lost' value");
        // One value passes one check: a pod replaced before its DELETE (409) from the old revision is checked
        // again, and the value already used does not pass that check.
        recoverAs = "UP";
        pods.a3 = { uid: "uid-a3", revision: "a3-old", ready: true };
        health.a3 = "UP";
        deleted = [];
        evictBeforeDelete = { node: "a3", revision: "old" };
        r = await run(cfg(["a3"], { timeoutSeconds: 0.2 }), `${OVERRIDE}="a3: INC-12 a2 disk replaced"\n`);
        assert.equal(r.code, 1, r.out);
        assert.deepEqual(deleted, [], "the recreated pod was not deleted on the spent value");
        assert.match(r.out, /FAILED at a3: a3: can be lost not reached/);
        assert.match(r.out, /override "a3: INC-12 a2 disk replaced" was used already/);
    });

    it("waits on the Axon container's readiness, not the pod's: a health relay that never gets Ready does not hold the roll", async () => {
        relayReady = false; // the sidecar crash-loops (or its image cannot be pulled): the pod is never Ready
        const r = await run(cfg(["sec", "ab1"]));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["sec", "ab1"]);
        assert.match(r.out, /sec: container axonserver of the new pod ready at revision sec-new: passed/);
        // The Axon container not ready: it waits (and says which container).
        deleted = [];
        newPodReady = false;
        const stuck = await run(cfg(["ab2"], { timeoutSeconds: 0.2 }));
        assert.equal(stuck.code, 1, stuck.out);
        assert.deepEqual(deleted.map((d) => d.node), ["ab2"]);
        assert.match(stuck.out, /FAILED at ab2: ab2: container axonserver of the new pod ready at revision ab2-new not reached after 0\.2s: ab2-0: container axonserver not ready/);
    });

    it("never deletes a pod no Ready, schedulable worker can take (the new template's zone and pool): waits, naming zone, pool and node", async () => {
        // A replaced worker pool (pool-b) without a worker in this zone yet: the new pod would stay Pending.
        workers = [
            { name: "w-old", zone: AZ, pool: "pool-a", ready: true },
            { name: "w-other-zone", zone: "eu-west-1b", pool: "pool-b", ready: true },
            { name: "w-new-notready", zone: AZ, pool: "pool-b", ready: false },
            { name: "w-new-cordoned", zone: AZ, pool: "pool-b", ready: true, unschedulable: true },
            { name: "w-new-tainted", zone: AZ, pool: "pool-b", ready: true, taints: [{ key: "example.com/maintenance", effect: "NoSchedule" }] },
        ];
        let r = await run(cfg(["sec"], { timeoutSeconds: 0.1 }));
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        assert.match(
            r.out,
            /FAILED at sec: sec: a worker for the new pod not reached after 0\.1s: no Ready, schedulable worker matches the new pod template of StatefulSet sec \(topology\.kubernetes\.io\/zone in \(eu-west-1a\), eks\.amazonaws\.com\/nodegroup in \(pool-b\)\): w-new-notready not Ready, w-new-cordoned unschedulable, w-new-tainted tainted example\.com\/maintenance:NoSchedule \(the pod is not deleted meanwhile/,
        );
        // The API server filters the list by the template's nodeSelector / single-value `In` labels, from its
        // watch cache (`resourceVersion=0`: "Any", kubernetes.io/docs/reference/using-api/api-concepts/
        // #semantics-for-get-and-list): a 128Mi Job does not read every worker of a big cluster on every poll.
        assert.ok(nodeQueries.length > 0);
        for (const q of nodeQueries) {
            assert.equal(q.get("labelSelector"), `${ZONE}=${AZ},${POOL}=pool-b`);
            assert.equal(q.get("resourceVersion"), "0");
        }
        // A Ready worker of the new pool in that zone (a PreferNoSchedule taint does not keep a pod off it): the roll goes on.
        workers.push({ name: "w-new", zone: AZ, pool: "pool-b", ready: true, taints: [{ key: "example.com/soft", effect: "PreferNoSchedule" }] });
        r = await run(cfg(["sec"], { timeoutSeconds: 0.3 }));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["sec"]);
    });

    it("looks for the worker again right before the DELETE: one gone while Axon's check waited keeps the pod", async () => {
        // ab1 cannot be lost while ab2 is down; meanwhile the only worker of the new pool in the zone fails.
        // The scheduler would leave the new pod Pending (kubernetes.io/docs/concepts/scheduling-eviction/
        // taint-and-toleration/#taint-based-evictions: a NotReady node is tainted node.kubernetes.io/not-ready).
        health.ab2 = "DOWN";
        const w = workers.find((x) => x.name === "w-new")!;
        const h = health;
        setTimeout(() => {
            w.ready = false;
            h.ab2 = "UP";
            // Ready again a few intervals after the roller's last look before the DELETE (a "Most recent" list,
            // no resourceVersion) found it gone: on that event, not on a clock, so a slow machine cannot let the
            // worker come back before the roller looks, and the roller must wait for it.
            onNodeList = (q) => {
                if (q.get("resourceVersion") !== null) return;
                onNodeList = undefined;
                setTimeout(() => (w.ready = true), 100);
            };
        }, 150);
        const r = await run(cfg(["ab1"], { timeoutSeconds: 3 }));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["ab1"]);
        assert.deepEqual(deleted[0].workers, ["w-new"], "deleted only while a worker could take the new pod");
        assert.match(r.out, /ab1: a worker for the new pod: no longer there after the wait for Axon's check: no Ready, schedulable worker .*: w-new not Ready .*; not deleting yet/);
        // That last look reads the API server's current state: without `resourceVersion` a list is served
        // "Most recent", `resourceVersion=0` ("Any") may be stale (kubernetes.io/docs/reference/using-api/
        // api-concepts/#semantics-for-get-and-list); the polls before it may use the watch cache.
        const before = nodeQueries.slice(0, deleted[0].nodeQueries);
        assert.equal(before.at(-1)!.get("resourceVersion"), null, "the read right before the DELETE is not from the watch cache");
        // One fresh read per round (the first found w-new gone), every poll of the worker check from the cache.
        assert.equal(before.filter((q) => q.get("resourceVersion") === null).length, 2, before.map(String).join(" | "));
        assert.ok(before.filter((q) => q.get("resourceVersion") === "0").length >= 2, "the polls use the watch cache");
    });

    it("required pod anti-affinity: a worker running another pod its selector matches cannot take the new pod (a pool move)", async () => {
        // Required pod anti-affinity: the scheduler places the pod on no node whose topology domain (the nodes
        // sharing its topologyKey label's value) already runs a pod the term's labelSelector matches
        // (kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity).
        // sec moves from pool-a to pool-b, whose one worker in the zone already runs ab1's Axon pod: the old
        // worker frees nothing there.
        antiAffinity = true;
        podNode = { sec: "w-old", ab1: "w-new" };
        let r = await run(cfg(["sec"], { timeoutSeconds: 0.1 }));
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        assert.match(r.out, /FAILED at sec: sec: a worker for the new pod not reached after 0\.1s: no Ready, schedulable worker .*: w-new runs ab1-0 \(required pod anti-affinity app=axon,site=eu on kubernetes\.io\/hostname\)/);
        assert.ok(podQueries.length > 0 && podQueries.every((q) => q === "app=axon,site=eu"), `pods listed by the term's selector: ${podQueries.join(" | ")}`);
        // The pod being replaced does not count (its own worker is free once it is gone), nor does an unbound pod.
        podNode = { sec: "w-new", ab1: "w-old" };
        pods.ab2 = { uid: "uid-ab2", revision: "ab2-old", ready: false };
        r = await run(cfg(["sec"], { timeoutSeconds: 0.3 }));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["sec"]);
        // A second worker in the new pool takes it.
        deleted = [];
        podNode = { sec: "w-old", ab1: "w-new" };
        workers.push({ name: "w-new-2", zone: AZ, pool: "pool-b", ready: true });
        sts.ab2.pool = "pool-b";
        r = await run(cfg(["ab2"], { timeoutSeconds: 0.3 }));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["ab2"]);
    });

    it("required pod anti-affinity: a Succeeded/Failed pod holds no worker; a worker without the topologyKey label is in no domain of the term", async () => {
        // The scheduler does not account for terminated pods (phase Succeeded/Failed), and a node without the
        // term's topologyKey label is in no topology domain, so the term cannot exclude it
        // (kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity).
        antiAffinity = true;
        podNode = { sec: "w-old", ab1: "w-new" };
        for (const phase of ["Succeeded", "Failed"]) {
            podPhase = { ab1: phase };
            pods.sec = { uid: `uid-sec-${phase}`, revision: "sec-old", ready: true };
            const r = await run(cfg(["sec"], { timeoutSeconds: 0.3 }));
            assert.equal(r.code, 0, `${phase}: ${r.out}`);
        }
        assert.deepEqual(deleted.map((d) => d.node), ["sec", "sec"]);
        // ab1 Running on a worker without the hostname label, and the only worker of the new pool lacks it too:
        // neither is in a domain of the term, so nothing keeps the new pod off it.
        deleted = [];
        podPhase = {};
        workers = [
            { name: "w-old", zone: AZ, pool: "pool-a", ready: true },
            { name: "w-new", zone: AZ, pool: "pool-b", ready: true, labels: { "kubernetes.io/hostname": undefined } },
            { name: "w-other", zone: AZ, pool: "pool-c", ready: true, labels: { "kubernetes.io/hostname": undefined } },
        ];
        podNode = { sec: "w-old", ab1: "w-other" };
        pods.sec = { uid: "uid-sec-nokey", revision: "sec-old", ready: true };
        const r = await run(cfg(["sec"], { timeoutSeconds: 0.3 }));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["sec"]);
    });

    it("node affinity terms are ORed: the only usable worker matches the second term; a multi-value `In` is no label the node list requires", async () => {
        // "If you specify multiple terms in nodeSelectorTerms associated with nodeAffinity types, then the Pod
        // can be scheduled onto a node if one of the specified terms can be satisfied (terms are ORed)";
        // `In` with several values: the label has one of them (kubernetes.io/docs/concepts/scheduling-eviction/
        // assign-pod-node/#node-affinity, #operators). No worker of the first term (zone + pool-b) exists.
        workers = [
            { name: "w-old", zone: AZ, pool: "pool-a", ready: true },
            { name: "w-tier", zone: "eu-west-1b", pool: "pool-c", ready: true, labels: { "example.com/tier": "axon" } },
        ];
        extraTerms = [{ matchExpressions: [{ key: "example.com/tier", operator: "In", values: ["axon"] }] }];
        let r = await run(cfg(["sec"], { timeoutSeconds: 0.3 }));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["sec"]);
        // Neither term's labels are required of every worker: the list is not narrowed by them.
        assert.ok(nodeQueries.every((q) => q.get("labelSelector") === null), nodeQueries.map(String).join(" | "));
        // One term, a multi-value `In`: a worker with the second value is a match.
        deleted = [];
        nodeQueries = [];
        extraTerms = [];
        workers = [{ name: "w-new", zone: AZ, pool: "pool-b", ready: true, labels: { "example.com/disk": "nvme" } }];
        extraExpressions = [{ key: "example.com/disk", operator: "In", values: ["ssd", "nvme"] }];
        pods.sec = { uid: "uid-sec-2", revision: "sec-old", ready: true };
        r = await run(cfg(["sec"], { timeoutSeconds: 0.3 }));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["sec"]);
        assert.ok(nodeQueries.every((q) => !(q.get("labelSelector") ?? "").includes("example.com/disk=")), nodeQueries.map(String).join(" | "));
    });

    it("Gt/Lt compare base-10 int64 values only: a label that does not parse never matches", async () => {
        // apimachinery pkg/labels/selector.go `Requirement.Matches`: for Gt/Lt both the label's value and the
        // requirement's parse with strconv.ParseInt(v, 10, 64); a failed parse is no match. (Number.parseInt
        // would read "5Gi" as 5.) kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#operators.
        const gen = (v: string) => (workers = [{ name: "w-new", zone: AZ, pool: "pool-b", ready: true, labels: { "example.com/generation": v } }]);
        extraExpressions = [{ key: "example.com/generation", operator: "Gt", values: ["4"] }];
        for (const v of ["5Gi", "5.0", "0x10", "99999999999999999999", "4", ""]) {
            gen(v);
            const r = await run(cfg(["sec"], { timeoutSeconds: 0.05 }));
            assert.equal(r.code, 1, `${v}: ${r.out}`);
            assert.equal(deleted.length, 0, `${v} > 4 does not hold for Kubernetes`);
        }
        gen("5");
        assert.equal((await run(cfg(["sec"], { timeoutSeconds: 0.3 }))).code, 0);
        extraExpressions = [{ key: "example.com/generation", operator: "Lt", values: ["-1"] }];
        gen("-2");
        pods.sec = { uid: "uid-sec", revision: "sec-old", ready: true };
        assert.equal((await run(cfg(["sec"], { timeoutSeconds: 0.3 }))).code, 0);
        assert.deepEqual(deleted.map((d) => d.node), ["sec", "sec"]);
    });

    it("the worker check takes its own override, `X worker: reason` (admission may add what the template lacks), once, and names it when it stops", async () => {
        // The check reads the StatefulSet's template only; admission (PodTolerationRestriction, PodNodeSelector,
        // a mutating webhook) may add tolerations or a node selector to the pod the API server admits
        // (kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#podtolerationrestriction), so the
        // scheduler may place a pod this check says no worker takes: the operator can tell it so, audited.
        workers = [{ name: "w-new-tainted", zone: AZ, pool: "pool-b", ready: true, taints: [{ key: "example.com/dedicated", value: "axon", effect: "NoSchedule" }] }];
        let r = await run(cfg(["sec"], { timeoutSeconds: 0.1 }), `${OVERRIDE}="sec: INC-13 wrong form"\n`);
        assert.equal(r.code, 1, r.out);
        assert.equal(deleted.length, 0, "nothing deleted");
        assert.match(r.out, /sec: a worker for the new pod: override "sec: INC-13 wrong form" is not for this check: this check takes a new axonserver-multiregion\/gate-override="sec worker: <reason>"/);
        assert.match(r.out, /FAILED at sec: sec: a worker for the new pod not reached after 0\.1s: no Ready, schedulable worker .*w-new-tainted tainted example\.com\/dedicated=axon:NoSchedule.*\(if a worker takes the pod after all.*override, audited: annotate this Job's pod axonserver-multiregion\/gate-override="sec worker: <reason>"/);
        r = await run(cfg(["sec", "ab1"], { timeoutSeconds: 0.2 }), `${OVERRIDE}="sec worker: INC-13 the namespace's PodTolerationRestriction adds the toleration"\n`);
        assert.match(r.out, /sec: a worker for the new pod: OVERRIDDEN by annotation axonserver-multiregion\/gate-override="sec worker: INC-13 the namespace's PodTolerationRestriction adds the toleration"; last check: none/);
        // The value passed sec's worker check only: ab1's needs its own.
        assert.equal(r.code, 1, r.out);
        assert.deepEqual(deleted.map((d) => d.node), ["sec"]);
        assert.match(r.out, /FAILED at ab1: ab1: a worker for the new pod not reached/);
        assert.equal(roller.overrideFor(`${OVERRIDE}="sec worker: INC-13"\n`, OVERRIDE, "sec"), null, "a 'worker' value is no 'can be lost' value");
    });

    /** Runs the script as the Job does: `node roller.mjs` with the environment contract. */
    const runProcess = (config: object, extraEnv: Record<string, string> = {}, script = ROLLER) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH, ...env(), ROLLER_CONFIG: JSON.stringify(config), ...extraEnv } });
            let out = "";
            child.stdout.on("data", (d) => (out += d));
            child.stderr.on("data", (d) => (out += d));
            child.on("close", (code) => resolve({ code, out }));
        });

    it("as a process from a ConfigMap volume (files are symlinks into ..data): it really runs, and imports the gate", async () => {
        // Kubernetes mounts each ConfigMap key as `<key> -> ..data/<key>`; Node gives the main module its
        // real path. A roller that never ran would exit 0 having restarted nothing.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "roller-cm-"));
        fs.mkdirSync(path.join(dir, "..data"));
        for (const f of ["roller.mjs", "rollingGate.mjs"]) {
            fs.copyFileSync(path.join(path.dirname(ROLLER), f), path.join(dir, "..data", f));
            fs.symlinkSync(`..data/${f}`, path.join(dir, f));
        }
        try {
            const r = await runProcess(cfg(["sec"]), {}, path.join(dir, "roller.mjs"));
            assert.equal(r.code, 0, r.out);
            assert.deepEqual(
                deleted.map((d) => d.node),
                ["sec"],
            );
            assert.match(r.out, /roller eu: done/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("as a process (environment contract): service-account directory, API host/port, override file", async () => {
        let r = await runProcess(cfg(["sec", "ab1"]));
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(
            deleted.map((d) => d.node),
            ["sec", "ab1"],
        );
        health.a2 = "DOWN";
        r = await runProcess(cfg(["a3"], { timeoutSeconds: 0.1 }));
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /FAILED at a3/);
        const file = path.join(saDir, "annotations");
        fs.writeFileSync(file, `${OVERRIDE}="a3: INC-10"\n`);
        r = await runProcess(cfg(["a3"], { timeoutSeconds: 5 }), { ROLLER_OVERRIDE_FILE: file });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /OVERRIDDEN/);
        // A wrong token is refused by the API server: the roller fails instead of guessing.
        fs.writeFileSync(path.join(saDir, "token"), "wrong\n");
        try {
            r = await runProcess(cfg(["ab2"], { timeoutSeconds: 0.2 }));
            assert.equal(r.code, 1, r.out);
            assert.match(r.out, /HTTP 401/);
        } finally {
            fs.writeFileSync(path.join(saDir, "token"), `${TOKEN}\n`);
        }
        assert.equal((await runProcess(cfg(["ab2"]), { ROLLER_CONFIG: "" })).code, 2, "no config: bad environment");
    });
});
