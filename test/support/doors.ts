/**
 * The three doors a stack config comes through, in process: `npm run topology` (its `main`), the
 * loading part of `npm run render` and `pulumi up` (the program under the mock harness, reading the
 * config the Pulumi CLI would hand over). Used by the config-input tests and the property test.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Deployment } from "../../stacks/deployment";
import { program } from "../../stacks/program";
import { runUnderMocks, type ResourceRecord } from "../../tools/harness/mocks";
import { mockConfig, mockSecretKeys, readStackFile, StackFileError } from "../../tools/config/stackFile";
import { main as topologyMain } from "../../tools/topology";

export interface CliVerdict {
    code: number;
    stdout: string;
    stderr: string;
}

/** `npm run topology -- --stack <stack> --dir <dir>` in process. */
export function topologyDoor(dir: string, stack: string, json = false): CliVerdict {
    let stdout = "";
    let stderr = "";
    const code = topologyMain(["--stack", stack, "--dir", dir, ...(json ? ["--json"] : [])], (s) => (stdout += s), (s) => (stderr += s));
    return { code, stdout, stderr };
}

export interface ProgramVerdict {
    /** What the program threw (undefined: it ran). */
    error?: unknown;
    /** The Pulumi CLI itself would refuse the file (unreadable YAML, recursive alias). */
    cliRefused?: StackFileError;
    deployment?: Deployment;
    records: ResourceRecord[];
}

/**
 * `pulumi up` of `Pulumi.<stack>.yaml` in `dir`: the program under mocks with the config the CLI would
 * pass (secure values as placeholders, marked secret). With `render: false` a valid config stops after
 * loading (the program is not run), which is what render's loading does before it renders.
 */
export async function programDoor(dir: string, stack: string): Promise<ProgramVerdict> {
    let file;
    try {
        file = readStackFile(stack, dir);
    } catch (e) {
        if (e instanceof StackFileError) return { cliRefused: e, records: [] };
        throw e;
    }
    const run = await runUnderMocks({ stack, config: mockConfig(file), secretKeys: mockSecretKeys(file) }, () => {
        try {
            return { deployment: program() };
        } catch (e) {
            return { error: e };
        }
    });
    return { ...run.result, records: run.records };
}

/** Writes `Pulumi.<stack>.yaml` with `text` into `dir`. */
export function writeStack(dir: string, stack: string, text: string): void {
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
}

/** True when `e` is the RunError the program throws for an invalid config. */
export function isRunError(e: unknown): e is Error {
    return pulumi.RunError.isInstance(e);
}
