/* global process, console, setTimeout, clearTimeout, Buffer, URL, AbortController */
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
 * Bounded for the clients it cannot choose (anything in the asking sites' ranges reaches the port):
 *   - at most `MAX_CONNECTIONS` connections at once (Node drops the ones beyond); a connection that sends
 *     nothing for `IDLE_TIMEOUT_MS` is closed, so silent sockets cannot hold every slot (Node's headers
 *     timeout only covers a request that has begun); a request's headers and the request itself must
 *     arrive within `REQUEST_TIMEOUT_MS`, checked every `CHECK_INTERVAL_MS` (Node's default check runs
 *     every 30 s, so a trickling client would hold its slot that long);
 *   - at most one request to Axon at a time: concurrent requests share the one in flight, and its answer
 *     is reused for `CACHE_MS` (the Jobs poll every few seconds; a second-old Raft state is as good to them);
 *     the call is aborted when every client waiting for it has gone, and an aborted call is not reused.
 * SIGTERM ends the process at once (as PID 1 Node has no default handler: the pod would otherwise wait its
 * whole termination grace period for this container).
 *
 * Environment: RELAY_PORT (required), RELAY_UPSTREAM (optional). Exit code 2: bad environment. The limits
 * above are `createRelay` options with these production defaults (the tests shorten them).
 *
 * The relay's ConfigMap holds this file alone and it imports nothing but Node's own modules: a change to
 * the gate scripts neither rewrites the relay of every node nor changes what the relay runs.
 */
import { realpathSync } from "node:fs";
import * as http from "node:http";
import { fileURLToPath } from "node:url";

export const HEALTH_PATH = "/actuator/health";
/** Upper bound of a health body: Axon's raft details are a few entries per group and member. */
export const MAX_BODY_BYTES = 256 * 1024;
/** The gates ask with a 5 s timeout (rollingGate.mjs `httpHealth`): answer (or give up) before that. */
export const UPSTREAM_TIMEOUT_MS = 4000;
/** Headers and whole request (a GET without body): the gates' requests arrive in one packet. */
export const REQUEST_TIMEOUT_MS = 5000;
/** How often Node checks `REQUEST_TIMEOUT_MS` (http.createServer `connectionsCheckingInterval`, default 30000). */
export const CHECK_INTERVAL_MS = 1000;
/** A connection silent this long is closed; longer than `UPSTREAM_TIMEOUT_MS`, the wait for Axon's answer. */
export const IDLE_TIMEOUT_MS = 5000;
/** How long Axon's last answer is reused. */
export const CACHE_MS = 1000;
export const MAX_CONNECTIONS = 32;

/** Answers one request with a small plain-text body and closes the connection. */
function reply(res, status, text, headers = {}) {
    const body = Buffer.from(`${text}\n`);
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": body.length, "cache-control": "no-store", connection: "close", ...headers });
    res.end(body);
}

/**
 * `GET <upstream>/actuator/health`, bounded in time and size: `{ status, contentType, body }` or
 * `{ error, status }` (`aborted: true` when `signal` aborted it).
 */
export function fetchUpstream(upstream, { timeoutMs = UPSTREAM_TIMEOUT_MS, maxBytes = MAX_BODY_BYTES, signal } = {}) {
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
        const abort = () => {
            req.destroy();
            finish({ status: 502, error: "upstream: request aborted (no client waits for it)", aborted: true });
        };
        if (signal?.aborted) abort();
        else signal?.addEventListener("abort", abort, { once: true });
    });
}

/**
 * One upstream call at a time for all clients: `get(res)` resolves Axon's answer, from the call in flight
 * if there is one, else from the last answer if younger than `cacheMs`, else from a new call. The call is
 * aborted when every response waiting for it has closed before it answered.
 */
