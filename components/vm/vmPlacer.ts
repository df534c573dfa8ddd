/**
 * The VM `NodePlacer` (components/axonserver/placement.ts): places the nodes of `vm` sites as
 * `VmAxonServerNode`s on their `VmSite`, children of the cluster component, each waiting for what the
 * cluster's chain hands it (the gate after the previous node, or between two VM nodes the previous node:
 * a `dependsOn` on a component covers its children).
 *
 * Pulumi cannot wait for Axon Server on a VM to become ready; the gate after a VM node (a Job on a
 * Kubernetes site whose firewall path reaches the VM's 8024) waits until Axon reports it back. Two
 * consecutive VM nodes get a gate only when a Kubernetes site with Axon nodes has a network path to both
 * (`chainGateSite`); otherwise the chain only orders their replacements and the topology warns
 * (`vmGateWarnings`; README, "Creation order and rolling changes"). A VM is replaced in the
 * creation chain, so VM nodes restart before the Kubernetes rollers run (`updateOrder`).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterContext, NodeMachine, NodePlacer, PlacedNode, PlacementStep } from "../axonserver/placement";
import type { VmNodeBackup } from "../axonserver/vmNode";
import { AxonNode, PORTS, Topology } from "../topology/model";
import { nodeAddress, siteResourcePrefix } from "../topology/naming";
import { VmAxonServerNode } from "./vmAxonServerNode";
import { VmSite } from "./vmSite";

export interface VmPlacerArgs {
    /** The `VmSite` of every VM site, by site name. */
    readonly sites: Readonly<Record<string, VmSite>>;
    /** The backup agent per node name (only the nodes the backup plan designates). @default - none */
    readonly backups?: Readonly<Record<string, VmNodeBackup>>;
    /** Also `protect` the data disks (see `VmAxonServerNode`). @default false */
    readonly protectDataDisks?: boolean;
}

/** Name of a VM node component: `<environment>-<site>-<node>` (children are prefixed with it). */
export function vmNodeResourceName(topology: Pick<Topology, "environment">, node: { site: string; name: string }): string {
    return `${siteResourcePrefix(topology, node.site)}-${node.name}`;
}

/** The placer of the nodes of `vm` sites. */
export function vmPlacer(args: VmPlacerArgs): NodePlacer {
    return {
        name: "vm",
        handles: (node) => node.platform === "vm",
        check: (_t, nodes) => nodes.filter((n) => !args.sites[n.site]).map(noSiteMessage),
        attach: (cluster) => ({ place: (node, step) => placeVmNode(cluster, args, node, step) }),
    };
}

const noSiteMessage = (n: AxonNode) => `VM node ${n.name}: no VmSite for site ${n.site}`;

/** One `VmAxonServerNode` and its handle. */
function placeVmNode(cluster: ClusterContext, args: VmPlacerArgs, node: AxonNode, step: PlacementStep): PlacedNode {
    const t = cluster.topology;
    const site = args.sites[node.site];
    if (!site) throw new Error(noSiteMessage(node));
    const resourceName = vmNodeResourceName(t, node);
    const vm = new VmAxonServerNode(
        resourceName,
        {
            topology: t,
            node,
            site,
            adminToken: cluster.secrets.adminToken,
            internalToken: cluster.secrets.internalToken,
            license: cluster.secrets.license,
            tls: step.tls,
            dependsOn: step.dependsOn,
            protectDataDisk: args.protectDataDisks,
            backup: args.backups?.[node.name],
        },
        { parent: cluster.parent, dependsOn: [...step.dependsOn] },
    );
    const fqdn = nodeAddress(t, node).fqdn;
    return {
        node,
        component: vm,
        ready: [vm],
        // No restartHash: the gate derives it from the node's configuration, which is what the instance's
        // user data (and so its replacement) follows.
        endpoint: pulumi.output({
            site: node.site,
            fqdn,
            grpc: `${fqdn}:${PORTS.grpc}`,
            http: `${fqdn}:${PORTS.http}`,
            internalGrpc: `${fqdn}:${PORTS.internalGrpc}`,
        }),
        dnsTarget: vm.privateIp.apply((ip) => ({ ip })),
        machine: machineOf(resourceName, vm),
    };
}

/** The VM's identity and, on Compute Engine, its data disk. */
function machineOf(resourceName: string, vm: VmAxonServerNode): NodeMachine {
    if (vm.role) return { resourceName, identity: { cloud: "aws", roleName: vm.role.name } };
    if (!vm.serviceAccount) throw new Error(`VM node ${vm.node.name} has neither an IAM role nor a service account`);
    const disk = vm.dataDisk;
    return {
        resourceName,
        identity: { cloud: "gcp", serviceAccountEmail: vm.serviceAccount.email },
        ...(gcp.compute.Disk.isInstance(disk) ? { gceDataDiskName: disk.name } : {}),
    };
}
