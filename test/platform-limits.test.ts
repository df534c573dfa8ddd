import assert from "node:assert/strict";
import { ebsStorageClassParameters, eksClusterName } from "../components/aws/eksSite";
import { DEFAULT_GKE_MAINTENANCE_WINDOW, GKE_DISK_TYPES } from "../components/gcp/gkeSite";
import { gcpSiteNetworkTag } from "../components/gcp/ranges";
import { loadTopology as loadStackConfig } from "../components/backup/stackLoader";
import { loadTopology } from "../components/topology/load";
import { ConfigIssue, STORAGE_TIERS, Topology } from "../components/topology/model";
import {
    DLM_DESCRIPTION,
    EBS_SIZE_GIB,
    generatedNames,
    GKE_MAINTENANCE_AVAILABILITY,
    gkeMaintenanceAvailabilityHours,
    platformIssues,
    VOLUME_TYPE_BY_TIER,
} from "../components/topology/platform/limits";
import { lookupMachineType, MACHINE_TYPES, machineTypeNamingIssue } from "../components/topology/platform/machineTypes";
import { dlmDescriptionIssue } from "../components/topology/platform/limits";
import { readStackFile, stackConfigFromFile } from "../tools/config/stackFile";
import { EBS_BY_TIER, PD_BY_TIER } from "../components/vm/vmAxonServerNode";
import { buildTopology } from "./fixtures/topologies";

type Raw = Record<string, unknown>;
type Entry = Record<string, unknown>;

/** A stack file's config, deep-copied so a test can break it. */
function stackRaw(name: string): { raw: Raw; licensed: boolean } {
    const { raw, options } = stackConfigFromFile(readStackFile(name));
    return { raw: structuredClone(raw), licensed: options.licensed ?? false };
}

function list(raw: Raw, key: "sites" | "nodes"): Entry[] {
    return raw[key] as Entry[];
}

function load(raw: Raw): Topology {
    const r = loadTopology(raw);
    assert.deepEqual(r.errors, [], "the test topology itself must load");
    return r.topology!;
}

function check(raw: Raw, backupAgent = raw.backup !== undefined): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
    return platformIssues(load(raw), { backupAgent });
}

const at = (issues: readonly ConfigIssue[], path: string) => issues.filter((i) => i.path === path);

