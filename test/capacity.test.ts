import assert from "node:assert/strict";
import { parseBackupSettings } from "../components/backup/settings";
import { backupSidecarContainer } from "../components/kubernetes/backupSidecar";
import { healthRelayContainer } from "../components/kubernetes/healthRelay";
import { hasHealthRelay } from "../components/topology/connectivity";
import { requireSeparateWorkers } from "../components/kubernetes/siteObjects";
import { containerResources } from "../components/kubernetes/podSpec";
import { loadTopology } from "../components/topology/load";
import { ConfigIssue, Topology } from "../components/topology/model";
import {
    allocatable,
    axonPodRequests,
    BACKUP_AGENT_RESOURCES,
    capacityIssues,
    HEALTH_RELAY_RESOURCES,
    eksMaxPods,
    gkeReservedMemoryMi,
    mayRunHealthRelay,
    requiresSeparateWorkers,
    reservedCpuMilli,
    zoneCapacities,
} from "../components/topology/platform/capacity";
import { cpuMillis, quantityMi } from "../components/topology/schema";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";

type Raw = Record<string, unknown>;
type Entry = Record<string, unknown>;

function stackRaw(name: string): Raw {
    return structuredClone(stackConfigFromFile(readStackFile(name)).raw);
}

function load(raw: Raw): Topology {
    const r = loadTopology(raw);
    assert.deepEqual(r.errors, []);
    return r.topology!;
}

const sites = (raw: Raw) => raw.sites as Entry[];
const nodes = (raw: Raw) => raw.nodes as Entry[];
const at = (issues: readonly ConfigIssue[], path: string) => issues.filter((i) => i.path === path);
const GIB = 1024;

