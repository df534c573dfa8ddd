/**
 * `npm run restore-plan -- --stack <name> [--target-stack <name>] [--bucket-url <s3://…|gs://…>] [--out <recovery.json>]`
 *
 * Prints the ordered restore procedure of the stack's backups (components/backup/restorePlan.ts): stop
 * order, which bucket objects go to which node path, recovery.json when host names differ between the
 * source and the target stack, start order. `--out` writes recovery.json to a file instead of printing
 * it inside the plan. No Pulumi CLI, credentials or network: the bucket URL is a stack output
 * (`BackupBucket.url`), so it is a placeholder unless given.
 * Exit codes: 0 ok, 1 configuration errors or a target that cannot take the backup, 2 usage errors.
 */
import * as fs from "node:fs";
import { parseBackupSettings, BACKUP_DEFAULTS } from "../components/backup/settings";
import { renderRecoveryJson, renderRestorePlan, restorePlan, RestorePlanError } from "../components/backup/restorePlan";
import { formatIssue, loadTopologyOrThrow, TopologyError } from "../components/topology/load";
import { Topology } from "../components/topology/model";
import { readStackFile, REPO_ROOT, stackConfigFromFile } from "../components/topology/stackFile";

const USAGE = "usage: npm run restore-plan -- --stack <name> [--target-stack <name>] [--bucket-url <url>] [--out <recovery.json>]";

export interface RestorePlanArgs {
    stack: string;
    targetStack?: string;
    bucketUrl?: string;
    out?: string;
}

export function parseArgs(argv: string[]): RestorePlanArgs | { error: string } | { help: true } {
    const values: Record<string, string | undefined> = {};
    const flags: Record<string, keyof RestorePlanArgs> = { "--stack": "stack", "--target-stack": "targetStack", "--bucket-url": "bucketUrl", "--out": "out" };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") return { help: true };
        const eq = a.indexOf("=");
        const flag = eq > 0 ? a.slice(0, eq) : a;
        const key = flags[flag];
        if (!key) return { error: `unknown argument ${a}` };
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (!v || v.startsWith("-")) return { error: `${flag} needs a value` };
        values[key] = v;
    }
    if (!values.stack) return { error: "--stack is required" };
    return { stack: values.stack, targetStack: values.targetStack, bucketUrl: values.bucketUrl, out: values.out };
}

function load(stack: string, dir: string): { topology: Topology; backup: unknown } {
    const file = readStackFile(stack, dir);
    const { raw, options } = stackConfigFromFile(file);
    return { topology: loadTopologyOrThrow(raw, options).topology, backup: raw.backup };
}

/** Runs the command on the stack files in `dir`; returns the exit code. */
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
    let source: ReturnType<typeof load>;
    let target: ReturnType<typeof load> | undefined;
    try {
        source = load(args.stack, dir);
        if (args.targetStack) target = load(args.targetStack, dir);
    } catch (e) {
        if (e instanceof TopologyError) {
            err(`${e.message}\n`);
            return 1;
        }
        err(`${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    const parsed = parseBackupSettings(source.backup, source.topology);
    if (parsed.errors.length > 0) {
        err(`invalid backup configuration of stack ${args.stack}:\n${parsed.errors.map(formatIssue).join("\n")}\n`);
        return 1;
    }
    if (!parsed.settings) err(`note: stack ${args.stack} has no backup configuration; the plan assumes the defaults\n`);
    const settings = parsed.settings ?? BACKUP_DEFAULTS;
    try {
        const plan = restorePlan({ source: source.topology, target: target?.topology, settings, bucketUrl: args.bucketUrl ?? "<bucket-url>" });
        const targetTopology = target?.topology ?? source.topology;
        if (args.out && plan.recovery) {
            fs.writeFileSync(args.out, renderRecoveryJson(plan.recovery));
            out(renderRestorePlan(plan, targetTopology, { recoveryWrittenTo: args.out }));
        } else {
            out(renderRestorePlan(plan, targetTopology));
        }
        return 0;
    } catch (e) {
        if (e instanceof RestorePlanError) {
            err(`${e.message}\n`);
            return 1;
        }
        throw e;
    }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
