/**
 * `work`'s result, or a rejection with `timeout()` when it has not settled within `ms`
 * milliseconds (finite); a rejection's reason and the time-out pass through `named` first (a
 * plugin hook's tap names its plugin so, with no promise of its own). Every plugin hook call
 * and gate check of every task goes through it (a 1,000-task cache hit makes tens of thousands,
 * nearly all settling at once), so calls with the same limit share one timer (`LimitQueue`)
 * instead of starting and clearing one each. The timer is not unref'd: a plugin promise that
 * never settles holds nothing else open, and the limit is what must end the wait.
 */
export function withinLimit<T>(work: Promise<T>, ms: number, timeout: () => Error, named: (error: unknown) => unknown = (error) => error): Promise<T> {
  let queue = queues.get(ms);
  if (!queue) {
    queue = new LimitQueue(ms);
    queues.set(ms, queue);
  }
  const limits = queue;
  return new Promise<T>((resolve, reject) => {
    const call: LimitedCall = { deadline: performance.now() + ms, settled: false, expire: () => reject(named(timeout())) };
    limits.add(call);
    work.then(
      (value) => {
        if (call.settled) return;
        limits.settle(call);
        resolve(value);
      },
      (error: unknown) => {
        if (call.settled) return;
        limits.settle(call);
        reject(named(error));
      },
    );
  });
}

/** A call under a limit: when it must have settled by (`performance.now()` ms), and how it is failed. */
interface LimitedCall {
  deadline: number;
  settled: boolean;
  expire(): void;
}

const queues = new Map<number, LimitQueue>();

/**
 * The calls under a limit of one length, in the order they started, which is their deadlines'
 * order: one timer, for the first that has not settled. Settled calls leave from the front.
 * While none is waiting the timer stays set but unref'd (calls made one after another, a hook's
 * taps in series, reuse it), so it holds nothing open after the last call.
 */
class LimitQueue {
  private calls: LimitedCall[] = [];
  private first = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  add(call: LimitedCall): void {
    const idle = this.first === this.calls.length;
    this.calls.push(call);
    if (!this.timer) this.timer = setTimeout(() => this.expire(), this.ms);
    else if (idle) this.timer.ref();
  }

  settle(call: LimitedCall): void {
    call.settled = true;
    this.dropSettled();
  }

  /** Fails the calls past their deadline; the timer is set again for the first one left. */
  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.first < this.calls.length) {
      const call = this.calls[this.first]!;
      if (!call.settled) {
        if (call.deadline > now) break;
        call.settled = true;
        call.expire();
      }
      this.first++;
    }
    this.dropSettled();
    const next = this.calls[this.first];
    if (next) this.timer = setTimeout(() => this.expire(), Math.max(1, Math.ceil(next.deadline - performance.now())));
  }

  private dropSettled(): void {
    while (this.first < this.calls.length && this.calls[this.first]!.settled) this.first++;
    if (this.first === this.calls.length) {
      this.calls = [];
      this.first = 0;
      this.timer?.unref();
    } else if (this.first > 1024 && this.first * 2 > this.calls.length) {
      this.calls = this.calls.slice(this.first);
      this.first = 0;
    }
  }
}
