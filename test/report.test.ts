import assert from "node:assert/strict";
import * as path from "node:path";
import { analyzeFailures } from "../components/topology/analysis";
import { buildReport, renderReportText, renderTable, TEXT_WIDTH, TopologyReport, verdictCell } from "../components/topology/report";
import { generateBenchConfig } from "../tools/bench";
import * as fs from "node:fs";
import * as os from "node:os";
import { availableStacks, main, parseArgs } from "../tools/topology";
import { loadTopology } from "../components/topology/load";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";
import { buildTopology } from "./fixtures/topologies";

const ROOT = path.resolve(__dirname, "..");

const unlicensed = buildTopology({
    sites: [
        { name: "main", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] },
        { name: "dr", cloud: "gcp", region: "us-central1", zones: ["us-central1-a"] },
    ],
    nodes: ["axon-1", "axon-2", "axon-3", { name: "axon-dr", site: "dr", tags: { tier: "cold" } }],
    groups: {
        _admin: { "axon-1": "PRIMARY", "axon-2": "PRIMARY", "axon-3": "PRIMARY" },
        orders: { "axon-1": "PRIMARY", "axon-2": "PRIMARY", "axon-3": "PRIMARY", "axon-dr": "PASSIVE_BACKUP" },
    },
});
// Licensed: the license warning of an unlicensed multi-node topology is tested on its own below.
const topology = { ...unlicensed, axonServer: { ...unlicensed.axonServer, licensed: true } };
const warning = { path: "replicationGroups[1]", message: "backups only in one region" };
const report = buildReport({ topology, errors: [], warnings: [warning] }, "test");

