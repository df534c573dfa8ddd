/**
 * Environment variables that must not shape a mocked run. No `@pulumi` import on purpose: the render
 * tool scrubs the environment before @pulumi/pulumi is first loaded (it seeds its config store from
 * `PULUMI_CONFIG` at load time).
 */

/**
 * Variables providers read as defaults (`AWS_REGION`, `GOOGLE_PROJECT`, `KUBECONFIG`, ...): a run under
 * mocks must depend on the stack config only, and a kubeconfig's credentials must never reach a record.
 */
export const PROVIDER_ENV = /^(AWS_|GOOGLE_|GCLOUD_|CLOUDSDK_|KUBECONFIG$|PULUMI_K8S_)/;

/** Variables that seed Pulumi's config store when @pulumi/pulumi loads (`PULUMI_CONFIG`, `PULUMI_CONFIG_SECRET_KEYS`). */
export const PULUMI_CONFIG_ENV = /^PULUMI_CONFIG/;

export interface ScrubbedEnv {
    /** Names of the removed variables, sorted. */
    readonly removed: string[];
    /** Puts the removed variables back with their old values (variables set since are left alone). */
    restore(): void;
}

/**
 * Removes the provider variables (and those matching `also`) from `env` until `restore()` is called.
 */
export function scrubProviderEnv(env: NodeJS.ProcessEnv = process.env, also?: RegExp): ScrubbedEnv {
    const matches = (k: string) => PROVIDER_ENV.test(k) || (also !== undefined && also.test(k));
    const saved: Record<string, string | undefined> = {};
    for (const k of Object.keys(env).filter(matches)) {
        saved[k] = env[k];
        delete env[k];
    }
    return {
        removed: Object.keys(saved).sort(),
        restore: () => {
            for (const [k, v] of Object.entries(saved)) if (env[k] === undefined && v !== undefined) env[k] = v;
        },
    };
}
