/**
 * The only code that reads `pulumi.Config`. It hands the loader every key of the stack (this
 * project's values as text, which keys are secrets, the other namespaces' key names) exactly as the
 * offline tools do from the stack file (tools/config/stackFile.ts), and reads the secret keys into Pulumi
 * secrets that never enter the model.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfigInput } from "../components/topology/model";
import { SECRET_KEYS, TOP_LEVEL_KEYS } from "../components/topology/schema";

/** Every key of the project namespace the program reads: exactly the loader's top-level keys. */
export const KNOWN_CONFIG_KEYS: readonly string[] = TOP_LEVEL_KEYS;

export interface StackInput {
    /** The loader's input (`loadStack`). */
    readonly config: StackConfigInput;
    /** Whether a license is configured as a secret; the license itself stays in `secrets`. */
    readonly licensed: boolean;
    /** Secret config values; absent tokens are generated, an absent license means unlicensed. */
    readonly secrets: {
        license?: pulumi.Output<string>;
        adminToken?: pulumi.Output<string>;
        internalToken?: pulumi.Output<string>;
    };
}

/**
 * Whether the engine marked `fullKey` as a secret. `isConfigSecret` is exported by
 * `@pulumi/pulumi/runtime/config` at run time but marked `@internal`; the CLI passes the secret
 * keys' names in `PULUMI_CONFIG_SECRET_KEYS`, which it reads.
 */
function isSecretKey(fullKey: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    if (typeof runtime.isConfigSecret !== "function") {
        throw new Error("@pulumi/pulumi no longer exports runtime.isConfigSecret: update stacks/config.ts");
    }
    // Older CLIs name keys `<namespace>:config:<key>`.
    const colon = fullKey.indexOf(":");
    return runtime.isConfigSecret(fullKey) || runtime.isConfigSecret(`${fullKey.slice(0, colon)}:config:${fullKey.slice(colon + 1)}`);
}

/**
 * Reads the stack input. `cfg` defaults to the project's config bag (`new pulumi.Config()`). Values
 * of keys stored as secrets are not handed to the loader (the offline doors cannot decrypt them, and
 * every door must reach the same verdict); the secret keys of the program are read as Outputs.
 */
export function readStackInput(cfg: pulumi.Config = new pulumi.Config()): StackInput {
    const prefix = `${cfg.name}:`;
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const otherKeys: string[] = [];
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) {
            otherKeys.push(fullKey);
            continue;
        }
        const key = fullKey.slice(prefix.length);
        if (isSecretKey(fullKey)) secretKeys.push(key);
        else values[key] = text;
    }
    const secrets: StackInput["secrets"] = {};
    for (const key of SECRET_KEYS) {
        if (secretKeys.includes(key)) secrets[key] = cfg.requireSecret(key);
    }
    return { config: { values, secretKeys: secretKeys.sort(), otherKeys: otherKeys.sort() }, licensed: secrets.license !== undefined, secrets };
}
