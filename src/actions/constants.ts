// Input and output names of the three actions (the action.yml files declare the same names;
// test/unit/workflows checks they agree). No input or output name is typed anywhere else.

export const Inputs = {
  // every action
  repo: 'repo',
  cluster: 'cluster',
  githubToken: 'github-token',
  statusBranch: 'status-branch',
  webhookUrl: 'webhook-url',
  ageRecipients: 'age-recipients',
  ageIdentity: 'age-identity',
  // pg-backup (databases: pg-restore too)
  type: 'type',
  databases: 'databases',
  checkpoint: 'checkpoint',
  // pg-restore
  timestamp: 'timestamp',
  lsn: 'lsn',
  latest: 'latest',
  dryRun: 'dry-run',
  target: 'target',
  database: 'database',
  tablespaceMap: 'tablespace-map',
  timeline: 'timeline',
  newPrimary: 'new-primary',
  start: 'start',
  // pg-verify
  mode: 'mode',
  backup: 'backup',
  maxAgeHours: 'max-age-hours',
} as const;

export const Outputs = {
  backupId: 'backup-id',
  bytes: 'bytes',
  durationSeconds: 'duration-seconds',
  recoveredTo: 'recovered-to',
  status: 'status',
  rtoSeconds: 'rto-seconds',
} as const;

export const DEFAULT_STATUS_BRANCH = 'pgkeep-status';

/** Inputs every action accepts besides its own. */
export const COMMON_INPUTS = [Inputs.repo, Inputs.cluster, Inputs.githubToken, Inputs.statusBranch, Inputs.webhookUrl, Inputs.ageRecipients, Inputs.ageIdentity] as const;

export const ACTION_INPUTS = {
  'pg-backup': [Inputs.type, Inputs.databases, Inputs.checkpoint, ...COMMON_INPUTS],
  'pg-restore': [Inputs.timestamp, Inputs.lsn, Inputs.latest, Inputs.dryRun, Inputs.target, Inputs.database, Inputs.databases, Inputs.tablespaceMap, Inputs.timeline, Inputs.newPrimary, Inputs.start, Inputs.backup, ...COMMON_INPUTS],
  'pg-verify': [Inputs.mode, Inputs.backup, Inputs.maxAgeHours, ...COMMON_INPUTS],
} as const;

export const ACTION_OUTPUTS = {
  'pg-backup': [Outputs.backupId, Outputs.bytes, Outputs.durationSeconds],
  'pg-restore': [Outputs.backupId, Outputs.recoveredTo],
  'pg-verify': [Outputs.status, Outputs.rtoSeconds],
} as const;
