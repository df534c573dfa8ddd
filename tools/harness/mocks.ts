/**
 * The one mock harness for every test and for the offline `render` tool.
 *
 * `runUnderMocks` installs Pulumi mocks for one stack, records every resource registration (type, name,
 * URN, parent, provider, dependencies, inputs with secrets still wrapped, resource options), runs the
 * program and drains all outstanding RPCs before returning. Runs must be sequential (mocha runs tests
 * one at a time): the Pulumi runtime state is process-global.
 *
 * Provider environment variables (`AWS_*`, `GOOGLE_*`, `GCLOUD_*`, `CLOUDSDK_*`, `KUBECONFIG`,
 * `PULUMI_K8S_*`) are removed for the duration of a run and restored afterwards (`./env.ts`).
 *
 * Nobody else calls `pulumi.runtime.setMocks` directly: doing so between two runs would let late
 * registrations of one run land in another run's records.
 */
import * as pulumi from "@pulumi/pulumi";
import { scrubProviderEnv } from "./env";
import { STATE as AWS_STATE } from "./state/aws";
import { STATE as GCP_STATE } from "./state/gcp";
import { INVOKES } from "./state/invokes";
import { STATE as KUBERNETES_STATE } from "./state/kubernetes";
import { STATE as RANDOM_STATE } from "./state/random";
import { STATE as TLS_STATE } from "./state/tls";
import { StateFn } from "./state/util";
import { STATE as VM_STATE } from "./state/vm";

/** One recorded `RegisterResource` request. */
export interface ResourceRecord {
    /** Type token, e.g. `kubernetes:apps/v1:StatefulSet`. */
    type: string;
    /** Logical resource name. */
    name: string;
    /** URN returned by the mock monitor ("" until the registration completed). */
    urn: string;
    /** Parent URN ("" at top level: there is no root Stack resource under mocks). */
    parent: string;
    /** Provider reference `<providerURN>::<providerId>` ("" for components and default providers). */
    provider: string;
    custom: boolean;
    remote: boolean;
    /** Explicit `dependsOn` plus implicit Output dependencies, as URNs (components expand to their children). */
    dependencies: string[];
    /** Inputs as the engine sees them; secrets are still wrapped (use `unwrapSecrets`). */
    inputs: Record<string, unknown>;
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    deleteBeforeReplace: boolean;
    /** The `replaceOnChanges` resource option (property paths). */
    replaceOnChanges: string[];
}

export interface MockRun<T> {
    /** Every registration, in registration order. */
    records: ResourceRecord[];
    /** What the program returned. */
    result: T;
}

export interface RunUnderMocksOptions {
    /** Pulumi project name (what `new pulumi.Config()` namespaces on). Default "axonserver-multiregion". */
    project?: string;
    /** Stack name. */
    stack: string;
    /** Fully-qualified config keys (`project:key`, `aws:region`); objects JSON-encoded. Replaces all config. */
    config?: Record<string, string>;
    /** Fully-qualified keys of `config` that are secrets. */
    secretKeys?: string[];
}


/** Every package's state functions; two files may describe the same type, so their results merge. */
const STATE_BY_TYPE: Record<string, StateFn> = {};
for (const table of [KUBERNETES_STATE, RANDOM_STATE, TLS_STATE, AWS_STATE, GCP_STATE, VM_STATE] as Record<string, StateFn>[]) {
    for (const [type, fn] of Object.entries(table)) {
        const before = STATE_BY_TYPE[type];
        STATE_BY_TYPE[type] = before ? (inputs, name) => ({ ...before(inputs, name), ...fn(inputs, name) }) : fn;
    }
}

/** Extra state a resource type computes on creation (outputs the inputs do not carry). */
export function stateFor(type: string): StateFn {
    return STATE_BY_TYPE[type] ?? (() => ({}));
}

// Minimal structural views of the gRPC objects the mock monitor passes around (google-protobuf classes).
interface RegisterResourceRequestView {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getCustom(): boolean;
    getRemote(): boolean;
    getDependenciesList(): string[];
    getObject(): unknown;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getIgnorechangesList(): string[];
    getDeletebeforereplace(): boolean;
    getReplaceonchangesList(): string[];
}
interface RegisterResourceResponseView {
    getUrn(): string;
}
type RegisterCallback = (err: unknown, resp: RegisterResourceResponseView | undefined) => void;
interface MonitorView {
    registerResource(req: RegisterResourceRequestView, cb: RegisterCallback): unknown;
}

/**
 * `waitForRPCs` is exported by `@pulumi/pulumi/runtime/settings` at run time but marked `@internal`, so it
 * is absent from the typings. It is the only way to wait for children that components register
 * asynchronously (inside applies / after awaits); without it a second run would receive the stragglers
 * of the first one.
 */
async function waitForRPCs(): Promise<void> {
    const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
    if (typeof runtime.waitForRPCs !== "function") {
        throw new Error("@pulumi/pulumi no longer exports runtime.waitForRPCs: update tools/harness/mocks.ts");
    }
    await runtime.waitForRPCs();
}

// Serializes runs: the runtime is global, two overlapping runs would mix their records.
let queue: Promise<unknown> = Promise.resolve();

