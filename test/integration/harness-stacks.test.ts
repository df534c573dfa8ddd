/**
 * `runStack` (tools/harness/stacks.ts): one run per stack file and overrides in a test process.
 */
import assert from "node:assert/strict";
import { readStackFile } from "../../tools/config/stackFile";
import { runStack, runStackFile } from "../../tools/harness/stacks";

describe("tools/harness/stacks runStack", () => {
    it("memoises by content: the same stack and overrides give the same run", async () => {
        const first = runStack("local");
        assert.equal(runStack("local"), first);
        // Overrides that change nothing, and the same file read again, are the same run.
        assert.equal(runStack("local", { config: {} }), first);
        assert.equal(runStackFile(readStackFile("local")), first);
        const run = await first;
        assert.equal(run.file.stack, "local");
        assert.ok(run.records.length > 0);
        assert.equal(run.topology.environment, "local");
    });

    it("captures the program's warnings instead of printing them", async () => {
        const run = await runStack("local");
        assert.ok(run.warnings.length > 0, "Pulumi.local.yaml has single-region groups: the loader warns");
        assert.deepEqual(
            run.warnings,
            run.result.warnings.map((w) => `${w.path}: ${w.message}`),
        );
    });
});
