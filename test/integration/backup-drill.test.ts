/**
 * The restore drill: back up a multi-node, multi-group cluster with the real agent script against the
 * loopback model of test/support/axonBackupStub.ts (per-node control DBs and logs, per-context REST
 * authorisation, old segments only on SECONDARY nodes), into a local directory standing in for the bucket;
 * lose every node's files; restore with the generated steps; and compare every node's files with what it had.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AGENT_ENV, AGENT_SCRIPT_NAME, renderBackupAgent, RESTORE_ENV } from "../../components/backup/agent";
import { planBackups } from "../../components/backup/plan";
import { restorePlan } from "../../components/backup/restorePlan";
import { restoreJobManifest } from "../../components/kubernetes/restoreJob";
import { agentEnv } from "../../components/backup/agentRuntime";
import { BACKUP_DEFAULTS, BackupSettings } from "../../components/backup/settings";
import { loadTopologyOrThrow } from "../../components/topology/load";
import { Topology } from "../../components/topology/model";
import { readStackFile, stackConfigFromFile } from "../../tools/config/stackFile";
import { buildTopology } from "../fixtures/topologies";
import { assertRestored, nodeFiles, startCluster, StubNode } from "../support/axonBackupStub";

const SETTINGS: BackupSettings = { ...BACKUP_DEFAULTS, enabled: true, drRegion: "us-east-1", cloud: "aws" };

function runScript(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [script, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stderr }));
    });
}

/**
 * Six nodes in groups with disjoint members: `_admin` and g1 on a1–a3, g2 on b1–b3. The b nodes share no
 * group with the a nodes and each node has its own control DB, so a restore that fills one node from
 * another's files (b1 from a1) cannot pass unnoticed.
 */
export function sixNodes(): Topology {
    return buildTopology({
        environment: "six",
        nodes: ["a1", "a2", "a3", "b1", "b2", "b3"],
        groups: [
            { name: "_admin", members: { a1: "PRIMARY", a2: "PRIMARY", a3: "PRIMARY" } },
            { name: "g1", members: { a1: "PRIMARY", a2: "PRIMARY", a3: "PRIMARY" } },
            { name: "g2", members: { b1: "PRIMARY", b2: "PRIMARY", b3: "PRIMARY" } },
        ],
    });
}

function stackTopology(stack: string): Topology {
    const { raw, options } = stackConfigFromFile(readStackFile(stack));
    return loadTopologyOrThrow(raw, options).topology;
}

function asEks(t: Topology): Topology {
    return { ...t, sites: t.sites.map((s) => ({ ...s, platform: "eks" as const, cloud: "aws" as const })), nodes: t.nodes.map((n) => ({ ...n, platform: "eks" as const, cloud: "aws" as const })) };
}

interface Drill {
    tmp: string;
    bucket: string;
    nodes: Map<string, StubNode>;
    agents: { node: string; code: number; stderr: string }[];
    close(): Promise<void>;
    advance(): void;
}

/** Starts the stubs and runs every agent of the plan once (in parallel, as their schedules would). */
async function backUp(topology: Topology, tmp: string, prepare?: (nodes: Map<string, StubNode>) => void, runId?: string): Promise<Drill> {
    const cluster = await startCluster(topology, path.join(tmp, "nodes"));
    prepare?.(cluster.nodes);
    const bucket = path.join(tmp, "bucket");
    const script = path.join(tmp, AGENT_SCRIPT_NAME);
    fs.writeFileSync(script, renderBackupAgent(), { mode: 0o755 });
    const drill: Drill = { tmp, bucket, nodes: cluster.nodes, agents: [], close: () => cluster.close(), advance: () => cluster.advance() };
    await runAgents(topology, drill, runId);
    return drill;
}

