/**
 * Load-time capacity check of the Kubernetes sites this program creates (`eks`, `gke`): per zone, do
 * the Axon Server pods pinned there fit on that zone's workers (`machineType` × `nodesPerZone`)?
 * Pure: no Pulumi import.
 *
 * What is checked, and why:
 * - Each Axon pod is pinned to its zone (node affinity) and its disks are zonal, so capacity is per zone.
 * - A pod must fit on ONE worker: the scheduler places whole pods. Its request is the Axon container's
 *   (`NodeResources`, rendered by components/kubernetes/podSpec.ts `containerResources`) plus the backup
 *   agent sidecar when backups are configured (counted on every pod: conservative) plus the health relay
 *   sidecar on every pod of an EKS/GKE site when another Kubernetes site has Axon nodes (`mayRunHealthRelay`:
 *   conservative; it runs where another site's Jobs ask, connectivity.ts `hasHealthRelay`, which needs a
 *   valid topology and so cannot run on a partial model here).
 * - Every worker first runs the platform's own pods (DaemonSets, and one replica of each cluster
 *   add-on Deployment, which may land on any worker): `SYSTEM_PODS_PER_WORKER`.
 * - A worker's allocatable capacity is its memory as the kubelet sees it minus the provider's
 *   published reservations (`allocatable`).
 * - When a zone has at most `nodesPerZone` Axon pods, the pods carry a *required* anti-affinity (one
 *   Axon pod per worker; components/kubernetes/siteObjects.ts `requireSeparateWorkers`), so each
 *   pod must fit a worker alone. Otherwise they may share workers: first-fit decreasing packing.
 * - Rolling restart: a StatefulSet with one replica replaces its pod in place (delete, then create), so
 *   an Axon restart needs no spare capacity. A node upgrade surges: EKS managed node groups launch the
 *   replacement in the same Availability Zone before draining (EKS user guide, "Understand each phase of
 *   node updates"), GKE surge upgrades add a node before draining one (default maxSurge 1, maxUnavailable
 *   0). The replacement has the same machine type, so the per-worker fit covers it. What is left to keep:
 *   headroom for system pods that grow between platform versions (aws-node went from one to two
 *   containers between EKS 1.27 and 1.29): a warning when a worker would be more than
 *   `HEADROOM_WARNING_RATIO` full.
 */
import { hasNodeLoadBalancers } from "../loadBalancers";
import { AxonNode, ConfigIssue, Site, Topology } from "../model";
import { cpuMillis, quantityMi } from "../schema";
import { lookupMachineType, MACHINE_TYPES, MachineType } from "./machineTypes";

/**
 * Requests and limits of the backup agent sidecar (components/kubernetes/backupSidecar.ts uses this constant).
 * Kubernetes quantities.
 */
export const BACKUP_AGENT_RESOURCES = {
    requests: { cpu: "50m", memory: "128Mi" },
    limits: { cpu: "500m", memory: "512Mi" },
} as const;

/**
 * Requests and limits of the health relay sidecar (components/kubernetes/healthRelay.ts uses this
 * constant): an idle Node.js process answering a health request every few seconds while a Job polls.
 * Kubernetes quantities.
 */
export const HEALTH_RELAY_RESOURCES = {
    requests: { cpu: "10m", memory: "48Mi" },
    limits: { cpu: "100m", memory: "128Mi" },
} as const;

/** The init container creating the control-DB backup directory (components/kubernetes/podSpec.ts). */
const INIT_CONTAINER_REQUESTS = { cpu: "10m", memory: "16Mi" } as const;

/** A worker more than this full (CPU or memory of allocatable) gets a headroom warning. */
export const HEADROOM_WARNING_RATIO = 0.9;

export interface Resources {
    readonly cpuMilli: number;
    readonly memoryMi: number;
}

interface Allowance extends Resources {
    readonly what: string;
    readonly source: string;
}

/**
 * What the platform runs on every worker, and one replica of each cluster add-on Deployment (with one or
 * two workers per zone those replicas land on the Axon workers). Published requests where the add-on
 * publishes them; rounded up to a measured total where it does not.
 */
