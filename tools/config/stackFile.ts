/**
 * Reads a `Pulumi.<stack>.yaml` without the Pulumi CLI, for the offline tools (topology report,
 * render, restore plan) and the tests, and turns it into exactly what `pulumi up` hands the program:
 * the loader's `StackConfigInput`. No Pulumi import.
 *
 * Like the Pulumi CLI (`sdk/go/common/resource/config`, which reads the file with YAML merge keys
 * and JSON-encodes every value that is not a string), a top-level value reaches the loader as text:
 * strings as they are, everything else as JSON (an empty value as "null"). Values (or parts of
 * values) stored as `{secure: <ciphertext>}` cannot be decrypted offline: their keys are listed as
 * secret keys and their values left out, as the loader does on the `pulumi up` door.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { decodeConfigValues, PROJECT_NAMESPACE } from "../../components/topology/load";
import type { ConfigIssue, StackConfigInput } from "../../components/topology/model";
import { isRecord } from "../../components/topology/validate";

export { PROJECT_NAMESPACE };

/** Repository root (this file is `tools/config/stackFile.ts`). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface StackFile {
    stack: string;
    /** This program's non-secret keys, decoded as the program reads them (namespace stripped). */
    config: Record<string, unknown>;
    /** Keys (prefix stripped) whose value is, or contains, a `{secure: ...}` ciphertext. */
    secretKeys: string[];
    /** Keys of other namespaces (`aws:region`, `gcp:project`), with their YAML values. */
    providerConfig: Record<string, unknown>;
}

/** A stack file the Pulumi CLI would refuse to read; `issues` name the place. */
export class StackFileError extends Error {
    readonly issues: readonly ConfigIssue[];

    constructor(file: string, issues: readonly ConfigIssue[]) {
        super(issues.map((i) => `${i.path === file ? file : `${file}: ${i.path}`}: ${i.message}`).join("\n"));
        this.name = "StackFileError";
        this.issues = issues;
    }
}

/** A value Pulumi stores encrypted: `{secure: <ciphertext>}`. */
function isSecure(v: unknown): boolean {
    return isRecord(v) && Object.keys(v).length === 1 && typeof v.secure === "string";
}