/** Runs `program` under fresh mocks for one stack and returns every registration plus its result. */
export function runUnderMocks<T>(o: RunUnderMocksOptions, program: () => T | Promise<T>): Promise<MockRun<T>> {
    const run = queue.then(() => runExclusive(o, program));
    queue = run.catch(() => undefined);
    return run;
}

async function runExclusive<T>(o: RunUnderMocksOptions, program: () => T | Promise<T>): Promise<MockRun<T>> {
    // Drain anything left by a previous (failed) run before swapping the monitor.
    await waitForRPCs();
    // Provider constructors read defaults from the environment (AWS_REGION, GOOGLE_PROJECT, KUBECONFIG):
    // no run may depend on the developer's shell. Restored once the run has drained.
    const env = scrubProviderEnv();
    try {
        return await runScrubbed(o, program);
    } finally {
        env.restore();
    }
}

async function runScrubbed<T>(o: RunUnderMocksOptions, program: () => T | Promise<T>): Promise<MockRun<T>> {
    pulumi.runtime.setAllConfig(o.config ?? {}, o.secretKeys ?? []);
    await pulumi.runtime.setMocks(
        {
            newResource: (a: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult => {
                const inputs = (a.inputs ?? {}) as Record<string, unknown>;
                const computed = stateFor(a.type)(unwrapSecrets(inputs) as Record<string, unknown>, a.name);
                // `a.id` is "" (not undefined) on plain registrations; it is set for reads and imports.
                return { id: a.custom ? a.id || `${a.name}-id` : undefined, state: { ...inputs, ...computed } };
            },
            call: (a: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult => {
                const answer = INVOKES[a.token];
                return answer ? answer((unwrapSecrets(a.inputs ?? {}) as Record<string, unknown>)) : {};
            },
        },
        o.project ?? "axonserver-multiregion",
        o.stack,
        false,
    );

    const records: ResourceRecord[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorView;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        const rec: ResourceRecord = {
            type: req.getType(),
            name: req.getName(),
            urn: "",
            parent: req.getParent(),
            provider: req.getProvider(),
            custom: req.getCustom(),
            remote: req.getRemote(),
            dependencies: req.getDependenciesList(),
            // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the gRPC Struct type is not exported in a usable form
            inputs: pulumi.runtime.deserializeProperties(req.getObject() as any) as Record<string, unknown>,
            protect: req.getProtect() ?? false,
            retainOnDelete: req.getRetainondelete() ?? false,
            ignoreChanges: req.getIgnorechangesList(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            replaceOnChanges: req.getReplaceonchangesList(),
        };
        records.push(rec);
        return original(req, (err, resp) => {
            if (resp) rec.urn = resp.getUrn();
            cb(err, resp);
        });
    };

    let result: T;
    try {
        result = await program();
    } finally {
        await waitForRPCs();
    }
    return { records, result };
}

/** Records of one type token. */
export function ofType(records: ResourceRecord[], type: string): ResourceRecord[] {
    return records.filter((r) => r.type === type);
}

/** Number of records per type token (keys sorted). */
export function countByType(records: ResourceRecord[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const t of records.map((r) => r.type).sort()) counts[t] = (counts[t] ?? 0) + 1;
    return counts;
}

function isSecretWrapper(v: unknown): v is { value: unknown } {
    return pulumi.runtime.isRpcSecret(v);
}

/** Deep copy with every RPC secret wrapper replaced by its value (for assertions). */
export function unwrapSecrets(v: unknown): unknown {
    if (isSecretWrapper(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

/** True when an RPC secret wrapper occurs anywhere in `v`. */
export function containsSecretWrapper(v: unknown): boolean {
    if (isSecretWrapper(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecretWrapper);
    if (v !== null && typeof v === "object") return Object.values(v).some(containsSecretWrapper);
    return false;
}

/** Deep copy with every secret value replaced by "[secret]" (what the render tool prints). */
export function redactSecrets(v: unknown): unknown {
    if (isSecretWrapper(v)) return "[secret]";
    if (Array.isArray(v)) return v.map(redactSecrets);
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactSecrets(x)]));
    }
    return v;
}

/** Throws, listing every URN registered more than once (the real engine rejects them; mocks do not). */
export function assertUniqueUrns(records: ResourceRecord[]): void {
    const seen = new Map<string, number>();
    for (const r of records) {
        const key = r.urn || `${r.type}::${r.name} (no URN)`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const dups = [...seen.entries()].filter(([, n]) => n > 1).map(([u, n]) => `${u} x${n}`);
    if (dups.length > 0) throw new Error(`duplicate URNs:\n  ${dups.join("\n  ")}`);
}

/**
 * Resolves an Output to its value (also a secret's value). Only for non-preview runs: an unknown value
 * would never resolve.
 */
export function outputValue<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise<T>((resolve) => {
        o.apply((v) => {
            resolve(v);
            return v;
        });
    });
}

/** Logical name of the provider a record uses (`""` for the default provider). */
export function providerName(r: Pick<ResourceRecord, "provider">): string {
    return r.provider ? r.provider.split("::").at(-2)! : "";
}