function sharedUpstream(upstream, { cacheMs = CACHE_MS, ...fetchOptions } = {}) {
    let inFlight;
    let last;
    return (res) => {
        if (last && Date.now() - last.at < cacheMs) return Promise.resolve(last.answer);
        if (!inFlight) {
            const controller = new AbortController();
            const call = { waiting: 0, controller };
            call.promise = fetchUpstream(upstream, { ...fetchOptions, signal: controller.signal }).then((answer) => {
                if (inFlight === call) inFlight = undefined;
                if (!answer.aborted) last = { at: Date.now(), answer };
                return answer;
            });
            inFlight = call;
        }
        const call = inFlight;
        call.waiting++;
        res.once("close", () => {
            call.waiting--;
            if (call.waiting === 0 && inFlight === call) {
                inFlight = undefined;
                call.controller.abort();
            }
        });
        return call.promise;
    };
}

/** The relay's request handler (exported for tests); `options` as `createRelay`'s. */
export function relayHandler(upstream, options = {}) {
    const health = sharedUpstream(upstream, options);
    return (req, res) => {
        // The path only: a query string, a different path or an absolute-form target is not the health check.
        if (req.url !== HEALTH_PATH) return reply(res, 404, "not found: this port answers GET /actuator/health only");
        if (req.method !== "GET") return reply(res, 405, "method not allowed: GET /actuator/health only", { allow: "GET" });
        // Never read or forward a request body; drop whatever the client sends.
        req.resume();
        health(res).then((r) => {
            if (res.destroyed) return; // the client has gone
            if (r.error !== undefined) return reply(res, r.status, r.error);
            res.writeHead(r.status, { "content-type": r.contentType, "content-length": r.body.length, "cache-control": "no-store" });
            res.end(r.body);
        });
    };
}

/**
 * Creates (does not start) the relay server. Options (production defaults): `timeoutMs`
 * (`UPSTREAM_TIMEOUT_MS`), `maxBytes` (`MAX_BODY_BYTES`), `cacheMs` (`CACHE_MS`), `idleTimeoutMs`
 * (`IDLE_TIMEOUT_MS`), `requestTimeoutMs` (`REQUEST_TIMEOUT_MS`), `checkIntervalMs` (`CHECK_INTERVAL_MS`),
 * `maxConnections` (`MAX_CONNECTIONS`).
 */
export function createRelay(upstream, options = {}) {
    const {
        idleTimeoutMs = IDLE_TIMEOUT_MS,
        requestTimeoutMs = REQUEST_TIMEOUT_MS,
        checkIntervalMs = CHECK_INTERVAL_MS,
        maxConnections = MAX_CONNECTIONS,
        ...upstreamOptions
    } = options;
    // https://nodejs.org/docs/latest-v20.x/api/http.html#httpcreateserveroptions-requestlistener
    const server = http.createServer(
        { requestTimeout: requestTimeoutMs, headersTimeout: requestTimeoutMs, connectionsCheckingInterval: checkIntervalMs, maxHeaderSize: 8192 },
        relayHandler(upstream, upstreamOptions),
    );
    server.maxConnections = maxConnections;
    server.keepAliveTimeout = 1000;
    // A socket silent for idleTimeoutMs (never sent a byte, or waits between requests) is destroyed. With a
    // callback Node leaves the socket open (https://nodejs.org/docs/latest-v20.x/api/http.html#serversettimeoutmsecs-callback).
    server.setTimeout(idleTimeoutMs, (socket) => socket.destroy());
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

/**
 * Run as a program: compare real paths. A ConfigMap volume mounts each key as a symlink into a `..data`
 * directory, and Node resolves the main module to its real path (`import.meta.url`) while `argv[1]` keeps
 * the link: a plain comparison would never start the relay. The gate scripts carry the same few lines
 * (rollingGate.mjs `isMain`); they are repeated here, not imported, so that the relay's ConfigMap ships
 * this file alone and a gate script change does not rewrite every node's relay ConfigMap.
 */
function isMain(moduleUrl) {
    if (!process.argv[1]) return false;
    try {
        return realpathSync(process.argv[1]) === fileURLToPath(moduleUrl);
    } catch {
        return false;
    }
}

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
