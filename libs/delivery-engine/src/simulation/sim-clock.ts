// The simulation's randomness and time: one seeded generator, and a clock whose timers fire only when
// the world moves it, in time order (ties in creation order), so a seed replays exactly.

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class SimClock {
  now = 1_000_000;
  private seq = 0;
  private timers: Timer[] = [];

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.now + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => (timer.cancelled = true);
  }

  nextAt(): number | null {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let next: number | null = null;
    for (const t of this.timers) if (next === null || t.at < next) next = t.at;
    return next;
  }

  /** Moves the clock to `until`, firing due timers in time order (ties in creation order). */
  async runUntil(until: number, flush: () => Promise<void>): Promise<void> {
    for (;;) {
      const next = this.nextAt();
      if (next === null || next > until) break;
      this.now = Math.max(this.now, next);
      const due = this.timers.filter((t) => t.at <= this.now).sort((a, b) => a.at - b.at || a.seq - b.seq);
      this.timers = this.timers.filter((t) => t.at > this.now);
      for (const t of due) if (!t.cancelled) t.fn();
      await flush();
    }
    this.now = Math.max(this.now, until);
  }
}
