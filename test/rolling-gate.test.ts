/**
 * The rolling gate script (components/kubernetes/gate/rollingGate.mjs) against a loopback stub that
 * answers `/actuator/health` like Axon Server: Spring Boot's body with a `raft` component whose details
 * are `<group>.leader`, `<group>.status` and, on the leader, `<group>.follower.<node>.status`
 * (EE `RaftHealthIndicator` / `LeaderState.health`, AxonIQ/axon-server-se tag axonserver-ee-4.4.2 and
 * later: UP, BEHIND when more than 100 entries behind, NO_ACK_RECEIVED after the max election timeout).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";

const GATE = path.resolve(__dirname, "../components/kubernetes/gate/rollingGate.mjs");
// Native dynamic import (ts-node compiles `import()` to `require`, which cannot load an ES module).
const importEsm = new Function("p", "return import(p)") as (p: string) => Promise<GateModule>;

interface Evaluation {
    ok: boolean;
    problems: string[];
    notes: string[];
}
interface GateModule {
    evaluate(cfg: object, health: (node: string) => Promise<object | null>, resolves?: (name: string) => Promise<boolean | null>): Promise<Evaluation>;
    overrideFrom(text: string, key: string): string | null;
    main(env: Record<string, string | undefined>, log: (s: string) => void): Promise<number>;
}

type Details = Record<string, string>;
/** A Spring Boot health body with Axon's raft details. */
const body = (details: Details, status = "UP") => ({ status, components: { raft: { status, details } } });

const GROUPS = [
    { name: "_admin", members: [{ node: "a1", role: "PRIMARY" }, { node: "a2", role: "PRIMARY" }, { node: "a3", role: "PRIMARY" }] },
    {
        name: "orders",
        members: [
            { node: "a1", role: "PRIMARY" },
            { node: "a2", role: "PRIMARY" },
            { node: "a3", role: "PRIMARY" },
            { node: "ab", role: "ACTIVE_BACKUP" },
        ],
    },
];

/** A healthy cluster: a1 leads both groups, everyone UP. */
function healthy(): Record<string, Details> {
    const follower = (g: string, n: string, s = "UP") => ({ [`${g}.follower.${n}.status`]: s });
    return {
        a1: { "_admin.leader": "a1", "orders.leader": "a1", ...follower("_admin", "a2"), ...follower("_admin", "a3"), ...follower("orders", "a2"), ...follower("orders", "a3"), ...follower("orders", "ab") },
        a2: { "_admin.leader": "a1", "orders.leader": "a1" },
        a3: { "_admin.leader": "a1", "orders.leader": "a1" },
        ab: { "orders.leader": "a1" },
    };
}

const cfg = (after: string, before: string, endpoints: Record<string, string>, extra: object = {}) => ({
    after,
    before,
    groups: GROUPS,
    minActiveBackups: 1,
    endpoints,
    mustResolve: [],
    timeoutSeconds: 1,
    intervalSeconds: 0.02,
    // The gap between the two passing evaluations a pass needs (production: 5 s), small for tests.
    confirmSeconds: 0.01,
    overrideAnnotation: "axonserver-multiregion/gate-override",
    ...extra,
});

