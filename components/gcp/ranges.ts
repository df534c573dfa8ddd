/**
 * Address plan and names of GCP sites. Pure functions, no Pulumi import.
 *
 * Every range a GCP site uses is carved from the site's own CIDR, so two sites never overlap as long as
 * their CIDRs do not (the loader checks that), and every firewall rule that names a site CIDR also
 * covers the site's pods. For a GKE site with CIDR `a.b.0.0/p` (`p` at most 20):
 *
 * | range                          | sub-range of the site CIDR      | /16 example      |
 * |--------------------------------|---------------------------------|------------------|
 * | subnet primary (nodes, ILBs)   | first quarter (`/p+2`, index 0) | `10.30.0.0/18`   |
 * | secondary `services`           | third eighth (`/p+3`, index 2)  | `10.30.64.0/19`  |
 * | GKE control plane (`/28`)      | first `/28` of the fourth eighth| `10.30.96.0/28`  |
 * | (free for later use)           | rest of the fourth eighth       | `10.30.96.16-…`  |
 * | secondary `pods`               | second half (`/p+1`, index 1)   | `10.30.128.0/17` |
 *
 * The control-plane range is not part of the subnet (GKE requires that it overlaps no subnet range) but is
 * still inside the site CIDR, so it never collides with another site's. A VM site uses the whole site CIDR
 * as its subnet's primary range and has no secondary ranges.
 */
import { subdivideCidr } from "../topology/cidr";
import { shortHash } from "../topology/identity";
import { Site, Topology } from "../topology/model";
import { siteResourcePrefix } from "../topology/naming";

/** Secondary range names inside a GKE site's subnet (names are per subnet, so they repeat across sites). */
export const POD_RANGE_NAME = "pods";
export const SERVICE_RANGE_NAME = "services";

/** The longest site prefix a GKE site accepts: pods get a /21 (8 nodes at GKE's default /24 per node). */
export const MAX_GKE_SITE_PREFIX = 20;

export interface GcpSiteRanges {
    /** Primary range of the site's subnet (node and internal load balancer addresses). */
    readonly primary: string;
    /** Secondary ranges (GKE sites only), in the order they are declared on the subnet. */
    readonly secondary: readonly { readonly rangeName: string; readonly ipCidrRange: string }[];
    /** GKE only: the `/28` of the private control plane (`masterIpv4CidrBlock`). */
    readonly master?: string;
    /** GKE only: the pods range. */
    readonly pods?: string;
    /** GKE only: the services range. */
    readonly services?: string;
}

function prefixOf(cidr: string): number {
    return Number(cidr.split("/")[1]);
}

/** The address plan of one GCP site (see the table in this module's doc). Throws for a GKE site whose CIDR is too small. */
export function gcpSiteRanges(site: Pick<Site, "name" | "cidr" | "platform">): GcpSiteRanges {
    if (site.platform !== "gke") return { primary: site.cidr, secondary: [] };
    const p = prefixOf(site.cidr);
    if (!(p <= MAX_GKE_SITE_PREFIX)) {
        throw new Error(
            `site ${site.name}: a GKE site needs a CIDR of /${MAX_GKE_SITE_PREFIX} or larger (nodes, pods, services and the control plane are carved from it), got ${site.cidr}`,
        );
    }
    const primary = subdivideCidr(site.cidr, p + 2, 0);
    const services = subdivideCidr(site.cidr, p + 3, 2);
    // First /28 of the fourth eighth: index = 3 * (number of /28s in an eighth).
    const master = subdivideCidr(site.cidr, 28, 3 * 2 ** (28 - (p + 3)));
    const pods = subdivideCidr(site.cidr, p + 1, 1);
    return {
        primary,
        secondary: [
            { rangeName: POD_RANGE_NAME, ipCidrRange: pods },
            { rangeName: SERVICE_RANGE_NAME, ipCidrRange: services },
        ],
        master,
        pods,
        services,
    };
}

/** GCP sites the program builds a network for (GKE and GCE VM sites; an existing cluster brings its own). */
export function gcpNetworkSites(topology: Pick<Topology, "sites">): Site[] {
    return topology.sites.filter((s) => s.cloud === "gcp" && (s.platform === "gke" || s.platform === "vm"));
}

/**
 * Network tag of a site's instances (GKE nodes or GCE VMs): firewall rules target it. GCE tags are
 * RFC 1035 labels of at most 63 characters; `<environment>-<site>-axon` stays within (16 + 20 + 6).
 */
export function gcpSiteNetworkTag(topology: Pick<Topology, "environment">, siteName: string): string {
    return `${siteResourcePrefix(topology, siteName)}-axon`;
}

/**
 * A service account id (6-30 characters, `[a-z]([-a-z0-9]*[a-z0-9])`) for `<environment>-<site>-<suffix>`,
 * shortened with a stable hash when too long.
 */
export function gcpAccountId(topology: Pick<Topology, "environment">, siteName: string, suffix: string): string {
    let id = `${siteResourcePrefix(topology, siteName)}-${suffix}`;
    if (!/^[a-z]/.test(id)) id = `ax-${id}`; // environment names may start with a digit, account ids may not
    if (id.length <= 30) return id;
    const hash = shortHash(id);
    return `${id.slice(0, 30 - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/**
 * Longest logical name of a GCP resource whose physical name is autonamed: GCE names allow 63 characters
 * and Pulumi's autonaming appends 8 (`-` and 7 random characters). Names go through `fitName`.
 */
export const GCP_MAX_LOGICAL_NAME = 55;
