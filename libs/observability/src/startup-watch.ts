/**
 * Says what a starting service is still waiting for, instead of going silent until it is ready or
 * fails (issue 13: a deadlocked start showed nothing for 60 s): `noticeAfterMs` after start-up began,
 * then every `everyMs`, naming the current step. At info while the wait is an ordinary one (a fresh
 * broker's group coordinator alone takes seconds), at warn from `warnAfterMs` on, when a person should
 * look (issue 19: a healthy start reads as healthy).
 */
export interface StartupWatch {
  step(what: string): void;
  stop(): void;
}

export interface StartupWatchLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export function watchStartup(log: StartupWatchLog, options: { noticeAfterMs?: number; warnAfterMs?: number; everyMs?: number; now?: () => number } = {}): StartupWatch {
  const now = options.now ?? Date.now;
  const started = now();
  let current = 'start-up';
  let timer: NodeJS.Timeout | null = null;
  const warnAfterMs = options.warnAfterMs ?? 30_000;
  const notice = () => {
    const elapsed = now() - started;
    const seconds = Math.round(elapsed / 1000);
    log[elapsed >= warnAfterMs ? 'warn' : 'info']({ startingForSeconds: seconds, waitingFor: current }, `still starting after ${seconds} s: waiting for ${current}`);
    timer = setTimeout(notice, options.everyMs ?? 10_000);
    timer.unref();
  };
  timer = setTimeout(notice, options.noticeAfterMs ?? 3_000);
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
