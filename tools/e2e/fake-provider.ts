/**
 * A fake Pulumi resource provider for the real-engine test bed: `aws`, `gcp`, `random` or `tls`.
 *
 *   node -r ts-node/register/transpile-only tools/e2e/fake-provider.ts <package> <engine address>
 *
 * The real providers of these packages cannot be built here, so the real engine talks to this
 * process instead, over the SDK's provider server (`@pulumi/pulumi/provider`). It answers exactly
 * like the mock harness: check passes inputs through, create returns `<name>-id` and the inputs plus
 * what `tools/harness/mocks.ts`'s `stateFor` computes, invokes answer from `tools/harness/state/invokes.ts`;
 * no diff method, so the engine diffs the inputs itself. Deletes are no-ops.
 *
 * One difference: a managed Kubernetes cluster (EKS, GKE) listed in `E2E_CLUSTERS` gets the endpoint
 * and CA of a local API server, so the program's kubeconfig (which runs `aws eks get-token` /
 * `gke-gcloud-auth-plugin`, both faked on PATH by tools/e2e) reaches that server and the Kubernetes half
 * of the stack runs for real.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { main, type Provider } from "@pulumi/pulumi/provider";
import { stateFor, unwrapSecrets } from "../harness/mocks";
import { INVOKES } from "../harness/state/invokes";

/** One local API server, by cluster name (`E2E_CLUSTERS` is a JSON object of these). */
export interface LocalCluster {
    /** `127.0.0.1:<port>` */
    readonly host: string;
    /** Base64 PEM of the CA that signed the server's certificate. */
    readonly caData: string;
}

function clusters(): Record<string, LocalCluster> {
    const raw = process.env.E2E_CLUSTERS;
    return raw ? (JSON.parse(raw) as Record<string, LocalCluster>) : {};
}

/** Resource name: the last URN segment. */
function nameOf(urn: string): string {
    return urn.split("::").at(-1) ?? urn;
}

/** Type token: the last `$`-separated part of the URN's type segment. */
function typeOf(urn: string): string {
    return (urn.split("::")[2] ?? "").split("$").at(-1) ?? "";
}

/** Outputs a local API server replaces in a managed cluster's state. */
function localClusterState(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const name = typeof inputs.name === "string" ? inputs.name : "";
    const c = clusters()[name];
    if (c === undefined) return {};
    if (type === "aws:eks/cluster:Cluster") {
        return { endpoint: `https://${c.host}`, certificateAuthority: { data: c.caData } };
    }
    if (type === "gcp:container/cluster:Cluster") {
        const pcc = inputs.privateClusterConfig;
        const cpec = (inputs.controlPlaneEndpointsConfig ?? {}) as { dnsEndpointConfig?: Record<string, unknown> };
        return {
            endpoint: c.host,
            // The program's kubeconfig uses the DNS-based endpoint (no CA in it: the test bed trusts its
            // CA through SSL_CERT_FILE); never a name that would be looked up outside this machine.
            controlPlaneEndpointsConfig: { ...cpec, dnsEndpointConfig: { ...(cpec.dnsEndpointConfig ?? {}), endpoint: c.host } },
            masterAuth: { clusterCaCertificate: c.caData },
            ...(pcc !== null && typeof pcc === "object"
                ? { privateClusterConfig: { ...(pcc as Record<string, unknown>), privateEndpoint: c.host, publicEndpoint: c.host } }
                : {}),
        };
    }
    return {};
}

function outputs(urn: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const type = typeOf(urn);
    const plain = unwrapSecrets(inputs) as Record<string, unknown>;
    return { ...inputs, ...stateFor(type)(plain, nameOf(urn)), ...localClusterState(type, plain) };
}

/** The plugin version the SDK package asks the engine for (`pulumi.version` in its package.json). */
function pluginVersion(pkg: string): string {
    const file = require.resolve(`@pulumi/${pkg}/package.json`);
    const json = JSON.parse(fs.readFileSync(file, "utf8")) as { pulumi?: { version?: string }; version: string };
    return json.pulumi?.version ?? json.version;
}

export function fakeProvider(pkg: string): Provider {
    return {
        version: pluginVersion(pkg),
        create: async (urn: pulumi.URN, inputs: Record<string, unknown>) => ({
            id: `${nameOf(urn)}-id`,
            outs: outputs(urn, inputs),
        }),
        update: async (_id: pulumi.ID, urn: pulumi.URN, _olds: unknown, news: Record<string, unknown>) => ({
            outs: outputs(urn, news),
        }),
        delete: async () => undefined,
        invoke: async (token: string, inputs: Record<string, unknown>) => {
            const answer = INVOKES[token];
            return { outputs: answer ? answer(unwrapSecrets(inputs) as Record<string, unknown>) : {} };
        },
    };
}

if (require.main === module) {
    const [pkg, ...args] = process.argv.slice(2);
    if (!pkg || !["aws", "gcp", "random", "tls"].includes(pkg)) {
        console.error(`usage: ${path.basename(process.argv[1])} aws|gcp|random|tls <engine address>`);
        process.exit(2);
    }
    void main(fakeProvider(pkg), args);
}
