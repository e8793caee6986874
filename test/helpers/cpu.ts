/** CPU time (user + system, ms) that `fn` spends over `reps` calls. */
export function cpuMs(fn: () => unknown, reps = 1): number {
  const start = process.cpuUsage();
  for (let i = 0; i < reps; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * How much more CPU the large input costs than the small one, each run the same number of
 * times (enough for the small one to register). A ratio between two runs of the same test, not
 * a time limit: linear work at 10× the size gives about 10, quadratic about 100.
 */
export function cpuRatio(small: () => unknown, large: () => unknown, enoughMs = 20): number {
  let reps = 1;
  let base = cpuMs(small, reps);
  while (base < enoughMs) {
    reps *= 4;
    base = cpuMs(small, reps);
  }
  return cpuMs(large, reps) / base;
}
