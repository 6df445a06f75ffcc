/**
 * Retries a Kafka call made while services start together: a topic created a moment ago by
 * another service can answer "does not host this topic-partition" until its metadata spreads.
 * Only start-up calls use this; steady-state errors go through the consumers' own handling.
 */
export async function retryAtStartup<T>(what: string, fn: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const transient = /does not host this topic-partition|leader|coordinator|not available|rebalanc/i.test((err as Error).message ?? '');
      if (!transient || attempt >= attempts) {
        throw new Error(`${what} failed after ${attempt} attempt(s): ${(err as Error).message}`, { cause: err });
      }
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
    }
  }
}
