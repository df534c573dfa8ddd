/**
 * Loopback tests of the backup agent script (components/backup/agent.sh, as shipped by renderBackupAgent):
 * one node of the cluster model in test/support/axonBackupStub.ts (127.0.0.1, random port), a temp dir
 * as the bucket (`file://`), and the script run with bash exactly as the sidecar runs it (env vars,
 * `--once`). No sleeps: retries run with BACKUP_RETRY_DELAY_SECONDS=0; run ids are fixed (BACKUP_RUN_ID).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AGENT_ENV, AGENT_LAYOUT, AGENT_SCRIPT_NAME, AGENT_SCRIPT_PATH, renderBackupAgent, RESTORE_ENV } from "../../components/backup/agent";
import { buildTopology } from "../fixtures/topologies";
import { startCluster, StubNode } from "../support/axonBackupStub";

const seg = (n: number, ext: string, version = 0) => `${String(n).padStart(20, "0")}${version ? `_${String(version).padStart(5, "0")}` : ""}${ext}`;

function runAgent(script: string, env: Record<string, string>, args = ["--once"]): Promise<{ code: number; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [script, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stderr }));
    });
}

const has = (tool: string) => spawnSync("bash", ["-c", `command -v ${tool}`]).status === 0;

/** One node, PRIMARY of `_admin`, of `orders` (contexts orders, payments) and of `billing`. */
const TOPOLOGY = buildTopology({
    environment: "t",
    nodes: ["n1"],
    groups: [
        { name: "_admin", members: { n1: "PRIMARY" } },
        { name: "orders", members: { n1: "PRIMARY" }, contexts: ["orders", "payments"] },
        { name: "billing", members: { n1: "PRIMARY" } },
    ],
});

