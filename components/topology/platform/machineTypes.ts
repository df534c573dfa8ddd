/**
 * vCPU and memory of the EC2 instance types and GCE machine types a platform team would pick for
 * Axon Server workers and VMs. Pure data, no Pulumi import.
 *
 * The capacity check (`capacity.ts`) needs the size of a worker to compute its allocatable capacity;
 * an unknown type only disables that check (a warning), it is not an error: clouds add types faster
 * than this table grows. A type that does not follow the cloud's naming scheme at all (an EC2 name on
 * a GCP site, a typo) is an error: the provider would reject it at `pulumi up`.
 */

export interface MachineType {
    readonly vcpu: number;
    /** GiB (AWS: "Memory (GiB)"; GCE: "GB" defined as 2^30 bytes). */
    readonly memoryGiB: number;
}

/** Where each table comes from, and when it was read. */
export const MACHINE_TYPE_SOURCES = {
    aws: {
        urls: [
            "https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html",
            "https://docs.aws.amazon.com/ec2/latest/instancetypes/mo.html",
            "https://docs.aws.amazon.com/ec2/latest/instancetypes/co.html",
        ],
        read: "2026-11-30",
    },
    gcp: {
        urls: [
            "https://cloud.google.com/compute/docs/general-purpose-machines",
            // GB in the GCE machine tables is 2^30 bytes: "Memory size of the VM in GB (2^30 bytes)".
            "https://googleapis.dev/dotnet/Google.Apis.Cloudbilling.v1beta/latest/api/Google.Apis.Cloudbilling.v1beta.Data.CustomMachineType.html",
        ],
        read: "2026-11-30",
    },
} as const;

type Table = Record<string, MachineType>;

/** EC2 sizes in the published tables: `large` = 2 vCPUs, `xlarge` = 4, `Nxlarge` = 4·N. */
const AWS_SIZES: Readonly<Record<string, number>> = { large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32 };

/** An EC2 family whose sizes have a fixed GiB-per-vCPU ratio (true for every family listed here). */
function awsFamily(out: Table, family: string, gibPerVcpu: number, sizes: readonly string[] = Object.keys(AWS_SIZES)): void {
    for (const size of sizes) {
        const vcpu = AWS_SIZES[size];
        out[`${family}.${size}`] = { vcpu, memoryGiB: vcpu * gibPerVcpu };
    }
}

function awsTable(): Table {
    const t: Table = {};
    // General purpose (gp.html): 4 GiB per vCPU, large..8xlarge.
    for (const f of ["m5", "m6i", "m7i", "m6a", "m7a", "m6g", "m7g"]) awsFamily(t, f, 4);
    // Memory optimized (mo.html): 8 GiB per vCPU.
    for (const f of ["r5", "r6i", "r7i", "r6a", "r7a", "r6g", "r7g"]) awsFamily(t, f, 8);
    // Compute optimized (co.html): 2 GiB per vCPU.
    for (const f of ["c6i", "c7i", "c6a", "c7a", "c6g", "c7g"]) awsFamily(t, f, 2);
    // Burstable T3 (gp.html): t3.medium 2 vCPU / 4 GiB, large 2/8, xlarge 4/16, 2xlarge 8/32; no larger sizes.
    t["t3.medium"] = { vcpu: 2, memoryGiB: 4 };
    awsFamily(t, "t3", 4, ["large", "xlarge", "2xlarge"]);
    return t;
}

/** GCE predefined series `<series>-<kind>-<vCPUs>` with a fixed GB-per-vCPU ratio. */
function gcpSeries(out: Table, prefix: string, gbPerVcpu: number, vcpus: readonly number[]): void {
    for (const vcpu of vcpus) out[`${prefix}-${vcpu}`] = { vcpu, memoryGiB: vcpu * gbPerVcpu };
}

