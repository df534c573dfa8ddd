/**
 * A stack file as Pulumi's config store would hold it, for runs under mocks (the render tool and the
 * stack tests). No `@pulumi` import on purpose: the render tool builds the config before it scrubs the
 * environment and loads @pulumi/pulumi (which seeds its config store from `PULUMI_CONFIG` at load time).
 */
import { PROJECT_NAMESPACE, type StackFile } from "../../components/topology/stackFile";

/**
 * The config store a `pulumi up` of the stack file would see: fully-qualified keys, strings as they are,
 * everything else JSON-encoded. Secure values are absent (they cannot be decrypted offline).
 */
export function mockConfig(file: StackFile): Record<string, string> {
    const encode = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(file.providerConfig)) config[k] = encode(v);
    for (const [k, v] of Object.entries(file.config)) config[`${PROJECT_NAMESPACE}:${k}`] = encode(v);
    return config;
}

/** `file` with some of its project keys (short names) replaced, optionally under another stack name. */
export function withConfig(file: StackFile, config: Record<string, unknown>, stack = file.stack): StackFile {
    return { ...file, stack, config: { ...file.config, ...config } };
}
