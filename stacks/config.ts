/**
 * The only code that reads `pulumi.Config`. It reads every key the program knows, once, into a plain
 * object for the topology loader, and the secret keys into Pulumi secrets that never enter the model.
 */
import * as pulumi from "@pulumi/pulumi";
import { SECRET_KEYS, TOP_LEVEL_KEYS } from "../components/topology/schema";

/** Every key of the project namespace the program reads: exactly the loader's top-level keys. */
export const KNOWN_CONFIG_KEYS: readonly string[] = TOP_LEVEL_KEYS;
/** Keys read as plain strings. */
const STRING_KEYS: readonly string[] = ["environment", "gcpProject"];
const SECRETS: readonly string[] = SECRET_KEYS;
/** The remaining keys hold YAML objects/arrays (JSON strings in the config store). */
const OBJECT_KEYS = KNOWN_CONFIG_KEYS.filter((k) => !STRING_KEYS.includes(k) && !SECRETS.includes(k));

export interface StackInput {
    /** Non-secret keys that are set, by their short name (objects parsed). Input of `loadTopology`. */
    raw: Record<string, unknown>;
    /** Whether a license is configured; the license itself stays in `secrets`. */
    licensed: boolean;
    /** Secret config values; absent tokens are generated, an absent license means unlicensed. */
    secrets: {
        license?: pulumi.Output<string>;
        adminToken?: pulumi.Output<string>;
        internalToken?: pulumi.Output<string>;
    };
    /**
     * Keys set in the project's namespace that the program does not know (a typo such as
     * `replicationgroups` would otherwise be ignored silently), namespace stripped, sorted. Their
     * values are not read.
     */
    unknownKeys: string[];
}

/**
 * Reads the stack input. `cfg` defaults to the project's config bag (`new pulumi.Config()`).
 * An object key whose value is not JSON (e.g. `pulumi config set nodes foo`) is passed on as the raw
 * string, so the loader reports a type error at the key's path instead of Pulumi throwing here.
 */
export function readStackInput(cfg: pulumi.Config = new pulumi.Config()): StackInput {
    const raw: Record<string, unknown> = {};
    for (const key of STRING_KEYS) {
        const v = cfg.get(key);
        if (v !== undefined) raw[key] = v;
    }
    for (const key of OBJECT_KEYS) {
        const text = cfg.get(key);
        if (text === undefined) continue;
        try {
            raw[key] = cfg.getObject<unknown>(key);
        } catch {
            raw[key] = text;
        }
    }
    const secrets: StackInput["secrets"] = {
        license: cfg.getSecret("license"),
        adminToken: cfg.getSecret("adminToken"),
        internalToken: cfg.getSecret("internalToken"),
    };
    for (const k of Object.keys(secrets) as (keyof StackInput["secrets"])[]) if (secrets[k] === undefined) delete secrets[k];

    const prefix = `${cfg.name}:`;
    const unknownKeys = Object.keys(pulumi.runtime.allConfig())
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length).replace(/^config:/, ""))
        .filter((k) => !KNOWN_CONFIG_KEYS.includes(k))
        .sort();
    return { raw, licensed: secrets.license !== undefined, secrets, unknownKeys };
}
