import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStack } from "../components/backup/stackLoader";
import { ConfigIssue, LoadResult, Topology } from "../components/topology/model";
import { readStackFile, REPO_ROOT, stackConfigFromFile, stackInput } from "../tools/config/stackFile";

function load(stack: string): LoadResult & { topology: Topology } {
    // The loader every door uses (platform limits and the backup plan included).
    const r = loadStack(stackInput(readStackFile(stack)));
    assert.deepEqual(r.errors, [], `Pulumi.${stack}.yaml: ${r.errors.map((e) => `${e.path}: ${e.message}`).join("\n")}`);
    assert.ok(r.topology);
    return { ...r, topology: r.topology };
}

const members = (t: Topology, group: string) => t.replicationGroups.find((g) => g.name === group)!.members.map((m) => `${m.node}:${m.role}`);
const warningsAt = (ws: readonly ConfigIssue[], p: string) => ws.filter((w) => w.path === p).map((w) => w.message);

describe("stack files", () => {
    const stacks = fs
        .readdirSync(REPO_ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();

    it("the repository holds the local, dev and prod stacks", () => {
        for (const s of ["dev", "local", "prod"]) assert.ok(stacks.includes(s), `Pulumi.${s}.yaml is missing`);
    });

    for (const stack of stacks) {
        it(`Pulumi.${stack}.yaml loads without errors`, () => {
            load(stack);
        });
    }

    it("local: one existing cluster, three PRIMARY nodes, defaulted _admin", () => {
        const { topology: t, warnings } = load("local");
        assert.equal(t.environment, "local");
        assert.equal(t.sites.length, 1);
        assert.equal(t.sites[0].platform, "kubernetes");
        assert.deepEqual(t.sites[0].existingCluster?.storageClasses, { fast: "standard", standard: "standard", cold: "standard" });
        assert.deepEqual(t.nodes.map((n) => n.name), ["axonserver-1", "axonserver-2", "axonserver-3"]);
        assert.deepEqual(t.nodes[0].resources, { cpu: "500m", cpuLimit: "1", memory: "1Gi" });
        assert.deepEqual(t.nodes[0].volumes, { events: "2Gi", data: "1Gi", log: "1Gi", plugins: "1Gi" });
        assert.equal(t.nodes[0].zone, undefined);
        assert.deepEqual(t.nodes[0].tags, { region: "local", cloud: "none", site: "kind" });
        assert.deepEqual(t.replicationGroups.map((g) => [g.name, g.defaulted]), [["_admin", true], ["default", false]]);
        assert.deepEqual(members(t, "_admin"), ["axonserver-1:PRIMARY", "axonserver-2:PRIMARY", "axonserver-3:PRIMARY"]);
        assert.equal(t.axonServer.tls, false);
        assert.equal(t.axonServer.licensed, false);
        assert.deepEqual(t.clients[0].contexts, ["default"]);
        // One region only: neither group has a backup elsewhere.
        assert.equal(warnings.length, 2);
        assert.match(warningsAt(warnings, "replicationGroups")[0], /no ACTIVE_BACKUP or PASSIVE_BACKUP node outside the region of its PRIMARY nodes \(local\)/);
        assert.match(warningsAt(warnings, "replicationGroups[0]")[0], /no ACTIVE_BACKUP or PASSIVE_BACKUP/);
    });

    it("dev: two EKS sites, explicit _admin, PASSIVE_BACKUP in eu-central-1", () => {
        const { topology: t, warnings } = load("dev");
        assert.deepEqual(t.sites.map((s) => [s.name, s.platform, s.region, s.cluster.machineType, s.cluster.natGateways]), [
            ["aws-euw1", "eks", "eu-west-1", "m6i.xlarge", "single"],
            ["aws-euc1", "eks", "eu-central-1", "m6i.xlarge", "single"],
        ]);
        assert.equal(t.nodes.length, 4);
        assert.deepEqual(t.replicationGroups.map((g) => [g.name, g.defaulted]), [["_admin", false], ["default", false]]);
        assert.deepEqual(members(t, "_admin"), ["axon-1:PRIMARY", "axon-2:PRIMARY", "axon-3:PRIMARY"]);
        assert.deepEqual(t.nodes.find((n) => n.name === "axon-dr-1")!.roles, { default: "PASSIVE_BACKUP" });
        assert.equal(t.axonServer.tls, true);
        // _admin: one site, no backup elsewhere; default: one site only (its backup is in eu-central-1).
        assert.equal(warningsAt(warnings, "replicationGroups[0]").length, 2);
        assert.deepEqual(
            warningsAt(warnings, "replicationGroups[1]").map((m) => m.replace(/;.*/, "")),
            ['all PRIMARY nodes of group "default" are in site "aws-euw1"'],
        );
        // The runner placeholder to replace before `pulumi up` (a documentation address, RFC 5737).
        assert.equal(warningsAt(warnings, "clusterAccess.runnerCidrs[0]").length, 1);
        assert.equal(warnings.length, 4);
    });

    it("prod: GKE primaries, EKS active backups, VM passive backup", () => {
        const { topology: t, warnings } = load("prod");
        assert.equal(t.gcpProject, "acme-axon-prod");
        assert.deepEqual(t.sites.map((s) => [s.name, s.cloud, s.platform, s.cluster.machineType]), [
            ["gcp-euw4", "gcp", "gke", "e2-standard-4"],
            ["aws-euw1", "aws", "eks", "m6i.xlarge"],
            ["aws-use1", "aws", "vm", "m7i.xlarge"],
        ]);
        assert.equal(t.nodes.length, 8);
        const sec = t.nodes.find((n) => n.name === "axon-sec-1")!;
        assert.equal(sec.storage, "cold");
        assert.deepEqual(sec.volumes, { events: "1000Gi", data: "10Gi", log: "20Gi", plugins: "1Gi" });
        assert.deepEqual(sec.resources, { cpu: "2", cpuLimit: "4", memory: "8Gi" });
        // _admin is configured: the GCP primaries plus the ACTIVE_BACKUP copies in eu-west-1 (a copy of the
        // cluster configuration outside the primaries' region).
        assert.deepEqual(t.replicationGroups.map((g) => [g.name, g.defaulted]), [["_admin", false], ["orders", false]]);
        assert.deepEqual(members(t, "_admin"), ["axon-1:PRIMARY", "axon-2:PRIMARY", "axon-3:PRIMARY", "axon-ab-1:ACTIVE_BACKUP", "axon-ab-2:ACTIVE_BACKUP"]);
        assert.deepEqual(t.replicationGroups[1].contexts, [
            { name: "orders", metaData: { "event.retention-time": "30d" } },
            { name: "payments", metaData: { "event.retention-time": "90d" } },
        ]);
        assert.deepEqual(t.clients.map((c) => c.contexts), [["orders", "payments"], ["orders", "payments"]]);

        const orders = warningsAt(warnings, "replicationGroups[1]");
        assert.equal(orders.length, 2, orders.join("\n"));
        assert.ok(orders.some((m) => m.includes('all PRIMARY nodes of group "orders" are in site "gcp-euw4"')));
        assert.ok(orders.some((m) => m.includes('ACTIVE_BACKUP nodes "axon-ab-1", "axon-ab-2" of group "orders" are in region eu-west-1 without a PRIMARY') && m.includes("every commit waits for")));
        const admin = warningsAt(warnings, "replicationGroups[0]");
        assert.equal(admin.length, 2, admin.join("\n"));
        assert.ok(admin.some((m) => m.includes('all PRIMARY nodes of group "_admin" are in site "gcp-euw4"')));
        assert.ok(admin.some((m) => m.includes('ACTIVE_BACKUP nodes "axon-ab-1", "axon-ab-2" of group "_admin"')));
        assert.match(warningsAt(warnings, "clusterAccess.runnerCidrs[0]")[0] ?? "", /"203\.0\.113\.10\/32" lies in 203\.0\.113\.0\/24, a range reserved for documentation/);
        // The copy outside the primaries' region the example promises: no such warning any more.
        assert.ok(!warnings.some((w) => w.message.includes("outside the region of its PRIMARY nodes")), warnings.map((w) => w.message).join("\n"));
    });
});

describe("readStackFile", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.demo.yaml"),
            [
                "encryptionsalt: v1:abc",
                "config:",
                "  aws:region: eu-west-1",
                "  gcp:project: acme",
                "  axonserver-multiregion:environment: demo",
                "  axonserver-multiregion:axonServer: { version: '2024.2.4', tls: true }",
                "  axonserver-multiregion:license:",
                "    secure: v1:AAAA",
                "  axonserver-multiregion:adminToken:",
                "    secure: v1:BBBB",
                "",
            ].join("\n"),
        );
        fs.writeFileSync(path.join(dir, "Pulumi.empty.yaml"), "encryptionsalt: v1:abc\n");
        fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config: [unclosed\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("splits project keys, secrets and provider config", () => {
        const file = readStackFile("demo", dir);
        assert.deepEqual(file, {
            stack: "demo",
            config: { environment: "demo", axonServer: { version: "2024.2.4", tls: true } },
            secretKeys: ["license", "adminToken"],
            providerConfig: { "aws:region": "eu-west-1", "gcp:project": "acme" },
        });
        assert.deepEqual(stackConfigFromFile(file), { raw: file.config, options: { licensed: true, secretKeys: ["license", "adminToken"], otherKeys: ["aws:region", "gcp:project"] } });
        assert.deepEqual(stackInput(file), {
            values: { environment: "demo", axonServer: '{"version":"2024.2.4","tls":true}' },
            secretKeys: ["license", "adminToken"],
            otherKeys: ["aws:region", "gcp:project"],
        });
    });

    it("a stack file without config yields empty maps", () => {
        const file = readStackFile("empty", dir);
        assert.deepEqual(file, { stack: "empty", config: {}, secretKeys: [], providerConfig: {} });
        assert.deepEqual(stackConfigFromFile(file).options, { licensed: false, secretKeys: [], otherKeys: [] });
    });

    it("reports a missing or malformed file with its path", () => {
        assert.throws(() => readStackFile("nope", dir), /cannot read stack file .*Pulumi\.nope\.yaml/);
        assert.throws(() => readStackFile("broken", dir), /Pulumi\.broken\.yaml: is not valid YAML/);
    });
});
