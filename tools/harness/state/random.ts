/**
 * Mock state of `@pulumi/random` resources: deterministic values per resource name.
 */
import { seedBytes, seedHex, StateFn } from "./util";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Deterministic pseudo-random text of `length` characters derived from the resource name. */
export function mockRandomText(name: string, length: number): string {
    let out = "";
    for (let i = 0; out.length < length; i++) {
        const digest = seedBytes(`${name}:${i}`);
        for (const byte of digest) {
            if (out.length >= length) break;
            out += ALPHABET[byte % ALPHABET.length];
        }
    }
    return out;
}

function lengthOf(inputs: Record<string, unknown>, fallback: number): number {
    const n = Number(inputs.length);
    return Number.isFinite(n) && n > 0 ? n : fallback;
}

const text: StateFn = (inputs, name) => ({ result: mockRandomText(name, lengthOf(inputs, 16)) });

/** Mock state for `random:*` resource types. */
export const STATE: Record<string, StateFn> = {
    "random:index/randomPassword:RandomPassword": (inputs, name) => ({
        ...text(inputs, name),
        bcryptHash: `$2a$10$${mockRandomText(`${name}-bcrypt`, 53)}`,
    }),
    "random:index/randomString:RandomString": text,
    "random:index/randomPet:RandomPet": (_inputs, name) => ({ id: `mock-${name}` }),
    "random:index/randomId:RandomId": (inputs, name) => {
        const bytes = seedBytes(name).subarray(0, lengthOf({ length: inputs.byteLength }, 8));
        return {
            hex: bytes.toString("hex"),
            dec: BigInt(`0x${bytes.toString("hex")}`).toString(10),
            b64Std: bytes.toString("base64"),
            b64Url: bytes.toString("base64url"),
        };
    },
    "random:index/randomUuid:RandomUuid": (_inputs, name) => {
        const h = seedHex(name, 64);
        return { result: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}` };
    },
    "random:index/randomInteger:RandomInteger": (inputs, name) => {
        const min = Number(inputs.min ?? 0);
        const max = Number(inputs.max ?? 100);
        const span = Math.max(1, max - min + 1);
        return { result: min + (seedBytes(name).readUInt32BE(0) % span) };
    },
};
