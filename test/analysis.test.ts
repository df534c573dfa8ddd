import assert from "node:assert/strict";
import {
    analyzeFailures,
    drainAnalysis,
    drainWarnings,
    GroupVerdict,
    majority,
    Scenario,
    siteDisruptionBudgets,
    summarizeFailures,
    tieringWarnings,
} from "../components/topology/analysis";
import { Role } from "../components/topology/model";
import { buildTopology } from "./fixtures/topologies";

/** The verdict of `group` in the scenario of `kind`/`name`. */
function verdict(scenarios: Scenario[], kind: Scenario["kind"], name: string, group: string): GroupVerdict {
    const s = scenarios.find((x) => x.kind === kind && x.name === name);
    assert.ok(s, `scenario ${kind} ${name} exists`);
    const v = s.groups.find((g) => g.group === group);
    assert.ok(v, `group ${group} in scenario ${kind} ${name}`);
    return v;
}

/** Verdicts for one group with an explicit failed set, via a single synthetic site per failed node. */
function judge(members: Record<string, Role>, failed: string[], minActiveBackups = 1): GroupVerdict {
    // Put every failed node on site `down`, the others on `up`: the `site down` scenario fails exactly them.
    const names = Object.keys(members);
    const t = buildTopology({
        sites: ["up", "down"],
        nodes: names.map((name) => ({ name, site: failed.includes(name) ? "down" : "up" })),
        groups: { _admin: { [names[0]]: "PRIMARY" }, g: members },
        minActiveBackups,
    });
    const scenarios = analyzeFailures(t);
    return failed.length ? verdict(scenarios, "site", "down", "g") : verdict(scenarios, "none", "none", "g");
}

const three = { a: "PRIMARY", b: "PRIMARY", c: "PRIMARY" } as const;

describe("majority", () => {
    it("is floor(n/2)+1, the leader included", () => {
        assert.deepEqual([1, 2, 3, 4, 5, 6].map(majority), [1, 2, 2, 3, 3, 4]);
    });
});

