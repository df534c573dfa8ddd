/**
 * Which AWS↔GCP HA VPN links an environment needs, and the tunnel addressing of each. Pure functions, no
 * Pulumi import.
 *
 * A link joins one AWS VPC (an AWS site) to the environment's GCP network in one region; it exists when
 * `connectedSitePairs` pairs that AWS site with at least one GCP site of the region. Following Google's
 * "HA VPN to AWS" topology, a link has two AWS VPN connections (one per HA VPN interface), each with two
 * tunnels: four tunnels in all.
 */
import { fnv1a } from "../topology/identity";
import { connectedSitePairs } from "../topology/connectivity";
import { formatIpv4, parseIpv4 } from "../topology/cidr";
import { Site, Topology } from "../topology/model";

/** One of the four tunnels of a link. */
export interface TunnelPlan {
    /** 0..3: GCP tunnel index and the external VPN gateway interface it peers with. */
    readonly index: number;
    /** AWS VPN connection of the tunnel (0 uses HA interface 0's customer gateway, 1 interface 1's). */
    readonly connection: 0 | 1;
    /** `tunnel1*` or `tunnel2*` arguments/outputs of that connection. */
    readonly awsTunnel: 1 | 2;
    /** HA VPN gateway interface: 0, 0, 1, 1. */
    readonly haInterface: 0 | 1;
    /** External (peer) VPN gateway interface: 0..3. */
    readonly peerInterface: number;
    /** The /30 inside the tunnel (AWS `tunnelNInsideCidr`). */
    readonly insideCidr: string;
    /** First host of the /30: the AWS virtual private gateway's BGP address. */
    readonly vgwInsideIp: string;
    /** Second host of the /30: the Cloud Router's BGP address (AWS "customer gateway" side). */
    readonly cgwInsideIp: string;
}

export interface CrossCloudLink {
    /** `<awsSite>-<gcpRegion>`: stable and unique, used in resource names. */
    readonly key: string;
    /** The AWS site (a VPC this program builds) at one end. */
    readonly awsSite: Site;
    /** The GCP region at the other end: one HA VPN gateway there serves all its sites. */
    readonly gcpRegion: string;
    /** The GCP sites of that region the AWS site is connected to. */
    readonly gcpSites: readonly Site[];
    /** Why the link exists, `<gcpSite>: <reason>` (shared replication groups or clients), sorted. */
    readonly reasons: readonly string[];
    /** Slot of the link's `/28` of tunnel inside addresses (see `tunnelSlotCidr`). */
    readonly slot: number;
    /** The four tunnels: two AWS VPN connections of two tunnels each. */
    readonly tunnels: readonly TunnelPlan[];
}

/** AWS sites with a VPC this program builds (an existing cluster's network is not ours to attach to). */
function isAwsVpcSite(s: Site): boolean {
    return s.cloud === "aws" && (s.platform === "eks" || s.platform === "vm");
}

/** GCP sites on the environment's GCP network. */
function isGcpNetworkSite(s: Site): boolean {
    return s.cloud === "gcp" && (s.platform === "gke" || s.platform === "vm");
}

/**
 * Slots of `/28` blocks for tunnel inside addresses: `169.254.16.0/28` … `169.254.255.240/28`, skipping the
 * block holding `169.254.169.252/30`, which AWS reserves (as it does `169.254.0.0/30` … `169.254.5.0/30`,
 * all below the first slot).
 */
export const TUNNEL_SLOT_COUNT = 240 * 16;
const FIRST_SLOT_BASE = parseIpv4("169.254.16.0")!;
const RESERVED_BLOCK = parseIpv4("169.254.169.240")!;

/** The `/28` of a slot (four tunnel `/30`s). */
export function tunnelSlotCidr(slot: number): string {
    if (!Number.isInteger(slot) || slot < 0 || slot >= TUNNEL_SLOT_COUNT) throw new Error(`tunnel slot ${slot} out of range 0..${TUNNEL_SLOT_COUNT - 1}`);
    return `${formatIpv4(FIRST_SLOT_BASE + slot * 16)}/28`;
}

function slotIsReserved(slot: number): boolean {
    return FIRST_SLOT_BASE + slot * 16 === RESERVED_BLOCK;
}

/** The four tunnels of a link in `slot`. */
export function planTunnels(slot: number): TunnelPlan[] {
    const base = parseIpv4(tunnelSlotCidr(slot).split("/")[0])!;
    return [0, 1, 2, 3].map((index) => {
        const net = base + index * 4;
        return {
            index,
            connection: (index < 2 ? 0 : 1) as 0 | 1,
            awsTunnel: ((index % 2) + 1) as 1 | 2,
            haInterface: (index < 2 ? 0 : 1) as 0 | 1,
            peerInterface: index,
            insideCidr: `${formatIpv4(net)}/30`,
            vgwInsideIp: formatIpv4(net + 1),
            cgwInsideIp: formatIpv4(net + 2),
        };
    });
}

/**
 * The AWS↔GCP links of a topology, ordered by AWS site then GCP region (config order).
 *
 * Inside addresses: each link gets a `/28` slot picked by a hash of its key, with collisions resolved by
 * probing in key order. Adding or removing another link therefore leaves a link's addresses (and its VPN
 * connections, which AWS replaces when they change) alone, unlike a numbering by position.
 */
export function crossCloudLinks(topology: Topology): CrossCloudLink[] {
    const byKey = new Map<string, { awsSite: Site; gcpRegion: string; gcpSites: Site[]; reasons: Set<string> }>();
    for (const pair of connectedSitePairs(topology)) {
        const aws = [pair.a, pair.b].find(isAwsVpcSite);
        const gcp = [pair.a, pair.b].find(isGcpNetworkSite);
        if (!aws || !gcp) continue;
        const key = `${aws.name}-${gcp.region}`;
        const entry = byKey.get(key) ?? { awsSite: aws, gcpRegion: gcp.region, gcpSites: [], reasons: new Set<string>() };
        if (!entry.gcpSites.some((s) => s.name === gcp.name)) entry.gcpSites.push(gcp);
        for (const r of pair.reasons) entry.reasons.add(`${gcp.name}: ${r}`);
        byKey.set(key, entry);
    }

    const taken = new Set<number>();
    const slots = new Map<string, number>();
    for (const key of [...byKey.keys()].sort()) {
        let slot = fnv1a(key) % TUNNEL_SLOT_COUNT;
        while (taken.has(slot) || slotIsReserved(slot)) slot = (slot + 1) % TUNNEL_SLOT_COUNT;
        taken.add(slot);
        slots.set(key, slot);
    }

    const siteOrder = new Map(topology.sites.map((s) => [s.name, s.index]));
    const regionOrder = (r: string) => Math.min(...topology.sites.filter((s) => s.region === r).map((s) => s.index));
    return [...byKey.entries()]
        .map(([key, e]) => ({
            key,
            awsSite: e.awsSite,
            gcpRegion: e.gcpRegion,
            gcpSites: e.gcpSites.sort((x, y) => x.index - y.index),
            reasons: [...e.reasons].sort(),
            slot: slots.get(key)!,
            tunnels: planTunnels(slots.get(key)!),
        }))
        .sort((x, y) => siteOrder.get(x.awsSite.name)! - siteOrder.get(y.awsSite.name)! || regionOrder(x.gcpRegion) - regionOrder(y.gcpRegion));
}
