/**
 * The whole program: read the stack config, load and validate the topology, create the deployment.
 * `index.ts` runs it under the Pulumi engine; `tools/render.ts` and the stack tests run it under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { BackupSettings, parseBackupSettings } from "../components/backup/settings";
import { licenseIssues } from "../components/topology/license";
import { formatIssue, loadTopology, TopologyError } from "../components/topology/load";
import { LoadResult } from "../components/topology/model";
import { planBackups } from "../components/backup/plan";
import { backupWiringIssues } from "./backup";
import { KNOWN_CONFIG_KEYS, StackInput, readStackInput } from "./config";
import { createDeployment, Deployment } from "./deployment";

/** The loader's result plus the parsed `backup` key (absent: no backups). */
export type StackLoadResult = LoadResult & { backup?: BackupSettings };

/**
 * The loader's result for the stack input, with unknown config keys added as errors, then (on a valid
 * topology) the `backup` key parsed against it: its errors are load errors too.
 */
export function loadStackTopology(input: StackInput): StackLoadResult {
    const loaded = loadTopology(input.raw, { licensed: input.licensed });
    if (input.unknownKeys.length > 0) {
        const unknown = input.unknownKeys.map((k) => ({ path: k, message: `unknown key "${k}"; allowed keys: ${KNOWN_CONFIG_KEYS.join(", ")}` }));
        return { errors: [...unknown, ...loaded.errors], warnings: [] };
    }
    if (!loaded.topology || loaded.errors.length > 0) return loaded;
    const backup = parseBackupSettings(input.raw.backup, loaded.topology);
    const errors = [...backup.errors, ...(backup.settings ? backupWiringIssues(loaded.topology, backup.settings) : [])];
    if (errors.length > 0) return { errors, warnings: [] };
    if (!backup.settings) return loaded;
    const planWarnings = planBackups(loaded.topology, backup.settings).warnings.map((message) => ({ path: "backup", message }));
    return { ...loaded, warnings: [...loaded.warnings, ...planWarnings], backup: backup.settings };
}

/**
 * Runs the program. Throws a `TopologyError` before any resource is created when the config is
 * invalid; its message lists every error, one `path: message` per line. Warnings go to the Pulumi log
 * and to the `warnings` output.
 */
export function program(cfg?: pulumi.Config, options: { readonly requireLicense?: boolean } = {}): Deployment {
    const input = readStackInput(cfg);
    const loaded = loadStackTopology(input);
    if (loaded.errors.length > 0) throw new TopologyError(loaded.errors);
    if (!loaded.topology) throw new Error("the topology loader returned neither a topology nor errors");
    // Only the real entry point (`index.ts`) requires it: offline renders and tests of multi-node stack
    // files have no license, and their report warns instead.
    const licensing = options.requireLicense ? licenseIssues(loaded.topology, input.licensed) : [];
    if (licensing.length > 0) throw new TopologyError(licensing);
    for (const w of loaded.warnings) pulumi.log.warn(formatIssue(w));
    return createDeployment(loaded.topology, input.secrets, loaded.warnings, loaded.backup);
}
