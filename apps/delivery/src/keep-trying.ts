export interface KeepTryingOptions {
  /** Asked after each failure: true gives up (the last error is thrown). */
  abandoned(): boolean;
  /** Told of each failure, counted from 1, before the wait. */
  onFailure?(err: unknown, failures: number): void;
  /** Wait before try n+1 after n failures; default 200 ms doubling to 2 s. */
  waitMs?(failures: number): number;
  sleep?(ms: number): Promise<void>;
}

const defaultWait = (failures: number): number => Math.min(200 * 2 ** (failures - 1), 2_000);
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds or the caller abandons it. For writes that must happen before an
 * offset may be committed: while Kafka or PostgreSQL is away the work already done is kept and
 * only the write is repeated, rather than the whole chunk being redone (receivers called again).
 */
export async function keepTrying<T>(fn: () => Promise<T>, options: KeepTryingOptions): Promise<T> {
  const wait = options.waitMs ?? defaultWait;
  const sleep = options.sleep ?? defaultSleep;
  for (let failures = 1; ; failures++) {
    try {
      return await fn();
    } catch (err) {
      if (options.abandoned()) throw err;
      options.onFailure?.(err, failures);
      await sleep(wait(failures));
      if (options.abandoned()) throw err;
    }
  }
}
