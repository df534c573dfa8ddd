/**
 * Changing the worker machine type (README "Changing the worker machine type"): a change that replaces an
 * EKS node group or the GKE node pool must not take a site's Axon nodes down together. The Axon pods are
 * pinned to their pool by its name, so a replaced pool is a pod-template change: the roller moves every pod
 * onto the new pool, one at a time and Axon-gated, and only then does Pulumi delete the old pool.
 *
 * Platform rules this rests on:
 * - EKS deletes a managed node group by setting its Auto Scaling group's minimum, maximum and desired size
 *   to zero; "If the node hasn't been drained after 5 minutes, Amazon EKS lets Auto Scaling continue the
 *   forced termination of the instance" (docs.aws.amazon.com/eks/latest/userguide/delete-managed-node-group.html);
 *   a deletion has no "fail if the drain fails" option (aws/containers-roadmap#1636, open).
 * - GKE: "PodDisruptionBudget settings are not honored during node pool deletion"
 *   (cloud.google.com/kubernetes-engine/docs/concepts/node-pools, "Deleting node pools").
 * - Pulumi deletes the old resource of a create-before-delete replacement only after the program has
 *   registered every resource and all steps completed (pulumi/pulumi pkg/resource/deploy/deployment_executor.go:
 *   `performDeletes` after the source's last event; step_generator.go `GenerateDeletes`, "delete ... due to
 *   replacement"), and since v3.46.0 also the pending deletes a failed update left behind (commit a3128e50be,
 *   "Do not execute pending deletes at the start of deployment"). So every roller Job, which `pulumi up`
 *   awaits, completes before the old pool is deleted; a failed roller stops the update and the old pool stays.
 * - Node affinity: "If you specify multiple expressions in a single matchExpressions field ... the Pod can
 *   be scheduled onto a node only if all the expressions are satisfied" (ANDed), while several
 *   nodeSelectorTerms are ORed (kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity).
 */
import assert from "node:assert/strict";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AwsNetwork } from "../components/aws/awsNetwork";
import { EksSite } from "../components/aws/eksSite";
import { AwsProviders } from "../components/aws/providers";
import { AxonServerCluster } from "../components/axonserver/cluster";
import { GcpNetwork } from "../components/gcp/gcpNetwork";
import { GkeSite } from "../components/gcp/gkeSite";
import { kubernetesPlacer } from "../components/kubernetes/kubernetesPlacer";
import { axonAffinity, ZONE_LABEL } from "../components/kubernetes/podSpec";
import { KubernetesHost } from "../components/platform/host";
import { retainedStorageClassArgs } from "../components/platform/storageClass";
import { EKS_NODEGROUP_LABEL, GKE_NODEPOOL_LABEL, siteResourcePrefix } from "../components/topology/naming";
import { ofType, outputValue, ResourceRecord, runUnderMocks, unwrapSecrets } from "../tools/harness/mocks";
import { buildTopology } from "./fixtures/topologies";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deep assertions on plain JSON
type J = any;
const inputs = (r: ResourceRecord): J => unwrapSecrets(r.inputs);
const STS = "kubernetes:apps/v1:StatefulSet";
const JOB = "kubernetes:batch/v1:Job";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const NODE_POOL = "gcp:container/nodePool:NodePool";

/** The one required node selector term of a StatefulSet's pod template. */
function requiredTerm(sts: ResourceRecord): J {
    const terms = inputs(sts).spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    assert.equal(terms.length, 1, `${sts.name}: one term (terms are ORed, a second would let the pod onto any pool)`);
    return terms[0];
}

describe("worker pool pin (pure): zone AND pool in one node selector term", () => {
    const selector = { app: "axon" };
    it("ANDs the pool's name with the zone, in the same term", () => {
        const a = axonAffinity({ zone: "z-a", sitePodSelector: selector, requireSeparateWorkers: true, workerPool: { labelKey: "pool-label", poolName: "pool-1" } }) as J;
        assert.deepEqual(a.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [
            {
                matchExpressions: [
                    { key: ZONE_LABEL, operator: "In", values: ["z-a"] },
                    { key: "pool-label", operator: "In", values: ["pool-1"] },
                ],
            },
        ]);
    });
    it("pins to the zone only where the host names no pool (existing clusters)", () => {
        const a = axonAffinity({ zone: "z-a", sitePodSelector: selector, requireSeparateWorkers: false }) as J;
        assert.deepEqual(a.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [{ matchExpressions: [{ key: ZONE_LABEL, operator: "In", values: ["z-a"] }] }]);
    });
});