function gcpTable(): Table {
    const t: Table = {};
    // general-purpose-machines: E2 standard 4 GB/vCPU (2..32), highmem 8 GB/vCPU (2..16).
    gcpSeries(t, "e2-standard", 4, [2, 4, 8, 16, 32]);
    gcpSeries(t, "e2-highmem", 8, [2, 4, 8, 16]);
    // N2 standard 4 GB/vCPU (2..128), highmem 8 GB/vCPU (2..96; n2-highmem-128 has 864 GB, not 8/vCPU).
    gcpSeries(t, "n2-standard", 4, [2, 4, 8, 16, 32, 48, 64, 80, 96, 128]);
    gcpSeries(t, "n2-highmem", 8, [2, 4, 8, 16, 32, 48, 64, 80, 96]);
    // N2D standard 4 GB/vCPU (2..224).
    gcpSeries(t, "n2d-standard", 4, [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224]);
    // N4 standard 4 GB/vCPU (2..80).
    gcpSeries(t, "n4-standard", 4, [2, 4, 8, 16, 32, 48, 64, 80]);
    // C3 standard 4 GB/vCPU: 4, 8, 22, 44, 88, 176.
    gcpSeries(t, "c3-standard", 4, [4, 8, 22, 44, 88, 176]);
    // Tau T2D standard 4 GB/vCPU: 1, 2, 4, 8, 16, 32, 48, 60.
    gcpSeries(t, "t2d-standard", 4, [1, 2, 4, 8, 16, 32, 48, 60]);
    return t;
}

/** Known instance/machine types per cloud, each table with its source URL and the date read (`MACHINE_TYPE_SOURCES`). */
export const MACHINE_TYPES: { readonly aws: Readonly<Record<string, MachineType>>; readonly gcp: Readonly<Record<string, MachineType>> } = {
    aws: Object.freeze(awsTable()),
    gcp: Object.freeze(gcpTable()),
};

// ---------------------------------------------------------------------------------------------
// Naming schemes

/**
 * EC2 instance type names: `<family>.<size>`, e.g. `m7i.xlarge`, `m7i-flex.large`, `i7i.metal-24xl`
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html).
 */
export const AWS_INSTANCE_TYPE = /^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[0-9]+xlarge|metal(-[0-9]+xl)?)$/;

/**
 * GCE predefined machine type names: lower-case words joined by `-`, the first being the series, e.g.
 * `n2-standard-4`, `e2-medium`, `c3-standard-8-lssd` (https://cloud.google.com/compute/docs/machine-resource).
 */
