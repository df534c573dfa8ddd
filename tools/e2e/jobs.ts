/**
 * Runs the program's Job pods on this machine instead of faking their outcome: kwok has no kubelet and
 * never runs a container, so for every scheduled pod of a gate or roller Job (label
 * `app.kubernetes.io/component` = `rolling-gate`) this runner plays the kubelet:
 *
 * - it materialises the pod's volumes (ConfigMap files, the downward-API `annotations` file, kept up to
 *   date like the kubelet does, so an operator's override annotation reaches a running gate), rewrites
 *   the mount paths in the command and environment to those directories, and starts the container's
 *   `node` command here;
 * - it reports the pod `Running`, then `Succeeded` or `Failed` with the exit code and (the pod's
 *   `FallbackToLogsOnError`) the last log lines as the termination message, through the pod's `status`
 *   subresource, so the Job controller and `pulumi up`'s Job await see a real outcome;
 * - a pod that is deleted while it runs gets its process stopped;
 * - a pod with the service-account volume (the roller) gets a TokenRequest token of its own
 *   ServiceAccount, the API server's CA and `KUBERNETES_SERVICE_HOST/PORT` of its site, so it acts with
 *   the RBAC rights the program gave it, against the real API server.
 *
 * The scripts ask every Axon node's `/actuator/health` (`endpoints` of GATE_CONFIG / ROLLER_CONFIG). No
 * Axon Server runs here, so those URLs are rewritten to this runner's stub (`axonHealth`), which answers
 * like Axon Server's health endpoint from what the API servers say: a node whose pod is Ready is up, in
 * its replication groups, and followed by the leader; a node without a Ready pod does not answer. DNS names the gate must resolve (`mustResolve`)
 * go through a resolver preloaded into the gate process (tools/e2e/dns-preload.cjs): an in-cluster name
 * `<service>.<namespace>.svc.cluster.local` resolves when that Service exists in the pod's API server;
 * any other name (the fake clouds' private DNS) resolves.
 *
 * kwok leaves these pods alone: its pod-ready stage excludes them (tools/e2e/cluster.ts), only its
 * delete stage removes them once they are deleted.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import type { Topology } from "../../components/topology/model";
import { KUBERNETES_KEYS } from "../../components/topology/identity";
import { GATE_COMPONENT, Site } from "./cluster";

/** Where the kubelet mounts a pod's service-account token, CA and namespace. */
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The pods this runner runs: `app.kubernetes.io/component` values (the gates and the rollers share it). */
const RUN_COMPONENTS = [GATE_COMPONENT];

interface Container {
    name: string;
    image: string;
    command?: string[];
    args?: string[];
    env?: { name: string; value?: string; valueFrom?: unknown }[];
    volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
    terminationMessagePolicy?: string;
}

interface ConfigMapSource {
    name: string;
    items?: { key: string; path: string }[];
}

interface DownwardSource {
    items: { path: string; fieldRef?: { fieldPath: string } }[];
}

interface Volume {
    name: string;
    configMap?: ConfigMapSource;
    downwardAPI?: DownwardSource;
    /** The service-account admission plugin's `kube-api-access-*` volume (token, CA, namespace). */
    projected?: {
        sources: {
            serviceAccountToken?: { path: string; expirationSeconds?: number; audience?: string };
            configMap?: ConfigMapSource;
            downwardAPI?: DownwardSource;
        }[];
    };
}