describe("rolling gate (script against a loopback stub of Axon's /actuator/health)", function () {
    this.timeout(20000);
    let gate: GateModule;
    let server: http.Server;
    let state: Record<string, Details | null>;
    /** Called with the node of every health request before it is answered (state changes between polls). */
    let onRequest: ((node: string) => void) | undefined;
    let base: string;
    const endpoints = (...nodes: string[]) => Object.fromEntries(nodes.map((n) => [n, `${base}/${n}`]));
    const health = async (node: string) => {
        const r = await fetch(`${base}/${node}/actuator/health`).catch(() => null);
        return r ? ((await r.json()) as object) : null;
    };

    before(async () => {
        gate = await importEsm(GATE);
        server = http.createServer((req, res) => {
            const [, node, ...rest] = (req.url ?? "").split("/");
            onRequest?.(node);
            const d = state[node];
            if (rest.join("/") !== "actuator/health" || d === undefined) return void res.writeHead(404).end();
            if (d === null) return void req.socket.destroy(); // down: no answer
            // Spring answers 503 with the same body when DOWN (no leader anywhere).
            const down = Object.entries(d).some(([k, v]) => k.endsWith(".leader") && v === "None");
            res.writeHead(down ? 503 : 200, { "content-type": "application/json" }).end(JSON.stringify(body(d, down ? "DOWN" : "UP")));
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    beforeEach(() => {
        state = healthy();
        onRequest = undefined;
    });

    it("passes when the previous node is UP in every group and the next node's groups can lose it", async () => {
        const r = await gate.evaluate(cfg("a2", "a3", endpoints("a1", "a2", "a3", "ab")), health);
        assert.deepEqual(r, { ok: true, problems: [], notes: [], leaders: { _admin: "a1", orders: "a1" } });
    });

    it("waits while the leader reports the previous node BEHIND or without ack, naming node, group and status", async () => {
        state.a1!["orders.follower.a2.status"] = "BEHIND";
        state.a1!["_admin.follower.a2.status"] = "NO_ACK_RECEIVED";
        // `before` = a node in no group: only the check of a2 counts here.
        const r = await gate.evaluate(cfg("a2", "x", endpoints("a1", "a2", "a3", "ab")), health);
        assert.equal(r.ok, false);
        assert.deepEqual(r.problems, ["leader a1 reports a2 in _admin as NO_ACK_RECEIVED", "leader a1 reports a2 in orders as BEHIND"]);
    });

    it("waits while the previous node does not answer, knows no leader or is behind on its own", async () => {
        state.a2 = null;
        assert.deepEqual((await gate.evaluate(cfg("a2", "x", endpoints("a1", "a2")), health)).problems, ["a2 does not answer /actuator/health", "a2 does not answer /actuator/health"]);
        state.a2 = { "_admin.leader": "None", "orders.leader": "a1", "orders.status": "BEHIND" };
        assert.deepEqual((await gate.evaluate(cfg("a2", "x", endpoints("a1", "a2")), health)).problems, [
            "a2 knows no leader of _admin (_admin.leader=None)",
            "a2 is BEHIND in orders (more than 100 entries not applied)",
        ]);
    });

    it("checks BEFORE taking a node down: a3 may not go while a2 is not UP (2 of 3 PRIMARY would be gone)", async () => {
        state.a1!["_admin.follower.a2.status"] = "NO_ACK_RECEIVED";
        state.a1!["orders.follower.a2.status"] = "NO_ACK_RECEIVED";
        const r = await gate.evaluate(cfg("ab", "a3", endpoints("a1", "a2", "a3", "ab")), health);
        assert.equal(r.ok, false);
        assert.match(r.problems[0], /^_admin cannot lose a3: without it 1\/3 PRIMARY up \(needs 2\) in leader a1's view; not UP: a2=NO_ACK_RECEIVED$/);
        assert.match(r.problems[1], /^orders cannot lose a3: without it 1\/3 PRIMARY up \(needs 2\), 1\/1 ACTIVE_BACKUP up \(needs 1\)/);
    });

    it("a lone ACTIVE_BACKUP cannot go down with minActiveBackups 1 (writes would stop)", async () => {
        const r = await gate.evaluate(cfg("a3", "ab", endpoints("a1", "a2", "a3", "ab")), health);
        assert.deepEqual(r.problems, ["orders cannot lose ab: without it 3/3 PRIMARY up (needs 2), 0/1 ACTIVE_BACKUP up (needs 1) in leader a1's view"]);
    });

    it("a new cluster: a node not yet a member, or a group not formed yet, is nothing to lose", async () => {
        delete state.a1!["_admin.follower.a3.status"];
        delete state.a1!["orders.follower.a3.status"];
        const r = await gate.evaluate(cfg("a2", "a3", endpoints("a1", "a2")), health);
        assert.equal(r.ok, true, r.problems.join("; "));
        assert.deepEqual(r.notes, ["_admin: a3 is not a member yet (new node)", "orders: a3 is not a member yet (new node)"]);
    });

    // Raft counts a majority over the group's members as the leader has them, not over the stack's config
    // (a node added to the stack joins Axon's group later; one removed from the stack stays a member until
    // it is removed in Axon). The leader lists every other member as `<g>.follower.<node>.status` (EE
    // `LeaderState.health`: one key per `replicatorPeers()` entry, AxonIQ/axon-server-se tag axonserver-ee-4.4.2).
    const fourPrimaries = [{ name: "_admin", members: ["a1", "a2", "a3", "a4"].map((node) => ({ node, role: "PRIMARY" })) }];

    it("'can be lost': a configured PRIMARY the leader does not list (a node just added, not joined yet) is not counted: 3+1 passes with a note", async () => {
        // Axon's _admin has a1, a2, a3; the stack already lists a4 (its pod not created yet: no answer).
        // Without a2: 2 of Axon's 3 are UP.
        state.a4 = null;
        const r = await gate.evaluate(cfg("a1", "a2", endpoints("a1", "a2", "a3", "a4"), { groups: fourPrimaries }), health);
        assert.equal(r.ok, true, r.problems.join("; "));
        assert.deepEqual(r.notes, ["_admin: a4 is not a member yet (new node), not counted"]);
        // Still a majority of Axon's members: with a3 not UP, a2 cannot go (1 of 3).
        state.a1!["_admin.follower.a3.status"] = "NO_ACK_RECEIVED";
        const down = await gate.evaluate(cfg("a1", "a2", endpoints("a1", "a2", "a3", "a4"), { groups: fourPrimaries }), health);
        assert.deepEqual(down.problems, ["_admin cannot lose a2: without it 1/3 PRIMARY up (needs 2) in leader a1's view; not UP: a3=NO_ACK_RECEIVED"]);
    });

    it("'can be lost': a member the leader lists that the stack no longer has counts as a voter (role unknown): down, it makes the step wait", async () => {
        // x was removed from the stack but is still a member of Axon's _admin, and gone (no ack). Raft's
        // majority is over 4 members: without a3, a1 and a2 are 2 of 4 (needs 3): writes would stop.
        const admin = [GROUPS[0]];
        state.a1!["_admin.follower.x.status"] = "NO_ACK_RECEIVED";
        const r = await gate.evaluate(cfg("a2", "a3", endpoints("a1", "a2", "a3"), { groups: admin }), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.deepEqual(r.problems, [
            "_admin cannot lose a3: without it 2/4 PRIMARY up (needs 3) in leader a1's view; not UP: x=NO_ACK_RECEIVED;" +
                " members in Axon but not in the stack (removed from the stack, not from Axon?): x, role unknown, each counted as a PRIMARY that is not UP" +
                ' (one gone for good: remove it in Axon, DELETE /v1/cluster/<node>; or, if the group can lose a3, override, audited: annotate this Job\'s pod axonserver-multiregion/gate-override="<reason>"; README "Creation order and rolling changes")',
        ]);
        // UP, it is left out (counting a voter that is UP could only help, and it may not vote at all): 2 of 3.
        state.a1!["_admin.follower.x.status"] = "UP";
        const up = await gate.evaluate(cfg("a2", "a3", endpoints("a1", "a2", "a3"), { groups: admin }), health);
        assert.equal(up.ok, true, up.problems.join("; "));
        assert.deepEqual(up.notes, ["_admin: x is a member in leader a1's view but not in the stack (role unknown): UP, not counted"]);
    });

    it("'can be lost': an UP member the stack does not have never makes up for a missing PRIMARY (it may not vote)", async () => {
        // Axon: a1..a4 PRIMARY and x (UP, role unknown: a SECONDARY, say). a3 is down. Counted as a PRIMARY
        // UP, x would make it 3 of 5 and let a4 go; if x does not vote, only a1 and a2 of 4 remain: writes stop.
        state.a1 = { "_admin.leader": "a1", "_admin.follower.a2.status": "UP", "_admin.follower.a3.status": "NO_ACK_RECEIVED", "_admin.follower.a4.status": "UP", "_admin.follower.x.status": "UP" };
        state.a4 = { "_admin.leader": "a1" };
        const r = await gate.evaluate(cfg("a2", "a4", endpoints("a1", "a2", "a3", "a4"), { groups: fourPrimaries }), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.deepEqual(r.problems, ["_admin cannot lose a4: without it 2/4 PRIMARY up (needs 3) in leader a1's view; not UP: a3=NO_ACK_RECEIVED"]);
    });

    it("'can be lost': a leader whose follower list names none of a voting role the stack has in the group fails closed (another version may leave the role out)", async () => {
        // a1 lists a2 and a3 but not ab, the only ACTIVE_BACKUP of orders: counted as "not a member yet",
        // orders would have no ACTIVE_BACKUP and `minActiveBackups` would pass unchecked.
        delete state.a1!["orders.follower.ab.status"];
        const r = await gate.evaluate(cfg("x", "a3", endpoints("a1", "a2", "a3", "ab")), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.deepEqual(r.problems, [
            "orders: cannot tell whether orders can lose a3: leader a1 lists followers of orders but none of its ACTIVE_BACKUP nodes in the stack (ab); another server version may leave a role out" +
                ' (if they are members, up and caught up, override, audited: annotate this Job\'s pod axonserver-multiregion/gate-override="<reason>"; README "Creation order and rolling changes")',
        ]);
        // One of two listed is enough to read the list as the group's members.
        const groups = [{ name: "orders", members: [...GROUPS[1].members, { node: "ab2", role: "ACTIVE_BACKUP" }] }];
        state.a1!["orders.follower.ab2.status"] = "UP";
        const one = await gate.evaluate(cfg("x", "a3", endpoints("a1", "a2", "a3", "ab"), { groups }), health);
        assert.equal(one.ok, true, one.problems.join("; "));
        assert.deepEqual(one.notes, ["orders: ab is not a member yet (new node), not counted"]);
    });

    it("'can be lost', leader out of reach: a named leader the stack does not list in the group fails closed (the stack's members are not Axon's)", async () => {
        // a1, a2 are the stack's _admin (a3 removed from the stack, not from Axon) and name a3 as leader,
        // out of reach: the stack's members alone (a1 UP: 1 of 1... of 2) cannot tell whether _admin survives.
        const admin = [{ name: "_admin", members: [{ node: "a1", role: "PRIMARY" }, { node: "a2", role: "PRIMARY" }, { node: "a4", role: "PRIMARY" }] }];
        state.a1 = { "_admin.leader": "a3" };
        state.a2 = { "_admin.leader": "a3" };
        state.a4 = { "_admin.leader": "a3" };
        const r = await gate.evaluate(cfg("x", "a2", endpoints("a1", "a2", "a4"), { groups: admin }), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.deepEqual(r.problems, [
            "_admin: cannot verify it can lose a2: its leader a3 (named by a1, a2, a4) is not a member of _admin in the stack (removed from the stack, not from Axon?) and cannot be asked from this site" +
                ' (if the group can lose a2, override, audited: annotate this Job\'s pod axonserver-multiregion/gate-override="<reason>"; README "Creation order and rolling changes")',
        ]);
    });

    it("'can be lost': a confirmed leader the stack does not list in the group (in reach as another group's node) is a member, UP, not counted", async () => {
        // a3 is no longer in the stack's _admin but still runs (in orders) and leads _admin in Axon.
        const admin = [{ name: "_admin", members: [{ node: "a1", role: "PRIMARY" }, { node: "a2", role: "PRIMARY" }, { node: "a4", role: "PRIMARY" }] }];
        state.a1 = { "_admin.leader": "a3" };
        state.a2 = { "_admin.leader": "a3" };
        state.a4 = { "_admin.leader": "a3" };
        state.a3 = { "_admin.leader": "a3", "_admin.follower.a1.status": "UP", "_admin.follower.a2.status": "UP", "_admin.follower.a4.status": "UP" };
        const r = await gate.evaluate(cfg("x", "a2", endpoints("a1", "a2", "a3", "a4"), { groups: admin }), health);
        assert.equal(r.ok, true, r.problems.join("; "));
        assert.deepEqual(r.notes, ["_admin: a3 is a member in leader a3's view but not in the stack (role unknown): LEADER, not counted"]);
    });

    // Roles are the stack's: the health endpoint names no member's role (EE `LeaderState.health` publishes
    // a status per follower, no role). A node the stack demoted but Axon still has as a voter must not be
    // read as harmless.
    it("'can be lost': a member the stack has as non-voting that the leader reports not UP counts as a PRIMARY that is not UP (Axon may still have it as a voter)", async () => {
        // Axon: PRIMARY a1..a4; the stack demoted a4 to SECONDARY before Axon did. a4 is down: without a3,
        // Axon keeps a1, a2 of 4 PRIMARY (needs 3): writes would stop.
        const groups = [{ name: "_admin", members: [...["a1", "a2", "a3"].map((node) => ({ node, role: "PRIMARY" })), { node: "a4", role: "SECONDARY" }] }];
        state.a1 = { "_admin.leader": "a1", "_admin.follower.a2.status": "UP", "_admin.follower.a3.status": "UP", "_admin.follower.a4.status": "NO_ACK_RECEIVED" };
        state.a4 = null;
        const r = await gate.evaluate(cfg("x", "a3", endpoints("a1", "a2", "a3", "a4"), { groups }), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.deepEqual(r.problems, [
            "_admin cannot lose a3: without it 2/4 PRIMARY up (needs 3) in leader a1's view; not UP: a4=NO_ACK_RECEIVED;" +
                " members the stack has as non-voting, counted as a PRIMARY that is not UP (the health endpoint names no role; Axon may still have them as voters, README \"Changing a node's role\"): a4",
        ]);
        // UP, it is left out: a3 may go (2 of 3).
        state.a1["_admin.follower.a4.status"] = "UP";
        assert.equal((await gate.evaluate(cfg("x", "a3", endpoints("a1", "a2", "a3", "a4"), { groups }), health)).ok, true);
    });

    it("'can be lost' of a node the stack has as non-voting: checked as if it were a PRIMARY (Axon may still have it as a voter)", async () => {
        // Axon: PRIMARY a1..a4; the stack already lists a4 as SECONDARY. a2 is down. Deleting a4 unchecked
        // leaves Axon a1, a3 of 4 PRIMARY (needs 3).
        const groups = [{ name: "_admin", members: [...["a1", "a2", "a3"].map((node) => ({ node, role: "PRIMARY" })), { node: "a4", role: "SECONDARY" }] }];
        state.a1 = { "_admin.leader": "a1", "_admin.follower.a2.status": "NO_ACK_RECEIVED", "_admin.follower.a3.status": "UP", "_admin.follower.a4.status": "UP" };
        state.a2 = null;
        state.a4 = { "_admin.leader": "a1" };
        const r = await gate.evaluate(cfg("x", "a4", endpoints("a1", "a2", "a3", "a4"), { groups }), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.deepEqual(r.problems, ["_admin cannot lose a4: without it 2/4 PRIMARY up (needs 3) in leader a1's view; not UP: a2=NO_ACK_RECEIVED; a4 is SECONDARY in the stack, counted as a PRIMARY (the health endpoint names no role; README \"Changing a node's role\")"]);
        // Every PRIMARY UP: a SECONDARY may go.
        state.a1["_admin.follower.a2.status"] = "UP";
        state.a2 = { "_admin.leader": "a1" };
        assert.deepEqual(await gate.evaluate(cfg("x", "a4", endpoints("a1", "a2", "a3", "a4"), { groups }), health), { ok: true, problems: [], notes: [], leaders: { _admin: "a1" } });
    });

    it("'can be lost': a leader that lists no follower still proves nothing about the group's members (fails closed)", async () => {
        // The node to take down leads and lists nobody: a2, a3 and the configured a4 count as members not UP.
        state.a1 = { "_admin.leader": "a1" };
        state.a4 = null;
        const r = await gate.evaluate(cfg("x", "a1", endpoints("a1", "a2", "a3", "a4"), { groups: fourPrimaries }), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.deepEqual(r.notes, []);
        assert.deepEqual(r.problems, ["_admin cannot lose a1: without it 0/4 PRIMARY up (needs 3) in leader a1's view; not UP: a2=NOT_LISTED, a3=NOT_LISTED, a4=NOT_LISTED"]);
    });

    it("'can be lost', leader out of reach: a configured voter that is not a member yet still counts as not UP (members unknown without the leader)", async () => {
        // The voters' own views tell no member list: a member the stack no longer has would be invisible, so
        // dropping a4 from the count could pass a step that loses quorum. Fail closed, and say why.
        state.a4 = { "orders.leader": "a1" }; // a4 answers but is in no _admin group yet
        const r = await gate.evaluate(cfg("x", "a3", endpoints("a2", "a3", "a4"), { groups: fourPrimaries }), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.match(r.problems[0], /^_admin cannot lose a3: without it 1\/4 PRIMARY seen UP \(needs 3\) in their own views \(leader a1 not reachable from here\); not UP: a4=NOT_A_MEMBER_YET; not seen from this site: a1/);
    });

    it("'can be lost': a missing follower key means 'not a member yet' only when the leader, confirmed by itself, lists its followers", async () => {
        // The leader publishes `<g>.follower.<n>.status` for each follower (EE `LeaderState.health`); a
        // follower publishes none. A leader that lists no follower of the group at all (another server
        // version naming the keys differently, or a node that no longer leads) proves nothing about a3.
        const admin = [GROUPS[0]];
        state.a1 = { "_admin.leader": "a1" };
        state.a2 = null;
        state.a3 = { "_admin.leader": "a1" };
        const r = await gate.evaluate(cfg("x", "a3", endpoints("a1", "a2", "a3"), { groups: admin }), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.deepEqual(r.notes, []);
        assert.match(r.problems[0], /^_admin: cannot tell whether a3 is a member: leader a1 lists no follower of _admin \(no _admin\.follower\.<node>\.status\) \(if they are up and caught up, override, audited: annotate this Job's pod axonserver-multiregion\/gate-override="<reason>"; README/);
    });

    it("'can be lost': a member's stale view names a leader that no longer leads: the node that says so itself decides", async () => {
        // a1 (restarting, stale) still names a2; a2 lost the lead to a3 (it follows a3 now: no follower keys);
        // a3 leads and reports a1 without ack. Taking a3 down leaves a2 alone: 1 of 3.
        const admin = [GROUPS[0]];
        state.a1 = { "_admin.leader": "a2" };
        state.a2 = { "_admin.leader": "a3" };
        state.a3 = { "_admin.leader": "a3", "_admin.follower.a2.status": "UP", "_admin.follower.a1.status": "NO_ACK_RECEIVED" };
        const r = await gate.evaluate(cfg("x", "a3", endpoints("a1", "a2", "a3"), { groups: admin }), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.deepEqual(r.notes, []);
        assert.deepEqual(r.problems, ["_admin cannot lose a3: without it 1/3 PRIMARY up (needs 2) in leader a3's view; not UP: a1=NO_ACK_RECEIVED"]);
        // The real leader out of reach: the named node denies leading, so the views disagree: a1's (stale)
        // does not count as UP, only a2's names the leader a2 itself names.
        const blind = await gate.evaluate(cfg("x", "a3", endpoints("a1", "a2"), { groups: admin }), health);
        assert.equal(blind.ok, false, JSON.stringify(blind));
        assert.deepEqual(blind.notes, []);
        assert.match(blind.problems[0], /^_admin cannot lose a3: without it 1\/3 PRIMARY seen UP \(needs 2\) in their own views \(leader a3 not reachable from here\); not UP: a1=LEADER_a2/);
        // Every node in reach names a leader that denies it (an election under way): nothing is confirmed.
        state.a3 = { "_admin.leader": "a1" };
        const none = await gate.evaluate(cfg("x", "a3", endpoints("a1", "a2", "a3"), { groups: admin }), health);
        assert.equal(none.ok, false, JSON.stringify(none));
        assert.match(none.problems[0], /^_admin: no member confirms its leader \(a1 names a2, a2 names a3, a3 names a1\): a3 must not go down/);
    });

    it("'back': the leader is the node that says so itself; a stale view is not the leader's", async () => {
        // a2 still names a1, but a3 leads now and reports a2 UP: a2 is back.
        state.a1 = { "_admin.leader": "a3", "orders.leader": "a3" };
        state.a3 = { "_admin.leader": "a3", "orders.leader": "a3", "_admin.follower.a2.status": "UP", "orders.follower.a2.status": "UP", "orders.follower.a1.status": "UP", "_admin.follower.a1.status": "UP" };
        const r = await gate.evaluate(cfg("a2", "y", endpoints("a1", "a2", "a3")), health);
        assert.deepEqual(r, { ok: true, problems: [], notes: [], leaders: { _admin: "a3", orders: "a3" } });
        // The leader lists no follower at all: it proves nothing.
        state.a1 = { "_admin.leader": "a1", "orders.leader": "a1" };
        state.a3 = healthy().a3;
        const bare = await gate.evaluate(cfg("a2", "y", endpoints("a1", "a2", "a3")), health);
        const hint = (form: string) => ` (if it reports a2 UP, override, audited: annotate this Job's pod axonserver-multiregion/gate-override="${form}"; README "Creation order and rolling changes")`;
        assert.deepEqual(bare.problems, [
            `leader a1 lists no follower of _admin (no _admin.follower.<node>.status): a2 back cannot be verified${hint("<reason>")}`,
            `leader a1 lists no follower of orders (no orders.follower.<node>.status): a2 back cannot be verified${hint("<reason>")}`,
        ]);
        // A roller's "back" wait names the value it takes (roller.mjs passes `overridePrefix`).
        const rolled = await gate.evaluate(cfg("a2", "y", endpoints("a1", "a2", "a3"), { overridePrefix: "a2 back" }), health);
        assert.equal(rolled.problems[0], `leader a1 lists no follower of _admin (no _admin.follower.<node>.status): a2 back cannot be verified${hint("a2 back: <reason>")}`);
    });

    it("'back' that cannot be established names the override: no member in reach knows a leader, or the leader does not list the node", async () => {
        const admin = [GROUPS[0]];
        const how = (form: string) => `override, audited: annotate this Job's pod axonserver-multiregion/gate-override="${form}"; README "Creation order and rolling changes")`;
        // a3 out of reach; a1 and a2 answer and know no leader (an election, or a group that lost its majority).
        state.a1 = { "_admin.leader": "None" };
        state.a2 = { "_admin.leader": "None" };
        const none = await gate.evaluate(cfg("a3", "y", endpoints("a1", "a2"), { groups: admin }), health);
        assert.deepEqual(none.problems, [`no member of _admin reports a leader (asked a1, a2) (if the group has a leader that reports a3 UP, ${how("<reason>")}`]);
        const noneRolled = await gate.evaluate(cfg("a3", "y", endpoints("a1", "a2"), { groups: admin, overridePrefix: "a3 back" }), health);
        assert.deepEqual(noneRolled.problems, [`no member of _admin reports a leader (asked a1, a2) (if the group has a leader that reports a3 UP, ${how("a3 back: <reason>")}`]);
        // The leader lists followers, a3 not among them.
        state.a1 = { "_admin.leader": "a1", "_admin.follower.a2.status": "UP" };
        state.a2 = { "_admin.leader": "a1" };
        const unlisted = await gate.evaluate(cfg("a3", "y", endpoints("a1", "a2", "a3"), { groups: admin, overridePrefix: "a3 back" }), health);
        assert.deepEqual(unlisted.problems, [`leader a1 reports a3 in _admin as NOT_LISTED (if a3 is a member of _admin and caught up, ${how("a3 back: <reason>")}`]);
    });

    it("'back' of a node another member names as leader: only its own answer counts (never passes unasked)", async () => {
        // a1 was replaced (a VM out of this Job's reach, say); a2 still names it leader. Nobody asked a1.
        const admin = [GROUPS[0]];
        const r = await gate.evaluate(cfg("a1", "y", endpoints("a2"), { groups: admin }), health);
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.match(r.problems[0], /^a1 back in _admin cannot be verified: its leader a1 could not be asked \(not reachable from this site\); a1 is not reachable from this site either \(if it reports a1 UP, override/);
        // In reach and leading by its own account: back.
        assert.deepEqual(await gate.evaluate(cfg("a1", "y", endpoints("a1", "a2"), { groups: admin }), health), { ok: true, problems: [], notes: [], leaders: { _admin: "a1" } });
        // In reach but it names a2 while a2 names it: no leader confirms itself.
        state.a1 = { "_admin.leader": "a2" };
        const loop = await gate.evaluate(cfg("a1", "y", endpoints("a1", "a2"), { groups: admin }), health);
        assert.equal(loop.ok, false, JSON.stringify(loop));
        assert.match(loop.problems[0], /^a1 back in _admin cannot be verified: no member confirms its leader \(a1 names a2, a2 names a1\)/);
    });

    it("leader on another site: 'can be lost' counts only the voters it sees UP; unseen voters are not UP (fail closed)", async () => {
        // 3 PRIMARY on 3 Kubernetes clusters, a2 already down: this Job sees only a3. Assuming the unseen
        // a1 and a2 UP would take a3 down and lose _admin's quorum.
        const admin = [GROUPS[0]];
        state.a2 = null;
        const r = await gate.evaluate(cfg("x", "a3", endpoints("a3"), { groups: admin }), health);
        assert.equal(r.ok, false);
        assert.deepEqual(r.problems, [
            "_admin cannot lose a3: without it 0/3 PRIMARY seen UP (needs 2) in their own views (leader a1 not reachable from here); not seen from this site: a1, a2" +
                ' (if they are up and caught up, override, audited: annotate this Job\'s pod axonserver-multiregion/gate-override="<reason>"; README "Creation order and rolling changes")',

        ]);
        // orders: ab2 answers, the PRIMARY nodes a1, a2 are still out of sight: still no.
        const groups = [{ name: "orders", members: [...GROUPS[1].members, { node: "ab2", role: "ACTIVE_BACKUP" }] }];
        state.a2 = healthy().a2;
        state.ab2 = { "orders.leader": "a1" };
        const ab = await gate.evaluate(cfg("a3", "ab", endpoints("a3", "ab", "ab2"), { groups }), health);
        assert.equal(ab.ok, false);
        // (a3 back cannot be verified either: its leader a1 is out of sight.)
        assert.match(ab.problems.join("\n"), /^a3 back in orders cannot be verified: its leader a1 could not be asked/);
        assert.match(ab.problems[1], /^orders cannot lose ab: without it 1\/3 PRIMARY seen UP \(needs 2\), 1\/2 ACTIVE_BACKUP seen UP \(needs 1\).*not seen from this site: a1, a2 \(if they are up/);
        // A reachable PRIMARY that is BEHIND in its own view counts as down.
        state.a3 = { "_admin.leader": "a1", "orders.leader": "a1", "orders.status": "BEHIND" };
        const behind = await gate.evaluate(cfg("ab", "a2", endpoints("a3", "ab", "ab2"), { groups }), health);
        assert.match(behind.problems.join("\n"), /orders cannot lose a2: without it 0\/3 PRIMARY seen UP \(needs 2\).*not UP: a3=BEHIND/);
    });

    it("leader out of reach: passes when the voters it sees UP are a majority without the node", async () => {
        // 5 PRIMARY, the leader p5 on another cluster: p2, p3, p4 UP in their own views are 3 of 5.
        const groups = [{ name: "g", members: ["p1", "p2", "p3", "p4", "p5"].map((node) => ({ node, role: "PRIMARY" })) }];
        for (const n of ["p1", "p2", "p3", "p4"]) state[n] = { "g.leader": "p5" };
        const r = await gate.evaluate(cfg("x", "p1", endpoints("p1", "p2", "p3", "p4"), { groups }), health);
        assert.equal(r.ok, true, r.problems.join("; "));
        assert.deepEqual(r.notes, ["g: leader p5 not reachable from this site; enough voters UP in their own views without counting p5 (not seen from here)"]);
        state.p4 = null;
        assert.equal((await gate.evaluate(cfg("x", "p1", endpoints("p1", "p2", "p3", "p4"), { groups }), health)).ok, false, "p4 not answering: 2 of 5");
    });

    it("previous node back, its group's leader out of reach: fails closed (never A's own view alone), naming node, group, leader and override", async () => {
        // a2 says it follows a1 and is not behind, but only the leader knows whether a2 is caught up
        // (`<g>.follower.<a2>.status`): without asking a1 the step must wait, then stop.
        // A gate takes any value (README, "Override"): its hint shows that form, not a roller's `<node>: <reason>`.
        const hint = ' (if it reports a2 UP, override, audited: annotate this Job\'s pod axonserver-multiregion/gate-override="<reason>"; README "Creation order and rolling changes")';
        const unseen = await gate.evaluate(cfg("a2", "x", endpoints("a2", "a3")), health);
        assert.equal(unseen.ok, false);
        assert.deepEqual(unseen.problems, [
            `a2 back in _admin cannot be verified: its leader a1 could not be asked (not reachable from this site); a2's own view (leader known, not behind) is not enough${hint}`,
            `a2 back in orders cannot be verified: its leader a1 could not be asked (not reachable from this site); a2's own view (leader known, not behind) is not enough${hint}`,
        ]);
        assert.deepEqual(unseen.notes, []);
        // The leader is in reach but does not answer: the same.
        state.a1 = null;
        const silent = await gate.evaluate(cfg("a2", "x", endpoints("a1", "a2")), health);
        assert.equal(silent.ok, false);
        assert.match(silent.problems[0], /^a2 back in _admin cannot be verified: its leader a1 could not be asked \(it does not answer \/actuator\/health\)/);
        // A roller (it sets `overridePrefix`) takes only the value naming its step's check, which may differ
        // from the node checked back: its hint shows that form alone.
        state.a1 = healthy().a1;
        const roller = await gate.evaluate(cfg("a2", undefined as unknown as string, endpoints("a2"), { overridePrefix: "a3", groups: [GROUPS[0]] }), health);
        assert.match(roller.problems[0], / \(if it reports a2 UP, override, audited: annotate this Job's pod axonserver-multiregion\/gate-override="a3: <reason>"; README "Creation order and rolling changes"\)$/);
    });

    it("previous node back, no member of its group in reach at all: fails closed", async () => {
        const r = await gate.evaluate(cfg("a2", "x", endpoints("ab"), { groups: [GROUPS[0]] }), health);
        assert.equal(r.ok, false);
        assert.match(r.problems[0], /^a2 back in _admin cannot be verified: no member of _admin can be asked from this site \(not seen from this site: a1, a2, a3\) \(if/);
    });

    it("no member answers at all, not even the node to take down: fails closed, naming what it could not see", async () => {
        state.a3 = null;
        const r = await gate.evaluate(cfg("x", "a3", endpoints("a3"), { groups: [GROUPS[0]] }), health);
        assert.equal(r.ok, false);
        assert.match(r.problems[0], /^_admin: cannot verify it can lose a3: no member answers; not answering: a3; not seen from this site: a1, a2 \(if they are up and caught up, override/);
    });

    it("a node that does not exist yet (its name does not resolve) is nothing its groups can lose", async () => {
        state.a3 = null;
        const c = cfg("x", "a3", endpoints("a3"), { groups: [GROUPS[0]], beforeAddress: "a3-http.axonserver.svc.cluster.local" });
        const r = await gate.evaluate(c, health, async () => false);
        assert.equal(r.ok, true, r.problems.join("; "));
        assert.deepEqual(r.notes, ["a3 does not exist yet (a3-http.axonserver.svc.cluster.local does not resolve): nothing to lose"]);
        // It resolves (it exists) but nobody answers: fail closed. A DNS error (null) proves nothing either.
        assert.equal((await gate.evaluate(c, health, async () => true)).ok, false);
        assert.equal((await gate.evaluate(c, health, async () => null)).ok, false);
    });

    it("fails closed when Axon's health has no raft details for the node it must check", async () => {
        state.a2 = {};
        const r = await gate.evaluate(cfg("a2", "a3", endpoints("a1", "a2")), async (n) => (n === "a2" ? { status: "UP" } : health(n)));
        assert.equal(r.ok, false);
        assert.match(r.problems[0], /a2: \/actuator\/health has no raft details/);
    });

    it("waits until the previous node's DNS name resolves", async () => {
        const r = await gate.evaluate(cfg("a2", "a3", endpoints("a1", "a2", "a3", "ab"), { mustResolve: ["a2.prod.axon.internal"] }), health, async () => false);
        assert.deepEqual(r.problems, ["a2.prod.axon.internal does not resolve yet"]);
    });

    // Right after an election the new leader reports every follower UP for up to the max election timeout
    // (2500 ms by default): axon-server-se tag axonserver-ee-4.4.2, `ReplicatorPeer` starts with
    // `lastMessageReceived` = now and `nextIndex` = lastLogIndex + 1, and `LeaderState.health` says
    // NO_ACK_RECEIVED only once the last message is older than `RaftProperties` maxElectionTimeout.
    it("one passing poll is not enough: a pass needs two consecutive passing polls at least `confirmSeconds` apart", async () => {
        // a2 is down; the leader reports it UP on one poll only (the window after an election).
        let asked = 0;
        onRequest = (node) => {
            if (node === "a1") state.a1!["_admin.follower.a2.status"] = ++asked === 3 ? "UP" : "NO_ACK_RECEIVED";
        };
        const lines: string[] = [];
        const env = { GATE_CONFIG: JSON.stringify(cfg("a2", "x", endpoints("a1", "a2", "a3", "ab"), { timeoutSeconds: 0.3, confirmSeconds: 0.1 })) };
        assert.equal(await gate.main(env, (s) => lines.push(s)), 1, lines.join("\n"));
        assert.match(lines.join("\n"), /gate a2 -> x: passed once \(attempt 3\), not confirmed yet/);
        assert.match(lines.join("\n"), /gate a2 -> x: FAILED after 0\.3s: leader a1 reports a2 in _admin as NO_ACK_RECEIVED/);
        // Steadily UP: it passes, no earlier than `confirmSeconds` after the first passing poll.
        onRequest = undefined;
        state = healthy();
        lines.length = 0;
        const start = Date.now();
        assert.equal(await gate.main(env, (s) => lines.push(s)), 0, lines.join("\n"));
        assert.ok(Date.now() - start >= 100, `passed after ${Date.now() - start} ms`);
        assert.match(lines.join("\n"), /gate a2 -> x: passed \(attempt [2-9]\d*, confirmed after 0\.1\d*s with the same leaders: _admin a1, orders a1\)/);
    });

    it("confirmation starts over when a group's leader changed between the two passing polls", async () => {
        // First poll: a1 leads. From the second on, a3 leads both groups and reports a2 UP.
        const a3Leads = (): Record<string, Details> => ({
            a1: { "_admin.leader": "a3", "orders.leader": "a3" },
            a2: { "_admin.leader": "a3", "orders.leader": "a3" },
            a3: { "_admin.leader": "a3", "orders.leader": "a3", "_admin.follower.a1.status": "UP", "_admin.follower.a2.status": "UP", "orders.follower.a1.status": "UP", "orders.follower.a2.status": "UP", "orders.follower.ab.status": "UP" },
            ab: { "orders.leader": "a3" },
        });
        let asked = 0;
        onRequest = (node) => {
            if (node === "a1" && ++asked === 2) state = a3Leads();
        };
        const lines: string[] = [];
        const env = { GATE_CONFIG: JSON.stringify(cfg("a2", "x", endpoints("a1", "a2", "a3", "ab"), { timeoutSeconds: 2, confirmSeconds: 0.1 })) };
        assert.equal(await gate.main(env, (s) => lines.push(s)), 0, lines.join("\n"));
        const out = lines.join("\n");
        assert.match(out, /gate a2 -> x: passed once \(attempt 1\), not confirmed yet/);
        assert.match(out, /gate a2 -> x: leader changed between two passing polls \(_admin a1 -> a3, orders a1 -> a3\): confirmation starts over/);
        assert.match(out, /passed \(attempt \d+, confirmed after 0\.1\d*s with the same leaders: _admin a3, orders a3\)/);
    });

    it("reads the override annotation from the downward-API file", () => {
        assert.equal(gate.overrideFrom('a="1"\naxonserver-multiregion/gate-override="INC-7: a2 disk replaced"\n', "axonserver-multiregion/gate-override"), "INC-7: a2 disk replaced");
        assert.equal(gate.overrideFrom('a="1"\n', "axonserver-multiregion/gate-override"), null);
    });

    /** Runs the script as the Job does (`node rollingGate.mjs` with GATE_CONFIG). */
    const runGate = (config: object, env: Record<string, string> = {}, script = GATE) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = spawn(process.execPath, [script], { env: { ...process.env, GATE_CONFIG: JSON.stringify(config), ...env } });
            let out = "";
            child.stdout.on("data", (d) => (out += d));
            child.stderr.on("data", (d) => (out += d));
            child.on("close", (code) => resolve({ code, out }));
        });

    it("as a process: exits 0 once Axon reports the node back", async () => {
        const r = await runGate(cfg("a2", "a3", endpoints("a1", "a2", "a3", "ab")));
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /gate a2 -> a3: passed \(attempt 2, confirmed after/);
    });

    it("as a process: a stuck gate exits 1 with a message naming the node and what Axon reported", async () => {
        state.a1!["orders.follower.a2.status"] = "BEHIND";
        const r = await runGate(cfg("a2", "a3", endpoints("a1", "a2", "a3", "ab"), { timeoutSeconds: 0.2 }));
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /gate a2 -> a3: FAILED after 0\.2s: leader a1 reports a2 in orders as BEHIND/);
    });

    it("as a process from a ConfigMap volume (the file is a symlink into ..data): it really checks", async () => {
        // Kubernetes mounts each ConfigMap key as `<key> -> ..data/<key>`; Node gives the main module its
        // real path. A stuck gate must still fail there (a script that never ran would exit 0, silently).
        state.a1!["orders.follower.a2.status"] = "BEHIND";
        const fs = await import("node:fs");
        const os = await import("node:os");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-cm-"));
        fs.mkdirSync(path.join(dir, "..data"));
        fs.copyFileSync(GATE, path.join(dir, "..data", "rollingGate.mjs"));
        fs.symlinkSync("..data/rollingGate.mjs", path.join(dir, "rollingGate.mjs"));
        try {
            const r = await runGate(cfg("a2", "a3", endpoints("a1", "a2", "a3", "ab"), { timeoutSeconds: 0.2 }), {}, path.join(dir, "rollingGate.mjs"));
            assert.equal(r.code, 1, r.out);
            assert.match(r.out, /gate a2 -> a3: FAILED after 0\.2s: leader a1 reports a2 in orders as BEHIND/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("as a process: the override annotation lets a stuck gate pass, and the log says so", async () => {
        state.a1!["orders.follower.a2.status"] = "BEHIND";
        const fs = await import("node:fs");
        const os = await import("node:os");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-")), "annotations");
        fs.writeFileSync(file, 'axonserver-multiregion/gate-override="INC-9 accepted by ops"\n');
        const r = await runGate(cfg("a2", "a3", endpoints("a1", "a2", "a3", "ab"), { timeoutSeconds: 5 }), { GATE_OVERRIDE_FILE: file });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /OVERRIDDEN by annotation axonserver-multiregion\/gate-override="INC-9 accepted by ops"/);
    });
});
