import assert from "node:assert/strict";
import { lookupMachineType, MACHINE_TYPES, machineTypeNamingIssue } from "../components/topology/platform/machineTypes";

describe("platform limits", () => {
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
    });
});
