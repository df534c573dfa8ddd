/**
 * The restore plan and its CLI. Golden files in test/golden/backup/ (rewrite with
 *   UPDATE_GOLDEN=1 npx mocha test/restore-plan.test.ts).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { renderRecoveryJson, restoreMinutes, restorePlan, RestorePlanError, WEB_IDENTITY_ROLE_PLACEHOLDER } from "../components/backup/restorePlan";
import { restoreJobManifest } from "../components/kubernetes/restoreJob";
import { AGENT_IMAGES } from "../components/backup/agentRuntime";
import { loadTopologyOrThrow } from "../components/topology/load";
import { readStackFile, REPO_ROOT, stackConfigFromFile } from "../tools/config/stackFile";
import { main, parseArgs } from "../tools/restore-plan";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML/JSON documents
type J = any;

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

const SETTINGS = { cloud: "aws", drRegion: "us-east-1" } as const;

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
        // Region loss: europe-west4 (GKE) is gone; its nodes come back on the surviving EKS site in eu-west-1,
        // same environment (same bucket prefixes), other host names.
        const prod = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8"));
        const c = prod.config;
        c["axonserver-multiregion:sites"] = c["axonserver-multiregion:sites"].filter((x: { name: string }) => x.name !== "gcp-euw4");
        c["axonserver-multiregion:sites"][0].zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
        // Three Axon pods per zone now: one worker each (the loader's capacity check).
        c["axonserver-multiregion:sites"][0].nodesPerZone = 3;
        const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
        // Nodes moved to an EKS site take NodePort slots the site's own nodes (axon-ab-1: 0, axon-ab-2: 1) do not hold.
        c["axonserver-multiregion:nodes"] = c["axonserver-multiregion:nodes"].map((n: { name: string; site: string }, i: number) =>
            n.site === "gcp-euw4" ? { ...n, site: "aws-euw1", zone: zones[i % 3], nodePortSlot: 2 + i } : n,
        );
        c["axonserver-multiregion:clients"] = c["axonserver-multiregion:clients"].filter((x: { region: string }) => x.region !== "europe-west4");
        delete c["axonserver-multiregion:gcpProject"];
        fs.writeFileSync(path.join(tmp, "Pulumi.prod.yaml"), fs.readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8"));
        fs.writeFileSync(path.join(tmp, "Pulumi.prod-euw1.yaml"), YAML.stringify(prod));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    // A stack behind a registry mirror (imageRegistry) pulls nothing from Docker Hub: its restore Jobs run
    // the same mirrored agent image as the backup sidecars (components/backup/agentRuntime.ts backupAgentImage).
    it("restore Jobs pull the agent image through the stack's imageRegistry mirror, like the sidecars", () => {
        const mirror = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub";
        const cfg = stackConfigFromFile(readStackFile("dev")).raw;
        const source = loadTopologyOrThrow({ ...cfg, imageRegistry: mirror }).topology;
        const plan = restorePlan({ source, settings: SETTINGS, bucketUrl: "s3://b", kubernetesJob: restoreJobManifest });
        const images = plan.nodes.filter((n) => n.job).map((n) => (n.job as J).spec.template.spec.containers[0].image);
        assert.ok(images.length > 0);
        for (const image of images) assert.equal(image, `${mirror}/${AGENT_IMAGES.aws}`);
    });

    it("prod in place: every node from its own prefix, a Job per Kubernetes node, commands for the VM, no recovery.json", () => {
        const r = run(["--stack", "prod", "--bucket-url", "s3://acme-axon-prod-backup"]);
        assert.equal(r.code, 0, r.err);
        // Pulumi.prod.yaml configures backups: the plan uses its settings, without the defaults note.
        assert.doesNotMatch(r.err, /no backup configuration/);
        golden("restore-prod.txt", r.out);
        assert.match(r.out, /Host names are unchanged: no recovery.json/);
        assert.match(r.out, /## 4\. Start[^\n]*\naxon-1: kubectl [^\n]*scale statefulset\/axon-1 --replicas=1 {2}\(wait until axon-1 is ready/);
        // Each node is restored with its own control DB (docs.axoniq.io, Backups: "each node gets restored
        // the ConfigDB backed up for that node").
        const source = loadTopologyOrThrow(stackConfigFromFile(readStackFile("prod")).raw).topology;
        const plan = restorePlan({ source, settings: SETTINGS, bucketUrl: "s3://b", kubernetesJob: restoreJobManifest });
        for (const nr of plan.nodes) assert.equal(nr.env.RESTORE_SOURCE, `s3://b/prod/${nr.node}`);
        const dr = plan.nodes.find((n) => n.node === "axon-dr-1")!;
        assert.equal(dr.job, undefined);
        assert.match(dr.commands![0], /^sudo -u axonserver env RESTORE_SOURCE=s3:\/\/b\/prod\/axon-dr-1 RESTORE_DATA_DIR=\/var\/lib\/axonserver\/data .* bash \/usr\/local\/bin\/axonserver-backup\.sh --restore$/);
        const job = plan.nodes.find((n) => n.node === "axon-sec-1")!.job as J;
        assert.deepEqual(
            job.spec.template.spec.volumes.filter((v: J) => v.persistentVolumeClaim).map((v: J) => v.persistentVolumeClaim.claimName),
            // StatefulSet PVC names: <claim template>-<statefulset>-<ordinal> (kubernetes.io StatefulSet docs, "Stable Storage").
            ["events-axon-sec-1-0", "data-axon-sec-1-0", "log-axon-sec-1-0"],
        );
        assert.deepEqual(job.spec.template.spec.containers[0].command, ["bash", "/opt/axonserver-backup/axonserver-backup.sh", "--restore"]);
        assert.equal(job.metadata.namespace, "axonserver");
        // The environment's one Kubernetes key, like every other object of the environment; the node in its own key.
        for (const labels of [job.metadata.labels, job.spec.template.metadata.labels]) {
            assert.equal(labels["app.kubernetes.io/instance"], "prod");
            assert.equal(labels["axonserver-multiregion/node"], "axon-sec-1");
        }
        // A GKE node reads the S3 bucket like its sidecar: AWS role via the projected ServiceAccount token.
        const jobEnv = (j: J) => Object.fromEntries(j.spec.template.spec.containers[0].env.map((e: J) => [e.name, e.value]));
        assert.equal(jobEnv(job).AWS_WEB_IDENTITY_TOKEN_FILE, "/var/run/secrets/axonserver-backup/aws/token");
        assert.equal(jobEnv(job).AWS_ROLE_ARN, WEB_IDENTITY_ROLE_PLACEHOLDER);
        assert.ok(job.spec.template.spec.volumes.some((v: J) => v.projected?.sources[0].serviceAccountToken.audience === "sts.amazonaws.com"));
        assert.match(r.out, /sed -i "s#<AWS_ROLE_ARN of the node's backup sidecar>#\$ROLE#" <node>-restore\.yaml/);
        const eks = plan.nodes.find((n) => n.node === "axon-ab-1")!.job as J;
        assert.equal(jobEnv(eks).AWS_ROLE_ARN, undefined, "EKS: the IRSA webhook injects the role");
    });

    it("region loss: prod into the surviving eu-west-1, each step timed, ≤ 15 minutes end to end, the files that perform it", () => {
        const dir = path.join(tmp, "prod-euw1");
        const r = run(["--stack", "prod", "--target-stack", "prod-euw1", "--bucket-url", "s3://acme-axon-prod-backup", "--out-dir", dir], tmp);
        assert.equal(r.code, 0, r.err);
        golden("restore-prod-to-euw1.txt", r.out.split(dir).join("<out-dir>"));
        const source = loadTopologyOrThrow(stackConfigFromFile(readStackFile("prod", tmp)).raw).topology;
        const target = loadTopologyOrThrow(stackConfigFromFile(readStackFile("prod-euw1", tmp)).raw).topology;
        const plan = restorePlan({ source, target, settings: SETTINGS, bucketUrl: "s3://acme-axon-prod-backup", kubernetesJob: restoreJobManifest });
        assert.ok(plan.steps.every((s) => s.minutes > 0));
        assert.ok(restoreMinutes(plan) <= 15, `${restoreMinutes(plan)} minutes`);
        assert.match(r.out, /^# Restore of prod backups into prod \(expected \d+ minutes end to end\)$/m);
        for (const s of plan.steps) assert.ok(r.out.includes(`${s.title} (~${s.minutes} min)`), s.title);
        // Same environment: host names are <node>.<environment>.<domain> (naming.ts), so they stay; the private
        // DNS records point at the new addresses.
        assert.equal(plan.recovery, undefined);
        assert.deepEqual(fs.readdirSync(dir).sort(), [...plan.nodes.filter((n) => n.job).map((n) => `${n.node}-restore.yaml`), "axon-dr-1-restore.sh"].sort());
        const job = YAML.parse(fs.readFileSync(path.join(dir, "axon-1-restore.yaml"), "utf8"));
        const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: J) => [e.name, e.value]));
        assert.equal(env.RESTORE_SOURCE, "s3://acme-axon-prod-backup/prod/axon-1");
        assert.match(fs.readFileSync(path.join(dir, "axon-dr-1-restore.sh"), "utf8"), /--restore\n$/);
    });

    it("dev restored into another environment: recovery.json, and the access the restore needs", () => {
        const r = run(["--stack", "dev", "--target-stack", "drill", "--bucket-url", "s3://dev-backup"], tmp);
        assert.equal(r.code, 0, r.err);
        golden("restore-dev-to-drill.txt", r.out);
        assert.match(r.out, /WARNING: the target environment drill differs from the source dev: .* read access to dev\/<node>\//);
        const source = loadTopologyOrThrow(stackConfigFromFile(readStackFile("dev", tmp)).raw).topology;
        const target = loadTopologyOrThrow(stackConfigFromFile(readStackFile("drill", tmp)).raw).topology;
        const plan = restorePlan({ source, target, settings: SETTINGS, bucketUrl: "s3://dev-backup", kubernetesJob: restoreJobManifest });
        const json = renderRecoveryJson(plan.recovery!);
        golden("recovery-dev-to-drill.json", json);
        // docs.axoniq.io administration/recovery: the internal port key is internalGrpcPort.
        assert.deepEqual(plan.recovery![0], { name: "axon-1", hostName: "axon-1.drill.axon.internal", internalHostName: "axon-1.drill.axon.internal", grpcPort: 8124, httpPort: 8024, internalGrpcPort: 8224 });
        const job = plan.nodes[0].job as J;
        const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: J) => [e.name, e.value]));
        assert.deepEqual(JSON.parse(env.RESTORE_RECOVERY_JSON), plan.recovery, "the Job writes recovery.json into the data directory");

        const out = path.join(tmp, "recovery.json");
        const w = run(["--stack", "dev", "--target-stack", "drill", "--out", out], tmp);
        assert.equal(w.code, 0, w.err);
        assert.equal(fs.readFileSync(out, "utf8"), json);
    });

    it("refuses a target with other node names; usage errors exit 2", () => {
        const r = run(["--stack", "dev", "--target-stack", "other"], tmp);
        assert.equal(r.code, 1);
        assert.match(r.err, /same node names .* missing in target: axon-dr-1; not in source: axon-dr-9/);
        const source = loadTopologyOrThrow(stackConfigFromFile(readStackFile("dev", tmp)).raw).topology;
        assert.throws(() => restorePlan({ source, target: { ...source, nodes: source.nodes.slice(1) }, settings: SETTINGS, bucketUrl: "x", kubernetesJob: restoreJobManifest }), RestorePlanError);
        assert.equal(run([]).code, 2);
        assert.equal(run(["--stack", "nope"]).code, 2);
        assert.deepEqual(parseArgs(["--stack=prod", "--out", "r.json"]), { stack: "prod", targetStack: undefined, bucketUrl: undefined, out: "r.json", outDir: undefined });
    });
});
