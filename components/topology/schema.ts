/**
 * The zod schema of the raw stack config (namespace `axonserver-multiregion:` stripped), with its
 * plain defaults. Pure: no Pulumi import.
 *
 * This layer checks each value on its own (types, enums, patterns, ranges). Checks that relate values
 * to each other (references, zones of a region, platform per cloud, roles per group) live in
 * `validate.ts`. Defaults that depend on other values (machine type per platform, CPU limit = twice
 * the request) are applied in `load.ts`.
 *
 * Every message names the bad value (quoted) and what is allowed; `load.ts` prefixes the config path.
 */
import { z } from "zod";
import { ADMIN_GROUP, CLOUDS, PLATFORMS, ROLES, STORAGE_TIERS } from "./model";
import { DNS1123_LABEL, NAME_LIMITS } from "./naming";
import { cidrProblem, isNonPublicCidr, parseCidr } from "./cidr";
import { NODE_PORT_SLOTS, nodePortSlotWhy } from "./loadBalancers";

// ---------------------------------------------------------------------------------------------
// Message helpers (shared with validate.ts and load.ts)

/** A value as shown in messages: strings quoted, other values as JSON (shortened). */
export function quote(v: unknown): string {
    if (v === undefined) return "undefined";
    if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? ".nan" : v > 0 ? ".inf" : "-.inf";
    let s: string;
    try {
        s = JSON.stringify(v) ?? String(v);
    } catch {
        s = String(v);
    }
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** `"a", "b", "c"` (quoted, so stray spaces show), or `(none)` for an empty list. */
export function listOf(xs: Iterable<string>): string {
    const arr = [...xs];
    return arr.length === 0 ? "(none)" : arr.map((x) => JSON.stringify(x)).join(", ");
}

/** Edit distance (insertions, deletions, substitutions), for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
    const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diag = prev[0];
        prev[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const up = prev[j];
            prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
            diag = up;
        }
    }
    return prev[b.length];
}

/**
 * The allowed value closest to `value` (case, surrounding spaces, "-"/"_" and small typos forgiven),
 * or undefined when none is close: `primary` → `PRIMARY`, `eu-west-9` → `eu-west-1`.
 */
export function nearest(value: string, allowed: Iterable<string>): string | undefined {
    const norm = (x: string) => x.trim().toLowerCase().replace(/_/g, "-");
    const v = norm(value);
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of allowed) {
        if (candidate === value) return undefined;
        const d = editDistance(v, norm(candidate));
        if (!best || d < best.distance) best = { candidate, distance: d };
    }
    if (!best) return undefined;
    return best.distance <= Math.max(1, Math.floor(best.candidate.length / 3)) ? best.candidate : undefined;
}

