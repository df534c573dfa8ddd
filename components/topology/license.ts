/**
 * License rules of a topology. Pure, no Pulumi import.
 *
 * Clustering needs a license: "not supported in the Developer plan" (docs.axoniq.io/axon-server-
 * reference/v2024.2/axon-server/administration/clustering); EE 4.4.2 `LocalRaftConfigService.join`
 * refuses a join with "License does not allow clustering" and checks the license's `maxClusterSize`.
 * The license's node limit cannot be read from here (the file is a secret); the message names the
 * number of nodes the license must allow.
 */
import { ConfigIssue, Topology } from "./model";

/** Errors when a topology of more than one node has no license. Empty when deployable. */
export function licenseIssues(topology: Pick<Topology, "nodes">, licensed: boolean): ConfigIssue[] {
    const n = topology.nodes.length;
    if (n <= 1 || licensed) return [];
    return [
        {
            path: "license",
            message:
                `a cluster of ${n} nodes needs an Axon Server license that allows at least ${n} nodes (clustering is not ` +
                `available without one: the nodes would never join). Set it with ` +
                "`pulumi config set --secret license < axoniq.license`, or deploy a single node",
        },
    ];
}

/** The node limit a license for this topology must allow (shown in reports when licensed). */
export function licenseNote(topology: { readonly nodes: readonly unknown[] }): string {
    return `the license must allow at least ${topology.nodes.length} node(s) (its maxClusterSize)`;
}
