/**
 * The health relay (components/kubernetes/gate/healthRelay.mjs) against a loopback stub of Axon Server's
 * HTTP port: only `GET /actuator/health` passes, as a fresh request without the client's headers or body;
 * everything else is refused without touching the upstream; the upstream's status and body come back
 * unchanged (Spring Boot answers 503 with the same JSON body when the health is DOWN: Spring Boot
 * reference, "Actuator: Health", `management.endpoint.health.status.http-mapping` defaults DOWN to 503);
 * an upstream that is down or slow gives 502 / 504 (RFC 9110 §15.6.3 "502 Bad Gateway": "received an
 * invalid response from an inbound server"; §15.6.5 "504 Gateway Timeout"); a method the target does not
 * support gives 405 with an `Allow` header (RFC 9110 §15.5.6: the origin server MUST generate an Allow
 * header field in a 405 response).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const GATE_DIR = path.resolve(__dirname, "../components/kubernetes/gate");
const RELAY = path.join(GATE_DIR, "healthRelay.mjs");
// Native dynamic import (ts-node compiles `import()` to `require`, which cannot load an ES module).
const importEsm = new Function("p", "return import(p)") as (p: string) => Promise<RelayModule>;

interface RelayOptions {
    timeoutMs?: number;
    maxBytes?: number;
    idleTimeoutMs?: number;
    requestTimeoutMs?: number;
    checkIntervalMs?: number;
    cacheMs?: number;
}
interface RelayModule {
    createRelay(upstream: string, options?: RelayOptions): http.Server;
    MAX_BODY_BYTES: number;
    MAX_CONNECTIONS: number;
    UPSTREAM_TIMEOUT_MS: number;
    IDLE_TIMEOUT_MS: number;
    REQUEST_TIMEOUT_MS: number;
    CHECK_INTERVAL_MS: number;
}
interface Seen {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
}
interface Answer {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
}

const AXON_BODY = JSON.stringify({ status: "UP", components: { raft: { status: "UP", details: { "_admin.leader": "axon-1", "_admin.follower.axon-2.status": "UP" } } } });

/** A raw request (so paths are sent exactly as written, and a GET may carry a body). */
function request(port: number, method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method, path: target, headers: { ...headers, ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}) }, agent: false }, (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        });
        req.on("error", reject);
        if (body !== undefined) req.write(body);
        req.end();
    });
}

const listen = (server: net.Server): Promise<number> => new Promise((r) => server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port)));
const close = (server: net.Server): Promise<void> => new Promise((r) => server.close(() => r()));

