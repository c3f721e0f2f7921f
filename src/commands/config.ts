// `pgkeep config`: the effective configuration with the source of each value and secrets
// masked (orchestration only; the report is built in src/config/describe-config.ts).
import type { Env, Overrides } from '../config/config.js';
import { describeConfig, type ConfigReport } from '../config/describe-config.js';

export function runConfig(env: Env, overrides: Overrides, origin: 'flag' | 'input' = 'flag'): ConfigReport {
  return describeConfig(env, overrides, origin);
}
