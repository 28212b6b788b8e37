export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Failures within `windowMs` that open the circuit. Default 5. */
  failures?: number;
  /** Default 60 s. */
  windowMs?: number;
  /** How long the circuit stays open before one trial call. Default 30 s. */
  cooldownMs?: number;
}

/** What a breaker remembers; kept in the session so a resumed run starts where it was. */
export interface BreakerSnapshot {
  state: BreakerState;
  /** Times of recent failures (ms since the epoch). */
  failures: number[];
  /** When an open circuit lets a trial through. */
  openUntil?: number;
}

/**
 * A circuit breaker around a service (an executor, an agent CLI, the remote cache): after
 * `failures` failures within `windowMs` it opens and calls fail fast; after `cooldownMs` one
 * trial call goes through (half-open): success closes it, failure opens it again.
 */
export class CircuitBreaker {
  private snapshotState: BreakerSnapshot;
  private trialInFlight = false;

  constructor(
    readonly key: string,
    private readonly settings: BreakerSettings = {},
    private readonly onChange: (key: string, snapshot: BreakerSnapshot) => void = () => undefined,
    private readonly now: () => number = Date.now,
    initial?: BreakerSnapshot,
  ) {
    this.snapshotState = initial ? { ...initial, failures: [...initial.failures] } : { state: 'closed', failures: [] };
  }

  get snapshot(): BreakerSnapshot {
    return { ...this.snapshotState, failures: [...this.snapshotState.failures] };
  }

  /** Whether a call may go through now; an open circuit past its cooldown lets one trial through. */
  allow(): boolean {
    const s = this.snapshotState;
    if (s.state === 'closed') return true;
    if (s.state === 'open' && this.now() >= (s.openUntil ?? 0)) {
      this.set({ ...s, state: 'half-open' });
    }
    if (this.snapshotState.state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return true;
    }
    return false;
  }

  /** Why calls are refused, for the failure message. */
  describe(): string {
    const s = this.snapshotState;
    const seconds = Math.max(0, Math.ceil(((s.openUntil ?? 0) - this.now()) / 1000));
    return `circuit open for ${this.key} after ${s.failures.length} failure${s.failures.length === 1 ? '' : 's'} within ${Math.round((this.settings.windowMs ?? 60_000) / 1000)}s; next trial in ${seconds}s`;
  }

  success(): void {
    this.trialInFlight = false;
    if (this.snapshotState.state !== 'closed' || this.snapshotState.failures.length > 0) this.set({ state: 'closed', failures: [] });
  }

  failure(): void {
    const now = this.now();
    const window = this.settings.windowMs ?? 60_000;
    const failures = [...this.snapshotState.failures.filter((t) => now - t < window), now];
    const wasTrial = this.snapshotState.state === 'half-open';
    this.trialInFlight = false;
    if (wasTrial || failures.length >= (this.settings.failures ?? 5)) {
      this.set({ state: 'open', failures, openUntil: now + (this.settings.cooldownMs ?? 30_000) });
    } else this.set({ ...this.snapshotState, failures });
  }

  private set(next: BreakerSnapshot): void {
    this.snapshotState = next;
    this.onChange(this.key, this.snapshot);
  }
}