describe("capacity check", () => {
    describe("allocatable capacity per worker", () => {
        // CPU reservation bands of GKE ("Plan node sizes", https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes)
        // and EKS (awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go getCPUMillicoresToReserve); allocatable CPU
        // measured with kubectl: 1.93 (2 vCPU), 3.92 (4), 7.91 (8), 15.89 (16), 63.77 (64)
        // (2i2c-org/infrastructure deployer/commands/generate/resource_allocation/instance_capacities.yaml).
        it("reserves CPU as measured on real workers", () => {
            for (const [vcpu, allocatableMilli] of [
                [2, 1930],
                [4, 3920],
                [8, 7910],
                [16, 15890],
                [64, 63770],
            ]) {
                assert.equal(vcpu * 1000 - reservedCpuMilli(vcpu), allocatableMilli, `${vcpu} vCPU`);
            }
        });

        // GKE memory bands: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2% above.
        it("reserves GKE memory by the published bands", () => {
            const near = (got: number, want: number) => assert.ok(Math.abs(got - want) < 0.01, `${got} != ${want}`);
            assert.equal(gkeReservedMemoryMi(512), 255);
            near(gkeReservedMemoryMi(4 * GIB), 0.25 * 4 * GIB);
            near(gkeReservedMemoryMi(8 * GIB), 0.25 * 4 * GIB + 0.2 * 4 * GIB);
            near(gkeReservedMemoryMi(16 * GIB), 0.25 * 4 * GIB + 0.2 * 4 * GIB + 0.1 * 8 * GIB);
            near(gkeReservedMemoryMi(128 * GIB), 0.25 * 4 * GIB + 0.2 * 4 * GIB + 0.1 * 8 * GIB + 0.06 * 112 * GIB);
            near(gkeReservedMemoryMi(256 * GIB), 0.25 * 4 * GIB + 0.2 * 4 * GIB + 0.1 * 8 * GIB + 0.06 * 112 * GIB + 0.02 * 128 * GIB);
        });

        // Max pods: ENIs × (IPv4 per ENI − 1) + 2 (awslabs/amazon-eks-ami nodeadm/internal/kubelet/eni_max_pods.go) with
        // the ENI data of nodeadm/internal/kubelet/instance-info.jsonl.
        it("derives the EKS max pods from the ENI limits", () => {
            assert.equal(eksMaxPods("m5.large"), 29);
            assert.equal(eksMaxPods("m6i.xlarge"), 58);
            assert.equal(eksMaxPods("r6i.4xlarge"), 234);
            assert.equal(eksMaxPods("t3.medium"), 17);
            assert.equal(eksMaxPods("t3.large"), 35);
            assert.equal(eksMaxPods("m8g.xlarge"), undefined);
        });

        // Measured allocatable memory (instance_capacities.yaml above): the model must never promise more than a real
        // worker has, and stay within 5% of it.
        it("never overestimates the allocatable memory measured on real workers", () => {
            for (const [platform, type, measuredGi] of [
                ["eks", "m5.xlarge", 14.202],
                ["eks", "m5.large", 6.803],
                ["eks", "r5.xlarge", 29.916],
                ["eks", "r5.2xlarge", 61.041],
                ["gke", "n2-highmem-4", 27.738],
                ["gke", "n2-highmem-16", 116.549],
                ["gke", "e2-highmem-16", 116.549],
            ] as const) {
                const a = allocatable(platform, type)!;
                const measuredMi = measuredGi * GIB;
                assert.ok(a.memoryMi <= measuredMi, `${type}: ${a.memoryMi} Mi > measured ${measuredMi}`);
                assert.ok(a.memoryMi >= measuredMi * 0.95, `${type}: ${a.memoryMi} Mi is far below measured ${measuredMi}`);
            }
        });

        it("knows nothing about unknown types", () => {
            assert.equal(allocatable("gke", "n9-standard-4"), undefined);
            assert.equal(allocatable("eks", "m8g.xlarge"), undefined);
        });
    });

    describe("Axon pod requests", () => {
        it("are the Axon container's requests as podSpec renders them, plus the backup agent sidecar", () => {
            const t = load(stackRaw("prod"));
            const node = t.nodes[0];
            const rendered = containerResources(node).requests as Record<string, string>;
            const plain = axonPodRequests(node, { backupAgent: false });
            assert.equal(plain.cpuMilli, cpuMillis(rendered.cpu));
            assert.equal(plain.memoryMi, quantityMi(rendered.memory));
            const withAgent = axonPodRequests(node, { backupAgent: true });
            assert.equal(withAgent.cpuMilli - plain.cpuMilli, 50);
            assert.equal(withAgent.memoryMi - plain.memoryMi, 128);
        });

        it("BACKUP_AGENT_RESOURCES are the resources of the rendered backup sidecar", () => {
            const t = load(stackRaw("prod"));
            const settings = parseBackupSettings({ drRegion: "europe-west1", cloud: "gcp" }, t).settings!;
            const c = backupSidecarContainer({
                node: { name: "axon-1" },
                topology: t,
                settings,
                targetUrl: "gs://bkt",
                tokenVolumeName: "security",
                volumeMountNames: { events: "events", data: "data", log: "log" },
            })!;
            assert.deepEqual(c.resources, BACKUP_AGENT_RESOURCES);
        });

        it("HEALTH_RELAY_RESOURCES are the resources of the rendered health relay sidecar, counted on top of the Axon container", () => {
            const t = load(stackRaw("prod"));
            assert.deepEqual(healthRelayContainer(t).resources, HEALTH_RELAY_RESOURCES);
            const plain = axonPodRequests(t.nodes[0], { backupAgent: false });
            const relay = axonPodRequests(t.nodes[0], { backupAgent: false, healthRelay: true });
            assert.equal(relay.cpuMilli - plain.cpuMilli, cpuMillis(HEALTH_RELAY_RESOURCES.requests.cpu));
            assert.equal(relay.memoryMi - plain.memoryMi, quantityMi(HEALTH_RELAY_RESOURCES.requests.memory));
        });

        // Conservative, like the backup agent: every pod of an EKS/GKE site when another Kubernetes site has Axon
        // nodes (a superset of the sites whose nodes run it, `hasHealthRelay`).
        it("counts the health relay on the sites whose nodes may run it (another Kubernetes site has Axon nodes), not elsewhere", () => {
            const raw = stackRaw("dev");
            const withRelay = load(raw);
            const relayMi = quantityMi(HEALTH_RELAY_RESOURCES.requests.memory);
            for (const z of zoneCapacities(withRelay, { backupAgent: false })) {
                for (const p of z.pods) assert.equal(p.memoryMi, quantityMi(withRelay.nodes.find((n) => n.name === p.node)!.resources.memory) + relayMi, p.node);
            }
            // Without the DR site: aws-euw1 alone, no other site's Job asks its nodes.
            const groups = raw.replicationGroups as { name: string; members: Record<string, string> }[];
            delete groups.find((g) => g.name === "default")!.members["axon-dr-1"];
            raw.nodes = nodes(raw).filter((n) => n.name !== "axon-dr-1");
            raw.sites = sites(raw).filter((x) => x.name !== "aws-euc1");
            const without = load(raw);
            for (const stack of ["dev", "prod", "local"]) {
                const t = load(stackRaw(stack));
                for (const site of t.sites) if (hasHealthRelay(t, site)) assert.ok(mayRunHealthRelay(t, site), `${stack} ${site.name}: counted where it runs`);
            }
            for (const z of zoneCapacities(without, { backupAgent: false })) {
                for (const p of z.pods) assert.equal(p.memoryMi, quantityMi(without.nodes.find((n) => n.name === p.node)!.resources.memory), p.node);
            }
        });

        it("decides one Axon pod per worker exactly like the Kubernetes component", () => {
            for (const stack of ["dev", "prod", "local"]) {
                const t = load(stackRaw(stack));
                for (const s of t.sites) assert.equal(requiresSeparateWorkers(t, s), requireSeparateWorkers(t, s), `${stack} ${s.name}`);
            }
            const raw = stackRaw("prod");
            sites(raw)[0].nodesPerZone = 1;
            const t = load(raw);
            assert.equal(requiresSeparateWorkers(t, t.sites[0]), requireSeparateWorkers(t, t.sites[0]));
        });
    });

    describe("per zone", () => {
        // prod as first written: e2-standard-4 workers, one per zone, zone a holding axon-1 and axon-sec-1
        // with 2 CPU / 8Gi each. GKE reserves CPU and memory (plan-node-sizes above), so they cannot both fit.
        it("rejects prod's GKE zones with one e2-standard-4 worker for two 2-CPU/8Gi pods, naming zone, pods, numbers and fixes", () => {
            const raw = stackRaw("prod");
            sites(raw)[0].nodesPerZone = 1;
            const r = capacityIssues(load(raw), { backupAgent: true });
            assert.equal(r.errors.length, 2);
            const a = at(r.errors, "sites[0].zones[0]")[0]?.message ?? "";
            assert.match(a, /zone "europe-west4-a" of site "gcp-euw4"/);
            assert.match(a, /axon-1 \(2060m CPU \/ 8368Mi\), axon-sec-1 \(2060m CPU \/ 8368Mi\) \(backup agent and health relay sidecars included\)/);
            assert.match(a, /1 worker of type e2-standard-4 \(4 vCPU \/ 16 GiB\); allocatable 3920m CPU \/ \d+Mi per worker/);
            assert.match(a, /axon-sec-1 would stay Pending/);
            assert.match(a, /Set machineType: e2-standard-8 or nodesPerZone: 2/);
            assert.equal(at(r.errors, "sites[0].zones[1]").length, 1);
            assert.equal(at(r.errors, "sites[0].zones[2]").length, 0, "zone c holds one pod");
        });

        it("accepts prod with one worker per Axon pod and keeps headroom", () => {
            const t = load(stackRaw("prod"));
            const r = capacityIssues(t, { backupAgent: true });
            assert.deepEqual(r, { errors: [], warnings: [] });
            for (const z of zoneCapacities(t, { backupAgent: true })) {
                for (const w of z.placement) {
                    assert.ok(w.pods.length <= 1);
                    assert.ok(w.cpuMilli <= 0.8 * z.allocatable!.cpuMilli && w.memoryMi <= 0.8 * z.allocatable!.memoryMi, `${z.site} ${z.zone}`);
                }
            }
        });

        // A pod must fit on ONE worker: three e2-standard-4 workers have 11.7 CPUs allocatable in sum, but no single one
        // can take a 5-CPU pod.
        it("packs per worker, not per zone sum", () => {
            const raw = stackRaw("prod");
            sites(raw)[0].nodesPerZone = 3;
            nodes(raw)[2].cpu = "5"; // axon-3, alone in europe-west4-c
            const r = capacityIssues(load(raw), { backupAgent: false });
            const e = at(r.errors, "sites[0].zones[2]")[0]?.message ?? "";
            assert.match(e, /axon-3 \(5010m CPU \/ \d+Mi\) \(health relay sidecar included\)/);
            assert.match(e, /3 workers of type e2-standard-4/);
            assert.match(e, /machineType: e2-standard-8/);
        });

        it("shares workers when there are more pods than workers (preferred anti-affinity), first-fit decreasing", () => {
            const raw = stackRaw("prod");
            sites(raw)[0].machineType = "e2-standard-8";
            sites(raw)[0].nodesPerZone = 1;
            const t = load(raw);
            const zoneA = zoneCapacities(t, { backupAgent: false }).find((z) => z.zone === "europe-west4-a")!;
            assert.equal(zoneA.separateWorkers, false);
            assert.deepEqual(zoneA.placement.map((w) => w.pods), [["axon-1", "axon-sec-1"]]);
            assert.deepEqual(capacityIssues(t, { backupAgent: false }).errors, []);
        });

        it("counts the backup agent sidecar: a pod that fits without it does not fit with it", () => {
            const raw = stackRaw("dev");
            const t0 = load(raw);
            const z = zoneCapacities(t0, { backupAgent: false })[0];
            // The health relay runs there too (aws-euc1's Jobs ask these nodes).
            const free = z.allocatable!.memoryMi - z.system.memoryMi - quantityMi(HEALTH_RELAY_RESOURCES.requests.memory);
            nodes(raw)[0].memory = `${free}Mi`;
            const t = load(raw);
            assert.deepEqual(capacityIssues(t, { backupAgent: false }).errors, []);
            assert.match(at(capacityIssues(t, { backupAgent: true }).errors, "sites[0].zones[0]")[0]?.message ?? "", /axon-1 would stay Pending/);
        });

        it("warns when a worker is more than 90% full", () => {
            const raw = stackRaw("dev");
            nodes(raw)[0].cpu = "3200m"; // 3200m + 50m agent + 360m system pods of 3920m allocatable
            const r = capacityIssues(load(raw), { backupAgent: true });
            assert.deepEqual(r.errors, []);
            assert.match(at(r.warnings, "sites[0].zones[0]")[0]?.message ?? "", /worker 1 of zone "eu-west-1a" of site "aws-euw1" would be 92% \(CPU\)/);
        });

        it("warns once per site, without an error, when the machine type is unknown", () => {
            const raw = stackRaw("prod");
            sites(raw)[0].machineType = "n9-standard-4";
            const r = capacityIssues(load(raw), { backupAgent: true });
            assert.deepEqual(r.errors, []);
            assert.equal(r.warnings.length, 1);
            assert.match(r.warnings[0].message, /"n9-standard-4" is not in the machine-type table/);
            assert.equal(r.warnings[0].path, "sites[0].machineType");
        });

        it("ignores existing Kubernetes clusters and VM sites", () => {
            assert.deepEqual(zoneCapacities(load(stackRaw("local")), { backupAgent: false }), []);
            assert.ok(zoneCapacities(load(stackRaw("prod")), { backupAgent: false }).every((z) => z.site !== "aws-use1"));
        });
    });
});
