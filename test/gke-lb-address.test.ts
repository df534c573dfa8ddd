/**
 * A GKE node's internal load balancer Services name the node's reserved address in
 * `networking.gke.io/load-balancer-ip-addresses`; the node's DNS record points at that address. GKE's L4
 * controller looks each name up in the cluster's region and silently skips a name it cannot find, then
 * takes an ephemeral address (kubernetes/ingress-gce pkg/l4/annotations/l4_static_address.go
 * `ipAddressFromAnnotation`: a 404 from `GetRegionAddress` is `continue`), and a load balancer made before
 * GKE subsetting keeps its forwarding rule's address (README "Upgrading an existing GKE stack"). Either way
 * the node is unreachable by name with nothing failing. pulumi-kubernetes waits for a LoadBalancer Service's
 * address (these Services do not skip the await: provider/pkg/await/service.go), so `pulumi up` can compare
 * it with the reserved one, and warns (a warning, not an error: a failing check would also fail every
 * preview, and the targeted replacements that fix it, while any other node's Service still has its old
 * address).
 */
import assert from "node:assert/strict";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { AxonServerCluster } from "../components/axonserver/cluster";
import { gkeLoadBalancerAddressMismatch } from "../components/kubernetes/axonServerNode";
import { kubernetesPlacer } from "../components/kubernetes/kubernetesPlacer";
import { KubernetesHost } from "../components/platform/host";
import { retainedStorageClassArgs } from "../components/platform/storageClass";
import { ofType, runUnderMocks } from "../tools/harness/mocks";
import { buildTopology } from "./fixtures/topologies";

describe("GKE node load balancer address check (pure)", () => {
    it("says nothing while the Service has the reserved address, or no address yet", () => {
        assert.equal(gkeLoadBalancerAddressMismatch("axon-1", { namespace: "axon", name: "axon-1-internal" }, "10.1.0.7", [{ ip: "10.1.0.7" }]), undefined);
        assert.equal(gkeLoadBalancerAddressMismatch("axon-1", { namespace: "axon", name: "axon-1-internal" }, "10.1.0.7", []), undefined);
        assert.equal(gkeLoadBalancerAddressMismatch("axon-1", { namespace: "axon", name: "axon-1-internal" }, "10.1.0.7", undefined), undefined);
    });

    it("names the node, the Service, both addresses and what to check when GKE gave another address", () => {
        const m = gkeLoadBalancerAddressMismatch("axon-1", { namespace: "axon", name: "axon-1-internal-peer" }, "10.1.0.7", [{ ip: "10.1.9.250" }]);
        assert.ok(m);
        assert.match(m, /^node axon-1: Service axon-1-internal-peer has the load balancer address 10\.1\.9\.250, not 10\.1\.0\.7/);
        assert.match(m, /networking\.gke\.io\/load-balancer-ip-addresses/);
        assert.match(m, /kubectl -n axon get svc axon-1-internal-peer/);
        assert.match(m, /README "Upgrading an existing GKE stack"/);
    });
});

describe("GKE node load balancer address check under mocks", () => {
    const topology = buildTopology({
        environment: "ga",
        sites: [{ name: "us", cloud: "gcp", region: "us-east4", zones: ["us-east4-a", "us-east4-b", "us-east4-c"] }],
        nodes: ["axon-a", "axon-b", "axon-c"],
    });
    /** Runs the cluster on a GKE host whose reserved addresses are mock `gcp.compute.Address`es; `wrongName` names another for one node. */
    const render = async (wrongName?: string) => {
        const warnings: string[] = [];
        const warn = console.warn;
        console.warn = (...a: unknown[]) => void warnings.push(a.map(String).join(" "));
        try {
            const run = await runUnderMocks({ stack: "ga" }, () => {
                const provider = new k8s.Provider("ga-us-k8s", {});
                const sc = new k8s.storage.v1.StorageClass("ga-us-sc", retainedStorageClassArgs({ name: "axon", provisioner: "pd.csi.storage.gke.io", parameters: { type: "pd-balanced" } }), { provider });
                const addresses = Object.fromEntries(
                    topology.nodes.map((n) => {
                        const a = new gcp.compute.Address(`ga-us-${n.name}-ilb`, { region: "us-east4", addressType: "INTERNAL", purpose: "SHARED_LOADBALANCER_VIP", subnetwork: "ga-us" });
                        return [n.name, { address: a.address, name: n.name === "axon-b" && wrongName ? wrongName : a.name }];
                    }),
                );
                const host: KubernetesHost = {
                    site: "us",
                    provider,
                    storageClassNames: { fast: sc.metadata.name, standard: sc.metadata.name, cold: sc.metadata.name },
                    readyResources: [sc],
                    internalLoadBalancer: "gcp-internal",
                    loadBalancerAddresses: addresses,
                };
                return new AxonServerCluster("ga", { topology, secrets: { license: "LICENSE" }, placers: [kubernetesPlacer({ hosts: { us: host } })] });
            });
            return { records: run.records, warnings: warnings.filter((w) => w.includes("load balancer address")) };
        } finally {
            console.warn = warn;
        }
    };

    it("warns for nothing when every Service got its node's reserved address", async () => {
        const { records, warnings } = await render();
        const lbs = ofType(records, "kubernetes:core/v1:Service").filter((r) => (r.inputs.spec as { type?: string }).type === "LoadBalancer");
        assert.equal(lbs.length, 6, "8124 and 8224 per node");
        assert.deepEqual(warnings, []);
    });

    it("warns, per Service of the node, when its annotation names no reserved address (GKE's ephemeral fallback)", async () => {
        const { warnings } = await render("ga-us-axon-b-ilb-typo");
        assert.equal(warnings.length, 2, warnings.join("\n"));
        for (const [w, svc] of warnings.sort().map((w, i) => [w, ["axon-b-internal", "axon-b-internal-peer"][i]])) {
            assert.match(w, new RegExp(`node axon-b: Service ${svc} has the load balancer address 10\\.[0-9.]+, not 10\\.[0-9.]+`));
        }
    });
});
