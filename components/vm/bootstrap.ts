/**
 * Boot-time provisioning of an Axon Server VM (EC2 / Compute Engine): the bash script, the secret-fetch
 * helper, the systemd unit and the cloud-init `#cloud-config`. Pure text rendering, no Pulumi import.
 *
 * None of these texts carries a token, license, key or certificate: they only name where the helper
 * fetches them from (AWS Secrets Manager ARNs / GCP Secret Manager secret names) at every service start,
 * into tmpfs under `/run/axonserver`. So user data, instance metadata and console output stay secret-free.
 *
 * Layout (the APT package's): config in `/etc/axonserver`, working directory `/var/lib/axonserver`
 * (`VM_PATHS`). The separate data disk is mounted *on* the working directory, so events, control DB, Raft
 * log and plugins survive instance replacement. Axon Server reads `./config/axonserver.properties`
 * relative to its working directory while `VM_PATHS.configDir` is `/etc/axonserver`, so the
 * script links `<workDir>/config` → `/etc/axonserver`.
 *
 * How the script reaches the VM:
 * - EC2 (Amazon Linux 2023): the `#cloud-config` is the instance `userData`; cloud-init writes the script
 *   and runs it once on first boot (`runcmd`). Everything it sets up persists on the root disk.
 *   EC2 user data is limited to 16 KB: when the plain cloud-config is larger (the backup agent adds ~15 KB),
 *   the script is written with cloud-init's `encoding: gz+b64` (cloud-init docs, module `write_files`:
 *   "gz+b64" is one of the supported encodings), which compresses it about fourfold.
 * - Compute Engine (Debian 12): the official Debian images ship no cloud-init (the guest agent runs
 *   `startup-script` metadata instead), so the script itself is the instance's `metadataStartupScript`.
 *   It runs at every boot, which is why every step is idempotent.
 */
import { gzipSync } from "node:zlib";
import { JVM_OPTIONS_ENV, jvmHeapOptions } from "../axonserver/render/jvm";
import { AXON_UID, AxonPaths, FILES, VM_PATHS, clusterTemplateFile, propertiesFile, systemTokenFile } from "../axonserver/render/paths";
import { INTERNAL_TOKEN_ENV, LICENSE_ENV, licenseFile } from "../axonserver/render/properties";
import { VM_AGENT_PATH } from "../backup/agentRuntime";

export type VmCloud = "aws" | "gcp";

/** Where the helper fetches one node's secrets. References only: never a secret value. */
export interface VmSecretRefs {
    /** Secret with the system token (`accesscontrol.systemtokenfile`). */
    readonly systemToken: string;
    /** Secret with the cluster-internal token (exported to Axon Server as `INTERNAL_TOKEN_ENV`). */
    readonly internalToken: string;
    /**
     * Secret with the license file content.
     * @default - none (the topology has no license)
     */
    readonly license?: string;
    /**
     * Secrets with the node's PEM certificate chain, private key and the CA; required when TLS is on.
     * @default - none
     */
    readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
}

/** The backup agent of a designated node (components/backup): script and systemd units, no secret. */
export interface VmBackupAgent {
    /** `renderBackupAgent()`, installed at `VM_AGENT_PATH`. */
    readonly script: string;
    /** `renderBackupTimerUnits(...)`. */
    readonly service: string;
    /** The timer unit that starts `service` (from the same `renderBackupTimerUnits(...)`). */
    readonly timer: string;
}