describe("analyzeFailures: role semantics", () => {
    it("3 PRIMARY: survive the loss of one, not of two; two lost can lose commits", () => {
        const one = judge(three, ["a"]);
        assert.equal(one.electable, true);
        assert.equal(one.writable, true);
        assert.equal(one.dataSafe, true);
        assert.ok(one.notes.includes("2/3 PRIMARY up, majority needs 2"), one.notes.join("|"));

        const two = judge(three, ["a", "b"]);
        assert.equal(two.electable, false);
        assert.equal(two.writable, false);
        assert.equal(two.dataSafe, false);
        assert.ok(two.notes.includes("1/3 PRIMARY up, majority needs 2"));
        assert.ok(two.notes.some((n) => n.includes("commit may exist only on failed nodes")));
        assert.ok(two.notes.some((n) => n.startsWith("writable = electable")), "explains that both rules coincide");
    });

    it("5-node cluster, 3 down: a group on 3 nodes with 2 survivors stays writable, one with 1 survivor does not", () => {
        const t = buildTopology({
            sites: ["up", "down"],
            nodes: [
                { name: "n1", site: "up" },
                { name: "n2", site: "up" },
                { name: "n3", site: "down" },
                { name: "n4", site: "down" },
                { name: "n5", site: "down" },
            ],
            groups: {
                _admin: { n1: "PRIMARY", n2: "PRIMARY", n3: "PRIMARY", n4: "PRIMARY", n5: "PRIMARY" },
                survivor: { n1: "PRIMARY", n2: "PRIMARY", n3: "PRIMARY" },
                victim: { n1: "PRIMARY", n4: "PRIMARY", n5: "PRIMARY" },
            },
        });
        const s = analyzeFailures(t);
        assert.deepEqual(s.find((x) => x.kind === "site" && x.name === "down")?.failed, ["n3", "n4", "n5"]);
        const ok = verdict(s, "site", "down", "survivor");
        assert.deepEqual([ok.electable, ok.writable, ok.dataSafe], [true, true, true]);
        const ko = verdict(s, "site", "down", "victim");
        assert.deepEqual([ko.electable, ko.writable, ko.dataSafe], [false, false, false]);
        const admin = verdict(s, "site", "down", "_admin");
        assert.equal(admin.writable, false, "3 of 5 _admin primaries down: no majority");
        assert.ok(admin.notes.includes("2/5 PRIMARY up, majority needs 3"));
    });

    it("an ACTIVE_BACKUP down blocks commits with a single AB (minActiveBackups 1), not with two ABs", () => {
        const single = judge({ ...three, ab1: "ACTIVE_BACKUP" }, ["ab1"], 1);
        assert.equal(single.electable, false);
        assert.equal(single.writable, false);
        assert.equal(single.dataSafe, true, "every commit is still on a PRIMARY majority");
        assert.ok(single.notes.includes("0/1 ACTIVE_BACKUP up, minActiveBackups needs 1"));

        const two = judge({ ...three, ab1: "ACTIVE_BACKUP", ab2: "ACTIVE_BACKUP" }, ["ab1"], 1);
        assert.deepEqual([two.electable, two.writable, two.dataSafe], [true, true, true]);

        const twoNeeded = judge({ ...three, ab1: "ACTIVE_BACKUP", ab2: "ACTIVE_BACKUP" }, ["ab1"], 2);
        assert.equal(twoNeeded.writable, false, "minActiveBackups 2 needs both");
    });

    it("minActiveBackups above the number of ACTIVE_BACKUP members is never writable", () => {
        const v = judge({ ...three, ab1: "ACTIVE_BACKUP" }, [], 2);
        assert.equal(v.writable, false);
        assert.ok(v.notes.some((n) => n.includes("never writable")));
    });

    it("a PASSIVE_BACKUP down changes nothing", () => {
        const members = { ...three, pb: "PASSIVE_BACKUP" } as const;
        const base = judge(members, []);
        const down = judge(members, ["pb"]);
        assert.deepEqual([down.electable, down.writable, down.dataSafe], [base.electable, base.writable, base.dataSafe]);
        assert.deepEqual([down.electable, down.writable, down.dataSafe], [true, true, true]);
        assert.deepEqual(base.bestEffortCopies, ["pb"]);
        assert.deepEqual(down.bestEffortCopies, []);
    });

    it("losing the primaries' region keeps a data-safe copy only when an ACTIVE_BACKUP is elsewhere", () => {
        const sites = [
            { name: "main", region: "eu-west-1" },
            { name: "dr", region: "us-east-1" },
        ];
        const nodes = [
            { name: "p1", site: "main" },
            { name: "p2", site: "main" },
            { name: "p3", site: "main" },
            { name: "far", site: "dr" },
        ];
        const withAb = analyzeFailures(
            buildTopology({ sites, nodes, groups: { g: { p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY", far: "ACTIVE_BACKUP" } } }),
        );
        const ab = verdict(withAb, "region", "eu-west-1", "g");
        assert.deepEqual([ab.electable, ab.writable, ab.dataSafe], [false, false, true]);
        assert.deepEqual(ab.bestEffortCopies, []);

        const withPb = analyzeFailures(
            buildTopology({ sites, nodes, groups: { g: { p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY", far: "PASSIVE_BACKUP" } } }),
        );
        const pb = verdict(withPb, "region", "eu-west-1", "g");
        assert.deepEqual([pb.electable, pb.writable, pb.dataSafe], [false, false, false]);
        assert.deepEqual(pb.bestEffortCopies, ["far"], "the passive copy is listed as best effort");

        assert.equal(summarizeFailures(withAb).g.dataSafeOnAnyRegionLoss, true);
        assert.equal(summarizeFailures(withPb).g.dataSafeOnAnyRegionLoss, false);
    });

    it("SECONDARY and MESSAGING_ONLY never count for quorum or data safety", () => {
        const members = { p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY", s1: "SECONDARY", s2: "SECONDARY", m1: "MESSAGING_ONLY" } as const;
        // Two primaries down: the surviving SECONDARY/MESSAGING_ONLY nodes do not restore a majority.
        const v = judge(members, ["p1", "p2"]);
        assert.deepEqual([v.electable, v.writable, v.dataSafe], [false, false, false]);
        assert.deepEqual(v.bestEffortCopies, ["s1", "s2"], "SECONDARY copies are best effort; MESSAGING_ONLY stores nothing");
        assert.ok(v.notes.includes("not counted for quorum: 2 SECONDARY, 1 MESSAGING_ONLY"));
        // All of them down: quorum does not change. But a group with SECONDARY members is tiered: the
        // PRIMARY nodes dropped events past the retention time, so losing every SECONDARY (and no backup
        // node in the group) loses those (tiered-storage tests below).
        const w = judge(members, ["s1", "s2", "m1"]);
        assert.deepEqual([w.electable, w.writable, w.dataSafe, w.oldEventsSafe], [true, true, false, false]);
        const noSecondary = judge({ p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY", m1: "MESSAGING_ONLY" }, ["m1"]);
        assert.deepEqual([noSecondary.electable, noSecondary.writable, noSecondary.dataSafe, noSecondary.tiered], [true, true, true, false]);
    });

    it("even PRIMARY counts: 2 of 4 is not a majority", () => {
        const four = { a: "PRIMARY", b: "PRIMARY", c: "PRIMARY", d: "PRIMARY" } as const;
        const oneDown = judge(four, ["a"]);
        assert.equal(oneDown.writable, true);
        const twoDown = judge(four, ["a", "b"]);
        assert.equal(twoDown.electable, false);
        assert.equal(twoDown.writable, false);
        assert.equal(twoDown.dataSafe, true, "2 lost of 4 cannot hold a 3-node commit");
        assert.ok(twoDown.notes.includes("2/4 PRIMARY up, majority needs 3"));
        const threeDown = judge(four, ["a", "b", "c"]);
        assert.equal(threeDown.dataSafe, false);
    });

    it("dataSafe with ACTIVE_BACKUP needs both a primary majority and minActiveBackups ABs lost to fail", () => {
        const members = { ...three, ab1: "ACTIVE_BACKUP", ab2: "ACTIVE_BACKUP" } as const;
        assert.equal(judge(members, ["a", "b"]).dataSafe, true, "commits also reached an AB that survives");
        assert.equal(judge(members, ["a", "b", "ab1"]).dataSafe, false, "a commit may be on a, b, ab1 only");
        assert.equal(judge(members, ["a", "b", "ab1"], 2).dataSafe, true, "with min 2 a commit is also on ab2");
    });
});

describe("analyzeFailures: scenarios", () => {
    const t = buildTopology({
        sites: [
            { name: "eu-a", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b"] },
            { name: "eu-b", region: "eu-west-1", zones: ["eu-west-1a"] },
            { name: "us", region: "us-east-1", zones: ["us-east-1a", "us-east-1b"] },
        ],
        nodes: [
            { name: "n1", site: "eu-a", zone: "eu-west-1a" },
            { name: "n2", site: "eu-a", zone: "eu-west-1b" },
            { name: "n3", site: "eu-b", zone: "eu-west-1a" },
            { name: "n4", site: "us", zone: "us-east-1a" },
        ],
        groups: {
            orders: { n1: "PRIMARY", n2: "PRIMARY", n4: "PRIMARY", n3: "SECONDARY" },
            _admin: { n1: "PRIMARY", n2: "PRIMARY", n3: "PRIMARY" },
        },
    });
    const scenarios = analyzeFailures(t);

    it("are ordered none, nodes, zones, sites, regions and name the right failed nodes", () => {
        assert.deepEqual(
            scenarios.map((s) => [s.kind, s.name, s.failed]),
            [
                ["none", "none", []],
                ["node", "n1", ["n1"]],
                ["node", "n2", ["n2"]],
                ["node", "n3", ["n3"]],
                ["node", "n4", ["n4"]],
                ["zone", "eu-west-1a", ["n1", "n3"]],
                ["zone", "eu-west-1b", ["n2"]],
                ["zone", "us-east-1a", ["n4"]],
                // us-east-1b holds no node: no scenario.
                ["site", "eu-a", ["n1", "n2"]],
                ["site", "eu-b", ["n3"]],
                ["site", "us", ["n4"]],
                ["region", "eu-west-1", ["n1", "n2", "n3"]],
                ["region", "us-east-1", ["n4"]],
            ],
        );
    });

    it("list every group, _admin first", () => {
        for (const s of scenarios) assert.deepEqual(s.groups.map((g) => g.group), ["_admin", "orders"]);
    });

    it("judge each scenario", () => {
        assert.equal(verdict(scenarios, "zone", "eu-west-1a", "_admin").writable, false);
        assert.equal(verdict(scenarios, "zone", "eu-west-1a", "orders").writable, true);
        assert.deepEqual(verdict(scenarios, "zone", "eu-west-1a", "orders").bestEffortCopies, []);
        assert.equal(verdict(scenarios, "site", "eu-a", "orders").writable, false);
        assert.deepEqual(verdict(scenarios, "site", "eu-a", "orders").bestEffortCopies, ["n3"]);
        assert.equal(verdict(scenarios, "region", "us-east-1", "orders").writable, true);
    });

    it("summarize per group and kind", () => {
        assert.deepEqual(summarizeFailures(scenarios), {
            _admin: {
                survivesAnyNode: true,
                survivesAnyZone: false,
                survivesAnySite: false,
                survivesAnyRegion: false,
                dataSafeOnAnyRegionLoss: false,
                dataSafeOnAnyZoneLoss: false,
            },
            orders: {
                survivesAnyNode: true,
                survivesAnyZone: true,
                survivesAnySite: false,
                survivesAnyRegion: false,
                dataSafeOnAnyRegionLoss: false,
                // n3, the only SECONDARY (the only copy of events past retention), is in eu-west-1a.
                dataSafeOnAnyZoneLoss: false,
            },
        });
    });

    it("nodes without a zone get no zone scenario; no zones means zone survival is vacuous", () => {
        const local = buildTopology({ sites: [{ name: "kind", cloud: "none" }], nodes: ["a", "b", "c"] });
        const s = analyzeFailures(local);
        assert.deepEqual(s.map((x) => x.kind), ["none", "node", "node", "node", "site", "region"]);
        const summary = summarizeFailures(s);
        assert.equal(summary.default.survivesAnyZone, true);
        assert.equal(summary.default.survivesAnyNode, true);
        assert.equal(summary.default.survivesAnySite, false);
    });
});

/**
 * Tiered storage (docs.axoniq.io/axon-server-reference/v2024.2, "Tiered storage": segments past the
 * retention time become "eligible for removal from the last tier in primary nodes … if all available
 * secondary nodes have a safe copy"; EE 4.4.2 `RaftGroupRepositoryManager.getNextTearRole`: backup nodes
 * have no secondary tier and keep everything; node roles: "at least one SECONDARY node needs to be up").
 */
describe("analyzeFailures: tiered storage (SECONDARY members and a retention time)", () => {
    /** p1–p3 PRIMARY over three zones, s1/s2 SECONDARY both in zone z1, retention 7d, plus `extra`. */
    function reproduction(extra: Record<string, Role> = {}, extraZone = "z2") {
        const base = buildTopology({
            sites: [{ name: "site", zones: ["z1", "z2", "z3"] }],
            nodes: [
                { name: "p1", site: "site", zone: "z1" },
                { name: "p2", site: "site", zone: "z2" },
                { name: "p3", site: "site", zone: "z3" },
                { name: "s1", site: "site", zone: "z1" },
                { name: "s2", site: "site", zone: "z1" },
                ...Object.keys(extra).map((name) => ({ name, site: "site", zone: extraZone })),
            ],
            groups: { _admin: { p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY" }, orders: { p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY", s1: "SECONDARY", s2: "SECONDARY", ...extra } },
        });
        return {
            ...base,
            replicationGroups: base.replicationGroups.map((g) =>
                g.name === "orders" ? { ...g, contexts: [{ name: "orders", metaData: { "event.retention-time": "7d" } }] } : g,
            ),
        };
    }

    it("losing the one zone that holds every SECONDARY is not data-safe (events past 7d were only there)", () => {
        const v = verdict(analyzeFailures(reproduction()), "zone", "z1", "orders");
        assert.deepEqual([v.electable, v.writable], [true, true], "2/3 PRIMARY still commit");
        assert.equal(v.tiered, true);
        assert.equal(v.oldEventsSafe, false);
        assert.equal(v.oldEventsReadable, false);
        assert.equal(v.dataSafe, false, "before the fix this cell read E+W+S");
        assert.ok(v.notes.some((n) => /older than 7d .*lost/.test(n)), v.notes.join("; "));
    });

    it("one SECONDARY elsewhere keeps old events safe and readable", () => {
        const t = reproduction();
        const moved = { ...t, nodes: t.nodes.map((n) => (n.name === "s2" ? { ...n, zone: "z3" } : n)) };
        const v = verdict(analyzeFailures(moved), "zone", "z1", "orders");
        assert.deepEqual([v.dataSafe, v.oldEventsSafe, v.oldEventsReadable], [true, true, true]);
    });

    it("a backup node keeps old events safe, but they are unreadable until a SECONDARY returns", () => {
        const v = verdict(analyzeFailures(reproduction({ b1: "PASSIVE_BACKUP" })), "zone", "z1", "orders");
        assert.deepEqual([v.dataSafe, v.oldEventsSafe, v.oldEventsReadable], [true, true, false]);
        assert.ok(v.notes.some((n) => /unreadable/.test(n)));
    });

    it("warns when every SECONDARY shares a zone (and says whether a backup node keeps the old events)", () => {
        const w = tieringWarnings(reproduction());
        assert.equal(w.length, 1);
        assert.match(w[0].message, /all SECONDARY nodes "s1", "s2" of group "orders" \(retention 7d\) are in zone "z1".*lost/);
        assert.match(tieringWarnings(reproduction({ b1: "ACTIVE_BACKUP" }))[0].message, /unreadable \(they survive on the backup nodes\)/);
    });

    it("a group without a retention key uses Axon Server's default of 7d", () => {
        const t = buildTopology({ sites: [{ name: "s", zones: ["z1", "z2"] }], nodes: [{ name: "a", site: "s", zone: "z1" }, { name: "b", site: "s", zone: "z2" }], groups: { _admin: { a: "PRIMARY" }, g: { a: "PRIMARY", b: "SECONDARY" } } });
        const v = verdict(analyzeFailures(t), "node", "b", "g");
        assert.equal(v.dataSafe, false);
        assert.ok(v.notes.some((n) => n.includes("7d (default)")));
    });
});

describe("drains across sites (PodDisruptionBudgets act per cluster)", () => {
    it("PRIMARY spread 2+2+1 over three regions: one drain per site takes 3 of 5, the group tolerates 2", () => {
        const t = buildTopology({
            sites: [{ name: "a", region: "r1" }, { name: "b", region: "r2" }, { name: "c", region: "r3" }],
            nodes: [
                { name: "a1", site: "a" }, { name: "a2", site: "a" },
                { name: "b1", site: "b" }, { name: "b2", site: "b" },
                { name: "c1", site: "c" },
            ],
            groups: { _admin: { a1: "PRIMARY", a2: "PRIMARY", b1: "PRIMARY", b2: "PRIMARY", c1: "PRIMARY" } },
        });
        const budgets = siteDisruptionBudgets(t);
        assert.deepEqual(budgets.map((b) => [b.site, b.class, b.nodes, b.maxUnavailable]), [
            ["a", "primary", ["a1", "a2"], 1],
            ["b", "primary", ["b1", "b2"], 1],
            ["c", "primary", ["c1"], 1],
        ]);
        assert.deepEqual(drainAnalysis(t), [{ group: "_admin", primariesDrainable: 3, primariesTolerated: 2, activeBackupsDrainable: 0, activeBackupsTolerated: 0, safe: false }]);
        assert.match(drainWarnings(t)[0].message, /can take 3 PRIMARY node\(s\) of group "_admin" \(it tolerates 2\)/);
    });

    it("a lone ACTIVE_BACKUP with minActiveBackups 1 gets maxUnavailable 0 (its eviction would stop writes)", () => {
        const t = buildTopology({
            sites: ["a", "b"],
            nodes: [{ name: "p1", site: "a" }, { name: "p2", site: "a" }, { name: "p3", site: "a" }, { name: "ab", site: "b" }, { name: "s", site: "b" }],
            groups: { _admin: { p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY" }, g: { p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY", ab: "ACTIVE_BACKUP", s: "SECONDARY" } },
        });
        const budgets = siteDisruptionBudgets(t);
        const ab = budgets.find((b) => b.class === "active-backup")!;
        assert.equal(ab.maxUnavailable, 0);
        assert.match(ab.reason!, /losing ACTIVE_BACKUP "ab" stops writes of group "g"/);
        assert.equal(budgets.find((b) => b.class === "non-voting")!.maxUnavailable, 1);
        assert.ok(drainAnalysis(t).every((d) => d.safe));
        // Every pod is in exactly one budget (the eviction API refuses pods with two).
        const all = budgets.flatMap((b) => b.nodes).sort();
        assert.deepEqual(all, ["ab", "p1", "p2", "p3", "s"]);
    });
});
