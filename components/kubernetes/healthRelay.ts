/**
 * The health relay sidecar of an Axon Server pod (script: components/kubernetes/gate/healthRelay.mjs):
 * the one way the rolling gate and roller Jobs of another Kubernetes cluster read this node's Raft state.
 * Pure object builders (type-only Pulumi imports), no resources.
 *
 * Why a sidecar on its own port: the Jobs decide from `GET /actuator/health` (raft details), which Axon
 * Server serves on 8024 together with the UI and the admin REST API. 8024 is a ClusterIP inside its
 * cluster and is never opened across clusters; the relay answers that one request (nothing else, no
 * client header or body forwarded, bounded in size and time) by asking 127.0.0.1:8024, and the node's
 * internal load balancer forwards its port from the other Kubernetes sites' ranges only
 * (connectivity.ts `healthRelaySourceSites`). It runs only in the pods of EKS/GKE sites whose nodes
 * another Kubernetes site's Jobs ask (`hasHealthRelay`): elsewhere no load balancer forwards its port.
 *
 * Image: the official Node.js image the gate Jobs use (`GATE_IMAGE` through `registryImage`). Script:
 * a ConfigMap of the node (`<node>-health-relay`) with the relay script alone: it imports only Node's own
 * modules, so a change to the gate scripts does not rewrite every node's relay ConfigMap. A new relay
 * script reaches a pod at its next restart (the relay does not re-read it), so it is not hashed into the
 * pod template.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { HEALTH_RELAY_PORT, PORTS, Topology } from "../topology/model";
import { HEALTH_RELAY_RESOURCES } from "../topology/platform/capacity";
import { registryImage } from "../topology/images";
import { containerSecurityContext } from "./podSpec";
import { GATE_IMAGE } from "./rollingGate";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;

/** The relay script's file name in its ConfigMap. */
export const HEALTH_RELAY_SCRIPT_FILE = "healthRelay.mjs";
/** The relay script. */
export const HEALTH_RELAY_SCRIPT = fs.readFileSync(path.join(__dirname, "gate", HEALTH_RELAY_SCRIPT_FILE), "utf8");
/** Container name, named container port (the load balancer Services target it) and pod volume name. */
export const HEALTH_RELAY_NAMES = { container: "health-relay", port: "health-relay", volume: "health-relay" } as const;
/** Where the ConfigMap is mounted in the sidecar. */
const MOUNT_PATH = "/relay";

/** Data of the node's relay ConfigMap: the relay script, which imports nothing else. */
export function healthRelayConfigMapData(): Record<string, string> {
    return { [HEALTH_RELAY_SCRIPT_FILE]: HEALTH_RELAY_SCRIPT };
}

/** The pod volume of the relay's ConfigMap (read-only files). */
export function healthRelayVolume(configMapName: pulumi.Input<string>): Volume {
    return {
        name: HEALTH_RELAY_NAMES.volume,
        configMap: {
            name: configMapName,
            defaultMode: 0o444,
            items: [{ key: HEALTH_RELAY_SCRIPT_FILE, path: HEALTH_RELAY_SCRIPT_FILE }],
        },
    };
}

/**
 * The sidecar: `node healthRelay.mjs` on `HEALTH_RELAY_PORT`, asking the Axon container on 127.0.0.1:8024
 * (containers of a pod share its network namespace). Restricted like the Axon container (same user, read-only
 * root filesystem, no capabilities); requests and limits from the capacity check's constant. No probes:
 * a relay that dies is restarted by the kubelet without touching Axon Server, and a Job that cannot ask it
 * waits (fails closed).
 */
export function healthRelayContainer(topology: Pick<Topology, "imageRegistry">): Container {
    return {
        name: HEALTH_RELAY_NAMES.container,
        image: registryImage(topology.imageRegistry, GATE_IMAGE),
        imagePullPolicy: "IfNotPresent",
        command: ["node", `${MOUNT_PATH}/${HEALTH_RELAY_SCRIPT_FILE}`],
        env: [
            { name: "RELAY_PORT", value: String(HEALTH_RELAY_PORT) },
            { name: "RELAY_UPSTREAM", value: `http://127.0.0.1:${PORTS.http}` },
            // A small heap: the relay holds at most a few health bodies at a time.
            { name: "NODE_OPTIONS", value: "--max-old-space-size=64" },
        ],
        ports: [{ name: HEALTH_RELAY_NAMES.port, containerPort: HEALTH_RELAY_PORT, protocol: "TCP" }],
        resources: { requests: { ...HEALTH_RELAY_RESOURCES.requests }, limits: { ...HEALTH_RELAY_RESOURCES.limits } },
        securityContext: containerSecurityContext(),
        volumeMounts: [{ name: HEALTH_RELAY_NAMES.volume, mountPath: MOUNT_PATH, readOnly: true }],
    };
}
