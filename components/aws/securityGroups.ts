/**
 * Security group ingress rules from the topology's port rules (one rule per port and source range).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../topology/cidr";
import { PortRule } from "../topology/connectivity";

/** One security group ingress rule: a TCP port from one IPv4 range. */
export interface IngressRuleSpec {
    readonly port: number;
    readonly cidr: string;
    readonly description: string;
}

/** Ranges that would open a port to the whole internet. */
const OPEN_WORLD = new Set(["0.0.0.0/0", "::/0"]);

/**
 * Flattens port rules into one rule per (port, CIDR). AWS security group rules take a single range,
 * so this is also what `aws.vpc.SecurityGroupIngressRule` needs. Throws on an open-world range or a
 * range that is not a canonical IPv4 CIDR (defence in depth: topology validation rejects them first).
 */
export function ingressRuleSpecs(rules: readonly PortRule[]): IngressRuleSpec[] {
    const out: IngressRuleSpec[] = [];
    const seen = new Set<string>();
    for (const rule of rules) {
        for (const cidr of rule.cidrs) {
            if (OPEN_WORLD.has(cidr) || parseCidr(cidr)?.prefix === 0) {
                throw new Error(`refusing to open port ${rule.port} to ${cidr}: Axon Server ports are never public`);
            }
            if (!parseCidr(cidr)) throw new Error(`port ${rule.port}: ${JSON.stringify(cidr)} is not a canonical IPv4 CIDR`);
            const key = `${rule.port}|${cidr}`;
            if (seen.has(key)) continue;
            seen.add(key);
            out.push({ port: rule.port, cidr, description: rule.description });
        }
    }
    return out;
}

/** A resource-name-safe form of a rule: `8224-10-10-0-0-16`. */
export function ingressRuleSuffix(spec: Pick<IngressRuleSpec, "port" | "cidr">): string {
    return `${spec.port}-${spec.cidr.replace(/[./]/g, "-")}`;
}

export interface AwsIngressRulesArgs {
    /** The security group the rules go on (EKS: the cluster security group; VMs: the instances' group). */
    readonly securityGroupId: pulumi.Input<string>;
    /** Usually `sitePortRules(topology, site)`, plus platform-specific extras. */
    readonly rules: readonly PortRule[];
    /** Provider of the security group's region. */
    readonly provider: aws.Provider;
    /**
     * Tags of every rule.
     * @default - none
     */
    readonly tags?: Readonly<Record<string, string>>;
}

/**
 * One `aws.vpc.SecurityGroupIngressRule` per (port, CIDR), TCP only. Separate rule resources (not
 * inline `ingress` blocks) so that rules added by EKS, the load balancer controller or other
 * components on the same group are left alone.
 */
export class AwsIngressRules extends pulumi.ComponentResource {
    public readonly rules: aws.vpc.SecurityGroupIngressRule[];
    public readonly specs: readonly IngressRuleSpec[];

    constructor(name: string, args: AwsIngressRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:aws:AwsIngressRules", name, {}, opts);
        this.specs = ingressRuleSpecs(args.rules);
        this.rules = this.specs.map(
            (s) =>
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-${ingressRuleSuffix(s)}`,
                    {
                        securityGroupId: args.securityGroupId,
                        ipProtocol: "tcp",
                        fromPort: s.port,
                        toPort: s.port,
                        cidrIpv4: s.cidr,
                        description: s.description,
                        ...(args.tags ? { tags: { ...args.tags } } : {}),
                    },
                    { parent: this, provider: args.provider },
                ),
        );
        this.registerOutputs({ ruleIds: this.rules.map((r) => r.id) });
    }
}
