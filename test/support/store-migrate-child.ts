/**
 * Child process for test/integration/store-migrate-processes.test.ts: opens
 * the store named by argv[2] (JSON OpenStoreOptions), prints `ready`, waits
 * for `go` on stdin (so that every child starts migrating at once), runs
 * migrate() and prints the report as JSON.
 */
import { migrate, openStore } from '../../src/adapters/store/index.ts';

const opts = JSON.parse(process.argv[2] ?? '{}');
const store = await openStore(opts);
process.stdout.write('ready\n');
await new Promise<void>((resolve) => {
  let buf = '';
  process.stdin.on('data', (d) => {
    buf += d.toString();
    if (buf.includes('go')) resolve();
  });
});
process.stdin.pause();
try {
  const report = await migrate(store);
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await store.close();
}
