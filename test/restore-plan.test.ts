/**
 * The restore plan and its CLI. Golden files in test/golden/backup/ (rewrite with
 *   UPDATE_GOLDEN=1 npx mocha test/restore-plan.test.ts).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderRecoveryJson, restorePlan, RestorePlanError } from "../components/backup/restorePlan";
import { loadTopologyOrThrow } from "../components/topology/load";
import { readStackFile, REPO_ROOT, stackConfigFromFile } from "../components/topology/stackFile";
import { main, parseArgs } from "../tools/restore-plan";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const GOLDEN = path.join(__dirname, "golden", "backup");

function golden(name: string, text: string): void {
    const file = path.join(GOLDEN, name);
    if (UPDATE) {
        fs.mkdirSync(GOLDEN, { recursive: true });
        fs.writeFileSync(file, text);
    }
    assert.equal(text, fs.readFileSync(file, "utf8"), `${name} differs (UPDATE_GOLDEN=1 to rewrite)`);
}

function run(argv: string[], dir = REPO_ROOT): { code: number; out: string; err: string } {
    let out = "";
    let err = "";
    const code = main(argv, (s) => (out += s), (s) => (err += s), dir);
    return { code, out, err };
}

const SETTINGS = { intervalMinutes: 60, snapshotTime: "02:00" };

describe("restore plan", () => {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "axon-restore-"));
        const dev = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
        fs.writeFileSync(path.join(tmp, "Pulumi.dev.yaml"), dev);
        // The same cluster rebuilt as a drill in other regions: same node names, other host names.
        const drill = dev
            .replace("environment: dev", "environment: drill")
            .replace(/eu-west-1/g, "us-east-1")
            .replace(/eu-central-1/g, "us-west-2");
        fs.writeFileSync(path.join(tmp, "Pulumi.drill.yaml"), drill);
        fs.writeFileSync(path.join(tmp, "Pulumi.other.yaml"), dev.replace(/axon-dr-1/g, "axon-dr-9"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("prod in place: stop, copies from axon-1's prefix to every storing member, no recovery.json, first node starts first", () => {
        const r = run(["--stack", "prod", "--bucket-url", "gs://acme-axon-prod-backup"]);
        assert.equal(r.code, 0, r.err);
        // Pulumi.prod.yaml configures backups: the plan uses its settings, without the defaults note.
        assert.doesNotMatch(r.err, /no backup configuration/);
        golden("restore-prod.txt", r.out);
        assert.match(r.out, /## 3\. Host names are unchanged: no recovery.json/);
        assert.match(r.out, /## 4\. Start[^\n]*\n1\. axon-1\n/);
        // axon-dr-1 is a PASSIVE_BACKUP of orders: it gets orders' log and events too.
        assert.match(r.out, /### axon-dr-1 \(aws-use1, vm\)[\s\S]*gs:\/\/acme-axon-prod-backup\/prod\/axon-1\/log\/orders\/ {2}-> {2}\/var\/lib\/axonserver\/log\/orders\//);
    });

    it("dev restored into another stack with other host names: recovery.json with the target's FQDNs", () => {
        const r = run(["--stack", "dev", "--target-stack", "drill", "--bucket-url", "s3://dev-backup"], tmp);
        assert.equal(r.code, 0, r.err);
        golden("restore-dev-to-drill.txt", r.out);
        const source = loadTopologyOrThrow(stackConfigFromFile(readStackFile("dev", tmp)).raw).topology;
        const target = loadTopologyOrThrow(stackConfigFromFile(readStackFile("drill", tmp)).raw).topology;
        const plan = restorePlan({ source, target, settings: SETTINGS, bucketUrl: "s3://dev-backup" });
        const json = renderRecoveryJson(plan.recovery!);
        golden("recovery-dev-to-drill.json", json);
        assert.deepEqual(JSON.parse(json)[0], { name: "axon-1", hostName: "axon-1.drill.axon.internal", internalHostName: "axon-1.drill.axon.internal" });

        const out = path.join(tmp, "recovery.json");
        const w = run(["--stack", "dev", "--target-stack", "drill", "--out", out], tmp);
        assert.equal(w.code, 0, w.err);
        assert.equal(fs.readFileSync(out, "utf8"), json);
        assert.match(w.out, /recovery.json was written to .*recovery.json\./);
        assert.ok(!w.out.includes('"internalHostName"'));
    });

    it("refuses a target with other node names; usage errors exit 2", () => {
        const r = run(["--stack", "dev", "--target-stack", "other"], tmp);
        assert.equal(r.code, 1);
        assert.match(r.err, /same node names .* missing in target: axon-dr-1; not in source: axon-dr-9/);
        const source = loadTopologyOrThrow(stackConfigFromFile(readStackFile("dev", tmp)).raw).topology;
        assert.throws(() => restorePlan({ source, target: { ...source, nodes: source.nodes.slice(1) }, settings: SETTINGS, bucketUrl: "x" }), RestorePlanError);
        assert.equal(run([]).code, 2);
        assert.equal(run(["--stack", "nope"]).code, 2);
        assert.deepEqual(parseArgs(["--stack=prod", "--out", "r.json"]), { stack: "prod", targetStack: undefined, bucketUrl: undefined, out: "r.json" });
    });
});