describe("a replaced worker pool re-runs the site's rollers, after the new pool exists (mocks)", () => {
    // Two Kubernetes sites; only `eu`'s pool is replaced between the runs. A RandomPet stands for the pool:
    // one of its outputs is the pool's name, as the provider-assigned node group / node pool name is.
    const topology = () =>
        buildTopology({
            environment: "wp",
            sites: [
                { name: "eu", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] },
                { name: "us", region: "us-east-1", zones: ["us-east-1a", "us-east-1b"] },
            ],
            nodes: ["p1", "p2", "p3", { name: "ab1", site: "us" }, { name: "ab2", site: "us" }],
            groups: { _admin: { p1: "PRIMARY", p2: "PRIMARY", p3: "PRIMARY", ab1: "ACTIVE_BACKUP", ab2: "ACTIVE_BACKUP" } },
        });

    const runWithPools = (pools: Record<string, string>) =>
        runUnderMocks({ stack: "wp" }, () => {
            const host = (site: string): KubernetesHost => {
                const provider = new k8s.Provider(`wp-${site}-k8s`, {});
                const sc = new k8s.storage.v1.StorageClass(`wp-${site}-sc`, retainedStorageClassArgs({ name: "axon", provisioner: "ebs.csi.aws.com", parameters: { type: "gp3" } }), { provider });
                const pool = new random.RandomPet(`wp-${site}-pool`, { prefix: pools[site] });
                return {
                    site,
                    provider,
                    storageClassNames: { fast: sc.metadata.name, standard: sc.metadata.name, cold: sc.metadata.name },
                    // Deliberately not in readyResources: the pin alone must order the StatefulSet after the pool.
                    readyResources: [sc],
                    internalLoadBalancer: "none",
                    workerPool: { labelKey: "pool-label", poolNameOfZone: (zone) => pool.prefix.apply((name) => `${name}-${zone}`) },
                };
            };
            return new AxonServerCluster("wp", { topology: topology(), secrets: { license: "LICENSE" }, placers: [kubernetesPlacer({ hosts: { eu: host("eu"), us: host("us") } })] });
        });

    let oldPool: ResourceRecord[];
    let newPool: ResourceRecord[];
    const rollerNames = (records: ResourceRecord[]) => ofType(records, JOB).filter((r) => r.name.startsWith("wp-roller-")).map((r): [string, string] => [r.name, inputs(r).metadata.name as string]);
    before(async () => {
        oldPool = (await runWithPools({ eu: "ng-old", us: "ng-us" })).records;
        newPool = (await runWithPools({ eu: "ng-new", us: "ng-us" })).records;
    });

    it("pins every Axon pod to its zone's pool by name, and orders its StatefulSet after that pool", () => {
        const pools = new Map(ofType(oldPool, "random:index/randomPet:RandomPet").map((r) => [r.name, r.urn]));
        const sets = ofType(oldPool, STS);
        assert.equal(sets.length, 5);
        for (const s of sets) {
            const site = s.name.includes("ab") ? "us" : "eu";
            const exprs = requiredTerm(s).matchExpressions;
            const zone = exprs.find((e: J) => e.key === ZONE_LABEL).values[0];
            const pin = exprs.find((e: J) => e.key === "pool-label");
            assert.ok(pin, `${s.name} is pinned to a pool`);
            assert.equal(pin.operator, "In");
            assert.equal(pin.values.length, 1);
            assert.ok(String(pin.values[0]).endsWith(`-${zone}`), `${s.name}: the pool of its own zone ${zone}`);
            // The pool's name is an output of the pool: the new pool exists before any pod template names it.
            assert.ok(s.dependencies.includes(pools.get(`wp-${site}-pool`)!), `${s.name} waits for its pool`);
        }
    });

    it("gives the site whose pool was replaced new roller Jobs (they run again), and leaves the other site's alone", () => {
        const b = new Map(rollerNames(oldPool));
        const a = new Map(rollerNames(newPool));
        assert.deepEqual([...a.keys()], [...b.keys()]);
        assert.ok(a.size >= 2);
        for (const [logical, name] of a) {
            if (logical.includes("-eu-")) assert.notEqual(name, b.get(logical), `${logical}: eu's pods must move to the new pool`);
            else assert.equal(name, b.get(logical), `${logical}: us's pool is unchanged, its pods stay`);
        }
    });

    it("runs every roller after every StatefulSet, so the moves happen before Pulumi's deletes at the end", () => {
        const sts = ofType(newPool, STS).map((r) => r.urn);
        for (const job of ofType(newPool, JOB).filter((r) => r.name.startsWith("wp-roller-"))) {
            for (const urn of sts) assert.ok(job.dependencies.includes(urn), `${job.name} after ${urn}`);
        }
    });
});

