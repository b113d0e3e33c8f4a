// Preloaded into every test process by scripts/test.mjs: property tests are
// deterministic. fast-check runs from one fixed seed unless a test sets its
// own; FC_SEED=<n> explores another part of the input space (and a failure
// prints the seed and path to replay it).
import fc from 'fast-check';

const seed = Number(process.env.FC_SEED ?? 20261124);
if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${process.env.FC_SEED}`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