async function runAgents(topology: Topology, drill: Drill, runId?: string): Promise<void> {
    const plan = planBackups(topology, SETTINGS);
    const script = path.join(drill.tmp, AGENT_SCRIPT_NAME);
    drill.agents = await Promise.all(
        plan.agents.map(async (a) => {
            const n = drill.nodes.get(a.node)!;
            const env = agentEnv({ environment: topology.environment, node: a.node, plan, settings: SETTINGS, bucketRef: `file://${drill.bucket}`, tokenFile: n.tokenFile })!;
            const r = await runScript(script, ["--once"], { ...env, [AGENT_ENV.axonUrl]: n.url, [AGENT_ENV.retryDelaySeconds]: "0", [AGENT_ENV.retries]: "2", TMPDIR: drill.tmp, ...(runId ? { [AGENT_ENV.runId]: runId } : {}) });
            return { node: a.node, ...r };
        }),
    );
}

/** Every node's files now. */
function snapshot(drill: Drill): Map<string, Map<string, string>> {
    return new Map([...drill.nodes.values()].map((n) => [n.name, nodeFiles(n)]));
}

function loseEverything(drill: Drill): void {
    for (const n of drill.nodes.values()) for (const d of [n.data, n.log, n.events]) fs.rmSync(d, { recursive: true, force: true });
}

/**
 * Performs the generated restore of every node: the agent script in `--restore` mode with the env of the
 * node's Job (or VM command), its directories pointed at the stub node's (the Job mounts the node's PVCs
 * at exactly the paths in that env).
 */
async function restore(source: Topology, drill: Drill, target: Topology = source): Promise<{ node: string; code: number; stderr: string }[]> {
    const plan = restorePlan({ source, target, settings: SETTINGS, bucketUrl: `file://${drill.bucket}`, kubernetesJob: restoreJobManifest });
    const script = path.join(drill.tmp, AGENT_SCRIPT_NAME);
    return Promise.all(
        plan.nodes.map(async (nr) => {
            const n = drill.nodes.get(nr.node)!;
            if (nr.job) {
                // The Job mounts the node's PVCs where its env says the directories are.
                const container = (nr.job as { spec: { template: { spec: { containers: { env: { name: string; value: string }[]; volumeMounts: { name: string; mountPath: string }[] }[] } } } }).spec.template.spec.containers[0];
                const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
                for (const [k, v] of Object.entries(nr.env)) assert.equal(env[k], v, `${nr.node}: Job env ${k}`);
                for (const d of [RESTORE_ENV.dataDir, RESTORE_ENV.logDir, RESTORE_ENV.eventsDir]) assert.ok(container.volumeMounts.some((m) => m.mountPath === nr.env[d]), `${nr.node}: Job mounts ${nr.env[d]}`);
            } else assert.ok(nr.commands?.[0].includes("--restore"), `${nr.node}: VM restore command`);
            const r = await runScript(script, ["--restore"], {
                ...nr.env,
                [RESTORE_ENV.dataDir]: n.data,
                [RESTORE_ENV.logDir]: n.log,
                [RESTORE_ENV.eventsDir]: n.events,
                [AGENT_ENV.retryDelaySeconds]: "0",
                TMPDIR: drill.tmp,
            });
            return { node: nr.node, ...r };
        }),
    );
}

/** Restores one node from a given run id (what an operator overriding RESTORE_RUN would do). */
async function restoreRun(source: Topology, drill: Drill, node: string, run: string): Promise<{ code: number; stderr: string }> {
    const plan = restorePlan({ source, settings: SETTINGS, bucketUrl: `file://${drill.bucket}`, kubernetesJob: restoreJobManifest });
    const nr = plan.nodes.find((n) => n.node === node)!;
    const n = drill.nodes.get(node)!;
    return runScript(path.join(drill.tmp, AGENT_SCRIPT_NAME), ["--restore"], {
        ...nr.env,
        [RESTORE_ENV.run]: run,
        [RESTORE_ENV.dataDir]: n.data,
        [RESTORE_ENV.logDir]: n.log,
        [RESTORE_ENV.eventsDir]: n.events,
        [AGENT_ENV.retries]: "1",
        TMPDIR: drill.tmp,
    });
}