/** `; did you mean "X"?` when a close allowed value exists, else "". */
export function didYouMean(value: unknown, allowed: Iterable<string>): string {
    if (typeof value !== "string") return "";
    const n = nearest(value, allowed);
    return n === undefined ? "" : `; did you mean ${JSON.stringify(n)}?`;
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** `base.key`, or `base["key"]` when the key holds characters such as `.`. */
export function joinKey(base: string, key: string): string {
    return PLAIN_KEY.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** Config path as the user wrote it: `nodes[3].site`, `replicationGroups[0].members.axon-9`. */
export function formatPath(segments: readonly PropertyKey[]): string {
    let out = "";
    for (const seg of segments) {
        if (typeof seg === "number") out += `[${seg}]`;
        else {
            const key = String(seg);
            if (!PLAIN_KEY.test(key)) out += `[${JSON.stringify(key)}]`;
            else out += out === "" ? key : `.${key}`;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Patterns and limits

export const PATTERNS = {
    version: /^\d+\.\d+(\.\d+)?$/,
    quantity: /^\d+(Mi|Gi|Ti)$/,
    cpu: /^\d+(\.\d+)?m?$/,
    tagKey: /^[A-Za-z][A-Za-z0-9_.-]*$/,
    sha256: /^[0-9a-fA-F]{64}$/,
    /** GCP project IDs: 6-30 lower-case letters, digits, hyphens; start with a letter, not end with `-`. */
    gcpProject: /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
    /** `1.31` (EKS, GKE) or a full GKE version such as `1.31.1-gke.1678000`. */
    kubernetesVersion: /^\d+\.\d+(\.\d+)?(-[0-9A-Za-z.-]+)?$/,
    awsRegion: /^[a-z]{2}(-gov)?-[a-z]+-\d$/,
    gcpRegion: /^[a-z]+-[a-z]+\d+$/,
    /** Kubernetes object names such as storage classes: DNS-1123 subdomain. */
    dns1123Subdomain: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    /** IAM role or user ARN (EKS access entry principals: roles and users only). */
    iamPrincipalArn: /^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/,
    iamRoleArn: /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    /** A KMS key ARN (not an alias: EBS CSI `kmsKeyId` and DLM `cmkArn` take key ARNs). */
    kmsKeyArn: /^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:key\/[0-9a-f-]{36}$/,
    transitGatewayId: /^tgw-[0-9a-f]{8,17}$/,
    /** Registry host with an optional path: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub`. */
    imageRegistry: /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/,
    /** RFC 3339 UTC time as GKE returns it, e.g. `2026-01-03T02:00:00Z`. */
    rfc3339Utc: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
    /** RFC 5545 RRULE, e.g. `FREQ=WEEKLY;BYDAY=SA,SU`. */
    rrule: /^FREQ=(DAILY|WEEKLY|MONTHLY)(;[A-Z]+=[A-Z0-9,+-]+)*$/,
} as const;

export const DNS1123_DESCRIPTION =
    `a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit: ` +
    `${DNS1123_LABEL.source})`;

/** Longest replication group name: a limit of this program, to leave room in derived names. */
export const GROUP_NAME_LIMIT = 50;
/** DNS-1123 label limit, used for contexts and Kubernetes namespaces. */
export const LABEL_LIMIT = 63;

/** Keys the stack config may hold (after stripping the `axonserver-multiregion:` namespace). */
export const TOP_LEVEL_KEYS = [
    "environment",
    "axonServer",
    "kubernetes",
    "dns",
    "gcpProject",
    "adminCidrs",
    "nodeDefaults",
    "sites",
    "nodes",
    "replicationGroups",
    "clients",
    // Secrets: read by stacks/ as Pulumi secrets; accepted here and ignored by the model.
    "license",
    "adminToken",
    "internalToken",
    "backup",
    // How `pulumi up` reaches the cluster APIs, and where images come from.
    "clusterAccess",
    "imageRegistry",
] as const;

/** Secret keys: their values never enter the model. */
export const SECRET_KEYS = ["license", "adminToken", "internalToken"] as const;

export const NODE_DEFAULTS = {
    storage: "fast",
    cpu: "1",
    memory: "4Gi",
    volumes: { events: "50Gi", data: "5Gi", log: "10Gi", plugins: "1Gi" },
} as const;

/** Default machine type per platform (and cloud, for VMs). */
export function defaultMachineType(cloud: (typeof CLOUDS)[number], platform: (typeof PLATFORMS)[number]): string {
    switch (platform) {
        case "eks":
            return "m6i.xlarge";
        case "gke":
            return "e2-standard-4";
        case "vm":
            return cloud === "gcp" ? "n2-standard-4" : "m7i.large";
        default:
            return "n/a";
    }
}

// ---------------------------------------------------------------------------------------------
// Quantities

const UNIT_MI: Record<string, number> = { Mi: 1, Gi: 1024, Ti: 1024 * 1024 };

/** A `^\d+(Mi|Gi|Ti)$` quantity in MiB. */
export function quantityMi(q: string): number {
    const m = PATTERNS.quantity.exec(q);
    return m ? Number(q.slice(0, -2)) * UNIT_MI[m[1]] : NaN;
}

/** A CPU quantity (`"2"`, `"1.5"`, `"500m"`) in millicores. */
export function cpuMillis(q: string): number {
    return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** Formats millicores back to the shortest quantity: 1000 → `"1"`, 1500 → `"1500m"`. */
export function formatCpu(millis: number): string {
    return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Twice a CPU quantity: `"500m"` → `"1"`, `"2"` → `"4"`, `"750m"` → `"1500m"`. */
export function doubleCpu(q: string): string {
    return formatCpu(cpuMillis(q) * 2);
}

// ---------------------------------------------------------------------------------------------
// Coercions: Pulumi config may deliver booleans and numbers as strings.

function toBoolean(v: unknown): unknown {
    if (typeof v === "string" && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === "true";
    return v;
}

function toNumber(v: unknown): unknown {
    if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
    return v;
}

/** Numbers and booleans to strings (YAML turns `cpu: 2` or `event.segment-size: 1024` into numbers). */
function toText(v: unknown): unknown {
    return typeof v === "number" || typeof v === "boolean" ? String(v) : v;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/** A string with one custom check producing a complete message (value included) or undefined. */
function checkedString(problem: (v: string) => string | undefined) {
    return z.string().superRefine((v, ctx) => {
        const p = problem(v);
        if (p !== undefined) ctx.addIssue({ code: "custom", message: p, input: v });
    });
}

/** A DNS-1123 name with a length limit; `why` explains the limit (derived names). */
export function nameProblem(kind: string, limit: number, why: string, v: string, extra: readonly string[] = []): string | undefined {
    if (extra.includes(v) || (DNS1123_LABEL.test(v) && v.length <= limit)) return undefined;
    const also = extra.length > 0 ? ` (or ${extra.map((e) => JSON.stringify(e)).join(", ")})` : "";
    const length = v.length > limit ? `; it has ${v.length} characters` : "";
    return `${quote(v)} is not a valid ${kind}: it must be ${DNS1123_DESCRIPTION} of at most ${limit} characters${also}${length}, because ${why}`;
}

export const NAME_REASONS = {
    environment: "it is part of every cloud resource name and of the private DNS zone <environment>.<domain>",
    site: "cloud resource names <environment>-<site>-<suffix> must fit IAM role names (64) and GCE names (63)",
    node:
        "it is the StatefulSet name (its pods' controller-revision-hash label <name>-<10 chars> and the " +
        "<name>-internal Service must stay within 63 characters) and the first label of the node's host name",
    group: "replication group names are a limit of this program that leaves room in derived names",
    context: "context names are used in Axon Server URLs and the client configuration",
    namespace: "Kubernetes namespace names are DNS-1123 labels",
} as const;

function dnsName(kind: string, limit: number, why: string, extra: readonly string[] = []) {
    return checkedString((v) => nameProblem(kind, limit, why, v, extra));
}

function pattern(re: RegExp, what: string, example: string) {
    return checkedString((v) => (re.test(v) ? undefined : `${quote(v)} is not a valid ${what}: expected the pattern ${re.source}, e.g. ${JSON.stringify(example)}`));
}

/** One of `values`; a missing value "is required", a near miss gets a suggestion ("did you mean"). */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
    return z.enum(values, {
        error: (iss) => {
            if (iss.input === undefined || iss.input === null) return `is required: a ${what}; allowed: ${listOf(values)}`;
            return `${quote(iss.input)} is not a valid ${what}; allowed: ${listOf(values)}${didYouMean(iss.input, values)}`;
        },
    });
}

/** A whole number from `min` to `max`; `why` explains the upper bound. */
function intRange(min: number, max: number, what: string, why?: string) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}${why ? ` (${why})` : ""}`;
    return z.preprocess(
        toNumber,
        z
            .number({ error: (iss) => (iss.input === undefined ? undefined : `expected ${range}, got ${typeOf(iss.input)}`) })
            .int({ error: (iss) => `${quote(iss.input)} is not a whole number; ${what} must be ${range}` })
            .min(min, { error: (iss) => `${quote(iss.input)} is too small; ${what} must be ${range}` })
            .max(max, { error: (iss) => `${quote(iss.input)} is too large; ${what} must be ${range}` }),
    );
}

/**
 * A version-like string (`"2024.2.4"`, `"1.31"`) or checksum. YAML reads an unquoted `1.30` as the
 * number 1.3 and an all-digit checksum as a number: say to quote it rather than guess the text.
 */
function quotedText(what: string, inner: z.ZodType<string>) {
    return z.unknown().transform((v, ctx) => {
        if (typeof v === "number" || typeof v === "boolean") {
            ctx.addIssue({
                code: "custom",
                message: `${formatNumber(v)} is a YAML ${typeof v}, not text: an unquoted ${what} is read as a ${typeof v} (1.30 becomes 1.3, leading zeros vanish); write it in quotes, e.g. "${what === "Axon Server version" ? "2024.2.4" : what === "Kubernetes version" ? "1.31" : "..."}"`,
                input: v,
            });
            return z.NEVER;
        }
        const r = inner.safeParse(v, { error: configErrorMap, reportInput: true });
        if (!r.success) {
            for (const iss of r.error.issues) ctx.addIssue({ code: "custom", message: iss.message, input: v, path: iss.path });
            return z.NEVER;
        }
        return r.data;
    });
}

/** A number as shown in messages: `.nan` and `.inf` by their YAML names. */
function formatNumber(v: unknown): string {
    if (typeof v !== "number") return quote(v);
    if (Number.isNaN(v)) return ".nan";
    if (!Number.isFinite(v)) return v > 0 ? ".inf" : "-.inf";
    return String(v);
}


const bool = z.preprocess(toBoolean, z.boolean());

/** `1024` → `1Gi`, `65536` MiB → `64Gi`: the largest exact unit. */
export function formatMi(mi: number): string {
    if (mi % (1024 * 1024) === 0) return `${mi / (1024 * 1024)}Ti`;
    if (mi % 1024 === 0) return `${mi / 1024}Gi`;
    return `${mi}Mi`;
}

/**
 * A volume or memory size: whole number with Mi, Gi or Ti, from `minMi` to `maxMi`. A bare number
 * (YAML `events: 10`) gets the unit suggested: `"10Gi"`.
 */
function quantity(what: string, minMi: number, maxMi: number, maxWhy: string) {
    return z.unknown().transform((v, ctx) => {
        const fail = (message: string) => {
            ctx.addIssue({ code: "custom", message, input: v });
            return z.NEVER;
        };
        if (typeof v === "number") {
            return fail(`${formatNumber(v)} has no unit: the ${what} is a whole number with Mi, Gi or Ti, e.g. "${Number.isInteger(v) && v > 0 ? v : 10}Gi"`);
        }
        if (typeof v !== "string") return fail(`expected the ${what} as a quantity such as "10Gi", got ${typeOf(v)}`);
        if (!PATTERNS.quantity.test(v)) {
            return fail(`${quote(v)} is not a valid ${what}: use a whole number with Mi, Gi or Ti, e.g. "10Gi" (pattern ${PATTERNS.quantity.source})`);
        }
        const mi = quantityMi(v);
        if (mi < minMi) return fail(`${quote(v)} is too small; ${what} must be at least ${formatMi(minMi)}`);
        if (mi > maxMi) return fail(`${quote(v)} is too large; ${what} must be at most ${formatMi(maxMi)}${maxWhy ? ` (${maxWhy})` : ""}`);
        return v;
    });
}

const cpuQuantity = z.preprocess(
    toText,
    checkedString((v) => {
        if (!PATTERNS.cpu.test(v)) return `${quote(v)} is not a valid CPU quantity: use cores ("2", "1.5") or millicores ("500m") (pattern ${PATTERNS.cpu.source})`;
        if (!(cpuMillis(v) > 0)) return `${quote(v)} is not a valid CPU quantity: it must be above zero`;
        if (!Number.isInteger(cpuMillis(v))) return `${quote(v)} is not a valid CPU quantity: the smallest unit is 1m`;
        return undefined;
    }),
);

/** An IPv4 CIDR; `/0` is rejected: nothing is public. */
export function cidrSchema() {
    return checkedString((v) => {
        const problem = cidrProblem(v);
        if (problem) return `${quote(v)} ${problem}`;
        if (parseCidr(v)!.prefix === 0) {
            return `${quote(v)} opens the range to the whole internet; nothing is public: list the ranges that need access (prefix /1 to /32)`;
        }
        return undefined;
    });
}

/**
 * The Axon Server jar's URL: https, with a path ending in `.jar`. Both problems are named at once.
 * VM nodes run `java -jar` on the download itself (components/vm/bootstrap.ts): a zip is not unpacked.
 * Characters a shell or a systemd unit would interpret are rejected here too; the bootstrap script
 * still quotes the value (shell-injection guard next to the shell).
 */
const downloadUrl = checkedString((v) => {
    const problems: string[] = [];
    if (!/^https:\/\/[^\s/]+\/\S*$/.test(v)) problems.push("it must be an https:// URL with a path");
    if (!/\.jar([?#]\S*)?$/.test(v)) problems.push("it must end in .jar (the Axon Server jar itself; zip archives are not unpacked)");
    if (/["'`$\\;|&<>(){}\s]/.test(v)) problems.push("it must not contain quotes, spaces or shell characters such as $ ; | & < > ( ) { } \\");
    return problems.length === 0 ? undefined : `${quote(v)} is not a valid download URL: ${problems.join("; ")}`;
});

const dnsDomain = checkedString((v) => {
    const labels = v.split(".");
    if (v.length <= 253 && labels.length >= 1 && labels.every((l) => DNS1123_LABEL.test(l) && l.length <= 63)) return undefined;
    return `${quote(v)} is not a valid DNS domain: dot-separated DNS-1123 labels (${DNS1123_LABEL.source}), at most 253 characters, e.g. "axon.internal"`;
});

/** An EC2 instance type or GCE machine type, shape only: `m7i.xlarge`, `n2-standard-4`. */
const machineTypeSchema = checkedString((v) =>
    /^[a-z0-9][a-z0-9.-]*$/.test(v) && v.length <= LIMITS.machineTypeLength
        ? undefined
        : `${quote(v)} is not a valid machine type: lower-case letters, digits, "." and "-" (at most ${LIMITS.machineTypeLength} characters), e.g. "m7i.xlarge" (AWS) or "n2-standard-4" (GCP)`,
);

const storageClassName = checkedString((v) =>
    PATTERNS.dns1123Subdomain.test(v) && v.length <= 253
        ? undefined
        : `${quote(v)} is not a valid storage class name: a DNS-1123 subdomain (${PATTERNS.dns1123Subdomain.source})`,
);

/** Free text that ends up in a properties file or a label: one line, not empty. */
const singleLine = z.preprocess(
    toText,
    checkedString((v) => (v.length > 0 && !/[\r\n]/.test(v) ? undefined : `${quote(v)} is not allowed: it must be a non-empty single line`)),
);

// ---------------------------------------------------------------------------------------------
// Sections

/** Upper and lower bounds of the numeric settings, with the reason of each upper bound. */
export const LIMITS = {
    minActiveBackups: { min: 0, max: 16, why: "a limit of this program; it must also not exceed the ACTIVE_BACKUP members of a group" },
    /** Lower bounds only: the upper bounds are platform limits (int32 probe threshold, stop timeout), checked in platform/limits.ts. */
    startupBudgetSeconds: { min: 600 },
    terminationGracePeriodSeconds: { min: 120 },
    nodesPerZone: { min: 1, max: 100, why: "a limit of this program: each Axon Server node needs one worker" },
    /** Lower bound only: the largest volume depends on its type (platform/limits.ts). */
    volumeMi: { min: 1, max: Number.MAX_SAFE_INTEGER, why: "" },
    memoryMi: { min: 1024, max: 1024 * 1024, why: "a limit of this program" },
    machineTypeLength: 63,
} as const;

export const axonServerSchema = z.strictObject({
    version: quotedText("Axon Server version", pattern(PATTERNS.version, "Axon Server version", "2024.2.4")),
    tls: bool.default(false),
    minActiveBackups: intRange(LIMITS.minActiveBackups.min, LIMITS.minActiveBackups.max, "minActiveBackups").default(1),
    startupBudgetSeconds: intRange(LIMITS.startupBudgetSeconds.min, Number.MAX_SAFE_INTEGER, "startupBudgetSeconds").default(900),
    terminationGracePeriodSeconds: intRange(LIMITS.terminationGracePeriodSeconds.min, Number.MAX_SAFE_INTEGER, "terminationGracePeriodSeconds").default(180),
    download: z
        .strictObject({
            url: downloadUrl,
            sha256: quotedText("SHA-256", pattern(PATTERNS.sha256, "SHA-256 (64 hex digits)", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")),
        })
        .optional(),
});

const namespaceName = dnsName("Kubernetes namespace", LABEL_LIMIT, NAME_REASONS.namespace);

export const kubernetesSchema = z
    .strictObject({
        namespace: namespaceName.default("axonserver"),
        appNamespace: namespaceName.default("default"),
    })
    .prefault({});

export const dnsSchema = z.strictObject({ domain: dnsDomain.default("axon.internal") }).prefault({});

const volumeSize = (what: string) => quantity(what, LIMITS.volumeMi.min, LIMITS.volumeMi.max, LIMITS.volumeMi.why);
const memorySize = quantity("memory size", LIMITS.memoryMi.min, LIMITS.memoryMi.max, LIMITS.memoryMi.why);
const volumeFields = {
    events: volumeSize("events volume size"),
    data: volumeSize("data volume size"),
    log: volumeSize("log volume size"),
    plugins: volumeSize("plugins volume size"),
};

export const nodeDefaultsSchema = z
    .strictObject({
        storage: oneOf(STORAGE_TIERS, "storage tier").default(NODE_DEFAULTS.storage),
        cpu: cpuQuantity.default(NODE_DEFAULTS.cpu),
        /** Default: twice `cpu` (applied in load.ts). */
        cpuLimit: cpuQuantity.optional(),
        memory: memorySize.default(NODE_DEFAULTS.memory),
        volumes: z
            .strictObject({
                events: volumeFields.events.default(NODE_DEFAULTS.volumes.events),
                data: volumeFields.data.default(NODE_DEFAULTS.volumes.data),
                log: volumeFields.log.default(NODE_DEFAULTS.volumes.log),
                plugins: volumeFields.plugins.default(NODE_DEFAULTS.volumes.plugins),
            })
            .prefault({}),
    })
    .prefault({});

const rfc3339Utc = pattern(PATTERNS.rfc3339Utc, "RFC 3339 UTC time", "2026-01-03T02:00:00Z");

/** GKE `maintenancePolicy.recurringWindow`: start/end give the first window and its length. */
export const maintenanceWindowSchema = z.strictObject({
    startTime: rfc3339Utc,
    endTime: rfc3339Utc,
    recurrence: pattern(PATTERNS.rrule, "RFC 5545 recurrence rule", "FREQ=WEEKLY;BYDAY=SA,SU"),
});

/** GKE maintenance exclusion scopes (@pulumi/gcp `ClusterMaintenancePolicyMaintenanceExclusionExclusionOptions.scope`). */
export const MAINTENANCE_EXCLUSION_SCOPES = ["NO_UPGRADES", "NO_MINOR_UPGRADES", "NO_MINOR_OR_NODE_UPGRADES"] as const;

export const maintenanceExclusionSchema = z.strictObject({
    name: singleLine,
    startTime: rfc3339Utc,
    endTime: rfc3339Utc,
    scope: oneOf(MAINTENANCE_EXCLUSION_SCOPES, "maintenance exclusion scope").default("NO_UPGRADES"),
});

/** A public range (the runner's egress address); private ranges never reach a public endpoint. */
const publicCidr = cidrSchema().superRefine((v, ctx) => {
    if (!cidrProblem(v) && isNonPublicCidr(v)) {
        ctx.addIssue({
            code: "custom",
            input: v,
            message: `${quote(v)} is a private range: a public endpoint only ever sees public source addresses; list the public egress address of the machine running \`pulumi up\` as "<your public IP>/32", or use privateOnly with runnerRoutes`,
        });
    }
});

/**
 * How the machine running `pulumi up` reaches the cluster APIs (EKS; GKE uses its DNS-based endpoint).
 * Cross-checks against the sites (`privateOnly` needs a route per EKS region) live in `clusterAccess.ts`.
 */
export const clusterAccessSchema = z
    .strictObject({
        /** Public egress ranges of the runner: the EKS public endpoint is open to these only. */
        runnerCidrs: z.array(publicCidr).default([]),
        /** EKS: private endpoint only (no public endpoint); needs `runnerRoutes` for every EKS region. */
        privateOnly: bool.default(false),
        /** Private-only mode: the runner network behind a transit gateway, per AWS region. */
        runnerRoutes: z
            .array(
                z.strictObject({
                    region: z.string(),
                    transitGatewayId: pattern(PATTERNS.transitGatewayId, "transit gateway ID", "tgw-0123456789abcdef0"),
                    cidrs: z.array(cidrSchema()).min(1),
                }),
            )
            .default([]),
        /** IAM roles/users that get an EKS access entry with AmazonEKSClusterAdminPolicy. */
        eksAdminPrincipals: z.array(pattern(PATTERNS.iamPrincipalArn, "IAM role or user ARN", "arn:aws:iam::123456789012:role/platform-admin")).default([]),
        /** Role the kubeconfig assumes (`aws eks get-token --role-arn`); default: the caller's own identity. */
        eksRoleArn: pattern(PATTERNS.iamRoleArn, "IAM role ARN", "arn:aws:iam::123456789012:role/platform-admin").optional(),
    })
    .prefault({});

export const siteSchema = z.strictObject({
    name: dnsName("site name", NAME_LIMITS.site, NAME_REASONS.site),
    cloud: oneOf(CLOUDS, "cloud"),
    platform: oneOf(PLATFORMS, "platform"),
    /** Format depends on the cloud: checked in validate.ts. */
    region: z.string(),
    zones: z.array(z.string()).default([]),
    /** Prefix range per platform: checked in validate.ts. */
    cidr: cidrSchema(),
    /** Only for `platform: kubernetes`. */
    context: singleLine.optional(),
    /** Only for `platform: kubernetes`; each tier defaults to `standard`. */
    storageClasses: z
        .strictObject({
            fast: storageClassName.optional(),
            standard: storageClassName.optional(),
            cold: storageClassName.optional(),
        })
        .optional(),
    kubernetesVersion: quotedText("Kubernetes version", pattern(PATTERNS.kubernetesVersion, "Kubernetes version", "1.31")).optional(),
    /** Shape only here; the cloud's naming rule and known types are checked in validate.ts. */
    machineType: machineTypeSchema.optional(),
    nodesPerZone: intRange(LIMITS.nodesPerZone.min, LIMITS.nodesPerZone.max, "nodesPerZone", LIMITS.nodesPerZone.why).optional(),
    natGateways: oneOf(["perZone", "single"], "natGateways value").optional(),
    /** GKE: cluster deletion protection (default true); set false and `pulumi up` before `pulumi destroy`. */
    deletionProtection: bool.optional(),
    /** GKE: recurring maintenance window (default: Saturday and Sunday 02:00-10:00 UTC). */
    maintenanceWindow: maintenanceWindowSchema.optional(),
    /** GKE: maintenance exclusions (at most 20 per cluster). */
    maintenanceExclusions: z.array(maintenanceExclusionSchema).max(20).optional(),
    /** GKE: region of the Backup for GKE plan (default: a paired region, never the cluster's). */
    backupRegion: z.string().optional(),
    /** GCP VMs: open port 22 to Google's IAP range for `gcloud compute ssh --tunnel-through-iap` (default false). */
    allowIapSsh: bool.optional(),
    /** EKS / AWS VMs: existing KMS key (ARN) for EBS volumes instead of a new one, e.g. the key kept by a destroy. */
    kmsKeyArn: pattern(PATTERNS.kmsKeyArn, "KMS key ARN", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab").optional(),
});

export const nodeSchema = z.strictObject({
    name: dnsName("node name", NAME_LIMITS.node, NAME_REASONS.node),
    site: z.string(),
    zone: z.string().optional(),
    /** EKS sites: the node's NodePort slot; required there, unique per site (checked in loadBalancers.ts). */
    nodePortSlot: intRange(0, NODE_PORT_SLOTS.value.count - 1, "nodePortSlot", nodePortSlotWhy()).optional(),
    storage: oneOf(STORAGE_TIERS, "storage tier").optional(),
    cpu: cpuQuantity.optional(),
    cpuLimit: cpuQuantity.optional(),
    memory: memorySize.optional(),
    volumes: z
        .strictObject({
            events: volumeFields.events.optional(),
            data: volumeFields.data.optional(),
            log: volumeFields.log.optional(),
            plugins: volumeFields.plugins.optional(),
        })
        .optional(),
    /** Extra tags; key pattern and reserved keys are checked in validate.ts. */
    tags: z.record(z.string(), singleLine).optional(),
});

export const contextSchema = z.strictObject({
    name: dnsName("context name", LABEL_LIMIT, NAME_REASONS.context, [ADMIN_GROUP]),
    metaData: z.record(z.string().min(1), singleLine).default({}),
});

export const replicationGroupSchema = z.strictObject({
    name: dnsName("replication group name", GROUP_NAME_LIMIT, NAME_REASONS.group, [ADMIN_GROUP]),
    /** Default: one context named like the group (applied in load.ts). */
    contexts: z.array(contextSchema).min(1).optional(),
    members: z.record(z.string(), oneOf(ROLES, "role")),
});

export const clientSchema = z.strictObject({
    region: dnsName("client region", LABEL_LIMIT, "regions are DNS-1123 labels (e.g. eu-west-1, europe-west4, local)"),
    cidrs: z.array(cidrSchema()).min(1),
    namespaces: z.array(namespaceName).default([]),
    /** Default: every context except `_admin` (applied in load.ts). */
    contexts: z.array(z.string()).optional(),
});

/**
 * The environment name: a DNS-1123 label (where it begins GCE names it must also start with a letter:
 * platform/limits.ts). An empty YAML value reaches the program as the text "null" (the Pulumi CLI
 * JSON-encodes every value that is not a string).
 */
export const environmentSchema = z.unknown().transform((v, ctx) => {
    const fail = (message: string) => {
        ctx.addIssue({ code: "custom", message, input: v });
        return z.NEVER;
    };
    if (v === undefined) return fail(`is required: the environment name, e.g. "prod"`);
    if (v === null || v === "null" || v === "") return fail(`is empty: set the environment name, e.g. "prod" (an empty value reaches the program as ${quote(v === "" ? "" : "null")})`);
    if (typeof v !== "string") return fail(`expected a string, got ${typeOf(v)}; the environment name is a DNS-1123 label, e.g. "prod"`);
    const problem = nameProblem("environment name", NAME_LIMITS.environment, NAME_REASONS.environment, v);
    if (problem) return fail(problem);
    return v;
});
export const gcpProjectSchema = pattern(PATTERNS.gcpProject, "GCP project ID", "acme-axon-prod");
// ---------------------------------------------------------------------------------------------
// backup

export const BUCKET_CLOUDS = ["aws", "gcp"] as const;

export const BACKUP_DEFAULTS = {
    intervalMinutes: 60,
    retentionDays: 30,
    objectLock: false,
    snapshotTime: "02:00",
    snapshotRetentionCount: 14,
} as const;

/** A DLM schedule retains at most 1000 snapshots; GCS/S3 retention beyond 10 years is not sensible here. */
export const BACKUP_LIMITS = {
    intervalMinutes: { min: 5, max: 1440 },
    retentionDays: { min: 1, max: 3650 },
    snapshotRetentionCount: { min: 1, max: 1000 },
} as const;

export const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** Container image reference: `name[:tag][@sha256:…]`, no spaces. */
const IMAGE = /^[a-z0-9]([a-z0-9._\-/:@]*[a-z0-9])?$/;

/**
 * The `backup` key: file backups into a bucket in a disaster-recovery region plus daily volume
 * snapshots. Relations (default cloud from the first site, region of the cloud, Object Lock only on
 * S3, which agents can reach the bucket) are checked in validate.ts.
 */
export const backupSchema = z.strictObject({
    enabled: bool.default(true),
    /** Required when enabled (checked in validate.ts, where the cloud is known). */
    drRegion: z.string().optional(),
    cloud: oneOf(BUCKET_CLOUDS, "bucket cloud").optional(),
    intervalMinutes: intRange(BACKUP_LIMITS.intervalMinutes.min, BACKUP_LIMITS.intervalMinutes.max, "intervalMinutes")
        .refine((n) => 1440 % n === 0, {
            error: (iss) =>
                `${quote(iss.input)} does not divide a day (1440 minutes): runs are aligned to the day so one lands shortly before the snapshots; allowed e.g. 15, 30, 60, 120, 240, 360, 720, 1440`,
        })
        .default(BACKUP_DEFAULTS.intervalMinutes),
    retentionDays: intRange(BACKUP_LIMITS.retentionDays.min, BACKUP_LIMITS.retentionDays.max, "retentionDays").default(BACKUP_DEFAULTS.retentionDays),
    objectLock: bool.default(BACKUP_DEFAULTS.objectLock),
    snapshotTime: quotedText(
        "snapshot time",
        checkedString((v) => (HH_MM.test(v) ? undefined : `${quote(v)} is not a valid time: expected "HH:MM" (24 h, UTC), e.g. "02:00"`)),
    ).default(BACKUP_DEFAULTS.snapshotTime),
    snapshotRetentionCount: intRange(BACKUP_LIMITS.snapshotRetentionCount.min, BACKUP_LIMITS.snapshotRetentionCount.max, "snapshotRetentionCount").default(
        BACKUP_DEFAULTS.snapshotRetentionCount,
    ),
    agentImage: checkedString((v) => (IMAGE.test(v) ? undefined : `${quote(v)} is not a valid image reference, e.g. "amazon/aws-cli:2.27.49"`)).optional(),
});
export type RawBackup = z.output<typeof backupSchema>;
export const BACKUP_KEYS = Object.keys(backupSchema.shape) as (keyof RawBackup)[];

/** Schemas of the single-valued top-level keys (parsed one by one so one bad key spoils nothing else). */
export const sectionSchemas = {
    environment: environmentSchema,
    axonServer: axonServerSchema,
    kubernetes: kubernetesSchema,
    dns: dnsSchema,
    gcpProject: gcpProjectSchema.optional(),
    adminCidrs: z.array(cidrSchema()).default([]),
    nodeDefaults: nodeDefaultsSchema,
    license: z.unknown().optional(),
    adminToken: z.unknown().optional(),
    internalToken: z.unknown().optional(),
    backup: backupSchema.optional(),
    clusterAccess: clusterAccessSchema,
    /** Registry (mirror / pull-through cache) for Docker Hub images; absent: Docker Hub. */
    imageRegistry: pattern(PATTERNS.imageRegistry, "image registry", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub").optional(),
} as const;

/** Element schemas of the list keys (parsed element by element) and their minimum lengths. */
export const listSchemas = {
    sites: { element: siteSchema, min: 1 },
    nodes: { element: nodeSchema, min: 1 },
    replicationGroups: { element: replicationGroupSchema, min: 1 },
    clients: { element: clientSchema, min: 0 },
} as const;

/** The whole raw config in one schema (documentation, typing; `load.ts` parses it piecewise). */
export const rawConfigSchema = z.strictObject({
    ...sectionSchemas,
    sites: z.array(siteSchema).min(1),
    nodes: z.array(nodeSchema).min(1),
    replicationGroups: z.array(replicationGroupSchema).min(1),
    clients: z.array(clientSchema).default([]),
});

export type RawConfig = z.output<typeof rawConfigSchema>;
export type RawAxonServer = z.output<typeof axonServerSchema>;
export type RawNodeDefaults = z.output<typeof nodeDefaultsSchema>;
export type RawSite = z.output<typeof siteSchema>;
export type RawNode = z.output<typeof nodeSchema>;
export type RawReplicationGroup = z.output<typeof replicationGroupSchema>;
export type RawClient = z.output<typeof clientSchema>;
export type RawClusterAccess = z.output<typeof clusterAccessSchema>;

// ---------------------------------------------------------------------------------------------
// Generic messages for issues without a schema-specific one (per-parse error map).

const TYPE_WORDS: Record<string, string> = {
    string: "a string",
    number: "a number",
    int: "an integer",
    boolean: "true or false",
    array: "a list",
    object: "a map",
    record: "a map",
};

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return `a list ${quote(v)}`;
    if (typeof v === "object") return `a map ${quote(v)}`;
    return `${quote(v)} (${typeof v})`;
}

/** Messages in this program's style for zod's built-in issues. */
export const configErrorMap: z.core.$ZodErrorMap = (iss) => {
    switch (iss.code) {
        case "invalid_type":
            if (iss.input === undefined) return "is required";
            return `expected ${TYPE_WORDS[iss.expected] ?? iss.expected}, got ${typeOf(iss.input)}`;
        case "invalid_value":
            return `${quote(iss.input)} is not allowed; allowed: ${iss.values.map((v) => String(v)).join(", ")}`;
        case "too_small":
            if (iss.origin === "array") return `needs at least ${String(iss.minimum)} item${iss.minimum === 1 ? "" : "s"}, got ${Array.isArray(iss.input) ? iss.input.length : 0}`;
            if (iss.origin === "string") return `must not be empty`;
            return `${quote(iss.input)} is too small; the minimum is ${String(iss.minimum)}`;
        case "too_big":
            return `${quote(iss.input)} is too big; the maximum is ${String(iss.maximum)}`;
        case "invalid_format":
            return `${quote(iss.input)} does not match the pattern ${iss.pattern ?? iss.format}`;
        case "unrecognized_keys": {
            const def = iss.inst?._zod.def as { shape?: Record<string, unknown> } | undefined;
            return `allowed keys: ${listOf(Object.keys(def?.shape ?? {}))}`;
        }
        default:
            return undefined;
    }
};
