/**
 * Bad stack configs, one per defect class of bad input, through every door: `npm run topology` (in
 * process) and `pulumi up` (the program under mocks, with what the Pulumi CLI hands over). Each must be
 * rejected by both with the same text, naming the config path, the bad value and what is allowed.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ConfigIssue } from "../components/topology/model";
import type { TopologyReport } from "../components/topology/report";
import { REPO_ROOT } from "../tools/config/stackFile";
import { isRunError, programDoor, topologyDoor, writeStack } from "./support/doors";

const stackText = (stack: string) => fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8");

/** Replaces `from` (which must occur) in a stack file's text. */
function edit(text: string, from: string, to: string): string {
    assert.ok(text.includes(from), `the stack file no longer contains ${JSON.stringify(from)}`);
    return text.replace(from, to);
}

const P = "axonserver-multiregion";

interface Case {
    name: string;
    stack: "dev" | "prod" | "local";
    change: (text: string) => string;
    /** Every one of these errors must be reported: exact path, substrings of the message. */
    expect: { path: string; contains: string[] }[];
}

const CASES: Case[] = [
    // ---- backup is validated by every door, and its errors are not held back
    {
        name: "backup: unknown cloud, bad interval and time, a typo, next to an unknown top-level key",
        stack: "dev",
        change: (t) =>
            edit(t, "    cloud: aws\n    drRegion: eu-central-1\n", '    cloud: azure\n    drRegion: eu-central-1\n    intervalMinutes: 7\n    snapshotTime: "2:00"\n    retentionDay: 3\n') +
            `  ${P}:replicationgroups: []\n`,
        expect: [
            { path: "backup.cloud", contains: ['"azure"', '"aws", "gcp"'] },
            { path: "backup.intervalMinutes", contains: ["7", "does not divide a day"] },
            { path: "backup.snapshotTime", contains: ['"2:00"', "HH:MM"] },
            { path: "backup.retentionDay", contains: ['"retentionDay"', 'did you mean "retentionDays"'] },
            { path: "replicationgroups", contains: ['"replicationgroups"', 'did you mean "replicationGroups"'] },
        ],
    },
    {
        name: "backup: drRegion missing",
        stack: "dev",
        change: (t) => edit(t, "    drRegion: eu-central-1\n", ""),
        expect: [{ path: "backup.drRegion", contains: ["is required", "AWS region"] }],
    },
    // ---- one bad field does not hide the other checks of its element
    {
        name: "a bad volume size does not hide the node's zone error",
        stack: "dev",
        change: (t) => edit(t, "{ name: axon-dr-1, site: aws-euc1, zone: eu-central-1a, storage: standard, nodePortSlot: 0 }", "{ name: axon-dr-1, site: aws-euc1, zone: eu-central-1c, storage: standard, nodePortSlot: 0, volumes: { events: lots } }"),
        expect: [
            { path: "nodes[3].volumes.events", contains: ['"lots"', "Mi, Gi or Ti"] },
            { path: "nodes[3].zone", contains: ['"eu-central-1c"', '"aws-euc1"', '"eu-central-1a"'] },
        ],
    },
    {
        name: "a bad cloud on a site does not hide zone and CIDR errors",
        stack: "dev",
        change: (t) => edit(edit(t, "      cloud: aws\n      platform: eks\n      region: eu-central-1", "      cloud: amazon\n      platform: eks\n      region: eu-central-1"), "cidr: 10.11.0.0/16", "cidr: 10.10.128.0/17"),
        expect: [
            { path: "sites[1].cloud", contains: ['"amazon"', '"aws", "gcp", "none"'] },
            { path: "sites[1].cidr", contains: ['"10.10.128.0/17"', "overlaps", '"10.10.0.0/16"'] },
        ],
    },
    {
        name: "a role typo does not hide minActiveBackups against the ACTIVE_BACKUP count",
        stack: "prod",
        change: (t) => edit(edit(t, "minActiveBackups: 1", "minActiveBackups: 3"), "axon-sec-2: SECONDARY", "axon-sec-2: SECONDRY"),
        expect: [
            { path: "replicationGroups[1].members.axon-sec-2", contains: ['"SECONDRY"', 'did you mean "SECONDARY"'] },
            { path: "axonServer.minActiveBackups", contains: ["3", "2 ACTIVE_BACKUP members"] },
        ],
    },
    // ---- namespace typos
    {
        name: "a key under a namespace that looks like ours",
        stack: "dev",
        change: (t) => edit(t, `  ${P}:backup:`, "  axonserver:backup:"),
        expect: [{ path: "axonserver:backup", contains: ['"axonserver"', `"${P}:backup"`] }],
    },
    {
        name: "a misspelt project namespace",
        stack: "dev",
        change: (t) => edit(t, `  ${P}:clients:`, "  axonserver-multiregon:clients:"),
        expect: [{ path: "axonserver-multiregon:clients", contains: ['"axonserver-multiregon"', `"${P}:clients"`] }],
    },
    // ---- unquoted YAML numbers
    {
        name: "unquoted kubernetesVersion, version and checksum",
        stack: "prod",
        change: (t) =>
            edit(edit(edit(t, 'version: "2024.2.4"', "version: 2024.10"), 'sha256: "0000000000000000000000000000000000000000000000000000000000000000"', "sha256: 0000000000000000000000000000000000000000000000000000000000000000"), "      cidr: 10.40.0.0/16\n", "      cidr: 10.40.0.0/16\n      kubernetesVersion: 1.30\n"),
        expect: [
            { path: "axonServer.version", contains: ["2024.1", "quotes"] },
            { path: "axonServer.download.sha256", contains: ["0", "quotes"] },
            { path: "sites[1].kubernetesVersion", contains: ["1.3", "quotes", "1.30 becomes 1.3"] },
        ],
    },
    // ---- empty or numeric environment
    { name: "empty environment", stack: "local", change: (t) => edit(t, `${P}:environment: local`, `${P}:environment:`), expect: [{ path: "environment", contains: ["is empty"] }] },
    // The Pulumi CLI hands `environment: 123` over as the text "123": the same verdict on every door, an
    // error where it begins GCE names (a GKE site).
    { name: "numeric environment", stack: "prod", change: (t) => edit(t, `${P}:environment: prod`, `${P}:environment: 123`), expect: [{ path: "environment", contains: ['"123-gcp-euw4"', "starting with a letter"] }] },
    // ---- secrets
    {
        name: "a secure value on a plain key",
        stack: "local",
        change: (t) => edit(t, `${P}:environment: local`, `${P}:environment:\n    secure: v1:AAAAAA==`),
        expect: [{ path: "environment", contains: ["stored as a secret", "pulumi config set environment"] }],
    },
    {
        name: "plain-text license and token",
        stack: "local",
        change: (t) => `${t}  ${P}:license: LICENSE-TEXT\n  ${P}:adminToken: hunter2\n`,
        expect: [
            { path: "license", contains: ["plain text", "pulumi config set --secret license"] },
            { path: "adminToken", contains: ["plain text", "pulumi config set --secret adminToken"] },
        ],
    },
    // ---- a missing required choice
    { name: "a site without cloud", stack: "local", change: (t) => edit(t, "cloud: none, ", ""), expect: [{ path: "sites[0].cloud", contains: ["is required", '"aws", "gcp", "none"'] }] },
    // ---- names the cloud does not have, free text, no upper limits
    {
        name: "unknown region and zone",
        stack: "dev",
        change: (t) => edit(edit(t, "region: eu-central-1", "region: eu-west-9"), "zones: [eu-west-1a, eu-west-1b, eu-west-1c]", "zones: [eu-west-1a, eu-west-1b, eu-west-1z]"),
        expect: [
            // Region list: botocore endpoints.json (components/topology/regions.ts names version and file).
            { path: "sites[1].region", contains: ['"eu-west-9"', "not an AWS region", 'did you mean "eu-west-1"', "botocore"] },
            { path: "sites[0].zones[2]", contains: ['"eu-west-1z"', '"eu-west-1a", "eu-west-1b", "eu-west-1c"'] },
        ],
    },
    {
        name: "a machine type with a space, and one of 5,000 characters",
        stack: "prod",
        change: (t) => edit(edit(t, "machineType: m7i.xlarge", "machineType: m7i xlarge"), "      cidr: 10.40.0.0/16\n", `      cidr: 10.40.0.0/16\n      machineType: ${"m".repeat(5000)}\n`),
        expect: [
            { path: "sites[2].machineType", contains: ['"m7i xlarge"', "not a valid machine type"] },
            { path: "sites[1].machineType", contains: ["not a valid machine type", "at most 63"] },
        ],
    },
    {
        name: "a GCE machine type on an AWS VM site",
        stack: "prod",
        change: (t) => edit(t, "machineType: m7i.xlarge", "machineType: n2-standard-4"),
        expect: [{ path: "sites[2].machineType", contains: ['"n2-standard-4"', "not an EC2 instance type", "GCE machine type"] }],
    },
    {
        name: "sizes and counts past every platform limit",
        stack: "prod",
        change: (t) =>
            edit(
                edit(edit(t, "volumes: { events: 1000Gi } }", "volumes: { events: 100000Ti } }"), "      cidr: 10.40.0.0/16\n", "      cidr: 10.40.0.0/16\n      nodesPerZone: 100000\n"),
                "    minActiveBackups: 1\n",
                "    minActiveBackups: 1\n    startupBudgetSeconds: 100000000000\n",
            ),
        expect: [
            { path: "sites[1].nodesPerZone", contains: ["100000", "from 1 to 100"] },
        ],
    },
    // ---- the model checks (platform limits, capacity, clusterAccess) are not held back by other errors
    {
        // sc1 is 125 GiB to 16 TiB: https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html
        // A t3.medium has 2 vCPU / 4 GiB: https://aws.amazon.com/ec2/instance-types/t3/
        name: "a typo elsewhere does not hide an sc1 volume too small, pods that do not fit, nor a missing runnerCidrs",
        stack: "dev",
        change: (t) =>
            edit(
                edit(
                    edit(
                        edit(t, "{ name: axon-1, site: aws-euw1, zone: eu-west-1a, nodePortSlot: 0 }", "{ name: axon-1, site: aws-euw1, zone: eu-west-1a, nodePortSlot: 0, storage: cold, volumes: { events: 50Gi } }"),
                        "      natGateways: single\n    - name: aws-euc1",
                        "      natGateways: single\n      machineType: t3.medium\n    - name: aws-euc1",
                    ),
                    "runnerCidrs: [203.0.113.10/32]",
                    "runnerCidrs: []",
                ),
                "{ region: eu-west-1, cidrs: [10.10.0.0/16], namespaces: [default] }",
                "{ region: eu-west-1, cidrs: [10.10.0.0/16], namespace: [default] }",
            ),
        expect: [
            { path: "clients[0].namespace", contains: ['"namespace"', 'did you mean "namespaces"'] },
            { path: "nodes[0].volumes.events", contains: ['"50Gi"', "sc1", "125 GiB"] },
            { path: "sites[0].zones[0]", contains: ["do not fit", "t3.medium", "axon-1"] },
            { path: "sites[0].zones[1]", contains: ["do not fit", "t3.medium", "axon-2"] },
            { path: "sites[0].zones[2]", contains: ["do not fit", "t3.medium", "axon-3"] },
            { path: "clusterAccess.runnerCidrs", contains: ["is required for the EKS sites"] },
        ],
    },
    // ---- nothing is public
    {
        name: "a volume past its disk type's limit and a startup budget past int32 (platform limits)",
        stack: "prod",
        change: (t) => edit(edit(t, "volumes: { events: 1000Gi } }", "volumes: { events: 100000Ti } }"), "    minActiveBackups: 1\n", "    minActiveBackups: 1\n    startupBudgetSeconds: 100000000000\n"),
        expect: [
            { path: "nodes[3].volumes.events", contains: ['"100000Ti"'] },
            { path: "axonServer.startupBudgetSeconds", contains: ["100000000000"] },
        ],
    },
    {
        name: "adminCidrs that cover the internet in two halves",
        stack: "dev",
        change: (t) => edit(t, "adminCidrs: [10.99.0.0/24]", "adminCidrs: [0.0.0.0/1, 128.0.0.0/1]"),
        expect: [
            { path: "adminCidrs[0]", contains: ['"0.0.0.0/1"', "public", "/16"] },
            { path: "adminCidrs[1]", contains: ['"128.0.0.0/1"', "public"] },
            { path: "adminCidrs", contains: ["public addresses"] },
        ],
    },
    {
        name: "a public /12 in adminCidrs",
        stack: "dev",
        change: (t) => edit(t, "adminCidrs: [10.99.0.0/24]", "adminCidrs: [10.99.0.0/24, 64.0.0.0/12]"),
        expect: [{ path: "adminCidrs[1]", contains: ['"64.0.0.0/12"', "nothing is public"] }],
    },
    // ---- wording
    {
        name: "a volume size without a unit suggests one",
        stack: "local",
        change: (t) => edit(t, "events: 2Gi", "events: 10"),
        expect: [{ path: "nodeDefaults.volumes.events", contains: ["10", '"10Gi"'] }],
    },
    {
        name: "lower-case role: did you mean, and no misleading _admin error",
        stack: "local",
        change: (t) => edit(t, "axonserver-1: PRIMARY, axonserver-2: PRIMARY, axonserver-3: PRIMARY", "axonserver-1: primary, axonserver-2: primary, axonserver-3: primary"),
        expect: [1, 2, 3].map((i) => ({ path: `replicationGroups[0].members.axonserver-${i}`, contains: ['"primary"', 'did you mean "PRIMARY"'] })),
    },
    {
        name: "an http URL of a zip names both problems",
        stack: "prod",
        change: (t) => edit(t, "url: https://artifacts.example.com/axonserver/axonserver-2024.2.4.jar", "url: http://artifacts.example.com/axonserver/x.zip"),
        expect: [{ path: "axonServer.download.url", contains: ["https://", ".jar"] }],
    },
    {
        name: "contexts given as an empty string: one error",
        stack: "local",
        change: (t) => edit(t, "      contexts: [{ name: default }]\n", '      contexts: ""\n'),
        expect: [{ path: "replicationGroups[0].contexts", contains: ["expected a list", '""'] }],
    },
    {
        name: "sites that are not a list: one error, not one per node",
        stack: "local",
        change: (t) => edit(t, "  axonserver-multiregion:sites:\n    # kind's default pod network; storage class `standard` (kind/minikube) for every tier.\n    - { name: kind, cloud: none, platform: kubernetes, region: local, cidr: 10.244.0.0/16 }\n", "  axonserver-multiregion:sites: kind\n"),
        expect: [{ path: "sites", contains: ['"kind"', "a list of sites"] }],
    },
    {
        name: "a duplicate client region",
        stack: "prod",
        change: (t) => edit(t, "{ region: eu-west-1, cidrs: [10.40.0.0/16]", "{ region: europe-west4, cidrs: [10.40.0.0/16]"),
        expect: [{ path: "clients[1].region", contains: ['"europe-west4"', "duplicate", "clients[0]"] }],
    },
];

