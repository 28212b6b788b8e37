/**
 * `work`'s result, or a rejection with `timeout()` when it has not settled within `ms`
 * milliseconds (finite). One promise and one timer per call, no `Promise.race`: every plugin hook
 * call and gate check of every task goes through it (a 1,000-task cache hit makes tens of
 * thousands). The timer is not unref'd: a plugin promise that never settles holds nothing else
 * open, and the limit is what must end the wait.
 */
export function withinLimit<T>(work: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeout()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
