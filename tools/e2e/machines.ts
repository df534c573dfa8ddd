/**
 * Allocatable resources of the worker machine types the stacks use, for the kwok nodes of the
 * test bed: the machine's vCPUs and memory minus what the managed node images reserve.
 *
 * Machine sizes:
 * - EC2: https://aws.amazon.com/ec2/instance-types/ (m6i.xlarge: 4 vCPU, 16 GiB; m7i.large: 2 vCPU, 8 GiB;
 *   m6i.large: 2 vCPU, 8 GiB), max pods from https://github.com/awslabs/amazon-eks-ami/blob/main/templates/shared/runtime/eni-max-pods.txt
 * - GCE: https://cloud.google.com/compute/docs/general-purpose-machines (e2-standard-4: 4 vCPU, 16 GB;
 *   e2-standard-2: 2 vCPU, 8 GB; n2-standard-4: 4 vCPU, 16 GB).
 * Reservations:
 * - GKE: https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes (CPU: 6 % of the first
 *   core, 1 % of the next, 0.5 % of the next two, 0.25 % above four; memory: 25 % of the first 4 GiB,
 *   20 % of the next 4, 10 % of the next 8, 6 % of the next 112, 2 % above; eviction threshold 100 MiB).
 * - EKS AMIs: the same CPU formula; memory 11 MiB per pod + 255 MiB; eviction threshold 100 MiB
 *   (amazon-eks-ami bootstrap `get_memory_mebibytes_to_reserve`, `get_cpu_millicores_to_reserve`).
 */

interface Machine {
    readonly vcpu: number;
    readonly memoryMiB: number;
    /** EKS: the AMI's max pods for the instance type (VPC CNI without prefix delegation). */
    readonly maxPods?: number;
}

const MACHINES: Readonly<Record<string, Machine>> = {
    "m6i.large": { vcpu: 2, memoryMiB: 8192, maxPods: 29 },
    "m6i.xlarge": { vcpu: 4, memoryMiB: 16384, maxPods: 58 },
    "m7i.large": { vcpu: 2, memoryMiB: 8192, maxPods: 29 },
    "m7i.xlarge": { vcpu: 4, memoryMiB: 16384, maxPods: 58 },
    "e2-standard-2": { vcpu: 2, memoryMiB: 8192 },
    "e2-standard-4": { vcpu: 4, memoryMiB: 16384 },
    "n2-standard-4": { vcpu: 4, memoryMiB: 16384 },
};

function cpuReservedMillis(vcpu: number): number {
    const steps: [number, number][] = [
        [1, 60],
        [1, 10],
        [2, 5],
        [Infinity, 2.5],
    ];
    let left = vcpu;
    let reserved = 0;
    for (const [cores, perCore] of steps) {
        const n = Math.min(left, cores);
        reserved += n * perCore;
        left -= n;
        if (left <= 0) break;
    }
    return reserved;
}

function gkeMemoryReservedMiB(memoryMiB: number): number {
    const steps: [number, number][] = [
        [4096, 0.25],
        [4096, 0.2],
        [8192, 0.1],
        [114688, 0.06],
        [Infinity, 0.02],
    ];
    let left = memoryMiB;
    let reserved = 0;
    for (const [size, share] of steps) {
        const n = Math.min(left, size);
        reserved += n * share;
        left -= n;
        if (left <= 0) break;
    }
    return reserved;
}

/** Allocatable `cpu`, `memory` and `pods` of one worker of `machineType` on `cloud`'s managed Kubernetes. */
export function allocatableOf(cloud: string, machineType: string): Record<string, string> {
    const m = MACHINES[machineType];
    if (!m) {
        throw new Error(`tools/e2e/machines.ts does not know machine type ${machineType}: add its vCPUs and memory (with the source) to MACHINES`);
    }
    const evictionMiB = 100;
    const pods = cloud === "aws" ? (m.maxPods ?? 110) : 110;
    const memReserved = cloud === "aws" ? 11 * pods + 255 : gkeMemoryReservedMiB(m.memoryMiB);
    return {
        cpu: `${Math.floor(m.vcpu * 1000 - cpuReservedMillis(m.vcpu))}m`,
        memory: `${Math.floor(m.memoryMiB - memReserved - evictionMiB)}Mi`,
        pods: String(pods),
    };
}