/** Cases whose whole error list is pinned (no error besides the expected ones). */
const EXACT = new Set([
    "a typo elsewhere does not hide an sc1 volume too small, pods that do not fit, nor a missing runnerCidrs",
    "a secure value on a plain key",
    "a site without cloud",
    "lower-case role: did you mean, and no misleading _admin error",
    "an http URL of a zip names both problems",
    "a volume size without a unit suggests one",
    "contexts given as an empty string: one error",
    "sites that are not a list: one error, not one per node",
]);

describe("bad stack configs: every door rejects them with the same text", function () {
    this.timeout(60000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-input-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const c of CASES) {
        it(c.name, async () => {
            writeStack(dir, "case", c.change(stackText(c.stack)));
            const json = topologyDoor(dir, "case", true);
            assert.equal(json.code, 1, `topology accepted it:\n${json.stdout}${json.stderr}`);
            const errors = (JSON.parse(json.stdout) as TopologyReport).errors;
            const show = errors.map((e: ConfigIssue) => `  ${e.path}: ${e.message}`).join("\n");
            for (const want of c.expect) {
                const at = errors.filter((e) => e.path === want.path);
                assert.ok(at.length > 0, `no error at ${want.path}; got:\n${show}`);
                assert.ok(at.some((e) => want.contains.every((s) => e.message.includes(s))), `error at ${want.path} lacks ${JSON.stringify(want.contains)}; got:\n${show}`);
            }
            if (EXACT.has(c.name)) assert.equal(errors.length, c.expect.length, show);

            const text = topologyDoor(dir, "case");
            const up = await programDoor(dir, "case");
            assert.equal(up.deployment, undefined, "pulumi up accepted it");
            assert.ok(isRunError(up.error), `pulumi up threw something else than a RunError: ${String(up.error)}`);
            assert.equal(up.error.message, text.stdout, "pulumi up and topology differ");
            assert.equal(up.records.length, 0, "resources were registered before the error");
        });
    }
});

