/**
 * TypeScript loader for mocha (`.mocharc*.json`): ts-node without type checking (`npm run typecheck`
 * does that), transpiling with SWC (the devDependency `@swc/core`), which loads the program about
 * twice as fast as TypeScript's own transpiler. Falls back to TypeScript's transpiler when
 * `@swc/core` is not installed yet (a checkout whose node_modules predate it).
 */
/* global require, console */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS hook loaded by mocha before TypeScript works */
let swc = true;
try {
    require.resolve("@swc/core");
} catch {
    swc = false;
    console.warn("tools/harness/register.cjs: @swc/core is not installed (run npm ci); transpiling with TypeScript (slower)");
}
require("ts-node").register({ transpileOnly: true, swc });
