/**
 * The VM boot-time provisioning (`components/vm/bootstrap.ts`): golden files for an EC2 and a Compute
 * Engine node, `shellcheck` on both scripts, and assertions on the systemd unit and the cloud-config.
 *
 *   UPDATE_GOLDEN=1 npx mocha test/vm-bootstrap.test.ts     # rewrite test/golden/vm/
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import { renderBackupAgent } from "../components/backup/agent";
import { VM_AGENT_PATH } from "../components/backup/agentRuntime";
import { renderBackupTimerUnits } from "../components/vm/backupTimer";
import { startupGuardFor } from "../components/axonserver/render/startupGuard";
import { VM_ALLOW_INITIALISE_FILE } from "../components/vm/vmAxonServerNode";
import { renderClusterTemplate } from "../components/axonserver/render/clusterTemplate";
import { jvmHeapOptions } from "../components/axonserver/render/jvm";
import { VM_PATHS } from "../components/axonserver/render/paths";
import { INTERNAL_TOKEN_ENV, LICENSE_ENV, renderAxonServerProperties } from "../components/axonserver/render/properties";
import {
    AWS_USER_DATA_LIMIT,
    VM_FILES,
    VmBootstrap,
    VmBootstrapInput,
    awsDataDevice,
    gcpDataDevice,
    renderVmBootstrap,
} from "../components/vm/bootstrap";
import { DOWNLOAD, gcpVmTopology, prodTopology } from "./fixtures/vmTopologies";

const GOLDEN_DIR = path.join(__dirname, "golden", "vm");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
function awsInput(): VmBootstrapInput {
    const topology = prodTopology();
    const node = topology.nodes.find((n) => n.name === "axon-dr-1")!;
    const arn = (kind: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:axonserver/prod/axon-dr-1/${kind}-AbCdEf`;
    return {
        cloud: "aws",
        environment: topology.environment,
        nodeName: node.name,
        awsRegion: node.region,
        propertiesText: renderAxonServerProperties(topology, node, VM_PATHS),
        clusterTemplateText: renderClusterTemplate(topology),
        startupGuard: startupGuardFor(topology, node, VM_PATHS, { file: VM_ALLOW_INITIALISE_FILE }),
        dataDevice: awsDataDevice("vol-0123456789abcdef0"),
        secrets: {
            systemToken: arn("system-token"),
            internalToken: arn("internal-token"),
            license: arn("license"),
            tls: { cert: arn("tls-cert"), key: arn("tls-key"), ca: arn("tls-ca") },
        },
        download: topology.axonServer.download,
        tls: topology.axonServer.tls,
        stopTimeoutSeconds: topology.axonServer.terminationGracePeriodSeconds,
        jvmOptions: jvmHeapOptions(node.resources.memory),
    };
}

function gcpInput(): VmBootstrapInput {
    const topology = gcpVmTopology();
    const node = topology.nodes[0];
    return {
        cloud: "gcp",
        environment: topology.environment,
        nodeName: node.name,
        gcpProject: topology.gcpProject,
        propertiesText: renderAxonServerProperties(topology, node, VM_PATHS),
        clusterTemplateText: renderClusterTemplate(topology),
        startupGuard: startupGuardFor(topology, node, VM_PATHS, { file: VM_ALLOW_INITIALISE_FILE }),
        dataDevice: gcpDataDevice("axonserver-data"),
        secrets: { systemToken: "dev-axon-a-system-token", internalToken: "dev-axon-a-internal-token" },
        download: topology.axonServer.download,
        tls: false,
        stopTimeoutSeconds: topology.axonServer.terminationGracePeriodSeconds,
        jvmOptions: jvmHeapOptions(node.resources.memory),
    };
}

/** `Key=value` lines of one unit section. */
function unitSection(unit: string, section: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    let inSection = false;
    for (const line of unit.split("\n")) {
        if (line.startsWith("[")) inSection = line === `[${section}]`;
        else if (inSection && line && !line.startsWith("#")) {
            const i = line.indexOf("=");
            const key = line.slice(0, i);
            out.set(key, [...(out.get(key) ?? []), line.slice(i + 1)]);
        }
    }
    return out;
}

