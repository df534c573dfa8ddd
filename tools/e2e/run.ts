/**
 * The real-engine test bed's scenarios (started by tools/e2e/e2e.sh, which builds the binaries and
 * cleans up). The real Pulumi CLI and Kubernetes provider run the program against local API servers
 * with kwok nodes; `aws`, `gcp`, `random` and `tls` are fakes (tools/e2e/fake-provider.ts).
 *
 *   npm run e2e -- [--scenarios a,b,c,e,d] [--pod-ready-delay-ms N] [--long] [--gate run|kwok] [--stacks dev,prod]
 *
 * Scenarios (each throws with a message naming what failed):
 *   a  `pulumi preview` of local, dev and prod: no error, no unexpected warning, the same resources as
 *      `npm run render`.
 *   b  `pulumi up` of local: StatefulSets rolled out, Services with endpoints, PVCs bound; and a
 *      strict server-side dry-run of the rendered objects in a PodSecurity `restricted` namespace.
 *   c  a new `axonServer.version`: StatefulSets change one at a time in the rolling order, each after
 *      the previous one is Ready (API timestamps); then a no-change `up` is a no-op.
 *   e  `pulumi destroy` of local: the namespace, every PVC and PV are still there.
 *   d  the Kubernetes halves of dev and prod: one API server per Kubernetes site, kwok nodes per zone
 *      with the machine type's allocatable, the real scheduler, a simulated start-up delay.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { loadTopologyOrThrow } from "../../components/topology/load";
import type { Site as TopologySite, Topology } from "../../components/topology/model";
import { readStackFile, stackConfigFromFile } from "../config/stackFile";
import { ControlPlane, GateMode, KwokNode, Site, SiteSpec, tail, waitFor } from "./cluster";
import { JobRunner } from "./jobs";
import { allocatableOf } from "./machines";
import { KUBERNETES_KEYS } from "../../components/topology/identity";
import { EKS_NODEGROUP_LABEL, eksNodeGroupResourceName, GKE_NODEPOOL_LABEL, gkeNodePoolResourceName, siteResourcePrefix } from "../../components/topology/naming";

/** Label of every object of one Axon node (StatefulSet, pod): the node's name. */
const NODE_LABEL = KUBERNETES_KEYS.node;

const REPO = path.resolve(__dirname, "..", "..");
const WORK = required("E2E_WORK");
const BIN = required("E2E_PATH");
const PROJECT = path.join(WORK, "project");
const PASSPHRASE = "axonserver-e2e-passphrase";

function required(name: string): string {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: run tools/e2e/e2e.sh (npm run e2e)`);
    return v;
}

interface Options {
    scenarios: string[];
    podReadyDelayMs: number;
    gateMode: GateMode;
    /** Stacks of scenario d. */
    stacks: string[];
}

function parseArgs(argv: string[]): Options {
    const o: Options = { scenarios: ["a", "b", "c", "e", "d"], podReadyDelayMs: Number(process.env.E2E_POD_READY_DELAY_MS ?? 5000),
        gateMode: (process.env.E2E_GATE ?? "run") as GateMode,
        stacks: ["dev", "prod"],
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--scenarios") o.scenarios = (argv[++i] ?? "").split(",").filter(Boolean);
        else if (a === "--pod-ready-delay-ms") o.podReadyDelayMs = Number(argv[++i]);
        // Axon Server takes 2-3 minutes to start on a real node; --long simulates that.
        else if (a === "--long") o.podReadyDelayMs = 150_000;
        else if (a === "--gate") o.gateMode = argv[++i] as GateMode;
        else if (a === "--stacks") o.stacks = (argv[++i] ?? "").split(",").filter(Boolean);
        else throw new Error(`unknown argument ${a}`);
    }
    if (o.gateMode !== "run" && o.gateMode !== "kwok") throw new Error(`--gate must be run or kwok, not ${o.gateMode}`);
    return o;
}

function log(msg: string): void {
    console.log(`[e2e] ${msg}`);
}

class ScenarioFailure extends Error {}

function fail(msg: string): never {
    throw new ScenarioFailure(msg);
}

// ---------------------------------------------------------------------------------------------
// Pulumi project in a temp directory

const FAKE_PACKAGES = ["aws", "gcp", "random", "tls"] as const;

/**
 * A copy of the project: Pulumi.yaml (plus `plugins.providers` pointing at our binaries), the stack
 * files, and symlinks to the sources and node_modules. Stacks live in a file backend under WORK.
 */
function setUpProject(): void {
    fs.mkdirSync(PROJECT, { recursive: true });
    // The file backend needs its directory.
    fs.mkdirSync(path.join(WORK, "state"), { recursive: true });
    const plugins = path.join(WORK, "plugins");
    const providers: { name: string; path: string }[] = [];
    for (const pkg of FAKE_PACKAGES) {
        const dir = path.join(plugins, pkg);
        fs.mkdirSync(dir, { recursive: true });
        const shim = path.join(dir, `pulumi-resource-${pkg}`);
        fs.writeFileSync(
            shim,
            `#!/bin/sh\nTS_NODE_TRANSPILE_ONLY=true exec node -r ts-node/register "${path.join(REPO, "tools/e2e/fake-provider.ts")}" ${pkg} "$@"\n`,
            { mode: 0o755 },
        );
        providers.push({ name: pkg, path: dir });
    }
    const k8sDir = path.join(plugins, "kubernetes");
    fs.mkdirSync(k8sDir, { recursive: true });
    fs.symlinkSync(fs.realpathSync(path.join(BIN, "pulumi-resource-kubernetes")), path.join(k8sDir, "pulumi-resource-kubernetes"));
    providers.push({ name: "kubernetes", path: k8sDir });

    const project = YAML.parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
    project.plugins = { providers };
    fs.writeFileSync(path.join(PROJECT, "Pulumi.yaml"), YAML.stringify(project));
    for (const f of fs.readdirSync(REPO)) {
        if (/^Pulumi\..+\.yaml$/.test(f)) fs.copyFileSync(path.join(REPO, f), path.join(PROJECT, f));
    }
    for (const f of ["stacks", "components", "tools", "node_modules", "package.json", "tsconfig.json"]) {
        fs.symlinkSync(path.join(REPO, f), path.join(PROJECT, f));
    }
    // Exec credential plugins the EKS/GKE kubeconfigs call: they hand out the local API servers' token.
    const shims = path.join(WORK, "shims");
    fs.mkdirSync(shims, { recursive: true });
    const cred = `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${"e2e-admin-token"}"}}'\n`;
    for (const f of ["aws", "gke-gcloud-auth-plugin"]) fs.writeFileSync(path.join(shims, f), cred, { mode: 0o755 });
}

