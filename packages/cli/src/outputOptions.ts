import type { EngineOutput, LogLevel, LogOrder, OutputLogs } from '@orch/engine';

/** What `--output-logs`, `--log-order`, `--log-level` and `--verbose` settle for the reporters. */
export type OutputOptions = Pick<EngineOutput, 'outputLogs' | 'logOrder' | 'logLevel'>;

/**
 * Settles the output options of a run from its option values: `--log-order=auto` (the default)
 * is `grouped` when `CI` is set and `stream` elsewhere, as Turborepo's `auto`; `--verbose` is
 * `--log-level=debug`, and a `--log-level` given beside it wins. `orch resume` applies it again
 * to the values it replays (`--output-logs` is recorded with the session).
 */
export function outputOptions(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): OutputOptions {
  const order = (values['log-order'] as LogOrder | 'auto' | undefined) ?? 'auto';
  const level = (values['log-level'] as LogLevel | undefined) ?? (values.verbose ? 'debug' : undefined);
  const outputLogs = values['output-logs'] as OutputLogs | undefined;
  return {
    logOrder: order === 'auto' ? (inCI(env) ? 'grouped' : 'stream') : order,
    ...(level ? { logLevel: level } : {}),
    ...(outputLogs ? { outputLogs } : {}),
  };
}

/** `CI` set to anything but an empty string, `0` or `false` (GitHub Actions, GitLab, CircleCI, Buildkite... set it). */
function inCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}
