/**
 * Local Kubernetes control planes for the real-engine test bed: one etcd shared by every site (each
 * API server has its own `--etcd-prefix`), and per Kubernetes site a kube-apiserver, a
 * kube-controller-manager, a kube-scheduler and kwok (simulated nodes and pod lifecycle). Everything
 * listens on 127.0.0.1 only. Every started process's id is appended to `<work>/pids`, which the entry
 * script (tools/e2e/e2e.sh) kills on exit, also when this process dies.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";

/** `app.kubernetes.io/component` of the gate and roller pods (components/kubernetes/rollingGate.ts GATE_COMPONENT). */
export const GATE_COMPONENT = "rolling-gate";

/** `run`: the test bed runs gate pods' scripts (tools/e2e/jobs.ts); `kwok`: a kwok stage succeeds them. */
export type GateMode = "run" | "kwok";

/** The bearer token every API server accepts (static token file: loopback-only test servers). */
export const TOKEN = "e2e-admin-token";

export interface KwokNode {
    readonly name: string;
    readonly labels: Record<string, string>;
    /** Allocatable resources (`cpu`, `memory`, `pods`); capacity is set to the same. */
    readonly allocatable: Record<string, string>;
}

export interface StorageClassSpec {
    readonly name: string;
    readonly provisioner: string;
}

export interface SiteSpec {
    /** Site name (directory and etcd prefix). */
    readonly name: string;
    readonly nodes: readonly KwokNode[];
    /** Storage classes the environment provides (the program creates its own for EKS/GKE). */
    readonly storageClasses: readonly StorageClassSpec[];
    /** CustomResourceDefinition files the managed platform installs itself (applied before anything else). */
    readonly crdFiles?: readonly string[];
}

export interface Site {
    readonly spec: SiteSpec;
    /** `127.0.0.1:<port>` */
    readonly host: string;
    /** Token kubeconfig for this API server. */
    readonly kubeconfig: string;
    /** Base64 PEM of the CA of the server certificate. */
    readonly caData: string;
    api<T = unknown>(method: string, apiPath: string, body?: unknown, contentType?: string): Promise<ApiResult<T>>;
    stop(): void;
}

export interface ApiResult<T> {
    readonly status: number;
    readonly body: T;
}

export interface ControlPlaneOptions {
    readonly work: string;
    /** Directory holding etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok. */
    readonly bin: string;
    /** First TCP port to use on 127.0.0.1. */
    readonly portBase: number;
    /** How long kwok waits before a scheduled pod becomes Ready. */
    readonly podReadyDelayMs: number;
    /** Who finishes the gate Jobs' pods (see `gateStage`). */
    readonly gateMode: GateMode;
    readonly log: (msg: string) => void;
}

interface Daemon {
    readonly name: string;
    readonly pid: number;
    exited: boolean;
    /** Stopped on purpose (its exit is no failure). */
    stopped: boolean;
    readonly logFile: string;
}

export class ControlPlane {
    private readonly daemons: Daemon[] = [];
    private readonly pki: string;
    private etcdPort = 0;
    private nextPort: number;
    private readonly sites: Site[] = [];

    constructor(private readonly o: ControlPlaneOptions) {
        this.pki = path.join(o.work, "pki");
        this.nextPort = o.portBase;
    }

    /** Starts a long-running process, logging to `<work>/logs/<name>.log`. */
    private daemon(name: string, binary: string, args: string[]): Daemon {
        const logFile = path.join(this.o.work, "logs", `${name}.log`);
        fs.mkdirSync(path.dirname(logFile), { recursive: true });
        const fd = fs.openSync(logFile, "a");
        const child = spawn(path.join(this.o.bin, binary), args, { stdio: ["ignore", fd, fd] });
        fs.closeSync(fd);
        if (child.pid === undefined) throw new Error(`could not start ${binary}`);
        fs.appendFileSync(path.join(this.o.work, "pids"), `${child.pid}\n`);
        const d: Daemon = { name, pid: child.pid, exited: false, stopped: false, logFile };
        child.on("exit", (code, signal) => {
            d.exited = true;
            if (!this.stopping && !d.stopped) this.o.log(`!! ${name} exited (code ${code}, signal ${signal}); log: ${logFile}`);
        });
        this.daemons.push(d);
        return d;
    }

    private stopping = false;

    private port(): number {
        return this.nextPort++;
    }

