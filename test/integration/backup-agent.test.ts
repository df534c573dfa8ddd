/**
 * Loopback tests of the rendered backup agent: a stub of the four Axon Server backup endpoints over
 * real files in a temp dir (127.0.0.1, random port), a temp dir as the bucket (`file://`), and the
 * script run with bash exactly as the sidecar runs it (env vars, `--once`).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { AGENT_SCRIPT_NAME, renderBackupAgent } from "../../components/backup/agent";

const TOKEN = "s3cr3t-system-token";
const seg = (n: number, ext: string) => `${String(n).padStart(20, "0")}.${ext}`;

interface Call {
    method: string;
    path: string;
    query: Record<string, string>;
    token: string | undefined;
}

/** Node volumes and the stub's view of the event store. */
interface NodeState {
    root: string;
    /** Closed segment numbers per `<ctx>:<TYPE>`; the active segment is the highest file on disk. */
    closed: Record<string, number[]>;
    /** Per-request override: return a status (once or always) or extra (missing) file names. */
    fail?: { when: (c: Call) => boolean; status: number; times: number };
    extraFiles?: { when: (c: Call) => boolean; files: string[] };
    zips: number;
}

function write(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
}

function startStub(state: NodeState, calls: Call[]): Promise<{ server: http.Server; url: string }> {
    const server = http.createServer((req, res) => {
        const u = new URL(req.url ?? "/", "http://x");
        const call: Call = {
            method: req.method ?? "",
            path: u.pathname,
            query: Object.fromEntries(u.searchParams),
            token: req.headers["axoniq-access-token"] as string | undefined,
        };
        calls.push(call);
        const send = (status: number, body: string, type = "application/json") => {
            res.writeHead(status, { "content-type": type });
            res.end(body);
        };
        if (call.token !== TOKEN) return send(401, '{"error":"unauthorized"}');
        if (state.fail && state.fail.times > 0 && state.fail.when(call)) {
            state.fail.times--;
            return send(state.fail.status, '{"error":"injected"}');
        }
        const extra = state.extraFiles?.when(call) ? state.extraFiles.files : [];
        if (call.method === "POST" && call.path === "/v1/backup/createControlDbBackup") {
            state.zips++;
            const zip = path.join(state.root, "data", `controldb${1700000000000 + state.zips}.zip`);
            write(zip, `controldb zip #${state.zips}`);
            return send(200, zip, "text/plain");
        }
        if (call.method === "GET" && call.path === "/v1/backup/log/filenames") {
            const dir = path.join(state.root, "log", call.query.context);
            const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort().map((f) => path.join(dir, f)) : [];
            return send(200, JSON.stringify([...files, ...extra]));
        }
        if (call.method === "GET" && call.path === "/v1/backup/eventstore") {
            const { targetContext: ctx, type, lastClosedSegmentBackedUp } = call.query;
            if (type !== "EVENT" && type !== "SNAPSHOT") return send(400, '{"error":"type"}');
            const marker = Number(lastClosedSegmentBackedUp);
            const ext = type === "EVENT" ? "events" : "snapshots";
            const dir = path.join(state.root, "events", ctx);
            const onDisk = fs.readdirSync(dir).filter((f) => f.endsWith(`.${ext}`)).map((f) => Number(f.split(".")[0])).sort((a, b) => a - b);
            const closed = state.closed[`${ctx}:${type}`] ?? [];
            const last = closed.length ? Math.max(...closed) : -1;
            const files = onDisk.filter((n) => n > marker).map((n) => path.join(dir, seg(n, ext)));
            return send(200, JSON.stringify({ lastClosedSegment: last, filenames: [...files, ...extra] }));
        }
        return send(404, '{"error":"not found"}');
    });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

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

describe("backup agent (loopback)", () => {
    let tmp: string;
    let script: string;

    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "axon-backup-agent-"));
        script = path.join(tmp, AGENT_SCRIPT_NAME);
        fs.writeFileSync(script, renderBackupAgent(), { mode: 0o755 });
        fs.writeFileSync(path.join(tmp, "system.token"), `${TOKEN}\n`);
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** A fresh node (two contexts in group `orders`, one log group) and an empty bucket. */
    async function setup(name: string) {
        const root = path.join(tmp, name, "node");
        const bucket = path.join(tmp, name, "bucket", "prod", "axon-1");
        for (const ctx of ["orders", "payments"]) {
            write(path.join(root, "events", ctx, seg(0, "events")), `${ctx} events 0 (closed)`);
            write(path.join(root, "events", ctx, seg(0, "index")), `${ctx} index 0`);
            write(path.join(root, "events", ctx, seg(100, "events")), `${ctx} events 100 (active v1)`);
            write(path.join(root, "events", ctx, seg(0, "snapshots")), `${ctx} snapshots 0 (active)`);
        }
        write(path.join(root, "log", "orders", seg(1, "log")), "log 1");
        write(path.join(root, "log", "orders", seg(2, "log")), "log 2");
        write(path.join(root, "log", "_admin", seg(1, "log")), "admin log 1");
        const state: NodeState = { root, closed: { "orders:EVENT": [0], "payments:EVENT": [0] }, zips: 0 };
        const calls: Call[] = [];
        const { server, url } = await startStub(state, calls);
        const env = {
            BACKUP_TARGET: `file://${bucket}`,
            BACKUP_UNITS: "_admin: orders:orders,payments",
            AXON_URL: url,
            AXON_TOKEN_FILE: path.join(tmp, "system.token"),
            BACKUP_CONTROLDB: "true",
            BACKUP_RETRIES: "3",
            BACKUP_RETRY_DELAY_SECONDS: "0",
            TMPDIR: tmp,
        };
        const read = (key: string) => fs.readFileSync(path.join(bucket, key), "utf8");
        return { root, bucket, state, calls, server, env, read };
    }

    for (const tool of ["jq", "python3"]) {
        it(`first run (${tool}): control DB, then every log, then events; token header; markers stored`, async function () {
            if (!has(tool)) this.skip();
            const s = await setup(`first-${tool}`);
            try {
                const r = await runAgent(script, { ...s.env, BACKUP_JSON_TOOL: tool });
                assert.equal(r.code, 0, r.stderr);
                const sequence = s.calls.map((c) =>
                    c.path.endsWith("createControlDbBackup") ? "controldb" : c.path.endsWith("log/filenames") ? `log:${c.query.context}` : `events:${c.query.targetContext}:${c.query.type}:${c.query.lastClosedSegmentBackedUp}`,
                );
                assert.deepEqual(sequence, [
                    "controldb",
                    "log:_admin",
                    "log:orders",
                    "events:orders:EVENT:-1",
                    "events:orders:SNAPSHOT:-1",
                    "events:payments:EVENT:-1",
                    "events:payments:SNAPSHOT:-1",
                ]);
                assert.ok(s.calls.every((c) => c.token === TOKEN), "every call carries AxonIQ-Access-Token");
                assert.equal(s.read("controldb/controldb.zip"), "controldb zip #1");
                assert.match(s.read("controldb/stamp"), /^\d+\n$/);
                assert.equal(s.read(`log/orders/${seg(2, "log")}`), "log 2");
                assert.equal(s.read(`log/_admin/${seg(1, "log")}`), "admin log 1");
                assert.equal(s.read(`events/orders/${seg(100, "events")}`), "orders events 100 (active v1)");
                assert.equal(s.read(`events/payments/${seg(0, "snapshots")}`), "payments snapshots 0 (active)");
                assert.equal(s.read("events/orders/.marker-EVENT"), "0\n");
                assert.equal(s.read("events/orders/.marker-SNAPSHOT"), "-1\n");
                assert.match(s.read("last-success"), /^\d+\n$/);
                assert.ok(!r.stderr.includes(TOKEN), "the token never appears in the log");
            } finally {
                s.server.close();
            }
        });
    }

    it("second run is incremental: asks with the stored marker, copies new + active segments, overwrites the active one, replaces the log prefix", async () => {
        const s = await setup("incremental");
        try {
            assert.equal((await runAgent(script, s.env)).code, 0);
            // Between runs: segment 100 closes, 200 becomes active; a closed segment's source is
            // tampered with (it must not be copied again); the log is compacted; a stale object appears.
            write(path.join(s.root, "events", "orders", seg(100, "events")), "orders events 100 (closed, final)");
            write(path.join(s.root, "events", "orders", seg(200, "events")), "orders events 200 (active)");
            s.state.closed["orders:EVENT"] = [0, 100];
            write(path.join(s.root, "events", "orders", seg(0, "events")), "TAMPERED");
            fs.rmSync(path.join(s.root, "log", "orders", seg(1, "log")));
            write(path.join(s.root, "log", "orders", seg(3, "log")), "log 3");
            write(path.join(s.bucket, "log", "orders", "stale.log"), "stale");
            s.calls.length = 0;

            const r = await runAgent(script, s.env);
            assert.equal(r.code, 0, r.stderr);
            const ev = s.calls.find((c) => c.query.targetContext === "orders" && c.query.type === "EVENT");
            assert.equal(ev?.query.lastClosedSegmentBackedUp, "0");
            assert.equal(s.read(`events/orders/${seg(100, "events")}`), "orders events 100 (closed, final)", "active segment overwritten");
            assert.equal(s.read(`events/orders/${seg(200, "events")}`), "orders events 200 (active)");
            assert.equal(s.read(`events/orders/${seg(0, "events")}`), "orders events 0 (closed)", "closed segment not copied again");
            assert.equal(s.read("events/orders/.marker-EVENT"), "100\n");
            assert.equal(s.read("controldb/controldb.zip"), "controldb zip #2");
            assert.deepEqual(fs.readdirSync(path.join(s.bucket, "log", "orders")).sort(), [seg(2, "log"), seg(3, "log")]);
        } finally {
            s.server.close();
        }
    });

    it("a failure in the middle (500 on SNAPSHOT) exits non-zero, names the step and keeps that marker", async () => {
        const s = await setup("fail-500");
        try {
            assert.equal((await runAgent(script, s.env)).code, 0);
            write(path.join(s.root, "events", "orders", seg(0, "snapshots")), "orders snapshots 0 (closed)");
            write(path.join(s.root, "events", "orders", seg(50, "snapshots")), "orders snapshots 50");
            s.state.closed["orders:SNAPSHOT"] = [0];
            s.state.fail = { when: (c) => c.query.type === "SNAPSHOT" && c.query.targetContext === "orders", status: 500, times: 99 };
            s.calls.length = 0;
            const r = await runAgent(script, s.env);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /ERROR step=events:orders:SNAPSHOT: GET \/v1\/backup\/eventstore\?targetContext=orders&type=SNAPSHOT.* HTTP 500/);
            assert.equal(s.read("events/orders/.marker-SNAPSHOT"), "-1\n");
            assert.ok(!fs.existsSync(path.join(s.bucket, "events", "orders", seg(50, "snapshots"))));
            assert.equal(s.calls.filter((c) => c.query.type === "SNAPSHOT").length, 3, "3 attempts (BACKUP_RETRIES=3)");
            assert.ok(!s.calls.some((c) => c.query.targetContext === "payments"), "stops at the failed step");
        } finally {
            s.server.close();
        }
    });

    it("a file that vanished between listing and copy fails the run without advancing the marker", async () => {
        const s = await setup("vanished");
        try {
            s.state.extraFiles = { when: (c) => c.query.targetContext === "payments" && c.query.type === "EVENT", files: [path.join(s.root, "events", "payments", seg(7, "events"))] };
            const r = await runAgent(script, s.env);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /ERROR step=events:payments:EVENT: file .*00000000000000000007\.events named by Axon Server is missing/);
            assert.ok(!fs.existsSync(path.join(s.bucket, "events", "payments", ".marker-EVENT")), "no marker written");
            assert.equal(s.read("events/orders/.marker-EVENT"), "0\n", "earlier units completed");
            assert.ok(!fs.existsSync(path.join(s.bucket, "last-success")));
        } finally {
            s.server.close();
        }
    });

    it("a transient 503 is retried and the run succeeds", async () => {
        const s = await setup("transient");
        try {
            s.state.fail = { when: (c) => c.path.endsWith("log/filenames"), status: 503, times: 1 };
            const r = await runAgent(script, s.env);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /step=log:_admin: GET \/v1\/backup\/log\/filenames\?context=_admin: transient failure \(curl exit 0, HTTP 503\); retry 1\/2/);
            assert.equal(s.calls.filter((c) => c.query.context === "_admin").length, 2);
            assert.equal(s.read(`log/_admin/${seg(1, "log")}`), "admin log 1");
        } finally {
            s.server.close();
        }
    });

    it("an agent without _admin checks the control DB stamp of the admin agent instead of POSTing", async () => {
        const s = await setup("stamp");
        try {
            const stamp = path.join(tmp, "stamp", "prod", "axon-admin", "controldb", "stamp");
            const env = { ...s.env, BACKUP_CONTROLDB: "false", BACKUP_CONTROLDB_STAMP_URL: `file://${stamp}`, BACKUP_UNITS: "orders:orders" };
            let r = await runAgent(script, env);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /ERROR step=controldb-freshness: no control DB backup stamp/);
            write(stamp, `${Math.floor(Date.now() / 1000) - 3600}\n`);
            r = await runAgent(script, env);
            assert.match(r.stderr, /ERROR step=controldb-freshness: the control DB backup .* is 36\d\ds old \(max 1200s\)/);
            assert.equal(s.calls.length, 0, "nothing backed up before a fresh control DB backup");
            write(stamp, `${Math.floor(Date.now() / 1000) - 60}\n`);
            r = await runAgent(script, env);
            assert.equal(r.code, 0, r.stderr);
            assert.ok(!s.calls.some((c) => c.method === "POST"));
            assert.deepEqual(s.calls.map((c) => c.query.context ?? c.query.type), ["orders", "EVENT", "SNAPSHOT"]);
        } finally {
            s.server.close();
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

    it("passes shellcheck", function () {
        // A check that passes without its tool checks nothing: shellcheck must be installed (.ci/run installs it).
        assert.ok(has("shellcheck"), "shellcheck is required: install it (apt-get install shellcheck)");
        const r = spawnSync("shellcheck", ["--shell=bash", script], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });
});
