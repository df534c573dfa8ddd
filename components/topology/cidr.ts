/**
 * IPv4 CIDR helpers. Pure functions, no Pulumi import.
 *
 * Addresses are handled as unsigned 32-bit numbers. A CIDR is only valid in canonical form: four
 * decimal octets without leading zeros, a prefix 0..32, and no host bits set (`10.10.0.1/16` is
 * rejected: it is almost always a typo for `10.10.0.0/16`, and clouds reject or silently mask it).
 */

export interface ParsedCidr {
    /** Network address as an unsigned 32-bit number. */
    readonly base: number;
    /** Prefix length, 0..32. */
    readonly prefix: number;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;

/** Parses a dotted-quad IPv4 address into an unsigned 32-bit number. */
export function parseIpv4(s: string): number | undefined {
    const parts = s.split(".");
    if (parts.length !== 4) return undefined;
    let n = 0;
    for (const p of parts) {
        if (!OCTET.test(p)) return undefined;
        const v = Number(p);
        if (v > 255) return undefined;
        n = n * 256 + v;
    }
    return n;
}

export function formatIpv4(n: number): string {
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** The netmask of a prefix as an unsigned 32-bit number. */
export function prefixMask(prefix: number): number {
    return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Splits `a.b.c.d/p` without checking host bits; undefined when malformed. */
function parseLoose(s: string): { addr: number; prefix: number } | undefined {
    const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s);
    if (!m) return undefined;
    const addr = parseIpv4(m[1]);
    const prefix = Number(m[2]);
    if (addr === undefined || prefix > 32 || (m[2].length > 1 && m[2].startsWith("0"))) return undefined;
    return { addr, prefix };
}

/** Parses a canonical IPv4 CIDR; undefined when malformed or when host bits are set. */
export function parseCidr(s: string): ParsedCidr | undefined {
    if (typeof s !== "string") return undefined;
    const loose = parseLoose(s);
    if (!loose) return undefined;
    const base = (loose.addr & prefixMask(loose.prefix)) >>> 0;
    if (base !== loose.addr) return undefined;
    return { base, prefix: loose.prefix };
}

export function formatCidr(c: ParsedCidr): string {
    return `${formatIpv4(c.base)}/${c.prefix}`;
}

/**
 * Why `s` is not a valid CIDR, or undefined when it is. Suggests the canonical form when only the
 * host bits are wrong.
 */
export function cidrProblem(s: string): string | undefined {
    if (parseCidr(s)) return undefined;
    const loose = parseLoose(s);
    if (loose) {
        const fixed = formatCidr({ base: (loose.addr & prefixMask(loose.prefix)) >>> 0, prefix: loose.prefix });
        return `has host bits set; the network address of that range is ${fixed}`;
    }
    return "is not an IPv4 CIDR of the form a.b.c.d/prefix (octets 0-255, prefix 0-32)";
}

function mustParse(s: string): ParsedCidr {
    const c = parseCidr(s);
    if (!c) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(s)}: ${cidrProblem(s)}`);
    return c;
}

/** Number of addresses in the range. */
export function cidrSize(cidr: string): number {
    return 2 ** (32 - mustParse(cidr).prefix);
}

/** Whether the two ranges share at least one address. Throws on an invalid CIDR. */
export function cidrsOverlap(a: string, b: string): boolean {
    const x = mustParse(a);
    const y = mustParse(b);
    const mask = prefixMask(Math.min(x.prefix, y.prefix));
    return ((x.base & mask) >>> 0) === ((y.base & mask) >>> 0);
}

/** Whether every address of `inner` is in `outer`. Throws on an invalid CIDR. */
export function cidrContains(outer: string, inner: string): boolean {
    const o = mustParse(outer);
    const i = mustParse(inner);
    return o.prefix <= i.prefix && ((i.base & prefixMask(o.prefix)) >>> 0) === o.base;
}

/**
 * The `index`-th sub-range of length `newPrefix` inside `cidr`:
 * `subdivideCidr("10.10.0.0/16", 20, 3)` is `"10.10.48.0/20"`. Throws when `newPrefix` is shorter than
 * the range's prefix or longer than 32, or when `index` is outside `0 .. 2^(newPrefix-prefix) - 1`.
 */
export function subdivideCidr(cidr: string, newPrefix: number, index: number): string {
    const c = mustParse(cidr);
    if (!Number.isInteger(newPrefix) || newPrefix < c.prefix || newPrefix > 32) {
        throw new Error(`cannot subdivide ${cidr} into /${newPrefix}: the new prefix must be between ${c.prefix} and 32`);
    }
    const count = 2 ** (newPrefix - c.prefix);
    if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new Error(`cannot take sub-range ${index} of ${cidr} as /${newPrefix}: there are ${count} (0..${count - 1})`);
    }
    return formatCidr({ base: c.base + index * 2 ** (32 - newPrefix), prefix: newPrefix });
}

/** Private address space (RFC 1918). */
export const RFC1918_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;
/** RFC 1918 plus shared (RFC 6598), link-local and loopback space: never the source on a public endpoint. */
export const NON_PUBLIC_RANGES = [...RFC1918_RANGES, "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"] as const;

/** Whether a CIDR lies inside RFC 1918 private space. */
export function isRfc1918Cidr(cidr: string): boolean {
    return RFC1918_RANGES.some((r) => cidrContains(r, cidr));
}

/** Whether a CIDR lies inside non-public space (`NON_PUBLIC_RANGES`). */
export function isNonPublicCidr(cidr: string): boolean {
    return NON_PUBLIC_RANGES.some((r) => cidrContains(r, cidr));
}
