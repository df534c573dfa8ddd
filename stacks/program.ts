/**
 * The whole program: read the stack config, load and validate the topology, create the deployment.
 * `index.ts` runs it under the Pulumi engine; `tools/render.ts` and the stack tests run it under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatIssue, loadTopology, TopologyError } from "../components/topology/load";
import { LoadResult } from "../components/topology/model";
import { KNOWN_CONFIG_KEYS, StackInput, readStackInput } from "./config";
import { createDeployment, Deployment } from "./deployment";

/** The loader's result for the stack input, with unknown config keys added as errors. */
export function loadStackTopology(input: StackInput): LoadResult {
    const loaded = loadTopology(input.raw, { licensed: input.licensed });
    if (input.unknownKeys.length === 0) return loaded;
    const unknown = input.unknownKeys.map((k) => ({ path: k, message: `unknown key "${k}"; allowed keys: ${KNOWN_CONFIG_KEYS.join(", ")}` }));
    return { errors: [...unknown, ...loaded.errors], warnings: [] };
}

/**
 * Runs the program. Throws a `TopologyError` before any resource is created when the config is
 * invalid; its message lists every error, one `path: message` per line. Warnings go to the Pulumi log
 * and to the `warnings` output.
 */
export function program(cfg?: pulumi.Config): Deployment {
    const input = readStackInput(cfg);
    const loaded = loadStackTopology(input);
    if (loaded.errors.length > 0) throw new TopologyError(loaded.errors);
    if (!loaded.topology) throw new Error("the topology loader returned neither a topology nor errors");
    for (const w of loaded.warnings) pulumi.log.warn(formatIssue(w));
    return createDeployment(loaded.topology, input.secrets, loaded.warnings);
}