describe("buildReport", () => {
    it("warns that pulumi up will fail for an unlicensed multi-node topology (EE: clustering needs a license)", () => {
        const r = buildReport({ topology: unlicensed, errors: [], warnings: [] });
        assert.ok(r.valid, "render/topology only warn");
        assert.deepEqual(r.warnings.map((w) => w.path), ["license"]);
        assert.match(r.warnings[0].message, /^pulumi up will fail: a cluster of 4 nodes needs an Axon Server license that allows at least 4 nodes/);
    });

    it("has the documented JSON shape", () => {
        const json = JSON.parse(JSON.stringify(report)) as TopologyReport;
        assert.deepEqual(Object.keys(json), [
            "schemaVersion",
            "stack",
            "valid",
            "errors",
            "warnings",
            "nodes",
            "scenarios",
            "summary",
            "creationOrder",
            "updateOrder",
            "leastCriticalOrder",
            "gates",
            "rollers",
            "disruptionBudgets",
            "drains",
        ]);
        assert.equal(json.schemaVersion, 4);
        assert.equal(json.stack, "test");
        assert.equal(json.valid, true);
        assert.deepEqual(json.errors, []);
        assert.deepEqual(json.warnings, [warning]);
        assert.deepEqual(json.creationOrder.map((e) => e.node), ["axon-1", "axon-2", "axon-3", "axon-dr"]);
        // Creation: the template's first, PRIMARY, then the rest; updates restart least critical first.
        assert.deepEqual(json.updateOrder.map((e) => e.node), ["axon-dr", "axon-2", "axon-3", "axon-1"]);
        assert.deepEqual(json.leastCriticalOrder.map((e) => e.node), ["axon-dr", "axon-2", "axon-3", "axon-1"]);
        assert.deepEqual(json.rollers, [
            // axon-dr back after its restart: only the leader on `main` (another cluster) can say, and dr's Job
            // asks it through its health relay (the two sites share `orders`).
            { site: "dr", nodes: ["axon-dr"] },
            // axon-dr runs on another Kubernetes site: the roller before (on dr) waited for it, this one does not.
            { site: "main", nodes: ["axon-2", "axon-3", "axon-1"], after: "axon-dr", checksAfter: false },
        ]);
        assert.deepEqual(json.gates, [
            { after: "axon-1", before: "axon-2", site: "main" },
            { after: "axon-2", before: "axon-3", site: "main" },
            { after: "axon-3", before: "axon-dr", site: "main" },
        ]);
        assert.deepEqual(json.disruptionBudgets.map((b) => [b.site, b.class, b.nodes, b.maxUnavailable]), [
            ["main", "primary", ["axon-1", "axon-2", "axon-3"], 1],
            ["dr", "non-voting", ["axon-dr"], 1],
        ]);
        assert.deepEqual(json.drains.map((d) => [d.group, d.primariesDrainable, d.primariesTolerated, d.safe]), [
            ["_admin", 1, 1, true],
            ["orders", 1, 1, true],
        ]);
        assert.deepEqual(json.nodes[3], {
            name: "axon-dr",
            site: "dr",
            region: "us-central1",
            zone: "us-central1-a",
            roles: { orders: "PASSIVE_BACKUP" },
            tags: { region: "us-central1", cloud: "gcp", site: "dr", zone: "us-central1-a", tier: "cold" },
        });
        assert.deepEqual(Object.keys(json.scenarios[0]), ["kind", "name", "failed", "groups"]);
        assert.deepEqual(Object.keys(json.scenarios[0].groups[0]), [
            "group",
            "electable",
            "writable",
            "dataSafe",
            "tiered",
            "oldEventsSafe",
            "oldEventsReadable",
            "bestEffortCopies",
            "notes",
        ]);
        assert.deepEqual(
            json.scenarios.map((s) => `${s.kind}:${s.name}`),
            ["none:none", "node:axon-1", "node:axon-2", "node:axon-3", "node:axon-dr", "zone:eu-west-1a", "zone:eu-west-1b", "zone:eu-west-1c", "zone:us-central1-a", "site:main", "site:dr", "region:eu-west-1", "region:us-central1"],
        );
        assert.deepEqual(Object.keys(json.summary), ["_admin", "orders"]);
        assert.deepEqual(json.summary.orders, {
            survivesAnyNode: true,
            survivesAnyZone: true,
            survivesAnySite: false,
            survivesAnyRegion: false,
            dataSafeOnAnyRegionLoss: false,
            dataSafeOnAnyZoneLoss: true,
        });
    });

    it("omits stack when not given", () => {
        assert.equal("stack" in buildReport({ topology, errors: [], warnings: [] }), false);
    });

    it("an invalid result gives valid:false, the errors, and no nodes, scenarios or summary", () => {
        const errors = [{ path: "nodes[3].site", message: "unknown site nowhere" }];
        // Even if a loader returned a topology alongside errors, the report does not analyse it.
        const bad = buildReport({ topology, errors, warnings: [] }, "broken");
        assert.equal(bad.valid, false);
        assert.deepEqual(bad.errors, errors);
        assert.deepEqual([bad.nodes, bad.scenarios, bad.summary], [[], [], {}]);
        const text = renderReportText(bad);
        assert.match(text, /INVALID: 1 error\(s\)/);
        assert.match(text, /nodes\[3\]\.site: unknown site nowhere/);
        assert.doesNotMatch(text, /Failure matrix/);
    });
});

