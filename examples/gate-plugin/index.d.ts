import type { GateDefinition, Plugin } from '@orch/engine';

export declare const NAME: 'orch-gate-bundle-size';

export interface BundleSizeOptions {
  /** Largest size allowed for each matched file, in KB. */
  maxKb: number;
  /** Globs of files to measure, relative to the task's folder. Default `['dist/**\/*.js']`. */
  files?: string[];
}

export declare const optionsSchema: unknown;

/** The gate plugin; throws when the options are invalid. */
export default function bundleSizeGate(options: BundleSizeOptions): Plugin & { gate: GateDefinition<BundleSizeOptions> };