describe("restore drill (loopback cluster, local bucket)", () => {
    let tmp: string;
    beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "axon-drill-"))));
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const cases: [string, () => Topology][] = [
        ["the six-node case (_admin/g1 on a1–a3, g2 on b1–b3)", sixNodes],
        // local runs on an existing cluster, whose pods the program cannot give bucket access (no agents,
        // plan.ts): the drill exercises its group layout as if its site were EKS.
        ["stack local (its site as EKS)", () => asEks(stackTopology("local"))],
        ["stack dev", () => stackTopology("dev")],
        ["stack prod (SECONDARY nodes, retention)", () => stackTopology("prod")],
    ];
    for (const [name, topo] of cases) {
        it(`${name}: back up, lose everything, restore: every node has exactly what it had`, async () => {
            const topology = topo();
            const drill = await backUp(topology, tmp);
            try {
                const failed = drill.agents.filter((a) => a.code !== 0).map((a) => `${a.node}: ${a.stderr.trim().split("\n").filter((l) => l.includes("ERROR")).join("; ")}`);
                const before = snapshot(drill);
                loseEverything(drill);
                const restored = await restore(topology, drill);
                assert.deepEqual(restored.filter((r) => r.code !== 0).map((r) => `${r.node}: ${r.stderr}`), [], "every restore succeeds");
                try {
                    assertRestored(before, snapshot(drill));
                } catch (e) {
                    throw new Error(`${(e as Error).message}\nagent failures:\n  ${failed.join("\n  ") || "(none)"}`, { cause: e });
                }
                assert.deepEqual(failed, [], "every agent run succeeds");
            } finally {
                await drill.close();
            }
        });
    }

    it("fails, naming the node, when a node gets another node's control DB", async () => {
        const topology = sixNodes();
        const drill = await backUp(topology, tmp);
        try {
            const before = snapshot(drill);
            // The old plan's mistake: b1 restored from a1's control DB.
            const zip = (node: string) => {
                const prefix = path.join(drill.bucket, "six", node);
                return path.join(prefix, "runs", fs.readFileSync(path.join(prefix, "latest"), "utf8").trim(), "controldb", "controldb.zip");
            };
            fs.copyFileSync(zip("a1"), zip("b1"));
            loseEverything(drill);
            await restore(topology, drill);
            assert.throws(() => assertRestored(before, snapshot(drill)), /b1: got the control DB of a1 \(each node must get its own\)/);
        } finally {
            await drill.close();
        }
    });

    it("restores the newest complete run when the last run was incomplete, and never an incomplete one", async () => {
        const topology = sixNodes();
        const drill = await backUp(topology, tmp, undefined, "r1");
        try {
            const complete = snapshot(drill);
            drill.advance();
            // b1's g2 log fails in the second run: b1's run r2 is incomplete, the others complete.
            drill.nodes.get("b1")!.fail = (c) => (c.path.endsWith("log/filenames") && c.query.context === "g2" ? 500 : undefined);
            await runAgents(topology, drill, "r2");
            assert.deepEqual(drill.agents.filter((a) => a.code !== 0).map((a) => a.node), ["b1"]);
            assert.match(drill.agents.find((a) => a.node === "b1")!.stderr, /run r2 is incomplete, group\(s\) g2 failed; latest stays at r1/);
            const current = snapshot(drill);
            loseEverything(drill);
            const restored = await restore(topology, drill);
            assert.deepEqual(restored.filter((r) => r.code !== 0), []);
            // b1 comes back as of r1 (control DB, log and events of one run), every other node as of r2.
            const expected = new Map(current);
            expected.set("b1", complete.get("b1")!);
            assertRestored(expected, snapshot(drill));
            // Restoring the incomplete run is refused; had it been restored, the drill would name the mix.
            const forced = await restoreRun(topology, drill, "b1", "r2");
            assert.notEqual(forced.code, 0);
            assert.match(forced.stderr, /run r2 under .*\/six\/b1 has no manifest: it is not complete|download of the manifest of run r2 failed/);
            assert.throws(() => assertRestored(new Map([["b1", current.get("b1")!]]), new Map([["b1", complete.get("b1")!]])), /b1: control DB from another backup run than its log|b1: .* differs/);
        } finally {
            await drill.close();
        }
    });
});