describe("renderReportText", () => {
    const text = renderReportText(report);
    const lines = text.split("\n");

    it("shows warnings, the node table with roles and extra tags", () => {
        assert.match(text, /Warnings \(1\)\n {2}replicationGroups\[1\]: backups only in one region/);
        assert.ok(lines.includes("  NODE     SITE  ZONE           _admin  orders  TAGS"), text);
        assert.ok(lines.includes("  axon-1   main  eu-west-1a     P       P       -"), text);
        assert.ok(lines.includes("  axon-dr  dr    us-central1-a  -       PB      tier=cold"), text);
    });

    it("shows the failure matrix rows and its legend", () => {
        assert.ok(lines.includes("  SCENARIO            LOST  _admin  orders"), text);
        assert.ok(lines.includes("  no failure          0     E+W+S   E+W+S ~1"), text);
        assert.ok(lines.includes("  zone eu-west-1a     1     E+W+S   E+W+S ~1"), text);
        assert.ok(lines.includes("  region eu-west-1    3     -       - ~1"), text);
        assert.ok(lines.includes("  region us-central1  1     E+W+S   E+W+S"), text);
        assert.match(text, /E electable/);
        assert.match(text, /W writable/);
        assert.match(text, /S data-safe/);
        assert.match(text, /~n {2}n best-effort copies survive/);
    });

    it("explains degraded verdicts and prints the summary", () => {
        const degraded = text.slice(text.indexOf("Degraded"), text.indexOf("Summary")).replace(/\n {4}/g, " ");
        assert.match(degraded, /region eu-west-1 \/ orders: writes stop, commits may be lost\. 0\/3 PRIMARY up, majority needs 2;.* best-effort copies: axon-dr\n/);
        assert.doesNotMatch(degraded, /zone eu-west-1a/, "unaffected verdicts are not listed");
        assert.ok(lines.includes("  GROUP   NODE  ZONE  SITE  REGION  DATA SAFE (REGION)"), text);
        assert.ok(lines.includes("  orders  yes   yes   NO    NO      NO"), text);
    });

    it("stays within 100 columns even with many groups", () => {
        const groups = Object.fromEntries(
            Array.from({ length: 12 }, (_, i) => [`context-group-${i}`, { "axon-1": "PRIMARY", "axon-2": "PRIMARY", "axon-3": "PRIMARY", "axon-dr": "SECONDARY" } as const]),
        );
        const wide = buildTopology({ sites: topology.sites.map((s) => ({ ...s, zones: [...s.zones] })), nodes: topology.nodes.map((n) => ({ name: n.name, site: n.site, zone: n.zone })), groups });
        const t = renderReportText(buildReport({ topology: wide, errors: [], warnings: [] }));
        for (const l of t.split("\n")) assert.ok(l.length <= TEXT_WIDTH, `too wide (${l.length}): ${l}`);
        assert.match(t, /context-group-11/);
    });

    it("says a roller waits for the node before it only where it does (a VM it sees: rollerCheckedAfter)", () => {
        // dr's axon-dr is a Kubernetes node: the roller on main does not check it again.
        assert.ok(lines.includes("  roller on main: axon-2 -> axon-3 -> axon-1"), text);
        assert.doesNotMatch(text, /is back\)/);
        // prod: the first roller waits for the VM axon-dr-1 (replaced in the chain, nothing else waits for
        // it); the next ones follow a Kubernetes node the roller before them already waited for.
        const { raw, options } = stackConfigFromFile(readStackFile("prod", ROOT));
        const prod = buildReport(loadTopology(raw, options), "prod");
        assert.deepEqual(
            prod.rollers.map((r) => [r.site, r.after, r.checksAfter]),
            [
                ["gcp-euw4", "axon-dr-1", true],
                ["aws-euw1", "axon-sec-2", false],
                ["gcp-euw4", "axon-ab-2", false],
            ],
        );
        const rollers = renderReportText(prod).split("\n").filter((l) => l.startsWith("  roller on "));
        assert.deepEqual(rollers, [
            "  roller on gcp-euw4: axon-sec-1 -> axon-sec-2 (after axon-dr-1 is back)",
            "  roller on aws-euw1: axon-ab-1 -> axon-ab-2",
            "  roller on gcp-euw4: axon-2 -> axon-3 -> axon-1",
        ]);
    });

    it("verdictCell and renderTable", () => {
        assert.equal(verdictCell({ group: "g", electable: false, writable: false, dataSafe: true, tiered: false, oldEventsSafe: true, oldEventsReadable: true, bestEffortCopies: [], notes: [] }), "S");
        assert.equal(verdictCell({ group: "g", electable: false, writable: false, dataSafe: false, tiered: false, oldEventsSafe: true, oldEventsReadable: true, bestEffortCopies: ["a", "b"], notes: [] }), "- ~2");
        assert.deepEqual(renderTable(["A", "BB"], [["xyz", "1"]], 1), ["  A    BB", "  xyz  1"]);
        assert.deepEqual(renderTable(["K", "ccc", "ddd"], [["k", "1", "2"]], 1, 10), ["  K  ccc", "  k  1", "", "  K  ddd", "  k  2"]);
    });
});

