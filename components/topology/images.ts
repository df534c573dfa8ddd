/**
 * Container image references with an optional registry mirror. Pure, no Pulumi import.
 *
 * The images this program runs (`axoniq/axonserver`, `amazon/aws-cli`) live on Docker Hub, which
 * limits anonymous pulls per source IPv4 address (docs.docker.com/docker-hub/usage/); every worker
 * behind one NAT address shares that allowance. `imageRegistry` names a mirror or pull-through cache
 * that serves Docker Hub's repositories under the same paths: an ECR pull-through cache rule
 * (`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>`, docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html)
 * or an Artifact Registry remote repository (`<region>-docker.pkg.dev/<project>/<repo>`,
 * cloud.google.com/artifact-registry/docs/repositories/remote-repo).
 */

/** `ref` (a Docker Hub `namespace/name[:tag]`) served by `registry`; unchanged without a registry. */
export function registryImage(registry: string | undefined, ref: string): string {
    if (!registry) return ref;
    // A reference that already names a registry (a dot or port in its first segment) is left alone.
    const first = ref.split("/")[0];
    if (ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return ref;
    return `${registry.replace(/\/+$/, "")}/${ref}`;
}