interface Pod {
    metadata: {
        name: string;
        namespace: string;
        uid: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        deletionTimestamp?: string;
    };
    spec: { nodeName?: string; serviceAccountName?: string; containers: Container[]; initContainers?: Container[]; volumes?: Volume[] };
    status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

interface Running {
    readonly pod: Pod;
    readonly site: Site;
    readonly dir: string;
    readonly logFile: string;
    readonly child: ChildProcess;
    /** Files of downward-API `metadata.annotations` volumes, rewritten on every tick. */
    readonly annotationFiles: string[];
    readonly startedAt: string;
}

/** One stack's view: its topology (replication groups, VM nodes) and its Kubernetes sites. */
export interface StackView {
    readonly topology: Topology;
    readonly sites: Site[];
    /** Node name -> its pod is Ready (Kubernetes nodes) ; VM nodes are always up (fake VMs). */
    ready: Map<string, boolean>;
    /** Sticky Raft leader per group: kept while it is up, like an elected leader. */
    readonly leaders: Map<string, string>;
    /** Raft members per group: the nodes that have been up (see `axonHealth`). */
    readonly joined: Map<string, Set<string>>;
}

/** A downward-API `metadata.annotations` file as the kubelet writes it: sorted `key="value"` lines. */
export function annotationsFile(annotations: Record<string, string> | undefined): string {
    return Object.keys(annotations ?? {})
        .sort()
        .map((k) => `${k}=${JSON.stringify(annotations![k])}`)
        .join("\n");
}

/**
 * Axon Server's `/actuator/health` for `node` of a stack, as its Spring Boot health body with the `raft`
 * component's details (`<group>.leader`; on the leader `<group>.follower.<node>.status` = UP, or
 * NO_ACK_RECEIVED for a member that does not answer: the keys the gate reads, see
 * components/kubernetes/gate/rollingGate.mjs). Null: the node does not answer.
 *
 * Raft membership grows as in a new Axon Server cluster: the first node up forms each of its groups
 * alone and every later node joins when it is first up (`StackView.joined`); a member stays a member.
 * A group has a leader while a majority of its joined PRIMARY members is up; the leader stays leader
 * while it is up, else the first up PRIMARY member takes over.
 */
export function axonHealth(view: StackView, node: string): object | null {
    if (!view.ready.get(node)) return null;
    const details: Record<string, string> = {};
    for (const g of view.topology.replicationGroups) {
        const joined = view.joined.get(g.name) ?? new Set<string>();
        if (!joined.has(node)) continue;
        const members = g.members.filter((m) => joined.has(m.node));
        const primaries = members.filter((m) => m.role === "PRIMARY");
        const upPrimaries = primaries.filter((m) => view.ready.get(m.node));
        let leader = view.leaders.get(g.name);
        if (upPrimaries.length < Math.floor(primaries.length / 2) + 1) leader = undefined;
        else if (!leader || !view.ready.get(leader)) leader = upPrimaries[0].node;
        if (leader) view.leaders.set(g.name, leader);
        else view.leaders.delete(g.name);
        details[`${g.name}.leader`] = leader ?? "None";
        if (leader === node) {
            for (const m of members) {
                if (m.node !== node) details[`${g.name}.follower.${m.node}.status`] = view.ready.get(m.node) ? "UP" : "NO_ACK_RECEIVED";
            }
        }
    }
    return { status: "UP", components: { raft: { status: "UP", details } } };
}

/** Adds every node that is up to the groups it is configured in (it joins when it first comes up). */
export function joinUpNodes(view: StackView): void {
    for (const g of view.topology.replicationGroups) {
        const joined = view.joined.get(g.name) ?? new Set<string>();
        for (const m of g.members) if (view.ready.get(m.node)) joined.add(m.node);
        view.joined.set(g.name, joined);
    }
}

export class JobRunner {
    private readonly stacks = new Map<string, StackView>();
    private readonly running = new Map<string, Running>();
    private readonly finished = new Set<string>();
    private server?: http.Server;
    private port = 0;
    private timer?: NodeJS.Timeout;
    private busy = false;
    private readonly dnsFiles = new Map<Site, string>();
    /** How many pods ran, by outcome (for the log). */
    readonly outcomes: { pod: string; code: number; seconds: number }[] = [];

    constructor(
        private readonly o: {
            readonly work: string;
            readonly log: (m: string) => void;
        },
    ) {}

    async start(): Promise<void> {
        this.server = http.createServer((req, res) => this.serve(req, res));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
        this.timer = setInterval(() => void this.tick(), 1000);
    }

    /** Runs the Job pods of `stack`'s Kubernetes sites from now on. */
    attach(stack: string, topology: Topology, sites: Site[]): void {
        this.stacks.set(stack, { topology, sites, ready: new Map(), leaders: new Map(), joined: new Map() });
    }

    detach(stack: string): void {
        const v = this.stacks.get(stack);
        if (!v) return;
        for (const [uid, r] of this.running) if (v.sites.includes(r.site)) this.kill(uid);
        this.stacks.delete(stack);
    }

    /** Stops every process it started and the stub server. */
    stop(): void {
        if (this.timer) clearInterval(this.timer);
        for (const uid of [...this.running.keys()]) this.kill(uid);
        this.server?.close();
        this.server?.closeAllConnections();
    }

    private kill(uid: string): void {
        const r = this.running.get(uid);
        if (!r) return;
        this.running.delete(uid);
        try {
            r.child.kill("SIGTERM");
        } catch {
            // already gone
        }
    }

