import { CircuitBreaker, definePlugin, ownValue, STAGE_ORDER, type BreakerSettings, type BreakerSnapshot, type Engine, type TaskContext } from '@orch/engine';

const PLUGIN_NAME = 'orch:circuit-breaker';

/** On by default for agent CLIs (a broken or rate-limited agent fails every task the same way). */
const DEFAULTS: Record<string, BreakerSettings> = { agent: { failures: 3, windowMs: 60_000, cooldownMs: 30_000 } };

/**
 * Circuit breakers per executor and agent CLI (config `circuitBreakers`, keyed by executor:
 * `agent` (on by default), `shell`, `node`). After N execution failures within the window the
 * circuit opens and further tasks of that executor fail fast (`circuit-open`) without running;
 * after the cooldown one trial runs (half-open): success closes it, failure opens it again. Each
 * change is a `breaker` event, so the state is in the session and a resumed run starts from it.
 */
export function circuitBreakerPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const breakers = new Map<string, CircuitBreaker>();
      let restored: Record<string, BreakerSnapshot> = {};
      const keyOf = new Map<string, CircuitBreaker>();
      const settings = (executor: string): BreakerSettings | undefined => {
        const configured = engine.config.circuitBreakers[executor];
        if (configured === false) return undefined;
        return configured ?? ownValue(DEFAULTS, executor);
      };
      const breakerFor = (task: TaskContext, executor: string): CircuitBreaker | undefined => {
        const chosen = settings(executor);
        if (!chosen) return undefined;
        const key = executor === 'agent' ? `agent:${agentCommand(engine)}` : `executor:${executor}`;
        let breaker = breakers.get(key);
        if (!breaker) {
          breaker = new CircuitBreaker(key, chosen, (k, snapshot) => engine.emit({ type: 'breaker', key: k, state: snapshot.state, failures: snapshot.failures.length, ...(snapshot.openUntil ? { until: snapshot.openUntil } : {}) }), Date.now, ownValue(restored, key));
          breakers.set(key, breaker);
        }
        keyOf.set(task.id, breaker);
        return breaker;
      };

      const guard = (executor: string) =>
        engine.hooks.execute.for(executor).tap({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 100 }, (task) => {
          const breaker = breakerFor(task, executor);
          if (!breaker || breaker.allow()) return undefined;
          keyOf.delete(task.id);
          return { exitCode: 1, durationMs: 0, kind: 'circuit-open', message: breaker.describe() };
        });
      // Once every plugin is applied: only executors that exist get a breaker.
      engine.hooks.initialize.tap(PLUGIN_NAME, () => {
        for (const executor of new Set(['agent', 'shell', 'node', ...Object.keys(engine.config.circuitBreakers)])) {
          if (settings(executor) && (engine.hooks.execute.get(executor)?.taps.length ?? 0) > 0) guard(executor);
        }
      });

      engine.hooks.event.tap(PLUGIN_NAME, (event) => {
        if (event.type === 'session-started') restored = event.session.breakers ?? {};
        if (event.type !== 'task-stage' || event.stage !== 'execute') return;
        const breaker = keyOf.get(event.id);
        if (!breaker) return;
        keyOf.delete(event.id);
        if (event.status === 'passed') breaker.success();
        else breaker.failure();
      });
    },
  });
}

function agentCommand(engine: Engine): string {
  return engine.config.agent.command ?? engine.config.agent.adapter ?? 'claude';
}
