/**
 * Mock state for `gcp:*` resource types: the outputs GCP computes that the program reads. Inputs are echoed
 * by the harness; entries here add (and override) computed fields. Values are deterministic: derived from
 * the logical name, so reruns and golden files are stable.
 */
import { seedBytes, seedHex, seedIp, StateFn, str } from "./util";


const MOCK_PROJECT = "mock-project";

/**
 * The regional addresses the mock project holds, by name (what GKE's L4 controller looks a
 * `networking.gke.io/load-balancer-ip-addresses` name up in: tools/harness/state/kubernetes.ts). An
 * address's value derives from its logical name, so an entry left by an earlier run is still right.
 */
export const MOCK_REGION_ADDRESSES = new Map<string, string>();


/** Name GCP would give the resource: the input `name`, else the logical name (autonaming is engine-side). */
function gcpName(inputs: Record<string, unknown>, name: string): string {
    return str(inputs.name) ?? name;
}

function project(inputs: Record<string, unknown>): string {
    return str(inputs.project) ?? MOCK_PROJECT;
}

const COMPUTE = "https://www.googleapis.com/compute/v1";

/** `selfLink` for a global (`scope` = "global") or regional compute resource. */
function computeLink(inputs: Record<string, unknown>, name: string, collection: string, regional: boolean): Record<string, unknown> {
    const scope = regional ? `regions/${str(inputs.region) ?? "mock-region"}` : "global";
    const n = gcpName(inputs, name);
    return { name: n, selfLink: `${COMPUTE}/projects/${project(inputs)}/${scope}/${collection}/${n}` };
}

