/**
 * End-to-end test of `Pulumi.local.yaml`: the real program (`stacks/program.ts`, what `index.ts` runs)
 * under mocks with the stack file's config.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { TOP_LEVEL_KEYS } from "../../components/topology/schema";
import { readStackFile } from "../../tools/config/stackFile";
import { KNOWN_CONFIG_KEYS, readStackInput } from "../../stacks/config";
import { Deployment, DeploymentOutputs, OUTPUT_KEYS } from "../../stacks/deployment";
import { program } from "../../stacks/program";
import {
    assertUniqueUrns,
    countByType,
    MockRun,
    outputValue,
    redactSecrets,
    runUnderMocks,
} from "../../tools/harness/mocks";
import { mockConfig, runStack } from "../../tools/harness/stacks";

const PROJECT = "axonserver-multiregion";

describe("stack local (Pulumi.local.yaml, end to end under mocks)", () => {
    let run: MockRun<Deployment>;

    // runUnderMocks clears provider variables from the shell for the run (tools/harness/env.ts).
    before(async () => {
        run = await runStack("local");
    });

    it("creates exactly the expected resources per type", () => {
        assert.deepEqual(countByType(run.records), EXPECTED_COUNTS);
    });

    it("registers every URN once and every resource completed", () => {
        assertUniqueUrns(run.records);
        assert.ok(run.records.every((r) => r.urn.startsWith("urn:pulumi:local::axonserver-multiregion::")));
    });

    it("creates no cloud resource", () => {
        const cloud = run.records.filter((r) => /^(aws|gcp):|^pulumi:providers:(aws|gcp)$/.test(r.type));
        assert.deepEqual(cloud.map((r) => r.type), []);
    });

    it("puts every Kubernetes object on the site's explicit provider", async () => {
        const providerUrn = await outputValue(run.result.kubernetesHosts.kind.provider.urn);
        const objects = run.records.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(objects.length > 0);
        for (const r of objects) assert.ok(r.provider.startsWith(`${providerUrn}::`), `${r.type} ${r.name} uses ${r.provider || "the default provider"}`);
    });

    it("exports the environment, rolling order and warnings", () => {
        assert.equal(run.result.environment, "local");
        // The chain starts with the cluster template's first node (first PRIMARY of _admin), a gate Job
        // between every two nodes; a change restarts them least critical first (the roller), first last.
        assert.deepEqual(run.result.creationOrder, ["axonserver-1", "axonserver-2", "axonserver-3"]);
        assert.deepEqual(run.result.updateOrder, ["axonserver-2", "axonserver-3", "axonserver-1"]);
        assert.deepEqual(run.result.rollingOrder, run.result.updateOrder);
        assert.ok(Array.isArray(run.result.warnings));
    });

    it("exports the client config of region local: three servers on 8124, context default, no TLS", async () => {
        const cfg = await outputValue(run.result.clientConfig);
        assert.deepEqual(Object.keys(cfg), ["local"]);
        assert.equal(cfg.local.defaultContext, "default");
        const ctx = cfg.local.contexts.default;
        assert.deepEqual(ctx.servers, [
            "axonserver-1.axonserver.svc.cluster.local:8124",
            "axonserver-2.axonserver.svc.cluster.local:8124",
            "axonserver-3.axonserver.svc.cluster.local:8124",
        ]);
        assert.equal(ctx.map["axon.axonserver.context"], "default");
        assert.equal(ctx.tls.enabled, false);
        assert.equal(await pulumi.isSecret(run.result.clientConfig), false);
        assert.equal(await outputValue(run.result.clientCaCertificate), undefined);
    });

    it("exports the admin token as a secret, and it appears in no plain input", async () => {
        assert.equal(await pulumi.isSecret(run.result.adminToken), true);
        const token = await outputValue(run.result.adminToken);
        assert.ok(typeof token === "string" && token.length >= 16, "a generated token");
        const plain = JSON.stringify(run.records.map((r) => redactSecrets(r.inputs)));
        assert.ok(!plain.includes(token), "the admin token leaks into a non-secret input");
    });

    it("exports node endpoints of the three nodes on site kind", async () => {
        const endpoints = (await outputValue(run.result.nodeEndpoints)) as Record<string, Record<string, unknown>>;
        assert.deepEqual(Object.keys(endpoints), ["kind"]);
        assert.deepEqual(Object.keys(endpoints.kind).sort(), ["axonserver-1", "axonserver-2", "axonserver-3"]);
    });

    it("exports a failure summary: default survives any node, not the loss of the only site", () => {
        const s = run.result.failureSummary;
        assert.deepEqual(Object.keys(s).sort(), ["_admin", "default"]);
        assert.equal(s.default.survivesAnyNode, true);
        assert.equal(s.default.survivesAnySite, false);
        assert.equal(s.default.dataSafeOnAnyRegionLoss, false);
    });
});

describe("stacks/index.ts (the Pulumi entry point) for local", () => {
    it("exports every deployment output and creates the same resources", async () => {
        const file = readStackFile("local");
        const entry = require.resolve("../../stacks/index");
        delete require.cache[entry]; // the module runs the program when loaded
        // The entry point requires a license for a multi-node topology (tested below).
        const config = { ...mockConfig(file), [`${PROJECT}:license`]: "LICENSE-CONTENT-3" };
        const run = await runUnderMocks({ stack: file.stack, config, secretKeys: [`${PROJECT}:license`] }, () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module with top-level side effects must load under mocks
            return require(entry) as Record<keyof DeploymentOutputs, unknown>;
        });
        delete require.cache[entry];
        assert.deepEqual(Object.keys(run.result).sort(), [...OUTPUT_KEYS].sort());
        assert.equal(await pulumi.isSecret(run.result.adminToken as pulumi.Output<string>), true);
        assert.deepEqual(countByType(run.records), { ...EXPECTED_COUNTS, "kubernetes:core/v1:Secret": 2 });
    });
});

describe("stack program with an invalid config", () => {
    it("throws listing every error before registering any resource", async () => {
        const file = readStackFile("local");
        const config = {
            ...mockConfig(file),
            [`${PROJECT}:nodes`]: JSON.stringify([
                { name: "axonserver-1", site: "kind" },
                { name: "axonserver-2", site: "nowhere" },
                { name: "Axonserver_3", site: "kind" },
            ]),
            [`${PROJECT}:replicationgroups`]: "[]",
        };
        const run = await runUnderMocks({ stack: "local", config, secretKeys: [] }, () => {
            try {
                program();
                return undefined;
            } catch (e) {
                return e as Error;
            }
        });
        assert.ok(run.result instanceof Error, "program() must throw");
        const lines = run.result.message.split("\n");
        assert.match(lines[0], /invalid stack configuration/);
        assert.ok(lines.some((l) => l.startsWith("nodes[1].site: ")), run.result.message);
        assert.ok(lines.some((l) => l.startsWith("nodes[2].name: ")), run.result.message);
        assert.ok(lines.some((l) => l.startsWith('replicationgroups: unknown key "replicationgroups"')), run.result.message);
        assert.equal(run.records.length, 0);
    });
});

describe("license rule on pulumi up (stacks/index.ts, the real entry point)", () => {
    // docs.axoniq.io/axon-server-reference/v2024.2/axon-server/administration/clustering: "not supported in
    // the Developer plan"; EE 4.4.2 LocalRaftConfigService.join:
    // "License does not allow clustering". Three nodes without a license would never form a cluster.
    const runEntry = (config: Record<string, string>, secretKeys: string[] = []) =>
        runUnderMocks({ stack: "local", config, secretKeys }, () => {
            delete require.cache[require.resolve("../../stacks/index")];
            try {
                // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module with top-level side effects must load under mocks
                require("../../stacks/index");
                return undefined;
            } catch (e) {
                return e as Error;
            }
        });

    it("fails before creating anything when a multi-node topology has no license", async () => {
        const run = await runEntry(mockConfig(readStackFile("local")));
        assert.ok(run.result instanceof Error, "pulumi up must fail");
        assert.match(run.result.message, /license: a cluster of 3 nodes needs an Axon Server license that allows at least 3 nodes/);
        assert.equal(run.records.length, 0);
    });

    it("deploys with a license", async () => {
        const config = { ...mockConfig(readStackFile("local")), [`${PROJECT}:license`]: "LICENSE-CONTENT-2" };
        const run = await runEntry(config, [`${PROJECT}:license`]);
        assert.equal(run.result, undefined, run.result?.message);
        assert.ok(run.records.length > 0);
    });
});

describe("stacks/config.ts", () => {
    it("knows exactly the loader's top-level keys", () => {
        assert.deepEqual([...KNOWN_CONFIG_KEYS].sort(), [...TOP_LEVEL_KEYS].sort());
    });

    it("reads objects, secrets as Pulumi secrets, and reports unknown keys", async () => {
        const config = {
            [`${PROJECT}:environment`]: "qa",
            [`${PROJECT}:sites`]: '[{"name":"a"}]',
            [`${PROJECT}:nodes`]: "not json",
            [`${PROJECT}:license`]: "LICENSE-TEXT",
            [`${PROJECT}:nodedefaults`]: "{}",
            "aws:region": "eu-west-1",
        };
        const run = await runUnderMocks({ stack: "qa", config, secretKeys: [`${PROJECT}:license`] }, () => readStackInput());
        const input = run.result;
        assert.deepEqual(input.config.values, { environment: "qa", sites: '[{"name":"a"}]', nodes: "not json", nodedefaults: "{}" });
        assert.deepEqual(input.config.secretKeys, ["license"]);
        assert.deepEqual(input.config.otherKeys, ["aws:region"]);
        assert.equal(input.licensed, true);
        assert.deepEqual(Object.keys(input.secrets), ["license"]);
        assert.equal(await pulumi.isSecret(input.secrets.license!), true);
        assert.equal(await outputValue(input.secrets.license!), "LICENSE-TEXT");
    });
});

describe("stack local with secret config (license, adminToken)", () => {
    it("uses the configured token, keeps it secret, and stores the license in a Secret", async () => {
        const file = readStackFile("local");
        const config = { ...mockConfig(file), [`${PROJECT}:license`]: "LICENSE-CONTENT-1", [`${PROJECT}:adminToken`]: "configured-admin-token-1" };
        const run = await runUnderMocks({ stack: "local", config, secretKeys: [`${PROJECT}:license`, `${PROJECT}:adminToken`] }, () => program());
        assert.equal(await pulumi.isSecret(run.result.adminToken), true);
        assert.equal(await outputValue(run.result.adminToken), "configured-admin-token-1");
        const counts = countByType(run.records);
        assert.equal(counts["random:index/randomPassword:RandomPassword"], 1, "only the internal token is generated");
        assert.equal(counts["kubernetes:core/v1:Secret"], 2, "token and license Secrets");
        const plain = JSON.stringify(run.records.map((r) => redactSecrets(r.inputs)));
        assert.ok(!plain.includes("LICENSE-CONTENT-1") && !plain.includes("configured-admin-token-1"), "a secret leaks into a plain input");
    });
});

/** One site (kind) on an existing cluster, three nodes, no TLS, no license. */
const EXPECTED_COUNTS: Record<string, number> = {
    "axonserver:index:AxonServerCluster": 1,
    "axonserver:index:AxonServerNode": 3,
    // Per node: the StatefulSet, its config, and its headless, gRPC and HTTP Services.
    "kubernetes:apps/v1:StatefulSet": 3,
    "kubernetes:core/v1:ConfigMap": 3 + 1 + 1, // + the `axonserver-client` ConfigMap for applications + the gate script
    // The rolling gates between axonserver-1 → 2 → 3, and the roller.
    "kubernetes:batch/v1:Job": 2 + 1,
    "kubernetes:core/v1:Service": 3 * 3,
    // Per site: namespace, service account, token Secret (no license Secret: unlicensed), PDB, policy.
    "kubernetes:core/v1:Namespace": 1,
    "kubernetes:core/v1:ServiceAccount": 1 + 1, // + the one roller's, with its Role and RoleBinding
    "kubernetes:rbac.authorization.k8s.io/v1:Role": 1,
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 1,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 1, // per roller: list the workers (a Ready one must take the new pod)
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 1,
    "kubernetes:core/v1:Secret": 1,
    "kubernetes:policy/v1:PodDisruptionBudget": 1,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 1,
    "pulumi:providers:kubernetes": 1,
    // Generated admin and internal tokens (no secure values in the stack file).
    "random:index/randomPassword:RandomPassword": 2,
};