function shellcheck(text: string, name: string): void {
    // A check that passes without its tool checks nothing: shellcheck must be installed (.ci/run installs it).
    const probe = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    assert.ifError(probe.error ? new Error(`shellcheck is required to test ${name}: install it (apt-get install shellcheck): ${probe.error.message}`) : undefined);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vm-bootstrap-")), name);
    fs.writeFileSync(file, text);
    const r = spawnSync("shellcheck", ["-s", "bash", "-S", "style", file], { encoding: "utf8" });
    assert.equal(r.status, 0, `shellcheck ${name}:\n${r.stdout}${r.stderr}`);
}

const cases: [string, () => VmBootstrapInput][] = [
    ["aws-axon-dr-1", awsInput],
    ["gcp-axon-a", gcpInput],
];

describe("VM bootstrap rendering", () => {
    for (const [name, input] of cases) {
        describe(name, () => {
            let out: VmBootstrap;
            before(() => {
                out = renderVmBootstrap(input());
            });

            it("matches the golden files (UPDATE_GOLDEN=1 to rewrite)", () => {
                const files: Record<string, string> = {
                    "cloud-config.yaml": out.cloudConfig,
                    "bootstrap.sh": out.script,
                    "axonserver-fetch-secrets.sh": out.fetchSecrets,
                    "axonserver.service": out.unit,
                };
                const dir = path.join(GOLDEN_DIR, name);
                if (UPDATE) {
                    fs.rmSync(dir, { recursive: true, force: true });
                    fs.mkdirSync(dir, { recursive: true });
                    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
                    return;
                }
                assert.deepEqual(fs.readdirSync(dir).sort(), Object.keys(files).sort());
                for (const [f, text] of Object.entries(files)) {
                    assert.equal(text, fs.readFileSync(path.join(dir, f), "utf8"), `${name}/${f} differs from the golden file`);
                }
            });

            it("passes shellcheck (script and secret helper)", () => {
                shellcheck(out.script, `${name}-bootstrap.sh`);
                shellcheck(out.fetchSecrets, `${name}-fetch-secrets.sh`);
            });

            it("has a unit that runs as axonserver, restarts on failure and stops slowly", () => {
                const svc = unitSection(out.unit, "Service");
                const one = (k: string) => {
                    assert.equal(svc.get(k)?.length, 1, `exactly one ${k}=`);
                    return svc.get(k)![0];
                };
                assert.equal(one("User"), "axonserver");
                assert.equal(one("Group"), "axonserver");
                assert.equal(one("WorkingDirectory"), VM_PATHS.workDir);
                assert.equal(one("ExecStart"), `/usr/bin/java -jar ${VM_FILES.jar}`);
                // Secrets first, then the split-brain guard (it writes the template Axon Server reads).
                assert.deepEqual(svc.get("ExecStartPre"), [`+${VM_FILES.fetchSecrets}`, `+${VM_FILES.startupGuard}`]);
                assert.equal(one("EnvironmentFile"), `-${VM_FILES.envFile}`);
                assert.equal(one("Restart"), "on-failure");
                assert.equal(one("KillSignal"), "SIGTERM");
                assert.ok(Number(one("TimeoutStopSec")) >= 120);
                assert.equal(one("TimeoutStopSec"), String(input().stopTimeoutSeconds));
                assert.equal(one("LimitNOFILE"), "65536");
                assert.equal(one("SuccessExitStatus"), "143");
                assert.equal(one("Environment"), `"JAVA_TOOL_OPTIONS=${input().jvmOptions}"`);
                assert.equal(one("RuntimeDirectory"), "axonserver");
                assert.equal(one("RuntimeDirectoryMode"), "0700");
                assert.deepEqual(unitSection(out.unit, "Unit").get("RequiresMountsFor"), [VM_PATHS.workDir]);
                assert.deepEqual(unitSection(out.unit, "Install").get("WantedBy"), ["multi-user.target"]);
            });

            it("cloud-config writes the script verbatim and runs it", () => {
                assert.ok(out.cloudConfig.startsWith("#cloud-config\n"));
                const doc = parseYaml(out.cloudConfig) as { write_files: { path: string; content: string; permissions: string; encoding?: string }[]; runcmd: string[][] };
                assert.equal(doc.write_files.length, 1);
                assert.equal(doc.write_files[0].path, VM_FILES.script);
                assert.equal(doc.write_files[0].permissions, "0700");
                const f = doc.write_files[0];
                // Over 16 KB as text the script is compressed (cloud-init `encoding: gz+b64`).
                const content = f.encoding === "gz+b64" ? gunzipSync(Buffer.from(f.content, "base64")).toString("utf8") : f.content;
                assert.equal(content, out.script);
                assert.deepEqual(doc.runcmd, [[VM_FILES.script]]);
                assert.ok(Buffer.byteLength(out.cloudConfig) <= AWS_USER_DATA_LIMIT, `${Buffer.byteLength(out.cloudConfig)} bytes`);
            });

            it("embeds the unit, the helper, the properties and the template verbatim", () => {
                const i = input();
                for (const text of [out.unit, out.fetchSecrets, i.propertiesText, i.clusterTemplateText, i.startupGuard]) {
                    assert.ok(out.script.includes(text), "embedded text");
                }
                assert.ok(out.script.includes(`ln -sfn "$CONFIG_DIR" "$WORK_DIR/config"`), "config symlink for ./config/axonserver.properties");
            });

            it("formats the data disk only when blkid finds no signature, and mounts it by id with nofail", () => {
                const i = input();
                assert.ok(out.script.includes(`readonly DATA_DEVICE="${i.dataDevice}"`));
                assert.match(out.script, /blkid -p "\$DATA_DEVICE" >\/dev\/null 2>&1 \|\| probe=\$\?\nif \[ "\$probe" -eq 2 \]; then\n[^\n]*\n {4}mkfs\.ext4 /);
                assert.equal(out.script.match(/mkfs\./g)?.length, 1, "a single mkfs, inside the no-signature branch");
                assert.ok(out.script.includes("defaults,noatime,nofail 0 2"));
            });

            it("verifies the jar's SHA-256 and installs Java 17 from the distribution", () => {
                assert.ok(out.script.includes(`readonly JAR_SHA256="${DOWNLOAD.sha256}"`));
                assert.ok(out.script.includes('sha256sum -c -'));
                if (name.startsWith("aws")) assert.ok(out.script.includes("dnf install -y java-17-amazon-corretto-headless"));
                else assert.ok(out.script.includes("apt-get install -y openjdk-17-jre-headless"));
            });

            it("the helper fetches every secret by reference and writes the environment file", () => {
                const i = input();
                const refs = [i.secrets.systemToken, i.secrets.internalToken, i.secrets.license, i.secrets.tls?.cert, i.secrets.tls?.key, i.secrets.tls?.ca];
                for (const ref of refs.filter((r): r is string => !!r)) assert.ok(out.fetchSecrets.includes(`"${ref}"`), ref);
                assert.ok(out.fetchSecrets.includes(`"${INTERNAL_TOKEN_ENV}" "$internal_token"`));
                assert.equal(out.fetchSecrets.includes(LICENSE_ENV), i.secrets.license !== undefined);
                if (i.cloud === "aws") {
                    assert.ok(out.fetchSecrets.includes('aws secretsmanager get-secret-value --region "us-east-1" --secret-id "$1" --query SecretString --output text'));
                } else {
                    assert.ok(out.fetchSecrets.includes('gcloud secrets versions access latest --secret="$1" --project="test-project"'));
                }
                assert.ok(!/set -x|xtrace/.test(out.fetchSecrets.replace(/^#.*$/gm, "")), "no tracing in the helper");
            });
        });
    }

    describe("with the backup agent (the node the backup plan designates)", () => {
        const agent = () => {
            const topology = prodTopology();
            const settings = { enabled: true, drRegion: "us-east-1", cloud: "aws" as const, intervalMinutes: 60, retentionDays: 30, objectLock: true, snapshotTime: "02:00", snapshotRetentionCount: 14 };
            const units = renderBackupTimerUnits({ node: { name: "axon-1" }, topology, settings, bucketName: "b".repeat(63) })!;
            return { script: renderBackupAgent(), ...units };
        };

        it("EC2: over 16 KB as text, so the script goes gz+b64 and decodes to the plain script, which passes shellcheck", () => {
            const i = { ...awsInput(), backupAgent: agent() };
            const out = renderVmBootstrap(i);
            assert.ok(Buffer.byteLength(out.script) > AWS_USER_DATA_LIMIT, "the plain script alone is over the limit");
            assert.ok(Buffer.byteLength(out.cloudConfig) <= AWS_USER_DATA_LIMIT, `${Buffer.byteLength(out.cloudConfig)} bytes`);
            const doc = parseYaml(out.cloudConfig) as { write_files: { path: string; encoding: string; content: string; permissions: string }[]; runcmd: string[][] };
            assert.deepEqual([doc.write_files[0].path, doc.write_files[0].encoding, doc.write_files[0].permissions], [VM_FILES.script, "gz+b64", "0700"]);
            assert.equal(gunzipSync(Buffer.from(doc.write_files[0].content, "base64")).toString("utf8"), out.script);
            assert.deepEqual(doc.runcmd, [[VM_FILES.script]]);
            assert.equal(renderVmBootstrap(i).cloudConfig, out.cloudConfig, "deterministic");
            for (const text of [i.backupAgent.script, i.backupAgent.service, i.backupAgent.timer]) assert.ok(out.script.includes(text), "embedded verbatim");
            assert.ok(out.script.includes(`cat > "${VM_AGENT_PATH}" <<'AXONSERVER_BACKUP_AGENT_EOF'`));
            assert.match(out.script, /^systemctl enable --now axonserver-backup\.timer$/m);
            shellcheck(out.script, "aws-backup-bootstrap.sh");
            // Without the agent the node's script (with the start-up guard) is also just over 16 KB: compressed too.
            assert.ok(Buffer.byteLength(renderVmBootstrap(awsInput()).cloudConfig) <= AWS_USER_DATA_LIMIT);
        });

        it("Compute Engine: the startup script installs the agent the same way", () => {
            const out = renderVmBootstrap({ ...gcpInput(), backupAgent: agent() });
            assert.ok(out.script.includes(renderBackupAgent()));
            assert.ok(out.script.includes(`cat > "${VM_FILES.backupTimer}" <<'AXONSERVER_BACKUP_TIMER_EOF'`));
            shellcheck(out.script, "gcp-backup-bootstrap.sh");
        });
    });

    it("requires the download, a stop timeout and TLS references", () => {
        const i = awsInput();
        assert.throws(
            () => renderVmBootstrap({ ...i, download: undefined, stopTimeoutSeconds: 0.5, secrets: { ...i.secrets, tls: undefined } }),
            (e: Error) =>
                /axonServer\.download .* is required for VM nodes/.test(e.message) &&
                /stop timeout 0\.5s is not a positive whole number/.test(e.message) &&
                /TLS is on but no TLS secret references/.test(e.message),
        );
    });

    it("rejects unsafe references, a shell character in the download URL and missing cloud settings", () => {
        const i = gcpInput();
        assert.throws(() => renderVmBootstrap({ ...i, secrets: { ...i.secrets, systemToken: 'x"; rm -rf /' } }), /secret reference systemToken/);
        assert.throws(() => renderVmBootstrap({ ...i, download: { ...DOWNLOAD, url: "https://example.com/$(id).jar" } }), /without quotes, "\$" or backslashes/);
        assert.throws(() => renderVmBootstrap({ ...i, gcpProject: undefined }), /gcpProject is required on GCP/);
        assert.throws(() => renderVmBootstrap({ ...i, dataDevice: "/dev/sdb" }), /stable \/dev\/disk\/by-id\/ path/);
    });

    it("derives the stable device ids", () => {
        assert.equal(awsDataDevice("vol-0123456789abcdef0"), "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0");
        assert.equal(gcpDataDevice("axonserver-data"), "/dev/disk/by-id/google-axonserver-data");
    });
});