    /** `GET /<stack>/<node>/actuator/health` */
    private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
        const m = /^\/([^/]+)\/([^/]+)\/actuator\/health$/.exec(req.url ?? "");
        const view = m ? this.stacks.get(decodeURIComponent(m[1])) : undefined;
        const body = view && m ? axonHealth(view, decodeURIComponent(m[2])) : null;
        if (body === null) {
            // Nothing listens there: the gate's fetch fails like a connection to a pod that is not up.
            req.socket.destroy();
            return;
        }
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
    }

    private async tick(): Promise<void> {
        if (this.busy) return;
        this.busy = true;
        try {
            for (const [stack, view] of this.stacks) {
                const ready = new Map<string, boolean>();
                for (const n of view.topology.nodes) if (n.platform === "vm") ready.set(n.name, true);
                for (const site of view.sites) {
                    const pods = await site.api<{ items: Pod[] }>("GET", `/api/v1/pods?labelSelector=${encodeURIComponent(KUBERNETES_KEYS.node)}`);
                    for (const p of pods.body.items ?? []) {
                        const node = p.metadata.labels?.[KUBERNETES_KEYS.node];
                        const isReady = !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
                        if (node && isReady) ready.set(node, true);
                    }
                }
                view.ready = ready;
                joinUpNodes(view);
                for (const site of view.sites) await this.tickSite(stack, site);
            }
        } catch {
            // an API server stopping or busy: next tick
        } finally {
            this.busy = false;
        }
    }

    private async tickSite(stack: string, site: Site): Promise<void> {
        const selector = `${KUBERNETES_KEYS.component} in (${RUN_COMPONENTS.join(",")})`;
        const r = await site.api<{ items: Pod[] }>("GET", `/api/v1/pods?labelSelector=${encodeURIComponent(selector)}`);
        if (r.status !== 200) return;
        const services = await site.api<{ items: { metadata: { name: string; namespace: string } }[] }>("GET", "/api/v1/services");
        const dnsFile = this.dnsFile(site);
        fs.writeFileSync(`${dnsFile}.tmp`, JSON.stringify((services.body.items ?? []).map((s) => `${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local`)));
        fs.renameSync(`${dnsFile}.tmp`, dnsFile);
        for (const pod of r.body.items ?? []) {
            const uid = pod.metadata.uid;
            const run = this.running.get(uid);
            if (run) {
                if (pod.metadata.deletionTimestamp) {
                    this.o.log(`jobs: ${site.spec.name}: pod ${pod.metadata.name} deleted while running: stopping it`);
                    this.kill(uid);
                } else {
                    for (const f of run.annotationFiles) fs.writeFileSync(f, annotationsFile(pod.metadata.annotations));
                }
                continue;
            }
            if (this.finished.has(uid) || pod.metadata.deletionTimestamp || !pod.spec.nodeName || pod.status?.phase !== "Pending") continue;
            await this.startPod(stack, site, pod, dnsFile);
        }
    }

    private dnsFile(site: Site): string {
        let f = this.dnsFiles.get(site);
        if (!f) {
            f = path.join(this.o.work, "jobs", `dns-${site.spec.name}.json`);
            fs.mkdirSync(path.dirname(f), { recursive: true });
            this.dnsFiles.set(site, f);
        }
        return f;
    }

    private async fail(site: Site, pod: Pod, message: string): Promise<void> {
        this.finished.add(pod.metadata.uid);
        this.o.log(`jobs: ${site.spec.name}: cannot run pod ${pod.metadata.namespace}/${pod.metadata.name}: ${message}`);
        await this.patchStatus(site, pod, this.terminatedStatus(pod, 128, message, new Date().toISOString()));
    }

