// What every action does around its command: mask secrets, parse inputs (errors name the
// input), build the Config, run, set outputs, write the job summary with the recovery window,
// record the run on the status branch, raise/close the alert issue, post the webhook, and turn
// any failure into setFailed(message + hint). The command itself knows nothing of Actions.
import * as core from '@actions/core';
import path from 'node:path';
import { loadConfig, type Config, type Env } from '../config/config.js';
import { clusterName } from '../config/repo-url.js';
import { debugEnabled, SETTINGS } from '../config/settings.js';
import { runStatus, type StatusWithTimelines } from '../commands/status.js';
import { describeCopyLag } from '../storage/copy-lag.js';
import { updateAlert } from '../report/alert.js';
import { renderJobSummary, type SummaryInput } from '../report/job-summary.js';
import { publishStatus } from '../report/status-publish.js';
import type { RunRecord } from '../report/status-record.js';
import { postWebhook } from '../report/webhook.js';
import type { GitHubTarget } from '../report/github-api.js';
import { describeError, isPgkeepError, PgkeepError } from '../util/errors.js';
import { setDebug, setLogSink } from '../util/log.js';
import { redact } from '../util/redact.js';
import { DEFAULT_STATUS_BRANCH, Inputs } from './constants.js';
import { input } from './action-inputs.js';
import { maskSecrets } from './mask-secrets.js';

export interface ActionOutcome {
  outputs: Record<string, string | number | undefined>;
  record: Partial<RunRecord>;
  summary: Partial<SummaryInput>;
  /** A run that completed but found a problem (verification failed, repository stale). */
  failure?: PgkeepError;
}

export interface ActionSpec<O> {
  action: RunRecord['action'];
  title: (opts: O | undefined) => string;
  /** Read and validate inputs; throw badInput(...) naming the input. */
  parseInputs: () => O;
  kind?: (opts: O) => string | undefined;
  execute: (cfg: Config, opts: O) => Promise<ActionOutcome>;
  /** Outputs to set when the run throws (pg-verify: status=failed). */
  outputsOnError?: Record<string, string>;
  /** Freshness thresholds to apply after the run (pg-verify's max-age-hours). */
  maxAgeHours?: (opts: O) => number | undefined;
}

export async function runAction<O>(spec: ActionSpec<O>, env: Env = process.env): Promise<void> {
  const started = Date.now();
  env = withAgeInputs(env);
  maskSecrets(env);
  setLogSink((line) => core.info(line));
  setDebug(debugEnabled(env));
  let opts: O | undefined;
  let cfg: Config | undefined;
  let outcome: ActionOutcome | undefined;
  let error: unknown;
  const cluster = input(Inputs.cluster);
  try {
    if (cluster !== undefined) clusterName(cluster, `input "${Inputs.cluster}"`);
    opts = spec.parseInputs();
    // The cluster input also picks the fleet member's prefix of every copy in the repository.
    cfg = loadConfig(withCliPath(env), { repo: input(Inputs.repo), cluster });
    outcome = await spec.execute(cfg, opts);
  } catch (e) {
    error = e;
  }

  // The recovery window after the run: shown even when the run failed (what is still restorable).
  let status: StatusWithTimelines | undefined;
  if (cfg) {
    try {
      const maxAge = opts !== undefined ? spec.maxAgeHours?.(opts) : undefined;
      status = await runStatus(cfg, maxAge !== undefined ? { maxAgeHours: maxAge } : {});
      if (maxAge !== undefined && status.stale && !error && !outcome?.failure)
        outcome = { ...outcome!, failure: new PgkeepError('stale', `The repository is stale: ${status.problems.join(' ')}`, 'Check that the scheduled backup workflows still run and that archive_command succeeds.') };
    } catch (e) {
      core.warning(redact(`Could not read the recovery window: ${describeError(e)}`));
    }
  }

  const failure = error ?? outcome?.failure;
  const ok = failure === undefined;
  const errText = failure !== undefined ? redact(describeError(failure)) : undefined;
  if (failure !== undefined && debugEnabled(env) && failure instanceof Error && !isPgkeepError(failure))
    core.debug(redact(failure.stack ?? ''));

  for (const [k, v] of Object.entries(outcome?.outputs ?? {})) if (v !== undefined) core.setOutput(k, String(v));
  if (failure !== undefined) for (const [k, v] of Object.entries(spec.outputsOnError ?? {})) core.setOutput(k, v);

  const now = new Date();
  const kind = opts !== undefined ? spec.kind?.(opts) : undefined;
  const run: RunRecord = {
    at: now.toISOString(),
    action: spec.action,
    ok,
    ...(kind ? { kind } : {}),
    ...(cluster ? { cluster } : {}),
    ...outcome?.record,
    ...(status?.window.newest ? { window: status.window } : {}),
    ...(status?.copies?.length ? { copyLag: describeCopyLag(status.copies).map(redact) } : {}),
    ...(errText ? { error: errText } : {}),
    ...(env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
      ? { runUrl: `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` }
      : {}),
  };
  if (run.durationSeconds === undefined && spec.action !== 'verify') run.durationSeconds = (Date.now() - started) / 1000;

  if (env.GITHUB_STEP_SUMMARY) {
    const summary: SummaryInput = {
      title: spec.title(opts),
      facts: [],
      ...outcome?.summary,
      ok,
      cluster,
      window: status?.window,
      warnings: [...(status?.problems ?? []), ...(status?.notes ?? [])].map(redact),
      error:
        failure === undefined
          ? undefined
          : isPgkeepError(failure)
            ? { message: redact(failure.message), hint: failure.hint ? redact(failure.hint) : undefined, code: failure.code }
            : { message: errText! },
      now,
    };
    try {
      await core.summary.addRaw(renderJobSummary(summary)).write();
    } catch (e) {
      core.warning(`Could not write the job summary: ${(e as Error).message}`);
    }
  }

  await report(run, env);

  if (failure !== undefined) core.setFailed(errText!);
}