describe("backup agent (loopback)", () => {
    let tmp: string;
    let script: string;

    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "axon-backup-agent-"));
        script = path.join(tmp, AGENT_SCRIPT_NAME);
        fs.writeFileSync(script, renderBackupAgent(), { mode: 0o755 });
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    async function setup(name: string) {
        const cluster = await startCluster(TOPOLOGY, path.join(tmp, name, "nodes"));
        const node: StubNode = cluster.nodes.get("n1")!;
        const bucket = path.join(tmp, name, "bucket", "t", "n1");
        const env = {
            [AGENT_ENV.target]: `file://${bucket}`,
            [AGENT_ENV.units]: "_admin: orders:orders,payments billing:billing",
            [AGENT_ENV.axonUrl]: node.url,
            [AGENT_ENV.tokenFile]: node.tokenFile,
            [AGENT_ENV.controlDbPrune]: "true",
            [AGENT_ENV.retries]: "3",
            [AGENT_ENV.retryDelaySeconds]: "0",
            TMPDIR: tmp,
        };
        const read = (key: string) => fs.readFileSync(path.join(bucket, key), "utf8");
        const exists = (key: string) => fs.existsSync(path.join(bucket, key));
        const run = (id: string, extra: Record<string, string> = {}) => runAgent(script, { ...env, [AGENT_ENV.runId]: id, ...extra });
        return { cluster, node, bucket, env, read, exists, run, calls: cluster.calls };
    }

    for (const tool of ["jq", "python3"]) {
        it(`first run (${tool}): own control DB, then each group's log and events, all with AxonIQ-Context: _admin; latest flipped last`, async function () {
            // The agent takes jq when installed, else python3: each path is tested, so each tool must be there (.ci/run installs jq).
            assert.ok(has(tool), `${tool} is required to test the agent's ${tool} path: install it (apt-get install ${tool})`);
            const s = await setup(`first-${tool}`);
            try {
                const r = await s.run("r1", { [AGENT_ENV.jsonTool]: tool });
                assert.equal(r.code, 0, r.stderr);
                const sequence = s.calls.map((c) =>
                    c.path.endsWith("createControlDbBackup")
                        ? "controldb"
                        : c.path.endsWith("log/filenames")
                          ? `log:${c.query.context}`
                          : `events:${c.query.targetContext}:${c.query.type}:${c.query.lastClosedSegmentBackedUp}:${c.query.lastClosedVersionBackedUp}`,
                );
                assert.deepEqual(sequence, [
                    "controldb",
                    "log:_admin",
                    "log:orders",
                    "events:orders:EVENT:-1:0",
                    "events:orders:SNAPSHOT:-1:0",
                    "events:payments:EVENT:-1:0",
                    "events:payments:SNAPSHOT:-1:0",
                    "log:billing",
                    "events:billing:EVENT:-1:0",
                    "events:billing:SNAPSHOT:-1:0",
                ]);
                // axon-server-se RestRequestAccessDecisionVoter: the AxonIQ-Context header decides the
                // authorisation context; the stub answers 403 for any other context than _admin.
                assert.ok(s.calls.every((c) => c.contextHeader === "_admin" && c.status === 200), JSON.stringify(s.calls.filter((c) => c.status !== 200)));
                assert.equal(s.read(AGENT_LAYOUT.latest), "r1\n");
                const manifest = s.read(AGENT_LAYOUT.manifest("r1")).trim().split("\n");
                assert.ok(manifest.includes(`controldb ${AGENT_LAYOUT.controlDbZip("r1")}`));
                assert.ok(manifest.includes(`log orders ${AGENT_LAYOUT.runLogDir("r1", "orders")}/${seg(1, ".log")}`));
                // Closed segments (0..2) once, shared; the active one (3) under the run.
                assert.ok(manifest.includes(`events orders events/orders/${seg(2, ".events")}`));
                assert.ok(manifest.includes(`events orders runs/r1/events/orders/${seg(3, ".events")}`));
                assert.ok(manifest.includes("marker orders EVENT 2 0"));
                assert.ok(manifest.includes("marker orders SNAPSHOT -1 0"));
                for (const line of manifest.filter((l) => !l.startsWith("marker"))) assert.ok(s.exists(line.split(" ").pop()!), line);
                assert.match(s.read(AGENT_LAYOUT.lastSuccess), /^\d+\n$/);
                assert.ok(!r.stderr.includes("token-of-n1"), "the token never appears in the log");
            } finally {
                await s.cluster.close();
            }
        });
    }

    it("second run: markers and version from the last complete run; closed segments not copied again; a rewritten version is; newest zip kept", async () => {
        const s = await setup("incremental");
        try {
            assert.equal((await s.run("r1")).code, 0);
            s.cluster.advance(); // segment 3 closes, 4 is active, new log content
            // Event transformation rewrote segment 1 as version 1; a closed segment's source is tampered with
            // (it must not be copied again).
            fs.writeFileSync(path.join(s.node.events, "orders", seg(1, ".events", 1)), "orders events segment 1 (version 1)\n");
            fs.writeFileSync(path.join(s.node.events, "orders", seg(0, ".events")), "TAMPERED\n");
            s.calls.length = 0;
            const r = await s.run("r2");
            assert.equal(r.code, 0, r.stderr);
            const ev = s.calls.find((c) => c.query.targetContext === "orders" && c.query.type === "EVENT")!;
            assert.deepEqual([ev.query.lastClosedSegmentBackedUp, ev.query.lastClosedVersionBackedUp], ["2", "0"]);
            assert.equal(s.read(`events/orders/${seg(3, ".events")}`), "orders events segment 3\n", "the once-active segment, now closed and final");
            assert.equal(s.read(`events/orders/${seg(1, ".events", 1)}`), "orders events segment 1 (version 1)\n");
            assert.match(s.read(`events/orders/${seg(0, ".events")}`), /^orders events segment 0$/m, "closed segment not copied again");
            const manifest = s.read(AGENT_LAYOUT.manifest("r2"));
            assert.match(manifest, /^marker orders EVENT 3 1$/m);
            assert.match(manifest, new RegExp(`^events orders events/orders/${seg(0, ".events")}$`, "m"), "closed segments of earlier runs stay in the run");
            assert.equal(s.read(AGENT_LAYOUT.latest), "r2\n");
            // The newest control DB zip stays on the volume for snapshots; older ones go.
            assert.equal(fs.readdirSync(s.node.controlDbBackups).length, 1);
            s.calls.length = 0;
            assert.equal((await s.run("r3")).code, 0);
            const ev3 = s.calls.find((c) => c.query.targetContext === "orders" && c.query.type === "EVENT")!;
            assert.equal(ev3.query.lastClosedVersionBackedUp, "1", "lastClosedVersionBackedUp: the rewritten segment is not uploaded again");
            assert.deepEqual(fs.readdirSync(path.join(s.bucket, "runs")).sort(), ["r2", "r3"], "this run and the previous complete one are kept");
        } finally {
            await s.cluster.close();
        }
    });

    it("a failing group is skipped, the others are backed up, the run exits non-zero and latest stays at the last complete run", async () => {
        const s = await setup("isolated");
        try {
            assert.equal((await s.run("r1")).code, 0);
            s.node.fail = (c) => (c.path.endsWith("log/filenames") && c.query.context === "orders" ? 500 : undefined);
            s.calls.length = 0;
            const r = await s.run("r2");
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /ERROR step=log:orders: GET \/v1\/backup\/log\/filenames\?context=orders failed \(HTTP 500\)/);
            assert.match(r.stderr, /run r2 is incomplete, group\(s\) orders failed; latest stays at r1/);
            assert.equal(s.calls.filter((c) => c.query.context === "orders").length, 3, "3 attempts (BACKUP_RETRIES=3)");
            assert.ok(s.calls.some((c) => c.query.context === "billing"), "the next group still runs");
            assert.equal(s.read(AGENT_LAYOUT.latest), "r1\n");
            assert.ok(!s.exists(AGENT_LAYOUT.manifest("r2")));
        } finally {
            await s.cluster.close();
        }
    });

    it("tries /createControlDbBackup when /v1/backup/createControlDbBackup answers 404; no control DB, no run", async () => {
        const s = await setup("controldb");
        try {
            s.node.controlDbPaths = ["/createControlDbBackup"];
            let r = await s.run("r1");
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(s.calls.filter((c) => c.method === "POST").map((c) => `${c.path}:${c.status}`), ["/v1/backup/createControlDbBackup:404", "/createControlDbBackup:200"]);
            s.node.controlDbPaths = [];
            s.calls.length = 0;
            r = await s.run("r2");
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /ERROR step=controldb: POST createControlDbBackup failed \(HTTP 404\)/);
            assert.ok(!s.calls.some((c) => c.method === "GET"), "no log without a control DB backup before it");
        } finally {
            await s.cluster.close();
        }
    });

    it("retries a transient 503; skips every run while a restore holds the prefix", async () => {
        const s = await setup("transient");
        try {
            let failures = 1;
            s.node.fail = (c) => (c.path.endsWith("log/filenames") && failures-- > 0 ? 503 : undefined);
            let r = await s.run("r1");
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /step=log:_admin: GET \/v1\/backup\/log\/filenames\?context=_admin: transient failure \(curl exit 0, HTTP 503\); retry 1\/2/);
            fs.writeFileSync(path.join(s.bucket, AGENT_LAYOUT.hold), "hold\n");
            s.calls.length = 0;
            r = await s.run("r2");
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /hold exists \(a restore is pending\): run skipped/);
            assert.deepEqual(s.calls, []);
        } finally {
            await s.cluster.close();
        }
    });

    it("restore: only from a complete run, into empty directories unless told to wipe them", async () => {
        const s = await setup("restore");
        try {
            const target = path.join(tmp, "restore", "target");
            const env = {
                [RESTORE_ENV.source]: `file://${s.bucket}`,
                [RESTORE_ENV.dataDir]: path.join(target, "data"),
                [RESTORE_ENV.logDir]: path.join(target, "log"),
                [RESTORE_ENV.eventsDir]: path.join(target, "events"),
                [AGENT_ENV.retryDelaySeconds]: "0",
                [AGENT_ENV.retries]: "1",
                TMPDIR: tmp,
            };
            let r = await runAgent(script, env, ["--restore"]);
            assert.equal(r.code, 1);
            assert.match(r.stderr, /no complete backup run under file:\/\/.* \(no 'latest' pointer\): nothing to restore/);
            assert.equal((await s.run("r1")).code, 0);
            fs.mkdirSync(path.join(target, "data", "lost+found"), { recursive: true });
            fs.mkdirSync(path.join(target, "data", "controldb-backups"), { recursive: true });
            fs.writeFileSync(path.join(target, "data", "controldb-backups", "controldb1.zip"), "an empty node's");
            fs.mkdirSync(path.join(target, "log"), { recursive: true });
            fs.writeFileSync(path.join(target, "log", "stray"), "x");
            r = await runAgent(script, env, ["--restore"]);
            assert.match(r.stderr, /data is not empty \(set RESTORE_WIPE=true/, "an old control DB zip counts as content");
            r = await runAgent(script, { ...env, [RESTORE_ENV.wipe]: "true", [RESTORE_ENV.recoveryJson]: '[{"name":"n1"}]' }, ["--restore"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /restored run r1 from file:\/\/.*: \d+ object\(s\)/);
            assert.ok(!fs.existsSync(path.join(target, "log", "stray")));
            assert.ok(fs.existsSync(path.join(target, "data", "lost+found")), "a file system's lost+found stays");
            // The VM agent's unit names this directory in ReadWritePaths: it stays, emptied.
            assert.deepEqual(fs.readdirSync(path.join(target, "data", "controldb-backups")), []);
            assert.equal(fs.readFileSync(path.join(target, "data", "recovery.json"), "utf8"), '[{"name":"n1"}]\n');
            r = await runAgent(script, { ...env, [RESTORE_ENV.wipe]: "true", [RESTORE_ENV.run]: "r9" }, ["--restore"]);
            assert.match(r.stderr, /run r9 under .* has no manifest: it is not complete|download of the manifest of run r9 failed/);
        } finally {
            await s.cluster.close();
        }
    });

    it("rejects a missing configuration and a missing mode", async () => {
        let r = await runAgent(script, { BACKUP_UNITS: "orders:orders", AXON_TOKEN_FILE: "/x" });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /ERROR step=init: BACKUP_TARGET is not set/);
        r = await runAgent(script, { BACKUP_TARGET: "http://x/y", BACKUP_UNITS: "orders:orders", AXON_TOKEN_FILE: "/x" });
        assert.match(r.stderr, /BACKUP_TARGET must be s3:\/\/<bucket>\/<prefix>/);
        r = await runAgent(script, {}, []);
        assert.equal(r.code, 2);
    });

    it("the script's documented environment is exactly AGENT_ENV and RESTORE_ENV, and it reads no other", () => {
        const source = fs.readFileSync(AGENT_SCRIPT_PATH, "utf8");
        const header = source.slice(0, source.indexOf("\nset -uo pipefail"));
        const documented = new Set([...header.matchAll(/^#\s{2,}((?:[A-Z][A-Z0-9_]+,\s*)*[A-Z][A-Z0-9_]+)\s/gm)].flatMap((m) => m[1].split(/,\s*/)));
        const declared = new Set<string>([...Object.values(AGENT_ENV), ...Object.values(RESTORE_ENV)]);
        assert.deepEqual([...documented].sort(), [...declared].sort(), "header Environment sections vs agent.ts");
        // What the script takes from the environment: the variables it reads with a default (`${NAME:-…}`).
        const body = source.slice(header.length);
        const fromEnv = new Set([...body.matchAll(/\$\{([A-Z][A-Z0-9_]*):-/g)].map((m) => m[1]));
        fromEnv.delete("TMPDIR"); // the runtime's, not ours
        for (const v of fromEnv) assert.ok(declared.has(v), `${v} is read from the environment but not in AGENT_ENV/RESTORE_ENV`);
        for (const v of declared) assert.ok(new RegExp(`\\b${v}\\b`).test(body), `${v} is declared but the script never uses it`);
    });

    it("passes shellcheck (the source and the shipped script)", () => {
        // A check that passes without its tool checks nothing: shellcheck must be installed (.ci/run installs it).
        assert.ok(has("shellcheck"), "shellcheck is required: install it (apt-get install shellcheck)");
        for (const f of [AGENT_SCRIPT_PATH, script]) {
            const r = spawnSync("shellcheck", ["--shell=bash", f], { encoding: "utf8" });
            assert.equal(r.status, 0, r.stdout + r.stderr);
        }
    });
});
