/**
 * An in-process loopback model of an Axon Server EE cluster's backup surface, for the restore drill
 * (test/backup-drill.test.ts): one HTTP server per node on 127.0.0.1, each over that node's own files in a
 * temp dir. What it models, and where each rule comes from:
 *
 * - Each node has its OWN control DB (`<data>/axonserver-controldb.mv.db`): its group memberships, Raft term
 *   and commit index (docs.axoniq.io, Axon Server backups, "Restore with no pre-existing data": "each node
 *   gets restored the ConfigDB backed up for that node"). `POST /v1/backup/createControlDbBackup` zips the
 *   serving node's own DB into `controldb<millis>.zip` and answers the absolute path (axon-server-se
 *   `BackupInfoRestController.createControlDbBackup`); a node may be told to serve only the SE path
 *   `/createControlDbBackup` instead.
 * - Each node has a replication log per group it stores data for (`<log>/<group>/…`), different per node,
 *   listed by `GET /v1/backup/log/filenames?context=<group>`; a group the node is not a data member of: 404.
 * - Event store per context (`GET /v1/backup/eventstore?targetContext&type&lastClosedSegmentBackedUp
 *   &lastClosedVersionBackedUp`, answer `{lastClosedSegment, filenames}`: axon-server-se 2023.2.x
 *   `BackupInfoRestController.eventStoreFilenames`; segment names `%020d.events` / `%020d_%05d.events`:
 *   `StorageProperties`; a segment is listed when newer than the marker or its version above the version
 *   marker: `AbstractFileStorageTier.getBackupFilenames`). In a group with SECONDARY members and an
 *   `event.retention-time`, the PRIMARY nodes keep only the newest segments; SECONDARY and backup nodes
 *   keep all (docs.axoniq.io tiered storage: data leaves the primary tier once secondaries hold it).
 * - Authorisation (axon-server-se `RestRequestAccessDecisionVoter.context`): the context is the
 *   `AxonIQ-Context` header, else the `AxonIQ-Context` parameter, else the `context` parameter, else the
 *   default `_admin`; the system token holds only `ADMIN@_admin`, so a call whose context resolves to
 *   anything else answers 403. Token header `AxonIQ-Access-Token` (`AxonServerAccessController.TOKEN_PARAM`).
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { ADMIN_GROUP, Topology } from "../../components/topology/model";

export const CONTROL_DB_FILE = "axonserver-controldb.mv.db";
const seg = (n: number, ext: string, version = 0) => (version === 0 ? `${String(n).padStart(20, "0")}${ext}` : `${String(n).padStart(20, "0")}_${String(version).padStart(5, "0")}${ext}`);

/** Segments every event store has: 0..3, the highest is the active one (not closed). */
const SEGMENTS = 4;
/** PRIMARY nodes of a group with SECONDARY members and a retention time keep only the newest segments. */
const PRIMARY_KEEPS_FROM = 2;

export interface StubCall {
    node: string;
    method: string;
    path: string;
    query: Record<string, string>;
    contextHeader?: string;
    status: number;
}

export interface StubNode {
    readonly name: string;
    readonly root: string;
    readonly data: string;
    readonly log: string;
    readonly events: string;
    readonly controlDbBackups: string;
    readonly tokenFile: string;
    url: string;
    /** Paths of `createControlDbBackup` this node serves (default: only the EE path). */
    controlDbPaths: string[];
    /** Answer this status for matching calls (failure injection). */
    fail?: (c: { method: string; path: string; query: Record<string, string> }) => number | undefined;
}

export interface StubCluster {
    readonly nodes: Map<string, StubNode>;
    readonly calls: StubCall[];
    close(): Promise<void>;
}

function write(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
}

/** A zip with stored (uncompressed) entries: what H2's `BACKUP TO` writes is a plain zip of the DB file. */
export function storedZip(entries: { name: string; data: Buffer }[]): Buffer {
    const locals: Buffer[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const e of entries) {
        const name = Buffer.from(e.name);
        const crc = zlib.crc32(e.data);
        const local = Buffer.alloc(30);
        local.writeUInt32LE(0x04034b50, 0);
        local.writeUInt16LE(20, 4);
        local.writeUInt32LE(crc, 14);
        local.writeUInt32LE(e.data.length, 18);
        local.writeUInt32LE(e.data.length, 22);
        local.writeUInt16LE(name.length, 26);
        const central = Buffer.alloc(46);
        central.writeUInt32LE(0x02014b50, 0);
        central.writeUInt16LE(20, 4);
        central.writeUInt16LE(20, 6);
        central.writeUInt32LE(crc, 16);
        central.writeUInt32LE(e.data.length, 20);
        central.writeUInt32LE(e.data.length, 24);
        central.writeUInt16LE(name.length, 28);
        central.writeUInt32LE(offset, 42);
        locals.push(local, name, e.data);
        centrals.push(central, name);
        offset += local.length + name.length + e.data.length;
    }
    const cd = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, cd, end]);
}