describe("stack files the Pulumi CLI reads specially", function () {
    this.timeout(60000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-yaml-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("YAML merge keys are applied, as the Pulumi CLI's YAML reader does", async () => {
        const text = edit(
            stackText("local"),
            "  axonserver-multiregion:nodes:\n    - { name: axonserver-1, site: kind }\n    - { name: axonserver-2, site: kind }\n",
            "  axonserver-multiregion:nodes:\n    - &node { name: axonserver-1, site: kind }\n    - { <<: *node, name: axonserver-2 }\n",
        );
        writeStack(dir, "merge", text);
        const r = topologyDoor(dir, "merge", true);
        assert.equal(r.code, 0, r.stdout);
        assert.deepEqual((JSON.parse(r.stdout) as TopologyReport).nodes.map((n) => [n.name, n.site]), [
            ["axonserver-1", "kind"],
            ["axonserver-2", "kind"],
            ["axonserver-3", "kind"],
        ]);
    });

    it("a recursive alias is a config error with its path, not a crash", async () => {
        writeStack(dir, "alias", `${stackText("local")}  axonserver-multiregion:kubernetes: &k { namespace: axon, self: *k }\n`);
        const r = topologyDoor(dir, "alias", true);
        assert.equal(r.code, 1);
        const errors = (JSON.parse(r.stdout) as TopologyReport).errors;
        assert.deepEqual(errors.map((e) => e.path), ["axonserver-multiregion:kubernetes.self"]);
        assert.match(errors[0].message, /recursive alias/);
        const up = await programDoor(dir, "alias");
        assert.ok(up.cliRefused, "the Pulumi CLI refuses the file before the program runs");
    });

    it(".nan is named as such, not as null", () => {
        writeStack(dir, "nan", edit(stackText("local"), "cpu: 500m", "cpu: .nan"));
        const r = topologyDoor(dir, "nan", true);
        assert.equal(r.code, 1);
        const errors = (JSON.parse(r.stdout) as TopologyReport).errors;
        assert.deepEqual(errors.map((e) => e.path), ["axonserver-multiregion:nodeDefaults.cpu"]);
        assert.match(errors[0].message, /^\.nan is not a number the Pulumi CLI can pass/);
    });

    it("topology takes --dir like render", () => {
        writeStack(dir, "copy", stackText("local"));
        assert.equal(topologyDoor(dir, "copy").code, 0);
        assert.equal(topologyDoor(dir, "local").code, 2, "Pulumi.local.yaml is not in that directory");
    });
});
