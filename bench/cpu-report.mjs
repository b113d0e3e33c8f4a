// Preloaded (`node --import`) into a process the CLI benchmark starts: at
// exit, writes the process's own CPU time (user + system, from its start,
// Node's bootstrap included) to the file named by PPMID_BENCH_CPU_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.PPMID_BENCH_CPU_FILE;
if (file)
  process.on('exit', () => {
    const u = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));
  });
