/**
 * Platform rules checked on a whole rendered stack: plain assertions over the recorded registrations
 * (type, name, URN, provider, dependencies, inputs), each citing the platform's own rule. They read
 * nothing but the records, so the same checks run on any stack the harness renders.
 *
 * No Pulumi import: only `node:assert` and the pure capacity model.
 */
import assert from "node:assert/strict";
import { allocatable, systemPodsPerWorker } from "../../components/topology/platform/capacity";
import { STATE as AWS_STATE } from "../../tools/harness/state/aws";
import { STATE as GCP_STATE } from "../../tools/harness/state/gcp";

/** The fields of a recorded registration these checks read (tools/harness/mocks.ts `ResourceRecord`). */
export interface RenderedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly provider: string;
    readonly dependencies: readonly string[];
    readonly inputs: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
type J = any;

const T = {
    eksCluster: "aws:eks/cluster:Cluster",
    subnet: "aws:ec2/subnet:Subnet",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    tgwAttachment: "aws:ec2transitgateway/vpcAttachment:VpcAttachment",
    route: "aws:ec2/route:Route",
    dlm: "aws:dlm/lifecyclePolicy:LifecyclePolicy",
    gkeCluster: "gcp:container/cluster:Cluster",
    nodePool: "gcp:container/nodePool:NodePool",
    k8sProvider: "pulumi:providers:kubernetes",
    service: "kubernetes:core/v1:Service",
} as const;

/** Workload kinds whose pod template a Service can select. */
const WORKLOADS = ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:Job"];

const ofType = (records: readonly RenderedResource[], type: string) => records.filter((r) => r.type === type);
const inputs = (r: RenderedResource): J => r.inputs as J;

/** The harness's mocks give every custom resource the id `<logical name>-id` (tools/harness/mocks.ts). */
function byMockId(records: readonly RenderedResource[], type: string): Map<string, RenderedResource> {
    return new Map(ofType(records, type).map((r) => [`${r.name}-id`, r]));
}

// ---------------------------------------------------------------------------------------------
// AWS

/**
 * EKS user guide, "View Amazon EKS networking requirements for VPC and subnets"
 * (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html): "When you create a cluster, you
 * specify a VPC and at least two subnets that are in different Availability Zones."
 */
export function assertEksClustersSpanTwoZones(records: readonly RenderedResource[]): void {
    const subnets = byMockId(records, T.subnet);
    const clusters = ofType(records, T.eksCluster);
    assert.ok(clusters.length > 0, "the stack has EKS clusters");
    for (const c of clusters) {
        const ids: string[] = inputs(c).vpcConfig.subnetIds;
        const zones = new Set(ids.map((id) => inputs(subnets.get(id) ?? assert.fail(`${c.name}: unknown subnet ${id}`)).availabilityZone as string));
        assert.ok(zones.size >= 2, `EKS cluster ${c.name}: subnets ${JSON.stringify(ids)} are in ${zones.size} Availability Zone(s) ${JSON.stringify([...zones])}; EKS needs at least 2`);
    }
}

/**
 * RFC 5737, section 3 (https://www.rfc-editor.org/rfc/rfc5737#section-3): TEST-NET-1/2/3, reserved for
 * documentation and never routed, so no runner ever has such a source address.
 */
function isDocumentation(cidr: string): boolean {
    return /^(192\.0\.2|198\.51\.100|203\.0\.113)\./.test(cidr);
}

