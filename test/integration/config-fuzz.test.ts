/**
 * Property test of the config doors: seeded random mutations of the three example stacks go through
 * `npm run topology` (in process), render's loading and `pulumi up` (the program under mocks), which
 * must agree on the verdict and the errors, throw nothing but the validation error (a `RunError` with
 * exactly the text `topology` prints), name a config path in every message, and render every config
 * they accept.
 *
 * `npm run test:integration` runs a few hundred cases; `npm run fuzz` runs thousands (FUZZ_RUNS, FUZZ_SEED,
 * FUZZ_RENDER). An integration test: every case runs the program's doors under mocks, seconds in all.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import type { ConfigIssue } from "../../components/topology/model";
import type { TopologyReport } from "../../components/topology/report";
import { readStackInput } from "../../stacks/config";
import { loadStackTopology, program } from "../../stacks/program";
import { assertUniqueUrns, runUnderMocks } from "../../tools/harness/mocks";
import { mockConfig, mockSecretKeys, readStackFile, REPO_ROOT, StackFileError } from "../../tools/config/stackFile";
import { isRunError, topologyDoor, writeStack } from "../support/doors";

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
/** How many accepted configs are rendered in full (each is a whole program run). */
const RENDER_BUDGET = process.env.FUZZ_RENDER === "all" ? Infinity : Number(process.env.FUZZ_RENDER ?? 1);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const BASES = ["dev", "prod", "local"] as const;
const BASE_CONFIG: Record<string, Record<string, Json>> = Object.fromEntries(
    BASES.map((s) => [s, (parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${s}.yaml`), "utf8")) as { config: Record<string, Json> }).config]),
);

/** Values that hit the defect classes: near misses, wrong types, unquoted numbers, secrets, limits. */
const SPECIAL: Json[] = [
    "", " ", "primary", "PRIMARY ", "1.30", "0.0.0.0/1", "128.0.0.0/1", "0.0.0.0/0", "8.8.0.0/12", "eu-west-9", "us-east-1z",
    "europe-west4-d", "100000Ti", "50Gi", "10", "n2-standard-4", "m7i xlarge", "http://example.com/x.zip", "null", "123",
    "aws", "gcp", "none", "vm", "gke", "eks", "kubernetes", "cold", "ACTIVE_BACKUP", "_admin", "02:00", "2:00",
    { secure: "v1:AAAA" }, [], {}, [null], 1.3, 2024.1, 0, -1, 7, 100000, 1e11, true, null,
];
const valueArb: fc.Arbitrary<Json> = fc.oneof(
    fc.constantFrom(...SPECIAL),
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -5, max: 2 ** 40 }),
    fc.boolean(),
);

type Op =
    | { kind: "delete"; pick: number }
    | { kind: "set"; pick: number; value: Json }
    | { kind: "typo"; pick: number; at: number; char: string }
    | { kind: "renameKey"; pick: number; at: number; char: string }
    | { kind: "namespace"; pick: number; to: string }
    | { kind: "duplicate"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant("set" as const), pick: fc.nat(), value: valueArb }),
    fc.record({ kind: fc.constant("typo" as const), pick: fc.nat(), at: fc.nat(), char: fc.constantFrom("", "x", "-", " ", "1", "A") }),
    fc.record({ kind: fc.constant("renameKey" as const), pick: fc.nat(), at: fc.nat(), char: fc.constantFrom("", "s", "_", "X") }),
    fc.record({ kind: fc.constant("namespace" as const), pick: fc.nat(), to: fc.constantFrom("axonserver", "axonserver-multiregon", "aws", "Axonserver-multiregion") }),
    fc.record({ kind: fc.constant("duplicate" as const), pick: fc.nat() }),
);

const caseArb = fc.record({ stack: fc.constantFrom(...BASES), ops: fc.array(opArb, { minLength: 1, maxLength: 3 }) });

type Container = Json[] | { [k: string]: Json };
interface Slot {
    parent: Container;
    key: string | number;
}

/** Every (container, key) position of the config, depth first. */
function slots(root: Container): Slot[] {
    const out: Slot[] = [];
    const walk = (c: Container) => {
        const keys: (string | number)[] = Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c);
        for (const key of keys) {
            out.push({ parent: c, key });
            const v = (c as Record<string | number, Json>)[key];
            if (v !== null && typeof v === "object") walk(v);
        }
    };
    walk(root);
    return out;
}

function applyOp(config: { [k: string]: Json }, op: Op): void {
    const all = slots(config);
    if (all.length === 0) return;
    const { parent, key } = all[op.pick % all.length];
    const holder = parent as Record<string | number, Json>;
    switch (op.kind) {
        case "delete":
            if (Array.isArray(parent)) parent.splice(key as number, 1);
            else delete holder[key];
            return;
        case "set":
            holder[key] = structuredClone(op.value);
            return;
        case "typo": {
            const v = holder[key];
            if (typeof v !== "string") return;
            const at = op.at % (v.length + 1);
            holder[key] = v.slice(0, at) + op.char + v.slice(at + (op.char === "" ? 1 : 0));
            return;
        }
        case "renameKey": {
            if (Array.isArray(parent) || typeof key !== "string") return;
            const at = op.at % (key.length + 1);
            const renamed = key.slice(0, at) + op.char + key.slice(at + (op.char === "" ? 1 : 0));
            if (renamed === "" || renamed in holder) return;
            holder[renamed] = holder[key];
            delete holder[key];
            return;
        }
        case "namespace": {
            const keys = Object.keys(config);
            const full = keys[op.pick % keys.length];
            const colon = full.indexOf(":");
            const moved = `${op.to}:${full.slice(colon + 1)}`;
            if (moved in config) return;
            config[moved] = config[full];
            delete config[full];
            return;
        }
        case "duplicate":
            if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
            return;
    }
}

function mutated(stack: string, ops: readonly Op[]): string {
    const config = structuredClone(BASE_CONFIG[stack]);
    for (const op of ops) applyOp(config, op);
    return stringify({ config }, { aliasDuplicateObjects: false });
}

/** Every message names where: a path that is not empty, starting with a config key or the stack file. */
function assertPaths(errors: readonly ConfigIssue[]): void {
    for (const e of errors) {
        assert.ok(/^(Pulumi\.[^:]+\.yaml|[A-Za-z_][\w-]*(:[\w-]+)?)/.test(e.path), `an error without a config path: ${JSON.stringify(e)}`);
        assert.ok(e.message.length > 0 && !/\n\s+at /.test(e.message), `a message with a stack trace: ${JSON.stringify(e)}`);
    }
}

describe(`config doors agree on ${RUNS} mutated stacks (seed ${SEED})`, function () {
    this.timeout(0);
    let dir: string;
    let rendered = 0;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-fuzz-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("same verdict and text on every door; nothing thrown but the validation error; accepted configs render", async () => {
        let accepted = 0;
        await fc.assert(
            fc.asyncProperty(caseArb, async ({ stack, ops }) => {
                writeStack(dir, "fuzz", mutated(stack, ops));
                const cli = topologyDoor(dir, "fuzz", true);
                assert.ok(cli.code === 0 || cli.code === 1, `topology: exit ${cli.code}: ${cli.stderr}`);
                const report = JSON.parse(cli.stdout) as TopologyReport;
                assertPaths(report.errors);

                let file;
                try {
                    file = readStackFile("fuzz", dir);
                } catch (e) {
                    // The Pulumi CLI refuses such a file before the program runs; topology must say why.
                    assert.ok(e instanceof StackFileError, String(e));
                    assert.equal(cli.code, 1);
                    return;
                }
                const run = await runUnderMocks({ stack: "fuzz", config: mockConfig(file), secretKeys: mockSecretKeys(file) }, () => {
                    const loaded = loadStackTopology(readStackInput());
                    if (loaded.errors.length === 0) return { loaded };
                    try {
                        program();
                        return { loaded, thrown: undefined as unknown, ran: true };
                    } catch (e) {
                        return { loaded, thrown: e };
                    }
                });
                const { loaded } = run.result;
                assert.deepEqual(
                    loaded.errors.map((e) => ({ path: e.path, message: e.message })),
                    report.errors,
                    "render's loading and topology report different errors",
                );
                assert.equal(loaded.errors.length === 0, report.valid);
                if (!report.valid) {
                    const thrown = "thrown" in run.result ? run.result.thrown : undefined;
                    assert.ok(isRunError(thrown), `pulumi up threw ${String(thrown)} instead of the validation error`);
                    assert.equal(thrown.message, topologyDoor(dir, "fuzz").stdout, "pulumi up and topology print different text");
                    assert.equal(run.records.length, 0);
                    return;
                }
                accepted++;
                if (rendered >= RENDER_BUDGET) return;
                rendered++;
                const up = await runUnderMocks({ stack: "fuzz", config: mockConfig(file), secretKeys: mockSecretKeys(file) }, () => program());
                assertUniqueUrns(up.records);
                assert.ok(up.records.length > 0);
            }),
            { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
        // A generator that never produces an accepted config would test only half the promise.
        assert.ok(accepted > 0, "no mutated config was accepted");
    });
});