    private openssl(args: string[]): void {
        const r = spawnSync("openssl", args, { cwd: this.pki, encoding: "utf8" });
        if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
    }

    /** A CA, a serving certificate for 127.0.0.1/localhost, the service-account key pair, the token file. */
    private makePki(): void {
        fs.mkdirSync(this.pki, { recursive: true });
        this.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=axonserver-e2e-ca"]);
        this.openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=kube-apiserver"]);
        fs.writeFileSync(path.join(this.pki, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        this.openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext"]);
        this.openssl(["genrsa", "-out", "sa.key", "2048"]);
        this.openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
        fs.writeFileSync(path.join(this.pki, "tokens.csv"), `${TOKEN},e2e-admin,e2e-admin,"system:masters"\n`);
    }

    async startEtcd(): Promise<void> {
        this.makePki();
        this.etcdPort = this.port();
        const peer = this.port();
        const url = `http://127.0.0.1:${this.etcdPort}`;
        const peerUrl = `http://127.0.0.1:${peer}`;
        this.daemon("etcd", "etcd", [
            "--name=e2e",
            `--data-dir=${path.join(this.o.work, "etcd")}`,
            `--listen-client-urls=${url}`,
            `--advertise-client-urls=${url}`,
            `--listen-peer-urls=${peerUrl}`,
            `--initial-advertise-peer-urls=${peerUrl}`,
            `--initial-cluster=e2e=${peerUrl}`,
            "--log-level=warn",
        ]);
        await waitFor("etcd", 60_000, async () => {
            const r = spawnSync("curl", ["-sf", `${url}/health`], { encoding: "utf8" });
            return r.status === 0 && r.stdout.includes("true");
        });
    }

    /** Starts one Kubernetes site and waits until its nodes are Ready. */
    async startSite(spec: SiteSpec): Promise<Site> {
        const port = this.port();
        const host = `127.0.0.1:${port}`;
        const dir = path.join(this.o.work, "sites", spec.name);
        fs.mkdirSync(dir, { recursive: true });
        const ca = fs.readFileSync(path.join(this.pki, "ca.crt"));
        const caData = ca.toString("base64");
        const kubeconfig = path.join(dir, "kubeconfig");
        fs.writeFileSync(
            kubeconfig,
            JSON.stringify({
                apiVersion: "v1",
                kind: "Config",
                "current-context": spec.name,
                clusters: [{ name: spec.name, cluster: { server: `https://${host}`, "certificate-authority-data": caData } }],
                contexts: [{ name: spec.name, context: { cluster: spec.name, user: "e2e-admin" } }],
                users: [{ name: "e2e-admin", user: { token: TOKEN } }],
            }),
        );
        const pki = (f: string) => path.join(this.pki, f);
        const tag = `${spec.name}`;
        const procs: Daemon[] = [];
        procs.push(
            this.daemon(`${tag}-kube-apiserver`, "kube-apiserver", [
                `--etcd-servers=http://127.0.0.1:${this.etcdPort}`,
                `--etcd-prefix=/registry-${spec.name}`,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                `--secure-port=${port}`,
                `--tls-cert-file=${pki("server.crt")}`,
                `--tls-private-key-file=${pki("server.key")}`,
                `--token-auth-file=${pki("tokens.csv")}`,
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc",
                `--service-account-key-file=${pki("sa.pub")}`,
                `--service-account-signing-key-file=${pki("sa.key")}`,
                "--service-cluster-ip-range=10.96.0.0/16",
                // The lease reconciler would publish 127.0.0.1 as the `kubernetes` Service's endpoint,
                // which endpoint validation rejects (loopback).
                "--endpoint-reconciler-type=none",
                `--cert-dir=${path.join(dir, "certs")}`,
            ]),
        );
        const api = apiClient(host, ca);
        await waitFor(`${spec.name} kube-apiserver`, 120_000, async () => {
            const r = await api("GET", "/api/v1/namespaces/default").catch(() => undefined);
            return r?.status === 200;
        });
        procs.push(
            this.daemon(`${tag}-kube-controller-manager`, "kube-controller-manager", [
                `--kubeconfig=${kubeconfig}`,
                "--bind-address=127.0.0.1",
                "--secure-port=0",
                "--leader-elect=false",
                `--service-account-private-key-file=${pki("sa.key")}`,
                `--root-ca-file=${pki("ca.crt")}`,
                "--use-service-account-credentials=false",
            ]),
        );
        procs.push(
            this.daemon(`${tag}-kube-scheduler`, "kube-scheduler", [
                `--kubeconfig=${kubeconfig}`,
                "--bind-address=127.0.0.1",
                "--secure-port=0",
                "--leader-elect=false",
            ]),
        );
        for (const f of spec.crdFiles ?? []) {
            const r = spawnSync(path.join(this.o.bin, "kubectl"), ["--kubeconfig", kubeconfig, "apply", "--server-side", "-f", f], { encoding: "utf8" });
            if (r.status !== 0) throw new Error(`${spec.name}: kubectl apply -f ${f}: ${r.stderr}`);
        }
        if ((spec.crdFiles ?? []).length > 0) {
            const w = spawnSync(path.join(this.o.bin, "kubectl"), ["--kubeconfig", kubeconfig, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"], { encoding: "utf8" });
            if (w.status !== 0) throw new Error(`${spec.name}: CRDs not established: ${w.stderr}`);
        }
        for (const sc of spec.storageClasses) {
            const r = await api("POST", "/apis/storage.k8s.io/v1/storageclasses", {
                apiVersion: "storage.k8s.io/v1",
                kind: "StorageClass",
                metadata: { name: sc.name },
                provisioner: sc.provisioner,
                volumeBindingMode: "WaitForFirstConsumer",
                reclaimPolicy: "Delete",
            });
            if (r.status >= 300) throw new Error(`storage class ${sc.name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
        }
        for (const n of spec.nodes) {
            const r = await api("POST", "/api/v1/nodes", {
                apiVersion: "v1",
                kind: "Node",
                metadata: { name: n.name, labels: n.labels, annotations: { "kwok.x-k8s.io/node": "fake" } },
                status: { capacity: n.allocatable, allocatable: n.allocatable },
            });
            if (r.status >= 300) throw new Error(`node ${n.name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
            const s = await api(
                "PATCH",
                `/api/v1/nodes/${n.name}/status`,
                { status: { capacity: n.allocatable, allocatable: n.allocatable } },
                "application/merge-patch+json",
            );
            if (s.status >= 300) throw new Error(`node ${n.name} status: HTTP ${s.status} ${JSON.stringify(s.body)}`);
        }
        const stages = path.join(dir, "kwok-stages.yaml");
        fs.writeFileSync(stages, kwokStages(this.o.podReadyDelayMs, this.o.gateMode));
        const siteIndex = this.sites.length;
        procs.push(
            this.daemon(`${tag}-kwok`, "kwok", [
                `--kubeconfig=${kubeconfig}`,
                `--config=${stages}`,
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                `--cidr=10.200.${siteIndex}.0/24`,
                `--node-ip=10.201.${siteIndex}.1`,
                // Node leases are the kubelet's heartbeat: without them the node lifecycle controller
                // marks the nodes Unknown after its 40 s grace period and every pod on them NotReady
                // (kwok's config default applies only to a KwokConfiguration in --config, which has none).
                "--node-lease-duration-seconds=40",
            ]),
        );
        await waitFor(`${spec.name} nodes Ready`, 120_000, async () => {
            const r = await api<{ items: { status?: { conditions?: { type: string; status: string }[] } }[] }>("GET", "/api/v1/nodes");
            return (
                r.status === 200 &&
                r.body.items.length === spec.nodes.length &&
                r.body.items.every((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
            );
        });
        const provisioner = startProvisioner(api, this.o.log, spec.name);
        const site: Site = {
            spec,
            host,
            kubeconfig,
            caData,
            api,
            stop: () => {
                provisioner.stop();
                for (const d of procs) {
                    d.stopped = true;
                    if (!d.exited) process.kill(d.pid, "SIGTERM");
                }
            },
        };
        this.sites.push(site);
        return site;
    }

    /** Stops every process this control plane started (by process id). */
    stop(): void {
        this.stopping = true;
        for (const s of this.sites) s.stop();
        for (const d of this.daemons) if (!d.exited) {
            try {
                process.kill(d.pid, "SIGTERM");
            } catch {
                // already gone
            }
        }
    }

    /** Daemons that died: their last log lines, for a failure message. */
    deadDaemons(): string[] {
        return this.daemons.filter((d) => d.exited && !d.stopped && !this.stopping).map((d) => `${d.name} died; last log lines:\n${tail(d.logFile, 15)}`);
    }
}

export function tail(file: string, lines: number): string {
    try {
        return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}

export async function waitFor(what: string, timeoutMs: number, ok: () => Promise<boolean>, intervalMs = 500): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
        if (await ok().catch(() => false)) return;
        if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

/** A minimal JSON client for one API server (loopback, bearer token). */
export function apiClient(host: string, ca: Buffer): Site["api"] {
    const [hostname, port] = host.split(":");
    return <T>(method: string, apiPath: string, body?: unknown, contentType = "application/json") =>
        new Promise<ApiResult<T>>((resolve, reject) => {
            const data = body === undefined ? undefined : JSON.stringify(body);
            const req = https.request(
                {
                    hostname,
                    port: Number(port),
                    path: apiPath,
                    method,
                    ca,
                    headers: {
                        Authorization: `Bearer ${TOKEN}`,
                        Accept: "application/json",
                        ...(data !== undefined ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(data) } : {}),
                    },
                    timeout: 30_000,
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let parsed: unknown = text;
                        try {
                            parsed = JSON.parse(text);
                        } catch {
                            // keep the text
                        }
                        resolve({ status: res.statusCode ?? 0, body: parsed as T });
                    });
                },
            );
            req.on("error", reject);
            req.on("timeout", () => req.destroy(new Error(`${method} ${apiPath}: timeout`)));
            if (data !== undefined) req.write(data);
            req.end();
        });
}

/**
 * The selector of a scheduled pod kwok has not started yet, split by whether it is a gate/roller Job pod
 * (`In`) or not (`NotIn`): the two pod stages take disjoint halves of the same set.
 */
function scheduledPendingPods(component: "In" | "NotIn", comment?: string): string {
    return `  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.spec.nodeName'
      operator: 'Exists'
    - key: '.status.phase'
      operator: 'In'
      values: ['Pending']
${comment !== undefined ? `    # ${comment}\n` : ""}    - key: '.metadata.labels["app.kubernetes.io/component"]'
      operator: '${component}'
      values: ['${GATE_COMPONENT}']
`;
}

/**
 * kwok Stages (kwok.x-k8s.io/v1alpha1, sigs.k8s.io/kwok pkg/apis/v1alpha1/stage_types.go): a scheduled
 * pod becomes Running and Ready after `delayMs` (a simulated start-up: no container ever runs), and a
 * deleted pod goes away at once (there is no kubelet to confirm the deletion), and a node turns Ready
 * (kwok v0.8.0 has no built-in stages once a config is given; the node leases, kwok's
 * `--node-lease-duration-seconds`, are the heartbeat that keeps it Ready).
 */
export function kwokStages(delayMs: number, gateMode: GateMode): string {
    return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: e2e-node-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values: ['True']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $now | Quote }}
        message: kwok simulates this node
        reason: KubeletReady
        status: "True"
        type: Ready
      phase: Running
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: e2e-pod-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
${scheduledPendingPods("NotIn", "Gate Job pods never get this stage (a missing label is \"not in\" for kwok's selector,\n    # sigs.k8s.io/kwok pkg/utils/expression/selector.go): see gateStage.")}  delay:
    durationMilliseconds: ${delayMs}
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        started: true
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      initContainerStatuses:
      {{ range .spec.initContainers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        state:
          terminated:
            exitCode: 0
            reason: Completed
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
      {{ end }}
      {{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      {{ with $podIPs }}
      podIP: {{ index . 0 | Quote }}
      podIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: e2e-pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    finalizers:
      empty: true
    delete: true
${gateMode === "kwok" ? gateStage : ""}`;
}

/**
 * `E2E_GATE=kwok`: a scheduled gate pod simply succeeds after a second, whatever Axon would say (the
 * default, `run`, runs the gate script for real: tools/e2e/jobs.ts). Without either, kwok never
 * finishes a gate pod and `pulumi up` waits on the first gate Job until its await timeout.
 */
const gateStage = `---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: e2e-gate-complete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
${scheduledPendingPods("In")}  delay:
    durationMilliseconds: 1000
  next:
    statusTemplate: |
      {{ $now := Now }}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: 0
            reason: Completed
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
      {{ end }}
      phase: Succeeded
      startTime: {{ $now | Quote }}
`;

/**
 * Stands in for the cloud's load balancer controller: a `LoadBalancer` Service without an address gets
 * a hostname under `.invalid` (RFC 6761: never resolves, so nothing can ever send traffic to it).
 */
async function assignLoadBalancers(api: Site["api"], log: (m: string) => void, site: string): Promise<void> {
    const r = await api<{ items: { metadata: { name: string; namespace: string }; spec: { type?: string }; status?: { loadBalancer?: { ingress?: unknown[] } } }[] }>(
        "GET",
        "/api/v1/services",
    );
    for (const svc of r.body.items ?? []) {
        if (svc.spec.type !== "LoadBalancer" || (svc.status?.loadBalancer?.ingress ?? []).length > 0) continue;
        const { name, namespace } = svc.metadata;
        const p = await api(
            "PATCH",
            `/api/v1/namespaces/${namespace}/services/${name}/status`,
            { status: { loadBalancer: { ingress: [{ hostname: `${name}.${namespace}.${site}.lb.invalid` }] } } },
            "application/merge-patch+json",
        );
        if (p.status >= 300) log(`!! ${site}: load balancer status of ${namespace}/${name}: HTTP ${p.status}`);
    }
}

interface Pvc {
    metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string> };
    spec: { storageClassName?: string; accessModes?: string[]; resources?: { requests?: { storage?: string } }; volumeName?: string };
    status?: { phase?: string };
}

/**
 * A minimal external provisioner for every storage class: a Pending claim whose pod the scheduler placed
 * (`volume.kubernetes.io/selected-node`, set for `WaitForFirstConsumer`) gets a pre-bound PV in the
 * node's zone; the PV controller completes the binding as it does for a CSI provisioner's volumes.
 * Volumes are never deleted here: a claim deleted with a `Delete` class leaves its PV `Released`.
 * The same loop also plays the cloud's load balancer controller (`assignLoadBalancers`).
 */
function startProvisioner(api: Site["api"], log: (m: string) => void, site: string): { stop(): void } {
    const done = new Set<string>();
    let busy = false;
    const tick = async () => {
        if (busy) return;
        busy = true;
        try {
            await assignLoadBalancers(api, log, site);
            const r = await api<{ items: Pvc[] }>("GET", "/api/v1/persistentvolumeclaims");
            for (const pvc of r.body.items ?? []) {
                const node = pvc.metadata.annotations?.["volume.kubernetes.io/selected-node"];
                if (pvc.status?.phase !== "Pending" || pvc.spec.volumeName || !node || done.has(pvc.metadata.uid)) continue;
                const sc = await api<{ provisioner?: string; reclaimPolicy?: string }>("GET", `/apis/storage.k8s.io/v1/storageclasses/${pvc.spec.storageClassName}`);
                if (sc.status !== 200) continue;
                const n = await api<{ metadata: { labels?: Record<string, string> } }>("GET", `/api/v1/nodes/${node}`);
                const zone = n.body.metadata?.labels?.["topology.kubernetes.io/zone"];
                const term = zone
                    ? { key: "topology.kubernetes.io/zone", operator: "In", values: [zone] }
                    : { key: "kubernetes.io/hostname", operator: "In", values: [node] };
                const pvName = `pvc-${pvc.metadata.uid}`;
                const created = await api("POST", "/api/v1/persistentvolumes", {
                    apiVersion: "v1",
                    kind: "PersistentVolume",
                    metadata: { name: pvName, annotations: { "pv.kubernetes.io/provisioned-by": sc.body.provisioner ?? "e2e" } },
                    spec: {
                        capacity: { storage: pvc.spec.resources?.requests?.storage ?? "1Gi" },
                        accessModes: pvc.spec.accessModes ?? ["ReadWriteOnce"],
                        persistentVolumeReclaimPolicy: sc.body.reclaimPolicy ?? "Delete",
                        storageClassName: pvc.spec.storageClassName,
                        claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid },
                        // Never mounted (no kubelet): a path is enough, and valid for every provisioner name.
                        hostPath: { path: `/var/lib/axonserver-e2e/${pvName}` },
                        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [term] }] } },
                    },
                });
                done.add(pvc.metadata.uid);
                if (created.status >= 300 && created.status !== 409) log(`!! ${site} provisioner: PV for ${pvc.metadata.namespace}/${pvc.metadata.name}: HTTP ${created.status} ${JSON.stringify(created.body)}`);
            }
        } catch {
            // the API server may be restarting or stopped: try again on the next tick
        } finally {
            busy = false;
        }
    };
    const timer = setInterval(() => void tick(), 1000);
    return { stop: () => clearInterval(timer) };
}