describe("EKS site: node groups and the pool pin (mocks)", () => {
    const topology = buildTopology({
        environment: "wpe",
        sites: [{ name: "euw1", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], cidr: "10.10.0.0/16" }],
        nodes: ["axon-1", "axon-2", "axon-3"],
    });
    let records: ResourceRecord[];
    let site: EksSite;
    before(async () => {
        const run = await runUnderMocks({ stack: "wpe" }, () => {
            const providers = new AwsProviders("aws-providers");
            const s = topology.sites[0];
            const prefix = siteResourcePrefix(topology, s.name);
            const network = new AwsNetwork(`${prefix}-net`, { topology, site: s, provider: providers.forRegion(s.region) });
            return new EksSite(prefix, { topology, site: s, network, provider: providers.forRegion(s.region) });
        });
        records = run.records;
        site = run.result;
    });

    // EKS user guide, "Understand each phase of node updates": the labels EKS applies to the nodes of a
    // managed node group include `eks.amazonaws.com/nodegroup=$nodeGroupName`.
    it("pins each zone's pods to that zone's node group by the label EKS gives its nodes", async () => {
        const pin = site.host.workerPool!;
        assert.equal(pin.labelKey, EKS_NODEGROUP_LABEL);
        assert.equal(EKS_NODEGROUP_LABEL, "eks.amazonaws.com/nodegroup");
        for (const [i, zone] of topology.sites[0].zones.entries()) {
            const expected = await outputValue(site.nodeGroups[i].nodeGroupName);
            assert.equal(await outputValue(pulumi.output(pin.poolNameOfZone(zone))), expected, zone);
        }
        assert.throws(() => pin.poolNameOfZone("eu-west-1z"), /no node group in zone eu-west-1z/);
        for (const ng of site.nodeGroups) assert.ok(site.host.readyResources.includes(ng), "StatefulSets also dependOn every node group");
    });

    // EKS user guide, "Understand each phase of node updates": without the force flag an in-place update
    // (version, AMI) fails with PodEvictionFailure when pods do not leave a node within 15 minutes,
    // instead of deleting them; `forceUpdateVersion` (node_modules/@pulumi/aws/eks/nodeGroup.d.ts) is that flag.
    it("never forces an in-place update past a PodDisruptionBudget, and updates one node at a time", () => {
        const groups = ofType(records, NODE_GROUP);
        assert.equal(groups.length, 3);
        for (const ng of groups) {
            assert.equal(ng.inputs.forceUpdateVersion, undefined, ng.name);
            assert.deepEqual(ng.inputs.updateConfig, { maxUnavailable: 1 }, ng.name);
            // A provider-assigned name: the replacement comes up beside the old group (create before delete).
            assert.equal(ng.inputs.nodeGroupName, undefined, ng.name);
            assert.equal(ng.deleteBeforeReplace, false, ng.name);
        }
    });
});

describe("GKE site: node pool replacement instead of an in-place machine type change (mocks)", () => {
    const topology = buildTopology({
        environment: "wpg",
        sites: [{ name: "euw4", cloud: "gcp", region: "europe-west4", zones: ["europe-west4-a", "europe-west4-b", "europe-west4-c"], cidr: "10.20.0.0/16" }],
        nodes: ["axon-1", "axon-2", "axon-3"],
    });
    let records: ResourceRecord[];
    let site: GkeSite;
    before(async () => {
        const run = await runUnderMocks({ stack: "wpg" }, () => {
            const provider = new gcp.Provider("gcp", { project: "wpg-project", region: "europe-west4" });
            const network = new GcpNetwork("wpg-gcp", { topology, provider });
            return new GkeSite("wpg-euw4", { topology, site: topology.sites[0], network, provider });
        });
        records = run.records;
        site = run.result;
    });

    // terraform-provider-google google/services/container/node_config.go `nodePoolNodeConfigUpdate`: a change
    // of machine_type or disk_size_gb is one in-place UpdateNodePool call, which GKE carries out by
    // recreating the nodes under the pool's upgrade strategy; that drain waits for PodDisruptionBudgets,
    // which count a pod back once Ready, not once Axon has caught up. `replaceOnChanges` makes it a new pool.
    it("replaces the pool on a machine type or boot disk size change, creating the new pool first", () => {
        const pools = ofType(records, NODE_POOL);
        assert.equal(pools.length, 1);
        const pool = pools[0];
        assert.deepEqual([...pool.replaceOnChanges].sort(), ["nodeConfig.diskSizeGb", "nodeConfig.machineType"]);
        assert.equal(pool.deleteBeforeReplace, false);
        // A generated name (namePrefix, no name): the new pool can exist beside the old one.
        assert.equal(pool.inputs.name, undefined);
        assert.equal(pool.inputs.namePrefix, "axon-");
    });

    // GKE "About node pools": "Each node in the pool has a Kubernetes node label,
    // cloud.google.com/gke-nodepool, which has the node pool's name as its value".
    it("pins every zone's pods to the pool by the label GKE gives its nodes", async () => {
        const pin = site.host.workerPool!;
        assert.equal(pin.labelKey, GKE_NODEPOOL_LABEL);
        assert.equal(GKE_NODEPOOL_LABEL, "cloud.google.com/gke-nodepool");
        const name = await outputValue(site.nodePool.name);
        for (const zone of topology.sites[0].zones) assert.equal(await outputValue(pulumi.output(pin.poolNameOfZone(zone))), name, zone);
        assert.ok(site.host.readyResources.includes(site.nodePool));
    });
});