/** Whether a group keeps old segments only on its SECONDARY/backup nodes. */
function tiered(topology: Topology, group: string): boolean {
    const g = topology.replicationGroups.find((x) => x.name === group)!;
    return g.members.some((m) => m.role === "SECONDARY") && g.contexts.some((c) => c.metaData["event.retention-time"] !== undefined);
}

/** Writes every node's files (control DB, logs, event stores) for `topology` under `root`. */
function seedNode(topology: Topology, node: Topology["nodes"][number], n: StubNode, generation: number): void {
    const memberships = Object.entries(node.roles).map(([g, role]) => `${g}=${role}`).sort();
    write(path.join(n.data, CONTROL_DB_FILE), JSON.stringify({ node: node.name, memberships, term: 7, commitIndex: 1000 * generation + node.index }) + "\n");
    for (const [group, role] of Object.entries(node.roles)) {
        if (role === "MESSAGING_ONLY") continue;
        for (let i = 1; i <= 1; i++) write(path.join(n.log, group, seg(i, ".log")), `log ${group} segment ${i} of ${node.name} gen ${generation}\n`);
        if (group === ADMIN_GROUP) continue;
        const g = topology.replicationGroups.find((x) => x.name === group)!;
        const from = role === "PRIMARY" && tiered(topology, group) ? PRIMARY_KEEPS_FROM : 0;
        for (const ctx of g.contexts) {
            if (ctx.name === ADMIN_GROUP) continue;
            const dir = path.join(n.events, ctx.name);
            const last = SEGMENTS - 1 + generation - 1;
            for (let s = from; s <= last; s++) {
                // Event content is the same on every replica: a node given another member's copy only
                // differs in which segments it holds.
                write(path.join(dir, seg(s, ".events")), `${ctx.name} events segment ${s}${s === last ? ` (active, gen ${generation})` : ""}\n`);
                if (s < last) write(path.join(dir, seg(s, ".index")), `${ctx.name} index ${s}\n`);
            }
            write(path.join(dir, seg(0, ".snapshots")), `${ctx.name} snapshots (active, gen ${generation})\n`);
        }
    }
}

/**
 * Starts one stub per node of `topology` under `root` (`<root>/<node>/{data,log,events}`), with files of
 * generation 1. `advance` moves every node to the next generation (new segments, new log content).
 */
