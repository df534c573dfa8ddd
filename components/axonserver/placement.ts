/**
 * The contract between the platform-neutral `AxonServerCluster` (cluster.ts) and the platforms its nodes
 * run on. The cluster owns what every node shares (the chain order, tokens, license, TLS) and asks a
 * `NodePlacer` per platform to create each node: components/kubernetes/kubernetesPlacer.ts (a StatefulSet
 * per node) and components/vm/vmPlacer.ts (a VM per node). A placer answers with a `PlacedNode`, a handle
 * that says everything the rest of the program needs of the node without knowing its platform: what the
 * next node waits for, its endpoints, its private DNS target and the machine a backup agent runs on.
 *
 * Types only: the cluster imports no platform, and the platforms import only this file of it.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AxonNode, Topology } from "../topology/model";
import type { ClusterSecrets } from "./secrets";

/** PEM material of one node's certificate (`AxonServerTls`), the same for every platform. */
export interface NodeTlsMaterial {
    /** The cluster's CA certificate. */
    readonly caCertPem: pulumi.Input<string>;
    /** The node's certificate, signed by the CA. */
    readonly certPem: pulumi.Input<string>;
    /** The node's private key (PKCS#8 PEM; a Pulumi secret). */
    readonly privateKeyPem: pulumi.Input<string>;
}

/** Where a node is reached (the `nodeEndpoints` stack output). */
export interface NodeEndpoint {
    /** The node's site. */
    readonly site: string;
    /** The node's advertised name, `<node>.<environment>.<domain>` (or the in-cluster name on an existing cluster). */
    readonly fqdn: string;
    /** Client gRPC, `<fqdn>:8124`. */
    readonly grpc: string;
    /**
     * The HTTP UI/REST API. On Kubernetes it is the node's in-cluster `-http` Service (ClusterIP, never
     * load-balanced): reach it with `kubectl port-forward svc/<node>-http 8024`. VM nodes serve it on
     * their own address to the admin ranges.
     */
    readonly http: string;
    /** Peer gRPC between nodes, `<fqdn>:8224`. */
    readonly internalGrpc: string;
    /** The node's internal load balancer as the cloud reports it. @default - none (no internal load balancer) */
    readonly loadBalancer?: { hostname?: string; ip?: string };
}

/** What a node's private DNS name points at: a host name (CNAME) or an address (A). */
export interface NodeDnsTarget {
    /** A host name to point a CNAME at (an AWS NLB). @default - none */
    readonly hostname?: string;
    /** An address to point an A record at. @default - none */
    readonly ip?: string;
}

/**
 * The machine a node runs on when it is its own (a VM): the stack grants the machine's identity access
 * to the backup bucket and attaches the data disk to a snapshot schedule.
 */
export interface NodeMachine {
    /** Logical name of the node's component; the stack names the node's backup resources after it. */
    readonly resourceName: string;
    /** The identity the machine's processes run as: an IAM role (EC2) or a service account (Compute Engine). */
    readonly identity:
        | { readonly cloud: "aws"; readonly roleName: pulumi.Output<string> }
        | { readonly cloud: "gcp"; readonly serviceAccountEmail: pulumi.Output<string> };
    /**
     * The Compute Engine data disk (a snapshot schedule is attached to it by name). Absent on EC2: the
     * AWS snapshot policy selects volumes by tag.
     * @default - none
     */
    readonly gceDataDiskName?: pulumi.Output<string>;
}