describe("tools/topology argument handling", () => {
    it("parses --stack and --json", () => {
        assert.deepEqual(parseArgs(["--stack", "prod", "--json"]), { stack: "prod", json: true });
        assert.deepEqual(parseArgs(["--stack=dev"]), { stack: "dev", json: false });
        assert.deepEqual(parseArgs([]), { error: "--stack is required" });
        assert.deepEqual(parseArgs(["--bogus"]), { error: "unknown argument --bogus" });
    });

    it("lists the stack files of the repository", () => {
        const stacks = availableStacks(ROOT);
        for (const s of ["dev", "local", "prod"]) assert.ok(stacks.includes(s), stacks.join(","));
    });
});

describe("tools/topology main (in process)", () => {
    const runIn = (dir: string, ...argv: string[]) => {
        let stdout = "";
        let stderr = "";
        const code = main(argv, (s) => (stdout += s), (s) => (stderr += s), dir);
        return { code, stdout, stderr };
    };

    it("reports the local stack; zone survival is n/a without zones", () => {
        const r = runIn(ROOT, "--stack", "local");
        assert.equal(r.code, 0, r.stderr);
        for (const l of r.stdout.split("\n")) assert.ok(l.length <= TEXT_WIDTH, `too wide: ${l}`);
        assert.match(r.stdout, /\n {2}default +yes +n\/a +NO +NO +NO\n/);
    });

    it("exits 1 with the errors for an invalid stack file, and for broken YAML", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "topology-"));
        try {
            const prod = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
            fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), prod.replace("{ name: axon-dr-1, site: aws-use1", "{ name: axon-dr-1, site: nowhere"));
            fs.writeFileSync(path.join(dir, "Pulumi.garbled.yaml"), "config: [unclosed\n");
            const bad = runIn(dir, "--stack", "bad", "--json");
            assert.equal(bad.code, 1);
            const json = JSON.parse(bad.stdout) as TopologyReport;
            assert.equal(json.valid, false);
            assert.ok(json.errors.some((e) => e.path.startsWith("nodes[7]") && e.message.includes("nowhere")), JSON.stringify(json.errors));
            assert.deepEqual([json.nodes, json.scenarios, json.summary], [[], [], {}]);

            const garbled = runIn(dir, "--stack", "garbled");
            assert.equal(garbled.code, 1);
            assert.match(garbled.stdout, /^invalid stack configuration \(1 error\):/);
            assert.match(garbled.stdout, /Pulumi\.garbled\.yaml: .*not valid YAML/);

            const unknown = runIn(dir, "--stack", "prod");
            assert.equal(unknown.code, 2);
            assert.match(unknown.stderr, /available stacks: bad, garbled/);
            assert.equal(runIn(dir).code, 2, "--stack missing");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("tools/topology end to end (main, in process, on the repository's stack files)", () => {
    const run = (...argv: string[]) => {
        let stdout = "";
        let stderr = "";
        const status = main(argv, (s) => (stdout += s), (s) => (stderr += s), ROOT);
        return { status, stdout, stderr };
    };

    it("prints the prod report as JSON with exit code 0", () => {
        const r = run("--stack", "prod", "--json");
        assert.equal(r.status, 0, r.stderr + r.stdout);
        const json = JSON.parse(r.stdout) as TopologyReport;
        assert.equal(json.schemaVersion, 4);
        assert.equal(json.stack, "prod");
        assert.equal(json.valid, true);
        assert.deepEqual(json.nodes.map((n) => n.name), ["axon-1", "axon-2", "axon-3", "axon-sec-1", "axon-sec-2", "axon-ab-1", "axon-ab-2", "axon-dr-1"]);
        // Prod: losing GCP's region leaves the ACTIVE_BACKUP copies on AWS; losing AWS blocks commits.
        const euw4 = json.scenarios.find((s) => s.kind === "region" && s.name === "europe-west4")!.groups.find((g) => g.group === "orders")!;
        assert.deepEqual([euw4.writable, euw4.dataSafe, euw4.bestEffortCopies], [false, true, ["axon-dr-1"]]);
        const euw1 = json.scenarios.find((s) => s.kind === "region" && s.name === "eu-west-1")!.groups.find((g) => g.group === "orders")!;
        assert.deepEqual([euw1.writable, euw1.dataSafe], [false, true]);
        assert.equal(json.summary.orders.survivesAnyZone, true);
        assert.equal(json.summary.orders.dataSafeOnAnyRegionLoss, true);
    });

    it("exits 2 and lists the stacks for an unknown stack", () => {
        const r = run("--stack", "nope");
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /unknown stack "nope"/);
        assert.match(r.stderr, /available stacks: .*dev.*local.*prod/);
    });
});

