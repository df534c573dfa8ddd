/**
 * The backup agent: ONE generic bash script (agent.sh next to this file), configured only through
 * environment variables, that runs next to an Axon Server node (Kubernetes sidecar, a systemd timer on
 * VMs) and copies that node's own control DB, replication logs and event store, as the Axon Server EE
 * backup REST API names them, to the node's prefix of the backup bucket; the same script restores a node
 * (`--restore`, run by the restore Job or VM commands of restorePlan.ts). Pure: reads the script text, no
 * Pulumi import. The script's header documents its contract; test/backup-agent.test.ts checks that the
 * names below and the script's environment agree.
 *
 * Why a script next to the node and not a central job: the files live on the node's ReadWriteOnce
 * volumes (events, data, log), which only a container of the node's own pod (or a process on the VM)
 * can read; the REST API only returns their paths.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Names of the environment variables the agent reads in backup mode (the sidecar and the VM timer set them). */
export const AGENT_ENV = {
    target: "BACKUP_TARGET",
    units: "BACKUP_UNITS",
    axonUrl: "AXON_URL",
    tokenFile: "AXON_TOKEN_FILE",
    caFile: "AXON_CA_FILE",
    controlDbPrune: "BACKUP_CONTROLDB_PRUNE",
    logWindowSeconds: "BACKUP_LOG_WINDOW_SECONDS",
    intervalMinutes: "BACKUP_INTERVAL_MINUTES",
    offsetMinutes: "BACKUP_OFFSET_MINUTES",
    retries: "BACKUP_RETRIES",
    retryDelaySeconds: "BACKUP_RETRY_DELAY_SECONDS",
    runId: "BACKUP_RUN_ID",
    jsonTool: "BACKUP_JSON_TOOL",
} as const;

/** Names of the environment variables the script reads in `--restore` mode (besides the retry settings). */
export const RESTORE_ENV = {
    source: "RESTORE_SOURCE",
    run: "RESTORE_RUN",
    dataDir: "RESTORE_DATA_DIR",
    logDir: "RESTORE_LOG_DIR",
    eventsDir: "RESTORE_EVENTS_DIR",
    wipe: "RESTORE_WIPE",
    recoveryJson: "RESTORE_RECOVERY_JSON",
} as const;

/** Object keys under a node's prefix (must match the script). */
export const AGENT_LAYOUT = {
    /** Id of the newest complete run; written only after every object of that run is stored. */
    latest: "latest",
    runDir: (run: string): string => `runs/${run}`,
    manifest: (run: string): string => `runs/${run}/manifest`,
    controlDbZip: (run: string): string => `runs/${run}/controldb/controldb.zip`,
    runLogDir: (run: string, group: string): string => `runs/${run}/log/${group}`,
    /** Closed (immutable) segments of a context, shared by the runs whose manifests list them. */
    eventsDir: (context: string): string => `events/${context}`,
    lastSuccess: "last-success",
    /** Present: the agent skips its runs (a restore is pending; restorePlan.ts sets and removes it). */
    hold: "hold",
} as const;

/** Seconds within which the log copy must follow the control DB backup (Axon: 30 minutes, log compaction). */
export const LOG_WINDOW_SECONDS = 30 * 60;

/** File name of the script in its ConfigMap / on a VM. */
export const AGENT_SCRIPT_NAME = "axonserver-backup.sh";

/** The source file of the script (read at render time, so the shipped script is exactly the tested file). */
export const AGENT_SCRIPT_PATH = path.join(__dirname, "agent.sh");

let cached: string | undefined;

/**
 * The agent script as shipped (ConfigMap, VM user data): agent.sh without its full-line comments, which
 * document it in the repository. Why: EC2 user data is limited to 16 KB (compressed, vm/bootstrap.ts) and
 * the comments are a third of the script. A heredoc line starting with `#` would be changed too: the
 * script has none (the test runs the shipped text).
 */
export function renderBackupAgent(): string {
    cached ??= stripComments(fs.readFileSync(AGENT_SCRIPT_PATH, "utf8"));
    return cached;
}

function stripComments(script: string): string {
    const [shebang, ...rest] = script.split("\n");
    const body = rest.filter((l) => !/^\s*#/.test(l) && l.trim() !== "");
    return [shebang, "# Axon Server backup agent, generated from components/backup/agent.sh of axonserver-multiregion (documented there).", ...body].join("\n");
}
