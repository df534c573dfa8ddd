/**
 * Whole-program runs for the integration tests: `runStack("dev")` runs `stacks/program.ts` under mocks
 * with the config of `Pulumi.dev.yaml` (plus overrides) and returns every registration, the deployment
 * and the validated topology.
 *
 * Runs are memoised per test process: every file that asks for the same stack and overrides gets the
 * same run, so each stack is evaluated once however many files assert on it. Callers must treat the
 * returned records as read-only.
 */
import type { Topology } from "../../components/topology/model";
import { PROJECT_NAMESPACE as PROJECT, readStackFile, type StackFile } from "../config/stackFile";
import { readStackInput } from "../../stacks/config";
import type { Deployment } from "../../stacks/deployment";
import { loadStackTopology, program } from "../../stacks/program";
import { MockRun, runUnderMocks } from "./mocks";
import { mockConfig, mockSecretKeys, withConfig } from "./stackConfig";

export { mockConfig, mockSecretKeys, withConfig };

/** What a stack run returns besides the records and the deployment. */
export interface StackRun extends MockRun<Deployment> {
    /** The stack file as run (overrides applied). */
    readonly file: StackFile;
    /** The validated topology the program deployed. */
    readonly topology: Topology;
    /** Messages the program logged with `pulumi.log.warn`, in order, without the `warning: [runtime] ` prefix. */
    readonly warnings: readonly string[];
}

/** Changes to a stack file for one run. */
export interface StackOverrides {
    /** Stack name to run under (default: the file's). */
    readonly stack?: string;
    /** Project keys by short name (`sites`, `backup`) replacing the file's values. */
    readonly config?: Readonly<Record<string, unknown>>;
    /** Secret project keys by short name (`license`, `adminToken`) and their plain values. */
    readonly secrets?: Readonly<Record<string, string>>;
}

const runs = new Map<string, Promise<StackRun>>();

/** Runs `Pulumi.<name>.yaml` (repository root) with `overrides`; memoised per process. */
export function runStack(name: string, overrides: StackOverrides = {}): Promise<StackRun> {
    const file = overrides.config || overrides.stack ? withConfig(readStackFile(name), overrides.config ?? {}, overrides.stack) : readStackFile(name);
    return runStackFile(file, overrides.secrets);
}

/** Runs a stack file (read from disk or written by the test); memoised per process by content. */
export function runStackFile(file: StackFile, secrets: Readonly<Record<string, string>> = {}): Promise<StackRun> {
    const key = JSON.stringify([file, secrets]);
    let run = runs.get(key);
    if (!run) {
        run = runOnce(file, secrets);
        runs.set(key, run);
    }
    return run;
}

const WARNING = "warning: [runtime] ";

async function runOnce(file: StackFile, secrets: Readonly<Record<string, string>>): Promise<StackRun> {
    const secretConfig = Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`${PROJECT}:${k}`, v]));
    const warnings: string[] = [];
    const original = console.warn;
    // Under mocks `pulumi.log.warn` writes to console.warn; runs are serialised, so nothing else logs meanwhile.
    console.warn = (...args: unknown[]) => {
        const line = args.map(String).join(" ");
        if (line.startsWith(WARNING)) warnings.push(line.slice(WARNING.length));
        else original(...args);
    };
    try {
        const run = await runUnderMocks({ stack: file.stack, config: { ...mockConfig(file), ...secretConfig }, secretKeys: [...mockSecretKeys(file), ...Object.keys(secretConfig)] }, () => {
            const deployment = program();
            // The same loader call as the program's: the topology it deployed.
            const topology = loadStackTopology(readStackInput()).topology;
            if (!topology) throw new Error(`stack ${file.stack}: the program ran but the topology is invalid`);
            return { deployment, topology };
        });
        return { records: run.records, result: run.result.deployment, topology: run.result.topology, file, warnings };
    } finally {
        console.warn = original;
    }
}