export const SYSTEM_PODS_PER_WORKER: Readonly<Record<"eks" | "gke", readonly Allowance[]>> = {
    eks: [
        {
            what: "DaemonSets aws-node (2 containers × 25m), kube-proxy (100m), ebs-csi-node (30m, 104Mi)",
            // aws-node: aws/amazon-vpc-cni-k8s charts/aws-vpc-cni/values.yaml `resources.requests.cpu: 25m`,
            // a second container (network policy agent) since EKS 1.28; ebs-csi-node: kubernetes-sigs/aws-ebs-csi-driver
            // charts/aws-ebs-csi-driver values.yaml `node.resources` (10m/40Mi) + templates/_node.tpl sidecars (2 × 10m/32Mi).
            // Measured total on EKS 1.28/1.29 including two DaemonSets of the measuring team: 195m / 250Mi.
            cpuMilli: 200,
            memoryMi: 256,
            source: "https://github.com/2i2c-org/infrastructure/blob/main/deployer/commands/generate/resource_allocation/daemonset_requests.yaml",
        },
        {
            what: "one replica each of coredns (100m, 70Mi) and ebs-csi-controller (6 containers, 60m, 232Mi)",
            // coredns: requests of the CoreDNS add-on manifest; ebs-csi-controller: kubernetes-sigs/aws-ebs-csi-driver
            // charts/aws-ebs-csi-driver values.yaml `controller.resources` (10m/40Mi, the default of every sidecar) and
            // templates/controller.yaml liveness-probe (10m/32Mi).
            cpuMilli: 160,
            memoryMi: 302,
            source: "https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/charts/aws-ebs-csi-driver/values.yaml",
        },
    ],
    gke: [
        {
            what: "DaemonSets fluentbit-gke, gke-metadata-server, gke-metrics-agent, netd, pdcsi-node, ip-masq-agent, anetd/kube-proxy",
            // Measured on GKE 1.27 with calico network policy, including two DaemonSets of the measuring team:
            // 344m / 596Mi. Dataplane V2 replaces calico-node and kube-proxy by anetd; rounded up.
            cpuMilli: 400,
            memoryMi: 600,
            source: "https://github.com/2i2c-org/infrastructure/blob/main/deployer/commands/generate/resource_allocation/daemonset_requests.yaml",
        },
        {
            what: "one replica each of kube-dns (260m, 110Mi) and konnectivity-agent (15m, 60Mi)",
            // `kubectl describe node` of a GKE 1.29 node.
            cpuMilli: 275,
            memoryMi: 170,
            source: "https://github.com/cryptnono/cryptnono/issues/34",
        },
    ],
};

// ---------------------------------------------------------------------------------------------
// Allocatable capacity

/**
 * Share of a machine's nominal memory the kubelet reports as capacity (the kernel and firmware keep the
 * rest): the lowest ratio measured with `kubectl get node` (m5.large 7.461Gi of 8 GiB; n1-standard-2
 * 7.276Gi of 7.5 GB), rounded down, so allocatable is never overestimated.
 */
export const KUBELET_MEMORY_SHARE = {
    value: { aws: 0.93, gcp: 0.97 },
    source: "https://github.com/2i2c-org/infrastructure/blob/main/deployer/commands/generate/resource_allocation/instance_capacities.yaml",
} as const;

/** Hard eviction threshold `memory.available` (EKS AL2023 nodeadm default and GKE): 100 MiB. */
const EVICTION_HARD_MI = 100;

/**
 * CPU reserved for Kubernetes: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% of
 * the rest. The same bands in GKE ("Plan node sizes") and EKS (nodeadm `getCPUMillicoresToReserve`).
 */
export function reservedCpuMilli(vcpu: number): number {
    const total = vcpu * 1000;
    const bands: readonly [number, number, number][] = [
        [0, 1000, 0.06],
        [1000, 2000, 0.01],
        [2000, 4000, 0.005],
        [4000, Infinity, 0.0025],
    ];
    return Math.floor(bands.reduce((sum, [from, to, share]) => sum + Math.max(0, Math.min(total, to) - from) * share, 0));
}

/**
 * GKE memory reservation (https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes):
 * 255 MiB below 1 GiB; else 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the
 * next 112 and 2% above 128 GiB; plus the 100 MiB eviction threshold (not included here).
 */
