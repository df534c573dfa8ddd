/**
 * Plugs VM nodes into the cluster's one-at-a-time rolling chain (`AxonServerCluster`'s `vmNodeFactory`).
 *
 * The cluster calls the factory for each VM node in chain order with the gate Job after the previous node
 * (or, between two VM nodes, the previous node) as `dependsOn`; the factory creates a `VmAxonServerNode`
 * under the cluster component and returns it, so the next gate or node waits for all of its resources (a
 * `dependsOn` on a component covers its children).
 *
 * Pulumi cannot wait for Axon Server on a VM to become ready; the gate after a VM node (a Job on the next
 * node's Kubernetes site) waits until the group leaders report it back. Two consecutive VM nodes have no
 * gate between them: the chain only orders their replacements (README, "Creation order and rolling
 * changes").
 */
import * as pulumi from "@pulumi/pulumi";
import type { VmNodeContext, VmNodeFactory } from "../axonserver/vmNode";
import { Topology } from "../topology/model";
import { siteResourcePrefix } from "../topology/naming";
import { VmAxonServerNode } from "./vmAxonServerNode";
import { VmSite } from "./vmSite";

export interface VmNodeFactoryArgs {
    readonly topology: Topology;
    /** The `VmSite` of every VM site, by site name. */
    readonly sites: Readonly<Record<string, VmSite>>;
    /** Also `protect` the data disks (see `VmAxonServerNode`). Default false. */
    readonly protectDataDisks?: boolean;
}

/** The factory, plus the nodes it created (the stack adds their private DNS records from `fqdn`/`privateIp`). */
export type VmNodeFactoryWithNodes = VmNodeFactory & {
    /** Created nodes by node name, filled as the cluster calls the factory. */
    readonly nodes: Readonly<Record<string, VmAxonServerNode>>;
};

/** Name of a VM node component: `<environment>-<site>-<node>` (children are prefixed with it). */
export function vmNodeResourceName(topology: Pick<Topology, "environment">, node: { site: string; name: string }): string {
    return `${siteResourcePrefix(topology, node.site)}-${node.name}`;
}

export function createVmNodeFactory(args: VmNodeFactoryArgs): VmNodeFactoryWithNodes {
    const { topology, sites } = args;
    const nodes: Record<string, VmAxonServerNode> = {};
    const factory = (ctx: VmNodeContext): pulumi.Resource => {
        const site = sites[ctx.node.site];
        if (!site) throw new Error(`VM node ${ctx.node.name}: no VmSite for site ${ctx.node.site}`);
        if (nodes[ctx.node.name]) throw new Error(`VM node ${ctx.node.name} was created twice`);
        const node = new VmAxonServerNode(
            vmNodeResourceName(topology, ctx.node),
            {
                topology,
                node: ctx.node,
                site,
                adminToken: ctx.adminToken,
                internalToken: ctx.internalToken,
                license: ctx.license,
                tls: ctx.tls,
                dependsOn: ctx.dependsOn,
                protectDataDisk: args.protectDataDisks,
                backup: ctx.backup,
            },
            { parent: ctx.parent, dependsOn: ctx.dependsOn },
        );
        nodes[ctx.node.name] = node;
        return node;
    };
    return Object.assign(factory, { nodes });
}
