/**
 * The offline `render` tool: its command line (`main`) in this process, files written, exit codes; and
 * once as a user runs it, in a separate process (`npm run render` runs the same file with ts-node).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { mockRandomText } from "../../tools/harness/state/random";
import { main } from "../../tools/render";

const ROOT = path.resolve(__dirname, "..", "..");
const TS_NODE = require.resolve("ts-node/dist/bin.js");

interface ToolResult {
    status: number;
    stdout: string;
    stderr: string;
}

/** Runs the command line in this process with `env` added; the environment is restored afterwards (render scrubs it). */
async function renderTool(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ToolResult> {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const stdout: string[] = [];
    const stderr: string[] = [];
    try {
        const status = await main(args, (l) => stdout.push(`${l}\n`), (l) => stderr.push(`${l}\n`));
        return { status, stdout: stdout.join(""), stderr: stderr.join("") };
    } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
    }
}

interface RenderedResource {
    type: string;
    name: string;
    urn: string;
    provider: string;
    inputs: Record<string, unknown>;
}

describe("tools/render.ts", () => {
    describe("--stack local", () => {
        let out: string;
        let res: ToolResult;

        before(async () => {
            out = fs.mkdtempSync(path.join(os.tmpdir(), "render-local-"));
            // A developer's shell must not shape the render nor leak into it.
            res = await renderTool(["--stack", "local", "--out", out], {
                KUBECONFIG: "/nonexistent/kubeconfig-from-shell",
                AWS_REGION: "ap-south-2",
                GOOGLE_REGION: "asia-east2",
            });
        });
        after(() => fs.rmSync(out, { recursive: true, force: true }));

        it("exits 0 and prints a summary", () => {
            assert.equal(res.status, 0, res.stderr);
            assert.match(res.stdout, /Rendered stack local \(\d+ resources\) into /);
            assert.match(res.stdout, /kubernetes:apps\/v1:StatefulSet\s+3\n/);
            // Everything but the cluster component and its generated tokens lives on site kind (the two gate Jobs and their script, the roller with its namespaced and cluster-wide RBAC included).
            assert.match(res.stdout, /Resources per site:\n\s+\(environment-wide\)\s+3\n\s+kind\s+34\n/);
            assert.match(res.stdout, /secure config values are not decrypted offline/);
            assert.ok(res.stdout.includes(out));
        });

        it("writes every file", () => {
            const files = fs.readdirSync(out).sort();
            assert.deepEqual(files, ["kubernetes-kind.yaml", "outputs.json", "resources.json", "topology-report.json", "topology-report.txt"]);
        });

        it("resources.json lists every resource with secrets redacted and no generated token", () => {
            const text = fs.readFileSync(path.join(out, "resources.json"), "utf8");
            const resources = JSON.parse(text) as RenderedResource[];
            assert.ok(resources.length > 10);
            assert.ok(resources.every((r) => r.type && r.name && r.urn.startsWith("urn:pulumi:local::")));
            assert.ok(text.includes('"[secret]"'), "secrets are shown by the redaction marker");
            const passwords = resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
            assert.ok(passwords.length >= 2, "admin and internal tokens are generated");
            const everything = fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), "utf8")).join("\n");
            for (const p of passwords) {
                const generated = mockRandomText(p.name, Number(p.inputs.length));
                assert.ok(!everything.includes(generated), `the value of ${p.name} leaks into the render`);
            }
            assert.ok(!everything.includes("/nonexistent/kubeconfig-from-shell"), "KUBECONFIG from the shell reached the render");
            assert.ok(!/ap-south-2|asia-east2/.test(everything));
        });

        it("kubernetes-kind.yaml holds one StatefulSet per node and redacted Secrets", () => {
            const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(out, "kubernetes-kind.yaml"), "utf8"));
            assert.ok(docs.every((d) => d.errors.length === 0));
            type Obj = { apiVersion: string; kind: string; metadata?: { name?: string }; data?: Record<string, string>; stringData?: Record<string, string> };
            const objects = docs.map((d) => d.toJS() as Obj);
            assert.ok(objects.every((o) => o.apiVersion && o.kind));
            const sts = objects.filter((o) => o.kind === "StatefulSet");
            assert.deepEqual(sts.map((o) => o.metadata?.name).sort(), ["axonserver-1", "axonserver-2", "axonserver-3"]);
            const secrets = objects.filter((o) => o.kind === "Secret");
            assert.ok(secrets.length > 0);
            for (const s of secrets) {
                const values = { ...s.data, ...s.stringData };
                assert.ok(Object.keys(values).length > 0, "a Secret's keys stay visible");
                for (const v of Object.values(values)) assert.equal(v, "[secret]");
            }
        });

        it("writes outputs and the topology report", () => {
            const outputs = JSON.parse(fs.readFileSync(path.join(out, "outputs.json"), "utf8"));
            assert.equal(outputs.adminToken, "[secret]");
            assert.equal(outputs.clientConfig.local.contexts.default.servers.length, 3);
            const report = JSON.parse(fs.readFileSync(path.join(out, "topology-report.json"), "utf8"));
            assert.equal(report.valid, true);
            assert.equal(report.stack, "local");
            assert.match(fs.readFileSync(path.join(out, "topology-report.txt"), "utf8"), /^Topology report for stack local: valid/);
        });
    });

    describe("--stack prod (GKE, EKS and a VM site)", () => {
        let out: string;
        let res: ToolResult;
        before(async () => {
            out = fs.mkdtempSync(path.join(os.tmpdir(), "render-prod-"));
            res = await renderTool(["--stack", "prod", "--out", out]);
        });
        after(() => fs.rmSync(out, { recursive: true, force: true }));

        it("exits 0 and writes one Kubernetes file per Kubernetes site, each with its nodes' StatefulSets", () => {
            assert.equal(res.status, 0, res.stderr);
            assert.deepEqual(fs.readdirSync(out).sort(), [
                "kubernetes-aws-euw1.yaml",
                "kubernetes-gcp-euw4.yaml",
                "outputs.json",
                "resources.json",
                "topology-report.json",
                "topology-report.txt",
            ]);
            const statefulSets = (site: string) =>
                YAML.parseAllDocuments(fs.readFileSync(path.join(out, `kubernetes-${site}.yaml`), "utf8"))
                    .map((d) => d.toJS() as { kind: string; metadata: { name: string } })
                    .filter((o) => o.kind === "StatefulSet")
                    .map((o) => o.metadata.name)
                    .sort();
            assert.deepEqual(statefulSets("gcp-euw4"), ["axon-1", "axon-2", "axon-3", "axon-sec-1", "axon-sec-2"]);
            assert.deepEqual(statefulSets("aws-euw1"), ["axon-ab-1", "axon-ab-2"]);
            // The VM node is no Kubernetes object: it is in resources.json.
            const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as RenderedResource[];
            assert.equal(resources.filter((r) => r.type === "aws:ec2/instance:Instance").length, 1);
            const outputs = JSON.parse(fs.readFileSync(path.join(out, "outputs.json"), "utf8"));
            assert.deepEqual(Object.keys(outputs.clientConfig), ["europe-west4", "eu-west-1"]);
        });
    });

    it("exits 1 listing every error on an invalid topology, and still writes the report", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-invalid-"));
        try {
            const local = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.local.yaml"), "utf8"));
            local.config["axonserver-multiregion:nodes"][1].site = "nowhere";
            local.config["axonserver-multiregion:nodes"][2].name = "Axon_3";
            fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), YAML.stringify(local));
            const out = path.join(dir, "out");
            const res = await renderTool(["--stack", "broken", "--dir", dir, "--out", out]);
            assert.equal(res.status, 1, res.stderr);
            assert.match(res.stderr, /invalid topology/);
            assert.match(res.stderr, /^nodes\[1\]\.site: /m);
            assert.match(res.stderr, /^nodes\[2\]\.name: /m);
            assert.deepEqual(fs.readdirSync(out).sort(), ["topology-report.json", "topology-report.txt"]);
            assert.equal(JSON.parse(fs.readFileSync(path.join(out, "topology-report.json"), "utf8")).valid, false);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("exits 2 on an unknown stack or a usage error", async () => {
        const unknown = await renderTool(["--stack", "nope"]);
        assert.equal(unknown.status, 2);
        assert.match(unknown.stderr, /unknown stack nope/);
        const usage = await renderTool(["--out", "x"]);
        assert.equal(usage.status, 2);
        assert.match(usage.stderr, /--stack is required/);
    });

    it("runs as a separate process (npm run render): exit 0, the files, nothing from the shell or Pulumi's config seed", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "render-process-"));
        try {
            const res = spawnSync(process.execPath, [TS_NODE, "--transpile-only", "tools/render.ts", "--stack", "local", "--out", out], {
                cwd: ROOT,
                encoding: "utf8",
                // @pulumi/pulumi seeds its config store from PULUMI_CONFIG when it loads: the tool must drop it first.
                env: { ...process.env, KUBECONFIG: "/nonexistent/kubeconfig-from-shell", PULUMI_CONFIG: JSON.stringify({ "axonserver-multiregion:environment": "from-shell" }) },
                timeout: 120_000,
            });
            assert.equal(res.status, 0, res.stderr);
            assert.match(res.stdout, /Rendered stack local \(\d+ resources\) into /);
            assert.deepEqual(fs.readdirSync(out).sort(), ["kubernetes-kind.yaml", "outputs.json", "resources.json", "topology-report.json", "topology-report.txt"]);
            const everything = fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), "utf8")).join("\n");
            assert.ok(!everything.includes("/nonexistent/kubeconfig-from-shell"), "KUBECONFIG from the shell reached the render");
            assert.ok(!everything.includes("from-shell"), "PULUMI_CONFIG from the shell reached the render");
            assert.equal(JSON.parse(fs.readFileSync(path.join(out, "outputs.json"), "utf8")).environment, "local");
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
