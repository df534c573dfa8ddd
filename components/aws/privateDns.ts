/**
 * The Route 53 private hosted zone of the node names, associated with every AWS VPC of the environment,
 * with one record per node.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Where a DNS name points: a host name (CNAME, e.g. an internal NLB) or an IPv4 address (A). */
export interface DnsTarget {
    /**
     * Host name for a CNAME (e.g. an internal NLB's); wins over `ip`.
     * @default - none
     */
    readonly hostname?: string;
    /**
     * IPv4 address for an A record; used when there is no `hostname`.
     * @default - none
     */
    readonly ip?: string;
}

export interface AwsPrivateDnsRecord {
    /** Fully qualified name, e.g. `axon-1.prod.axon.internal`. */
    readonly name: string;
    /** What the name points at; a target with neither field is an error (`dnsRecordFor`). */
    readonly target: pulumi.Input<DnsTarget>;
}

export interface AwsPrivateDnsArgs {
    /** The private zone, e.g. `prod.axon.internal` (`privateZoneName(topology)`). */
    readonly zoneName: string;
    /** Every VPC that must resolve the zone, in any region of the account. At least one. */
    readonly vpcs: readonly { readonly vpcId: pulumi.Input<string>; readonly region: string }[];
    /** One record per Axon node. */
    readonly records: readonly AwsPrivateDnsRecord[];
    /** Provider for the (global) Route 53 API calls, e.g. the first AWS site's. */
    readonly provider: aws.Provider;
    /**
     * Record TTL in seconds: short, so a replaced load balancer is picked up quickly.
     * @default 60
     */
    readonly ttl?: number;
    /**
     * Tags of the hosted zone.
     * @default - none
     */
    readonly tags?: Readonly<Record<string, string>>;
}

/** The Route 53 record type and value for a target; throws when the target has neither field. */
export function dnsRecordFor(target: DnsTarget, name: string): { type: "CNAME" | "A"; value: string } {
    if (target.hostname) return { type: "CNAME", value: target.hostname };
    if (target.ip) return { type: "A", value: target.ip };
    throw new Error(`DNS record ${name}: the target has neither a hostname nor an ip`);
}

/**
 * A Route 53 private hosted zone associated with every given VPC (the `vpcs` list on the zone, which
 * makes it private; cross-region associations of one account are just more entries),
 * and one record per name: CNAME for a host name target, A for an IP target.
 */
export class AwsPrivateDns extends pulumi.ComponentResource {
    public readonly zone: aws.route53.Zone;
    public readonly records: aws.route53.Record[];

    constructor(name: string, args: AwsPrivateDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:aws:AwsPrivateDns", name, {}, opts);
        // A zone without VPCs is a *public* hosted zone: never create one by accident.
        if (args.vpcs.length === 0) throw new Error(`AwsPrivateDns ${name}: at least one VPC is required for a private zone`);
        const names = args.records.map((r) => r.name);
        const dup = names.find((n, i) => names.indexOf(n) !== i);
        if (dup) throw new Error(`AwsPrivateDns ${name}: record ${dup} is given twice`);
        const outside = names.find((n) => !n.endsWith(`.${args.zoneName}`));
        if (outside) throw new Error(`AwsPrivateDns ${name}: record ${outside} is not inside zone ${args.zoneName}`);

        const o: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
        this.zone = new aws.route53.Zone(
            `${name}-zone`,
            {
                name: args.zoneName,
                comment: "Axon Server node addresses (managed by Pulumi)",
                vpcs: args.vpcs.map((v) => ({ vpcId: v.vpcId, vpcRegion: v.region })),
                ...(args.tags ? { tags: { ...args.tags } } : {}),
            },
            o,
        );
        this.records = args.records.map((r) => {
            const resolved = pulumi.output(r.target).apply((t) => dnsRecordFor(t, r.name));
            return new aws.route53.Record(
                `${name}-${r.name}`,
                {
                    zoneId: this.zone.zoneId,
                    name: r.name,
                    type: resolved.type,
                    ttl: args.ttl ?? 60,
                    records: [resolved.value],
                },
                o,
            );
        });
        this.registerOutputs({ zoneId: this.zone.zoneId });
    }
}