export function gkeReservedMemoryMi(capacityMi: number): number {
    if (capacityMi < 1024) return 255;
    const bands: readonly [number, number, number][] = [
        [0, 4096, 0.25],
        [4096, 8192, 0.2],
        [8192, 16384, 0.1],
        [16384, 131072, 0.06],
        [131072, Infinity, 0.02],
    ];
    return bands.reduce((sum, [from, to, share]) => sum + Math.max(0, Math.min(capacityMi, to) - from) * share, 0);
}

/**
 * ENIs and IPv4 addresses per ENI of the EC2 types in MACHINE_TYPES (awslabs/amazon-eks-ami
 * nodeadm/internal/kubelet/instance-info.jsonl): the same per size in every listed family except T3.
 */
const ENI_BY_SIZE: Readonly<Record<string, readonly [number, number]>> = {
    large: [3, 10],
    xlarge: [4, 15],
    "2xlarge": [4, 15],
    "4xlarge": [8, 30],
    "8xlarge": [8, 30],
};
const ENI_BY_TYPE: Readonly<Record<string, readonly [number, number]>> = {
    "t3.medium": [3, 6],
    "t3.large": [3, 12],
    "t3.xlarge": [4, 15],
    "t3.2xlarge": [4, 15],
};

/**
 * Max pods the EKS AL2023 AMI configures: ENIs × (IPv4 per ENI − 1) + 2 (awslabs/amazon-eks-ami
 * nodeadm/internal/kubelet/eni_max_pods.go `calculateStandardMaxPods`); undefined for types we lack
 * ENI data for.
 */
export function eksMaxPods(type: string): number | undefined {
    const eni = ENI_BY_TYPE[type] ?? (type in MACHINE_TYPES.aws ? ENI_BY_SIZE[type.slice(type.indexOf(".") + 1)] : undefined);
    return eni ? eni[0] * (eni[1] - 1) + 2 : undefined;
}

export interface Allocatable extends Resources {
    readonly machine: MachineType;
    /** Memory the kubelet reports as capacity. */
    readonly capacityMi: number;
    readonly reservedCpuMilli: number;
    /** Reservation plus eviction threshold. */
    readonly reservedMemoryMi: number;
    /** How the reservation was computed (for messages). */
    readonly formula: string;
}

/** Allocatable CPU and memory of one worker, or undefined when the machine type is unknown. */
export function allocatable(platform: "eks" | "gke", type: string): Allocatable | undefined {
    const cloud = platform === "eks" ? "aws" : "gcp";
    const machine = lookupMachineType(cloud, type);
    if (!machine) return undefined;
    const capacityMi = Math.floor(machine.memoryGiB * 1024 * KUBELET_MEMORY_SHARE.value[cloud]);
    const cpu = reservedCpuMilli(machine.vcpu);
    let memory: number;
    let formula: string;
    if (platform === "eks") {
        // awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go: kubeReserved memory 11 × maxPods + 255 MiB,
        // evictionHard memory.available 100Mi, no systemReserved.
        const maxPods = eksMaxPods(type);
        if (maxPods === undefined) return undefined;
        memory = 11 * maxPods + 255 + EVICTION_HARD_MI;
        formula = `EKS AL2023: kube-reserved 11 × ${maxPods} max pods + 255 MiB, eviction 100 MiB`;
    } else {
        memory = Math.ceil(gkeReservedMemoryMi(capacityMi)) + EVICTION_HARD_MI;
        formula = "GKE: 25%/20%/10%/6%/2% memory bands, eviction 100 MiB";
    }
    return {
        machine,
        capacityMi,
        reservedCpuMilli: cpu,
        reservedMemoryMi: memory,
        cpuMilli: machine.vcpu * 1000 - cpu,
        memoryMi: capacityMi - memory,
        formula,
    };
}

// ---------------------------------------------------------------------------------------------
// Pods

export interface AxonPod extends Resources {
    readonly node: string;
    /** Position in `nodes`. */
    readonly index: number;
}

/**
 * Effective requests of one Axon pod: the sum of its containers, or the largest init container when
 * that is larger (Kubernetes' effective request).
 */