export const STATE: Record<string, StateFn> = {
    "gcp:compute/network:Network": (inputs, name) => ({ ...computeLink(inputs, name, "networks", false), numericId: String(seedBytes(name).readUInt32BE(0)) }),
    "gcp:compute/subnetwork:Subnetwork": (inputs, name) => ({
        ...computeLink(inputs, name, "subnetworks", true),
        gatewayAddress: typeof inputs.ipCidrRange === "string" ? inputs.ipCidrRange.replace(/\.0\/\d+$/, ".1") : undefined,
    }),
    "gcp:compute/router:Router": (inputs, name) => computeLink(inputs, name, "routers", true),
    "gcp:compute/routerNat:RouterNat": (inputs, name) => ({ name: gcpName(inputs, name) }),
    "gcp:compute/firewall:Firewall": (inputs, name) => computeLink(inputs, name, "firewalls", false),
    "gcp:compute/haVpnGateway:HaVpnGateway": (inputs, name) => ({
        ...computeLink(inputs, name, "vpnGateways", true),
        vpnInterfaces: [
            { id: 0, ipAddress: seedIp(`${name}/0`, 34) },
            { id: 1, ipAddress: seedIp(`${name}/1`, 35) },
        ],
    }),
    "gcp:compute/externalVpnGateway:ExternalVpnGateway": (inputs, name) => computeLink(inputs, name, "externalVpnGateways", false),
    "gcp:compute/vPNTunnel:VPNTunnel": (inputs, name) => ({
        ...computeLink(inputs, name, "vpnTunnels", true),
        detailedStatus: "Tunnel is up and running.",
    }),
    "gcp:compute/routerInterface:RouterInterface": (inputs, name) => ({ name: gcpName(inputs, name) }),
    "gcp:compute/routerPeer:RouterPeer": (inputs, name) => ({ name: gcpName(inputs, name) }),
    "gcp:compute/address:Address": (inputs, name) => {
        const link = computeLink(inputs, name, "addresses", true);
        const address = str(inputs.address) ?? seedIp(name, 10);
        MOCK_REGION_ADDRESSES.set(String(link.name), address);
        return { ...link, address };
    },
    "gcp:compute/instance:Instance": (inputs, name) => {
        const nics = Array.isArray(inputs.networkInterfaces) ? (inputs.networkInterfaces as Record<string, unknown>[]) : [];
        return {
            name: gcpName(inputs, name),
            selfLink: `${COMPUTE}/projects/${project(inputs)}/zones/${str(inputs.zone) ?? "mock-zone"}/instances/${gcpName(inputs, name)}`,
            instanceId: String(seedBytes(name).readUInt32BE(0)),
            networkInterfaces: nics.map((nic, i) => ({ ...nic, networkIp: str(nic.networkIp) ?? seedIp(`${name}/${i}`, 10), name: `nic${i}` })),
        };
    },
    "gcp:container/cluster:Cluster": (inputs, name) => ({
        name: gcpName(inputs, name),
        selfLink: `https://container.googleapis.com/v1/projects/${project(inputs)}/locations/${str(inputs.location) ?? "mock-region"}/clusters/${gcpName(inputs, name)}`,
        endpoint: seedIp(`${name}/endpoint`, 34),
        masterAuth: { clusterCaCertificate: Buffer.from(`-----BEGIN CERTIFICATE-----\nmock-ca-${name}\n-----END CERTIFICATE-----\n`).toString("base64") },
        masterVersion: str(inputs.minMasterVersion) ?? "1.33.5-gke.1000000",
        // Keep the configured private cluster settings and add what GKE computes.
        privateClusterConfig:
            inputs.privateClusterConfig && typeof inputs.privateClusterConfig === "object"
                ? {
                      ...(inputs.privateClusterConfig as Record<string, unknown>),
                      privateEndpoint: typeof (inputs.privateClusterConfig as Record<string, unknown>).masterIpv4CidrBlock === "string"
                          ? ((inputs.privateClusterConfig as Record<string, unknown>).masterIpv4CidrBlock as string).replace(/\.0\/28$/, ".2")
                          : seedIp(`${name}/private`, 10),
                      publicEndpoint: seedIp(`${name}/endpoint`, 34),
                  }
                : undefined,
        // GKE computes the DNS-based endpoint `gke-<hash>-<project number>.<region>.gke.goog` from the
        // cluster's identity only (GKE docs, "About network isolation": DNS-based endpoint).
        controlPlaneEndpointsConfig: {
            ...(inputs.controlPlaneEndpointsConfig && typeof inputs.controlPlaneEndpointsConfig === "object" ? (inputs.controlPlaneEndpointsConfig as Record<string, unknown>) : {}),
            dnsEndpointConfig: {
                ...((inputs.controlPlaneEndpointsConfig as { dnsEndpointConfig?: Record<string, unknown> } | undefined)?.dnsEndpointConfig ?? {}),
                endpoint: `gke-${seedHex(`${project(inputs)}/${gcpName(inputs, name)}`, 32)}-123456789.${str(inputs.location) ?? "mock-region"}.gke.goog`,
            },
        },
    }),
    "gcp:container/nodePool:NodePool": (inputs, name) => ({ name: gcpName(inputs, name), instanceGroupUrls: [] }),
    "gcp:serviceaccount/account:Account": (inputs, name) => {
        const email = `${str(inputs.accountId) ?? name}@${project(inputs)}.iam.gserviceaccount.com`;
        return { email, member: `serviceAccount:${email}`, name: `projects/${project(inputs)}/serviceAccounts/${email}`, uniqueId: String(seedBytes(name).readUInt32BE(0)) };
    },
    "gcp:projects/iAMMember:IAMMember": (_inputs, name) => ({ etag: `BwX${seedBytes(name).toString("hex").slice(0, 10)}` }),
    // --- backups: GCS bucket (autonamed like the engine), snapshot schedule, Backup for GKE ---
    "gcp:storage/bucket:Bucket": (inputs, name) => {
        const n = str(inputs.name) ?? `${name}-${seedBytes(`bucket/${name}`).toString("hex").slice(0, 7)}`;
        return { name: n, url: `gs://${n}`, selfLink: `https://www.googleapis.com/storage/v1/b/${n}` };
    },
    "gcp:compute/resourcePolicy:ResourcePolicy": (inputs, name) => computeLink(inputs, name, "resourcePolicies", true),
    "gcp:gkebackup/backupPlan:BackupPlan": (inputs, name) => ({
        name: gcpName(inputs, name),
        uid: seedBytes(`uid/${name}`).toString("hex").slice(0, 32),
        state: "READY",
    }),
    "gcp:dns/managedZone:ManagedZone": (inputs, name) => ({
        name: gcpName(inputs, name),
        nameServers: ["ns-gcp-private.googledomains.com."],
        managedZoneId: String(seedBytes(name).readUInt32BE(0)),
    }),
};
