import assert from "node:assert/strict";
import {
    isNonPublicCidr,
    isRfc1918Cidr,
    cidrContains,
    cidrProblem,
    cidrSize,
    cidrsOverlap,
    formatIpv4,
    parseCidr,
    parseIpv4,
    subdivideCidr,
} from "../components/topology/cidr";

describe("cidr helpers", () => {
    describe("parseCidr", () => {
        it("parses canonical CIDRs as unsigned numbers", () => {
            assert.deepEqual(parseCidr("10.10.0.0/16"), { base: 0x0a0a0000, prefix: 16 });
            assert.deepEqual(parseCidr("0.0.0.0/0"), { base: 0, prefix: 0 });
            assert.deepEqual(parseCidr("255.255.255.255/32"), { base: 0xffffffff, prefix: 32 });
            assert.deepEqual(parseCidr("192.168.1.128/25"), { base: 0xc0a80180, prefix: 25 });
        });

        for (const bad of [
            "10.10.0.0",
            "10.10.0.0/",
            "10.10.0/16",
            "10.10.0.0.0/16",
            "256.0.0.0/8",
            "10.010.0.0/16",
            "10.10.0.0/33",
            "10.10.0.0/016",
            " 10.10.0.0/16",
            "10.10.0.0/16 ",
            "a.b.c.d/8",
            "10.10.0.1/16",
            "::/0",
            "",
        ]) {
            it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseCidr(bad), undefined));
        }
    });

    it("cidrProblem explains host bits and bad syntax", () => {
        assert.equal(cidrProblem("10.0.0.0/8"), undefined);
        assert.match(cidrProblem("10.10.0.1/16")!, /host bits.*10\.10\.0\.0\/16/);
        assert.match(cidrProblem("10.10.0.0/40")!, /a\.b\.c\.d\/prefix/);
    });

    it("parseIpv4 and formatIpv4 round-trip", () => {
        for (const ip of ["0.0.0.0", "10.30.96.16", "255.255.255.255", "172.16.254.1"]) {
            assert.equal(formatIpv4(parseIpv4(ip)!), ip);
        }
        assert.equal(parseIpv4("1.2.3"), undefined);
    });

    it("cidrSize", () => {
        assert.equal(cidrSize("10.0.0.0/16"), 65536);
        assert.equal(cidrSize("10.0.0.1/32"), 1);
        assert.equal(cidrSize("0.0.0.0/0"), 2 ** 32);
    });

    describe("cidrsOverlap", () => {
        const cases: [string, string, boolean][] = [
            ["10.10.0.0/16", "10.10.0.0/16", true],
            ["10.10.0.0/16", "10.10.128.0/17", true],
            ["10.10.128.0/17", "10.10.0.0/16", true],
            ["10.10.0.0/16", "10.11.0.0/16", false],
            ["10.0.0.0/8", "10.255.255.255/32", true],
            ["10.0.0.0/8", "11.0.0.0/8", false],
            ["192.168.0.0/24", "192.168.1.0/24", false],
            ["0.0.0.0/0", "203.0.113.0/24", true],
            ["128.0.0.0/1", "127.255.255.255/32", false],
            ["255.255.255.0/24", "255.255.255.255/32", true],
        ];
        for (const [a, b, expected] of cases) {
            it(`${a} vs ${b} → ${expected}`, () => assert.equal(cidrsOverlap(a, b), expected));
        }
        it("throws on an invalid CIDR", () => assert.throws(() => cidrsOverlap("10.0.0.1/8", "10.0.0.0/8"), /invalid IPv4 CIDR "10\.0\.0\.1\/8"/));
    });

    describe("cidrContains", () => {
        it("contains itself and smaller ranges inside it", () => {
            assert.equal(cidrContains("10.10.0.0/16", "10.10.0.0/16"), true);
            assert.equal(cidrContains("10.10.0.0/16", "10.10.48.0/20"), true);
            assert.equal(cidrContains("10.10.0.0/16", "10.10.255.255/32"), true);
            assert.equal(cidrContains("0.0.0.0/0", "8.8.8.8/32"), true);
        });
        it("does not contain larger or disjoint ranges", () => {
            assert.equal(cidrContains("10.10.48.0/20", "10.10.0.0/16"), false);
            assert.equal(cidrContains("10.10.0.0/16", "10.11.0.0/20"), false);
            assert.equal(cidrContains("10.10.0.0/17", "10.10.128.0/17"), false);
        });
    });

    describe("subdivideCidr", () => {
        it("takes the index-th sub-range", () => {
            assert.equal(subdivideCidr("10.10.0.0/16", 20, 3), "10.10.48.0/20");
            assert.equal(subdivideCidr("10.10.0.0/16", 16, 0), "10.10.0.0/16");
            assert.equal(subdivideCidr("10.10.0.0/16", 19, 7), "10.10.224.0/19");
            assert.equal(subdivideCidr("10.10.224.0/19", 22, 2), "10.10.232.0/22");
            assert.equal(subdivideCidr("10.30.0.0/16", 28, 3 * 2 ** 9), "10.30.96.0/28");
            assert.equal(subdivideCidr("0.0.0.0/0", 1, 1), "128.0.0.0/1");
            assert.equal(subdivideCidr("255.255.255.0/24", 32, 255), "255.255.255.255/32");
        });
        it("every sub-range is inside the range, and they do not overlap", () => {
            const subs = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => subdivideCidr("172.16.0.0/12", 15, i));
            for (const s of subs) assert.ok(cidrContains("172.16.0.0/12", s));
            for (let i = 0; i < subs.length; i++) for (let j = i + 1; j < subs.length; j++) assert.equal(cidrsOverlap(subs[i], subs[j]), false);
        });
        it("rejects impossible requests", () => {
            assert.throws(() => subdivideCidr("10.10.0.0/16", 15, 0), /between 16 and 32/);
            assert.throws(() => subdivideCidr("10.10.0.0/16", 33, 0), /between 16 and 32/);
            assert.throws(() => subdivideCidr("10.10.0.0/16", 20, 16), /there are 16 \(0\.\.15\)/);
            assert.throws(() => subdivideCidr("10.10.0.0/16", 20, -1), /there are 16/);
            assert.throws(() => subdivideCidr("10.10.0.0/16", 20, 1.5), /there are 16/);
            assert.throws(() => subdivideCidr("10.10.0.5/16", 20, 0), /invalid IPv4 CIDR/);
        });
    });

    describe("private address space", () => {
        it("tells RFC 1918 space from the wider non-public space", () => {
            assert.equal(isRfc1918Cidr("10.99.0.0/24"), true);
            assert.equal(isRfc1918Cidr("100.64.1.0/24"), false);
            assert.equal(isNonPublicCidr("100.64.1.0/24"), true);
            assert.equal(isRfc1918Cidr("172.32.0.0/16"), false);
            assert.equal(isNonPublicCidr("203.0.113.7/32"), false);
        });
    });
});
