#!/usr/bin/env bash
# Builds every real binary the test bed uses, from the Go module proxy, in the
# wrapper modules under tools/e2e/go/ (pinned in their go.mod/go.sum), and
# caches them outside the repository:
#
#   ${E2E_CACHE:-$HOME/.cache/axonserver-e2e}/bin/<component>-<version>-<hash>/
#
# <hash> covers the wrapper module's files, so a changed pin rebuilds. Go's own
# caches live in ${E2E_CACHE}/go/{mod,build} unless E2E_GOMODCACHE/E2E_GOCACHE
# say otherwise (point both at empty directories to measure a cold build).
#
# Prints one line per component, then "E2E_PATH=<dir>": a directory of symlinks
# to every binary, for PATH.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${E2E_CACHE:-$HOME/.cache/axonserver-e2e}
export GOMODCACHE=${E2E_GOMODCACHE:-$CACHE/go/mod}
export GOCACHE=${E2E_GOCACHE:-$CACHE/go/build}
# The machine's own Go (1.26) builds every pin; never fetch another toolchain.
export GOTOOLCHAIN=local
export GOFLAGS="-buildvcs=false -trimpath -mod=readonly -p=${E2E_GO_PARALLEL:-2}"
NICE=(nice -n "${E2E_NICE:-10}")
mkdir -p "$CACHE/bin" "$CACHE/path"

log() { printf '[e2e-build] %s\n' "$*" >&2; }

# Version of module $2 as pinned in wrapper $1's go.mod.
pinned() { (cd "$HERE/go/$1" && go list -m -f '{{.Version}}' "$2"); }

# Hash of the wrapper module's committed inputs.
wrapper_hash() {
    (cd "$HERE/go/$1" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) -print0 | sort -z |
        xargs -0 sha256sum | sha256sum | cut -c1-12)
}

# `build.sh --only <wrapper>[,<wrapper>]` builds only those (e.g. to build several in parallel).
ONLY=""
if [[ "${1:-}" == "--only" ]]; then ONLY=",${2:?--only needs a list},"; fi
wanted() { [[ -z "$ONLY" || "$ONLY" == *",$1,"* ]]; }

# build <wrapper> <version> <ldflags> <package>...: builds into the cache unless already there.
build() {
    local wrapper=$1 version=$2 ldflags=$3
    shift 3
    local out
    out="$CACHE/bin/$wrapper-$version-$(wrapper_hash "$wrapper")"
    # One builder per output directory; a second one waits and then finds it complete.
    exec {lock}>"$out.lock"
    flock "$lock"
    if [[ -f "$out/.complete" ]]; then
        log "$wrapper $version: cached in $out"
    else
        local start=$SECONDS
        log "$wrapper $version: building $* (this takes minutes on a cold cache)"
        rm -rf "$out" "$out.src" && mkdir -p "$out" "$out.src"
        # Build from a copy: a checkout or rebase in the work tree must not pull the module from
        # under a build that runs for many minutes.
        cp -R "$HERE/go/$wrapper/." "$out.src/"
        if [[ $1 == *=* ]]; then
            # name=package: one binary under a name of our choosing.
            (cd "$out.src" && "${NICE[@]}" go build -ldflags "$ldflags" -o "$out/${1%%=*}" "${1#*=}")
        else
            (cd "$out.src" && "${NICE[@]}" go build -ldflags "$ldflags" -o "$out/" "$@")
        fi
        rm -rf "$out.src"
        touch "$out/.complete"
        log "$wrapper $version: built in $((SECONDS - start))s"
    fi
    flock -u "$lock"
    for f in "$out"/*; do ln -sfn "$f" "$CACHE/path/$(basename "$f")"; done
}

# The Pulumi CLI must match the @pulumi/pulumi the program runs on.
if wanted pulumi; then
    PULUMI_VERSION=$(pinned pulumi github.com/pulumi/pulumi/pkg/v3)
    NPM_PULUMI=$(node -p "require('$REPO/node_modules/@pulumi/pulumi/package.json').version")
    if [[ "$PULUMI_VERSION" != "v$NPM_PULUMI" ]]; then
        echo "tools/e2e/go/pulumi pins pulumi $PULUMI_VERSION but node_modules has @pulumi/pulumi $NPM_PULUMI: update the wrapper go.mod" >&2
        exit 1
    fi
    build pulumi "$PULUMI_VERSION" \
        "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION -X main.version=${PULUMI_VERSION#v}" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./cmd/pulumi-language-nodejs
fi

# Kubernetes provider: its main embeds the schema files that sit next to the
# upstream main in the module; copy them in (gitignored) before building.
K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
if wanted kubernetes-provider; then
K8S_PROVIDER_VERSION=$(pinned kubernetes-provider "$K8S_PROVIDER_MODULE")
(cd "$HERE/go/kubernetes-provider" && go mod download "$K8S_PROVIDER_MODULE")
K8S_PROVIDER_DIR=$(cd "$HERE/go/kubernetes-provider" && go list -m -f '{{.Dir}}' "$K8S_PROVIDER_MODULE")
for f in schema.json terraform-mapping.json; do
    cmp -s "$K8S_PROVIDER_DIR/cmd/pulumi-resource-kubernetes/$f" "$HERE/go/kubernetes-provider/$f" ||
        install -m 0644 "$K8S_PROVIDER_DIR/cmd/pulumi-resource-kubernetes/$f" "$HERE/go/kubernetes-provider/$f"
done
build kubernetes-provider "$K8S_PROVIDER_VERSION" \
    "-s -w -X $K8S_PROVIDER_MODULE/pkg/version.Version=${K8S_PROVIDER_VERSION#v}" \
    pulumi-resource-kubernetes=.
fi

# Control plane: the Kubernetes release whose go.mod fits this Go (1.26).
KUBE_VERSION=$(pinned kube k8s.io/kubernetes)
KUBE_MINOR=$(echo "$KUBE_VERSION" | cut -d. -f2)
wanted kube && build kube "$KUBE_VERSION" \
    "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$KUBE_MINOR -X k8s.io/component-base/version.gitTreeState=clean" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl

ETCD_VERSION=$(pinned etcd go.etcd.io/etcd/server/v3)
wanted etcd && build etcd "$ETCD_VERSION" "-s -w" etcd=go.etcd.io/etcd/server/v3

KWOK_VERSION=$(pinned kwok sigs.k8s.io/kwok)
wanted kwok && build kwok "$KWOK_VERSION" "-s -w" sigs.k8s.io/kwok/cmd/kwok

# The Kubernetes release's source (module cache): its cluster/addons hold the CRDs a managed cluster
# provides, e.g. the VolumeSnapshot CRDs on GKE.
echo "E2E_KUBE_SRC=$(cd "$HERE/go/kube" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)"
echo "E2E_PATH=$CACHE/path"
