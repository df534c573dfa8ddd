/**
 * The whole program: read the stack config, load and validate it (components/backup/stackLoader.ts
 * over components/topology/load.ts, the one loader every door uses), create the deployment.
 * `index.ts` runs it under the Pulumi engine; `tools/render.ts` and the stack tests run it under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStack } from "../components/backup/stackLoader";
import { licenseIssues } from "../components/topology/license";
import { formatConfigErrors, formatIssue } from "../components/topology/load";
import { LoadResult } from "../components/topology/model";
import { readStackInput, StackInput } from "./config";
import { createDeployment, Deployment } from "./deployment";

/** The loader's result for the stack input (the same call `npm run topology` makes on the stack file). */
export function loadStackTopology(input: StackInput): LoadResult {
    return loadStack(input.config);
}

/**
 * Runs the program. An invalid config stops it before any resource is created with a
 * `pulumi.RunError` (Pulumi prints its message without a stack trace) whose message is exactly what
 * `npm run topology -- --stack <stack>` prints: every error with its config path. Warnings go to the
 * Pulumi log and to the `warnings` output.
 */
export function program(cfg?: pulumi.Config, options: { readonly requireLicense?: boolean } = {}): Deployment {
    const input = readStackInput(cfg);
    const loaded = loadStackTopology(input);
    if (loaded.errors.length > 0 || !loaded.topology) {
        throw new pulumi.RunError(formatConfigErrors(loaded.errors));
    }
    // Only the real entry point (`index.ts`) requires it: offline renders and tests of multi-node stack
    // files have no license, and their report warns instead.
    const licensing = options.requireLicense ? licenseIssues(loaded.topology, input.licensed) : [];
    if (licensing.length > 0) throw new pulumi.RunError(formatConfigErrors(licensing));
    for (const w of loaded.warnings) pulumi.log.warn(formatIssue(w));
    return createDeployment(loaded.topology, input.secrets, loaded.warnings, loaded.topology.backup);
}
