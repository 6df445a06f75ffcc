/**
 * Says what a starting service is still waiting for, instead of going silent until it is ready or
 * fails (issue 13: a deadlocked start showed nothing for 60 s). Warns `warnAfterMs` after start-up
 * began, then every `everyMs`, naming the current step.
 */
export interface StartupWatch {
  step(what: string): void;
  stop(): void;
}

export interface StartupWatchLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export function watchStartup(log: StartupWatchLog, options: { warnAfterMs?: number; everyMs?: number; now?: () => number } = {}): StartupWatch {
  const now = options.now ?? Date.now;
  const started = now();
  let current = 'start-up';
  let timer: NodeJS.Timeout | null = null;
  const warn = () => {
    const seconds = Math.round((now() - started) / 1000);
    log.warn({ startingForSeconds: seconds, waitingFor: current }, `still starting after ${seconds} s: waiting for ${current}`);
    timer = setTimeout(warn, options.everyMs ?? 10_000);
    timer.unref();
  };
  timer = setTimeout(warn, options.warnAfterMs ?? 3_000);
  timer.unref();
  return {
    step: (what) => void (current = what),
    stop: () => {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** host:port of a database URL, without the credentials (for a log line). */
export function databaseHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured DATABASE_URL';
  }
}
