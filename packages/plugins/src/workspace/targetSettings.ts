import { ownValue, type ResolvedConfig, type TargetConfig } from '@orch/engine';

/**
 * A package script's settings: `targets[script]`, with `targets['pkg#script']` over it setting
 * by setting (issue 15, part 5: what it does not set, such as `dependsOn: ['^build']`, is
 * inherited, as a package's `turbo.json` that `extends: ["//"]` overrides the root's task key by
 * key); and for each setting, the key it came from (to locate it).
 */
export function targetSettings(config: ResolvedConfig, pkg: string, script: string): [TargetConfig | undefined, (setting: keyof TargetConfig) => string] {
  const generic = ownValue(config.targets, script);
  const own = ownValue(config.targets, `${pkg}#${script}`);
  if (own === undefined) return [generic, () => script];
  return [{ ...generic, ...own }, (setting) => (Object.hasOwn(own, setting) || !generic || !Object.hasOwn(generic, setting) ? `${pkg}#${script}` : script)];
}
