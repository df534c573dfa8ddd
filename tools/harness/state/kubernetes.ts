/**
 * Mock state of Kubernetes resources: what the API server would fill in (object names, cluster IPs, load
 * balancer addresses, namespace phase).
 */
import { MOCK_REGION_ADDRESSES } from "./gcp";
import { record, seedBytes, StateFn } from "./util";


/**
 * The provider auto-names objects without `metadata.name` (name + random suffix); the mock uses the
 * resource name so names stay deterministic.
 */
const withMetadata: StateFn = (inputs, name) => {
    const metadata = record(inputs.metadata);
    return { metadata: { ...metadata, name: typeof metadata.name === "string" ? metadata.name : name } };
};

/** Deterministic private IPv4 (10.x.y.z) from a name. */
export function mockIp(name: string): string {
    const d = seedBytes(name);
    return `10.${d[0]}.${d[1]}.${(d[2] % 253) + 1}`;
}

/** Any `service.beta.kubernetes.io/aws-load-balancer-*` annotation means the AWS load balancer controller answers. */
function isAwsLoadBalancer(annotations: Record<string, unknown>): boolean {
    return Object.keys(annotations).some((k) => k.startsWith("service.beta.kubernetes.io/aws-load-balancer-"));
}

/**
 * The address GKE's L4 controller gives an internal load balancer: the first name of
 * `networking.gke.io/load-balancer-ip-addresses` that is an address of the project, else an ephemeral one
 * (a name it cannot find is skipped: kubernetes/ingress-gce pkg/l4/annotations/l4_static_address.go).
 */
function gkeLoadBalancerIp(annotations: Record<string, unknown>, objName: string): string {
    const names = String(annotations["networking.gke.io/load-balancer-ip-addresses"] ?? "").split(",").map((n) => n.trim());
    return names.map((n) => MOCK_REGION_ADDRESSES.get(n)).find((ip) => ip !== undefined) ?? mockIp(`lb/${objName}`);
}

const service: StateFn = (inputs, name) => {
    const base = withMetadata(inputs, name);
    const metadata = record(base.metadata);
    const spec = record(inputs.spec);
    const objName = String(metadata.name);
    const out: Record<string, unknown> = { ...base };
    if (spec.clusterIP !== "None" && spec.type !== "ExternalName") {
        out.spec = { ...spec, clusterIP: typeof spec.clusterIP === "string" ? spec.clusterIP : mockIp(`cluster-ip/${objName}`) };
    }
    if (spec.type === "LoadBalancer") {
        const ingress = isAwsLoadBalancer(record(metadata.annotations))
            ? { hostname: `${objName}.elb.amazonaws.com` }
            : { ip: gkeLoadBalancerIp(record(metadata.annotations), objName) };
        out.status = { loadBalancer: { ingress: [ingress] } };
    }
    return out;
};

const KINDS_WITH_METADATA = [
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:Secret",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:storage.k8s.io/v1:StorageClass",
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
];

/** Mock state for `kubernetes:*` resource types. */
export const STATE: Record<string, StateFn> = {
    ...Object.fromEntries(KINDS_WITH_METADATA.map((t) => [t, withMetadata])),
    "kubernetes:core/v1:Namespace": (inputs, name) => ({ ...withMetadata(inputs, name), status: { phase: "Active" } }),
    "kubernetes:core/v1:Service": service,
};
