// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider.
// The schema and mapping files are copied from the provider module's
// cmd/pulumi-resource-kubernetes directory by tools/e2e/build.sh before the
// build (they are not committed here).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var pulumiSchema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
