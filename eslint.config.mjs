// Flat config: typescript-eslint recommended rules over every TypeScript source, plus the layer rules.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Layers, lowest first (test/layers.test.ts proves the folder graph has no cycle and checks the same order):
 *   components/topology            the model: pure, no Pulumi, imports no other folder
 *   components/axonserver/render   Axon Server files (properties, template, paths): pure, topology only
 *   components/platform            what every Kubernetes site provides (host, labels, StorageClass)
 *   components/aws, components/gcp cloud sites and networks
 *   components/backup, components/connectivity
 *   components/axonserver          the platform-neutral cluster and its NodePlacer contract
 *   components/kubernetes, components/vm   the Axon workload on each platform
 *   stacks/, tools/                wiring and command lines; nothing in components/ imports them
 * Each entry: folder (files under it) -> folders its relative imports must not reach.
 */
const FORBIDDEN = {
    "components/platform": ["aws", "gcp", "kubernetes", "vm", "backup", "connectivity", "axonserver"],
    "components/aws": ["gcp", "kubernetes", "vm", "backup", "connectivity", "axonserver"],
    "components/gcp": ["aws", "kubernetes", "vm", "backup", "connectivity", "axonserver"],
    "components/backup": ["kubernetes", "vm", "connectivity", "axonserver(?!/render(/|$))"],
    "components/connectivity": ["kubernetes", "vm", "backup", "axonserver"],
    // The cluster knows its platforms only through NodePlacer (render/ has its own, stricter rule below).
    "components/axonserver": ["kubernetes", "vm", "aws", "gcp", "connectivity"],
    "components/kubernetes": ["vm"],
    "components/vm": ["kubernetes"],
};

const relativeInto = (folders) => `^(\\.\\./)+(${folders.join("|")})(/|$)`;
const NO_STACKS_OR_TOOLS = { regex: relativeInto(["stacks", "tools"]), message: "components/ must not import stacks/ or tools/ (they sit above every component)." };
const NO_PULUMI = { group: ["@pulumi/*"], message: "This folder is pure: no Pulumi import (it is tested and used without the Pulumi runtime)." };

const readable = (target) => target.replace("(?!/render(/|$))", " except axonserver/render");

function restrict(files, patterns) {
    return { files, rules: { "no-restricted-imports": ["error", { patterns }] } };
}

export default tseslint.config(
    { ignores: ["node_modules/**", "out/**", "render-out/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            "@typescript-eslint/no-explicit-any": "error",
            "eqeqeq": ["error", "always"],
            "prefer-const": "error",
        },
    },
    restrict(["components/**/*.ts"], [NO_STACKS_OR_TOOLS]),
    ...Object.entries(FORBIDDEN).map(([folder, targets]) =>
        restrict([`${folder}/**/*.ts`], [NO_STACKS_OR_TOOLS, { regex: relativeInto(targets), message: `${folder} must not import components/{${targets.map(readable).join(", ")}}: see the layers in eslint.config.mjs.` }]),
    ),
    // The pure core: nothing outside its own folder, no Pulumi.
    restrict(["components/topology/*.ts"], [NO_PULUMI, { regex: "^\\.\\./", message: "components/topology imports nothing outside components/topology." }]),
    restrict(["components/topology/*/**/*.ts"], [NO_PULUMI, { regex: "^\\.\\./\\.\\./", message: "components/topology imports nothing outside components/topology." }]),
    restrict(["components/axonserver/render/**/*.ts"], [NO_PULUMI, { regex: "^\\.\\./\\.\\./(?!topology/)", message: "components/axonserver/render imports only components/topology." }]),
);
