/**
 * `npm run restore-plan -- --stack <name> [--target-stack <name>] [--bucket-url <s3://…|gs://…>] [--out <recovery.json>] [--out-dir <dir>]`
 *
 * Prints the ordered restore procedure of the stack's backups (components/backup/restorePlan.ts), each
 * step with its expected duration: hold the agents, stop, restore every node from its own newest complete
 * run, start, verify. `--out-dir` writes what performs it: per Kubernetes node the Job manifest
 * `<node>-restore.yaml`, per VM node `<node>-restore.sh`, and `recovery.json` when host names differ
 * between the source and the target stack. `--out` writes only recovery.json. No Pulumi CLI, credentials
 * or network: the bucket URL is a stack output (`BackupBucket.url`), so it is a placeholder unless given.
 * Exit codes: 0 ok, 1 configuration errors or a target that cannot take the backup, 2 usage errors.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { BACKUP_DEFAULTS } from "../components/backup/settings";
import { RECOVERY_FILE_NAME, renderRecoveryJson, renderRestorePlan, restoreJobName, restorePlan, RestorePlan, RestorePlanError } from "../components/backup/restorePlan";
import { restoreJobManifest } from "../components/kubernetes/restoreJob";
import { formatConfigErrors } from "../components/topology/load";
import { Topology } from "../components/topology/model";
import { loadStackFile } from "./topology";
import { REPO_ROOT } from "./config/stackFile";

const USAGE = "usage: npm run restore-plan -- --stack <name> [--target-stack <name>] [--bucket-url <url>] [--out <recovery.json>] [--out-dir <dir>]";

export interface RestorePlanArgs {
    stack: string;
    targetStack?: string;
    bucketUrl?: string;
    out?: string;
    outDir?: string;
}

export function parseArgs(argv: string[]): RestorePlanArgs | { error: string } | { help: true } {
    const values: Record<string, string | undefined> = {};
    const flags: Record<string, keyof RestorePlanArgs> = { "--stack": "stack", "--target-stack": "targetStack", "--bucket-url": "bucketUrl", "--out": "out", "--out-dir": "outDir" };
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
    return { stack: values.stack, targetStack: values.targetStack, bucketUrl: values.bucketUrl, out: values.out, outDir: values.outDir };
}

class ConfigError extends Error {}

/** The stack's topology from the one loader (the `backup` key included); its error text is `topology`'s. */
function load(stack: string, dir: string): Topology {
    if (!fs.existsSync(path.join(dir, `Pulumi.${stack}.yaml`))) throw new Error(`unknown stack "${stack}": no Pulumi.${stack}.yaml in ${dir}`);
    const result = loadStackFile(stack, dir);
    if (result.errors.length > 0 || !result.topology) throw new ConfigError(formatConfigErrors(result.errors));
    return result.topology;
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
    let source: Topology;
    let target: Topology | undefined;
    try {
        source = load(args.stack, dir);
        if (args.targetStack) target = load(args.targetStack, dir);
    } catch (e) {
        if (e instanceof ConfigError) {
            err(e.message);
            return 1;
        }
        err(`${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (!source.backup) err(`note: stack ${args.stack} has no backup configuration; the plan assumes the defaults\n`);
    const firstCloud = source.sites[0]?.cloud;
    const settings = source.backup ?? { ...BACKUP_DEFAULTS, cloud: firstCloud === "gcp" ? "gcp" : "aws", drRegion: "<dr-region>" };
    try {
        const plan = restorePlan({ source, target, settings, bucketUrl: args.bucketUrl ?? "<bucket-url>", kubernetesJob: restoreJobManifest });
        if (args.out && plan.recovery) fs.writeFileSync(args.out, renderRecoveryJson(plan.recovery));
        if (args.outDir) writeRestoreFiles(plan, args.outDir);
        out(renderRestorePlan(plan, args.outDir ? { filesWrittenTo: args.outDir } : {}));
        return 0;
    } catch (e) {
        if (e instanceof RestorePlanError) {
            err(`${e.message}\n`);
            return 1;
        }
        throw e;
    }
}

/** Writes the restore Jobs, VM scripts and recovery.json of a plan into `dir`. */
export function writeRestoreFiles(plan: RestorePlan, dir: string): string[] {
    fs.mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    const write = (name: string, text: string, mode = 0o644) => {
        fs.writeFileSync(path.join(dir, name), text, { mode });
        written.push(name);
    };
    for (const nr of plan.nodes) {
        if (nr.job) write(`${restoreJobName(nr.node)}.yaml`, YAML.stringify(nr.job));
        if (nr.commands) write(`${restoreJobName(nr.node)}.sh`, ["#!/usr/bin/env bash", `# Restore of ${nr.node} (run as root on the VM, axonserver stopped).`, "set -euo pipefail", ...nr.commands, ""].join("\n"), 0o755);
    }
    if (plan.recovery) write(RECOVERY_FILE_NAME, renderRecoveryJson(plan.recovery));
    return written;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
