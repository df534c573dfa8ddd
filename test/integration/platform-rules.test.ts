/**
 * The platforms' rules on whole rendered stacks: `dev` and `prod` as the stack files give them with the
 * one edit `pulumi up` needs (a routed runner address instead of the documentation placeholder), `prod`
 * behind a registry mirror, and a Compute Engine stack with IAP SSH. Each check (test/support/platformRules.ts)
 * cites the platform's rule and reads nothing but the recorded resources; docs/platform-rules.md lists
 * where the program enforces each rule.
 */
import assert from "node:assert/strict";
import type { StackFile } from "../../tools/config/stackFile";
import { ofType } from "../../tools/harness/mocks";
import { runStack, runStackFile } from "../../tools/harness/stacks";
import { IAP_TCP_FORWARDING_RANGE } from "../../components/vm/vmSite";
import { RUNNER_OVERRIDE } from "../fixtures/topologies";
import {
    assertAwaitedServicesWaitForTheirPods,
    assertAxonPodsPinnedToTheirPool,
    assertDlmDescriptionsValid,
    assertEksApiReachableFromRunner,
    assertEksClustersSpanTwoZones,
    assertGkeApiReachableFromRunner,
    assertImagesFromRegistry,
    assertNodeServicesPublishNotReadyAddresses,
    assertPodsFitTheirWorkers,
    podImages,
} from "../support/platformRules";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
type J = any;

for (const stack of ["dev", "prod"]) {
    // As deployed: `pulumi up` refuses the example file's placeholder runner address (test/integration/runner-address.test.ts).
    const deployed = () => runStack(stack, RUNNER_OVERRIDE);
    describe(`platform rules: stack ${stack} as rendered`, () => {
        it("every EKS cluster has subnets in at least two Availability Zones", async () => {
            assertEksClustersSpanTwoZones((await deployed()).records);
        });

        it("every EKS API is reachable from the runner on the first run (public endpoint for public runner ranges, or a routed private path)", async () => {
            assertEksApiReachableFromRunner((await deployed()).records);
        });

        it("every DLM policy description matches the AWS provider's pattern", async () => {
            assertDlmDescriptionsValid((await deployed()).records);
        });

        it("every Service pulumi-kubernetes awaits depends on the workload whose pods it selects", async () => {
            assertAwaitedServicesWaitForTheirPods((await deployed()).records);
        });

        it("every Service of an Axon Server pod publishes not-ready addresses", async () => {
            assertNodeServicesPublishNotReadyAddresses((await deployed()).records);
        });

        it("every zone's pinned pods fit its workers' allocatable capacity, and the Job pods still fit", async () => {
            assertPodsFitTheirWorkers((await deployed()).records);
        });

        it("every Axon Server pod is pinned to its zone's node group or node pool by name, after that pool", async () => {
            assertAxonPodsPinnedToTheirPool((await deployed()).records);
        });

        if (stack === "prod") {
            it("every GKE API is reached through its DNS-based endpoint with Application Default Credentials", async () => {
                assertGkeApiReachableFromRunner((await deployed()).records);
            });
        }
    });
}

describe("platform rules: prod behind a registry mirror (imageRegistry)", () => {
    const mirror = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub";

    it("without a mirror the images are Docker Hub's", async () => {
        const images = podImages((await runStack("prod")).records).map((i) => i.image);
        assert.ok(images.length > 0 && images.every((i) => !i.startsWith(mirror)));
    });

    it("pulls every container and init container image of every pod through the mirror", async () => {
        assertImagesFromRegistry((await runStack("prod", { config: { imageRegistry: mirror } })).records, mirror);
    });
});

describe("platform rules: a Compute Engine site with allowIapSsh", () => {
    // IAP TCP forwarding (https://cloud.google.com/iap/docs/using-tcp-forwarding#create-firewall-rule):
    // `gcloud compute ssh --tunnel-through-iap` connects from 35.235.240.0/20, which a firewall rule must
    // admit on port 22; nothing else may reach 22.
    const file = (allowIapSsh: boolean): StackFile => ({
        stack: "gceiap",
        secretKeys: [],
        providerConfig: {},
        config: {
            environment: "gceiap",
            gcpProject: "acme-axon-gce",
            axonServer: { version: "2024.2.4", tls: false, download: { url: "https://downloads.example.com/axonserver-2024.2.4.jar", sha256: "a".repeat(64) } },
            adminCidrs: ["10.99.0.0/24"],
            sites: [{ name: "gcp-euw1", cloud: "gcp", platform: "vm", region: "europe-west1", zones: ["europe-west1-b"], cidr: "10.60.0.0/16", allowIapSsh }],
            nodes: [{ name: "g1", site: "gcp-euw1", zone: "europe-west1-b" }],
            replicationGroups: [{ name: "default", contexts: [{ name: "default" }], members: { g1: "PRIMARY" } }],
        },
    });
    const port22 = (records: Awaited<ReturnType<typeof runStackFile>>["records"]) =>
        ofType(records, "gcp:compute/firewall:Firewall").filter((r) => ((r.inputs as J).allows as J[]).some((a) => (a.ports as string[] | undefined)?.includes("22")));

    it("opens port 22 to IAP's range only, on the site's VMs, when the site asks for it", async () => {
        const run = await runStackFile(file(true));
        const rules = port22(run.records);
        assert.equal(rules.length, 1, "one SSH rule");
        const fw = rules[0].inputs as J;
        assert.deepEqual(fw.sourceRanges, [IAP_TCP_FORWARDING_RANGE]);
        assert.equal(IAP_TCP_FORWARDING_RANGE, "35.235.240.0/20");
        assert.equal(fw.direction, "INGRESS");
        const vm = ofType(run.records, "gcp:compute/instance:Instance")[0].inputs as J;
        assert.deepEqual(fw.targetTags, vm.tags, "the rule targets the site's VMs");
        assert.deepEqual(fw.allows, [{ protocol: "tcp", ports: ["22"] }]);
    });

    it("keeps port 22 closed by default", async () => {
        assert.deepEqual(port22((await runStackFile(file(false))).records), []);
    });
});