export function axonPodRequests(node: Pick<AxonNode, "name" | "index" | "resources">, options: { backupAgent: boolean; healthRelay?: boolean }): AxonPod {
    const none = { cpu: "0m", memory: "0Mi" };
    const sidecar = options.backupAgent ? BACKUP_AGENT_RESOURCES.requests : none;
    const relay = options.healthRelay ? HEALTH_RELAY_RESOURCES.requests : none;
    const cpu = cpuMillis(node.resources.cpu) + cpuMillis(sidecar.cpu) + cpuMillis(relay.cpu);
    const memory = quantityMi(node.resources.memory) + quantityMi(sidecar.memory) + quantityMi(relay.memory);
    return {
        node: node.name,
        index: node.index,
        cpuMilli: Math.max(cpu, cpuMillis(INIT_CONTAINER_REQUESTS.cpu)),
        memoryMi: Math.max(memory, quantityMi(INIT_CONTAINER_REQUESTS.memory)),
    };
}

/** Platform pods on every worker, summed. */
export function systemPodsPerWorker(platform: "eks" | "gke"): Resources {
    return SYSTEM_PODS_PER_WORKER[platform].reduce((s, a) => ({ cpuMilli: s.cpuMilli + a.cpuMilli, memoryMi: s.memoryMi + a.memoryMi }), { cpuMilli: 0, memoryMi: 0 });
}

/**
 * Whether the Axon pods of a site get a required anti-affinity (one Axon pod per worker): a cluster this
 * program creates whose workers per zone are at least the Axon nodes of any one zone. The same rule as
 * components/kubernetes/siteObjects.ts `requireSeparateWorkers`.
 */
export function requiresSeparateWorkers(topology: Pick<Topology, "nodes">, site: Pick<Site, "name" | "platform" | "cluster">): boolean {
    if (site.platform !== "eks" && site.platform !== "gke") return false;
    const perZone = new Map<string, number>();
    for (const n of topology.nodes) if (n.site === site.name) perZone.set(n.zone ?? "", (perZone.get(n.zone ?? "") ?? 0) + 1);
    return Math.max(0, ...perZone.values()) <= site.cluster.nodesPerZone;
}

// ---------------------------------------------------------------------------------------------
// Zones

export interface WorkerUse extends Resources {
    /** Axon pods placed on this worker. */
    readonly pods: readonly string[];
}

export interface ZoneCapacity {
    readonly site: string;
    readonly siteIndex: number;
    readonly zone: string;
    readonly zoneIndex: number;
    readonly platform: "eks" | "gke";
    readonly machineType: string;
    readonly workers: number;
    readonly pods: readonly AxonPod[];
    readonly separateWorkers: boolean;
    /** Undefined when the machine type is unknown (nothing could be checked). */
    readonly allocatable?: Allocatable;
    readonly system: Resources;
    /** Requests per worker after placing the pods (system pods included); at most one worker per pod is modelled. */
    readonly placement: readonly WorkerUse[];
    /** Pods that fit on no worker. */
    readonly unplaced: readonly AxonPod[];
}

function place(pods: readonly AxonPod[], workers: number, system: Resources, alloc: Resources, separate: boolean): { placement: WorkerUse[]; unplaced: AxonPod[] } {
    // Workers beyond one per pod never take a pod: model at most that many (nodesPerZone may be huge).
    const used = Array.from({ length: Math.min(workers, pods.length) }, () => ({ cpuMilli: system.cpuMilli, memoryMi: system.memoryMi, pods: [] as string[] }));
    const unplaced: AxonPod[] = [];
    // Largest first (memory, then CPU): first-fit decreasing.
    const order = [...pods].sort((a, b) => b.memoryMi - a.memoryMi || b.cpuMilli - a.cpuMilli || a.index - b.index);
    for (const pod of order) {
        const w = used.find(
            (u) => (!separate || u.pods.length === 0) && u.cpuMilli + pod.cpuMilli <= alloc.cpuMilli && u.memoryMi + pod.memoryMi <= alloc.memoryMi,
        );
        if (!w) {
            unplaced.push(pod);
            continue;
        }
        w.cpuMilli += pod.cpuMilli;
        w.memoryMi += pod.memoryMi;
        w.pods.push(pod.node);
    }
    return { placement: used, unplaced: unplaced.sort((a, b) => a.index - b.index) };
}

