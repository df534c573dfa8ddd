/**
 * The Kubernetes adapter of the restore plan (components/backup/restorePlan.ts): the Job that runs the
 * backup agent's `--restore` on one node's PVCs, as a manifest `restore-plan --out-dir` writes.
 */
import { AXON_UID, nodePaths, VOLUMES } from "../axonserver/render/paths";
import { AGENT_SCRIPT_NAME } from "../backup/agent";
import { backupAgentImage, SCRIPT_DIR, WEB_IDENTITY, webIdentityTokenVolume } from "../backup/agentRuntime";
import { needsWebIdentity, pvcName, restoreJobName, RestoreJobBuilder, scriptConfigMapName, WEB_IDENTITY_ROLE_PLACEHOLDER } from "../backup/restorePlan";
import { APP_NAME, KUBERNETES_KEYS } from "../topology/identity";

/** The Kubernetes Job restoring one node into its PVCs (the StatefulSet must be at 0 replicas). */
export const restoreJobManifest: RestoreJobBuilder = (target, node, env, settings) => {
    const p = nodePaths(node);
    // A GKE pod reads S3 like its sidecar: the AWS role through the pod's projected ServiceAccount token.
    const webIdentity = needsWebIdentity(node, settings);
    // The environment's one key (`instance`) like every object of the environment; the node in its own key.
    const labels = { [KUBERNETES_KEYS.name]: APP_NAME, [KUBERNETES_KEYS.instance]: target.environment, [KUBERNETES_KEYS.component]: "restore", [KUBERNETES_KEYS.node]: node.name };
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
            name: restoreJobName(node.name),
            namespace: target.kubernetes.namespace,
            labels,
        },
        spec: {
            backoffLimit: 2,
            ttlSecondsAfterFinished: 86400,
            template: {
                metadata: { labels },
                spec: {
                    restartPolicy: "Never",
                    // The pods' ServiceAccount carries the bucket identity of the node's agent (IRSA / Workload Identity).
                    serviceAccountName: "axonserver",
                    securityContext: { runAsNonRoot: true, runAsUser: AXON_UID, runAsGroup: AXON_UID, fsGroup: AXON_UID, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "restore",
                            image: backupAgentImage(settings, target.imageRegistry),
                            command: ["bash", `${SCRIPT_DIR}/${AGENT_SCRIPT_NAME}`, "--restore"],
                            env: [
                                ...Object.entries(env).map(([name, value]) => ({ name, value })),
                                { name: "HOME", value: "/tmp" },
                                { name: "TMPDIR", value: "/tmp" },
                                ...(settings.cloud === "gcp" ? [{ name: "CLOUDSDK_CONFIG", value: "/tmp/gcloud" }] : []),
                                ...(webIdentity
                                    ? [
                                          { name: "AWS_ROLE_ARN", value: WEB_IDENTITY_ROLE_PLACEHOLDER },
                                          { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: `${WEB_IDENTITY.mountPath}/${WEB_IDENTITY.file}` },
                                      ]
                                    : []),
                            ],
                            volumeMounts: [
                                { name: VOLUMES.events, mountPath: p.events },
                                { name: VOLUMES.data, mountPath: p.data },
                                { name: VOLUMES.log, mountPath: p.log },
                                { name: "backup-agent", mountPath: SCRIPT_DIR, readOnly: true },
                                { name: "tmp", mountPath: "/tmp" },
                                ...(webIdentity ? [{ name: WEB_IDENTITY.volume, mountPath: WEB_IDENTITY.mountPath, readOnly: true }] : []),
                            ],
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        },
                    ],
                    volumes: [
                        { name: VOLUMES.events, persistentVolumeClaim: { claimName: pvcName(VOLUMES.events, node.name) } },
                        { name: VOLUMES.data, persistentVolumeClaim: { claimName: pvcName(VOLUMES.data, node.name) } },
                        { name: VOLUMES.log, persistentVolumeClaim: { claimName: pvcName(VOLUMES.log, node.name) } },
                        { name: "backup-agent", configMap: { name: scriptConfigMapName(node.name), defaultMode: 0o555 } },
                        { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
                        ...(webIdentity ? [webIdentityTokenVolume()] : []),
                    ],
                },
            },
        },
    };
};
