/**
 * JVM options of an Axon Server node, derived from its memory limit. Pure, no Pulumi import.
 * The image passes JVM options through `JAVA_TOOL_OPTIONS`.
 */

export const JVM_OPTIONS_ENV = "JAVA_TOOL_OPTIONS";

const MIB = 1024 * 1024;
const SUFFIX: Readonly<Record<string, number>> = {
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    Pi: 1024 ** 5,
    Ei: 1024 ** 6,
};

/** Bytes of a Kubernetes memory quantity (`4Gi`, `512Mi`, `1.5G`, `1073741824`). Throws when malformed. */
export function quantityBytes(quantity: string): number {
    const m = /^(\d+(?:\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity.trim());
    if (!m) throw new Error(`invalid memory quantity "${quantity}" (expected e.g. 4Gi, 512Mi)`);
    return Number(m[1]) * SUFFIX[m[2] ?? ""];
}

/**
 * `JAVA_TOOL_OPTIONS` for a node whose memory limit is `memory`: heap (`-Xms` = `-Xmx`, fixed so it
 * never resizes) is 50% of the limit, rounded down to whole MiB; the other half is left for direct
 * memory (gRPC/Netty buffers), metaspace, thread stacks and memory-mapped index files.
 * `-XX:+ExitOnOutOfMemoryError` makes an out-of-memory JVM exit so the node restarts instead of
 * limping on.
 */
export function jvmHeapOptions(memory: string): string {
    const heapMiB = Math.floor(quantityBytes(memory) / 2 / MIB);
    if (heapMiB < 1) throw new Error(`memory ${memory} is too small for a JVM heap`);
    return `-Xms${heapMiB}m -Xmx${heapMiB}m -XX:+ExitOnOutOfMemoryError`;
}
