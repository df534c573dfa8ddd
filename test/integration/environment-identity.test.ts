/**
 * One key finds every resource of an environment (components/topology/identity.ts): on AWS the tag and
 * on GCP the label `axonserver-environment=<environment>`, on Kubernetes the recommended label
 * `app.kubernetes.io/instance=<environment>`. For each stack file, every resource whose type accepts tags
 * or labels must carry it. Whether a type accepts them is read from the provider SDK itself: its
 * constructor copies `args.tags` / `args.labels` into the resource inputs (node_modules/@pulumi/aws,
 * node_modules/@pulumi/gcp).
 */
import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import { CLOUD_KEYS, KUBERNETES_KEYS } from "../../components/topology/identity";
import { ResourceRecord } from "../../tools/harness/mocks";
import { runStack } from "../../tools/harness/stacks";

type Labels = Record<string, unknown> | undefined;

/** The input properties of a cloud resource type that hold its tags / labels (empty: it has none). */
function labelInputs(type: string): string[] {
    const [pkg, module, cls] = type.split(":");
    const sdk = ({ aws, gcp } as Record<string, unknown>)[pkg] as Record<string, Record<string, unknown>> | undefined;
    const ctor = sdk?.[module.split("/")[0]]?.[cls];
    if (typeof ctor !== "function") return [];
    const source = String(ctor);
    return ["tags", "labels", "resourceLabels"].filter((p) => source.includes(`resourceInputs["${p}"] = args?.${p};`) || source.includes(`resourceInputs["${p}"] = args ? args.${p} :`));
}

/** The environment a resource names under the one key of its platform (undefined: none). */
function environmentOf(r: ResourceRecord): unknown {
    const i = r.inputs as { metadata?: { labels?: Labels } } & Record<string, Labels>;
    if (r.type.startsWith("kubernetes:")) return i.metadata?.labels?.[KUBERNETES_KEYS.instance];
    for (const p of labelInputs(r.type)) if (i[p]?.[CLOUD_KEYS.environment] !== undefined) return i[p]?.[CLOUD_KEYS.environment];
    return undefined;
}

/** Resources that can carry the key: Kubernetes objects, and cloud resources whose type accepts tags or labels. */
function labellable(r: ResourceRecord): boolean {
    if (!r.custom || r.type.startsWith("pulumi:providers:")) return false;
    return r.type.startsWith("kubernetes:") || labelInputs(r.type).length > 0;
}

describe("every resource of an environment carries its one identity key", () => {
    it("reads which types accept tags or labels from the provider SDK", () => {
        assert.deepEqual(labelInputs("aws:ec2/vpc:Vpc"), ["tags"]);
        assert.deepEqual(labelInputs("aws:ec2/route:Route"), []);
        assert.deepEqual(labelInputs("gcp:compute/haVpnGateway:HaVpnGateway"), ["labels"]);
        assert.deepEqual(labelInputs("gcp:container/cluster:Cluster"), ["resourceLabels"]);
        assert.deepEqual(labelInputs("gcp:compute/firewall:Firewall"), []);
    });

    for (const stack of ["local", "dev", "prod"]) {
        it(`stack ${stack}: the key finds every resource that can carry it`, async () => {
            const run = await runStack(stack);
            const env = run.topology.environment;
            const candidates = run.records.filter(labellable);
            assert.ok(candidates.length > 10, `${candidates.length} resources`);
            const missing = candidates.filter((r) => environmentOf(r) !== env).map((r) => `${r.type} ${r.name}: ${String(environmentOf(r))}`);
            assert.deepEqual(missing, []);
        });
    }
});
