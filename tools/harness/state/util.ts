/** Helpers shared by the per-package mock state tables: deterministic values from a seed, input parsing. */
import { createHash } from "node:crypto";

/** Extra outputs a resource type computes on creation (what its inputs do not carry). */
export type StateFn = (inputs: Record<string, unknown>, name: string) => Record<string, unknown>;

/** The account every mocked AWS ARN belongs to (also the `getCallerIdentity` invoke answer). */
export const MOCK_ACCOUNT_ID = "123456789012";

/** SHA-256 of the seed: deterministic bytes for ids and addresses. */
export function seedBytes(seed: string): Buffer {
    return createHash("sha256").update(seed).digest();
}

/** The first `length` hex digits of the seed's SHA-256. */
export function seedHex(seed: string, length: number): string {
    return seedBytes(seed).toString("hex").slice(0, length);
}

/** A deterministic address `first.x.y.z` (x, y, z in 1..254) from a seed. */
export function seedIp(seed: string, first: number): string {
    const b = seedBytes(seed);
    return [first, 1 + (b[0] % 254), 1 + (b[1] % 254), 1 + (b[2] % 254)].join(".");
}

/** A non-empty string input, else undefined. */
export function str(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? v : undefined;
}

/** An object input, else `{}`. */
export function record(v: unknown): Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
