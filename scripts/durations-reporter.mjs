// A node:test reporter that sums the top-level test durations of every test
// file and, at the end, writes one JSON object { file: ms } (scripts/test.mjs
// prints the slowest files from it). Top-level tests include their describe
// hooks; a file's import time is not counted.
export default async function* durations(source) {
  const perFile = {};
  for await (const ev of source) {
    if ((ev.type === 'test:pass' || ev.type === 'test:fail') && ev.data.nesting === 0 && ev.data.file) {
      perFile[ev.data.file] = (perFile[ev.data.file] ?? 0) + (ev.data.details?.duration_ms ?? 0);
    }
  }
  yield `${JSON.stringify(perFile)}\n`;
}
