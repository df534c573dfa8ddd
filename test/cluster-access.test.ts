/**
 * Load-time checks of `clusterAccess` and the per-site platform options (components/topology/clusterAccess.ts).
 */
import * as assert from "node:assert/strict";
import { AGENT_IMAGES } from "../components/backup/agentRuntime";
import { backupSidecarContainer } from "../components/kubernetes/backupSidecar";
import { parseBackupSettings } from "../components/backup/settings";
import { registryImage } from "../components/topology/images";
import { gkeBackupLocation } from "../components/backup/snapshots";
import { DOCUMENTATION_RANGES, documentationRunnerWarnings, gkeBackupRegion, unreachableRunnerIssues } from "../components/topology/clusterAccess";
import { loadTopology } from "../components/topology/load";
import { main as topologyTool } from "../tools/topology";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";
import { buildTopology, RUNNER_CIDR } from "./fixtures/topologies";

type Cfg = Record<string, unknown> & { sites: Record<string, unknown>[]; clusterAccess?: Record<string, unknown> };

function eksConfig(access?: Record<string, unknown>): Cfg {
    return {
        environment: "test",
        axonServer: { version: "2024.2.4" },
        sites: [{ name: "aws-a", cloud: "aws", platform: "eks", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b"], cidr: "10.40.0.0/16" }],
        nodes: [
            { name: "axon-1", site: "aws-a", zone: "eu-west-1a" },
            { name: "axon-2", site: "aws-a", zone: "eu-west-1b" },
            { name: "axon-3", site: "aws-a", zone: "eu-west-1a" },
        ],
        replicationGroups: [{ name: "default", members: { "axon-1": "PRIMARY", "axon-2": "PRIMARY", "axon-3": "PRIMARY" } }],
        ...(access ? { clusterAccess: access } : {}),
    };
}

function errorsOf(cfg: Cfg): string[] {
    return loadTopology(cfg).errors.map((e) => `${e.path}: ${e.message}`);
}

describe("clusterAccess (load time)", () => {
    // EKS user guide, "Cluster API server endpoint": with the public endpoint off, "all traffic to your
    // cluster API server must come from within your cluster's VPC or a connected network" — a VPC that
    // the first `pulumi up` is only creating. So an EKS stack must say how the runner gets in.
    it("rejects an EKS stack that gives the runner no path to the API (no runnerCidrs, not privateOnly)", () => {
        const errors = errorsOf(eksConfig());
        assert.equal(errors.length, 1, errors.join("\n"));
        assert.match(errors[0], /^clusterAccess\.runnerCidrs: is required for the EKS sites \(regions "eu-west-1"\)/);
    });

    it("accepts a public runner range and rejects a private one (a public endpoint never sees private sources)", () => {
        assert.deepEqual(errorsOf(eksConfig({ runnerCidrs: [RUNNER_CIDR] })), []);
        const errors = errorsOf(eksConfig({ runnerCidrs: ["10.99.0.0/24"] }));
        assert.equal(errors.length, 1);
        assert.match(errors[0], /^clusterAccess\.runnerCidrs\[0\]: "10\.99\.0\.0\/24" is a private range/);
        // Its example must not be a documentation address, which the program itself refuses as a runner.
        assert.match(errors[0], /"<your public IP>\/32"/);
        for (const range of DOCUMENTATION_RANGES) assert.ok(!errors[0].includes(range.split(".").slice(0, 3).join(".") + "."), `${errors[0]} suggests ${range}`);
    });

    it("private-only needs a transit-gateway route per EKS region, and nothing public", () => {
        const missing = errorsOf(eksConfig({ privateOnly: true }));
        assert.equal(missing.length, 1);
        assert.match(missing[0], /^clusterAccess\.runnerRoutes: privateOnly: true needs a route .* missing for "eu-west-1"/);
        const route = { region: "eu-west-1", transitGatewayId: "tgw-0123456789abcdef0", cidrs: ["10.99.0.0/24"] };
        assert.deepEqual(errorsOf(eksConfig({ privateOnly: true, runnerRoutes: [route] })), []);
        const both = errorsOf(eksConfig({ privateOnly: true, runnerRoutes: [route], runnerCidrs: [RUNNER_CIDR] }));
        assert.deepEqual(both.map((e) => e.split(":")[0]), ["clusterAccess.runnerCidrs"]);
        const stray = errorsOf(eksConfig({ privateOnly: true, runnerRoutes: [route, { ...route, region: "us-east-1" }] }));
        assert.deepEqual(stray.map((e) => e.split(":")[0]), ["clusterAccess.runnerRoutes[1].region"]);
    });

    it("checks EKS admin principals and the kubeconfig role as IAM ARNs", () => {
        const errors = errorsOf(eksConfig({ runnerCidrs: [RUNNER_CIDR], eksAdminPrincipals: ["admin"], eksRoleArn: "arn:aws:iam::123456789012:user/bob" }));
        assert.deepEqual(errors.map((e) => e.split(":")[0]).sort(), ["clusterAccess.eksAdminPrincipals[0]", "clusterAccess.eksRoleArn"]);
    });

    it("the example stacks need exactly one runner value and load", () => {
        for (const stack of ["dev", "prod"]) {
            const { raw } = stackConfigFromFile(readStackFile(stack));
            const access = raw.clusterAccess as { runnerCidrs: string[] };
            assert.deepEqual(Object.keys(access), ["runnerCidrs"], stack);
            assert.equal(access.runnerCidrs.length, 1, stack);
        }
    });
});

describe("clusterAccess.runnerCidrs: documentation addresses (the example stacks' placeholder)", () => {
    // RFC 5737, section 3: 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 are "provided for use in
    // documentation" and never routed (https://www.rfc-editor.org/rfc/rfc5737#section-3). The EKS public
    // endpoint admits `publicAccessCidrs` only, so a documentation range there admits no machine.
    const warningsOf = (cfg: Cfg) => {
        const r = loadTopology(cfg);
        assert.deepEqual(r.errors, []);
        return r.warnings.filter((w) => w.path.startsWith("clusterAccess"));
    };

    it("lists exactly the three RFC 5737 ranges", () => {
        assert.deepEqual([...DOCUMENTATION_RANGES], ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]);
    });

    it("warns at load time, with the path, the value and what to set, for an address in each range", () => {
        for (const [cidr, range] of [
            ["203.0.113.10/32", "203.0.113.0/24"],
            ["198.51.100.0/24", "198.51.100.0/24"],
            ["192.0.2.128/25", "192.0.2.0/24"],
        ]) {
            const ws = warningsOf(eksConfig({ runnerCidrs: [cidr] }));
            assert.deepEqual(ws.map((w) => w.path), ["clusterAccess.runnerCidrs[0]"], cidr);
            const m = ws[0].message;
            assert.ok(m.startsWith(`"${cidr}" lies in ${range}, a range reserved for documentation (RFC 5737)`), m);
            assert.match(m, /`pulumi up` refuses to start/);
            assert.match(m, /`curl -s https:\/\/checkip\.amazonaws\.com` prints, followed by \/32/);
            assert.match(m, /pulumi config set --path 'clusterAccess\.runnerCidrs\[0\]'/);
        }
    });

    it("refuses (for the entry point) only when every runner range is a documentation range", () => {
        const all = loadTopology(eksConfig({ runnerCidrs: ["203.0.113.10/32", "198.51.100.7/32"] })).topology!;
        assert.deepEqual(documentationRunnerWarnings(all).map((w) => w.path), ["clusterAccess.runnerCidrs[0]", "clusterAccess.runnerCidrs[1]"]);
        assert.deepEqual(unreachableRunnerIssues(all), documentationRunnerWarnings(all));
        // A real address next to a leftover placeholder reaches the API: warn about the leftover, do not refuse.
        const mixed = loadTopology(eksConfig({ runnerCidrs: [RUNNER_CIDR, "203.0.113.10/32"] })).topology!;
        const ws = documentationRunnerWarnings(mixed);
        assert.deepEqual(ws.map((w) => w.path), ["clusterAccess.runnerCidrs[1]"]);
        assert.match(ws[0].message, /Remove it: the other runner ranges/);
        assert.deepEqual(unreachableRunnerIssues(mixed), []);
    });

    it("leaves routed ranges alone: neighbours of the documentation ranges, and a wider range that holds routed addresses", () => {
        for (const cidr of [RUNNER_CIDR, "203.0.114.10/32", "192.0.3.0/24", "198.51.101.1/32", "198.51.0.0/16"]) {
            assert.deepEqual(warningsOf(eksConfig({ runnerCidrs: [cidr] })), [], cidr);
        }
    });

    it("applies to EKS public endpoints only: not to privateOnly, not to a stack without EKS sites", () => {
        const eks = buildTopology({ sites: [{ name: "eu", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b"] }], nodes: ["n1"] });
        const doc = { runnerCidrs: ["203.0.113.10/32"], privateOnly: false, runnerRoutes: [], eksAdminPrincipals: [] };
        assert.equal(unreachableRunnerIssues({ ...eks, clusterAccess: doc }).length, 1);
        assert.deepEqual(documentationRunnerWarnings({ ...eks, clusterAccess: { ...doc, privateOnly: true } }), []);
        const gke = buildTopology({ sites: [{ name: "g", cloud: "gcp", region: "europe-west4" }], nodes: ["n1"] });
        assert.deepEqual(documentationRunnerWarnings({ ...gke, clusterAccess: doc }), []);
    });

    it("the example stacks carry the placeholder: `npm run topology` warns (exit 0), the entry point would refuse", () => {
        for (const stack of ["dev", "prod"]) {
            const { raw, options } = stackConfigFromFile(readStackFile(stack));
            const r = loadTopology(raw, options);
            assert.deepEqual(r.errors, [], stack);
            assert.deepEqual(unreachableRunnerIssues(r.topology!).map((i) => i.path), ["clusterAccess.runnerCidrs[0]"], stack);
            let text = "";
            assert.equal(topologyTool(["--stack", stack], (s) => (text += s), (s) => (text += s)), 0, stack);
            assert.match(text, /clusterAccess\.runnerCidrs\[0\]: "203\.0\.113\.10\/32" lies in 203\.0\.113\.0\/24/, stack);
        }
    });
});

describe("per-site platform options (load time)", () => {
    function gkeConfig(site: Record<string, unknown>): Cfg {
        return {
            environment: "test",
            gcpProject: "acme-axon-test",
            axonServer: { version: "2024.2.4" },
            sites: [{ name: "gcp-a", cloud: "gcp", platform: "gke", region: "europe-west4", zones: ["europe-west4-a", "europe-west4-b", "europe-west4-c"], cidr: "10.30.0.0/16", ...site }],
            nodes: [
                { name: "axon-1", site: "gcp-a", zone: "europe-west4-a" },
                { name: "axon-2", site: "gcp-a", zone: "europe-west4-b" },
                { name: "axon-3", site: "gcp-a", zone: "europe-west4-c" },
            ],
            replicationGroups: [{ name: "default", members: { "axon-1": "PRIMARY", "axon-2": "PRIMARY", "axon-3": "PRIMARY" } }],
        };
    }

    it("Backup for GKE plan region: defaults to a paired region, never the cluster's own", () => {
        const t = loadTopology(gkeConfig({})).topology!;
        assert.equal(t.sites[0].cluster.backupRegion, undefined);
        const own = errorsOf(gkeConfig({ backupRegion: "europe-west4" }));
        assert.equal(own.length, 1);
        assert.match(own[0], /^sites\[0\]\.backupRegion: "europe-west4" is the cluster's own region/);
        const unpaired = { ...gkeConfig({ region: "me-central2", zones: ["me-central2-a"] }), nodes: [{ name: "axon-1", site: "gcp-a", zone: "me-central2-a" }], replicationGroups: [{ name: "default", members: { "axon-1": "PRIMARY" } }] };
        // Without backups there is no Backup for GKE plan, so no region to name.
        assert.ok(!errorsOf(unpaired).some((e) => e.startsWith("sites[0].backupRegion")), errorsOf(unpaired).join("\n"));
        const unknown = errorsOf({ ...unpaired, backup: { cloud: "aws", drRegion: "eu-central-1" } });
        assert.ok(unknown.some((e) => e.startsWith("sites[0].backupRegion: is required")), unknown.join("\n"));
    });

    // The loader's check and the GkeBackup component's plan location are one function (gkeBackupRegion):
    // with a GCS bucket in another region, an unpaired cluster region needs no backupRegion, and the plan
    // is placed in the bucket's DR region (never the cluster's own: Backup for GKE, BackupPlan `location`).
    it("Backup for GKE plan region: a GCS bucket's DR region serves an unpaired cluster region, in the loader and the component alike", () => {
        const cfg = { ...gkeConfig({ region: "me-central2", zones: ["me-central2-a"] }), nodes: [{ name: "axon-1", site: "gcp-a", zone: "me-central2-a" }], replicationGroups: [{ name: "default", members: { "axon-1": "PRIMARY" } }], backup: { cloud: "gcp", drRegion: "europe-west1" } };
        assert.deepEqual(errorsOf(cfg).filter((e) => e.startsWith("sites[0].backupRegion")), []);
        const t = loadTopology(cfg).topology!;
        assert.equal(gkeBackupRegion(t.sites[0], t.backup), "europe-west1");
        assert.equal(gkeBackupLocation("me-central2", t.backup!), "europe-west1");
    });

    it("deletion protection, maintenance window and exclusions: parsed for GKE, rejected elsewhere", () => {
        const t = loadTopology(
            gkeConfig({
                deletionProtection: false,
                maintenanceWindow: { startTime: "2026-01-03T02:00:00Z", endTime: "2026-01-03T08:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" },
                maintenanceExclusions: [{ name: "year end", startTime: "2026-12-20T00:00:00Z", endTime: "2027-01-05T00:00:00Z" }],
            }),
        ).topology!;
        assert.equal(t.sites[0].cluster.deletionProtection, false);
        assert.equal(t.sites[0].cluster.maintenanceExclusions[0].scope, "NO_UPGRADES");
        const bad = errorsOf(gkeConfig({ maintenanceWindow: { startTime: "2026-01-03T08:00:00Z", endTime: "2026-01-03T02:00:00Z", recurrence: "weekly" } }));
        assert.deepEqual(bad.map((e) => e.split(":")[0]), ["sites[0].maintenanceWindow.recurrence"]);
        const eks = eksConfig({ runnerCidrs: [RUNNER_CIDR] });
        eks.sites[0].deletionProtection = false;
        eks.sites[0].allowIapSsh = true;
        assert.deepEqual(errorsOf(eks).map((e) => e.split(":")[0]).sort(), ["sites[0].allowIapSsh", "sites[0].deletionProtection"]);
    });

    it("kmsKeyArn: a key ARN of the site's region", () => {
        const cfg = eksConfig({ runnerCidrs: [RUNNER_CIDR] });
        cfg.sites[0].kmsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const errors = errorsOf(cfg);
        assert.equal(errors.length, 1);
        assert.match(errors[0], /^sites\[0\]\.kmsKeyArn: .* is in region us-east-1; EBS volumes of eu-west-1 need a key of eu-west-1/);
    });

    it("imageRegistry rewrites the Axon Server image; absent keeps Docker Hub", () => {
        const cfg = eksConfig({ runnerCidrs: [RUNNER_CIDR] });
        assert.equal(loadTopology(cfg).topology!.axonServer.image, "axoniq/axonserver:2024.2.4-jdk-17-nonroot");
        cfg.imageRegistry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub";
        assert.equal(loadTopology(cfg).topology!.axonServer.image, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/axoniq/axonserver:2024.2.4-jdk-17-nonroot");
        cfg.imageRegistry = "https://mirror";
        assert.deepEqual(errorsOf(cfg).map((e) => e.split(":")[0]), ["imageRegistry"]);
    });
});

describe("imageRegistry (images from a mirror)", () => {
    // Docker Hub limits anonymous pulls per source IPv4 address (docs.docker.com/docker-hub/usage/); workers
    // behind one NAT address share the allowance, so both images the program runs come from the mirror.
    it("rewrites the Axon Server image and the backup agent's stock image, and leaves an explicit agentImage alone", () => {
        const cfg = eksConfig({ runnerCidrs: [RUNNER_CIDR] });
        cfg.imageRegistry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub";
        cfg.backup = { drRegion: "eu-central-1", cloud: "aws" };
        const topology = loadTopology(cfg).topology!;
        const parsed = parseBackupSettings(cfg.backup as Record<string, unknown>, topology);
        assert.deepEqual(parsed.errors, []);
        const container = backupSidecarContainer({
            node: topology.nodes[0],
            topology,
            settings: parsed.settings!,
            targetUrl: "s3://bucket",
            tokenVolumeName: "security",
            volumeMountNames: { events: "events", data: "data", log: "log" },
        });
        assert.equal(container?.image, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/${AGENT_IMAGES.aws}`);
        assert.equal(registryImage(undefined, AGENT_IMAGES.aws), AGENT_IMAGES.aws);
        assert.equal(registryImage("mirror.example.com", "ghcr.io/acme/agent:1"), "ghcr.io/acme/agent:1");
    });
});