describe("bench", () => {
    // Its timing is `npm run bench` (a wall-clock check has no place in a test on a shared machine).
    it("the 60-node config validates and analyses into every failure scenario", () => {
        const result = loadTopology(generateBenchConfig(60, 6, 10), { licensed: true });
        assert.deepEqual(result.errors, []);
        assert.equal(result.topology?.nodes.length, 60);
        assert.equal(result.topology?.sites.length, 6);
        assert.equal(result.topology?.replicationGroups.length, 11, "_admin + 10 groups");
        // none + 60 nodes + 18 zones + 6 sites + 6 regions
        assert.equal(analyzeFailures(result.topology!).length, 91);
    });
});

describe("fixtures/topologies", () => {
    // The builder must describe topologies exactly as the loader does, or analysis tests built on it
    // would test a different shape than production.
    for (const stack of ["local", "dev", "prod"]) {
        it(`rebuilds the sites, nodes and groups of Pulumi.${stack}.yaml like the loader`, () => {
            const { raw, options } = stackConfigFromFile(readStackFile(stack, ROOT));
            const real = loadTopology(raw, options).topology;
            assert.ok(real);
            const fx = buildTopology({
                environment: stack,
                sites: real.sites.map((s) => ({ name: s.name, cloud: s.cloud, platform: s.platform, region: s.region, zones: [...s.zones], cidr: s.cidr })),
                nodes: real.nodes.map((n) => ({ name: n.name, site: n.site, zone: n.zone ?? null, storage: n.storage })),
                groups: real.replicationGroups
                    .filter((g) => !g.defaulted)
                    .map((g) => ({ name: g.name, members: Object.fromEntries(g.members.map((m) => [m.node, m.role])), contexts: g.contexts.map((c) => c.name) })),
                minActiveBackups: real.axonServer.minActiveBackups,
            });
            const noCtxMeta = (t: typeof real) => t.replicationGroups.map((g) => ({ ...g, contexts: g.contexts.map((c) => c.name) }));
            const shape = (n: (typeof real.nodes)[number]) => ({ ...n, resources: undefined, volumes: undefined });
            assert.deepEqual(noCtxMeta(fx), noCtxMeta(real));
            assert.deepEqual(fx.nodes.map(shape), real.nodes.map(shape));
            // Cluster sizing (machine type, NAT gateways) is configurable per site in the stack files.
            const site = (s: (typeof real.sites)[number]) => ({ ...s, cluster: undefined });
            assert.deepEqual(fx.sites.map(site), real.sites.map(site));
            // The fixture carries no context metaData: the retention time only shows in the notes.
            const noNotes = (t: typeof real) => analyzeFailures(t).map((sc) => ({ ...sc, groups: sc.groups.map((g) => ({ ...g, notes: g.notes.map((n) => n.replace(/older than .* (are|were)/, "older than <retention> $1")) })) }));
            assert.deepEqual(noNotes(fx), noNotes(real));
        });
    }
});

describe("README failure matrices of the example stacks", () => {
    // The README promises each example's behaviour; the report is the rule. Same rows, byte for byte.
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const stack of ["local", "dev", "prod"]) {
        it(`${stack}: the README's zone/site/region rows equal the report's`, () => {
            const { raw, options } = stackConfigFromFile(readStackFile(stack, ROOT));
            const text = renderReportText(buildReport(loadTopology(raw, options), stack)).split("\n");
            const start = text.indexOf("Failure matrix");
            const end = text.findIndex((l, i) => i > start && l.startsWith("  E electable"));
            const rows = text.slice(start + 1, end).filter((l) => /^ {2}(SCENARIO|zone |site |region )/.test(l));
            assert.ok(rows.length > 1);
            assert.ok(readme.includes("```\n" + rows.join("\n") + "\n```"), `README matrix of ${stack} differs from the report:\n${rows.join("\n")}`);
        });
    }
});
