/**
 * TLS for Axon Server gRPC (client and internal: one switch): a private CA and one
 * certificate per node, all generated with @pulumi/tls. Private keys live only in state (encrypted:
 * the provider marks them secret, and we wrap them again), in Kubernetes Secrets and in the VMs' secret
 * managers.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { AxonNode, Topology } from "../topology/model";
import { nodeAddress } from "../topology/naming";

export interface NodeCertificate {
    readonly certPem: pulumi.Output<string>;
    /** PKCS#8 PEM ("BEGIN PRIVATE KEY"): the form Java/Netty reads from `ssl.private-key-file`. */
    readonly privateKeyPem: pulumi.Output<string>;
    /** The DNS SANs of the certificate. */
    readonly dnsNames: readonly string[];
}

export interface AxonServerTlsArgs {
    /** The environment's topology: each node's DNS names (SANs) and the CA's subject come from it. */
    readonly topology: Topology;
    /**
     * Nodes to issue certificates for.
     * @default - every node of the topology (VM nodes included)
     */
    readonly nodes?: readonly AxonNode[];
    /**
     * CA validity in hours (87600: 10 years).
     * @default 87600
     */
    readonly caValidityHours?: number;
    /**
     * Node certificate validity in hours (17520: 2 years), renewed by `pulumi up` in the last 30 days.
     * @default 17520
     */
    readonly certValidityHours?: number;
}

const CA_VALIDITY_HOURS = 10 * 365 * 24;
const CERT_VALIDITY_HOURS = 2 * 365 * 24;
const EARLY_RENEWAL_HOURS = 30 * 24;

/**
 * The SANs of a node: its advertised FQDN (what `ssl` host-name verification checks), its short name,
 * and its in-cluster Service name (`<node>.<namespace>.svc.cluster.local`) for callers inside the cluster.
 */
export function nodeDnsNames(topology: Topology, node: Pick<AxonNode, "name">): string[] {
    const names = [nodeAddress(topology, node).fqdn, node.name, `${node.name}.${topology.kubernetes.namespace}.svc.cluster.local`];
    return [...new Set(names)];
}

/** A private CA plus one CA-signed certificate per node. Type `axonserver:index:AxonServerTls`. */
export class AxonServerTls extends pulumi.ComponentResource {
    /** The CA certificate (PEM): nodes' `internal-trust-manager-file`, clients' `axon.axonserver.cert-file`. */
    readonly caCertPem: pulumi.Output<string>;
    readonly nodes: Readonly<Record<string, NodeCertificate>>;

    constructor(name: string, args: AxonServerTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("axonserver:index:AxonServerTls", name, {}, opts);
        const t = args.topology;

        const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P384" }, { parent: this });
        const ca = new tls.SelfSignedCert(
            `${name}-ca`,
            {
                privateKeyPem: caKey.privateKeyPem,
                isCaCertificate: true,
                validityPeriodHours: args.caValidityHours ?? CA_VALIDITY_HOURS,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
                subject: { commonName: `Axon Server CA ${t.environment}`, organization: "axonserver-multiregion" },
            },
            { parent: this },
        );
        this.caCertPem = ca.certPem;

        const nodes: Record<string, NodeCertificate> = {};
        for (const node of args.nodes ?? t.nodes) {
            const dnsNames = nodeDnsNames(t, node);
            const key = new tls.PrivateKey(`${name}-${node.name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
            const csr = new tls.CertRequest(
                `${name}-${node.name}-csr`,
                { privateKeyPem: key.privateKeyPem, dnsNames, subject: { commonName: dnsNames[0], organization: "axonserver-multiregion" } },
                { parent: this },
            );
            const cert = new tls.LocallySignedCert(
                `${name}-${node.name}-cert`,
                {
                    certRequestPem: csr.certRequestPem,
                    caPrivateKeyPem: caKey.privateKeyPem,
                    caCertPem: ca.certPem,
                    validityPeriodHours: args.certValidityHours ?? CERT_VALIDITY_HOURS,
                    earlyRenewalHours: EARLY_RENEWAL_HOURS,
                    // Server auth for clients and peers; client auth because nodes dial each other on 8224.
                    allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
                },
                { parent: this },
            );
            nodes[node.name] = { certPem: cert.certPem, privateKeyPem: pulumi.secret(key.privateKeyPemPkcs8), dnsNames };
        }
        this.nodes = nodes;
        this.registerOutputs({ caCertPem: this.caCertPem });
    }
}
