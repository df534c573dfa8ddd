/**
 * The runner address on `pulumi up` (stacks/index.ts, the real entry point, under mocks). The example
 * stacks carry 203.0.113.10/32 in `clusterAccess.runnerCidrs`, a documentation address (RFC 5737,
 * https://www.rfc-editor.org/rfc/rfc5737#section-3) that is never routed. The EKS public endpoints admit
 * `publicAccessCidrs` only (EKS user guide, "Cluster API server endpoint"), so with the placeholder
 * `pulumi up` would create the clusters and then wait for APIs it cannot reach: the entry point refuses
 * before creating anything, while `npm run topology` and `npm run render` only warn.
 */
import assert from "node:assert/strict";
import { readStackFile } from "../../tools/config/stackFile";
import { ofType, runUnderMocks } from "../../tools/harness/mocks";
import { mockConfig, runStack, withConfig } from "../../tools/harness/stacks";
import { RUNNER_CIDR, RUNNER_OVERRIDE } from "../fixtures/topologies";

const PROJECT = "axonserver-multiregion";
// The entry point also requires a license for these multi-node stacks (tested in stack-local.test.ts).
const LICENSE = { [`${PROJECT}:license`]: "LICENSE-CONTENT-RUNNER" };

/** Loads stacks/index.ts under mocks with `config`: its error if the program refused, and what it logged with `pulumi.log.warn`. */
async function runEntry(stack: string, config: Record<string, string>) {
    const warnings: string[] = [];
    const original = console.warn;
    // Under mocks `pulumi.log.warn` writes to console.warn (as in tools/harness/stacks.ts).
    console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
    try {
        const run = await runUnderMocks({ stack, config, secretKeys: Object.keys(LICENSE) }, () => {
            const entry = require.resolve("../../stacks/index");
            delete require.cache[entry]; // the module runs the program when loaded
            try {
                // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module with top-level side effects must load under mocks
                require(entry);
                return undefined;
            } catch (e) {
                return e as Error;
            } finally {
                delete require.cache[entry];
            }
        });
        return { ...run, warnings };
    } finally {
        console.warn = original;
    }
}

describe("runner address on pulumi up (stacks/index.ts)", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: the example file as it is (runnerCidrs [203.0.113.10/32]) is refused before any resource, with the path and what to set`, async () => {
            const run = await runEntry(stack, { ...mockConfig(readStackFile(stack)), ...LICENSE });
            assert.ok(run.result instanceof Error, "pulumi up must refuse the placeholder");
            const m = run.result.message;
            assert.match(m, /invalid stack configuration/);
            assert.match(m, /clusterAccess\.runnerCidrs\[0\]: "203\.0\.113\.10\/32" lies in 203\.0\.113\.0\/24, a range reserved for documentation \(RFC 5737\)/);
            assert.match(m, /curl -s https:\/\/checkip\.amazonaws\.com/);
            assert.equal(run.records.length, 0);
        });
    }

    it("dev with a routed runner address deploys, and every EKS endpoint admits exactly that address", async () => {
        const file = withConfig(readStackFile("dev"), RUNNER_OVERRIDE.config);
        const run = await runEntry("dev", { ...mockConfig(file), ...LICENSE });
        assert.equal(run.result, undefined, run.result?.message);
        assert.ok(!run.warnings.some((w) => w.includes("clusterAccess.runnerCidrs")), run.warnings.join("\n"));
        const clusters = ofType(run.records, "aws:eks/cluster:Cluster");
        assert.equal(clusters.length, 2);
        for (const c of clusters) {
            const vpc = c.inputs.vpcConfig as { endpointPublicAccess?: boolean; publicAccessCidrs?: string[] };
            assert.deepEqual([vpc.endpointPublicAccess, vpc.publicAccessCidrs], [true, [RUNNER_CIDR]], c.name);
        }
    });

    it("the offline path (the program without the entry point's refusals, as `npm run render` runs it) only warns", async () => {
        const asIs = await runStack("dev");
        assert.ok(asIs.records.length > 0);
        assert.ok(asIs.warnings.some((w) => w.startsWith('clusterAccess.runnerCidrs[0]: "203.0.113.10/32" lies in 203.0.113.0/24')), asIs.warnings.join("\n"));
        const edited = await runStack("dev", RUNNER_OVERRIDE);
        assert.ok(!edited.warnings.some((w) => w.startsWith("clusterAccess.runnerCidrs")), edited.warnings.join("\n"));
    });
});
