// Print vitest's JSON report as the one closing line CI reads: `N passed, N failed[, N skipped]`,
// and exit non-zero when anything failed.
//   node scripts/test-summary.mjs <report.json> [vitest's exit status]
// vitest 3.2's JSON report undercounts failures that happen outside a test, so each is counted here
// (what the report records for each case was checked on fixture suites: test/unit/ci/test-summary.test.ts):
// - a failed beforeAll: the file is "failed" but its tests are "skipped" (message empty);
// - a failed afterAll: the file is "failed", its tests "passed";
// - a file that fails to import: "failed" with no tests;
// - unhandled errors and rejections: not in the report at all (success: true), only vitest's exit status;
// - a crashed worker (killed fork): no report is written at all.
// Lines before the totals name each failure counted that way.
import { readFileSync } from 'node:fs';

const [file, statusArg] = process.argv.slice(2);
// Without a status (an older caller), the report alone decides.
const vitestStatus = statusArg === undefined || statusArg === '' ? undefined : Number(statusArg);

let r;
try {
  r = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  const why = vitestStatus === undefined ? '' : ` (vitest exited with status ${vitestStatus})`;
  console.log(`vitest wrote no readable JSON report${why}: a worker crashed or vitest could not start; see its output above.`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const passed = r.numPassedTests ?? 0;
let failed = r.numFailedTests ?? 0;
let skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
for (const t of r.testResults ?? []) {
  if (t.status !== 'failed') continue;
  const tests = t.assertionResults ?? [];
  if (tests.some((a) => a.status === 'failed')) continue; // already counted as failed tests
  // The file failed outside its tests. Tests it left unrun (a failed beforeAll skips them) are
  // failures, not skips; an it.skip in the same file is counted with them, which only overstates
  // a run that fails anyway.
  const unrun = tests.filter((a) => a.status === 'skipped' || a.status === 'pending' || a.status === 'todo').length;
  failed += Math.max(1, unrun);
  skipped -= unrun;
  const why = t.message ? `: ${t.message.split('\n')[0]}` : unrun ? ' (a beforeAll hook failed: its tests did not run)' : ' (an afterAll hook failed, or the file did not load)';
  console.log(`FAILED outside a test: ${t.name}${why}`);
}
if (failed === 0 && (r.success === false || (vitestStatus !== undefined && vitestStatus !== 0))) {
  // Unhandled errors/rejections (and anything else vitest fails a run for) leave no trace in the report.
  failed = 1;
  console.log(
    `FAILED outside a test: vitest exited with status ${vitestStatus ?? '(unknown)'} although no test failed: an unhandled error or rejection, or a worker that crashed; see its output above.`,
  );
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
