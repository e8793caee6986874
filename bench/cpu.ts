/**
 * CPU accounting for the benches: the user+system CPU a set of processes used over a timed
 * part, read from /proc for other processes and from getrusage for this one. CPU, unlike
 * wall time, does not count waiting for a core, so it holds up better on a shared machine.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** /proc/<pid>/stat counts CPU in clock ticks (CLK_TCK, normally 100 a second). */
const TICK_US = 1e6 / (Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);

/** What /proc says about one process's CPU at one moment. */
interface Reading {
  /** utime + stime (fields 14, 15 of /proc/<pid>/stat): every thread, live or exited; a tick's resolution a field. */
  ownUs: number;
  /** cutime + cstime (fields 16, 17): children it has waited for, such as redis-server's AOF rewrite forks. */
  childrenUs: number;
  /** ns on a CPU of each live thread (first field of /proc/<pid>/task/<tid>/schedstat). */
  threadsNs: Map<string, number>;
}

function read(pid: number): Reading {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2, the command name, is in parentheses and may hold spaces: field 3 starts after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  const threadsNs = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threadsNs.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // The thread ended while we looked: it is missing from this reading, and `used` notices.
    }
  }
  return {
    ownUs: (field(14) + field(15)) * TICK_US,
    childrenUs: (field(16) + field(17)) * TICK_US,
    threadsNs,
  };
}

/**
 * µs of CPU used between two readings of one process. /proc/<pid>/schedstat counts only the
 * main thread, and a Node process spends real CPU in others (GC, compiler, libuv pool), so the
 * threads' schedstat are summed: ns resolution, but blind to a thread that ended in between.
 * utime + stime count those too but in ticks (10 ms), so they are used instead when a thread
 * has gone or the two disagree by more than the ticks' resolution.
 */
function used(a: Reading, b: Reading): number {
  const ticksUs = b.ownUs - a.ownUs;
  let threadsUs = 0;
  for (const [tid, ns] of b.threadsNs) threadsUs += (ns - (a.threadsNs.get(tid) ?? 0)) / 1000;
  const allThreadsSeen = [...a.threadsNs.keys()].every((tid) => b.threadsNs.has(tid));
  const own = allThreadsSeen && Math.abs(ticksUs - threadsUs) <= 2 * TICK_US ? threadsUs : ticksUs;
  return own + b.childrenUs - a.childrenUs;
}

/** µs of user+system CPU this process has used so far, all threads (getrusage: µs resolution). */
export function ownCpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * Starts measuring this process (as `bench`) and the processes named in `pids`; `since()`
 * gives the µs of CPU each has used from then.
 */
export function cpuMeter(pids: Record<string, number>): { since(): Record<string, number> } {
  const startOwn = ownCpuUs();
  const start = Object.entries(pids).map(([name, pid]) => [name, pid, read(pid)] as const);
  return {
    since() {
      const own = ownCpuUs() - startOwn;
      return { bench: own, ...Object.fromEntries(start.map(([name, pid, a]) => [name, used(a, read(pid))])) };
    },
  };
}
