/**
 * The whole program: read the stack config, load and validate it (components/backup/stackLoader.ts
 * over components/topology/load.ts, the one loader every door uses), create the deployment.
 * `index.ts` runs it under the Pulumi engine; `tools/render.ts` and the stack tests run it under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStack } from "../components/backup/stackLoader";
import { unreachableRunnerIssues } from "../components/topology/clusterAccess";
import { licenseIssues } from "../components/topology/license";
import { formatConfigErrors, formatIssue } from "../components/topology/load";
import { LoadResult } from "../components/topology/model";
import { readStackInput, StackInput } from "./config";
import { createDeployment, Deployment } from "./deployment";

/** The loader's result for the stack input (the same call `npm run topology` makes on the stack file). */
export function loadStackTopology(input: StackInput): LoadResult {
    return loadStack(input.config);
}

/** What only the real entry point (`index.ts`) refuses; offline renders and tests warn instead. */
export interface ProgramOptions {
    /** Refuse a multi-node topology without a license (components/topology/license.ts). @default false */
    readonly requireLicense?: boolean;
    /**
     * Refuse an EKS stack whose every `clusterAccess.runnerCidrs` entry is a documentation address (the
     * example stacks' placeholder): its public API endpoints would admit no machine
     * (components/topology/clusterAccess.ts `unreachableRunnerIssues`). @default false
     */
    readonly requireReachableRunner?: boolean;
}

/**
 * Runs the program. An invalid config stops it before any resource is created with a
 * `pulumi.RunError` (Pulumi prints its message without a stack trace) whose message is exactly what
 * `npm run topology -- --stack <stack>` prints: every error with its config path. Warnings go to the
 * Pulumi log and to the `warnings` output.
 */
export function program(cfg?: pulumi.Config, options: ProgramOptions = {}): Deployment {
    const input = readStackInput(cfg);
    const loaded = loadStackTopology(input);
    if (loaded.errors.length > 0 || !loaded.topology) {
        throw new pulumi.RunError(formatConfigErrors(loaded.errors));
    }
    // Only the real entry point (`index.ts`) requires them: offline renders and tests of the stack files
    // have no license and keep the placeholder runner address, and their report warns instead.
    const refusals = [
        ...(options.requireLicense ? licenseIssues(loaded.topology, input.licensed) : []),
        ...(options.requireReachableRunner ? unreachableRunnerIssues(loaded.topology) : []),
    ];
    if (refusals.length > 0) throw new pulumi.RunError(formatConfigErrors(refusals));
    for (const w of loaded.warnings) pulumi.log.warn(formatIssue(w));
    return createDeployment(loaded.topology, input.secrets, loaded.warnings, loaded.topology.backup);
}