/** Per zone of every `eks`/`gke` site holding Axon nodes: pods, allocatable, placement. */
export function zoneCapacities(topology: Topology, options: { backupAgent: boolean }): ZoneCapacity[] {
    const out: ZoneCapacity[] = [];
    for (const site of topology.sites) {
        if (site.platform !== "eks" && site.platform !== "gke") continue;
        const platform = site.platform;
        const separate = requiresSeparateWorkers(topology, site);
        const alloc = allocatable(platform, site.cluster.machineType);
        const system = systemPodsPerWorker(platform);
        site.zones.forEach((zone, zoneIndex) => {
            const pods = topology.nodes.filter((n) => n.site === site.name && n.zone === zone).map((n) => axonPodRequests(n, { ...options, healthRelay: mayRunHealthRelay(topology, site) }));
            if (pods.length === 0) return;
            const workers = site.cluster.nodesPerZone;
            const { placement, unplaced } = alloc ? place(pods, workers, system, alloc, separate) : { placement: [], unplaced: [] };
            out.push({
                site: site.name,
                siteIndex: site.index,
                zone,
                zoneIndex,
                platform,
                machineType: site.cluster.machineType,
                workers,
                pods,
                separateWorkers: separate,
                ...(alloc ? { allocatable: alloc } : {}),
                system,
                placement,
                unplaced,
            });
        });
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Messages

const fmtCpu = (m: number) => `${m}m`;
const fmtMem = (mi: number) => `${Math.round(mi)}Mi`;
const fmt = (r: Resources) => `${fmtCpu(r.cpuMilli)} CPU / ${fmtMem(r.memoryMi)}`;

/** Whether `pods` fit on `workers` workers of `type` (used for suggestions). */
function fits(platform: "eks" | "gke", type: string, pods: readonly AxonPod[], workers: number, separate: boolean): boolean {
    const alloc = allocatable(platform, type);
    return alloc !== undefined && place(pods, workers, systemPodsPerWorker(platform), alloc, separate).unplaced.length === 0;
}

/** The smallest known type of the same series (and same memory ratio) that fits, if any. */
function biggerType(z: ZoneCapacity): string | undefined {
    const cloud = z.platform === "eks" ? "aws" : "gcp";
    const series = cloud === "aws" ? z.machineType.slice(0, z.machineType.indexOf(".") + 1) : z.machineType.replace(/-\d+$/, "-");
    return Object.entries(MACHINE_TYPES[cloud])
        .filter(([t]) => t.startsWith(series) && t !== z.machineType)
        .sort(([, a], [, b]) => a.vcpu - b.vcpu || a.memoryGiB - b.memoryGiB)
        .map(([t]) => t)
        .find((t) => fits(z.platform, t, z.pods, z.workers, z.separateWorkers));
}

/**
 * Errors for pods that fit on no worker, warnings for unknown machine types and for workers fuller than
 * `HEADROOM_WARNING_RATIO`. Paths: `sites[i].zones[j]` (the zone) and `sites[i].machineType`.
 */
export function capacityIssues(topology: Topology, options: { backupAgent: boolean }): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
    const errors: ConfigIssue[] = [];
    const warnings: ConfigIssue[] = [];
    const warnedUnknown = new Set<string>();
    for (const z of zoneCapacities(topology, options)) {
        const where = `zone "${z.zone}" of site "${z.site}"`;
        const podList = z.pods.map((p) => `${p.node} (${fmt(p)})`).join(", ");
        if (!z.allocatable) {
            if (!warnedUnknown.has(z.site)) {
                warnedUnknown.add(z.site);
                const cloud = z.platform === "eks" ? "aws" : "gcp";
                warnings.push({
                    path: `sites[${z.siteIndex}].machineType`,
                    message:
                        `${JSON.stringify(z.machineType)} is not in the machine-type table, so the capacity of site "${z.site}" cannot be checked ` +
                        `(Axon pods per zone need up to ${fmt(maxPod(topology, z.site, options))} each); known ${cloud} types include ` +
                        `${Object.keys(MACHINE_TYPES[cloud]).filter((t) => /(xlarge|-4|-8)$/.test(t)).slice(0, 6).join(", ")}`,
                });
            }
            continue;
        }
        const a = z.allocatable;
        const worker = `${z.workers} worker${z.workers === 1 ? "" : "s"} of type ${z.machineType} (${a.machine.vcpu} vCPU / ${a.machine.memoryGiB} GiB)`;
        const per = `allocatable ${fmt(a)} per worker (${a.formula}), of which the platform's own pods take ${fmt(z.system)}`;
        if (z.unplaced.length > 0) {
            const fixes: string[] = [];
            const bigger = biggerType(z);
            if (bigger) fixes.push(`machineType: ${bigger}`);
            const podsFitAlone = z.pods.every((p) => p.cpuMilli + z.system.cpuMilli <= a.cpuMilli && p.memoryMi + z.system.memoryMi <= a.memoryMi);
            if (podsFitAlone && z.pods.length > z.workers) fixes.push(`nodesPerZone: ${z.pods.length} (one Axon pod per worker)`);
            if (fixes.length === 0) fixes.push("a bigger machineType, or smaller cpu/memory of the nodes");
            errors.push({
                path: `sites[${z.siteIndex}].zones[${z.zoneIndex}]`,
                message:
                    `the Axon pods of ${where} do not fit: ${podList}${sidecarsIncluded(options.backupAgent, mayRunHealthRelay(topology, topology.sites.find((s) => s.name === z.site)!))} on ${worker}; ` +
                    `${per}; ${z.unplaced.map((p) => p.node).join(", ")} would stay Pending. ` +
                    `${z.separateWorkers ? "Each pod needs a worker of its own (required anti-affinity). " : ""}Set ${fixes.join(" or ")} on sites[${z.siteIndex}]`,
            });
            continue;
        }
        for (const [i, w] of z.placement.entries()) {
            const cpuRatio = w.cpuMilli / a.cpuMilli;
            const memRatio = w.memoryMi / a.memoryMi;
            if (cpuRatio > HEADROOM_WARNING_RATIO || memRatio > HEADROOM_WARNING_RATIO) {
                warnings.push({
                    path: `sites[${z.siteIndex}].zones[${z.zoneIndex}]`,
                    message:
                        `worker ${i + 1} of ${where} would be ${Math.round(cpuRatio * 100)}% (CPU) / ${Math.round(memRatio * 100)}% (memory) full ` +
                        `with ${w.pods.join(", ") || "no Axon pod"} (${fmt(w)} of ${fmt(a)} allocatable on ${z.machineType}): little headroom for ` +
                        `system pods that grow with platform upgrades; consider a bigger machineType or more nodesPerZone`,
                });
            }
        }
    }
    return { errors, warnings };
}

/**
 * Whether the Axon pods of a site may run the health relay sidecar: an EKS/GKE site (per-node load
 * balancers) in a topology with Axon nodes on another Kubernetes site, whose Jobs may ask it. A superset of
 * connectivity.ts `hasHealthRelay` (which only sites that are asked), decided without the creation chain.
 */
export function mayRunHealthRelay(topology: Pick<Topology, "sites" | "nodes">, site: Pick<Site, "name" | "platform">): boolean {
    if (!hasNodeLoadBalancers(site)) return false;
    const others = new Set(topology.sites.filter((s) => s.platform !== "vm" && s.name !== site.name).map((s) => s.name));
    return topology.nodes.some((n) => others.has(n.site));
}

/** Which sidecars a pod's requests include, for the message. */
function sidecarsIncluded(backupAgent: boolean, healthRelay: boolean): string {
    const names = [...(backupAgent ? ["backup agent"] : []), ...(healthRelay ? ["health relay"] : [])];
    return names.length === 0 ? "" : ` (${names.join(" and ")} sidecar${names.length > 1 ? "s" : ""} included)`;
}

function maxPod(topology: Topology, site: string, options: { backupAgent: boolean }): Resources {
    const relay = mayRunHealthRelay(topology, topology.sites.find((s) => s.name === site)!);
    const pods = topology.nodes.filter((n) => n.site === site).map((n) => axonPodRequests(n, { ...options, healthRelay: relay }));
    return { cpuMilli: Math.max(0, ...pods.map((p) => p.cpuMilli)), memoryMi: Math.max(0, ...pods.map((p) => p.memoryMi)) };
}
