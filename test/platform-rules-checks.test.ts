/**
 * The whole-stack platform-rule checks (test/support/platformRules.ts) on small hand-made renders: each
 * fails on the shape the program had before it kept the rule, and passes on the shape it has now. A
 * check that cannot fail checks nothing.
 */
import assert from "node:assert/strict";
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
    RenderedResource,
} from "./support/platformRules";
import { RUNNER_CIDR } from "./fixtures/topologies";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- hand-made inputs
type J = any;

function r(type: string, name: string, inputs: J, o: { provider?: string; dependencies?: string[] } = {}): RenderedResource {
    return { type, name, urn: `urn:${type}::${name}`, provider: o.provider ?? "", dependencies: o.dependencies ?? [], inputs };
}

const subnet = (name: string, az: string, vpcId = "vpc-id") => r("aws:ec2/subnet:Subnet", name, { availabilityZone: az, vpcId });
const eks = (subnetIds: string[], access: J) => r("aws:eks/cluster:Cluster", "c-eks", { vpcConfig: { subnetIds, ...access } });

const LABELS = { app: "axon", node: "axon-1" };
const statefulSet = (pod: J = {}) =>
    r("kubernetes:apps/v1:StatefulSet", "axon-1-sts", { metadata: { namespace: "axon" }, spec: { replicas: 1, template: { metadata: { labels: LABELS }, spec: { containers: [{ name: "axonserver", image: "axoniq/axonserver:1" }], ...pod } } } }, { provider: "k8s" });
const service = (spec: J, o: { dependsOnSts?: boolean; annotations?: J } = {}) =>
    r("kubernetes:core/v1:Service", "axon-1-grpc", { metadata: { namespace: "axon", annotations: o.annotations }, spec: { selector: LABELS, ...spec } }, {
        provider: "k8s",
        dependencies: o.dependsOnSts ? [statefulSet().urn] : [],
    });

