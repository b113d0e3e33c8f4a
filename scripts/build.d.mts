// Types of scripts/build.mjs, for the TypeScript that imports it (bench/cli.bench.ts).
/** A fingerprint of what the build reads: every non-test file under src/ and the build configuration. */
export function sourceFingerprint(): string;
/** True when dist/ is missing or was built from other sources than src/ holds now. */
export function isStale(): boolean;
/** Builds dist/ from src/; throws with tsc's output when the build fails. */
export function build(opts?: { quiet?: boolean }): void;
