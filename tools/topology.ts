/**
 * `npm run topology -- --stack <name> [--json]`
 *
 * Reads `Pulumi.<name>.yaml` from the repository root, validates it and prints the topology report
 * (text, or the JSON documented in docs/topology-report.md). No Pulumi CLI, credentials or network.
 * Exit codes: 0 valid, 1 configuration errors, 2 usage errors (bad arguments, unknown stack).
 */
import * as fs from "node:fs";
import { loadTopology } from "../components/topology/load";
import { buildReport, renderReportText } from "../components/topology/report";
import { readStackFile, REPO_ROOT, stackConfigFromFile } from "../components/topology/stackFile";

const USAGE = "usage: npm run topology -- --stack <name> [--json]";

export interface TopologyArgs {
    stack: string;
    json: boolean;
}

/** Parses the command line; returns an error message for usage errors. */
export function parseArgs(argv: string[]): TopologyArgs | { error: string } | { help: true } {
    let stack: string | undefined;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--json") json = true;
        else if (a === "--help" || a === "-h") return { help: true };
        else if (a === "--stack" || a === "-s") {
            stack = argv[++i];
            if (!stack || stack.startsWith("-")) return { error: `${a} needs a stack name` };
        } else if (a.startsWith("--stack=")) stack = a.slice("--stack=".length);
        else return { error: `unknown argument ${a}` };
    }
    if (!stack) return { error: "--stack is required" };
    return { stack, json };
}

/** Stack names of the `Pulumi.<name>.yaml` files in `dir`, sorted. */
export function availableStacks(dir: string = REPO_ROOT): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
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
    const stacks = availableStacks(dir);
    if (!stacks.includes(args.stack)) {
        err(`unknown stack "${args.stack}": no Pulumi.${args.stack}.yaml in ${dir}\navailable stacks: ${stacks.join(", ") || "(none)"}\n`);
        return 2;
    }
    let report;
    try {
        const { raw, options } = stackConfigFromFile(readStackFile(args.stack, dir));
        report = buildReport(loadTopology(raw, options), args.stack);
    } catch (e) {
        // An unreadable file (YAML syntax error) is a configuration error, reported like the others.
        report = buildReport({ errors: [{ path: `Pulumi.${args.stack}.yaml`, message: (e as Error).message }], warnings: [] }, args.stack);
    }
    out(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderReportText(report));
    return report.valid ? 0 : 1;
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