describe("platform limits", () => {
    describe("example stacks", () => {
        for (const stack of ["dev", "prod", "local"]) {
            it(`${stack} passes every platform limit and the capacity check without warnings`, () => {
                const { raw } = stackRaw(stack);
                const r = check(raw);
                assert.deepEqual(r.errors, []);
                assert.deepEqual(r.warnings, []);
            });
        }
    });

    describe("machine types", () => {
        // https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html, mo.html, co.html
        it("knows EC2 sizes from the published tables", () => {
            assert.deepEqual(lookupMachineType("aws", "m6i.xlarge"), { vcpu: 4, memoryGiB: 16 });
            assert.deepEqual(lookupMachineType("aws", "m7g.8xlarge"), { vcpu: 32, memoryGiB: 128 });
            assert.deepEqual(lookupMachineType("aws", "r6i.2xlarge"), { vcpu: 8, memoryGiB: 64 });
            assert.deepEqual(lookupMachineType("aws", "c7i.large"), { vcpu: 2, memoryGiB: 4 });
            assert.deepEqual(lookupMachineType("aws", "t3.medium"), { vcpu: 2, memoryGiB: 4 });
            assert.equal(lookupMachineType("aws", "t3.8xlarge"), undefined, "T3 stops at 2xlarge");
        });

        // https://cloud.google.com/compute/docs/general-purpose-machines
        it("knows GCE sizes from the published tables", () => {
            assert.deepEqual(lookupMachineType("gcp", "e2-standard-4"), { vcpu: 4, memoryGiB: 16 });
            assert.deepEqual(lookupMachineType("gcp", "e2-highmem-8"), { vcpu: 8, memoryGiB: 64 });
            assert.deepEqual(lookupMachineType("gcp", "c3-standard-22"), { vcpu: 22, memoryGiB: 88 });
            assert.deepEqual(lookupMachineType("gcp", "t2d-standard-60"), { vcpu: 60, memoryGiB: 240 });
            assert.equal(lookupMachineType("gcp", "m6i.xlarge"), undefined);
            assert.equal(lookupMachineType("aws", "e2-standard-4"), undefined);
        });

        it("every table entry follows its cloud's naming scheme", () => {
            for (const cloud of ["aws", "gcp"] as const) {
                for (const type of Object.keys(MACHINE_TYPES[cloud])) assert.equal(machineTypeNamingIssue(cloud, type), undefined, type);
            }
        });

        it("rejects names of the other cloud and typos, saying what is allowed", () => {
            assert.match(machineTypeNamingIssue("aws", "e2-standard-4") ?? "", /"m7i\.xlarge".*looks like a GCE machine type/);
            assert.match(machineTypeNamingIssue("gcp", "m6i.xlarge") ?? "", /"n2-standard-4".*looks like an EC2 instance type/);
            assert.ok(machineTypeNamingIssue("aws", "M6i.xlarge"));
            assert.ok(machineTypeNamingIssue("aws", "m6i-xlarge"));
            assert.ok(machineTypeNamingIssue("gcp", "n2_standard_4"));
            assert.ok(machineTypeNamingIssue("gcp", "n2-standard-4 "));
            // unknown but well-formed: accepted by the naming check (capacity then warns)
            assert.equal(machineTypeNamingIssue("aws", "m8g.xlarge"), undefined);
            assert.equal(machineTypeNamingIssue("gcp", "n4-highcpu-8"), undefined);
        });

        // https://cloud.google.com/compute/docs/instances/creating-instance-with-custom-machine-type
        // and Google's helper sample https://cloud.google.com/compute/docs/samples/compute-custom-machine-type-helper-class
        it("computes GCE custom machine types and checks their limits", () => {
            assert.deepEqual(lookupMachineType("gcp", "n2-custom-4-16384"), { vcpu: 4, memoryGiB: 16 });
            assert.deepEqual(lookupMachineType("gcp", "custom-6-20480"), { vcpu: 6, memoryGiB: 20 });
            assert.equal(machineTypeNamingIssue("gcp", "custom-2-15360-ext"), undefined);
            assert.match(machineTypeNamingIssue("gcp", "n2-custom-4-16000") ?? "", /multiple of 256 MiB/);
            assert.match(machineTypeNamingIssue("gcp", "e2-custom-3-6144") ?? "", /even number from 2 to 32/);
            assert.match(machineTypeNamingIssue("gcp", "e2-custom-2-32768") ?? "", /at most 8192 MiB per vCPU/);
            assert.match(machineTypeNamingIssue("gcp", "e2-custom-2-32768-ext") ?? "", /-ext\) is not available on E2/);
            assert.match(machineTypeNamingIssue("gcp", "n2-custom-8-2048") ?? "", /at least 512 MiB per vCPU/);
            assert.equal(lookupMachineType("gcp", "n2-custom-4-16000"), undefined);
            assert.ok(machineTypeNamingIssue("gcp", "c3-custom-4-16384"), "C3 has no custom types");
        });

        it("rejects a machine type of the other cloud at load time, with the site's path", () => {
            const { raw } = stackRaw("dev");
            list(raw, "sites")[0].machineType = "e2-standard-4";
            // The loader every door uses reports it.
            const r = loadStackConfig(raw);
            assert.match(at(r.errors, "sites[0].machineType")[0]?.message ?? "", /not an EC2 instance type name.*"m7i\.xlarge"/);
        });

        // N4 VMs attach only Hyperdisk (https://cloud.google.com/compute/docs/general-purpose-machines); the GKE storage
        // classes and GCE data disks here are Persistent Disks.
        it("rejects a Hyperdisk-only series on GCP sites", () => {
            const { raw } = stackRaw("prod");
            list(raw, "sites")[0].machineType = "n4-standard-8";
            const r = check(raw);
            assert.match(at(r.errors, "sites[0].machineType")[0]?.message ?? "", /the N4 series attaches only Hyperdisk volumes/);
            assert.deepEqual(at(r.warnings, "sites[0].machineType"), [], "no second message about the same type");
        });

        it("warns that capacity cannot be checked for a well-formed type missing from the table", () => {
            const { raw } = stackRaw("dev");
            list(raw, "sites")[0].machineType = "m8g.xlarge";
            const r = check(raw);
            assert.deepEqual(r.errors, []);
            assert.match(at(r.warnings, "sites[0].machineType")[0]?.message ?? "", /"m8g\.xlarge" is not in the machine-type table, so the capacity of site "aws-euw1" cannot be checked/);
        });
    });

    // terraform-provider-aws internal/service/dlm/lifecycle_policy.go validates `description` with
    // `^[0-9A-Za-z _-]+$` and a length of 1..500 in preview; the DLM API reference has the same pattern.
    describe("DLM policy description", () => {
        it("accepts letters, digits, spaces, _ and -", () => {
            assert.equal(dlmDescriptionIssue("Axon Server dev volumes aws-euw1 daily"), undefined);
            assert.equal(DLM_DESCRIPTION.pattern.value.test("Axon Server dev volumes aws-euw1 daily"), true);
        });

        it("rejects the characters the provider rejects, naming them", () => {
            const msg = dlmDescriptionIssue("Axon Server dev volumes (aws-euw1, aws-euc1): daily") ?? "";
            assert.match(msg, /the characters "\(" "," "\)" ":" are not allowed/);
            assert.ok(dlmDescriptionIssue("a.b"));
            assert.ok(dlmDescriptionIssue(""), "at least one character");
            assert.match(dlmDescriptionIssue("x".repeat(501)) ?? "", /501 characters/);
            assert.equal(dlmDescriptionIssue("x".repeat(500)), undefined);
        });
    });

    // EKS user guide, network requirements: "When you create a cluster, you specify a VPC and at least two
    // subnets that are in different Availability Zones." https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
    describe("EKS zones", () => {
        it("rejects an eks site with one zone at its zones path", () => {
            const { raw } = stackRaw("dev");
            list(raw, "sites")[1].zones = ["eu-central-1a"];
            const r = check(raw);
            const e = at(r.errors, "sites[1].zones");
            assert.equal(e.length, 1);
            assert.match(e[0].message, /\["eu-central-1a"\] lists 1 zone; an EKS cluster needs subnets in at least 2 Availability Zones/);
        });

        it("does not apply to gke and vm sites", () => {
            const { raw } = stackRaw("prod");
            const r = check(raw);
            assert.deepEqual(at(r.errors, "sites[2].zones"), [], "the prod VM site has one zone");
        });
    });

    // https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html: gp3 1 GiB-64 TiB, io1 4 GiB-16 TiB,
    // io2 4 GiB-64 TiB, st1/sc1 125 GiB-16 TiB.
    describe("volume sizes per volume type", () => {
        it("maps the tiers to the volume types the components create", () => {
            for (const tier of STORAGE_TIERS) {
                assert.equal(VOLUME_TYPE_BY_TIER.eks[tier], ebsStorageClassParameters(tier, "e", "s").type, `eks ${tier}`);
                assert.equal(VOLUME_TYPE_BY_TIER.gke[tier], GKE_DISK_TYPES[tier], `gke ${tier}`);
                assert.equal(VOLUME_TYPE_BY_TIER.awsVm[tier], EBS_BY_TIER[tier].type, `aws vm ${tier}`);
                assert.equal(VOLUME_TYPE_BY_TIER.gcpVm[tier], PD_BY_TIER[tier], `gcp vm ${tier}`);
            }
        });

        it("has the published EBS limits", () => {
            assert.deepEqual(EBS_SIZE_GIB.sc1.value, { min: 125, max: 16384 });
            assert.deepEqual(EBS_SIZE_GIB.st1.value, { min: 125, max: 16384 });
            assert.deepEqual(EBS_SIZE_GIB.io1.value, { min: 4, max: 16384 });
            assert.deepEqual(EBS_SIZE_GIB.io2.value, { min: 4, max: 65536 });
            assert.deepEqual(EBS_SIZE_GIB.gp3.value, { min: 1, max: 65536 });
        });

        it("rejects a cold (sc1) EKS events volume below 125 GiB at the node's path", () => {
            const { raw } = stackRaw("dev");
            list(raw, "nodes")[3].storage = "cold"; // axon-dr-1, default events volume 50Gi
            const r = check(raw);
            const e = at(r.errors, "nodes[3].volumes.events");
            assert.equal(e.length, 1);
            assert.match(e[0].message, /"50Gi" does not fit a sc1 volume \(storage tier "cold" on eks\): sc1 volumes are 125 GiB to 16384 GiB/);
            assert.match(e[0].message, /ebs-volume-types/);
        });

        it("accepts a cold EKS events volume of exactly 125 GiB", () => {
            const { raw } = stackRaw("dev");
            Object.assign(list(raw, "nodes")[3], { storage: "cold", volumes: { events: "125Gi" } });
            assert.deepEqual(at(check(raw).errors, "nodes[3].volumes.events"), []);
        });

        it("rejects a gp3 volume above 64 TiB and a pd-standard volume above 64 TiB", () => {
            const dev = stackRaw("dev").raw;
            list(dev, "nodes")[0].volumes = { events: "65Ti" };
            assert.match(at(check(dev).errors, "nodes[0].volumes.events")[0]?.message ?? "", /gp3 volumes are 1 GiB to 65536 GiB/);
            const prod = stackRaw("prod").raw;
            list(prod, "nodes")[3].volumes = { events: "65Ti" }; // axon-sec-1, cold on GKE
            assert.match(at(check(prod).errors, "nodes[3].volumes.events")[0]?.message ?? "", /pd-standard volumes are 1 GiB to 65536 GiB/);
        });

        it("checks the VM data disk (sum of the volumes) against its volume type", () => {
            const { raw } = stackRaw("prod");
            list(raw, "nodes")[7].volumes = { events: "64Ti" }; // axon-dr-1 on the AWS VM: 64 TiB + data/log/plugins
            assert.match(at(check(raw).errors, "nodes[7].volumes")[0]?.message ?? "", /VM data disk .* does not fit a gp3 volume/);
        });
    });

    describe("names built from user input", () => {
        it("uses the components' own name formulas", () => {
            const { raw } = stackRaw("prod");
            const t = load(raw);
            const names = generatedNames(t).map((n) => n.name);
            const eks = t.sites.find((s) => s.platform === "eks")!;
            const gke = t.sites.find((s) => s.platform === "gke")!;
            assert.ok(names.includes(eksClusterName(t, eks)));
            assert.ok(names.includes(gcpSiteNetworkTag(t, gke.name)));
        });

        // GKE cluster names: "must start with a lowercase letter followed by up to 39 lowercase letters, numbers, or
        // hyphens" (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#Cluster);
        // GCE names are RFC 1035 labels (https://cloud.google.com/compute/docs/naming-resources).
        it("rejects an environment starting with a digit when a GKE site derives names from it", () => {
            const { raw } = stackRaw("prod");
            raw.environment = "1prod";
            const e = at(check(raw).errors, "environment");
            assert.ok(e.some((i) => /GKE cluster name "1prod-gcp-euw4".*must match/.test(i.message)), JSON.stringify(e));
            assert.ok(e.some((i) => /GCE network tag/.test(i.message)));
        });

        // Kubernetes Service names are RFC 1035 labels:
        // https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names
        it("rejects a node name starting with a digit on a Kubernetes site (its Services)", () => {
            const { raw } = stackRaw("dev");
            list(raw, "nodes")[0].name = "1axon";
            (raw.replicationGroups as Entry[]).forEach((g) => {
                const m = g.members as Record<string, string>;
                if ("axon-1" in m) {
                    m["1axon"] = m["axon-1"];
                    delete m["axon-1"];
                }
            });
            const e = at(check(raw).errors, "nodes[0].name");
            assert.match(e[0]?.message ?? "", /Kubernetes Service name "1axon-internal".*must match/);
        });

        // GKE cluster name at most 40, IAM role names at most 64 (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html),
        // Pulumi autonaming adds 8 characters and fails above the maximum. The schema keeps names short enough,
        // so this topology is built directly to break the limits themselves.
        it("rejects names above the platform's length limits", () => {
            const t = buildTopology({
                environment: "e".repeat(16),
                sites: [
                    { name: "g".repeat(30), cloud: "gcp", platform: "gke", region: "europe-west4", zones: ["europe-west4-a", "europe-west4-b"] },
                    { name: "a".repeat(45), cloud: "aws", platform: "eks", region: "eu-west-1", zones: ["eu-west-1a", "eu-west-1b"] },
                ],
                nodes: [
                    { name: "axon-1", site: "g".repeat(30), zone: "europe-west4-a" },
                    { name: "n".repeat(60), site: "a".repeat(45), zone: "eu-west-1a" },
                ],
            });
            const r = platformIssues(t, { backupAgent: false });
            assert.match(at(r.errors, "sites[0].name").map((i) => i.message).join("\n"), /GKE cluster name .* it has 47 characters, at most 40/);
            assert.match(at(r.errors, "sites[1].name").map((i) => i.message).join("\n"), /IAM role name \(autonamed\) .*-<7 random>" .* at most 64/);
            assert.match(at(r.errors, "nodes[1].name").map((i) => i.message).join("\n"), /Kubernetes Service name .* it has 69 characters, at most 63/);
        });

        // RFC 1035 §2.3.4: names at most 255 octets on the wire, 253 characters written out.
        it("rejects a DNS domain that makes a node's name longer than 253 characters", () => {
            const { raw } = stackRaw("dev");
            raw.dns = { domain: Array.from({ length: 4 }, () => "d".repeat(60)).join(".") };
            assert.match(at(check(raw).errors, "dns.domain")[0]?.message ?? "", /node DNS name .* at most 253/);
        });
    });

    describe("integer and time fields", () => {
        // Probe.failureThreshold is an int32 (k8s.io/api core/v1 types.go); the startup probe's threshold is
        // startupBudgetSeconds / 10 (components/kubernetes/podSpec.ts axonProbes).
        it("rejects a startup budget whose probe threshold overflows int32, and one above a day", () => {
            const { raw } = stackRaw("dev");
            (raw.axonServer as Entry).startupBudgetSeconds = 30_000_000_000;
            const e = at(check(raw).errors, "axonServer.startupBudgetSeconds").map((i) => i.message);
            assert.ok(e.some((m) => /failureThreshold of 3000000000, above the int32 maximum 2147483647/.test(m)), e.join("\n"));
            assert.ok(e.some((m) => /allowed are 600 to 86400 seconds/.test(m)));
        });

        it("rejects a termination grace period above an hour", () => {
            const { raw } = stackRaw("dev");
            (raw.axonServer as Entry).terminationGracePeriodSeconds = 7200;
            assert.match(at(check(raw).errors, "axonServer.terminationGracePeriodSeconds")[0]?.message ?? "", /7200 is too big; allowed are 120 to 3600/);
        });

        // EKS NodegroupScalingConfig.desiredSize and GKE NodePool node counts are 32-bit integers
        // (https://docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupScalingConfig.html).
        it("rejects a nodesPerZone above int32", () => {
            // The schema already stops nodesPerZone at 100 (topology-load tests); the platform rule still
            // holds for a topology built some other way.
            const topology = structuredClone(load(stackRaw("dev").raw)) as unknown as { sites: { cluster: { nodesPerZone: number } }[] };
            topology.sites[0].cluster.nodesPerZone = 2 ** 31;
            const errors = platformIssues(topology as unknown as Topology, { backupAgent: true }).errors;
            assert.match(at(errors, "sites[0].nodesPerZone")[0]?.message ?? "", /2147483648 is above the int32 maximum 2147483647/);
        });

        // EKS managed node group updates fail with PodEvictionFailure when pods do not leave a node within 15 minutes
        // (https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html).
        it("warns when the grace period exceeds what an EKS node group update waits", () => {
            const { raw } = stackRaw("dev");
            (raw.axonServer as Entry).terminationGracePeriodSeconds = 1200;
            const r = check(raw);
            assert.deepEqual(r.errors, []);
            assert.match(at(r.warnings, "axonServer.terminationGracePeriodSeconds")[0]?.message ?? "", /PodEvictionFailure/);
        });
    });

    // https://cloud.google.com/kubernetes-engine/docs/maintenance-window: "You must allow at least 48 hours of
    // maintenance availability in a 32-day rolling window. Only contiguous availability windows of at least
    // four hours are considered." GKE rejects the cluster otherwise ("maintenance policy would go longer than
    // 32d without 48h maintenance availability").
    describe("GKE maintenance window", () => {
        const withWindow = (startTime: string, endTime: string, recurrence: string) => {
            const { raw } = stackRaw("prod");
            list(raw, "sites")[0].maintenanceWindow = { startTime, endTime, recurrence };
            return check(raw);
        };
        const path = "sites[0].maintenanceWindow";

        it("accepts the default window and rejects one with less than 48 hours of 4-hour stretches in 32 days", () => {
            assert.deepEqual(at(withWindow("2026-01-03T02:00:00Z", "2026-01-03T08:00:00Z", "FREQ=WEEKLY;BYDAY=SA,SU").errors, path), [], "Saturday and Sunday 02:00-08:00: exactly the minimum");
            assert.equal(gkeMaintenanceAvailabilityHours({ startTime: "2026-01-03T02:00:00Z", endTime: "2026-01-03T08:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" }), 48);
            // Every day, but 3 hours: no stretch counts.
            const short = at(withWindow("2026-01-03T01:00:00Z", "2026-01-03T04:00:00Z", "FREQ=DAILY").errors, path);
            assert.equal(short.length, 1);
            assert.match(short[0].message, /leaves 0 hours of maintenance availability in the worst 32 days \(only stretches of at least 4 hours count\); GKE needs at least 48/);
            // Saturdays only, 6 hours: 4 or 5 Saturdays in 32 days.
            assert.match(at(withWindow("2026-01-03T02:00:00Z", "2026-01-03T08:00:00Z", "FREQ=WEEKLY;BYDAY=SA").errors, path)[0]?.message ?? "", /leaves 24 hours/);
        });

        // The default is not cut to the minimum: 48 hours exactly would leave no room for any difference in how
        // GKE counts the rolling window's edges, and a cluster GKE refuses is a failed first `pulumi up`.
        it("gives the default window (Saturday and Sunday 02:00-10:00 UTC) headroom above GKE's minimum", () => {
            assert.deepEqual(DEFAULT_GKE_MAINTENANCE_WINDOW, { startTime: "2026-01-03T02:00:00Z", endTime: "2026-01-03T10:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" });
            assert.equal(gkeMaintenanceAvailabilityHours(DEFAULT_GKE_MAINTENANCE_WINDOW), 64, "four weekends of 16 hours; the worst 4 days (Monday-Thursday) add none");
            assert.ok(gkeMaintenanceAvailabilityHours(DEFAULT_GKE_MAINTENANCE_WINDOW)! >= GKE_MAINTENANCE_AVAILABILITY.value.hours + 16);
            assert.deepEqual(at(withWindow(DEFAULT_GKE_MAINTENANCE_WINDOW.startTime, DEFAULT_GKE_MAINTENANCE_WINDOW.endTime, DEFAULT_GKE_MAINTENANCE_WINDOW.recurrence).errors, path), []);
        });

        it("has GKE's current rule: 48 hours in a 32-day rolling window, stretches of at least 4 hours", () => {
            // The English page (both the how-to URL and its old alias); one translation reads "92 days", the
            // English, German and Japanese pages read 32.
            assert.deepEqual(GKE_MAINTENANCE_AVAILABILITY.value, { hours: 48, days: 32, minContiguousHours: 4 });
            assert.equal(GKE_MAINTENANCE_AVAILABILITY.source, "https://cloud.google.com/kubernetes-engine/docs/how-to/maintenance-windows-and-exclusions");
        });

        // terraform-provider-google google/services/container/resource_container_cluster.go: `maintenance_exclusion`
        // MaxItems 20 ("A cluster can have up to 20 maintenance exclusions at a time", its container_cluster docs).
        it("rejects more than 20 maintenance exclusions at the site's path, and checks each exclusion's times at its own path", () => {
            const withExclusions = (n: number, bad?: number) => {
                const { raw } = stackRaw("prod");
                list(raw, "sites")[0].maintenanceExclusions = Array.from({ length: n }, (_, i) => ({
                    name: `freeze-${i}`,
                    startTime: "2026-12-20T00:00:00Z",
                    endTime: i === bad ? "2026-12-19T00:00:00Z" : "2026-12-27T00:00:00Z",
                }));
                return loadTopology(raw);
            };
            assert.deepEqual(withExclusions(20).errors, []);
            const over = withExclusions(21).errors.filter((e) => e.path.startsWith("sites[0].maintenanceExclusions"));
            assert.equal(over.length, 1);
            assert.equal(over[0].path, "sites[0].maintenanceExclusions");
            assert.match(over[0].message, /20/);
            assert.deepEqual(withExclusions(3, 1).errors.map((e) => e.path), ["sites[0].maintenanceExclusions[1].endTime"]);
        });

        it("counts stretches across midnight and weekdays' 4-hour windows", () => {
            assert.equal(gkeMaintenanceAvailabilityHours({ startTime: "2026-01-05T22:00:00Z", endTime: "2026-01-06T02:00:00Z", recurrence: "FREQ=DAILY" }), 128);
            assert.equal(gkeMaintenanceAvailabilityHours({ startTime: "2026-01-05T20:00:00Z", endTime: "2026-01-06T00:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR" }), 88);
        });

        it("warns that a recurrence it cannot evaluate is not checked", () => {
            const r = withWindow("2026-01-03T02:00:00Z", "2026-01-05T02:00:00Z", "FREQ=MONTHLY;BYMONTHDAY=1");
            assert.deepEqual(at(r.errors, path), []);
            assert.match(at(r.warnings, path)[0]?.message ?? "", /cannot be checked at load time/);
        });
    });

    describe("VM sizes", () => {
        // https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html: m7i.large has 8 GiB.
        it("rejects a VM node whose memory is not below the instance's", () => {
            const { raw } = stackRaw("prod");
            list(raw, "sites")[2].machineType = "m7i.large"; // prod nodes have memory 8Gi
            assert.match(at(check(raw).errors, "nodes[7].memory")[0]?.message ?? "", /"8Gi" is not below the memory of a m7i\.large VM \(8 GiB\)/);
        });
    });
});