/**
 * restore_command (restores, drills) must call the CLI bundle, not this action's bundle:
 * dist/<action>/index.js sits beside dist/cli/index.js in every checkout of the actions.
 * An explicit PGKEEP_CLI_PATH wins; a missing sibling fails later with restore's own hint.
 */
export function withCliPath(env: Env, entry = process.argv[1]): Env {
  const name = SETTINGS.PGKEEP_CLI_PATH.name;
  if (env[name] || !entry) return env;
  return { ...env, [name]: path.resolve(path.dirname(entry), '..', 'cli', 'index.js') };
}

/** Status branch + alert issue (with a token) and webhook; never fails the run itself. */
async function report(run: RunRecord, env: Env): Promise<void> {
  const token = input(Inputs.githubToken);
  let recovered = false;
  const repository = env.GITHUB_REPOSITORY;
  if (token && repository) {
    const gh: GitHubTarget = { apiUrl: env.GITHUB_API_URL || 'https://api.github.com', repository, token };
    const branch = input(Inputs.statusBranch) ?? DEFAULT_STATUS_BRANCH;
    try {
      const { commit } = await publishStatus(gh, run, { branch, dir: run.cluster });
      core.info(`Status recorded on branch ${branch} (${commit.slice(0, 12)}).`);
    } catch (e) {
      core.warning(redact(`Could not record the status on branch ${branch}: ${describeError(e)}`));
    }
    try {
      const a = await updateAlert(gh, run);
      if (a.action !== 'none') core.info(`Alert issue #${a.issue} ${a.action}.`);
      recovered = a.action === 'closed';
    } catch (e) {
      core.warning(redact(`Could not update the alert issue: ${describeError(e)}`));
    }
  } else if (token && !repository) core.warning('github-token given but GITHUB_REPOSITORY is not set: status and alert skipped.');
  const hook = input(Inputs.webhookUrl);
  // Failures always; a success only when it closed an alert (the "recovered" message).
  if (hook && (!run.ok || recovered)) {
    try {
      await postWebhook(hook, run, repository);
    } catch (e) {
      core.warning(redact(`Could not post to the webhook: ${describeError(e)}`));
    }
  }
}

/**
 * The age inputs override PGKEEP_AGE_RECIPIENTS / PGKEEP_AGE_IDENTITY. They travel as those
 * variables (the run's config and a restored server's environment alike) and are masked with
 * the rest before anything is logged.
 */
function withAgeInputs(env: Env): Env {
  const recipients = input(Inputs.ageRecipients);
  const identity = input(Inputs.ageIdentity);
  if (identity !== undefined) core.setSecret(identity);
  if (recipients === undefined && identity === undefined) return env;
  return { ...env, ...(recipients !== undefined ? { PGKEEP_AGE_RECIPIENTS: recipients } : {}), ...(identity !== undefined ? { PGKEEP_AGE_IDENTITY: identity } : {}) };
}