function containsSecure(v: unknown): boolean {
    if (isSecure(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecure);
    if (isRecord(v)) return Object.values(v).some(containsSecure);
    return false;
}

function childPath(base: string, key: string | number): string {
    if (typeof key === "number") return `${base}[${key}]`;
    return /^[A-Za-z0-9_-]+$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/**
 * Values the Pulumi CLI cannot pass on: an alias that contains itself (the CLI's YAML reader stops
 * with "anchor ... value contains itself"), `.nan` and `.inf` (not representable in JSON).
 */
function valueIssues(value: unknown, at: string, ancestors: Set<object>, out: ConfigIssue[]): void {
    if (typeof value === "number" && !Number.isFinite(value)) {
        out.push({ path: at, message: `${Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf"} is not a number the Pulumi CLI can pass to the program (JSON has no NaN or infinity); write a number or a quoted string` });
        return;
    }
    if (typeof value !== "object" || value === null) return;
    if (ancestors.has(value)) {
        out.push({ path: at, message: "is a YAML alias of a map or list that contains it (a recursive alias); the Pulumi CLI cannot read it: replace the alias with the value it should have" });
        return;
    }
    ancestors.add(value);
    if (Array.isArray(value)) value.forEach((v, i) => valueIssues(v, childPath(at, i), ancestors, out));
    else for (const [k, v] of Object.entries(value)) valueIssues(v, childPath(at, k), ancestors, out);
    ancestors.delete(value);
}

/** Parses a stack file's text into the loader's input. Throws a `StackFileError` for unreadable YAML. */
export function parseStackFile(stack: string, text: string, file = `Pulumi.${stack}.yaml`): StackFile {
    // YAML 1.1 merge keys (`<<: *defaults`) are supported because the Pulumi CLI's YAML reader supports them.
    const doc = parseDocument(text, { merge: true });
    if (doc.errors.length > 0) {
        throw new StackFileError(file, [{ path: file, message: `is not valid YAML: ${doc.errors.map((e) => e.message.split("\n")[0]).join("; ")}` }]);
    }
    let parsed: unknown;
    try {
        parsed = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
        throw new StackFileError(file, [{ path: file, message: `is not valid YAML: ${(e as Error).message}` }]);
    }
    if (parsed !== null && parsed !== undefined && !isRecord(parsed)) throw new StackFileError(file, [{ path: file, message: "must be a YAML map" }]);
    const rawConfig = isRecord(parsed) ? parsed.config : undefined;
    if (rawConfig !== undefined && rawConfig !== null && !isRecord(rawConfig)) throw new StackFileError(file, [{ path: "config", message: "must be a map of config keys" }]);

    const issues: ConfigIssue[] = [];
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const providerConfig: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(rawConfig ?? {})) {
        const colon = fullKey.indexOf(":");
        // A key without a namespace belongs to the project (as `pulumi config set` would store it).
        const namespace = colon < 0 ? PROJECT_NAMESPACE : fullKey.slice(0, colon);
        const key = colon < 0 ? fullKey : fullKey.slice(colon + 1);
        const before = issues.length;
        valueIssues(value, fullKey, new Set(), issues);
        if (issues.length > before) continue;
        if (namespace !== PROJECT_NAMESPACE) {
            providerConfig[fullKey] = value;
        } else if (containsSecure(value)) secretKeys.push(key);
        else values[key] = typeof value === "string" ? value : JSON.stringify(value === undefined ? null : value);
    }
    if (issues.length > 0) throw new StackFileError(file, issues);
    return { stack, config: decodeConfigValues(values), secretKeys, providerConfig };
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
    return parseStackFile(stack, text, path.basename(file));
}

/** A value as the Pulumi CLI hands it to the program: strings as they are, everything else as JSON. */
function configText(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v === undefined ? null : v);
}

/**
 * The loader's input from a stack file (`loadStack(stackInput(file))`): the same input `pulumi up`
 * builds from what the engine hands over (stacks/config.ts). Re-encoding the decoded values gives
 * back the CLI's text (JSON text decodes and encodes to the same value).
 */
export function stackInput(file: StackFile): StackConfigInput {
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(file.config)) values[k] = configText(v);
    return { values, secretKeys: [...file.secretKeys], otherKeys: Object.keys(file.providerConfig) };
}

/** The loader's input from a stack file, for `loadTopology(raw, options)`. */
export function stackConfigFromFile(file: StackFile): { raw: Record<string, unknown>; options: { licensed: boolean; secretKeys: readonly string[]; otherKeys: readonly string[] } } {
    return { raw: file.config, options: { licensed: file.secretKeys.includes("license"), secretKeys: file.secretKeys, otherKeys: Object.keys(file.providerConfig) } };
}

/** Stands in for a secure value, which cannot be decrypted offline. */
export const SECRET_PLACEHOLDER = "[secret]";

/**
 * The config store a `pulumi up` of the stack file would see: fully-qualified keys, the project's
 * values as the CLI passes them; secure values as `SECRET_PLACEHOLDER` (pass `mockSecretKeys(file)`
 * as the secret keys, so the program sees which keys are secrets, as under the engine).
 */
export function mockConfig(file: StackFile): Record<string, string> {
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(file.providerConfig)) config[k] = configText(v);
    for (const [k, v] of Object.entries(stackInput(file).values)) config[`${PROJECT_NAMESPACE}:${k}`] = v;
    for (const k of file.secretKeys) config[`${PROJECT_NAMESPACE}:${k}`] = SECRET_PLACEHOLDER;
    return config;
}

/** The fully-qualified secret keys of `mockConfig(file)`. */
export function mockSecretKeys(file: StackFile): string[] {
    return file.secretKeys.map((k) => `${PROJECT_NAMESPACE}:${k}`);
}