describe("health relay (script against a loopback stub of Axon's HTTP port)", function () {
    this.timeout(20000);
    let relay: RelayModule;
    let upstream: http.Server;
    let upstreamPort: number;
    let seen: Seen[];
    /** What the stub answers next. */
    let answer: { status: number; body: string; delayMs?: number };
    /** Requests the stub is answering now, the most at once, and those whose client (the relay) left first. */
    let active: number;
    let maxActive: number;
    let abandoned: number;

    before(async () => {
        relay = await importEsm(RELAY);
        upstream = http.createServer((req, res) => {
            active++;
            maxActive = Math.max(maxActive, active);
            res.on("close", () => {
                active--;
                if (!res.writableEnded) abandoned++;
            });
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
                const send = () => res.writeHead(answer.status, { "content-type": "application/vnd.spring-boot.actuator.v3+json", "set-cookie": "JSESSIONID=secret" }).end(answer.body);
                if (answer.delayMs) setTimeout(() => res.destroyed || send(), answer.delayMs);
                else send();
            });
        });
        upstreamPort = await listen(upstream);
    });
    after(() => close(upstream));
    beforeEach(() => {
        seen = [];
        answer = { status: 200, body: AXON_BODY };
        active = maxActive = abandoned = 0;
    });

    /** Runs `fn` against a relay in this process in front of `upstreamUrl`. */
    const withRelay = async (fn: (port: number) => Promise<void>, upstreamUrl = `http://127.0.0.1:${upstreamPort}`, options: RelayOptions = {}) => {
        const server = relay.createRelay(upstreamUrl, options);
        const port = await listen(server);
        try {
            await fn(port);
        } finally {
            server.closeAllConnections();
            await close(server);
        }
    };

    it("passes GET /actuator/health through: status and body unchanged, as a fresh request without the client's headers", async () => {
        await withRelay(async (port) => {
            const r = await request(port, "GET", "/actuator/health", { authorization: "Bearer admin-token", cookie: "JSESSIONID=x", "x-forwarded-for": "10.0.0.1" });
            assert.equal(r.status, 200);
            assert.equal(r.body, AXON_BODY, "the body byte for byte");
            assert.equal(r.headers["content-type"], "application/vnd.spring-boot.actuator.v3+json");
            assert.equal(r.headers["set-cookie"], undefined, "no upstream header but content-type");
            assert.equal(seen.length, 1);
            assert.equal(seen[0].method, "GET");
            assert.equal(seen[0].url, "/actuator/health");
            for (const h of ["authorization", "cookie", "x-forwarded-for"]) assert.equal(seen[0].headers[h], undefined, `${h} not forwarded`);
        });
    });

    it("passes a DOWN health (503 with the same JSON body) through unchanged", async () => {
        answer = { status: 503, body: JSON.stringify({ status: "DOWN", components: { raft: { status: "DOWN", details: { "_admin.leader": "None" } } } }) };
        await withRelay(async (port) => {
            const r = await request(port, "GET", "/actuator/health");
            assert.equal(r.status, 503);
            assert.equal(r.body, answer.body);
        });
    });

    it("never forwards a request body, even on a GET", async () => {
        await withRelay(async (port) => {
            const r = await request(port, "GET", "/actuator/health", { "content-type": "application/json" }, '{"shutdown":true}');
            assert.equal(r.status, 200);
            assert.equal(seen.length, 1);
            assert.equal(seen[0].body, "", "no body upstream");
            assert.equal(seen[0].headers["content-length"], undefined);
        });
    });

    it("refuses every other method (405, Allow: GET) and every other path (404), without asking Axon", async () => {
        await withRelay(async (port) => {
            for (const method of ["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]) {
                const r = await request(port, method, "/actuator/health", {}, method === "HEAD" ? undefined : "{}");
                assert.equal(r.status, 405, method);
                assert.equal(r.headers.allow, "GET", method);
            }
            for (const target of ["/", "/v1/cluster", "/v1/public/me", "/actuator/env", "/actuator/info", "/actuator/health/raft", "/actuator/health/", "/actuator/health?show-details=always", "/actuator/health/../env", "/ACTUATOR/HEALTH", "//actuator/health"]) {
                assert.equal((await request(port, "GET", target)).status, 404, target);
                assert.equal((await request(port, "POST", target, {}, "{}")).status, 404, `POST ${target}`);
            }
            // Absolute-form target (a proxy request): not the health path either.
            assert.equal((await request(port, "GET", `http://127.0.0.1:${upstreamPort}/actuator/health`)).status, 404);
            assert.deepEqual(seen, [], "Axon was never asked");
        });
    });

    it("upstream down: 502; upstream too slow: 504; upstream body too large: 502", async () => {
        const closed = net.createServer();
        const deadPort = await listen(closed);
        await close(closed);
        await withRelay(async (port) => {
            const r = await request(port, "GET", "/actuator/health");
            assert.equal(r.status, 502);
            assert.match(r.body, /upstream: ECONNREFUSED/);
        }, `http://127.0.0.1:${deadPort}`);
        answer = { status: 200, body: AXON_BODY, delayMs: 1000 };
        await withRelay(
            async (port) => {
                const r = await request(port, "GET", "/actuator/health");
                assert.equal(r.status, 504);
                assert.match(r.body, /did not answer within 100 ms/);
            },
            undefined,
            { timeoutMs: 100 },
        );
        answer = { status: 200, body: "x".repeat(2048) };
        await withRelay(
            async (port) => {
                const r = await request(port, "GET", "/actuator/health");
                assert.equal(r.status, 502);
                assert.match(r.body, /larger than 1024 bytes/);
            },
            undefined,
            { maxBytes: 1024 },
        );
        assert.ok(relay.MAX_BODY_BYTES >= 64 * 1024, "room for the raft details of a large cluster");
    });

    /** Opens `n` connections that send `first` (nothing by default); resolves each one's close time, ms after opening. */
    const openSockets = (port: number, n: number, first?: string) => {
        const t0 = Date.now();
        const sockets: net.Socket[] = [];
        const closed: number[] = [];
        for (let i = 0; i < n; i++) {
            const c = net.connect(port, "127.0.0.1");
            c.on("error", () => undefined);
            c.on("close", () => closed.push(Date.now() - t0));
            if (first !== undefined) c.write(first);
            sockets.push(c);
        }
        return { sockets, closed };
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const until = async (done: () => boolean, ms: number) => {
        for (const end = Date.now() + ms; !done() && Date.now() < end; ) await sleep(20);
    };

    it("closes connections that send nothing, so silent sockets cannot hold every connection slot: the next client is answered", async () => {
        // Node's headers timeout only covers a request that has begun (a silent socket never expires), and
        // `maxConnections` drops every connection beyond the limit: the idle socket timeout frees the slots.
        await withRelay(
            async (port) => {
                const { sockets, closed } = openSockets(port, relay.MAX_CONNECTIONS);
                try {
                    await until(() => closed.length === relay.MAX_CONNECTIONS, 1500);
                    assert.equal(closed.length, relay.MAX_CONNECTIONS, `silent sockets closed by the relay within 1.5 s (${closed.length})`);
                    assert.ok(Math.min(...closed) >= 200, "not before the idle timeout");
                    const r = await request(port, "GET", "/actuator/health");
                    assert.equal(r.status, 200);
                } finally {
                    for (const c of sockets) c.destroy();
                }
            },
            undefined,
            { idleTimeoutMs: 300 },
        );
        assert.ok(relay.IDLE_TIMEOUT_MS > relay.UPSTREAM_TIMEOUT_MS, "a request waiting for Axon is not idle-closed first");
    });

    it("cuts a request whose headers trickle in after the headers timeout, checked often (Node checks every connectionsCheckingInterval, 30 s by default)", async () => {
        // https://nodejs.org/docs/latest-v20.x/api/http.html#httpcreateserveroptions-requestlistener:
        // `connectionsCheckingInterval` "Sets the interval value in milliseconds to check for request and
        // headers timeout in incomplete requests. Default: 30000".
        await withRelay(
            async (port) => {
                const { sockets, closed } = openSockets(port, 4, "GET /actuator/health HTTP/1.1\r\n");
                const drip = setInterval(() => sockets.forEach((c) => c.destroyed || c.write("X-a: b\r\n")), 50);
                try {
                    await until(() => closed.length === 4, 1500);
                    assert.equal(closed.length, 4, `trickling requests cut within 1.5 s (${closed.length})`);
                    assert.deepEqual(seen, [], "Axon was never asked");
                } finally {
                    clearInterval(drip);
                    for (const c of sockets) c.destroy();
                }
            },
            undefined,
            { requestTimeoutMs: 200, checkIntervalMs: 100, idleTimeoutMs: 1000 },
        );
        assert.ok(relay.CHECK_INTERVAL_MS <= 1000 && relay.REQUEST_TIMEOUT_MS <= 5000, "production: at most about 6 s for a slow client");
    });

    it("asks Axon once for any number of concurrent requests (one call in flight), and answers each of them", async () => {
        answer = { status: 200, body: AXON_BODY, delayMs: 200 };
        await withRelay(
            async (port) => {
                const answers = await Promise.all(Array.from({ length: 20 }, () => request(port, "GET", "/actuator/health")));
                assert.deepEqual(
                    answers.map((a) => [a.status, a.body]),
                    answers.map(() => [200, AXON_BODY]),
                );
                assert.equal(seen.length, 1, "one upstream call");
                // After the answer, the next request asks again (no cache in this relay).
                assert.equal((await request(port, "GET", "/actuator/health")).status, 200);
                assert.equal(seen.length, 2);
                assert.equal(maxActive, 1);
            },
            undefined,
            { cacheMs: 0 },
        );
    });

    it("reuses Axon's answer for cacheMs (default about 1 s), then asks again", async () => {
        await withRelay(
            async (port) => {
                for (let i = 0; i < 5; i++) assert.equal((await request(port, "GET", "/actuator/health")).body, AXON_BODY);
                assert.equal(seen.length, 1, "answered from the last second's answer");
                await sleep(250);
                assert.equal((await request(port, "GET", "/actuator/health")).status, 200);
                assert.equal(seen.length, 2, "asked again after cacheMs");
            },
            undefined,
            { cacheMs: 200 },
        );
    });

    it("aborts the upstream request once every client waiting for it has gone, and not before", async () => {
        answer = { status: 200, body: AXON_BODY, delayMs: 600 };
        await withRelay(async (port) => {
            // Two clients share the call; one leaves: the other still gets Axon's answer.
            const [leaver] = openSockets(port, 1, "GET /actuator/health HTTP/1.1\r\nHost: x\r\n\r\n").sockets;
            const stayer = request(port, "GET", "/actuator/health");
            await sleep(100);
            leaver.destroy();
            const r = await stayer;
            assert.equal(r.status, 200);
            assert.equal(abandoned, 0, "the call went on for the client still waiting");
            assert.equal(seen.length, 1);
        });
        await withRelay(async (port) => {
            // 50 clients that ask and leave: at most one call in flight, aborted when the last one leaves.
            const { sockets } = openSockets(port, 50, "GET /actuator/health HTTP/1.1\r\nHost: x\r\n\r\n");
            await until(() => seen.length > 0, 500);
            await sleep(50);
            for (const c of sockets) c.destroy();
            await until(() => abandoned > 0, 400);
            assert.equal(abandoned, 1, "the upstream call was aborted before Axon answered");
            assert.equal(maxActive, 1, "one call in flight for all of them");
            // The aborted call is not an answer to reuse: the next client gets Axon's.
            answer = { status: 200, body: AXON_BODY };
            const r = await request(port, "GET", "/actuator/health");
            assert.equal(r.status, 200);
            assert.equal(r.body, AXON_BODY);
        });
    });

    it("as a process from a ConfigMap volume (files are symlinks into ..data): it serves, and SIGTERM ends it at once", async () => {
        // Kubernetes mounts each ConfigMap key as `<key> -> ..data/<key>`; Node gives the main module its
        // real path. A relay that never started would leave the other clusters' Jobs without an answer.
        // The relay's ConfigMap holds the relay only: the script must import nothing from the gate scripts.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "relay-cm-"));
        fs.mkdirSync(path.join(dir, "..data"));
        for (const f of ["healthRelay.mjs"]) {
            fs.copyFileSync(path.join(GATE_DIR, f), path.join(dir, "..data", f));
            fs.symlinkSync(`..data/${f}`, path.join(dir, f));
        }
        const free = net.createServer();
        const port = await listen(free);
        await close(free);
        const child = spawn(process.execPath, [path.join(dir, "healthRelay.mjs")], { env: { PATH: process.env.PATH, RELAY_PORT: String(port), RELAY_UPSTREAM: `http://127.0.0.1:${upstreamPort}` } });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
        try {
            for (let i = 0; i < 100 && !out.includes("health relay: GET"); i++) await new Promise((r) => setTimeout(r, 50));
            assert.match(out, new RegExp(`health relay: GET /actuator/health on port ${port} -> http://127\\.0\\.0\\.1:${upstreamPort}/actuator/health`));
            const r = await request(port, "GET", "/actuator/health");
            assert.equal(r.status, 200);
            assert.equal(r.body, AXON_BODY);
            assert.equal((await request(port, "GET", "/v1/cluster")).status, 404);
            const t0 = Date.now();
            child.kill("SIGTERM");
            assert.equal(await exited, 0);
            assert.ok(Date.now() - t0 < 2000, "exits at once, not after the pod's grace period");
        } finally {
            child.kill("SIGKILL");
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("as a process: a bad environment exits 2", async () => {
        const child = spawn(process.execPath, [RELAY], { env: { PATH: process.env.PATH, RELAY_PORT: "http" } });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
        assert.equal(code, 2);
        assert.match(out, /bad environment: RELAY_PORT="http" is not a port/);
    });
});
