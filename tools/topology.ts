/**
 * `npm run topology -- --stack <name> [--json] [--dir <dir>]`
 *
 * Reads `Pulumi.<name>.yaml` from `--dir` (default: the repository root), validates it with the loader
 * `pulumi up` uses, and prints the topology report (text, or the JSON documented in
 * docs/topology-report.md). For an invalid config the text is the error list `pulumi up` shows.
 * No Pulumi CLI, credentials or network.
 * Exit codes: 0 valid, 1 configuration errors, 2 usage errors (bad arguments, unknown stack).
 */
import * as fs from "node:fs";
import { parseArgs as parseCommandLine } from "node:util";
import { loadStack } from "../components/backup/stackLoader";
import { formatConfigErrors } from "../components/topology/load";
import { LoadResult } from "../components/topology/model";
import { buildReport, renderReportText } from "../components/topology/report";
import { readStackFile, REPO_ROOT, StackFileError, stackInput } from "./config/stackFile";

const USAGE = "usage: npm run topology -- --stack <name> [--json] [--dir <stack file dir>]";

export interface TopologyArgs {
    stack: string;
    json: boolean;
    /** Directory of the stack file; default: the repository root (or `main`'s `dir`). */
    dir?: string;
}

/** Parses the command line; returns an error message for usage errors. */
export function parseArgs(argv: string[]): TopologyArgs | { error: string } | { help: true } {
    let values: { stack?: string; json?: boolean; dir?: string; help?: boolean };
    try {
        ({ values } = parseCommandLine({
            args: argv,
            options: {
                stack: { type: "string", short: "s" },
                json: { type: "boolean" },
                dir: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (e) {
        const unknown = /Unknown option '([^']+)'/.exec((e as Error).message);
        return { error: unknown ? `unknown argument ${unknown[1]}` : (e as Error).message };
    }
    if (values.help) return { help: true };
    if (!values.stack || values.stack.startsWith("-")) return { error: "--stack is required" };
    return { stack: values.stack, json: values.json ?? false, ...(values.dir ? { dir: values.dir } : {}) };
}

/** Stack names of the `Pulumi.<name>.yaml` files in `dir`, sorted. */
export function availableStacks(dir: string = REPO_ROOT): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}

/** Loads a stack file with the one loader; a file the Pulumi CLI could not read is a config error too. */
export function loadStackFile(stack: string, dir: string): LoadResult {
    try {
        return loadStack(stackInput(readStackFile(stack, dir)));
    } catch (e) {
        if (e instanceof StackFileError) return { errors: e.issues, warnings: [] };
        return { errors: [{ path: `Pulumi.${stack}.yaml`, message: (e as Error).message }], warnings: [] };
    }
}

/** Runs the command on the stack files in `dir`; returns the exit code. Writers and `dir` are for tests. */
export function main(
    argv: string[],
    out: (s: string) => void = (s) => process.stdout.write(s),
    err: (s: string) => void = (s) => process.stderr.write(s),
    dir: string = REPO_ROOT,
): number {
    const args = parseArgs(argv);
    if ("help" in args) {
        out(`${USAGE}\n`);
        return 0;
    }
    if ("error" in args) {
        err(`${args.error}\n${USAGE}\n`);
        return 2;
    }
    const stackDir = args.dir ?? dir;
    if (!fs.existsSync(stackDir)) {
        err(`no such directory: ${stackDir}\n${USAGE}\n`);
        return 2;
    }
    const stacks = availableStacks(stackDir);
    if (!stacks.includes(args.stack)) {
        err(`unknown stack "${args.stack}": no Pulumi.${args.stack}.yaml in ${stackDir}\navailable stacks: ${stacks.join(", ") || "(none)"}\n`);
        return 2;
    }
    const result = loadStackFile(args.stack, stackDir);
    const report = buildReport(result, args.stack);
    if (args.json) out(`${JSON.stringify(report, null, 2)}\n`);
    // An invalid config prints exactly what `pulumi up` shows.
    else out(report.valid ? renderReportText(report) : formatConfigErrors(report.errors));
    return report.valid ? 0 : 1;
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
