/* global process, console, setTimeout, clearTimeout, Buffer, URL */
/**
 * The health relay: a sidecar of an Axon Server pod (components/kubernetes/healthRelay.ts) that lets the
 * rolling gate and roller Jobs of OTHER Kubernetes clusters read this node's Raft state, and nothing else.
 * Plain Node.js (18+), no dependencies.
 *
 * Why: the gates and rollers decide from `GET /actuator/health` (raft details: `<g>.leader`, `<g>.status`,
 * on the leader `<g>.follower.<n>.status`; components/kubernetes/gate/rollingGate.mjs). Port 8024 also
 * serves the UI and the admin REST API, so it is never opened across clusters; the node's internal load
 * balancer forwards the relay's port instead, from the other Kubernetes sites' ranges only.
 *
 * What it answers, on `RELAY_PORT` (all interfaces of the pod):
 *   - `GET /actuator/health` (no query string): forwarded as a fresh request to `RELAY_UPSTREAM`
 *     (default http://127.0.0.1:8024) + `/actuator/health`; none of the client's headers, and no body,
 *     are forwarded. The upstream's status (Spring answers 503 with the same JSON body when DOWN) and
 *     body are passed through, with `content-type` only; a body over `MAX_BODY_BYTES` is refused (502).
 *   - upstream refuses, fails or resets: 502; upstream slower than `UPSTREAM_TIMEOUT_MS`: 504.
 *   - any other path: 404; any other method on the path: 405 (`allow: GET`).
 * A request's headers must arrive within `REQUEST_TIMEOUT_MS`; at most `MAX_CONNECTIONS` connections at
 * once. SIGTERM ends the process at once (as PID 1 Node has no default handler: the pod would otherwise
 * wait its whole termination grace period for this container).
 *
 * Environment: RELAY_PORT (required), RELAY_UPSTREAM (optional). Exit code 2: bad environment.
 */
import * as http from "node:http";
import { isMain } from "./rollingGate.mjs";

export const HEALTH_PATH = "/actuator/health";
/** Upper bound of a health body: Axon's raft details are a few entries per group and member. */
export const MAX_BODY_BYTES = 256 * 1024;
/** The gates ask with a 5 s timeout (rollingGate.mjs `httpHealth`): answer (or give up) before that. */
export const UPSTREAM_TIMEOUT_MS = 4000;
export const REQUEST_TIMEOUT_MS = 5000;
export const MAX_CONNECTIONS = 32;

/** Answers one request with a small plain-text body and closes the connection. */
function reply(res, status, text, headers = {}) {
    const body = Buffer.from(`${text}\n`);
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": body.length, "cache-control": "no-store", connection: "close", ...headers });
    res.end(body);
}

/** `GET <upstream>/actuator/health`, bounded in time and size: `{ status, contentType, body }` or `{ error, status }`. */
export function fetchUpstream(upstream, { timeoutMs = UPSTREAM_TIMEOUT_MS, maxBytes = MAX_BODY_BYTES } = {}) {
    return new Promise((resolve) => {
        let done = false;
        const finish = (r) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve(r);
        };
        const req = http.get(new URL(HEALTH_PATH, upstream), { headers: { accept: "application/json" }, agent: false }, (res) => {
            const chunks = [];
            let size = 0;
            res.on("data", (c) => {
                size += c.length;
                if (size > maxBytes) {
                    req.destroy();
                    finish({ status: 502, error: `upstream health body larger than ${maxBytes} bytes` });
                } else chunks.push(c);
            });
            res.on("end", () => finish({ status: res.statusCode ?? 502, contentType: res.headers["content-type"] ?? "application/json", body: Buffer.concat(chunks) }));
            res.on("error", (e) => finish({ status: 502, error: `upstream: ${e.message}` }));
        });
        const timer = setTimeout(() => {
            req.destroy();
            finish({ status: 504, error: `upstream did not answer within ${timeoutMs} ms` });
        }, timeoutMs);
        req.on("error", (e) => finish({ status: 502, error: `upstream: ${e.code ?? e.message}` }));
    });
}

/** The relay's request handler (exported for tests). */
export function relayHandler(upstream, options = {}) {
    return (req, res) => {
        // The path only: a query string, a different path or an absolute-form target is not the health check.
        if (req.url !== HEALTH_PATH) return reply(res, 404, "not found: this port answers GET /actuator/health only");
        if (req.method !== "GET") return reply(res, 405, "method not allowed: GET /actuator/health only", { allow: "GET" });
        // Never read or forward a request body; drop whatever the client sends.
        req.resume();
        fetchUpstream(upstream, options).then((r) => {
            if (r.error !== undefined) return reply(res, r.status, r.error);
            res.writeHead(r.status, { "content-type": r.contentType, "content-length": r.body.length, "cache-control": "no-store" });
            res.end(r.body);
        });
    };
}

/** Creates (does not start) the relay server. */
export function createRelay(upstream, options = {}) {
    const server = http.createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS, maxHeaderSize: 8192 }, relayHandler(upstream, options));
    server.maxConnections = MAX_CONNECTIONS;
    server.keepAliveTimeout = 1000;
    return server;
}

export async function main(env = process.env, log = console.log) {
    const port = Number(env.RELAY_PORT);
    const upstream = env.RELAY_UPSTREAM || "http://127.0.0.1:8024";
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        log(`health relay: bad environment: RELAY_PORT=${JSON.stringify(env.RELAY_PORT)} is not a port`);
        return 2;
    }
    try {
        new URL(HEALTH_PATH, upstream);
    } catch {
        log(`health relay: bad environment: RELAY_UPSTREAM=${JSON.stringify(upstream)} is not a URL`);
        return 2;
    }
    const server = createRelay(upstream);
    process.on("SIGTERM", () => process.exit(0));
    process.on("SIGINT", () => process.exit(0));
    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, resolve);
    });
    log(`health relay: GET ${HEALTH_PATH} on port ${port} -> ${upstream}${HEALTH_PATH}`);
    return null; // keeps serving
}

// Run as a program (`isMain` in rollingGate.mjs explains why it compares real paths).
if (isMain(import.meta.url)) {
    main().then(
        (code) => {
            if (code !== null) process.exit(code);
        },
        (e) => {
            console.log(`health relay: FAILED: ${e.message}`);
            process.exit(1);
        },
    );
}