/** RFC 1918, RFC 6598 (shared address space) and loopback: sources a public endpoint never sees. */
function isNonPublic(cidr: string): boolean {
    const [a, b] = cidr.split("/")[0].split(".").map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

/**
 * EKS user guide, "Cluster API server endpoint" (https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html):
 * with the public endpoint disabled, "all traffic to your cluster API server must come from within your
 * cluster's VPC or a connected network". The Kubernetes provider talks to the API from the machine that
 * runs `pulumi up`, which is in no VPC of a first run. So every EKS cluster either opens its public endpoint
 * to public, routed runner ranges only (`publicAccessCidrs`; never the whole internet, never a documentation
 * address), or is private-only with
 * the VPC attached to a transit gateway and the private route tables routing to it.
 */
export function assertEksApiReachableFromRunner(records: readonly RenderedResource[]): void {
    const subnets = byMockId(records, T.subnet);
    const clusters = ofType(records, T.eksCluster);
    assert.ok(clusters.length > 0, "the stack has EKS clusters");
    for (const c of clusters) {
        const vpc = inputs(c).vpcConfig;
        if (vpc.endpointPublicAccess === true) {
            const cidrs: string[] = vpc.publicAccessCidrs ?? [];
            assert.ok(cidrs.length > 0, `EKS cluster ${c.name}: a public endpoint without publicAccessCidrs is open to 0.0.0.0/0`);
            for (const cidr of cidrs) {
                assert.ok(cidr !== "0.0.0.0/0" && !isNonPublic(cidr), `EKS cluster ${c.name}: publicAccessCidrs ${cidr} is ${cidr === "0.0.0.0/0" ? "the whole internet" : "not a public range (the public endpoint never sees it)"}`);
                assert.ok(!isDocumentation(cidr), `EKS cluster ${c.name}: publicAccessCidrs ${cidr} is a documentation address (RFC 5737), never routed: the endpoint admits no machine`);
            }
        } else {
            const vpcIds = new Set((vpc.subnetIds as string[]).map((id) => inputs(subnets.get(id)!).vpcId as string));
            const attachments = ofType(records, T.tgwAttachment).filter((a) => vpcIds.has(inputs(a).vpcId));
            assert.ok(
                attachments.length > 0,
                `EKS cluster ${c.name}: endpointPublicAccess ${JSON.stringify(vpc.endpointPublicAccess)} (private only) and its VPC ${JSON.stringify([...vpcIds])} has no transit gateway attachment: nothing routes the runner to the API`,
            );
            const tgwRoutes = ofType(records, T.route).filter((r) => inputs(r).transitGatewayId !== undefined);
            assert.ok(tgwRoutes.length > 0, `EKS cluster ${c.name}: private only, but no route table routes to the transit gateway`);
        }
    }
}

/**
 * DLM lifecycle policy `description`: terraform-provider-aws internal/service/dlm/lifecycle_policy.go
 * validates `^[0-9A-Za-z _-]+$` and 1-500 characters in preview; the DLM API reference
 * (https://docs.aws.amazon.com/dlm/latest/APIReference/API_CreateLifecyclePolicy.html) has the same pattern.
 */
export function assertDlmDescriptionsValid(records: readonly RenderedResource[]): void {
    const policies = ofType(records, T.dlm);
    assert.ok(policies.length > 0, "the stack has DLM policies");
    for (const p of policies) {
        const d = String(inputs(p).description);
        assert.match(d, /^[0-9A-Za-z _-]+$/, `DLM policy ${p.name}: description ${JSON.stringify(d)}`);
        assert.ok(d.length >= 1 && d.length <= 500, `DLM policy ${p.name}: ${d.length} characters`);
    }
}

// ---------------------------------------------------------------------------------------------
// GKE

/**
 * GKE "About network isolation" (https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation):
 * the DNS-based endpoint is reachable from any network, access decided by IAM; the IP endpoints of a
 * private cluster need a network path the first run does not have. kubernetes/cloud-provider-gcp
 * cmd/gke-gcloud-auth-plugin/cred.go: without `--use_application_default_credentials` the plugin runs
 * `gcloud`, not the Application Default Credentials the GCP provider uses. pulumi-kubernetes replaces the
 * provider, and every object on it, when the kubeconfig `server` changes (pulumi/pulumi-kubernetes#2598):
 * a DNS name that no config list feeds keeps it stable.
 */
export function assertGkeApiReachableFromRunner(records: readonly RenderedResource[]): void {
    const clusters = ofType(records, T.gkeCluster);
    assert.ok(clusters.length > 0, "the stack has GKE clusters");
    for (const c of clusters) {
        assert.equal(inputs(c).controlPlaneEndpointsConfig?.dnsEndpointConfig?.allowExternalTraffic, true, `GKE cluster ${c.name}: DNS-based endpoint open to external traffic`);
    }
    const gkeProviders = ofType(records, T.k8sProvider).filter((p) => String(inputs(p).kubeconfig ?? "").includes("gke-gcloud-auth-plugin"));
    assert.equal(gkeProviders.length, clusters.length, "one Kubernetes provider per GKE cluster, authenticating with gke-gcloud-auth-plugin");
    for (const p of gkeProviders) {
        const kc = JSON.parse(String(inputs(p).kubeconfig));
        const server = String(kc.clusters[0].cluster.server);
        assert.match(server, /^https:\/\/gke-[0-9a-f]+-\d+\.[a-z0-9-]+\.gke\.goog$/, `Kubernetes provider ${p.name}: server ${server} is not the DNS-based endpoint`);
        assert.ok((kc.users[0].user.exec.args as string[] | undefined)?.includes("--use_application_default_credentials"), `Kubernetes provider ${p.name}: exec args ${JSON.stringify(kc.users[0].user.exec.args)}`);
    }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
    return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * pulumi-kubernetes provider/pkg/await/service.go: a Service with a selector that is neither headless
 * (`clusterIP: None`) nor ExternalName is ready only once its Endpoints target a pod (10 minutes by
 * default), unless `pulumi.com/skipAwait` is set. Created before the workload whose pods it selects
 * (a chain that starts that workload minutes later), it times out on the first run. So every awaited
 * Service depends on the workload it selects.
 */
export function assertAwaitedServicesWaitForTheirPods(records: readonly RenderedResource[]): void {
    const workloads = records.filter((r) => WORKLOADS.includes(r.type));
    let awaited = 0;
    for (const svc of ofType(records, T.service)) {
        const { metadata, spec } = inputs(svc);
        const selector: Record<string, string> | undefined = spec.selector;
        if (!selector || Object.keys(selector).length === 0 || spec.type === "ExternalName" || spec.clusterIP === "None") continue;
        if (metadata.annotations?.["pulumi.com/skipAwait"] === "true") continue;
        awaited++;
        const targets = workloads.filter(
            (w) => w.provider === svc.provider && (inputs(w).metadata.namespace ?? "default") === (metadata.namespace ?? "default") && selects(selector, inputs(w).spec.template.metadata.labels),
        );
        assert.ok(targets.length > 0, `Service ${svc.name}: awaited, but no workload of its provider has pods it selects`);
        for (const w of targets) {
            assert.ok(svc.dependencies.includes(w.urn), `Service ${svc.name} is awaited until it has endpoints but does not depend on ${w.name}, whose pods it selects`);
        }
    }
    assert.ok(awaited > 0, "the stack has awaited Services");
}

/**
 * Kubernetes ServiceSpec.publishNotReadyAddresses (https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/):
 * without it a Service lists only Ready pods. An Axon Server node becomes Ready only after it has joined
 * its cluster, so every Service through which peers or clients reach a node (its headless, gRPC, HTTP
 * and load balancer Services) must publish the not-ready pod too.
 */
export function assertNodeServicesPublishNotReadyAddresses(records: readonly RenderedResource[]): void {
    const statefulSets = ofType(records, "kubernetes:apps/v1:StatefulSet");
    let checked = 0;
    for (const svc of ofType(records, T.service)) {
        const selector: Record<string, string> | undefined = inputs(svc).spec.selector;
        if (!selector || !statefulSets.some((s) => s.provider === svc.provider && selects(selector, inputs(s).spec.template.metadata.labels))) continue;
        checked++;
        assert.equal(inputs(svc).spec.publishNotReadyAddresses, true, `Service ${svc.name} (type ${inputs(svc).spec.type ?? "ClusterIP"}) selects an Axon Server pod but does not publish not-ready addresses`);
    }
    assert.ok(checked > 0, "the stack has Services for Axon Server pods");
}

/** Every container and init container image of every pod template. */
export function podImages(records: readonly RenderedResource[]): { resource: string; container: string; image: string }[] {
    return records
        .filter((r) => WORKLOADS.includes(r.type))
        .flatMap((r) => {
            const pod = inputs(r).spec.template.spec;
            return [...(pod.initContainers ?? []), ...pod.containers].map((c: J) => ({ resource: r.name, container: String(c.name), image: String(c.image) }));
        });
}

/**
 * Docker Hub limits unauthenticated pulls per IPv4 address (https://docs.docker.com/docker-hub/usage/pulls/),
 * and every worker behind one NAT address shares that allowance: with a registry mirror configured, every
 * image of every pod comes from it. Official images need their `library/` namespace under a pull-through
 * cache (ECR: https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-working-pulling.html).
 */
export function assertImagesFromRegistry(records: readonly RenderedResource[], registry: string): void {
    const images = podImages(records);
    assert.ok(images.length > 0, "the stack has pods");
    for (const i of images) {
        assert.ok(i.image.startsWith(`${registry}/`), `${i.resource} container ${i.container}: image ${i.image} is not pulled through ${registry}`);
        assert.match(i.image.slice(registry.length + 1), /^[a-z0-9._-]+\/[a-z0-9._/-]+[:@]/, `${i.resource} container ${i.container}: ${i.image} names no repository namespace`);
    }
}

// ---------------------------------------------------------------------------------------------
// Capacity

/** CPU in millicores from a Kubernetes quantity ("2", "500m", "0.5"). */
function milli(q: string | number | undefined): number {
    if (q === undefined) return 0;
    const s = String(q);
    return s.endsWith("m") ? Number(s.slice(0, -1)) : Math.round(Number(s) * 1000);
}

const MEMORY_UNITS: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576 };

/** Memory in MiB from a Kubernetes quantity ("8Gi", "128Mi", "1G"). */
function mebi(q: string | number | undefined): number {
    if (q === undefined) return 0;
    const m = /^([0-9.]+)([A-Za-z]*)$/.exec(String(q));
    assert.ok(m, `memory quantity ${q}`);
    return m[2] === "" ? Number(m[1]) / 1048576 : Number(m[1]) * (MEMORY_UNITS[m[2]] ?? assert.fail(`unit ${m[2]}`));
}

interface Need {
    readonly what: string;
    readonly cpu: number;
    readonly mem: number;
}

/** Kubernetes' effective pod request: the sum of the containers, or the largest init container if larger. */
function podRequest(what: string, pod: J): Need {
    const sum = (cs: J[]) => cs.reduce((s, c) => ({ cpu: s.cpu + milli(c.resources?.requests?.cpu), mem: s.mem + mebi(c.resources?.requests?.memory) }), { cpu: 0, mem: 0 });
    const main = sum(pod.containers);
    const init = (pod.initContainers ?? []).map((c: J) => sum([c]));
    return { what, cpu: Math.max(main.cpu, ...init.map((i: Need) => i.cpu)), mem: Math.max(main.mem, ...init.map((i: Need) => i.mem)) };
}

/** The zone a pod is pinned to by required node affinity or nodeSelector. */
function pinnedZone(pod: J): string | undefined {
    const fromSelector = pod.nodeSelector?.["topology.kubernetes.io/zone"];
    if (fromSelector) return fromSelector;
    for (const term of pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
        for (const e of term.matchExpressions ?? []) if (e.key === "topology.kubernetes.io/zone" && e.operator === "In" && e.values.length === 1) return e.values[0];
    }
    return undefined;
}

interface Worker {
    /** The EKS or GKE cluster name the worker belongs to. */
    readonly cluster: string;
    readonly zone: string;
    readonly machineType: string;
    cpu: number;
    mem: number;
    readonly pods: string[];
}

/** The workers of every node group (EKS) and node pool (GKE) of the stack, per zone, with room left after the platform's own pods. */
function workersByZone(records: readonly RenderedResource[]): Map<string, Worker[]> {
    const subnets = byMockId(records, T.subnet);
    const out = new Map<string, Worker[]>();
    const add = (platform: "eks" | "gke", cluster: string, zone: string, machineType: string, count: number) => {
        const alloc = allocatable(platform, machineType) ?? assert.fail(`machine type ${machineType} is not in the machine-type table`);
        const system = systemPodsPerWorker(platform);
        for (let i = 0; i < count; i++) {
            const list = out.get(zone) ?? [];
            list.push({ cluster, zone, machineType, cpu: alloc.cpuMilli - system.cpuMilli, mem: alloc.memoryMi - system.memoryMi, pods: [] });
            out.set(zone, list);
        }
    };
    for (const ng of ofType(records, T.nodeGroup)) {
        const i = inputs(ng);
        const zones = new Set<string>((i.subnetIds as string[]).map((id) => inputs(subnets.get(id)!).availabilityZone));
        assert.equal(zones.size, 1, `node group ${ng.name} is in one zone`);
        add("eks", String(i.clusterName), [...zones][0], i.instanceTypes[0], Number(i.scalingConfig.desiredSize));
    }
    const gkeClusters = ofType(records, T.gkeCluster);
    for (const pool of ofType(records, T.nodePool)) {
        const i = inputs(pool);
        const cluster = gkeClusters.find((c) => inputs(c).name === i.cluster);
        const zones: string[] = i.nodeLocations ?? (cluster && inputs(cluster).nodeLocations) ?? assert.fail(`node pool ${pool.name}: no zones`);
        for (const zone of zones) add("gke", String(i.cluster), zone, i.nodeConfig.machineType, Number(i.nodeCount ?? i.initialNodeCount));
    }
    return out;
}

/**
 * The scheduler places a pod only on a worker whose allocatable capacity minus what is already requested
 * there covers the pod's requests (https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/).
 * Allocatable is the machine minus the provider's reservations (GKE "Plan node sizes"
 * https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes; EKS AL2023 nodeadm
 * kube-reserved), minus the platform's own pods (components/topology/platform/capacity.ts). Every Axon
 * Server pod is pinned to its zone: placed first-fit decreasing on that zone's workers, they must all fit;
 * every Job pod (gates, rollers) must then still fit on some worker of its cluster.
 */
export function assertPodsFitTheirWorkers(records: readonly RenderedResource[]): void {
    const workers = workersByZone(records);
    const statefulSets = ofType(records, "kubernetes:apps/v1:StatefulSet");
    assert.ok(statefulSets.length > 0, "the stack has StatefulSets");
    const zonesOfProvider = new Map<string, Set<string>>();
    const byZone = new Map<string, Need[]>();
    for (const sts of statefulSets) {
        const pod = inputs(sts).spec.template.spec;
        const zone = pinnedZone(pod);
        if (!zone || !workers.has(zone)) continue; // an existing cluster: its workers are not the program's
        const replicas = Number(inputs(sts).spec.replicas ?? 1);
        for (let i = 0; i < replicas; i++) byZone.set(zone, [...(byZone.get(zone) ?? []), podRequest(sts.name, pod)]);
        zonesOfProvider.set(sts.provider, (zonesOfProvider.get(sts.provider) ?? new Set()).add(zone));
    }
    assert.ok(byZone.size > 0, "the stack pins pods to the zones of its workers");
    const place = (need: Need, candidates: Worker[]): Worker | undefined => {
        const w = candidates.find((c) => c.cpu >= need.cpu && c.mem >= need.mem);
        if (w) {
            w.cpu -= need.cpu;
            w.mem -= need.mem;
            w.pods.push(need.what);
        }
        return w;
    };
    for (const [zone, pods] of byZone) {
        const zoneWorkers = workers.get(zone)!;
        for (const pod of [...pods].sort((a, b) => b.cpu - a.cpu || b.mem - a.mem)) {
            const w = place(pod, zoneWorkers);
            assert.ok(
                w,
                `zone ${zone}: pod of ${pod.what} requests ${pod.cpu}m CPU / ${Math.round(pod.mem)}Mi memory, but no worker has that much left ` +
                    `(${zoneWorkers.length} × ${zoneWorkers[0].machineType}; left per worker: ${zoneWorkers.map((x) => `${x.cpu}m/${Math.round(x.mem)}Mi running ${JSON.stringify(x.pods)}`).join(", ")})`,
            );
        }
    }
    for (const job of ofType(records, "kubernetes:batch/v1:Job")) {
        const zones = zonesOfProvider.get(job.provider);
        if (!zones) continue;
        // Job pods are not pinned: any worker of the cluster whose StatefulSets share the Job's provider.
        const clusters = new Set([...zones].flatMap((z) => workers.get(z)!.map((w) => w.cluster)));
        const clusterWorkers = [...workers.values()].flat().filter((w) => clusters.has(w.cluster));
        const need = podRequest(job.name, inputs(job).spec.template.spec);
        assert.ok(clusterWorkers.some((w) => w.cpu >= need.cpu && w.mem >= need.mem), `Job ${job.name}: its pod (${need.cpu}m / ${Math.round(need.mem)}Mi) fits no worker once the Axon Server pods run`);
    }
}

/**
 * A pool that is replaced (EKS: a new instance type, subnet or node role; GKE: the program's
 * `replaceOnChanges`) is deleted at the end of `pulumi up` with no wait for PodDisruptionBudgets: EKS
 * forces termination of a worker not drained after 5 minutes
 * (https://docs.aws.amazon.com/eks/latest/userguide/delete-managed-node-group.html), GKE "PodDisruptionBudget
 * settings are not honored during node pool deletion"
 * (https://cloud.google.com/kubernetes-engine/docs/concepts/node-pools). So every Axon Server pod pinned to a
 * zone of a pool the program made must also be pinned, in the same node selector term (expressions ANDed),
 * to that pool by the label the platform puts on its workers (`eks.amazonaws.com/nodegroup`,
 * `cloud.google.com/gke-nodepool`, valued with the pool's name), and its StatefulSet must depend on that
 * pool: a replaced pool then changes the pod template and the roller moves the pod before the delete.
 * The pool's name is the output the platform labels with (EKS: `nodeGroupName`; GKE: the pool's `name`),
 * as the harness's mocks compute it (tools/harness/state/aws.ts, gcp.ts), not the logical name.
 */
export function assertAxonPodsPinnedToTheirPool(records: readonly RenderedResource[]): void {
    const subnets = byMockId(records, T.subnet);
    const gkeClusters = ofType(records, T.gkeCluster);
    /** zone → the pools of that zone: label key, name, URN. */
    const pools = new Map<string, { key: string; name: string; urn: string }[]>();
    const add = (zone: string, p: { key: string; name: string; urn: string }) => pools.set(zone, [...(pools.get(zone) ?? []), p]);
    for (const ng of ofType(records, T.nodeGroup)) {
        const name = String(AWS_STATE[T.nodeGroup](inputs(ng), ng.name).nodeGroupName);
        for (const id of inputs(ng).subnetIds as string[]) add(inputs(subnets.get(id)!).availabilityZone, { key: "eks.amazonaws.com/nodegroup", name, urn: ng.urn });
    }
    for (const pool of ofType(records, T.nodePool)) {
        const i = inputs(pool);
        const cluster = gkeClusters.find((c) => inputs(c).name === i.cluster);
        const name = String(GCP_STATE[T.nodePool](i, pool.name).name);
        for (const zone of (i.nodeLocations ?? (cluster && inputs(cluster).nodeLocations) ?? []) as string[]) add(zone, { key: "cloud.google.com/gke-nodepool", name, urn: pool.urn });
    }
    let checked = 0;
    for (const sts of ofType(records, "kubernetes:apps/v1:StatefulSet")) {
        const pod = inputs(sts).spec.template.spec;
        const zone = pinnedZone(pod);
        if (!zone || !pools.has(zone)) continue; // an existing cluster: its workers are not the program's
        checked++;
        const terms: J[] = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
        assert.equal(terms.length, 1, `${sts.name}: one required node selector term (terms are ORed)`);
        const candidates = pools.get(zone)!;
        const pin = (terms[0].matchExpressions ?? []).find((e: J) => candidates.some((p) => p.key === e.key));
        assert.ok(pin, `${sts.name}: pinned to zone ${zone} but not to its pool (${candidates.map((p) => `${p.key}=${p.name}`).join(", ")}): a replaced pool would be deleted under it`);
        assert.equal(pin.operator, "In", sts.name);
        const pool = candidates.find((p) => p.key === pin.key && pin.values.length === 1 && pin.values[0] === p.name);
        assert.ok(pool, `${sts.name}: ${pin.key} In ${JSON.stringify(pin.values)} names no pool of zone ${zone} (${candidates.map((p) => p.name).join(", ")})`);
        assert.ok(sts.dependencies.includes(pool.urn), `${sts.name}: does not depend on its pool ${pool.name}`);
    }
    assert.ok(checked > 0, "the stack has Axon Server pods on a pool the program made");
}