export interface VmBootstrapInput {
    /** The VM's cloud: which secret store the helper reads and how the data disk is found. */
    readonly cloud: VmCloud;
    /** Environment name (comments only). */
    readonly environment: string;
    /** Axon Server node name (comments and unit description). */
    readonly nodeName: string;
    /**
     * AWS: region of the Secrets Manager secrets (passed explicitly to the CLI); required on AWS.
     * @default - none
     */
    readonly awsRegion?: string;
    /**
     * GCP: project of the Secret Manager secrets; required on GCP.
     * @default - none
     */
    readonly gcpProject?: string;
    /** `renderAxonServerProperties(topology, node, VM_PATHS)`. */
    readonly propertiesText: string;
    /** `renderClusterTemplate(topology)`. */
    readonly clusterTemplateText: string;
    /** `startupGuardFor(topology, node, VM_PATHS, …)`: run as `ExecStartPre` before every start. */
    readonly startupGuard: string;
    /**
     * Stable device path of the data disk: AWS `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_<vol id
     * without dash>` (`awsDataDevice`), GCP `/dev/disk/by-id/google-<deviceName>` (`gcpDataDevice`).
     */
    readonly dataDevice: string;
    /** Where the helper fetches the node's secrets (references, never values). */
    readonly secrets: VmSecretRefs;
    /**
     * `topology.axonServer.download`: URL of the Axon Server jar and its SHA-256 (required on VMs:
     * rendering refuses a node without it).
     * @default - none
     */
    readonly download?: { readonly url: string; readonly sha256: string };
    /** Whether TLS is on: the helper then fetches `secrets.tls` and the unit needs them. */
    readonly tls: boolean;
    /** `TimeoutStopSec` (`topology.axonServer.terminationGracePeriodSeconds`), at least 120. */
    readonly stopTimeoutSeconds: number;
    /** `JAVA_TOOL_OPTIONS`, e.g. `jvmHeapOptions(node.resources.memory)`. */
    readonly jvmOptions: string;
    /**
     * Install and enable the backup agent's timer.
     * @default - none (no backup agent on this node)
     */
    readonly backupAgent?: VmBackupAgent;
}

export interface VmBootstrap {
    /** `#cloud-config` user data (EC2): writes the script and runs it once. */
    readonly cloudConfig: string;
    /** The idempotent provisioning script (Compute Engine `startup-script`; run by cloud-init on EC2). */
    readonly script: string;
    /** The secret-fetch helper (`ExecStartPre=+` of the unit), embedded in the script. */
    readonly fetchSecrets: string;
    /** `axonserver.service`, embedded in the script. */
    readonly unit: string;
}

/** Where the rendered pieces land on the VM. */
export const VM_FILES = {
    script: "/usr/local/sbin/axonserver-bootstrap",
    fetchSecrets: "/usr/local/sbin/axonserver-fetch-secrets",
    startupGuard: "/usr/local/sbin/axonserver-startup-guard",
    unit: "/etc/systemd/system/axonserver.service",
    backupService: "/etc/systemd/system/axonserver-backup.service",
    backupTimer: "/etc/systemd/system/axonserver-backup.timer",
    jarDir: "/opt/axonserver",
    jar: "/opt/axonserver/axonserver.jar",
    /** tmpfs directory of the fetched secrets (systemd `RuntimeDirectory=`, removed when the unit stops). */
    runDir: "/run/axonserver",
    envFile: "/run/axonserver/axonserver.env",
} as const;

/** uid and gid of `axonserver`, the same as in the official nonroot image. */
export const AXONSERVER_UID = AXON_UID;
export const VM_USER = "axonserver";

/** EC2 user data is limited to 16 KB (before base64). */
export const AWS_USER_DATA_LIMIT = 16384;


/**
 * `/dev/disk/by-id` name of an EBS volume on a Nitro instance (NVMe): the volume id without its dash,
 * e.g. `vol-0abc` → `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc`.
 */
export function awsDataDevice(volumeId: string): string {
    return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
}

/** `/dev/disk/by-id` name of a Compute Engine disk attached with `deviceName`. */
export function gcpDataDevice(deviceName: string): string {
    return `/dev/disk/by-id/google-${deviceName}`;
}

/** Default JVM options of a VM node: the same heap rule as the pods. */
export const vmJvmOptions = (memory: string): string => jvmHeapOptions(memory);

