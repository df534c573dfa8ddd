/**
 * A stack file as Pulumi's config store would hold it, for runs under mocks (the render tool and the
 * stack tests). No `@pulumi` import on purpose: the render tool builds the config before it scrubs the
 * environment and loads @pulumi/pulumi (which seeds its config store from `PULUMI_CONFIG` at load time).
 */
import type { StackFile } from "../config/stackFile";

/** The config store a `pulumi up` of the stack file would see, and its secret keys (tools/config/stackFile.ts). */
export { mockConfig, mockSecretKeys } from "../config/stackFile";

/** `file` with some of its project keys (short names) replaced, optionally under another stack name. */
export function withConfig(file: StackFile, config: Record<string, unknown>, stack = file.stack): StackFile {
    return { ...file, stack, config: { ...file.config, ...config } };
}
