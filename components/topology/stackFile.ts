/**
 * Reads a `Pulumi.<stack>.yaml` without the Pulumi CLI: for the offline tools (topology report,
 * render) and the tests. No Pulumi import.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { LoadOptions } from "./load";

/** The project name, i.e. the config namespace of this program's keys. */
export const PROJECT_NAMESPACE = "axonserver-multiregion";

/** Repository root (this file is `components/topology/stackFile.ts`). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface StackFile {
    stack: string;
    /** This program's keys with the `axonserver-multiregion:` prefix stripped; secrets left out. */
    config: Record<string, unknown>;
    /** Keys (prefix stripped) whose value is a `{secure: ...}` ciphertext. */
    secretKeys: string[];
    /** Keys of other namespaces (`aws:region`, `gcp:project`), unchanged. */
    providerConfig: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value Pulumi stores encrypted: `{secure: <ciphertext>}`. */
function isSecure(v: unknown): boolean {
    return isRecord(v) && Object.keys(v).length === 1 && "secure" in v;
}

/** Reads and splits `Pulumi.<stack>.yaml` from `dir` (default: the repository root). */
export function readStackFile(stack: string, dir: string = REPO_ROOT): StackFile {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new Error(`cannot read stack file ${file}: ${(e as Error).message}`, { cause: e });
    }
    let doc: unknown;
    try {
        doc = parse(text);
    } catch (e) {
        throw new Error(`stack file ${file} is not valid YAML: ${(e as Error).message}`, { cause: e });
    }
    if (doc !== null && doc !== undefined && !isRecord(doc)) throw new Error(`stack file ${file} must be a YAML map`);
    const rawConfig = isRecord(doc) ? doc.config : undefined;
    if (rawConfig !== undefined && rawConfig !== null && !isRecord(rawConfig)) throw new Error(`stack file ${file}: "config" must be a map`);

    const result: StackFile = { stack, config: {}, secretKeys: [], providerConfig: {} };
    for (const [fullKey, value] of Object.entries(rawConfig ?? {})) {
        const colon = fullKey.indexOf(":");
        // A key without a namespace belongs to the project (as `pulumi config set` would store it).
        const namespace = colon < 0 ? PROJECT_NAMESPACE : fullKey.slice(0, colon);
        const key = colon < 0 ? fullKey : fullKey.slice(colon + 1);
        if (namespace !== PROJECT_NAMESPACE) result.providerConfig[fullKey] = value;
        else if (isSecure(value)) result.secretKeys.push(key);
        else result.config[key] = value;
    }
    return result;
}

/** The loader's input from a stack file: the config, and `licensed` when the `license` secret is set. */
export function stackConfigFromFile(file: StackFile): { raw: Record<string, unknown>; options: LoadOptions } {
    return { raw: file.config, options: { licensed: file.secretKeys.includes("license") } };
}
