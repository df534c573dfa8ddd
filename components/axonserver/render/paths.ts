/**
 * Where Axon Server's files live on a node: the official nonroot container image and the VM layout.
 * Pure, no Pulumi import. The properties file, the StatefulSet mounts and the VM boot script all read
 * these, so a path is changed in one place.
 */

/** uid/gid of the `axonserver` user in the official `-nonroot` images; VM nodes create the same user. */
export const AXON_UID = 1001;

/** Names of the PVC templates and pod volumes. */
export const VOLUMES = {
    events: "events",
    data: "data",
    log: "log",
    plugins: "plugins",
    config: "config",
    security: "security",
    license: "license",
    tls: "tls",
    tmp: "tmp",
    template: "template",
    podInfo: "pod-info",
} as const;

export interface AxonPaths {
    /** Working directory of the process (relative defaults such as `./log` resolve here). */
    readonly workDir: string;
    /** Holds `axonserver.properties` and `cluster-template.yml` (read-only). */
    readonly configDir: string;
    /** Event and snapshot segments (`event.storage`, `snapshot.storage`). */
    readonly events: string;
    /** Control DB, the PID file and the server log. */
    readonly data: string;
    /**
     * `controldb-backup-location`: the `controldb<millis>.zip` files of `createControlDbBackup`, in their
     * own directory on the data volume (`CONTROLDB_BACKUP_SUBDIR`), so the backup agent may delete the zips
     * it uploaded without write access to the control DB itself.
     */
    readonly controlDbBackups: string;
    /** Raft replication log (`replication.log-storage-folder`). */
    readonly log: string;
    /** Plugin bundles and cache. */
    readonly plugins: string;
    /** Token files (system token), read-only. */
    readonly security: string;
    /** PEM files `tls.crt`, `tls.key`, `ca.crt`, read-only. */
    readonly tls: string;
    /** Directory holding the configured license file `axoniq.license`, read-only. */
    readonly license: string;
    /** Writable directory where Axon Server stores licenses uploaded through the cluster (on `data`). */
    readonly licenseDirectory: string;
    /**
     * Writable directory of the cluster template Axon Server reads: the start-up guard copies the
     * deployed template here (or a join variant on a rebuilt `first`, see startupGuard.ts).
     */
    readonly runtimeTemplateDir: string;
}

/**
 * The official nonroot image: WORKDIR `/axonserver`; volumes `config`, `events`, `data`,
 * `log`, `plugins`. `security`, `tls` and `license` are conventional mount points for Secrets.
 */
export const CONTAINER_PATHS: AxonPaths = {
    workDir: "/axonserver",
    configDir: "/axonserver/config",
    events: "/axonserver/events",
    data: "/axonserver/data",
    controlDbBackups: "/axonserver/data/controldb-backups",
    log: "/axonserver/log",
    plugins: "/axonserver/plugins",
    security: "/axonserver/security",
    tls: "/axonserver/tls",
    license: "/axonserver/license",
    licenseDirectory: "/axonserver/data/license",
    runtimeTemplateDir: "/axonserver/template",
};

/**
 * VMs follow the APT package layout (config in `/etc/axonserver`, working dir
 * `/var/lib/axonserver`). The data disk is mounted under the working dir; secrets are fetched from the
 * cloud's secret manager at boot into tmpfs under `/run/axonserver`, so they never touch a disk.
 */
export const VM_PATHS: AxonPaths = {
    workDir: "/var/lib/axonserver",
    configDir: "/etc/axonserver",
    events: "/var/lib/axonserver/events",
    data: "/var/lib/axonserver/data",
    controlDbBackups: "/var/lib/axonserver/data/controldb-backups",
    log: "/var/lib/axonserver/log",
    plugins: "/var/lib/axonserver/plugins",
    security: "/run/axonserver/security",
    tls: "/run/axonserver/tls",
    license: "/run/axonserver/license",
    licenseDirectory: "/var/lib/axonserver/data/license",
    // tmpfs of the unit (`RuntimeDirectory=`), written by the guard in `ExecStartPre` at every start.
    runtimeTemplateDir: "/run/axonserver",
};

/** `controlDbBackups` relative to `data`: the `subPath` of the agent's read-write mount of the data volume. */
export const CONTROLDB_BACKUP_SUBDIR = "controldb-backups";

/** File names inside the directories above. */
export const FILES = {
    properties: "axonserver.properties",
    clusterTemplate: "cluster-template.yml",
    systemToken: "system.token",
    license: "axoniq.license",
    tlsCert: "tls.crt",
    tlsKey: "tls.key",
    tlsCa: "ca.crt",
    serverLog: "axonserver.log",
} as const;

export const propertiesFile = (paths: AxonPaths): string => `${paths.configDir}/${FILES.properties}`;
/** The template as deployed (read-only). */
export const clusterTemplateFile = (paths: AxonPaths): string => `${paths.configDir}/${FILES.clusterTemplate}`;
/** The copy the start-up guard writes and Axon Server reads (`clustertemplate.path`). */
export const runtimeClusterTemplateFile = (paths: AxonPaths): string => `${paths.runtimeTemplateDir}/${FILES.clusterTemplate}`;
export const systemTokenFile = (paths: AxonPaths): string => `${paths.security}/${FILES.systemToken}`;

/** The layout a node runs with: VM sites use `VM_PATHS`, every Kubernetes platform the image's. */
export const nodePaths = (node: { readonly platform: string }): AxonPaths => (node.platform === "vm" ? VM_PATHS : CONTAINER_PATHS);
