/**
 * Mock state of `@pulumi/tls` resources: deterministic PEM-shaped values per resource name.
 */
import { createHash } from "node:crypto";
import { StateFn } from "./util";


/** A syntactically PEM-shaped fake: deterministic per resource name, never a usable key or certificate. */
export function mockPem(label: string, name: string): string {
    const body = Buffer.from(`mock ${label} for ${name} ${createHash("sha256").update(name).digest("hex")}`).toString("base64");
    const lines = body.match(/.{1,64}/g) ?? [body];
    return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

const VALIDITY = { validityStartTime: "2026-01-01T00:00:00Z", validityEndTime: "2027-01-01T00:00:00Z", readyForRenewal: false };

/** Mock state for `tls:*` resource types. */
export const STATE: Record<string, StateFn> = {
    "tls:index/privateKey:PrivateKey": (_inputs, name) => ({
        privateKeyPem: mockPem("PRIVATE KEY", name),
        privateKeyPemPkcs8: mockPem("PRIVATE KEY", `${name}-pkcs8`),
        privateKeyOpenssh: mockPem("OPENSSH PRIVATE KEY", name),
        publicKeyPem: mockPem("PUBLIC KEY", name),
        publicKeyOpenssh: `ssh-rsa ${Buffer.from(name).toString("base64")} mock`,
        publicKeyFingerprintMd5: createHash("md5").update(name).digest("hex").replace(/(..)(?!$)/g, "$1:"),
        publicKeyFingerprintSha256: `SHA256:${createHash("sha256").update(name).digest("base64")}`,
    }),
    "tls:index/selfSignedCert:SelfSignedCert": (_inputs, name) => ({ certPem: mockPem("CERTIFICATE", name), ...VALIDITY }),
    "tls:index/locallySignedCert:LocallySignedCert": (_inputs, name) => ({ certPem: mockPem("CERTIFICATE", name), ...VALIDITY }),
    "tls:index/certRequest:CertRequest": (_inputs, name) => ({ certRequestPem: mockPem("CERTIFICATE REQUEST", name) }),
};