    private async startPod(stack: string, site: Site, pod: Pod, dnsFile: string): Promise<void> {
        const { name, namespace, uid } = pod.metadata;
        const c = pod.spec.containers[0];
        if (pod.spec.containers.length !== 1 || (pod.spec.initContainers ?? []).length > 0) return this.fail(site, pod, "only pods with one container and no init container can run here");
        const command = [...(c.command ?? []), ...(c.args ?? [])];
        if (command[0] !== "node") return this.fail(site, pod, `only a \`node\` command can run here, not ${JSON.stringify(command)}`);
        const dir = path.join(this.o.work, "jobs", `${site.spec.name}-${namespace}-${name}`);
        fs.mkdirSync(dir, { recursive: true });
        // Volumes: mount path -> local directory.
        const mounts: [string, string][] = [];
        const annotationFiles: string[] = [];
        for (const vm of c.volumeMounts ?? []) {
            const vol = (pod.spec.volumes ?? []).find((v) => v.name === vm.name);
            if (!vol || vm.subPath) return this.fail(site, pod, `volume mount ${vm.name} is not supported here`);
            const local = path.join(dir, "volumes", vol.name);
            fs.mkdirSync(local, { recursive: true });
            const sources = vol.projected?.sources ?? [vol];
            for (const src of sources) {
                let problem: string | undefined;
                if ("serviceAccountToken" in src && src.serviceAccountToken) problem = await this.writeToken(site, pod, path.join(local, src.serviceAccountToken.path), src.serviceAccountToken);
                else if (src.configMap) problem = await this.writeConfigMap(site, namespace, src.configMap, local);
                else if (src.downwardAPI) {
                    for (const it of src.downwardAPI.items) {
                        const f = path.join(local, it.path);
                        if (it.fieldRef?.fieldPath === "metadata.annotations") {
                            fs.writeFileSync(f, annotationsFile(pod.metadata.annotations));
                            annotationFiles.push(f);
                        } else if (it.fieldRef?.fieldPath === "metadata.namespace") fs.writeFileSync(f, namespace);
                        else problem = `downward API field ${it.fieldRef?.fieldPath} is not supported here`;
                    }
                } else problem = `volume ${vol.name} of this kind is not supported here`;
                if (problem) return this.fail(site, pod, problem);
            }
            mounts.push([vm.mountPath.replace(/\/$/, ""), local]);
        }
        const rewrite = (s: string) => {
            for (const [m, local] of mounts) if (s === m || s.startsWith(`${m}/`)) return local + s.slice(m.length);
            return s;
        };
        const [apiHost, apiPort] = site.host.split(":");
        const env: NodeJS.ProcessEnv = {
            PATH: process.env.PATH,
            HOME: dir,
            NODE_OPTIONS: `--require ${path.join(__dirname, "dns-preload.cjs")}`,
            E2E_DNS_FILE: dnsFile,
            // What the kubelet sets in every container (the `kubernetes` Service): here the site's API server.
            KUBERNETES_SERVICE_HOST: apiHost,
            KUBERNETES_SERVICE_PORT: apiPort,
        };
        for (const e of c.env ?? []) {
            if (e.value === undefined) return this.fail(site, pod, `env ${e.name} is not a plain value`);
            env[e.name] = rewrite(e.value);
        }
        // The scripts' configuration (GATE_CONFIG, ROLLER_CONFIG): Axon's endpoints are the stub's.
        for (const [k, v] of Object.entries(env)) {
            if (!k.endsWith("_CONFIG") || !v?.startsWith("{")) continue;
            const cfg = JSON.parse(v) as { endpoints?: Record<string, string> };
            if (!cfg.endpoints) continue;
            cfg.endpoints = Object.fromEntries(Object.keys(cfg.endpoints).map((n) => [n, `http://127.0.0.1:${this.port}/${encodeURIComponent(stack)}/${encodeURIComponent(n)}`]));
            env[k] = JSON.stringify(cfg);
        }
        // The roller's documented override of the service-account directory (components/kubernetes/gate/roller.mjs).
        const saDir = mounts.find(([m]) => m === SERVICE_ACCOUNT_DIR);
        if (saDir) env.ROLLER_SERVICEACCOUNT_DIR = saDir[1];
        const logFile = path.join(this.o.work, "logs", `job-${site.spec.name}-${name}.log`);
        fs.mkdirSync(path.dirname(logFile), { recursive: true });
        const fd = fs.openSync(logFile, "a");
        const child = spawn(process.execPath, command.slice(1).map(rewrite), { cwd: dir, env, stdio: ["ignore", fd, fd] });
        fs.closeSync(fd);
        if (child.pid) fs.appendFileSync(path.join(this.o.work, "pids"), `${child.pid}\n`);
        const startedAt = new Date().toISOString();
        const t0 = Date.now();
        this.running.set(uid, { pod, site, dir, logFile, child, annotationFiles, startedAt });
        this.o.log(`jobs: ${site.spec.name}: running pod ${namespace}/${name} here (${command.join(" ")}${saDir ? `, as ServiceAccount ${namespace}/${pod.spec.serviceAccountName ?? "default"}` : ""})`);
        await this.patchStatus(site, pod, {
            phase: "Running",
            startTime: startedAt,
            conditions: [
                { type: "Initialized", status: "True", lastTransitionTime: startedAt },
                { type: "Ready", status: "True", lastTransitionTime: startedAt },
                { type: "ContainersReady", status: "True", lastTransitionTime: startedAt },
            ],
            containerStatuses: [{ name: c.name, image: c.image, imageID: "", ready: true, started: true, restartCount: 0, state: { running: { startedAt } } }],
        });
        child.on("exit", (code, signal) => {
            const wasRunning = this.running.get(uid)?.child === child;
            this.running.delete(uid);
            this.finished.add(uid);
            const exit = code ?? 128 + 15;
            this.outcomes.push({ pod: `${site.spec.name}/${namespace}/${name}`, code: exit, seconds: (Date.now() - t0) / 1000 });
            const out = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
            this.o.log(`jobs: ${site.spec.name}: pod ${namespace}/${name} exited ${code ?? signal} after ${((Date.now() - t0) / 1000).toFixed(0)}s: ${out.trimEnd().split("\n").at(-1) ?? ""}`);
            if (!wasRunning) return; // deleted: nothing to report to
            // FallbackToLogsOnError: the kubelet takes the last 80 lines (at most 2048 bytes) of the log.
            const message = exit !== 0 && c.terminationMessagePolicy === "FallbackToLogsOnError" ? out.trimEnd().split("\n").slice(-80).join("\n").slice(-2048) : undefined;
            void this.patchStatus(site, pod, this.terminatedStatus(pod, exit, message, startedAt));
        });
    }

