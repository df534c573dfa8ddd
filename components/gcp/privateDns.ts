/**
 * The Cloud DNS private zone of the node names on the environment's network, with one record per node.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { GcpNetwork } from "./gcpNetwork";
import { cloudIdentity, fitName } from "../topology/identity";
import { GCP_MAX_LOGICAL_NAME } from "./ranges";

/** What a node's name resolves to: an IP (A record) or another host name (CNAME), e.g. a load balancer's. */
export interface DnsTarget {
    /**
     * Host name for a CNAME (e.g. a load balancer's); used only when `ip` is not set.
     * @default - none
     */
    readonly hostname?: string;
    /**
     * IPv4 address for an A record; wins over `hostname`.
     * @default - none
     */
    readonly ip?: string;
}

export interface GcpDnsRecord {
    /** Fully-qualified name inside the zone, e.g. `axon-1.prod.axon.internal` (trailing dot optional). */
    readonly name: string;
    /** An IP gives an A record, otherwise the host name gives a CNAME. */
    readonly target: pulumi.Input<DnsTarget>;
}

export interface GcpPrivateDnsArgs {
    /** The zone's domain, e.g. `prod.axon.internal` (`privateZoneName(topology)`). */
    readonly zoneName: string;
    /** The environment's network; the zone is visible in every region of it. */
    readonly network: GcpNetwork;
    /** One record per Axon node. */
    readonly records: readonly GcpDnsRecord[];
    /** GCP provider of the environment's project. */
    readonly provider: gcp.Provider;
    /**
     * Environment, for the zone's `axonserver-environment` label.
     * @default - no `axonserver-environment` label
     */
    readonly environment?: string;
    /**
     * Record TTL in seconds: short, so a node's address change (a replaced load balancer) propagates fast.
     * @default 60
     */
    readonly ttl?: number;
}

/** `name` with exactly one trailing dot (Cloud DNS wants fully-qualified names). */
export function absoluteDnsName(name: string): string {
    return `${name.replace(/\.+$/, "")}.`;
}

/** Record type and data for a target: A for an IP, CNAME (absolute) for a host name. */
export function dnsRecordData(target: DnsTarget): { type: "A" | "CNAME"; rrdatas: string[] } {
    if (target.ip) return { type: "A", rrdatas: [target.ip] };
    if (target.hostname) return { type: "CNAME", rrdatas: [absoluteDnsName(target.hostname)] };
    // Neither known (e.g. a load balancer without status under mocks): an A record without data, which
    // Cloud DNS rejects at deploy time with a clear error rather than a silently missing record.
    return { type: "A", rrdatas: [] };
}

/**
 * The environment's private Cloud DNS zone (e.g. `prod.axon.internal.`) bound to the one GCP network,
 * with a record per Axon Server node. A private zone on a global network resolves in every region, for
 * VMs and for GKE pods alike (kube-dns forwards to the VPC resolver).
 */
export class GcpPrivateDns extends pulumi.ComponentResource {
    public readonly zone: gcp.dns.ManagedZone;
    /** Record set per fully-qualified name (without trailing dot). */
    public readonly records: Readonly<Record<string, gcp.dns.RecordSet>>;

    constructor(name: string, args: GcpPrivateDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:gcp:GcpPrivateDns", name, {}, opts);
        const { network, provider } = args;
        const childOpts = { parent: this, provider };
        const zoneDns = absoluteDnsName(args.zoneName);

        this.zone = new gcp.dns.ManagedZone(
            fitName(`${name}-zone`, GCP_MAX_LOGICAL_NAME),
            {
                project: network.project,
                dnsName: zoneDns,
                visibility: "private",
                description: `Axon Server node addresses (${args.zoneName})`,
                privateVisibilityConfig: { networks: [{ networkUrl: network.network.id }] },
                ...(args.environment ? { labels: cloudIdentity(args.environment) } : {}),
            },
            childOpts,
        );

        const records: Record<string, gcp.dns.RecordSet> = {};
        for (const r of args.records) {
            const fqdn = absoluteDnsName(r.name);
            if (!fqdn.endsWith(`.${zoneDns}`)) throw new Error(`GcpPrivateDns ${name}: ${r.name} is not inside ${args.zoneName}`);
            const key = fqdn.slice(0, -1);
            if (records[key]) throw new Error(`GcpPrivateDns ${name}: duplicate record ${key}`);
            const data = pulumi.output(r.target).apply((t) => dnsRecordData(t ?? {}));
            records[key] = new gcp.dns.RecordSet(
                `${name}-${key.slice(0, key.length - zoneDns.length)}`,
                {
                    project: network.project,
                    managedZone: this.zone.name,
                    name: fqdn,
                    type: data.type,
                    ttl: args.ttl ?? 60,
                    rrdatas: data.rrdatas,
                },
                childOpts,
            );
        }
        this.records = records;
        this.registerOutputs({ zone: this.zone, records: this.records });
    }
}
