/**
 * The cluster's secrets: configured values (Pulumi secret config) or generated ones. Every value is
 * wrapped in `pulumi.secret` so it stays encrypted in state and in outputs, whatever its source.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** Secret values from stack config. Absent tokens are generated with @pulumi/random. */
export interface ClusterSecretsInput {
    /**
     * Axon Server license file content (`axoniq.license`).
     * @default - none: Axon Server runs unlicensed
     */
    readonly license?: pulumi.Input<string>;
    /**
     * The system token with administrative rights (`accesscontrol.systemtokenfile`).
     * @default - a generated token of `GENERATED_TOKEN_LENGTH` characters, kept in state
     */
    readonly adminToken?: pulumi.Input<string>;
    /**
     * `accesscontrol.internal-token`, shared by all nodes to authenticate each other.
     * @default - a generated token of `GENERATED_TOKEN_LENGTH` characters, kept in state
     */
    readonly internalToken?: pulumi.Input<string>;
}

export interface ClusterSecrets {
    /** The system token with administrative rights (a Pulumi secret). */
    readonly adminToken: pulumi.Output<string>;
    /** The token nodes authenticate each other with (a Pulumi secret). */
    readonly internalToken: pulumi.Output<string>;
    /** The license file content (a Pulumi secret). @default - none (unlicensed) */
    readonly license?: pulumi.Output<string>;
}

/** Length of generated tokens: 48 alphanumerics (~285 bits); no specials, tokens go into HTTP headers. */
export const GENERATED_TOKEN_LENGTH = 48;

/**
 * Resolves the secrets of the cluster `name`, generating missing tokens as children of `parent`.
 * A generated token is stable: RandomPassword keeps its result in state until the resource is replaced.
 */
export function resolveClusterSecrets(name: string, input: ClusterSecretsInput, parent: pulumi.Resource): ClusterSecrets {
    const token = (kind: string, configured: pulumi.Input<string> | undefined): pulumi.Output<string> => {
        if (configured !== undefined) return pulumi.secret(pulumi.output(configured));
        const generated = new random.RandomPassword(`${name}-${kind}`, { length: GENERATED_TOKEN_LENGTH, special: false }, { parent });
        return pulumi.secret(generated.result);
    };
    return {
        adminToken: token("admin-token", input.adminToken),
        internalToken: token("internal-token", input.internalToken),
        license: input.license === undefined ? undefined : pulumi.secret(pulumi.output(input.license)),
    };
}