describe("whole-stack platform-rule checks on hand-made renders", () => {
    it("EKS zones: one subnet fails, two zones pass", () => {
        const subnets = [subnet("a", "eu-central-1a"), subnet("b", "eu-central-1b")];
        assert.throws(() => assertEksClustersSpanTwoZones([...subnets, eks(["a-id"], {})]), /1 Availability Zone\(s\) \["eu-central-1a"\]; EKS needs at least 2/);
        assertEksClustersSpanTwoZones([...subnets, eks(["a-id", "b-id"], {})]);
    });

    it("EKS runner path: private-only without a transit gateway, a private, documentation or open public range fail; routed public runner ranges pass", () => {
        const subnets = [subnet("a", "eu-west-1a"), subnet("b", "eu-west-1b")];
        const run = (access: J, extra: RenderedResource[] = []) => () => assertEksApiReachableFromRunner([...subnets, ...extra, eks(["a-id", "b-id"], access)]);
        assert.throws(run({ endpointPrivateAccess: true, endpointPublicAccess: false }), /no transit gateway attachment/);
        assert.throws(run({ endpointPublicAccess: true, publicAccessCidrs: ["10.99.0.0/24"] }), /not a public range/);
        assert.throws(run({ endpointPublicAccess: true }), /open to 0\.0\.0\.0\/0/);
        assert.throws(run({ endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.10/32"] }), /documentation address \(RFC 5737\)/);
        run({ endpointPublicAccess: true, publicAccessCidrs: [RUNNER_CIDR] })();
        const tgw = [r("aws:ec2transitgateway/vpcAttachment:VpcAttachment", "tgw", { vpcId: "vpc-id" }), r("aws:ec2/route:Route", "rt", { transitGatewayId: "tgw-1" })];
        run({ endpointPrivateAccess: true, endpointPublicAccess: false }, tgw)();
    });

    it("DLM description: parentheses, colons and commas fail", () => {
        const dlm = (description: string) => [r("aws:dlm/lifecyclePolicy:LifecyclePolicy", "p", { description })];
        assert.throws(() => assertDlmDescriptionsValid(dlm("Axon Server dev volumes (aws-euw1): daily")), /description/);
        assertDlmDescriptionsValid(dlm("Axon Server dev volumes aws-euw1 daily"));
    });

    it("GKE API: an IP server or a plugin without ADC fails; the DNS endpoint with ADC passes", () => {
        const cluster = (dns: boolean) => r("gcp:container/cluster:Cluster", "g", dns ? { controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: true } } } : {});
        const provider = (server: string, args?: string[]) =>
            r("pulumi:providers:kubernetes", "k", { kubeconfig: JSON.stringify({ clusters: [{ cluster: { server } }], users: [{ user: { exec: { command: "gke-gcloud-auth-plugin", args } } }] }) });
        assert.throws(() => assertGkeApiReachableFromRunner([cluster(false), provider("https://10.30.96.2")]), /DNS-based endpoint/);
        assert.throws(() => assertGkeApiReachableFromRunner([cluster(true), provider("https://10.30.96.2", ["--use_application_default_credentials"])]), /is not the DNS-based endpoint/);
        assert.throws(() => assertGkeApiReachableFromRunner([cluster(true), provider("https://gke-0123abcd-123.europe-west4.gke.goog")]), /exec args/);
        assertGkeApiReachableFromRunner([cluster(true), provider("https://gke-0123abcd-123.europe-west4.gke.goog", ["--use_application_default_credentials"])]);
    });

    it("awaits: an awaited Service created beside its StatefulSet fails; after it, headless or skipAwait pass", () => {
        assert.throws(() => assertAwaitedServicesWaitForTheirPods([statefulSet(), service({ type: "ClusterIP" })]), /does not depend on axon-1-sts/);
        assertAwaitedServicesWaitForTheirPods([statefulSet(), service({ type: "ClusterIP" }, { dependsOnSts: true })]);
        assertAwaitedServicesWaitForTheirPods([statefulSet(), service({ type: "ClusterIP" }, { dependsOnSts: true }), service({ clusterIP: "None" }), service({ type: "LoadBalancer" }, { annotations: { "pulumi.com/skipAwait": "true" } })]);
    });

    it("not-ready addresses: a node's Service without publishNotReadyAddresses fails", () => {
        assert.throws(() => assertNodeServicesPublishNotReadyAddresses([statefulSet(), service({ type: "LoadBalancer" })]), /does not publish not-ready addresses/);
        assertNodeServicesPublishNotReadyAddresses([statefulSet(), service({ type: "LoadBalancer", publishNotReadyAddresses: true })]);
    });

    it("registry mirror: a Docker Hub image or a missing namespace fails", () => {
        const mirror = "mirror.example.com/hub";
        const sts = (image: string) => [r("kubernetes:apps/v1:StatefulSet", "s", { spec: { template: { spec: { containers: [{ name: "c", image }] } } } })];
        assert.throws(() => assertImagesFromRegistry(sts("axoniq/axonserver:1"), mirror), /is not pulled through/);
        assert.throws(() => assertImagesFromRegistry(sts(`${mirror}/node:20`), mirror), /names no repository namespace/);
        assertImagesFromRegistry(sts(`${mirror}/library/node:20`), mirror);
    });

    it("capacity: two 2-CPU/8Gi pods on one e2-standard-4 worker fail; two workers pass", () => {
        const pool = (nodeCount: number) =>
            r("gcp:container/nodePool:NodePool", "pool", { cluster: "g", nodeLocations: ["europe-west4-a"], nodeCount, nodeConfig: { machineType: "e2-standard-4" } });
        const pod = (name: string) =>
            r("kubernetes:apps/v1:StatefulSet", name, {
                spec: {
                    replicas: 1,
                    template: {
                        metadata: { labels: { node: name } },
                        spec: {
                            affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["europe-west4-a"] }] }] } } },
                            containers: [{ name: "axonserver", resources: { requests: { cpu: "2", memory: "8Gi" } } }],
                        },
                    },
                },
            });
        assert.throws(() => assertPodsFitTheirWorkers([pool(1), pod("a"), pod("b")]), /zone europe-west4-a: pod of b requests 2000m CPU \/ 8192Mi memory, but no worker has that much left/);
        assertPodsFitTheirWorkers([pool(2), pod("a"), pod("b")]);
    });

    it("pool pin: a pod pinned to its zone only, or to another zone's node group, fails; its own zone's group, depended on, passes", () => {
        const subnets = [subnet("sa", "eu-west-1a"), subnet("sb", "eu-west-1b")];
        const ng = (name: string, subnetId: string) => r("aws:eks/nodeGroup:NodeGroup", name, { subnetIds: [subnetId] });
        const groups = [ng("ng-a", "sa-id"), ng("ng-b", "sb-id")];
        const pinned = (extra: J[], dependencies: string[] = []) =>
            r(
                "kubernetes:apps/v1:StatefulSet",
                "axon-1-sts",
                {
                    spec: {
                        template: {
                            spec: {
                                affinity: {
                                    nodeAffinity: {
                                        requiredDuringSchedulingIgnoredDuringExecution: {
                                            nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["eu-west-1a"] }, ...extra] }],
                                        },
                                    },
                                },
                                containers: [],
                            },
                        },
                    },
                },
                { dependencies },
            );
        const pin = (name: string) => ({ key: "eks.amazonaws.com/nodegroup", operator: "In", values: [name] });
        assert.throws(() => assertAxonPodsPinnedToTheirPool([...subnets, ...groups, pinned([])]), /axon-1-sts: pinned to zone eu-west-1a but not to its pool \(eks.amazonaws.com\/nodegroup=ng-a\)/);
        assert.throws(() => assertAxonPodsPinnedToTheirPool([...subnets, ...groups, pinned([pin("ng-b")], [groups[1].urn])]), /names no pool of zone eu-west-1a/);
        assert.throws(() => assertAxonPodsPinnedToTheirPool([...subnets, ...groups, pinned([pin("ng-a")])]), /does not depend on its pool ng-a/);
        assertAxonPodsPinnedToTheirPool([...subnets, ...groups, pinned([pin("ng-a")], [groups[0].urn])]);

        // The platform labels a worker with the pool's name as the provider reports it (EKS: the node
        // group's `nodeGroupName`; GKE: the node pool's `name`), not with Pulumi's logical name or another
        // output: where the mock's output differs from the logical name, a pin to the logical name or to the
        // mock id fails, and a pin to that output passes.
        const named = [r("aws:eks/nodeGroup:NodeGroup", "ng-a", { subnetIds: ["sa-id"], nodeGroupName: "ng-a-5d2c" }), groups[1]];
        for (const wrong of ["ng-a", "ng-a-id"]) {
            assert.throws(() => assertAxonPodsPinnedToTheirPool([...subnets, ...named, pinned([pin(wrong)], [named[0].urn])]), /names no pool of zone eu-west-1a \(ng-a-5d2c\)/, wrong);
        }
        assertAxonPodsPinnedToTheirPool([...subnets, ...named, pinned([pin("ng-a-5d2c")], [named[0].urn])]);
        const gke = [
            r("gcp:container/cluster:Cluster", "c-gke", { name: "c-gke", nodeLocations: ["eu-west-1a"] }),
            r("gcp:container/nodePool:NodePool", "pool-a", { cluster: "c-gke", name: "gke-workers-a" }),
        ];
        const gkePin = (name: string) => ({ key: "cloud.google.com/gke-nodepool", operator: "In", values: [name] });
        assert.throws(() => assertAxonPodsPinnedToTheirPool([...gke, pinned([gkePin("pool-a")], [gke[1].urn])]), /names no pool of zone eu-west-1a \(gke-workers-a\)/);
        assertAxonPodsPinnedToTheirPool([...gke, pinned([gkePin("gke-workers-a")], [gke[1].urn])]);
    });
});