export async function startCluster(topology: Topology, root: string): Promise<StubCluster & { advance(): void }> {
    const nodes = new Map<string, StubNode>();
    const calls: StubCall[] = [];
    const servers: http.Server[] = [];
    let generation = 1;
    let zipClock = 1700000000000;
    for (const node of topology.nodes) {
        const base = path.join(root, node.name);
        const n: StubNode = {
            name: node.name,
            root: base,
            data: path.join(base, "data"),
            log: path.join(base, "log"),
            events: path.join(base, "events"),
            controlDbBackups: path.join(base, "data", "controldb-backups"),
            tokenFile: path.join(root, `${node.name}.token`),
            url: "",
            controlDbPaths: ["/v1/backup/createControlDbBackup"],
        };
        write(n.tokenFile, `token-of-${node.name}\n`);
        seedNode(topology, node, n, generation);
        nodes.set(node.name, n);
        const server = http.createServer((req, res) => {
            const u = new URL(req.url ?? "/", "http://x");
            const query = Object.fromEntries(u.searchParams);
            const method = req.method ?? "";
            const contextHeader = req.headers["axoniq-context"] as string | undefined;
            const send = (status: number, body: string, type = "application/json") => {
                calls.push({ node: node.name, method, path: u.pathname, query, contextHeader, status });
                res.writeHead(status, { "content-type": type });
                res.end(body);
            };
            if (req.headers["axoniq-access-token"] !== `token-of-${node.name}`) return send(401, '{"error":"unauthorized"}');
            const context = contextHeader ?? query["AxonIQ-Context"] ?? query.context ?? ADMIN_GROUP;
            if (context !== ADMIN_GROUP) return send(403, `{"error":"ADMIN@${context} required, token has ADMIN@${ADMIN_GROUP}"}`);
            const injected = n.fail?.({ method, path: u.pathname, query });
            if (injected !== undefined) return send(injected, '{"error":"injected"}');
            if (method === "POST" && n.controlDbPaths.includes(u.pathname)) {
                zipClock += 1000;
                const zip = path.join(n.controlDbBackups, `controldb${zipClock}.zip`);
                fs.mkdirSync(n.controlDbBackups, { recursive: true });
                fs.writeFileSync(zip, storedZip([{ name: CONTROL_DB_FILE, data: fs.readFileSync(path.join(n.data, CONTROL_DB_FILE)) }]));
                return send(200, zip, "text/plain");
            }
            if (method === "GET" && u.pathname === "/v1/backup/log/filenames") {
                const group = query.context;
                const role = node.roles[group];
                if (role === undefined || role === "MESSAGING_ONLY") return send(404, `{"error":"no replication log of ${group} on ${node.name}"}`);
                const dir = path.join(n.log, group);
                return send(200, JSON.stringify(fs.readdirSync(dir).sort().map((f) => path.join(dir, f))));
            }
            if (method === "GET" && u.pathname === "/v1/backup/eventstore") {
                const ctx = query.targetContext;
                const ext = query.type === "EVENT" ? ".events" : query.type === "SNAPSHOT" ? ".snapshots" : undefined;
                if (!ext) return send(400, '{"error":"type"}');
                const dir = path.join(n.events, ctx);
                if (!fs.existsSync(dir)) return send(404, `{"error":"no event store of ${ctx} on ${node.name}"}`);
                const marker = Number(query.lastClosedSegmentBackedUp ?? "-1");
                const versionMarker = Number(query.lastClosedVersionBackedUp ?? "0");
                const parse = (f: string) => /^(\d{20})(?:_(\d{5}))?\.[a-z]+$/.exec(f);
                const data = fs.readdirSync(dir).filter((f) => f.endsWith(ext)).sort();
                const numbers = data.map((f) => Number(parse(f)![1]));
                const active = Math.max(...numbers);
                // Snapshot stores in this model have only an active segment.
                const closed = numbers.filter((x) => x < active);
                const lastClosed = closed.length > 0 ? Math.max(...closed) : -1;
                const files = fs
                    .readdirSync(dir)
                    .sort()
                    .filter((f) => {
                        const m = parse(f);
                        if (!m || !(f.endsWith(ext) || (ext === ".events" && f.endsWith(".index")))) return false;
                        return Number(m[1]) > marker || Number(m[2] ?? "0") > versionMarker;
                    });
                return send(200, JSON.stringify({ lastClosedSegment: lastClosed, filenames: files.map((f) => path.join(dir, f)) }));
            }
            return send(404, '{"error":"not found"}');
        });
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
        n.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    return {
        nodes,
        calls,
        advance() {
            generation++;
            for (const node of topology.nodes) seedNode(topology, node, nodes.get(node.name)!, generation);
        },
        close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
    };
}

/** Every file a node stores (control DB, logs, events), relative to its root, with its content. */
export function nodeFiles(n: StubNode): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (dir: string) => {
        if (!fs.existsSync(dir)) return;
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else out.set(path.relative(n.root, p), fs.readFileSync(p, "utf8"));
        }
    };
    walk(n.log);
    walk(n.events);
    const db = path.join(n.data, CONTROL_DB_FILE);
    if (fs.existsSync(db)) out.set(path.relative(n.root, db), fs.readFileSync(db, "utf8"));
    return out;
}

/**
 * Compares what every node had with what it has after the restore; throws one message naming each
 * node and file that differs, and whose control DB a node got when it got another node's.
 */
export function assertRestored(expected: Map<string, Map<string, string>>, actual: Map<string, Map<string, string>>): void {
    const problems: string[] = [];
    for (const [node, files] of expected) {
        const got = actual.get(node) ?? new Map<string, string>();
        for (const [file, content] of files) {
            const g = got.get(file);
            if (g === undefined) problems.push(`${node}: ${file} missing after the restore`);
            else if (g !== content) {
                if (file.endsWith(CONTROL_DB_FILE)) {
                    const owner = (JSON.parse(g) as { node: string }).node;
                    problems.push(
                        owner !== node ? `${node}: got the control DB of ${owner} (each node must get its own)` : `${node}: control DB from another backup run than its log (${g.trim()} vs ${content.trim()})`,
                    );
                } else problems.push(`${node}: ${file} differs (has "${g.trim()}", had "${content.trim()}")`);
            }
        }
        for (const file of got.keys()) if (!files.has(file)) problems.push(`${node}: ${file} was not there before`);
    }
    if (problems.length > 0) throw new Error(`restore drill: ${problems.length} difference(s):\n  ${problems.slice(0, 40).join("\n  ")}`);
}