    /** A ConfigMap's keys (or the listed items) as files in `dir`. */
    private async writeConfigMap(site: Site, namespace: string, src: ConfigMapSource, dir: string): Promise<string | undefined> {
        const cm = await site.api<{ data?: Record<string, string> }>("GET", `/api/v1/namespaces/${namespace}/configmaps/${src.name}`);
        if (cm.status !== 200) return `ConfigMap ${namespace}/${src.name}: HTTP ${cm.status}`;
        const items = src.items ?? Object.keys(cm.body.data ?? {}).map((key) => ({ key, path: key }));
        for (const it of items) fs.writeFileSync(path.join(dir, it.path), cm.body.data?.[it.key] ?? "");
        return undefined;
    }

    /**
     * The pod's service-account token, as the kubelet gets it: a TokenRequest for the pod's
     * ServiceAccount bound to the pod (authentication.k8s.io/v1), so the script acts with exactly the
     * RBAC rights the program gave that ServiceAccount.
     */
    private async writeToken(site: Site, pod: Pod, file: string, src: { expirationSeconds?: number; audience?: string }): Promise<string | undefined> {
        const sa = pod.spec.serviceAccountName ?? "default";
        const { name, namespace, uid } = pod.metadata;
        const r = await site.api<{ status?: { token?: string } }>("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`, {
            apiVersion: "authentication.k8s.io/v1",
            kind: "TokenRequest",
            spec: {
                ...(src.audience ? { audiences: [src.audience] } : {}),
                expirationSeconds: src.expirationSeconds ?? 3607,
                boundObjectRef: { apiVersion: "v1", kind: "Pod", name, uid },
            },
        });
        if (r.status >= 300 || !r.body.status?.token) return `TokenRequest for ServiceAccount ${namespace}/${sa}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
        fs.writeFileSync(file, r.body.status.token);
        return undefined;
    }

    private terminatedStatus(pod: Pod, exitCode: number, message: string | undefined, startedAt: string): Record<string, unknown> {
        const now = new Date().toISOString();
        const c = pod.spec.containers[0];
        return {
            phase: exitCode === 0 ? "Succeeded" : "Failed",
            conditions: [
                { type: "Ready", status: "False", reason: "PodCompleted", lastTransitionTime: now },
                { type: "ContainersReady", status: "False", reason: "PodCompleted", lastTransitionTime: now },
            ],
            containerStatuses: [
                {
                    name: c.name,
                    image: c.image,
                    imageID: "",
                    ready: false,
                    started: false,
                    restartCount: 0,
                    state: { terminated: { exitCode, reason: exitCode === 0 ? "Completed" : "Error", startedAt, finishedAt: now, ...(message ? { message } : {}) } },
                },
            ],
        };
    }

    private async patchStatus(site: Site, pod: Pod, status: Record<string, unknown>): Promise<void> {
        const { name, namespace } = pod.metadata;
        // Strategic merge: conditions merge by type, container statuses by name.
        const r = await site
            .api("PATCH", `/api/v1/namespaces/${namespace}/pods/${name}/status`, { status }, "application/strategic-merge-patch+json")
            .catch((e: Error) => ({ status: 0, body: e.message }));
        if (r.status >= 300 || r.status === 0) this.o.log(`!! jobs: ${site.spec.name}: status of pod ${namespace}/${name}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
    }
}