/** One node as placed on its platform: a read-only handle the cluster exposes for every node. */
export interface PlacedNode {
    /** The node of the topology. */
    readonly node: AxonNode;
    /** The node's component (`AxonServerNode` on Kubernetes, `VmAxonServerNode` on a VM). */
    readonly component: pulumi.ComponentResource;
    /**
     * What the next step of the chain (a gate, or the next node) waits for: on Kubernetes the
     * StatefulSet and the load balancers peers reach the node through; on a VM the node component.
     */
    readonly ready: readonly pulumi.Resource[];
    /**
     * A hash that changes exactly when the node must restart: on Kubernetes the pod template (the roller
     * restarts the pod when it changes; the StatefulSet is `OnDelete`).
     * @default - derived from the node's configuration (a VM is replaced when it changes)
     */
    readonly restartHash?: pulumi.Input<string>;
    /** Where clients and peers reach the node. */
    readonly endpoint: pulumi.Output<NodeEndpoint>;
    /**
     * The target of the node's private DNS record; absent when the node has no address every site can
     * reach (a node on an existing cluster gets no internal load balancer).
     * @default - none
     */
    readonly dnsTarget?: pulumi.Output<NodeDnsTarget>;
    /** The node's own machine. @default - none (on Kubernetes pods run as the site's ServiceAccount) */
    readonly machine?: NodeMachine;
}

/** What the cluster hands each placer once, before any node is placed. */
export interface ClusterContext {
    /** The cluster component's name: the prefix of every resource name a placer creates. */
    readonly name: string;
    /**
     * The cluster component, parent of every resource a placer creates: their URNs are those of the
     * cluster's children, whichever placer made them.
     */
    readonly parent: pulumi.ComponentResource;
    /** The validated topology of the cluster. */
    readonly topology: Topology;
    /** Tokens and license of the cluster (Pulumi secrets). */
    readonly secrets: ClusterSecrets;
}

/** What the cluster hands a placer for one node, in chain order. */
export interface PlacementStep {
    /**
     * What the node waits for: the gate after the previous node, or the previous node itself when no
     * gate runs between the two (two VM nodes no Kubernetes site reaches); empty for the first node.
     */
    readonly dependsOn: readonly pulumi.Resource[];
    /** The node's certificate, given exactly when `topology.axonServer.tls`. @default - none (TLS off) */
    readonly tls?: NodeTlsMaterial;
}

/** A gate between two consecutive nodes of the chain. */
export interface GateStep {
    /** The node just created or changed. */
    readonly after: PlacedNode;
    /** The node the chain changes next. */
    readonly before: AxonNode;
}

/** What the cluster hands a placer once every node and gate of the chain exists. */
export interface RollStep {
    /** Every node as placed, by name. */
    readonly placed: Readonly<Record<string, PlacedNode>>;
    /** Every node's `ready` resources and every gate: what restarts must wait for. */
    readonly chain: readonly pulumi.Resource[];
}

/** A placer bound to one cluster (`NodePlacer.attach`). */
export interface NodePlacement {
    /** Creates the node's resources under the cluster, waiting for `step.dependsOn`. */
    place(node: AxonNode, step: PlacementStep): PlacedNode;
    /**
     * The resource that releases `step.before` once `step.after` is back in the cluster, when this
     * platform runs it (on Kubernetes: a Job); `undefined` when it does not.
     * @default - the platform runs no gates
     */
    gate?(step: GateStep): pulumi.Resource | undefined;
    /**
     * The resources that restart this platform's nodes in update order (components/topology/rolling.ts
     * `updateOrder`) after the chain, keyed for outputs (on Kubernetes: the roller Jobs).
     * @default - the platform restarts nodes in the chain itself (a VM is replaced there)
     */
    roll?(step: RollStep): Readonly<Record<string, pulumi.Resource>>;
}

/** Creates the nodes of one platform. */
export interface NodePlacer {
    /** Short name for messages (`kubernetes`, `vm`). */
    readonly name: string;
    /** True for the nodes this placer creates; every node must have exactly one placer. */
    handles(node: AxonNode): boolean;
    /**
     * Problems that would stop `place` for the given nodes (e.g. a site without a host), as messages;
     * the cluster reports every placer's problems at once, before creating anything.
     * @default - no checks
     */
    check?(topology: Topology, nodes: readonly AxonNode[]): string[];
    /** Called once by the cluster before it places any node: creates the platform's shared resources. */
    attach(cluster: ClusterContext): NodePlacement;
}