// Characters that may appear inside a double-quoted shell string or a systemd value without escaping.
const SAFE_REF = /^[A-Za-z0-9:/_+=.@-]+$/;
const SAFE_PATH = /^\/[A-Za-z0-9/_.+-]+$/;
const SHA256 = /^[0-9a-fA-F]{64}$/;
const SAFE_URL = /^https:\/\/[A-Za-z0-9._~:/?#@!&'()*+,;=%-]+$/;

function validate(input: VmBootstrapInput): string[] {
    const errors: string[] = [];
    const where = `VM node ${input.nodeName}`;
    if (!input.download) {
        errors.push(`${where}: axonServer.download (url and sha256 of the Axon Server jar) is required for VM nodes`);
    } else {
        // Shell-injection guards only: the config rules (https, .jar, limits) are the loader's.
        if (!SAFE_URL.test(input.download.url) || /['"`$\\]/.test(input.download.url)) {
            errors.push(`${where}: axonServer.download.url must be an https:// URL without quotes, "$" or backslashes`);
        }
        if (!SHA256.test(input.download.sha256)) errors.push(`${where}: axonServer.download.sha256 must be 64 hex digits`);
    }
    if (!Number.isInteger(input.stopTimeoutSeconds) || input.stopTimeoutSeconds <= 0) {
        errors.push(`${where}: stop timeout ${input.stopTimeoutSeconds}s is not a positive whole number of seconds`);
    }
    if (!SAFE_PATH.test(input.dataDevice) || !input.dataDevice.startsWith("/dev/disk/by-id/")) {
        errors.push(`${where}: data device "${input.dataDevice}" must be a stable /dev/disk/by-id/ path`);
    }
    if (input.cloud === "aws" && !SAFE_REF.test(input.awsRegion ?? "")) {
        errors.push(`${where}: awsRegion is required on AWS, without shell characters (got "${input.awsRegion ?? ""}")`);
    }
    if (input.cloud === "gcp" && !SAFE_REF.test(input.gcpProject ?? "")) {
        errors.push(`${where}: gcpProject is required on GCP, without shell characters (got "${input.gcpProject ?? ""}")`);
    }
    const refs: [string, string | undefined][] = [
        ["systemToken", input.secrets.systemToken],
        ["internalToken", input.secrets.internalToken],
        ["license", input.secrets.license],
        ["tls.cert", input.secrets.tls?.cert],
        ["tls.key", input.secrets.tls?.key],
        ["tls.ca", input.secrets.tls?.ca],
    ];
    for (const [name, ref] of refs) {
        if (ref !== undefined && !SAFE_REF.test(ref)) errors.push(`${where}: secret reference ${name} "${ref}" has unexpected characters`);
    }
    if (input.tls && !input.secrets.tls) errors.push(`${where}: TLS is on but no TLS secret references were given`);
    if (/["\\%\n]/.test(input.jvmOptions)) errors.push(`${where}: JVM options must not contain quotes, backslashes, "%" or newlines`);
    return errors;
}

/** A quoted heredoc that writes `content` verbatim (no expansion) to `path`, then sets its mode. */
function writeFile(path: string, mode: string, delimiter: string, content: string): string {
    const body = content.endsWith("\n") ? content : `${content}\n`;
    if (body.split("\n").includes(delimiter)) throw new Error(`content for ${path} contains the heredoc delimiter ${delimiter}`);
    return [`cat > "${path}" <<'${delimiter}'`, body + delimiter, `chmod ${mode} "${path}"`].join("\n");
}

function fetchCommand(input: VmBootstrapInput): string {
    return input.cloud === "aws"
        ? `aws secretsmanager get-secret-value --region "${input.awsRegion}" --secret-id "$1" --query SecretString --output text`
        : `gcloud secrets versions access latest --secret="$1" --project="${input.gcpProject}"`;
}

function storeName(input: VmBootstrapInput): string {
    return input.cloud === "aws" ? `AWS Secrets Manager (${input.awsRegion})` : `GCP Secret Manager (project ${input.gcpProject})`;
}

/** The `ExecStartPre=+` helper: fetches this node's secrets into tmpfs at every start of the unit. */
function renderFetchSecrets(input: VmBootstrapInput, paths: AxonPaths): string {
    const s = input.secrets;
    const lines = [
        "#!/bin/bash",
        `# Fetches the secrets of Axon Server node ${input.nodeName} (environment ${input.environment}) from`,
        `# ${storeName(input)} into tmpfs at every start of axonserver.service (ExecStartPre, as root).`,
        "# Generated by axonserver-multiregion. Never enable tracing (set -x) here: it would log the secrets.",
        "set -euo pipefail",
        "umask 077",
        "export HOME=/root",
        "",
        `readonly RUN_DIR="${VM_FILES.runDir}"`,
        `readonly ENV_FILE="${VM_FILES.envFile}"`,
        "",
        "# Prints one secret; retries because credentials and DNS may not be ready right after boot.",
        "fetch() {",
        "    local attempt",
        "    for attempt in 1 2 3 4 5; do",
        `        if ${fetchCommand(input)}; then`,
        "            return 0",
        "        fi",
        '        echo "axonserver-fetch-secrets: attempt ${attempt} to read $1 failed" >&2',
        "        sleep $((attempt * 5))",
        "    done",
        "    return 1",
        "}",
        "",
        "# Writes secret $1 to file $2 (0600, owned by axonserver), replacing it atomically.",
        "store() {",
        "    local tmp",
        '    tmp="$(mktemp "$2.XXXXXX")"',
        '    fetch "$1" > "$tmp"',
        `    chown ${VM_USER}:${VM_USER} "$tmp"`,
        '    chmod 0600 "$tmp"',
        '    mv -f "$tmp" "$2"',
        "}",
        "",
        `install -d -m 0700 -o ${VM_USER} -g ${VM_USER} "$RUN_DIR" "${paths.security}" "${paths.tls}" "${paths.license}"`,
        "",
        `store "${s.systemToken}" "${systemTokenFile(paths)}"`,
    ];
    if (s.license) lines.push(`store "${s.license}" "${licenseFile(paths)}"`);
    if (input.tls && s.tls) {
        lines.push(
            `store "${s.tls.cert}" "${paths.tls}/${FILES.tlsCert}"`,
            `store "${s.tls.key}" "${paths.tls}/${FILES.tlsKey}"`,
            `store "${s.tls.ca}" "${paths.tls}/${FILES.tlsCa}"`,
        );
    }
    lines.push(
        "",
        "# The internal token reaches Axon Server as an environment variable (never in a file it reads).",
        `internal_token="$(fetch "${s.internalToken}")"`,
        'case "$internal_token" in',
        "    '' | *[!A-Za-z0-9._~+/=-]*)",
        '        echo "axonserver-fetch-secrets: the internal token is empty or has characters an EnvironmentFile cannot carry" >&2',
        "        exit 1",
        "        ;;",
        "esac",
        'env_tmp="$(mktemp "$ENV_FILE.XXXXXX")"',
        "{",
        `    printf '%s=%s\\n' "${INTERNAL_TOKEN_ENV}" "$internal_token"`,
    );
    if (s.license) lines.push(`    printf '%s=%s\\n' "${LICENSE_ENV}" "${licenseFile(paths)}"`);
    lines.push("} > \"$env_tmp\"", 'chmod 0600 "$env_tmp"', 'mv -f "$env_tmp" "$ENV_FILE"', "");
    return lines.join("\n");
}

function renderUnit(input: VmBootstrapInput, paths: AxonPaths): string {
    return [
        "[Unit]",
        `Description=Axon Server node ${input.nodeName} (${input.environment})`,
        "Documentation=https://docs.axoniq.io/axon-server-reference/",
        "Wants=network-online.target",
        "After=network-online.target",
        "# The data disk is mounted on the working directory: never start on the root disk.",
        `RequiresMountsFor=${paths.workDir}`,
        "",
        "[Service]",
        "Type=simple",
        `User=${VM_USER}`,
        `Group=${VM_USER}`,
        `WorkingDirectory=${paths.workDir}`,
        "# tmpfs for the fetched secrets; systemd removes it when the unit stops.",
        `RuntimeDirectory=${VM_FILES.runDir.replace("/run/", "")}`,
        "RuntimeDirectoryMode=0700",
        "# '+' runs the helper as root (it needs the instance identity and writes files for axonserver).",
        `ExecStartPre=+${VM_FILES.fetchSecrets}`,
        "# Never initialise a second cluster: writes the template Axon Server reads (components/axonserver/render/startupGuard.ts).",
        `ExecStartPre=+${VM_FILES.startupGuard}`,
        "# Written by the helper in ExecStartPre, read before ExecStart ('-': absent while ExecStartPre runs).",
        `EnvironmentFile=-${VM_FILES.envFile}`,
        `Environment="${JVM_OPTIONS_ENV}=${input.jvmOptions}"`,
        `ExecStart=/usr/bin/java -jar ${VM_FILES.jar}`,
        "TimeoutStartSec=300",
        "Restart=on-failure",
        "RestartSec=10",
        "# Axon Server stops cleanly on SIGTERM (the JVM then exits with 143).",
        "KillSignal=SIGTERM",
        `TimeoutStopSec=${input.stopTimeoutSeconds}`,
        "SuccessExitStatus=143",
        "LimitNOFILE=65536",
        "UMask=0027",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

function renderScript(input: VmBootstrapInput, paths: AxonPaths, fetchSecrets: string, unit: string): string {
    const dl = input.download!;
    const dataDirs = [paths.events, paths.data, paths.controlDbBackups, paths.log, paths.plugins, paths.licenseDirectory];
    const backup = input.backupAgent
        ? [
              "",
              "# The backup agent: a timer runs it as axonserver (its bucket access is the instance's identity).",
              writeFile(VM_AGENT_PATH, "0755", "AXONSERVER_BACKUP_AGENT_EOF", input.backupAgent.script),
              writeFile(VM_FILES.backupService, "0644", "AXONSERVER_BACKUP_SERVICE_EOF", input.backupAgent.service),
              writeFile(VM_FILES.backupTimer, "0644", "AXONSERVER_BACKUP_TIMER_EOF", input.backupAgent.timer),
              "systemctl daemon-reload",
              "systemctl enable --now axonserver-backup.timer",
          ]
        : [];
    const java =
        input.cloud === "aws"
            ? [
                  "# Java 17 from the distribution (Amazon Linux 2023).",
                  "if ! rpm -q java-17-amazon-corretto-headless >/dev/null 2>&1; then",
                  "    dnf install -y java-17-amazon-corretto-headless",
                  "fi",
              ]
            : [
                  "# Java 17 from the distribution (Debian 12).",
                  "if ! dpkg -s openjdk-17-jre-headless >/dev/null 2>&1; then",
                  "    apt-get update",
                  "    DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jre-headless",
                  "fi",
                  "command -v gcloud >/dev/null || fail \"gcloud is missing: use a Compute Engine image with the Google Cloud CLI\"",
              ];
    return [
        "#!/bin/bash",
        `# Provisions Axon Server node ${input.nodeName} (environment ${input.environment}) on ${input.cloud === "aws" ? "EC2, Amazon Linux 2023" : "Compute Engine, Debian 12"}.`,
        "# Generated by axonserver-multiregion. Idempotent: safe to run at every boot.",
        `# Holds no secret: ${VM_FILES.fetchSecrets} reads them from ${storeName(input)}`,
        "# at every start of axonserver.service.",
        "set -euo pipefail",
        "umask 022",
        "",
        `readonly DATA_DEVICE="${input.dataDevice}"`,
        `readonly WORK_DIR="${paths.workDir}"`,
        `readonly CONFIG_DIR="${paths.configDir}"`,
        `readonly JAR="${VM_FILES.jar}"`,
        `readonly JAR_URL="${dl.url}"`,
        `readonly JAR_SHA256="${dl.sha256.toLowerCase()}"`,
        "",
        'log() { echo "axonserver-bootstrap: $*" >&2; }',
        'fail() { log "$*"; exit 1; }',
        "",
        `# User and group ${VM_USER} with uid/gid ${AXONSERVER_UID}, as in the official nonroot image.`,
        `if ! getent group ${VM_USER} >/dev/null; then`,
        `    getent group ${AXONSERVER_UID} >/dev/null && fail "gid ${AXONSERVER_UID} is taken by another group"`,
        `    groupadd --system --gid ${AXONSERVER_UID} ${VM_USER}`,
        "fi",
        `if ! getent passwd ${VM_USER} >/dev/null; then`,
        `    getent passwd ${AXONSERVER_UID} >/dev/null && fail "uid ${AXONSERVER_UID} is taken by another user"`,
        `    useradd --system --uid ${AXONSERVER_UID} --gid ${VM_USER} --home-dir "$WORK_DIR" --no-create-home --shell /usr/sbin/nologin ${VM_USER}`,
        "fi",
        "",
        "# The data disk: wait for it (EBS attaches after the instance starts), format it only when it carries",
        "# no signature at all (never reformat: it holds the event store), mount it by its stable id.",
        "for _ in $(seq 1 120); do",
        '    [ -b "$DATA_DEVICE" ] && break',
        '    log "waiting for $DATA_DEVICE"',
        "    sleep 5",
        "done",
        '[ -b "$DATA_DEVICE" ] || fail "data device $DATA_DEVICE did not appear"',
        "probe=0",
        'blkid -p "$DATA_DEVICE" >/dev/null 2>&1 || probe=$?',
        'if [ "$probe" -eq 2 ]; then',
        '    log "formatting the new data disk $DATA_DEVICE"',
        '    mkfs.ext4 -q -m 0 -L axonserver "$DATA_DEVICE"',
        'elif [ "$probe" -ne 0 ]; then',
        '    fail "blkid could not probe $DATA_DEVICE (exit $probe)"',
        "fi",
        'fstype="$(blkid -p -o value -s TYPE "$DATA_DEVICE" || true)"',
        'case "$fstype" in',
        "    ext4 | xfs) ;;",
        '    *) fail "$DATA_DEVICE holds \\"$fstype\\", not a filesystem this script mounts; refusing to touch it" ;;',
        "esac",
        'install -d -m 0755 "$WORK_DIR"',
        'if ! grep -qF "$DATA_DEVICE " /etc/fstab; then',
        '    echo "$DATA_DEVICE $WORK_DIR $fstype defaults,noatime,nofail 0 2" >> /etc/fstab',
        "    systemctl daemon-reload",
        "fi",
        'mountpoint -q "$WORK_DIR" || mount "$WORK_DIR"',
        'mountpoint -q "$WORK_DIR" || fail "$WORK_DIR is not mounted"',
        "# Grow the filesystem after the disk was enlarged (online; a no-op when it already fills the disk).",
        'if [ "$fstype" = ext4 ]; then resize2fs "$DATA_DEVICE" >/dev/null; else xfs_growfs "$WORK_DIR" >/dev/null; fi',
        `install -d -m 0750 -o ${VM_USER} -g ${VM_USER} "$WORK_DIR" ${dataDirs.map((d) => `"${d}"`).join(" ")}`,
        "# Axon Server reads ./config/axonserver.properties relative to its working directory.",
        'ln -sfn "$CONFIG_DIR" "$WORK_DIR/config"',
        "",
        ...java,
        "",
        "# The Axon Server jar, verified against its SHA-256.",
        `install -d -m 0755 "${VM_FILES.jarDir}"`,
        'if ! echo "$JAR_SHA256  $JAR" | sha256sum -c --status 2>/dev/null; then',
        '    tmp="$(mktemp "$JAR.XXXXXX")"',
        '    curl -fsSL --retry 5 --retry-delay 5 -o "$tmp" "$JAR_URL"',
        '    echo "$JAR_SHA256  $tmp" | sha256sum -c - || { rm -f "$tmp"; fail "checksum mismatch for $JAR_URL"; }',
        '    chmod 0644 "$tmp"',
        '    mv -f "$tmp" "$JAR"',
        "fi",
        "",
        "# Configuration (no secrets: tokens, license and TLS files are read from tmpfs).",
        'install -d -m 0755 "$CONFIG_DIR"',
        writeFile(propertiesFile(paths), "0644", "AXONSERVER_PROPERTIES_EOF", input.propertiesText),
        writeFile(clusterTemplateFile(paths), "0644", "AXONSERVER_CLUSTER_TEMPLATE_EOF", input.clusterTemplateText),
        "",
        "# Secret-fetch helper and the service.",
        writeFile(VM_FILES.fetchSecrets, "0700", "AXONSERVER_FETCH_SECRETS_EOF", fetchSecrets),
        writeFile(VM_FILES.startupGuard, "0700", "AXONSERVER_STARTUP_GUARD_EOF", input.startupGuard),
        writeFile(VM_FILES.unit, "0644", "AXONSERVER_UNIT_EOF", unit),
        "systemctl daemon-reload",
        "systemctl enable --now axonserver.service",
        ...backup,
        'log "done"',
        "",
    ].join("\n");
}

function renderCloudConfig(input: VmBootstrapInput, script: string, compressed = false): string {
    const indented = script
        .replace(/\n$/, "")
        .split("\n")
        .map((l) => (l ? `      ${l}` : ""))
        .join("\n");
    // gzip's header has no file name and mtime 0 (Node's default): the same script gives the same user data.
    const content = compressed ? ["    encoding: gz+b64", `    content: ${gzipSync(Buffer.from(script, "utf8"), { level: 9 }).toString("base64")}`] : ["    content: |", indented];
    return [
        "#cloud-config",
        `# Axon Server node ${input.nodeName} (environment ${input.environment}). Generated by axonserver-multiregion.`,
        "# No secrets here: the node fetches them from the cloud's secret manager at every service start.",
        "write_files:",
        `  - path: ${VM_FILES.script}`,
        "    owner: root:root",
        "    permissions: '0700'",
        ...content,
        "runcmd:",
        `  - [${VM_FILES.script}]`,
        "",
    ].join("\n");
}

/**
 * Renders the boot-time provisioning of one VM node. Throws one error listing every problem of the input
 * (missing download, short stop timeout, unsafe references…).
 */
export function renderVmBootstrap(input: VmBootstrapInput): VmBootstrap {
    const errors = validate(input);
    if (errors.length > 0) throw new Error(errors.join("\n"));
    const paths = VM_PATHS;
    const fetchSecrets = renderFetchSecrets(input, paths);
    const unit = renderUnit(input, paths);
    const script = renderScript(input, paths, fetchSecrets, unit);
    let cloudConfig = renderCloudConfig(input, script);
    if (Buffer.byteLength(cloudConfig, "utf8") > AWS_USER_DATA_LIMIT) cloudConfig = renderCloudConfig(input, script, true);
    if (input.cloud === "aws" && Buffer.byteLength(cloudConfig, "utf8") > AWS_USER_DATA_LIMIT) {
        throw new Error(
            `VM node ${input.nodeName}: the cloud-config is ${Buffer.byteLength(cloudConfig, "utf8")} bytes, over the EC2 user-data limit of ${AWS_USER_DATA_LIMIT}`,
        );
    }
    return { cloudConfig, script, fetchSecrets, unit };
}