const clusterMap: Record<string, { host: string; caData: string }> = {};
let localKubeconfig = "";

function pulumiEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (/^(AWS_|GOOGLE_|GCLOUD_|CLOUDSDK_|KUBECONFIG$|PULUMI_)/.test(k)) delete env[k];
    return {
        ...env,
        PATH: `${BIN}:${path.join(WORK, "shims")}:${process.env.PATH}`,
        PULUMI_HOME: path.join(WORK, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${path.join(WORK, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        E2E_CLUSTERS: JSON.stringify(clusterMap),
        // Kubeconfigs without a CA (GKE's DNS endpoint) must trust the local API servers' CA.
        SSL_CERT_FILE: path.join(WORK, "pki", "ca.crt"),
        ...(localKubeconfig ? { KUBECONFIG: localKubeconfig } : {}),
    };
}

interface Result {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs pulumi in the project copy; output also goes to a log file. `onStart` gets the child's pid. */
async function pulumi(args: string[], logName: string, onStart?: (pid: number) => void): Promise<Result> {
    const logFile = path.join(WORK, "logs", `${logName}.log`);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    return new Promise((resolve, reject) => {
        const child = spawn(path.join(BIN, "pulumi"), [...args, "--non-interactive"], { cwd: PROJECT, env: pulumiEnv(), stdio: ["ignore", "pipe", "pipe"] });
        if (child.pid) {
            fs.appendFileSync(path.join(WORK, "pids"), `${child.pid}\n`);
            onStart?.(child.pid);
        }
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => {
            stdout += d.toString();
            fs.appendFileSync(logFile, d);
        });
        child.stderr.on("data", (d: Buffer) => {
            stderr += d.toString();
            fs.appendFileSync(logFile, d);
        });
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
}

async function pulumiOk(args: string[], logName: string): Promise<Result> {
    const r = await pulumi(args, logName);
    if (r.code !== 0) {
        fail(`pulumi ${args.join(" ")} exited ${r.code}; last output (${path.join(WORK, "logs", `${logName}.log`)}):\n${lastLines(r.stdout + r.stderr, 60)}`);
    }
    return r;
}

function lastLines(s: string, n: number): string {
    return s.trimEnd().split("\n").slice(-n).join("\n");
}

/** A routed public address for the runner ranges (the fake AWS provider never connects to it). */
const E2E_RUNNER_CIDR = "52.48.0.10/32";

const initialized = new Set<string>();
async function ensureStack(stack: string): Promise<void> {
    if (initialized.has(stack)) return;
    await pulumiOk(["stack", "init", stack], `stack-init-${stack}`);
    // The entry point refuses a multi-node topology without a license (stacks/index.ts). No Axon Server
    // ever reads it here: a placeholder secret is enough.
    await pulumiOk(["config", "set", "--secret", "license", "axonserver-e2e placeholder license", "--stack", stack], `license-${stack}`);
    // It also refuses an EKS stack whose only runner address is the example files' documentation placeholder
    // (components/topology/clusterAccess.ts): the one edit README "Deploy for real" asks for, on the copy.
    const access = stackConfigFromFile(readStackFile(stack, REPO)).raw.clusterAccess as { runnerCidrs?: unknown[] } | undefined;
    if (access?.runnerCidrs?.length) {
        await pulumiOk(["config", "set", "--path", "clusterAccess.runnerCidrs[0]", E2E_RUNNER_CIDR, "--stack", stack], `runner-${stack}`);
    }
    initialized.add(stack);
}

// ---------------------------------------------------------------------------------------------
// npm run render: the resource list the mocks produce

interface RenderedResource {
    type: string;
    name: string;
    urn: string;
}

const renders = new Map<string, string>();
function render(stack: string): string {
    const cached = renders.get(stack);
    if (cached) return cached;
    const out = path.join(WORK, "render", stack);
    const r = spawnSync("npx", ["ts-node", "--transpile-only", "tools/render.ts", "--stack", stack, "--out", out], { cwd: REPO, encoding: "utf8" });
    if (r.status !== 0) fail(`npm run render -- --stack ${stack} failed:\n${r.stdout}\n${r.stderr}`);
    renders.set(stack, out);
    return out;
}

function countTypes(items: { type: string }[]): Map<string, number> {
    const m = new Map<string, number>();
    for (const i of items) m.set(i.type, (m.get(i.type) ?? 0) + 1);
    return m;
}

// ---------------------------------------------------------------------------------------------
// Sites

/** Kind's node: one worker with this machine's size (what `kind create cluster` gives on it). */
function localSiteSpec(): SiteSpec {
    const cpu = String(os.cpus().length);
    const memory = `${Math.floor(os.totalmem() / 1024 / 1024)}Mi`;
    return {
        name: "kind",
        nodes: [
            {
                name: "kind-control-plane",
                labels: { "kubernetes.io/hostname": "kind-control-plane", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
                allocatable: { cpu, memory, pods: "110", "ephemeral-storage": "100Gi" },
            },
        ],
        // kind's default class (rancher.io/local-path, WaitForFirstConsumer).
        storageClasses: [{ name: "standard", provisioner: "rancher.io/local-path" }],
    };
}

function loadTopology(stack: string): Topology {
    const { raw, options } = stackConfigFromFile(readStackFile(stack, REPO));
    return loadTopologyOrThrow(raw, options).topology;
}

/** Nodes of an EKS/GKE site: `nodesPerZone` workers per zone, labelled as the clouds label them. */
function cloudSiteSpec(site: TopologySite, topology: Topology): SiteSpec {
    const environment = topology.environment;
    const prefix = siteResourcePrefix(topology, site.name);
    const nodes: KwokNode[] = [];
    for (const zone of site.zones) {
        for (let i = 0; i < site.cluster.nodesPerZone; i++) {
            const name = `${site.name}-${zone}-${i}`;
            nodes.push({
                name,
                labels: {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "node.kubernetes.io/instance-type": site.cluster.machineType,
                    "topology.kubernetes.io/region": site.region,
                    "topology.kubernetes.io/zone": zone,
                    // The pool-name label the cloud puts on its workers (the Axon pods are pinned to it); the
                    // fake provider names a node group or node pool after its logical name.
                    ...(site.platform === "eks"
                        ? { [EKS_NODEGROUP_LABEL]: eksNodeGroupResourceName(prefix, zone) }
                        : { [GKE_NODEPOOL_LABEL]: gkeNodePoolResourceName(prefix) }),
                    type: "kwok",
                },
                allocatable: { ...allocatableOf(site.cloud, site.cluster.machineType), "ephemeral-storage": "100Gi" },
            });
        }
    }
    // GKE clusters come with the VolumeSnapshot CRDs (the Compute Engine Persistent Disk CSI driver is
    // on by default; https://cloud.google.com/kubernetes-engine/docs/how-to/persistent-volumes/backup-pd-volume-snapshots
    // creates a VolumeSnapshotClass without installing anything). The test bed applies the same CRDs
    // from the Kubernetes release's cluster/addons/volumesnapshots (external-snapshotter's).
    const crdDir = path.join(required("E2E_KUBE_SRC"), "cluster", "addons", "volumesnapshots", "crd");
    const crdFiles = site.platform === "gke" ? fs.readdirSync(crdDir).filter((f) => f.endsWith(".yaml")).map((f) => path.join(crdDir, f)) : [];
    // Unique per stack: each API server has its own etcd prefix and work directory.
    return { name: `${environment}-${site.name}`, nodes, storageClasses: [], crdFiles };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes object checks

interface KObj {
    metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        creationTimestamp?: string;
        deletionTimestamp?: string;
        generation?: number;
        uid?: string;
        managedFields?: { manager?: string; operation?: string; time?: string; subresource?: string }[];
        ownerReferences?: { kind: string; name: string }[];
    };
    spec?: Record<string, unknown>;
    status?: Record<string, unknown>;
}

async function list(site: Site, apiPath: string): Promise<KObj[]> {
    const r = await site.api<{ items: KObj[] }>("GET", apiPath);
    if (r.status !== 200) fail(`GET ${apiPath} on ${site.spec.name}: HTTP ${r.status}`);
    return r.body.items;
}

/** Every StatefulSet rolled out, every selector Service with ready endpoints, every PVC bound. */
async function checkWorkloads(site: Site): Promise<string[]> {
    const problems: string[] = [];
    const sts = (await list(site, "/apis/apps/v1/statefulsets")).filter((s) => s.metadata.namespace !== "kube-system");
    if (sts.length === 0) problems.push(`${site.spec.name}: no StatefulSet at all`);
    for (const s of sts) {
        const spec = s.spec as { replicas?: number; updateStrategy?: { type?: string } };
        const st = s.status as { readyReplicas?: number; updatedReplicas?: number; currentRevision?: string; updateRevision?: string; replicas?: number };
        const want = spec.replicas ?? 1;
        // With OnDelete the controller never moves currentRevision (kubernetes pkg/controller/statefulset/
        // stateful_set_utils.go completeRollingUpdate: RollingUpdate only); updatedReplicas counts the pods
        // at updateRevision.
        const updated = spec.updateStrategy?.type === "OnDelete" ? (st.updatedReplicas ?? 0) === want : st.currentRevision === st.updateRevision;
        if ((st.readyReplicas ?? 0) !== want || !updated) {
            problems.push(
                `${site.spec.name}: StatefulSet ${s.metadata.namespace}/${s.metadata.name} not rolled out: ready ${st.readyReplicas ?? 0}/${want}, updated ${st.updatedReplicas ?? 0}/${want}, revision ${st.currentRevision} -> ${st.updateRevision}`,
            );
        }
    }
    const slices = await list(site, "/apis/discovery.k8s.io/v1/endpointslices");
    for (const svc of await list(site, "/api/v1/services")) {
        const ns = svc.metadata.namespace;
        if (ns === "default" && svc.metadata.name === "kubernetes") continue;
        const spec = svc.spec as { selector?: Record<string, string>; publishNotReadyAddresses?: boolean };
        if (!spec.selector) continue;
        const eps = slices
            .filter((e) => e.metadata.namespace === ns && e.metadata.labels?.["kubernetes.io/service-name"] === svc.metadata.name)
            .flatMap((e) => ((e as unknown as { endpoints?: { conditions?: { ready?: boolean } }[] }).endpoints ?? []));
        if (!eps.some((e) => e.conditions?.ready !== false)) {
            problems.push(`${site.spec.name}: Service ${ns}/${svc.metadata.name} has no ready endpoint`);
        }
    }
    for (const pvc of await list(site, "/api/v1/persistentvolumeclaims")) {
        const phase = (pvc.status as { phase?: string }).phase;
        if (phase !== "Bound") problems.push(`${site.spec.name}: PVC ${pvc.metadata.namespace}/${pvc.metadata.name} is ${phase}`);
    }
    return problems;
}

/** Why pods are not running: scheduler events and pod conditions, for failure messages. */
async function podDiagnosis(site: Site): Promise<string> {
    const lines: string[] = [];
    for (const p of await list(site, "/api/v1/pods")) {
        const st = p.status as { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
        const bad = (st.conditions ?? []).filter((c) => c.status !== "True");
        if (st.phase !== "Running" || bad.length > 0) {
            lines.push(`  pod ${p.metadata.namespace}/${p.metadata.name}: ${st.phase}; ${bad.map((c) => `${c.type}=${c.status} ${c.reason ?? ""} ${c.message ?? ""}`).join("; ")}`);
        }
    }
    const events = (await list(site, "/api/v1/events")).filter((e) => (e as unknown as { type?: string }).type === "Warning");
    for (const e of events.slice(-15)) {
        const ev = e as unknown as { reason?: string; message?: string; involvedObject?: { kind?: string; name?: string } };
        lines.push(`  event ${ev.involvedObject?.kind}/${ev.involvedObject?.name}: ${ev.reason}: ${ev.message}`);
    }
    return lines.join("\n") || "  (no pending pod, no warning event)";
}

/**
 * Problems that make a running `pulumi up` fail at an await timeout, found early from the API objects so
 * the test names the resource instead of waiting: a pod the scheduler cannot place for longer than
 * `graceMs` (the nodes never change here, so it never will, and its StatefulSet's await times out).
 *
 * Services are no such problem: pulumi-kubernetes' Service await (provider/pkg/await/service.go, since
 * pulumi/pulumi-kubernetes#3142, July 2024) waits for its Endpoints to have no not-ready address, so a
 * Service that selects no pod yet is ready after a 10 s settling time, and one whose pods are starting
 * waits as long as their StatefulSet does. `checkWorkloads` requires endpoints after `up`.
 */
async function blockers(site: Site, graceMs: number): Promise<string[]> {
    const now = Date.now();
    const out: string[] = [];
    for (const p of await list(site, "/api/v1/pods")) {
        const c = ((p.status as { conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[] }).conditions ?? []).find(
            (x) => x.type === "PodScheduled",
        );
        const since = Date.parse(c?.lastTransitionTime ?? p.metadata.creationTimestamp ?? "");
        if (c && c.status === "False" && c.reason === "Unschedulable" && now - since > graceMs) {
            const owner = p.metadata.ownerReferences?.map((o) => `${o.kind} ${p.metadata.namespace}/${o.name}`).join(", ") ?? "no owner";
            out.push(`${site.spec.name}: pod ${p.metadata.namespace}/${p.metadata.name} (${owner}) unschedulable for ${Math.round((now - since) / 1000)}s: ${c.message}; pulumi would wait for it until the StatefulSet await times out`);
        }
    }
    return out;
}

/**
 * `pulumi up` with a watchdog over `sites`: on a blocker (see `blockers`) seen twice in a row it
 * interrupts pulumi and reports the blocker. E2E_NO_WATCHDOG=1 lets the awaits run into their timeouts.
 */
async function upWatched(stack: string, logName: string, sites: Site[], graceMs: number): Promise<{ result: Result; blocked: string[] }> {
    let pid = 0;
    let blocked: string[] = [];
    let strikes = 0;
    const timer = setInterval(() => {
        if (process.env.E2E_NO_WATCHDOG === "1" || pid === 0 || blocked.length > 0) return;
        void Promise.all(sites.map((s) => blockers(s, graceMs).catch(() => [] as string[]))).then((found) => {
            const all = found.flat();
            strikes = all.length > 0 ? strikes + 1 : 0;
            if (strikes >= 2 && blocked.length === 0) {
                blocked = all;
                log(`watchdog: interrupting pulumi up of ${stack}:\n  ${all.join("\n  ")}`);
                const p = pid;
                const kill = (sig: NodeJS.Signals) => {
                    try {
                        process.kill(p, sig);
                    } catch {
                        // already gone
                    }
                };
                kill("SIGINT");
                setTimeout(() => kill("SIGINT"), 15_000);
                setTimeout(() => kill("SIGKILL"), 30_000);
            }
        });
    }, 5000);
    try {
        const result = await pulumi(["up", "--stack", stack, "--yes", "--skip-preview"], logName, (p) => (pid = p));
        return { result, blocked };
    } finally {
        clearInterval(timer);
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Context {
    cp: ControlPlane;
    opts: Options;
    /** Runs the gate Jobs' pods (`--gate run`). */
    jobs?: JobRunner;
    local?: Site;
}

/** How long a pod may stay unschedulable, or a Service without endpoints, before it counts as a blocker. */
function graceFor(ctx: Context): number {
    return 60_000 + ctx.opts.podReadyDelayMs;
}

async function ensureLocal(ctx: Context): Promise<Site> {
    if (!ctx.local) {
        ctx.local = await ctx.cp.startSite(localSiteSpec());
        localKubeconfig = ctx.local.kubeconfig;
        ctx.jobs?.attach("local", loadTopology("local"), [ctx.local]);
    }
    return ctx.local;
}

/** Warnings of the engine or providers that are known and harmless here. */
const EXPECTED_WARNING: RegExp[] = [
    // The module proxy serves no newer Kubernetes provider than this pseudo-version (README, test bed).
    /resource plugin kubernetes is expected to have version >=[0-9.]+, but has 4\.0\.0-20260115033456-f47bc2d6f199/,
    // The README's outputs table: `clientCaCertificate` is undefined without TLS (`local`), and the engine
    // says so for every undefined stack output.
    /Undefined value \(clientCaCertificate\) will not show as a stack output/,
];

async function scenarioA(ctx: Context): Promise<void> {
    await ensureLocal(ctx);
    const problems: string[] = [];
    for (const stack of ["local", "dev", "prod"]) {
        await ensureStack(stack);
        const r = await pulumi(["preview", "--stack", stack, "--json"], `a-preview-${stack}`);
        let json: { steps?: { op: string; urn: string; newState?: { type: string } }[]; diagnostics?: { severity: string; message: string; urn?: string }[] };
        try {
            json = JSON.parse(r.stdout) as typeof json;
        } catch {
            fail(`preview of ${stack} printed no JSON (exit ${r.code}):\n${lastLines(r.stdout + r.stderr, 40)}`);
        }
        const diags = json.diagnostics ?? [];
        for (const d of diags.filter((d) => d.severity === "error")) problems.push(`${stack}: error ${d.urn ?? ""}: ${d.message.trim()}`);
        // The program's own config analysis warns on purpose (the topology report's warnings).
        const report = JSON.parse(fs.readFileSync(path.join(render(stack), "topology-report.json"), "utf8")) as { warnings?: { message: string }[] };
        const programWarnings = (report.warnings ?? []).map((w) => w.message);
        const expected = (m: string) => EXPECTED_WARNING.some((re) => re.test(m)) || programWarnings.some((w) => m.includes(w));
        for (const d of diags.filter((d) => d.severity === "warning" && !expected(d.message))) {
            problems.push(`${stack}: warning ${d.urn ?? ""}: ${d.message.trim()}`);
        }
        if (r.code !== 0) problems.push(`${stack}: pulumi preview exited ${r.code}: ${lastLines(r.stderr, 10)}`);
        // Same resources as the mocks: every step except the Stack and the engine's default providers.
        const typeOf = (urn: string) => (urn.split("::")[2] ?? "").split("$").at(-1) ?? "";
        const previewed = (json.steps ?? [])
            .map((s) => ({ type: typeOf(s.urn), name: s.urn.split("::").at(-1) ?? "" }))
            .filter((s) => s.type !== "pulumi:pulumi:Stack" && !(s.type.startsWith("pulumi:providers:") && s.name.startsWith("default")));
        const rendered = JSON.parse(fs.readFileSync(path.join(render(stack), "resources.json"), "utf8")) as RenderedResource[];
        // The render has no license (it cannot take secrets); the resources that carry the placeholder
        // license set by ensureStack (`<site>-license`, `<vm node>-license[-version]`) are the only extra ones.
        const renderedNames = new Set(rendered.map((r) => r.name));
        const licenseOnly = previewed.filter((s) => /-license(-version)?$/.test(s.name) && !renderedNames.has(s.name));
        const a = countTypes(previewed.filter((s) => !licenseOnly.includes(s)));
        const b = countTypes(rendered);
        for (const t of new Set([...a.keys(), ...b.keys()])) {
            if ((a.get(t) ?? 0) !== (b.get(t) ?? 0)) problems.push(`${stack}: ${t}: preview ${a.get(t) ?? 0}, render ${b.get(t) ?? 0}`);
        }
        log(`a: ${stack}: preview ${previewed.length} resources (${licenseOnly.length} for the license), render ${rendered.length}, ${diags.filter((d) => d.severity === "warning").length} warning(s)`);
    }
    if (problems.length > 0) fail(`preview problems:\n  ${problems.join("\n  ")}`);
}

/** Strict server-side dry run of the rendered objects in a namespace that enforces and warns `restricted`. */
async function strictDryRun(site: Site, stack: string, siteName: string): Promise<string[]> {
    const file = path.join(render(stack), `kubernetes-${siteName}.yaml`);
    const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS() as KObj & { kind: string; apiVersion: string });
    const ns = `e2e-strict-${siteName}`;
    const objects = docs.filter((d) => d && d.kind !== "Namespace").map((d) => (d.metadata.namespace !== undefined ? { ...d, metadata: { ...d.metadata, namespace: ns } } : d));
    const nsObj = {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns, labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" } },
    };
    const created = await site.api("POST", "/api/v1/namespaces", nsObj);
    if (created.status >= 300 && created.status !== 409) fail(`namespace ${ns}: HTTP ${created.status}`);
    const input = path.join(WORK, `strict-${siteName}.yaml`);
    // Rendered secrets carry "[secret]" placeholders: fine for validation (stringData).
    fs.writeFileSync(input, objects.map((o) => YAML.stringify(o)).join("---\n"));
    const r = spawnSync(
        path.join(BIN, "kubectl"),
        ["--kubeconfig", site.kubeconfig, "apply", "--server-side", "--dry-run=server", "--validate=strict", "--field-manager=e2e", "-f", input],
        { encoding: "utf8" },
    );
    const problems: string[] = [];
    if (r.status !== 0) problems.push(`kubectl apply --dry-run=server --validate=strict exited ${r.status}:\n${r.stderr.trim()}`);
    const warnings = r.stderr.split("\n").filter((l) => /^Warning:/.test(l));
    for (const w of warnings) problems.push(w);
    log(`b: strict dry run of ${objects.length} rendered objects of ${stack}/${siteName}: exit ${r.status}, ${warnings.length} warning(s)`);
    return problems;
}

async function scenarioB(ctx: Context): Promise<void> {
    const site = await ensureLocal(ctx);
    await ensureStack("local");
    const problems = await strictDryRun(site, "local", "kind");
    const { result: up, blocked } = await upWatched("local", "b-up-local", [site], graceFor(ctx));
    if (blocked.length > 0) {
        problems.push(`pulumi up of local would not complete:\n  ${blocked.join("\n  ")}\npulumi output:\n${lastLines(up.stdout + up.stderr, 25)}`);
    } else if (up.code !== 0) {
        problems.push(`pulumi up of local exited ${up.code}:\n${lastLines(up.stdout + up.stderr, 40)}\npods:\n${await podDiagnosis(site)}`);
    } else {
        problems.push(...(await checkWorkloads(site)));
    }
    if (problems.length > 0) fail(`local up problems:\n  ${problems.join("\n  ")}`);
}

/** Time of a pod's Ready condition turning True (second precision), NaN when it is not Ready. */
function readyAt(p: KObj): number {
    const c = ((p.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] }).conditions ?? []).find((x) => x.type === "Ready");
    return c?.status === "True" && c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
}

const iso = (t: number) => (Number.isNaN(t) ? "never" : new Date(t).toISOString());

/**
 * A new `axonServer.version`: every Axon pod is replaced, one at a time, in the program's `updateOrder`
 * output, each only after the previous node's new pod was Ready. Proven from the pods themselves (the
 * API server's `creationTimestamp` of each new pod and its Ready condition's `lastTransitionTime`), so it
 * holds whoever replaces the pods: the StatefulSet controller (RollingUpdate) or a roller (OnDelete).
 * Then a preview and an `up` without a change change nothing.
 */
async function scenarioC(ctx: Context): Promise<void> {
    const site = await ensureLocal(ctx);
    const order = JSON.parse((await pulumiOk(["stack", "output", "updateOrder", "--json", "--stack", "local"], "c-order")).stdout) as string[];
    const nodeOf = (o: KObj) => o.metadata.labels?.[NODE_LABEL];
    const stsBefore = new Map((await list(site, "/apis/apps/v1/statefulsets")).map((s) => [nodeOf(s), s]));
    const podsBefore = new Map((await list(site, "/api/v1/pods")).filter(nodeOf).map((p) => [nodeOf(p), p]));
    const current = loadTopology("local");
    const next = current.axonServer.version === "2024.2.5" ? "2024.2.6" : "2024.2.5";
    await pulumiOk(["config", "set", "--path", "axonServer.version", next, "--stack", "local"], "c-config");
    const started = Date.now();
    const { result: up, blocked } = await upWatched("local", "c-up-version", [site], graceFor(ctx));
    if (blocked.length > 0) fail(`pulumi up with axonServer.version ${next} would not complete:\n  ${blocked.join("\n  ")}`);
    if (up.code !== 0) fail(`pulumi up with axonServer.version ${next} exited ${up.code}:\n${lastLines(up.stdout + up.stderr, 40)}\npods:\n${await podDiagnosis(site)}`);
    log(`c: up with axonServer.version ${next} took ${((Date.now() - started) / 1000).toFixed(0)}s`);
    // pulumi-kubernetes' StatefulSet update await (provider/pkg/await/statefulset.go) does not compare
    // status.observedGeneration with the new generation: the first event after the update still shows
    // the old, finished rollout, and the await passes before the controller restarted anything. Only a
    // gate after a node holds the chain; nothing waits after the last one.
    const problems = (await checkWorkloads(site)).map((p) => `right after pulumi up: ${p}`);
    for (const p of (await list(site, "/api/v1/pods")).filter((x) => nodeOf(x) && Number.isNaN(readyAt(x)))) {
        problems.push(`pulumi up returned while pod ${p.metadata.namespace}/${p.metadata.name} (created ${p.metadata.creationTimestamp}) was not Ready yet`);
    }
    await waitFor("every Axon pod Ready after the update", graceFor(ctx), async () => (await list(site, "/api/v1/pods")).filter(nodeOf).every((x) => !Number.isNaN(readyAt(x))), 1000).catch(
        (e: Error) => problems.push(e.message),
    );
    const sts = new Map((await list(site, "/apis/apps/v1/statefulsets")).map((s) => [nodeOf(s), s]));
    const pods = (await list(site, "/api/v1/pods")).filter(nodeOf);
    const rows: string[] = [];
    let prev: { node: string; ready: number } | undefined;
    for (const node of order) {
        const s = sts.get(node);
        const old = podsBefore.get(node);
        const now = pods.filter((p) => nodeOf(p) === node && !p.metadata.deletionTimestamp);
        if (!s || now.length !== 1) {
            problems.push(`node ${node}: ${s ? "" : "no StatefulSet, "}${now.length} pod(s) after the up`);
            continue;
        }
        if (stsBefore.get(node)?.metadata.generation === s.metadata.generation) problems.push(`StatefulSet ${s.metadata.name} did not change`);
        const images = ((s.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers ?? []).map((c) => c.image);
        if (!images.some((i) => new RegExp(`:${next.replace(/\./g, "\\.")}(-|$)`).test(i))) problems.push(`StatefulSet ${s.metadata.name} does not run ${next}: ${images.join(", ")}`);
        const pod = now[0];
        const created = Date.parse(pod.metadata.creationTimestamp ?? "");
        const ready = readyAt(pod);
        rows.push(`${node}: old pod ${old ? `created ${old.metadata.creationTimestamp}` : "none"}; new pod created ${iso(created)}, Ready ${iso(ready)}`);
        if (old && old.metadata.uid === pod.metadata.uid) problems.push(`${node}: its pod was not replaced`);
        if (!(created >= Math.floor(started / 1000) * 1000)) problems.push(`${node}: new pod created ${iso(created)}, before this up started`);
        if (Number.isNaN(ready)) problems.push(`${node}: new pod is not Ready`);
        if (prev && !(created >= prev.ready)) {
            problems.push(`${node}'s pod was replaced at ${iso(created)}, before ${prev.node}'s new pod was Ready at ${iso(prev.ready)}`);
        }
        prev = { node, ready };
    }
    log(`c: update order ${order.join(" -> ")}\n     ${rows.join("\n     ")}`);
    const again = await pulumiOk(["preview", "--stack", "local", "--json"], "c-preview-nochange");
    const steps = (JSON.parse(again.stdout) as { steps?: { op: string; urn: string }[] }).steps ?? [];
    const changes = steps.filter((s) => s.op !== "same");
    if (changes.length > 0) problems.push(`a second up would not be a no-op: ${changes.map((c) => `${c.op} ${c.urn}`).join(", ")}`);
    const uids = new Set(pods.map((p) => p.metadata.uid));
    const noop = await pulumiOk(["up", "--stack", "local", "--yes", "--skip-preview", "--json"], "c-up-nochange");
    // `up --json` prints one engine event per line.
    const noopChanges = noop.stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => (JSON.parse(l) as { resourcePreEvent?: { metadata: { op: string; urn: string } } }).resourcePreEvent?.metadata)
        .filter((m): m is { op: string; urn: string } => m !== undefined && m.op !== "same");
    if (noopChanges.length > 0) problems.push(`the second up changed: ${noopChanges.map((c) => `${c.op} ${c.urn}`).join(", ")}`);
    const replaced = (await list(site, "/api/v1/pods")).filter((p) => nodeOf(p) && !uids.has(p.metadata.uid));
    if (replaced.length > 0) problems.push(`the second up replaced pods: ${replaced.map((p) => p.metadata.name).join(", ")}`);
    log(`c: second up: ${noopChanges.length} change(s), ${replaced.length} pod(s) replaced`);
    if (problems.length > 0) fail(`rolling update problems:\n  ${problems.join("\n  ")}`);
}

async function scenarioE(ctx: Context): Promise<void> {
    const site = await ensureLocal(ctx);
    const pvcsBefore = await list(site, "/api/v1/persistentvolumeclaims");
    const pvsBefore = await list(site, "/api/v1/persistentvolumes");
    const nsBefore = [...new Set(pvcsBefore.map((p) => p.metadata.namespace!))];
    if (pvcsBefore.length === 0) fail("no PVC before destroy: run scenario b first");
    await pulumiOk(["destroy", "--stack", "local", "--yes", "--skip-preview"], "e-destroy-local");
    // Give the namespace and garbage collectors time to act on what destroy deleted.
    await new Promise((r) => setTimeout(r, 10_000));
    const problems: string[] = [];
    for (const ns of nsBefore) {
        const r = await site.api<KObj>("GET", `/api/v1/namespaces/${ns}`);
        if (r.status !== 200) problems.push(`namespace ${ns} is gone (HTTP ${r.status})`);
        else if (r.body.metadata.deletionTimestamp) problems.push(`namespace ${ns} is being deleted`);
    }
    const pvcs = new Map((await list(site, "/api/v1/persistentvolumeclaims")).map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
    for (const p of pvcsBefore) {
        const now = pvcs.get(`${p.metadata.namespace}/${p.metadata.name}`);
        if (!now) problems.push(`PVC ${p.metadata.namespace}/${p.metadata.name} is gone`);
        else if (now.metadata.deletionTimestamp) problems.push(`PVC ${p.metadata.namespace}/${p.metadata.name} is being deleted`);
    }
    const pvs = new Map((await list(site, "/api/v1/persistentvolumes")).map((p) => [p.metadata.name, p]));
    for (const p of pvsBefore) {
        const now = pvs.get(p.metadata.name);
        const phase = (now?.status as { phase?: string } | undefined)?.phase;
        if (!now) problems.push(`PV ${p.metadata.name} is gone`);
        else if (phase !== "Bound") problems.push(`PV ${p.metadata.name} is ${phase} (its claim was deleted)`);
    }
    log(`e: after destroy: ${pvcs.size} PVC(s), ${pvs.size} PV(s), namespaces ${nsBefore.join(", ")}`);
    if (problems.length > 0) fail(`destroy lost data:\n  ${problems.join("\n  ")}`);
}

async function scenarioD(ctx: Context): Promise<void> {
    const problems: string[] = [];
    for (const stack of ctx.opts.stacks) {
        const topology = loadTopology(stack);
        const k8sSites = topology.sites.filter((s) => s.platform === "eks" || s.platform === "gke");
        const sites: Site[] = [];
        for (const s of k8sSites) {
            const site = await ctx.cp.startSite(cloudSiteSpec(s, topology));
            sites.push(site);
            // The fake cloud provider hands this server out as the cluster named `<environment>-<site>`.
            clusterMap[`${topology.environment}-${s.name}`] = { host: site.host, caData: site.caData };
        }
        ctx.jobs?.attach(stack, topology, sites);
        await ensureStack(stack);
        const started = Date.now();
        const { result: up, blocked } = await upWatched(stack, `d-up-${stack}`, sites, graceFor(ctx));
        const seconds = Math.round((Date.now() - started) / 1000);
        if (blocked.length > 0) {
            problems.push(`${stack}: pulumi up would not complete:\n  ${blocked.join("\n  ")}`);
        } else if (up.code !== 0) {
            const diag = (await Promise.all(sites.map(async (s) => `${s.spec.name}:\n${await podDiagnosis(s)}`))).join("\n");
            problems.push(`${stack}: pulumi up exited ${up.code} after ${seconds}s:\n${lastLines(up.stdout + up.stderr, 40)}\npods:\n${diag}`);
        } else {
            for (const s of sites) problems.push(...(await checkWorkloads(s)).map((p) => `${stack}: ${p}`));
            log(`d: ${stack}: up completed in ${seconds}s`);
        }
        ctx.jobs?.detach(stack);
        for (const s of sites) s.stop();
    }
    if (problems.length > 0) fail(`Kubernetes halves of dev/prod:\n  ${problems.join("\n  ")}`);
}

// ---------------------------------------------------------------------------------------------

function versions(): string[] {
    const v = (bin: string, args: string[]) => {
        const r = spawnSync(path.join(BIN, bin), args, { encoding: "utf8" });
        return (r.stdout || r.stderr).trim().split("\n")[0];
    };
    return [
        `pulumi ${v("pulumi", ["version"])}`,
        `pulumi-language-nodejs ${v("pulumi-language-nodejs", ["version"])} (tools/e2e/go/pulumi/cmd/pulumi-language-nodejs)`,
        `pulumi-resource-kubernetes ${path.basename(path.dirname(fs.realpathSync(path.join(BIN, "pulumi-resource-kubernetes"))))}`,
        v("kube-apiserver", ["--version"]),
        v("kube-controller-manager", ["--version"]),
        v("kube-scheduler", ["--version"]),
        `kubectl ${v("kubectl", ["version", "--client"])}`,
        v("etcd", ["--version"]),
        `kwok ${v("kwok", ["--version"])}`,
        `node ${process.version}`,
    ];
}

async function main(): Promise<void> {
    const opts = parseArgs(process.argv.slice(2));
    log(`real binaries:\n  ${versions().join("\n  ")}`);
    log(`fake providers: ${FAKE_PACKAGES.map((p) => `${p} (tools/e2e/fake-provider.ts)`).join(", ")}`);
    log(`pod start-up delay (kwok): ${opts.podReadyDelayMs} ms; gate Job pods: ${opts.gateMode === "run" ? "the gate script runs here against a stub of Axon's health endpoint" : "a kwok stage succeeds them"}`);
    setUpProject();
    const cp = new ControlPlane({ work: WORK, bin: BIN, portBase: Number(process.env.E2E_PORT_BASE ?? 26000), podReadyDelayMs: opts.podReadyDelayMs, gateMode: opts.gateMode, log });
    const ctx: Context = { cp, opts };
    if (opts.gateMode === "run") {
        ctx.jobs = new JobRunner({ work: WORK, log });
        await ctx.jobs.start();
    }
    const results: { name: string; seconds: number; error?: string }[] = [];
    const t0 = Date.now();
    try {
        await cp.startEtcd();
        const scenarios: Record<string, (c: Context) => Promise<void>> = { a: scenarioA, b: scenarioB, c: scenarioC, e: scenarioE, d: scenarioD };
        for (const s of opts.scenarios) {
            const fn = scenarios[s];
            if (!fn) throw new Error(`unknown scenario ${s}`);
            const start = Date.now();
            log(`scenario ${s}: start`);
            try {
                await fn(ctx);
                results.push({ name: s, seconds: (Date.now() - start) / 1000 });
                log(`scenario ${s}: PASS (${((Date.now() - start) / 1000).toFixed(1)} s)`);
            } catch (e) {
                const dead = cp.deadDaemons();
                const msg = `${e instanceof Error ? e.message : String(e)}${dead.length ? `\n${dead.join("\n")}` : ""}`;
                results.push({ name: s, seconds: (Date.now() - start) / 1000, error: msg });
                log(`scenario ${s}: FAIL (${((Date.now() - start) / 1000).toFixed(1)} s)\n${msg}`);
                // Later scenarios build on b's deployment; d is independent.
                if (s === "b" && !(e instanceof ScenarioFailure)) break;
            }
        }
    } finally {
        ctx.jobs?.stop();
        cp.stop();
    }
    if (ctx.jobs) {
        const o = ctx.jobs.outcomes;
        log(`jobs run here: ${o.length} (${o.filter((x) => x.code === 0).length} succeeded): ${o.map((x) => `${x.pod} exit ${x.code} in ${x.seconds.toFixed(0)}s`).join(", ")}`);
    }
    const failed = results.filter((r) => r.error);
    log(`scenario times: ${results.map((r) => `${r.name} ${r.seconds.toFixed(1)} s${r.error ? " (FAIL)" : ""}`).join(", ")}; total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // The plain closing line CI reads.
    console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
    process.exitCode = failed.length > 0 ? 1 : 0;
    void tail;
    void waitFor;
}

// Exit explicitly: sockets to stopped API servers or late timers must not keep the run (and the
// entry script's clean-up) waiting.
main()
    .catch((e) => {
        console.error(`[e2e] ${e instanceof Error ? e.stack : String(e)}`);
        process.exitCode = 1;
    })
    .finally(() => setTimeout(() => process.exit(), 3000));
