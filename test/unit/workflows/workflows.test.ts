// Static checks of .github/workflows and actions/*/action.yml: what actionlint would catch for
// our own actions (unknown action, unknown input, unknown output), plus the operators'
// requirements (schedules, dispatch form, least privilege, concurrency, secrets only via
// secrets.*, no expression injection into shell scripts).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION_INPUTS, ACTION_OUTPUTS } from '../../../src/actions/constants.js';
import { REPO_ROOT } from '../../helpers/pg.js';

const WF_DIR = path.join(REPO_ROOT, '.github/workflows');
const workflows = Object.fromEntries(
  fs
    .readdirSync(WF_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => [f.replace(/\.ya?ml$/, ''), parse(fs.readFileSync(path.join(WF_DIR, f), 'utf8'))]),
) as Record<string, any>;
const ACTIONS = ['pg-backup', 'pg-restore', 'pg-verify'] as const;
const actionYml = (name: string) => parse(fs.readFileSync(path.join(REPO_ROOT, 'actions', name, 'action.yml'), 'utf8'));

type Step = Record<string, any>;
const allSteps = (): { wf: string; job: string; step: Step; jobDef: any }[] =>
  Object.entries(workflows).flatMap(([wf, w]) =>
    Object.entries<any>(w.jobs ?? {}).flatMap(([job, j]) => (j.steps ?? []).map((step: Step) => ({ wf, job, step, jobDef: j }))),
  );
const scheduled = ['backup-daily', 'backup-6h', 'verify-weekly', 'restore'];
const SENSITIVE = /(PASSWORD|SECRET|TOKEN|DATABASE_URL|PGKEEP_REPO|WEBHOOK|AWS_ACCESS_KEY_ID)/i;

describe('actions/*/action.yml', () => {
  for (const name of ACTIONS) {
    it(`${name} runs on node24 from its committed bundle and declares exactly the inputs/outputs in constants`, () => {
      const a = actionYml(name);
      expect(a.runs).toEqual({ using: 'node24', main: `../../dist/${name}/index.js` });
      expect(fs.readFileSync(path.join(REPO_ROOT, 'scripts/bundle.mjs'), 'utf8')).toContain(`'${name}': 'src/actions/${name}/index.ts'`);
      expect(fs.existsSync(path.join(REPO_ROOT, 'src/actions', name, 'index.ts'))).toBe(true);
      expect(Object.keys(a.inputs).sort()).toEqual([...ACTION_INPUTS[name]].sort());
      expect(Object.keys(a.outputs).sort()).toEqual([...ACTION_OUTPUTS[name]].sort());
      // Optional everywhere, so a local run needs nothing but the environment.
      for (const [k, v] of Object.entries<any>(a.inputs)) {
        expect(v.required, `${name} input ${k}`).toBe(false);
        expect(typeof v.description).toBe('string');
      }
      for (const [k, v] of Object.entries<any>(a.outputs)) expect(typeof v.description, `${name} output ${k}`).toBe('string');
    });
  }

  it('entry points only call run()', () => {
    for (const name of ACTIONS) {
      const code = fs.readFileSync(path.join(REPO_ROOT, 'src/actions', name, 'index.ts'), 'utf8').replace(/^\/\/.*$/gm, '').trim();
      expect(code).toBe("import { run } from './run.js';\n\nawait run();");
    }
  });
});