export const GCP_MACHINE_TYPE = /^[a-z]+[0-9]+[a-z]*-[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * GCE custom machine types: `[<series>-]custom-<vCPUs>-<memory MiB>[-ext]`, e.g. `n2-custom-4-16384`
 * (https://cloud.google.com/compute/docs/instances/creating-instance-with-custom-machine-type).
 */
export const GCP_CUSTOM_MACHINE_TYPE = /^(?:(n1|n2|n2d|e2)-)?custom-([0-9]+)-([0-9]+)(-ext)?$/;

interface CustomLimits {
    /** Allowed vCPU counts. */
    readonly vcpus: (n: number) => boolean;
    readonly vcpuText: string;
    /** Memory per vCPU without `-ext`, in MiB. */
    readonly minMiPerVcpu: number;
    readonly maxMiPerVcpu: number;
    readonly extended: boolean;
}

/**
 * Custom machine type limits per series, from Google's custom-machine-type helper sample
 * (https://cloud.google.com/compute/docs/samples/compute-custom-machine-type-helper-class):
 * memory in steps of 256 MiB; N1 0.9-6.5 GB per vCPU, N2/N2D/E2 0.5-8 GB per vCPU; `-ext` (extended
 * memory) is not available on E2.
 */
const CUSTOM_LIMITS: Readonly<Record<"n1" | "n2" | "n2d" | "e2", CustomLimits>> = {
    n1: { vcpus: (n) => n === 1 || (n % 2 === 0 && n >= 2 && n <= 96), vcpuText: "1 or an even number up to 96", minMiPerVcpu: 922, maxMiPerVcpu: 6656, extended: true },
    n2: {
        vcpus: (n) => (n % 2 === 0 && n >= 2 && n <= 32) || (n % 4 === 0 && n >= 36 && n <= 128),
        vcpuText: "an even number from 2 to 32, or a multiple of 4 from 36 to 128",
        minMiPerVcpu: 512,
        maxMiPerVcpu: 8192,
        extended: true,
    },
    n2d: { vcpus: (n) => [2, 4, 8, 16, 32, 48, 64, 80, 96].includes(n), vcpuText: "2, 4, 8, 16, 32, 48, 64, 80 or 96", minMiPerVcpu: 512, maxMiPerVcpu: 8192, extended: true },
    e2: { vcpus: (n) => n % 2 === 0 && n >= 2 && n <= 32, vcpuText: "an even number from 2 to 32", minMiPerVcpu: 512, maxMiPerVcpu: 8192, extended: false },
};

function customIssue(type: string): string | undefined {
    const m = GCP_CUSTOM_MACHINE_TYPE.exec(type);
    if (!m) return undefined;
    const series = (m[1] ?? "n1") as keyof typeof CUSTOM_LIMITS;
    const vcpu = Number(m[2]);
    const memMi = Number(m[3]);
    const ext = m[4] !== undefined;
    const lim = CUSTOM_LIMITS[series];
    const problems: string[] = [];
    if (!lim.vcpus(vcpu)) problems.push(`${series.toUpperCase()} custom types take ${lim.vcpuText} vCPUs, not ${vcpu}`);
    if (memMi % 256 !== 0) problems.push(`memory must be a multiple of 256 MiB, not ${memMi}`);
    if (ext && !lim.extended) problems.push(`extended memory (-ext) is not available on ${series.toUpperCase()}`);
    const perVcpu = vcpu > 0 ? memMi / vcpu : 0;
    if (perVcpu < lim.minMiPerVcpu) problems.push(`at least ${lim.minMiPerVcpu} MiB per vCPU (${vcpu} vCPUs need ${lim.minMiPerVcpu * vcpu} MiB or more)`);
    if (!ext && perVcpu > lim.maxMiPerVcpu) problems.push(`at most ${lim.maxMiPerVcpu} MiB per vCPU without "-ext"`);
    if (problems.length === 0) return undefined;
    return `${JSON.stringify(type)} is not a valid GCE custom machine type: ${problems.join("; ")} (format [n1|n2|n2d|e2-]custom-<vCPUs>-<memory MiB>[-ext], e.g. "n2-custom-4-16384")`;
}

/** undefined when `type` follows the cloud's naming scheme, otherwise a message saying what is allowed. */
export function machineTypeNamingIssue(cloud: "aws" | "gcp", type: string): string | undefined {
    if (cloud === "aws") {
        if (AWS_INSTANCE_TYPE.test(type)) return undefined;
        return (
            `${JSON.stringify(type)} is not an EC2 instance type name: expected <family>.<size> such as "m7i.xlarge" ` +
            `(pattern ${AWS_INSTANCE_TYPE.source})` +
            (GCP_MACHINE_TYPE.test(type) || GCP_CUSTOM_MACHINE_TYPE.test(type) ? "; this looks like a GCE machine type, but the site is on aws" : "")
        );
    }
    if (GCP_CUSTOM_MACHINE_TYPE.test(type)) return customIssue(type);
    if (GCP_MACHINE_TYPE.test(type) && !/custom/.test(type)) return undefined;
    return (
        `${JSON.stringify(type)} is not a GCE machine type name: expected <series>-<type>-<vCPUs> such as "n2-standard-4", ` +
        `or a custom type [n1|n2|n2d|e2-]custom-<vCPUs>-<memory MiB>[-ext] such as "n2-custom-4-16384"` +
        (AWS_INSTANCE_TYPE.test(type) ? "; this looks like an EC2 instance type, but the site is on gcp" : "")
    );
}

/** vCPU and memory of a known type (GCE custom types are computed from their name); undefined when unknown or invalid. */
export function lookupMachineType(cloud: "aws" | "gcp", type: string): MachineType | undefined {
    const known = MACHINE_TYPES[cloud][type];
    if (known) return known;
    if (cloud === "gcp" && machineTypeNamingIssue("gcp", type) === undefined) {
        const m = GCP_CUSTOM_MACHINE_TYPE.exec(type);
        if (m) return { vcpu: Number(m[2]), memoryGiB: Number(m[3]) / 1024 };
    }
    return undefined;
}
