/**
 * CPU and memory of processes over a run, read from /proc each second: the bench's way of naming
 * the bottleneck (which process used how many of the machine's cores) and of checking that the
 * speed layer's RSS stays flat.
 */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process in seconds, or undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** VmRSS in MiB, or undefined once the process is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [one ?? 0, five ?? 0, fifteen ?? 0];
}

/** CPU seconds of named processes between `start()` and `stop()`, as cores used over the wall time. */
export class CpuWindow {
  private readonly begin = new Map<string, number>();
  private startedAt = 0;
  private readonly pids: Record<string, number>;

  constructor(pids: Record<string, number>) {
    this.pids = { ...pids };
  }

  /** The named process was replaced: count from zero for the new pid (the old one's CPU is lost with it). */
  retarget(name: string, pid: number): void {
    this.pids[name] = pid;
    this.begin.set(name, 0);
  }

  start(): void {
    this.startedAt = performance.now();
    for (const [name, pid] of Object.entries(this.pids)) this.begin.set(name, cpuSeconds(pid) ?? 0);
  }

  /** Per process: CPU seconds used and the average number of cores (CPU s / wall s). */
  stop(): { wallSeconds: number; processes: { name: string; cpuSeconds: number; cores: number }[] } {
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    const processes = Object.entries(this.pids).map(([name, pid]) => {
      const used = (cpuSeconds(pid) ?? 0) - (this.begin.get(name) ?? 0);
      return { name, cpuSeconds: used, cores: used / wallSeconds };
    });
    return { wallSeconds, processes };
  }
}
