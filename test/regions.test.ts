/**
 * The providers' region and zone lists (components/topology/regions.ts) against the sources they
 * cite: a real region/zone passes the loader's check, a name the cloud does not have is rejected
 * with the nearest real name.
 */
import assert from "node:assert/strict";
import { knownRegions, knownZones } from "../components/topology/regions";
import { regionProblem, zoneProblem } from "../components/topology/validate";

describe("regions: AWS (regions: botocore 1.44.8 botocore/data/endpoints.json, partitions aws, aws-cn, aws-us-gov)", () => {
    it("accepts regions botocore lists, including the newest (ap-east-2, ap-southeast-6, mx-central-1) and GovCloud", () => {
        for (const r of ["eu-west-1", "us-east-1", "ap-east-2", "ap-southeast-6", "mx-central-1", "us-gov-west-1", "cn-north-1"]) {
            assert.equal(regionProblem("aws", r), undefined, r);
        }
    });

    it("rejects a region botocore does not list, suggesting the nearest", () => {
        const msg = regionProblem("aws", "eu-west-4");
        assert.ok(msg?.includes('"eu-west-4" is not an AWS region'), msg);
        assert.match(msg ?? "", /did you mean "eu-west-[123]"/);
        assert.ok(msg?.includes("botocore"), msg);
    });

    it("leaves out the ISO partitions on purpose (only aws, aws-cn and aws-us-gov are listed)", () => {
        assert.ok(regionProblem("aws", "us-iso-east-1") !== undefined);
    });

    // Zone names are the region code followed by a letter identifier:
    // https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
    it("accepts zones that exist (eu-west-1a, us-east-1f, ca-central-1d) and every zone is region + one letter", () => {
        for (const [r, z] of [["eu-west-1", "eu-west-1a"], ["us-east-1", "us-east-1f"], ["ca-central-1", "ca-central-1d"]]) {
            assert.equal(zoneProblem("aws", r, z), undefined, z);
        }
        for (const r of knownRegions("aws")) {
            for (const z of knownZones("aws", r) ?? []) assert.match(z, new RegExp(`^${r}[a-z]$`));
        }
    });

    it("rejects a letter the region does not have (ca-central-1 has a, b, d: AZ IDs cac1-az1/az2/az4)", () => {
        const msg = zoneProblem("aws", "ca-central-1", "ca-central-1c");
        assert.ok(msg?.includes('"ca-central-1c" is not a zone of region "ca-central-1"'), msg);
        assert.ok(msg?.includes('"ca-central-1d"'), msg);
    });
});

describe("regions: GCP (https://cloud.google.com/compute/docs/regions-zones, read 2026-11-30)", () => {
    it("accepts regions and zones of the page's table, including asia-southeast3 (Bangkok) and us-central1-f", () => {
        assert.equal(regionProblem("gcp", "asia-southeast3"), undefined);
        assert.equal(zoneProblem("gcp", "asia-southeast3", "asia-southeast3-c"), undefined);
        assert.equal(zoneProblem("gcp", "us-central1", "us-central1-f"), undefined);
    });

    it("rejects a region the table does not have, suggesting the nearest", () => {
        const msg = regionProblem("gcp", "asia-southeast4");
        assert.ok(msg?.includes('"asia-southeast4" is not a GCP region'), msg);
        assert.match(msg ?? "", /did you mean "asia-southeast[123]"/);
    });

    it("rejects a zone letter the region does not have (europe-west1 has b, c, d; us-east1 has b, c, d)", () => {
        assert.ok(zoneProblem("gcp", "europe-west1", "europe-west1-a")?.includes('"europe-west1-b"'));
        assert.ok(zoneProblem("gcp", "us-east1", "us-east1-a")?.includes('"us-east1-d"'));
    });
});