describe('workflows', () => {
  it('exist: backup-daily, backup-6h, verify-weekly, restore, ci, pr-restore-check', () => {
    expect(Object.keys(workflows).sort()).toEqual(['backup-6h', 'backup-daily', 'ci', 'pr-restore-check', 'restore', 'verify-weekly']);
  });

  it('schedules are the ones the operators asked for', () => {
    expect(workflows['backup-daily'].on.schedule).toEqual([{ cron: '0 2 * * *' }]);
    expect(workflows['backup-6h'].on.schedule).toEqual([{ cron: '0 */6 * * *' }]);
    expect(workflows['verify-weekly'].on.schedule).toEqual([{ cron: '0 3 * * 0' }]);
    expect(Object.keys(workflows['pr-restore-check'].on)).toEqual(['pull_request']);
  });

  it('backup-daily takes a full and a logical backup; backup-6h an incremental; verify-weekly a drill and a freshness check', () => {
    const types = (wf: string) => allSteps().filter((s) => s.wf === wf && s.step.uses === './actions/pg-backup').map((s) => s.step.with.type);
    expect(types('backup-daily')).toEqual(['full', 'logical']);
    expect(types('backup-6h')).toEqual(['incr']);
    const verify = allSteps().filter((s) => s.wf === 'verify-weekly' && s.step.uses === './actions/pg-verify');
    expect(verify.map((s) => s.step.with.mode)).toEqual(['check', 'drill']);
    expect(verify[0].step.with['max-age-hours']).toBeDefined();
  });

  it('restore is a dispatch form: timestamp, dry_run (boolean, default true), target, database', () => {
    const inputs = workflows.restore.on.workflow_dispatch.inputs;
    expect(Object.keys(inputs)).toEqual(expect.arrayContaining(['timestamp', 'dry_run', 'target', 'database']));
    expect(inputs.dry_run).toMatchObject({ type: 'boolean', default: true });
    const step = allSteps().find((s) => s.wf === 'restore' && s.step.uses === './actions/pg-restore')!.step;
    expect(step.with).toMatchObject({
      timestamp: '${{ inputs.timestamp }}',
      'dry-run': '${{ inputs.dry_run }}',
      target: '${{ inputs.target }}',
      database: '${{ inputs.database }}',
    });
  });

  it('every uses: ./actions/x exists and every with: key is a declared input of it', () => {
    const local = allSteps().filter((s) => typeof s.step.uses === 'string' && s.step.uses.startsWith('./'));
    expect(local.length).toBeGreaterThan(8);
    for (const { wf, step } of local) {
      const dir = path.join(REPO_ROOT, step.uses);
      expect(fs.existsSync(path.join(dir, 'action.yml')), `${wf}: ${step.uses}`).toBe(true);
      const declared = Object.keys(parse(fs.readFileSync(path.join(dir, 'action.yml'), 'utf8')).inputs ?? {});
      for (const k of Object.keys(step.with ?? {})) expect(declared, `${wf}: ${step.uses} with ${k}`).toContain(k);
    }
  });

  it('every steps.<id>.outputs.<name> refers to a step of the same job and an output its action declares', () => {
    let refs = 0;
    for (const [wf, w] of Object.entries<any>(workflows))
      for (const [job, j] of Object.entries<any>(w.jobs)) {
        const byId = Object.fromEntries((j.steps ?? []).filter((s: Step) => s.id).map((s: Step) => [s.id, s]));
        for (const m of JSON.stringify(j).matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          refs++;
          const step = byId[m[1]];
          expect(step, `${wf}/${job}: unknown step ${m[1]}`).toBeDefined();
          const outputs = Object.keys(actionYml(path.basename(step.uses)).outputs);
          expect(outputs, `${wf}/${job}: ${m[0]}`).toContain(m[2]);
        }
      }
    expect(refs).toBeGreaterThan(4);
  });

  it('least privilege: top-level permissions are empty or read-only; only contents/issues are ever written', () => {
    for (const [wf, w] of Object.entries<any>(workflows)) {
      expect(w.permissions, `${wf} has no top-level permissions`).toBeDefined();
      expect(w.permissions).not.toBe('write-all');
      for (const v of Object.values(w.permissions)) expect(v, wf).toBe('read');
      for (const [job, j] of Object.entries<any>(w.jobs)) {
        const p = j.permissions ?? {};
        expect(p, `${wf}/${job}`).not.toBe('write-all');
        for (const [scope, v] of Object.entries(p)) if (v === 'write') expect(['contents', 'issues'], `${wf}/${job}: ${scope}`).toContain(scope);
      }
    }
    // Only the jobs that record status and alert may write.
    for (const wf of ['ci', 'pr-restore-check'])
      for (const j of Object.values<any>(workflows[wf].jobs)) expect(JSON.stringify(j.permissions ?? {})).not.toContain('write');
  });

  it('concurrency: every workflow (or each of its jobs) has a group; two backups of one cluster share one', () => {
    for (const [wf, w] of Object.entries<any>(workflows))
      for (const [job, j] of Object.entries<any>(w.jobs)) expect(w.concurrency ?? j.concurrency, `${wf}/${job}`).toBeDefined();
    const group = (wf: string) => workflows[wf].jobs.backup.concurrency;
    expect(group('backup-daily')).toEqual({ group: 'pgkeep-backup-${{ matrix.cluster }}', 'cancel-in-progress': false });
    expect(group('backup-6h')).toEqual(group('backup-daily'));
  });

  it('fleet: scheduled jobs run a matrix over clusters with per-cluster secrets; pgkeep composes the repository with the cluster', () => {
    for (const wf of ['backup-daily', 'backup-6h', 'verify-weekly', 'restore']) {
      const [job] = Object.values<any>(workflows[wf].jobs);
      const cluster = wf === 'restore' ? '${{ inputs.cluster }}' : '${{ matrix.cluster }}';
      if (wf !== 'restore') {
        expect(job.strategy.matrix.cluster).toMatch(/fromJSON\(vars\.PGKEEP_CLUSTERS/);
        expect(job.strategy['fail-fast']).toBe(false);
      }
      // Concatenating "/<cluster>" onto a mirror lands it in the last copy's query string.
      expect(job.env.PGKEEP_REPO).toBe('${{ secrets.PGKEEP_REPO }}');
      expect(job.env.PGKEEP_CLUSTER).toBe(cluster);
      for (const { step } of allSteps().filter((s) => s.wf === wf && /^\.\/actions\//.test(s.step.uses ?? ''))) expect(step.with.cluster, `${wf}: ${step.name}`).toBe(cluster);
      if (wf !== 'verify-weekly') expect(job.env.DATABASE_URL).toContain('secrets[format(\'DATABASE_URL_{0}\', ' + cluster.slice(4, -3) + ')]');
    }
    for (const [wf, w] of Object.entries<any>(workflows)) expect(JSON.stringify(w), wf).not.toMatch(/secrets\.PGKEEP_REPO \}\}[^"]/);
  });

  it('secrets only via secrets.*: no literal credential in the production workflows', () => {
    let checked = 0;
    for (const wf of scheduled) {
      const visit = (o: any, key = '') => {
        if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) visit(v, k);
        else if (typeof o === 'string' && SENSITIVE.test(key) && !/^(persist-credentials)$/.test(key)) {
          checked++;
          expect(o, `${wf}: ${key}`).toMatch(/^\$\{\{ *(secrets[.[]|github\.token)/);
        }
      };
      visit(workflows[wf]);
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('no expression from outside is pasted into a shell script (inputs and step outputs go through env)', () => {
    for (const { wf, job, step } of allSteps())
      if (typeof step.run === 'string') expect(step.run, `${wf}/${job}: ${step.name ?? step.run}`).not.toMatch(/\$\{\{/);
  });

  it('ci tests PostgreSQL 15, 16 and 17 with a service container, MinIO and check-dist', () => {
    const ci = workflows.ci;
    expect(ci.jobs.integration.strategy.matrix.pg).toEqual([15, 16, 17]);
    expect(ci.jobs.integration.services.postgres.image).toBe('postgres:${{ matrix.pg }}');
    expect(JSON.stringify(ci.jobs.integration.steps)).toContain('minio');
    expect(JSON.stringify(ci.jobs['check-dist'].steps)).toMatch(/npm run build.*git status --porcelain -- dist/s);
  });

  it('ci runs the PostgreSQL 17 incremental-chain restore in the 17 leg, with PGDG 17 server and client (pg_combinebackup)', () => {
    const j = workflows.ci.jobs.integration;
    expect(j.env.PGKEEP_TEST_PG17_BINDIR).toBe("${{ matrix.pg == 17 && '/usr/lib/postgresql/17/bin' || '' }}");
    const install = j.steps.find((s: Step) => /apt\.postgresql\.org/.test(s.run ?? ''));
    expect(install.env.PG_MAJOR).toBe('${{ matrix.pg }}');
    expect(install.run).toContain('"postgresql-$PG_MAJOR" "postgresql-client-$PG_MAJOR"');
    expect(install.run).toContain('pg_combinebackup" --version');
    // The gated test reads the variable the job sets.
    expect(fs.readFileSync(path.join(REPO_ROOT, 'test/helpers/pg17.ts'), 'utf8')).toContain('PGKEEP_TEST_PG17_BINDIR');
  });

  it('pr-restore-check backs up one container and restores into another with the PR-built actions, then compares checksums', () => {
    const j = workflows['pr-restore-check'].jobs['restore-check'];
    expect(Object.keys(j.services)).toEqual(['source', 'target']);
    const uses = j.steps.map((s: Step) => s.uses ?? s.run?.split('\n')[0]);
    const build = uses.findIndex((u: string) => /npm run build/.test(u));
    expect(build).toBeGreaterThan(-1);
    expect(uses.indexOf('./actions/pg-backup')).toBeGreaterThan(build);
    expect(uses.indexOf('./actions/pg-restore')).toBeGreaterThan(uses.indexOf('./actions/pg-backup'));
    expect(j.steps.at(-1).run).toMatch(/\[ "\$src" = "\$dst" \]/);
  });
});
