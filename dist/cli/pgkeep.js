import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 8745:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  Z9: () => (/* binding */ loadConfig),
  NK: () => (/* binding */ serverEnv)
});

// UNUSED EXPORTS: WAL_SOURCES, databaseUrlToEnv

// EXTERNAL MODULE: ./src/util/errors.ts
var errors = __nccwpck_require__(17);
// EXTERNAL MODULE: ./src/util/redact.ts
var redact = __nccwpck_require__(767);
// EXTERNAL MODULE: ./src/util/age.ts
var age = __nccwpck_require__(5667);
;// CONCATENATED MODULE: ./src/config/repo-url.ts
// PGKEEP_REPO parsing: `file:///abs/path`, `s3://bucket/prefix?storage-class=…&sse=…`,
// or a comma-separated list of those (every copy is written, reads use the first that has it).

const S3_OPTIONS = new Set(['storage-class', 'sse', 'sse-kms-key-id', 'endpoint', 'region', 'force-path-style', 'profile', 'object-lock', 'lock-days']);
/** S3 caps a retention period at 100 years; a longer one is surely a typo. */
const MAX_LOCK_DAYS = 36500;
const STORAGE_CLASSES = new Set([
    'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'EXPRESS_ONEZONE',
]);
function bad(raw, why) {
    return new errors/* PgkeepError */.$Z('bad-config', `PGKEEP_REPO entry "${redactUserinfo(raw)}" is not valid: ${why}.`, 'Use file:///absolute/path or s3://bucket/prefix (optionally ?storage-class=STANDARD_IA&sse=aws:kms, or ?object-lock=compliance&lock-days=35 on a bucket created with Object Lock), comma-separated for several copies.');
}
function parseRepoUrl(raw) {
    const s = raw.trim();
    if (s.startsWith('file://')) {
        let p;
        try {
            p = decodeURIComponent(s.slice('file://'.length)).replace(/\/+$/, '') || '/';
        }
        catch {
            throw bad(s, 'it has a malformed %-escape');
        }
        if (!p.startsWith('/'))
            throw bad(s, 'a file repository needs an absolute path (three slashes: file:///path)');
        return { kind: 'file', path: p, url: s };
    }
    if (s.startsWith('s3://')) {
        let u;
        try {
            u = new URL(s);
        }
        catch {
            throw bad(s, 'it is not a URL');
        }
        if (u.username || u.password)
            throw bad(s, 'credentials must not be put in the URL; use the AWS variables or a profile');
        const bucket = u.hostname;
        if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
            throw bad(s, `"${bucket}" is not a valid bucket name`);
        let prefix;
        try {
            prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
        }
        catch {
            throw bad(s, 'it has a malformed %-escape');
        }
        if (prefix && prefix.split('/').some((seg) => seg === '..' || seg === '.' || seg === ''))
            throw bad(s, `the prefix "${prefix}" has an empty, "." or ".." segment`);
        const loc = { kind: 's3', bucket, prefix, url: s };
        let lockMode;
        let lockDays;
        for (const [k, v] of u.searchParams) {
            if (!S3_OPTIONS.has(k))
                throw bad(s, `unknown option "${k}" (known: ${[...S3_OPTIONS].join(', ')})`);
            if (k === 'storage-class') {
                if (!STORAGE_CLASSES.has(v))
                    throw bad(s, `unknown storage class "${v}"`);
                loc.storageClass = v;
            }
            else if (k === 'sse') {
                if (v !== 'AES256' && v !== 'aws:kms' && v !== 'aws:kms:dsse')
                    throw bad(s, `sse must be AES256 or aws:kms, not "${v}"`);
                loc.sse = v;
            }
            else if (k === 'sse-kms-key-id') {
                if (!v)
                    throw bad(s, 'sse-kms-key-id is empty');
                loc.sseKmsKeyId = v;
            }
            else if (k === 'endpoint') {
                if (!isHttpUrl(v))
                    throw bad(s, `endpoint must be an http:// or https:// URL, not "${v}"`);
                if (urlHasCredentials(v))
                    throw bad(s, ENDPOINT_CREDENTIALS);
                loc.endpoint = v;
            }
            else if (k === 'region') {
                if (!/^[a-z0-9-]+$/.test(v))
                    throw bad(s, `"${v}" is not a region name`);
                loc.region = v;
            }
            else if (k === 'profile') {
                // Per-copy credentials (local MinIO and AWS offsite have different keys): a named
                // profile of ~/.aws/credentials; the keys themselves never go into the URL.
                if (!/^[A-Za-z0-9_.+-]+$/.test(v))
                    throw bad(s, `"${v}" is not a profile name`);
                loc.profile = v;
            }
            else if (k === 'force-path-style') {
                if (!['true', '1', 'false', '0'].includes(v))
                    throw bad(s, `force-path-style must be true or false, not "${v}"`);
                loc.forcePathStyle = v === 'true' || v === '1';
            }
            else if (k === 'object-lock') {
                if (v !== 'governance' && v !== 'compliance')
                    throw bad(s, `object-lock must be governance or compliance, not "${v}"`);
                lockMode = v;
            }
            else if (k === 'lock-days') {
                if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_LOCK_DAYS)
                    throw bad(s, `lock-days must be a whole number of days from 1 to ${MAX_LOCK_DAYS}, not "${v}"`);
                lockDays = Number(v);
            }
        }
        // Both or neither: a mode without a period locks nothing, a period without a mode is ambiguous
        // (governance can be lifted by whoever holds s3:BypassGovernanceRetention, compliance by nobody).
        if (lockMode && lockDays === undefined)
            throw bad(s, `object-lock=${lockMode} needs lock-days=N (how long each object stays undeletable)`);
        if (lockDays !== undefined && !lockMode)
            throw bad(s, 'lock-days needs object-lock=governance or object-lock=compliance');
        if (lockMode && lockDays !== undefined)
            loc.objectLock = { mode: lockMode === 'governance' ? 'GOVERNANCE' : 'COMPLIANCE', days: lockDays };
        // A KMS key only means something with KMS encryption: imply it, refuse a contradiction.
        if (loc.sseKmsKeyId) {
            if (loc.sse === 'AES256')
                throw bad(s, 'sse-kms-key-id needs sse=aws:kms, not AES256');
            loc.sse ??= 'aws:kms';
        }
        return loc;
    }
    throw bad(s, 'it must start with file:// or s3://');
}
/**
 * Every copy of `raw`, each with `/<cluster>` appended to its path when a cluster is given (a
 * fleet shares one PGKEEP_REPO: each cluster gets its own prefix of every copy, and each copy
 * keeps its own options). `cluster` must have passed clusterName().
 */
function parseRepoList(raw, cluster) {
    const parts = raw.split(',').map((p) => p.trim()).filter(Boolean);
    if (parts.length === 0)
        throw bad(raw, 'it is empty');
    if (cluster)
        for (const p of parts) {
            const base = parseRepoUrl(p);
            const last = (base.kind === 'file' ? base.path : base.prefix).split('/').pop();
            // Workflows written before PGKEEP_CLUSTER appended /<cluster> themselves; with the cluster
            // given too, <repo>/<cluster>/<cluster> would be a new, empty repository beside the real one.
            if (last === cluster)
                throw new errors/* PgkeepError */.$Z('bad-config', `PGKEEP_REPO entry "${redactUserinfo(base.url)}" already ends in "/${cluster}", and the cluster "${cluster}" would be appended again.`, `pgkeep appends the cluster to every copy itself: set PGKEEP_REPO to the fleet's root (without /${cluster}) and pass the cluster as PGKEEP_CLUSTER / --cluster / the cluster input, or give the whole location with --repo / the repo input and no cluster.`);
        }
    const locs = parts.map((p) => parseRepoUrl(cluster ? withClusterPath(p, cluster) : p));
    // The same place twice would be written twice concurrently and count as two copies.
    const seen = new Set();
    for (const l of locs) {
        const id = l.kind === 'file' ? `file:${l.path}` : `s3:${l.endpoint ?? ''}:${l.bucket}/${l.prefix}`;
        if (seen.has(id))
            throw bad(l.url, 'the same location is listed twice');
        seen.add(id);
    }
    return locs;
}
/**
 * One copy's URL with `/<cluster>` appended to its path, as a string, so that it re-parses
 * through parseRepoUrl and its %-escapes and options are kept byte for byte. A file:// URL
 * has no query (everything after file:// is the path); an s3:// URL keeps its ?options.
 * Anything else is returned unchanged for parseRepoUrl to refuse with its own message.
 */
function withClusterPath(url, cluster) {
    const s = url.trim();
    if (s.startsWith('file://'))
        return `file://${s.slice('file://'.length).replace(/\/+$/, '')}/${cluster}`;
    if (s.startsWith('s3://')) {
        const q = s.search(/[?#]/);
        const [base, tail] = q < 0 ? [s, ''] : [s.slice(0, q), s.slice(q)];
        const rest = base.slice('s3://'.length);
        // s3://bucket (no prefix) becomes s3://bucket/<cluster>; trailing slashes never double.
        return `s3://${rest.replace(/\/+$/, '')}/${cluster}${tail}`;
    }
    return s;
}
/**
 * A fleet's cluster name becomes one path segment of every copy and the status folder:
 * letters, digits, dot, dash, underscore; starting with a letter or digit; no "..".
 */
function clusterName(value, source) {
    const v = value.trim();
    let why;
    if (v.includes('/') || v.includes('\\'))
        why = 'it must be one path segment, without slashes';
    else if (v.includes('..'))
        why = 'it must not contain ".."';
    else if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v))
        why = 'use 1 to 63 letters, digits, dots, dashes or underscores, starting with a letter or digit';
    if (why)
        throw new errors/* PgkeepError */.$Z('bad-config', `Cluster name "${v}" (${source}) is not valid: ${why}.`, 'The cluster name is appended to the path of every copy in PGKEEP_REPO (s3://bucket/prod → s3://bucket/prod/<cluster>); use e.g. db1 or orders-eu.');
    return v;
}
/**
 * An S3 endpoint travels into restore_command (postgresql.auto.conf, the server's process list)
 * percent-encoded in the --repo URL, where redaction cannot see a password: never accept one.
 */
const ENDPOINT_CREDENTIALS = 'endpoint must not carry credentials (user:password@); S3 authenticates with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile';
function urlHasCredentials(v) {
    try {
        const u = new URL(v);
        return u.username !== '' || u.password !== '';
    }
    catch {
        return false;
    }
}
/** http(s) URL with a host: what an S3 endpoint must look like ("localhost:9000" parses as a scheme). */
function isHttpUrl(v) {
    try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.hostname;
    }
    catch {
        return false;
    }
}
function redactUserinfo(s) {
    // Also an endpoint= option carrying credentials, plain or percent-encoded (%3A, %40).
    return s.replace(/\/\/[^/@?]*@/, '//***@').replace(/([?&]endpoint=)([^&]*)/gi, (m, key, v) => {
        let decoded = v;
        try {
            decoded = decodeURIComponent(v);
        }
        catch {
            /* keep the raw value */
        }
        return urlHasCredentials(decoded) || /@/.test(decoded) ? `${key}***` : m;
    });
}

// EXTERNAL MODULE: ./src/config/settings.ts
var settings = __nccwpck_require__(4661);
;// CONCATENATED MODULE: ./src/config/config.ts
// The one place where defaults, environment, CLI flags and action inputs meet. Nothing else
// reads process.env: commands receive a typed Config.





const WAL_SOURCES = ['archive', 'slot'];
// Every variable libpq reads (PostgreSQL 15-18), handed unchanged to the tools and read by our own
// connections (src/postgres/libpq-tls.ts); plus OpenSSL's, which libpq's sslrootcert=system uses.
const LIBPQ_VARS = [
    'PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGPASSFILE', 'PGDATABASE', 'PGSERVICE', 'PGSERVICEFILE',
    'PGSYSCONFDIR', 'PGCONNECT_TIMEOUT', 'PGAPPNAME', 'PGOPTIONS', 'PGCLIENTENCODING', 'PGTARGETSESSIONATTRS',
    'PGLOADBALANCEHOSTS', 'PGREQUIREAUTH', 'PGCHANNELBINDING', 'PGSSLMODE', 'PGREQUIRESSL', 'PGSSLNEGOTIATION',
    'PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY', 'PGSSLCERTMODE', 'PGSSLCRL', 'PGSSLCRLDIR', 'PGSSLSNI', 'PGSSLCOMPRESSION',
    'PGSSLMINPROTOCOLVERSION', 'PGSSLMAXPROTOCOLVERSION', 'PGREQUIREPEER', 'PGGSSENCMODE', 'PGKRBSRVNAME', 'PGGSSLIB',
    'PGGSSDELEGATION', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
];
function badValue(name, value, expected) {
    return new errors/* PgkeepError */.$Z('bad-config', `${name}="${value}" is not valid: expected ${expected}.`);
}
const invalid = (message) => new errors/* PgkeepError */.$Z('bad-config', message);
const intIn = (name, min, max) => (v) => {
    // Digits only: Number() would also take "0x1F", "1e2" or " ".
    const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max)
        throw invalid(`${name}="${v}" is not valid: expected a whole number from ${min} to ${max}.`);
    return n;
};
const compressionSchema = (name) => (raw) => {
    const v = String(raw);
    const m = /^(zstd|none)(?::(\d+))?$/i.exec(v.trim());
    if (!m || (m[1].toLowerCase() === 'none' && m[2]))
        throw invalid(`${name}="${v}" is not valid: expected zstd, zstd:LEVEL (1-19) or none.`);
    if (m[1].toLowerCase() === 'none')
        return { kind: 'none' };
    const level = m[2] ? Number(m[2]) : 3;
    if (level < 1 || level > 19)
        throw invalid(`${name}="${v}" is not valid: the zstd level must be from 1 to 19.`);
    return { kind: 'zstd', level };
};
const boolSchema = (name) => (raw) => {
    const v = String(raw);
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s))
        return true;
    if (['0', 'false', 'no', 'off', ''].includes(s))
        return false;
    throw invalid(`${name}="${v}" is not valid: expected true or false.`);
};
const walSourceSchema = (name) => (raw) => {
    const v = String(raw);
    const s = v.trim().toLowerCase();
    if (WAL_SOURCES.includes(s))
        return s;
    throw invalid(`${name}="${v}" is not valid: expected archive (archive_command stores WAL; no replication slot) or slot (pull over the pgkeep replication slot).`);
};
/** The first value that is set and not blank: an empty variable or action input means "use the default". */
function given(...values) {
    return values.find((v) => v !== undefined && String(v).trim() !== '');
}
function parse(check, value) {
    return check(value);
}
/** DATABASE_URL (postgres://user:pass@host:port/db?sslmode=…) → libpq variables. */
function databaseUrlToEnv(raw) {
    let u;
    try {
        u = new URL(raw);
    }
    catch {
        throw new errors/* PgkeepError */.$Z('bad-config', 'DATABASE_URL is not a valid URL.', 'Expected postgres://user:password@host:5432/dbname.');
    }
    if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
        throw new errors/* PgkeepError */.$Z('bad-config', `DATABASE_URL must start with postgres:// or postgresql://, not ${u.protocol}//.`);
    // A stray % (e.g. an unencoded password) must not surface as a bare URIError, nor echo the value.
    const decode = (part, what) => {
        try {
            return decodeURIComponent(part);
        }
        catch {
            throw new errors/* PgkeepError */.$Z('bad-config', `DATABASE_URL has a malformed %-escape in its ${what}.`, 'Percent-encode special characters, e.g. % as %25 and @ as %40.');
        }
    };
    const env = {};
    if (u.hostname)
        env.PGHOST = decode(u.hostname.replace(/^\[|\]$/g, ''), 'host');
    if (u.port)
        env.PGPORT = u.port;
    if (u.username)
        env.PGUSER = decode(u.username, 'user name');
    if (u.password)
        env.PGPASSWORD = decode(u.password, 'password');
    const db = decode(u.pathname.replace(/^\//, ''), 'database name');
    if (db)
        env.PGDATABASE = db;
    const map = {
        host: 'PGHOST', hostaddr: 'PGHOSTADDR', port: 'PGPORT', user: 'PGUSER', password: 'PGPASSWORD', dbname: 'PGDATABASE',
        passfile: 'PGPASSFILE', service: 'PGSERVICE', connect_timeout: 'PGCONNECT_TIMEOUT', application_name: 'PGAPPNAME',
        options: 'PGOPTIONS', client_encoding: 'PGCLIENTENCODING', target_session_attrs: 'PGTARGETSESSIONATTRS',
        load_balance_hosts: 'PGLOADBALANCEHOSTS', require_auth: 'PGREQUIREAUTH', channel_binding: 'PGCHANNELBINDING',
        sslmode: 'PGSSLMODE', requiressl: 'PGREQUIRESSL', sslnegotiation: 'PGSSLNEGOTIATION', sslrootcert: 'PGSSLROOTCERT',
        sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY', sslcertmode: 'PGSSLCERTMODE', sslcrl: 'PGSSLCRL', sslcrldir: 'PGSSLCRLDIR',
        sslsni: 'PGSSLSNI', sslcompression: 'PGSSLCOMPRESSION', ssl_min_protocol_version: 'PGSSLMINPROTOCOLVERSION',
        ssl_max_protocol_version: 'PGSSLMAXPROTOCOLVERSION', requirepeer: 'PGREQUIREPEER', gssencmode: 'PGGSSENCMODE',
        krbsrvname: 'PGKRBSRVNAME', gsslib: 'PGGSSLIB', gssdelegation: 'PGGSSDELEGATION',
    };
    // libpq parameters without an environment variable cannot reach pg_dump and the other tools,
    // which get the connection through PG* variables: refuse them rather than half-apply them.
    const noEnvVar = ['sslpassword', 'sslkeylogfile', 'keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'tcp_user_timeout', 'fallback_application_name', 'replication'];
    for (const [k, v] of u.searchParams) {
        const name = map[k];
        if (!name && noEnvVar.includes(k))
            throw new errors/* PgkeepError */.$Z('bad-config', `DATABASE_URL parameter "${k}" is not supported: libpq has no environment variable for it, and pgkeep hands the connection to PostgreSQL's tools through PG* variables.`, k === 'sslpassword' ? 'Use an unencrypted key file readable only by the backup user (chmod 600).' : 'Remove it from DATABASE_URL.');
        if (!name)
            throw new errors/* PgkeepError */.$Z('bad-config', `DATABASE_URL has an unsupported parameter "${k}".`, `Supported: ${Object.keys(map).join(', ')}.`);
        env[name] = v;
    }
    return env;
}
/** `requireRepo: false` for commands that only talk to the server (swap): repos is then empty. */
function loadConfig(env, o = {}, { requireRepo = true } = {}) {
    const repoRaw = (given(o.repo, env.PGKEEP_REPO) ?? '').trim();
    if (!repoRaw && requireRepo)
        throw new errors/* PgkeepError */.$Z('bad-config', 'No repository configured: PGKEEP_REPO is empty.', 'Set PGKEEP_REPO=file:///var/lib/pgkeep or s3://bucket/prefix (or pass --repo / the repo input).');
    // PGKEEP_CLUSTER belongs to PGKEEP_REPO: an explicit --repo / repo input names the whole
    // location and only --cluster / the cluster input compose with it. So a restore_command
    // written as `wal-fetch --repo <composed>` means the same under any server environment
    // (one that still exports PGKEEP_CLUSTER would otherwise look in <repo>/<cluster>/<cluster>,
    // find nothing and let PostgreSQL promote early).
    const repoFromOverride = given(o.repo) !== undefined;
    const clusterRaw = given(o.cluster) ?? (repoFromOverride ? undefined : given(env.PGKEEP_CLUSTER));
    const cluster = clusterRaw === undefined ? undefined : clusterName(clusterRaw, given(o.cluster) !== undefined ? '--cluster' : 'PGKEEP_CLUSTER');
    const repos = repoRaw ? parseRepoList(repoRaw, cluster) : [];
    const repoUrl = cluster ? repos.map((l) => l.url).join(',') : repoRaw;
    const pgEnv = {};
    for (const k of LIBPQ_VARS) {
        const v = env[k];
        if (v !== undefined && v !== '')
            pgEnv[k] = v;
    }
    const fromUrl = env.DATABASE_URL?.trim() ? databaseUrlToEnv(env.DATABASE_URL.trim()) : {};
    Object.assign(pgEnv, fromUrl);
    (0,redact/* registerSecret */.cl)(pgEnv.PGPASSWORD);
    (0,redact/* registerSecret */.cl)(env.AWS_SECRET_ACCESS_KEY);
    (0,redact/* registerSecret */.cl)(env.AWS_SESSION_TOKEN);
    (0,redact/* registerSecret */.cl)(env.PGKEEP_AGE_IDENTITY);
    // Process-wide like the AWS credential chain (src/util/age.ts says why); parsed when first used.
    (0,age/* setAgeKeys */.UI)(env.PGKEEP_AGE_RECIPIENTS, env.PGKEEP_AGE_IDENTITY);
    const port = pgEnv.PGPORT;
    if (port !== undefined && !(/^\d{1,5}$/.test(port) && +port >= 1 && +port <= 65535))
        throw badValue(fromUrl.PGPORT ? 'DATABASE_URL port' : 'PGPORT', port, 'a port number from 1 to 65535');
    const endpointVar = env.AWS_ENDPOINT_URL_S3?.trim() ? 'AWS_ENDPOINT_URL_S3' : env.AWS_ENDPOINT_URL?.trim() ? 'AWS_ENDPOINT_URL' : undefined;
    const endpoint = endpointVar ? env[endpointVar].trim() : undefined;
    if (endpointVar && endpoint && !isHttpUrl(endpoint))
        throw badValue(endpointVar, (0,redact/* redact */.E$)(endpoint), 'an http:// or https:// URL such as http://127.0.0.1:9000');
    if (endpointVar && endpoint && urlHasCredentials(endpoint))
        throw new errors/* PgkeepError */.$Z('bad-config', `${endpointVar}: ${ENDPOINT_CREDENTIALS}.`, `Give it as http(s)://host:port, e.g. ${(0,redact/* redact */.E$)(endpoint).replace(/\/\/[^/]*@/, '//')}.`);
    const s3 = {
        endpoint,
        region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
        forcePathStyle: parse(boolSchema('PGKEEP_S3_FORCE_PATH_STYLE'), given(env.PGKEEP_S3_FORCE_PATH_STYLE) ?? (endpoint ? 'true' : 'false')),
        maxAttempts: intSetting(settings/* SETTINGS */.yy.PGKEEP_S3_MAX_ATTEMPTS, env),
        partSizeMiB: intSetting(settings/* SETTINGS */.yy.PGKEEP_S3_PART_SIZE_MIB, env),
        queueSize: intSetting(settings/* SETTINGS */.yy.PGKEEP_S3_UPLOAD_CONCURRENCY, env),
        profile: env.AWS_PROFILE || undefined,
    };
    if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
        s3.credentials = {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        };
    const retentionDays = intSetting(settings/* SETTINGS */.yy.PGKEEP_RETENTION_DAYS, env, o.retentionDays);
    const compression = parse(compressionSchema(given(o.compress) !== undefined ? '--compress' : 'PGKEEP_COMPRESS'), given(o.compress, env.PGKEEP_COMPRESS) ?? 'zstd:3');
    const parallel = intSetting(settings/* SETTINGS */.yy.PGKEEP_PARALLEL, env, o.parallel);
    const pgBinDir = given(o.pgBinDir, env.PGKEEP_PG_BINDIR);
    // Range 1..number of copies; unset (the default) means every copy: no WAL is acknowledged to
    // PostgreSQL before each copy holds it.
    const requiredRaw = given(env.PGKEEP_WAL_REQUIRED_COPIES);
    const walRequired = requiredRaw === undefined ? undefined : parse(intIn('PGKEEP_WAL_REQUIRED_COPIES', 1, Math.max(1, repos.length)), requiredRaw);
    const walRequiredCopies = walRequired !== undefined && walRequired < repos.length ? { walRequiredCopies: walRequired } : {};
    const walSource = parse(walSourceSchema(given(o.walSource) !== undefined ? '--wal-source' : 'PGKEEP_WAL_SOURCE'), given(o.walSource, env.PGKEEP_WAL_SOURCE) ?? 'archive');
    return { repoUrl, repos, ...(cluster ? { cluster } : {}), s3, pgEnv, pgBinDir, retentionDays, compression, parallel, walSource, compressionGiven: given(o.compress, env.PGKEEP_COMPRESS) !== undefined, settings: (0,settings/* tuningSettings */.bF)(env), env, ...walRequiredCopies };
}
/** A declared whole-number setting: the override (its flag named in errors), else the environment, else the default. */
function intSetting(spec, env, override) {
    if (given(override) !== undefined)
        return (0,settings/* parseIntSetting */.x3)(spec, override, `--${spec.flag ?? spec.name}`);
    const raw = given(env[spec.name]);
    return raw === undefined ? spec.default : (0,settings/* parseIntSetting */.x3)(spec, raw);
}
/**
 * The part of the environment a server started by pgkeep needs for its restore_command /
 * archive_command (`pgkeep wal-fetch`/`wal-push` against S3): AWS_* and PGKEEP_* settings.
 * Credentials travel in the process environment, never in postgresql.auto.conf.
 */
function serverEnv(cfg) {
    const out = {};
    for (const [k, v] of Object.entries(cfg.env))
        if (v !== undefined && /^(AWS_|PGKEEP_)/.test(k))
            out[k] = v;
    // The repository in effect, cluster included: an archive_command that reads PGKEEP_REPO
    // writes where this run reads (also when it came from --repo/--cluster, not the environment).
    if (cfg.repoUrl) {
        out.PGKEEP_REPO = cfg.repoUrl;
        delete out.PGKEEP_CLUSTER;
    }
    return out;
}


/***/ }),

/***/ 4661:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Co: () => (/* binding */ zstdWorkersFor),
/* harmony export */   HU: () => (/* binding */ rawSetting),
/* harmony export */   LA: () => (/* binding */ readSetting),
/* harmony export */   bF: () => (/* binding */ tuningSettings),
/* harmony export */   dK: () => (/* binding */ debugEnabled),
/* harmony export */   x3: () => (/* binding */ parseIntSetting),
/* harmony export */   y_: () => (/* binding */ SETTING_SPECS),
/* harmony export */   yy: () => (/* binding */ SETTINGS)
/* harmony export */ });
/* unused harmony exports parseBoolSetting, parseEnumSetting, TUNING, WORKFLOW_VARIABLES */
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(17);
// Every setting pgkeep reads, declared once: name, default, range, one line of doc, whether it is
// a secret, which commands read it. loadConfig parses from here, `pgkeep config` prints from
// here, and the README's configuration table is generated from here (npm run docs), so a
// default or a range cannot drift between the code and the docs.

// Generic so each entry keeps its own type: whether it has a default decides `| undefined` below.
const int = (s) => ({ kind: 'int', ...s });
const bool = (s) => ({ kind: 'bool', ...s });
const oneOf = (s) => ({ kind: 'enum', ...s });
const str = (s) => ({ kind: 'string', ...s });
const CONNECTS = ['backup', 'restore', 'wal-pull', 'swap', 'slot'];
const S3 = ['*'];
/**
 * The declaration. Order is the README table's order. Settings that loadConfig turns into
 * top-level Config fields (repo, cluster, s3, retentionDays…) and the tuning settings of
 * Config.settings (TUNING below) are all here.
 */
const SETTINGS = {
    // The server: libpq's own variables, handed unchanged to PostgreSQL's tools.
    DATABASE_URL: str({ name: 'DATABASE_URL', doc: 'the server as one URL (`postgres://user:password@host:5432/db?sslmode=verify-full`); its parts override the `PG*` variables', defaultText: 'libpq variables', secret: true, commands: CONNECTS }),
    PGHOST: str({ name: 'PGHOST', doc: 'the server (every libpq variable — `PGPORT`, `PGUSER`, `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`, … — is passed to the tools unchanged)', defaultText: 'libpq default', commands: CONNECTS }),
    PGPORT: int({ name: 'PGPORT', doc: 'server port', defaultText: 'libpq default (5432)', min: 1, max: 65535, commands: CONNECTS }),
    PGUSER: str({ name: 'PGUSER', doc: 'role to connect as (needs REPLICATION for physical backups)', defaultText: 'libpq default', commands: CONNECTS }),
    PGPASSWORD: str({ name: 'PGPASSWORD', doc: 'password (or `PGPASSFILE`)', defaultText: 'none', secret: true, commands: CONNECTS }),
    PGDATABASE: str({ name: 'PGDATABASE', doc: 'database to connect to', defaultText: 'libpq default', commands: CONNECTS }),
    PGSSLMODE: oneOf({ name: 'PGSSLMODE', doc: 'TLS to the server, as libpq (see below)', values: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'], default: 'prefer', defaultText: '`prefer`', commands: CONNECTS }),
    // The repository.
    PGKEEP_REPO: str({ name: 'PGKEEP_REPO', flag: 'repo', input: 'repo', doc: '`file:///abs/path` or `s3://bucket/prefix`; comma-separated = every copy written, reads from the first that has it; per-copy options in the query: `?storage-class=STANDARD_IA&sse=aws:kms&sse-kms-key-id=…&endpoint=…&region=…&force-path-style=true&profile=…&object-lock=governance|compliance&lock-days=N` (`profile`: that copy\'s credentials from `~/.aws/credentials`; `object-lock`: every object but the lock files is written with S3 Object Lock retention for N days, on a bucket created with Object Lock)', form: 'URL list', defaultText: 'required', commands: ['*'] }),
    PGKEEP_CLUSTER: str({ name: 'PGKEEP_CLUSTER', flag: 'cluster', input: 'cluster', doc: 'a fleet member: appends `/<cluster>` to the path of every copy in `PGKEEP_REPO`, keeping each copy\'s `?options`; 1–63 letters, digits, `.`, `-`, `_`. An explicit `--repo`/`repo` input is the whole location: only `--cluster`/`cluster` is appended to it', form: 'name', defaultText: 'none', commands: ['*'] }),
    // Client-side encryption (age): off unless recipients are set.
    PGKEEP_AGE_RECIPIENTS: str({ name: 'PGKEEP_AGE_RECIPIENTS', input: 'age-recipients', doc: 'age public keys (`age1…`, comma- or space-separated): every object written (backups, dumps, globals, WAL, history files) is zstd-compressed, then encrypted for them on the runner and stored with an `.age` suffix; checksums stay over the stored bytes, so `verify` needs no key', form: 'age1… list', defaultText: 'off (objects stored unencrypted)', commands: ['backup', 'wal-push', 'wal-pull', 'verify'] }),
    PGKEEP_AGE_IDENTITY: str({ name: 'PGKEEP_AGE_IDENTITY', input: 'age-identity', doc: 'the age secret key (`AGE-SECRET-KEY-1…`) or the path of an identity file; needed only to read encrypted objects: restore, `wal-fetch` (a server pgkeep starts gets it from its environment, never from `postgresql.auto.conf`), verify with a restore or a content check', form: 'AGE-SECRET-KEY-1… or path', defaultText: 'none', secret: true, commands: ['restore', 'wal-fetch', 'verify', 'wal-push'] }),
    // S3: the AWS SDK's own chain plus our knobs.
    AWS_ACCESS_KEY_ID: str({ name: 'AWS_ACCESS_KEY_ID', doc: 'S3 access key (with `AWS_SECRET_ACCESS_KEY`); unset: the SDK chain (profiles, instance roles)', defaultText: 'SDK chain', secret: true, commands: S3 }),
    AWS_SECRET_ACCESS_KEY: str({ name: 'AWS_SECRET_ACCESS_KEY', doc: 'S3 secret key', defaultText: 'SDK chain', secret: true, commands: S3 }),
    AWS_SESSION_TOKEN: str({ name: 'AWS_SESSION_TOKEN', doc: 'temporary credentials\' session token', defaultText: 'none', secret: true, commands: S3 }),
    AWS_REGION: str({ name: 'AWS_REGION', doc: 'S3 region (or `AWS_DEFAULT_REGION`, or `region=` per copy)', defaultText: 'SDK default', commands: S3 }),
    AWS_PROFILE: str({ name: 'AWS_PROFILE', doc: 'profile of `~/.aws/credentials` (or `profile=` per copy)', defaultText: 'SDK default', commands: S3 }),
    AWS_ENDPOINT_URL_S3: str({ name: 'AWS_ENDPOINT_URL_S3', doc: 'S3-compatible endpoint (MinIO, SeaweedFS, Ceph), `http(s)://host:port` (or `AWS_ENDPOINT_URL`, or `endpoint=` per copy)', defaultText: 'AWS', commands: S3 }),
    PGKEEP_S3_FORCE_PATH_STYLE: bool({ name: 'PGKEEP_S3_FORCE_PATH_STYLE', doc: 'path-style addressing (MinIO, SeaweedFS, Ceph)', defaultText: 'on when an endpoint is set', commands: S3 }),
    PGKEEP_S3_MAX_ATTEMPTS: int({ name: 'PGKEEP_S3_MAX_ATTEMPTS', doc: 'attempts per S3 request on retryable errors (5xx, throttling, network), with backoff', min: 1, max: 20, default: 5, defaultText: '5', commands: S3 }),
    PGKEEP_S3_PART_SIZE_MIB: int({ name: 'PGKEEP_S3_PART_SIZE_MIB', doc: 'multipart part size; × 10,000 parts bounds an object (16 MiB → ~156 GiB), × concurrency bounds memory', min: 5, max: 512, default: 16, defaultText: '16', commands: S3 }),
    PGKEEP_S3_UPLOAD_CONCURRENCY: int({ name: 'PGKEEP_S3_UPLOAD_CONCURRENCY', doc: 'parts of one object uploaded at once', min: 1, max: 16, default: 4, defaultText: '4', commands: S3 }),
    // What runs.
    PGKEEP_RETENTION_DAYS: int({ name: 'PGKEEP_RETENTION_DAYS', flag: 'retention-days', doc: 'recovery window: `expire` keeps what restoring to any instant of the last N days needs', min: 1, max: 3650, default: 30, defaultText: '30', commands: ['expire'] }),
    PGKEEP_COMPRESS: str({ name: 'PGKEEP_COMPRESS', flag: 'compress', doc: '`zstd`, `zstd:LEVEL` (1–19) or `none`', form: 'zstd[:LEVEL] | none', defaultText: '`zstd:3` (full backups and database dumps: level 1)', commands: ['backup', 'wal-push', 'wal-pull'] }),
    PGKEEP_COMPRESS_AT: oneOf({ name: 'PGKEEP_COMPRESS_AT', doc: 'where a full backup is compressed: `client` (the runner), `server` (the walsender, `COMPRESSION \'zstd\'`), or `auto`: the server when it is on this host (Unix socket or loopback) and built with zstd, else the runner', values: ['auto', 'client', 'server'], default: 'auto', defaultText: '`auto`', commands: ['backup'] }),
    PGKEEP_ZSTD_WORKERS: int({ name: 'PGKEEP_ZSTD_WORKERS', doc: 'backup compression threads (runner: zstd frames at once, for a full backup at least 1, per database dump 0 = one inline stream; server: libzstd workers, 0 = inline)', min: 0, max: 64, defaultText: 'client: min(4, CPUs); server: 0 (chosen by `auto`: min(4, CPUs))', commands: ['backup'] }),
    PGKEEP_MAX_RATE_KB: int({ name: 'PGKEEP_MAX_RATE_KB', doc: 'full/incr backups: the server reads at most this many kB/s (`MAX_RATE`), to spare production I/O', min: 32, max: 1048576, defaultText: 'unlimited', commands: ['backup'] }),
    PGKEEP_PARALLEL: int({ name: 'PGKEEP_PARALLEL', flag: 'parallel', doc: 'databases dumped / objects moved at once', min: 1, max: 64, default: 2, defaultText: '2', commands: ['backup', 'restore', 'verify', 'expire', 'wal-pull'] }),
    PGKEEP_PG_BINDIR: str({ name: 'PGKEEP_PG_BINDIR', doc: 'PostgreSQL tools to use (pg_dump, pg_basebackup, pg_combinebackup, …)', form: 'directory', defaultText: '`/usr/lib/postgresql/<server major>/bin`, then PATH', commands: ['backup', 'restore', 'verify', 'wal-pull'] }),
    PGKEEP_WAL_SOURCE: oneOf({ name: 'PGKEEP_WAL_SOURCE', flag: 'wal-source', doc: 'where `backup --type incr` on PostgreSQL 15/16 gets its WAL: `archive` (archive_command; no replication slot) or `slot` (pull over the `pgkeep` slot)', values: ['archive', 'slot'], default: 'archive', defaultText: '`archive`', commands: ['backup'] }),
    PGKEEP_WAL_WAIT_SECONDS: int({ name: 'PGKEEP_WAL_WAIT_SECONDS', doc: 'how long a full/incr backup waits for its WAL to reach the repository; archive_command failing (pg_stat_archiver) ends the wait sooner', min: 1, max: 86400, default: 120, defaultText: '120', commands: ['backup'] }),
    PGKEEP_WAL_PUSH_PARALLEL: int({ name: 'PGKEEP_WAL_PUSH_PARALLEL', doc: 'segments `wal-push` sends at once (the one asked for plus `.ready` ones ahead)', min: 1, max: 64, default: 4, defaultText: '4', commands: ['wal-push'] }),
    PGKEEP_WAL_REQUIRED_COPIES: int({ name: 'PGKEEP_WAL_REQUIRED_COPIES', doc: 'copies (the first N of `PGKEEP_REPO`) that must hold a WAL file before `wal-push` succeeds; the rest are filled in later and their lag reported', min: 1, max: Infinity, defaultText: 'every copy', commands: ['wal-push', 'wal-pull'] }),
    PGKEEP_WAL_PREFETCH: int({ name: 'PGKEEP_WAL_PREFETCH', doc: 'segments `wal-fetch` fetches ahead into `pg_wal/pgkeep-prefetch/` (0 = off)', min: 0, max: 256, default: 8, defaultText: '8', commands: ['wal-fetch'] }),
    PGKEEP_WAL_FETCH_PARALLEL: int({ name: 'PGKEEP_WAL_FETCH_PARALLEL', doc: 'prefetch downloads at once', min: 1, max: 64, default: 4, defaultText: '4', commands: ['wal-fetch'] }),
    PGKEEP_RESTORE_STAGE_SEGMENTS: int({ name: 'PGKEEP_RESTORE_STAGE_SEGMENTS', doc: 'WAL segments fetched while the base backup extracts (0 = none); with `--start` and in drills, also how many are kept staged ahead of replay while the server recovers', min: 0, max: 1_000_000, default: 64, defaultText: '64', commands: ['restore', 'verify'] }),
    PGKEEP_NO_ZSTD_CLI: bool({ name: 'PGKEEP_NO_ZSTD_CLI', doc: 'use no `zstd` CLI even when it is on PATH: logical dumps are compressed, and base backups and dumps decompressed, in-process', default: false, defaultText: 'off', commands: ['backup', 'restore', 'verify'] }),
    PGKEEP_NODE_PATH: str({ name: 'PGKEEP_NODE_PATH', doc: 'Node written into `restore_command` (absolute; one the PostgreSQL server user can read)', form: 'absolute path', defaultText: 'the running one', commands: ['restore', 'verify'] }),
    PGKEEP_CLI_PATH: str({ name: 'PGKEEP_CLI_PATH', doc: '`dist/cli/index.js` written into `restore_command`', form: 'absolute path', defaultText: 'the running one', commands: ['restore', 'verify'] }),
    PGKEEP_RESTORE_ARCHIVE_MODE: oneOf({ name: 'PGKEEP_RESTORE_ARCHIVE_MODE', doc: 'deprecated: `off` is the default (a restored cluster never archives); `preserve` means `--new-primary`', values: ['off', 'preserve'], default: 'off', defaultText: '`off`', deprecated: true, commands: ['restore'] }),
    PGKEEP_DEBUG: bool({ name: 'PGKEEP_DEBUG', doc: '`1`: debug log lines, and the stack of an unexpected error', default: false, defaultText: 'off', commands: ['*'] }),
};
const SETTING_SPECS = Object.values(SETTINGS);
function badSetting(spec, raw, what = spec.name) {
    const expected = spec.kind === 'int'
        ? `a whole number from ${spec.min} to ${Number.isFinite(spec.max) ? spec.max : 'the number of copies'}`
        : spec.kind === 'bool'
            ? 'true or false'
            : spec.kind === 'enum'
                ? `one of ${spec.values.join(', ')}`
                : spec.form ?? 'a value';
    return new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('bad-config', `${what}="${raw}" is not valid: expected ${expected}.`);
}
/** The raw value as given: blank means unset ("use the default"). */
function rawSetting(env, name) {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v;
}
/** A whole number within the declared range; `what` names the flag/input when it came from one. */
function parseIntSetting(spec, raw, what = spec.name, max = spec.max) {
    // Digits only: Number() would also take "0x1F", "1e2" or " ".
    const n = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < spec.min || n > max)
        throw badSetting({ ...spec, max }, String(raw), what);
    return n;
}
function parseBoolSetting(spec, raw, what = spec.name) {
    const s = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s))
        return true;
    if (['0', 'false', 'no', 'off', ''].includes(s))
        return false;
    throw badSetting(spec, raw, what);
}
function parseEnumSetting(spec, raw, what = spec.name) {
    const s = raw.trim().toLowerCase();
    const hit = spec.values.find((v) => v === s);
    if (hit === undefined)
        throw badSetting(spec, raw, what);
    return hit;
}
const TUNING = {
    compressAt: SETTINGS.PGKEEP_COMPRESS_AT,
    zstdWorkers: SETTINGS.PGKEEP_ZSTD_WORKERS,
    maxRateKb: SETTINGS.PGKEEP_MAX_RATE_KB,
    walWaitSeconds: SETTINGS.PGKEEP_WAL_WAIT_SECONDS,
    walPushParallel: SETTINGS.PGKEEP_WAL_PUSH_PARALLEL,
    walPrefetch: SETTINGS.PGKEEP_WAL_PREFETCH,
    walFetchParallel: SETTINGS.PGKEEP_WAL_FETCH_PARALLEL,
    restoreStageSegments: SETTINGS.PGKEEP_RESTORE_STAGE_SEGMENTS,
    noZstdCli: SETTINGS.PGKEEP_NO_ZSTD_CLI,
    nodePath: SETTINGS.PGKEEP_NODE_PATH,
    cliPath: SETTINGS.PGKEEP_CLI_PATH,
    restoreArchiveMode: SETTINGS.PGKEEP_RESTORE_ARCHIVE_MODE,
    debug: SETTINGS.PGKEEP_DEBUG,
};
/** One setting from the environment: its default when unset; a clear error naming it when bad. */
function readSetting(spec, env) {
    const raw = rawSetting(env, spec.name);
    if (raw === undefined)
        return 'default' in spec ? spec.default : undefined;
    switch (spec.kind) {
        case 'int':
            return parseIntSetting(spec, raw);
        case 'bool':
            return parseBoolSetting(spec, raw);
        case 'enum':
            return parseEnumSetting(spec, raw);
        default:
            return raw;
    }
}
function tuningSettings(env) {
    const out = {};
    const cache = new Map();
    for (const [key, spec] of Object.entries(TUNING))
        Object.defineProperty(out, key, {
            enumerable: true,
            get() {
                if (!cache.has(key))
                    cache.set(key, readSetting(spec, env));
                return cache.get(key);
            },
        });
    return out;
}
/**
 * Full-backup compression threads: PGKEEP_ZSTD_WORKERS or, unset, min(4, CPUs) on the runner
 * and 0 (inline) in the walsender. The runner needs at least one worker to compress at all.
 */
function zstdWorkersFor(s, at, cpus) {
    const w = s.zstdWorkers;
    if (w === undefined)
        return at === 'client' ? Math.min(4, cpus) : 0;
    if (at === 'client' && w < 1)
        throw badSetting({ ...SETTINGS.PGKEEP_ZSTD_WORKERS, min: 1 }, String(w));
    return w;
}
/**
 * PGKEEP_DEBUG for the logger and the error printers, which run before (or without) a Config:
 * never throws, a bad value is just "off" (a log switch must not be what fails a run).
 */
function debugEnabled(env = process.env) {
    try {
        return readSetting(SETTINGS.PGKEEP_DEBUG, env) === true;
    }
    catch {
        return false;
    }
}
/**
 * Repository variables and secrets the shipped workflows read (`vars.*`, `secrets.*`) and pass on
 * as inputs; pgkeep itself never reads them, so they are not settings (README: setup section).
 */
const WORKFLOW_VARIABLES = (/* unused pure expression or super */ null && (['PGKEEP_CLUSTERS', 'PGKEEP_RUNNER_LABELS', 'PGKEEP_MAX_AGE_HOURS', 'PGKEEP_WEBHOOK_URL']));


/***/ }),

/***/ 6776:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   H: () => (/* binding */ backupObjectKey),
/* harmony export */   Hp: () => (/* binding */ FORMAT_VERSION),
/* harmony export */   JN: () => (/* binding */ parseBackupId),
/* harmony export */   KA: () => (/* binding */ makeBackupId),
/* harmony export */   Rn: () => (/* binding */ manifestKey),
/* harmony export */   TL: () => (/* binding */ lockKey),
/* harmony export */   d6: () => (/* binding */ BACKUPS_PREFIX),
/* harmony export */   i1: () => (/* binding */ walKey),
/* harmony export */   iW: () => (/* binding */ WAL_PREFIX),
/* harmony export */   k6: () => (/* binding */ REPO_INFO_KEY),
/* harmony export */   kX: () => (/* binding */ LOCKS_PREFIX),
/* harmony export */   nY: () => (/* binding */ backupPrefix),
/* harmony export */   u$: () => (/* binding */ walKeyEncrypted)
/* harmony export */ });
/* unused harmony export walTimelineDir */
// Repository format v1: where every object lives. The README documents the same layout so a
// restore works with standard tools alone; change both together and bump FORMAT_VERSION.
const FORMAT_VERSION = 1;
const REPO_INFO_KEY = 'pgkeep.json';
const BACKUPS_PREFIX = 'backups/';
const WAL_PREFIX = 'wal/';
const LOCKS_PREFIX = 'locks/';
const backupPrefix = (id) => `${BACKUPS_PREFIX}${id}/`;
const manifestKey = (id) => `${BACKUPS_PREFIX}${id}/manifest.json`;
const backupObjectKey = (id, name) => `${BACKUPS_PREFIX}${id}/${name}`;
/** `000000010000000000000003` → timeline directory `00000001`. */
const walTimelineDir = (segmentOrHistory) => segmentOrHistory.slice(0, 8);
/** WAL segments and timeline history files, compressed: `wal/00000001/000000010000000000000003.zst`. */
const walKey = (fileName) => `${WAL_PREFIX}${walTimelineDir(fileName)}/${fileName}.zst`;
/** The same, age-encrypted (PGKEEP_AGE_RECIPIENTS): `wal/00000001/000000010000000000000003.zst.age`. */
const walKeyEncrypted = (fileName) => `${walKey(fileName)}.age`;
const lockKey = (name) => `${LOCKS_PREFIX}${name}.lock`;
/** Ids sort by time: `20261125T020000Z-full`. */
function makeBackupId(at, type) {
    const s = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
    return `${s}-${type}`;
}
const ID_RE = /^(\d{8}T\d{6}Z)-(logical|full|incr)$/;
function parseBackupId(id) {
    const m = ID_RE.exec(id);
    if (!m)
        return null;
    const t = m[1];
    const iso = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`;
    return { time: new Date(iso), type: m[2] };
}


/***/ }),

/***/ 5530:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $: () => (/* binding */ MirrorStore)
/* harmony export */ });
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(17);
/* harmony import */ var _util_log_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(9906);
// Several copies (e.g. local MinIO + AWS offsite): every write goes to all of them, reads come
// from the first copy that has the object. A failed copy is named in the error.
// With `relaxed` (PGKEEP_WAL_REQUIRED_COPIES for WAL keys), a write succeeds once the first N
// copies hold the object; the other copies' failures are logged and remembered in `missed`,
// and `pgkeep verify --repair` / the next backup fills them in (copy-repair.ts).



class MirrorStore {
    copies;
    options;
    description;
    /** Writes that succeeded without some copies (relaxed keys): what those copies now lack. */
    missed = [];
    constructor(copies, options = {}) {
        this.copies = copies;
        this.options = options;
        this.description = copies.map((c) => c.description).join(' + ');
    }
    /** How many leading copies must take a write of `key`. */
    requiredFor(key) {
        const r = this.options.relaxed;
        return r && key.startsWith(r.prefix) ? Math.max(1, Math.min(r.copies, this.copies.length)) : this.copies.length;
    }
    /** The same copies, read in another order (the fallback after a corrupt read); writes unchanged. */
    preferring(first) {
        const order = [...this.copies.slice(first), ...this.copies.slice(0, first)];
        return new MirrorStore(order, this.options);
    }
    async put(key, body, opts) {
        // Tee with back-pressure: the source pauses until every copy has taken the chunk.
        const branches = this.copies.map(() => new node_stream__WEBPACK_IMPORTED_MODULE_0__.PassThrough({ highWaterMark: 1 << 20 }));
        const results = this.copies.map((c, i) => c.put(key, branches[i], opts));
        const pump = (async () => {
            try {
                for await (const chunk of body) {
                    const waits = [];
                    for (const b of branches) {
                        if (b.destroyed)
                            continue;
                        if (!b.write(chunk))
                            waits.push(new Promise((r) => {
                                // Remove both listeners once either fires: a long upload must not pile them up.
                                const done = () => {
                                    b.off('drain', done);
                                    b.off('close', done);
                                    r();
                                };
                                b.on('drain', done);
                                b.on('close', done);
                            }));
                    }
                    await Promise.all(waits);
                }
                for (const b of branches)
                    b.end();
            }
            catch (e) {
                for (const b of branches)
                    b.destroy(e);
                throw e;
            }
        })();
        // A copy that fails must not stall the others: destroy its branch so writes skip it.
        results.forEach((p, i) => p.catch(() => branches[i].destroy()));
        const settled = await Promise.allSettled([pump, ...results]);
        if (settled[0].status === 'rejected')
            throw settled[0].reason;
        let failed = settled.slice(1).map((s, i) => ({ s, c: this.copies[i], i })).filter((x) => x.s.status === 'rejected');
        const required = this.requiredFor(key);
        const reason = (f) => f.s.reason;
        // Copies beyond the required ones may fail (not with `exists`: that one needs comparing).
        const tolerated = required < this.copies.length ? failed.filter((f) => f.i >= required && reason(f)?.code !== 'exists') : [];
        if (tolerated.length && failed.length === tolerated.length) {
            for (const f of tolerated) {
                this.missed.push({ key, copy: f.c.description, error: reason(f)?.message ?? String(reason(f)) });
                _util_log_js__WEBPACK_IMPORTED_MODULE_2__/* .log */ .Rm.warn(`${key} was not written to ${f.c.description} (${reason(f)?.message ?? reason(f)}); the first ${required} cop${required === 1 ? 'y holds' : 'ies hold'} it (PGKEEP_WAL_REQUIRED_COPIES=${required}), so this succeeds; that copy lags until pgkeep verify --repair or the next backup fills it in`);
            }
            failed = [];
        }
        if (failed.length) {
            const first = failed[0].s.reason;
            // The existing-object case keeps its code so idempotent writers (WAL push) can handle it.
            if (failed.every((f) => f.s.reason?.code === 'exists'))
                throw first;
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z('mirror-failed', `Writing ${key} failed on ${failed.map((f) => f.c.description).join(', ')}: ${first.message}`, `The other ${this.copies.length - failed.length} cop${this.copies.length - failed.length === 1 ? 'y was' : 'ies were'} written; fix the failing copy and run again.`);
        }
        const firstOk = settled.slice(1).find((x) => x.status === 'fulfilled');
        return firstOk?.value ?? { bytes: 0 };
    }
    /**
     * The first copy that has the object. `not-found` only when EVERY copy answered "no such
     * object": a copy that failed otherwise (denied, unreachable) may hold it, and restore_command
     * reads not-found as "the archive ends here".
     */
    async get(key) {
        const errors = [];
        let allMissing = true;
        for (const c of this.copies) {
            try {
                return await c.get(key);
            }
            catch (e) {
                errors.push(`${c.description}: ${e.message}`);
                if (!(e instanceof _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z && e.code === 'not-found'))
                    allMissing = false;
            }
        }
        if (allMissing)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z('not-found', `Object ${key} not found in any copy (${errors.join('; ')}).`);
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z('repo-unreachable', `Object ${key} could not be read from any copy (${errors.join('; ')}).`, 'A copy that failed may hold it: fix that copy (or remove it from PGKEEP_REPO) and run again.');
    }
    /** From the first copy that has the object, in get()'s order; the first error when none answers. */
    async readTail(key, bytes) {
        let failure;
        for (const c of this.copies) {
            try {
                if (!c.readTail)
                    throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z('unsupported', `${c.description} cannot read part of an object.`);
                return await c.readTail(key, bytes);
            }
            catch (e) {
                failure ??= e;
            }
        }
        throw failure;
    }
    /** The first copy's answer that has the object; null only when every copy answered "absent". */
    async head(key) {
        let failure;
        for (const c of this.copies) {
            try {
                const h = await c.head(key);
                if (h)
                    return h;
            }
            catch (e) {
                failure ??= e;
            }
        }
        if (failure)
            throw failure;
        return null;
    }
    /** The union of every reachable copy's listing (a copy that cannot be listed is skipped if another answers). */
    async list(prefix) {
        const settled = await Promise.allSettled(this.copies.map((c) => c.list(prefix)));
        const ok = settled.filter((s) => s.status === 'fulfilled');
        if (!ok.length)
            throw settled[0].reason;
        const byKey = new Map();
        for (const s of ok)
            for (const o of s.value)
                if (!byKey.has(o.key))
                    byKey.set(o.key, o);
        return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    async delete(key) {
        const settled = await Promise.allSettled(this.copies.map((c) => c.delete(key)));
        const bad = settled.map((s, i) => ({ s, c: this.copies[i] })).filter((x) => x.s.status === 'rejected');
        if (bad.length)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z('mirror-failed', `Deleting ${key} failed on ${bad.map((b) => b.c.description).join(', ')}.`);
    }
    async check() {
        const settled = await Promise.allSettled(this.copies.map((c) => c.check()));
        const bad = settled.map((s, i) => ({ s, c: this.copies[i] })).filter((x) => x.s.status === 'rejected');
        if (bad.length)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z('repo-unreachable', `Repository cop${bad.length > 1 ? 'ies' : 'y'} ${bad.map((b) => b.c.description).join(', ')} unusable: ${bad.map((b) => b.s.reason.message).join(' ')}`, 'Every copy in PGKEEP_REPO is written on each run; fix or remove the failing one.');
    }
}


/***/ }),

/***/ 528:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   OV: () => (/* binding */ withCopyFallback)
/* harmony export */ });
/* unused harmony exports BAD_READ_CODES, isBadRead */
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(17);
/* harmony import */ var _util_log_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(9906);
/* harmony import */ var _mirror_store_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(5530);
// Reads that fall back to the next copy when the bytes of one turn out bad. A mirror reads
// from the first copy that has an object, but a checksum failure is only known at the end of
// the stream, after the consumer took the bytes: so the whole read (fetch one WAL file, extract
// one tar) is repeated against the mirror with the next copy first. The bad copy is named in a
// warning (and pgkeep verify reports it); only when every copy fails does the read fail.



/**
 * Codes of a read whose bytes were wrong or broke off: another copy may hold good ones. (A copy
 * that cannot be opened at all is already skipped by MirrorStore.get; a broken S3 body is resumed.)
 */
const BAD_READ_CODES = new Set(['checksum-mismatch', 'corrupt-object', 'wal-corrupt', 'wal-read-failed']);
function isBadRead(e) {
    return e instanceof _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z && BAD_READ_CODES.has(e.code);
}
/**
 * Run `read` against `store`; on a bad read from a mirror, run it again preferring the next
 * copy, until one succeeds. `before` runs before each retry (undo a partial extraction).
 */
async function withCopyFallback(store, what, read, before) {
    if (!(store instanceof _mirror_store_js__WEBPACK_IMPORTED_MODULE_2__/* .MirrorStore */ .$) || store.copies.length < 2)
        return read(store);
    const failures = [];
    for (let i = 0; i < store.copies.length; i++) {
        try {
            if (i > 0)
                await before?.();
            const r = await read(i === 0 ? store : store.preferring(i));
            if (failures.length)
                _util_log_js__WEBPACK_IMPORTED_MODULE_1__/* .log */ .Rm.warn(`${what}: read from ${store.copies[i].description} after ${failures.join('; ')}; run pgkeep verify to find and repair the damaged copy`);
            return r;
        }
        catch (e) {
            if (!isBadRead(e) || i === store.copies.length - 1)
                throw e;
            failures.push(`${store.copies[i].description} failed (${e.message})`);
        }
    }
    /* c8 ignore next */
    throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('read-failed', `${what} could not be read from any copy.`);
}


/***/ }),

/***/ 5667:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   FW: () => (/* binding */ ageEncryptStream),
/* harmony export */   Nm: () => (/* binding */ decryptStages),
/* harmony export */   Og: () => (/* binding */ ageConfigured),
/* harmony export */   Qh: () => (/* binding */ checkAgeIdentity),
/* harmony export */   UI: () => (/* binding */ setAgeKeys),
/* harmony export */   a0: () => (/* binding */ hasAgeIdentity),
/* harmony export */   dL: () => (/* binding */ isAgeKey),
/* harmony export */   kn: () => (/* binding */ AGE_SUFFIX),
/* harmony export */   n3: () => (/* binding */ ageDecryptStream),
/* harmony export */   o7: () => (/* binding */ ageRecipients)
/* harmony export */ });
/* unused harmony exports RECIPIENTS_VAR, IDENTITY_VAR, parseRecipients, ageIdentities */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(17);
// Client-side encryption with age (https://age-encryption.org, the `age-encryption` package):
// objects are encrypted on the runner after compression (zstd → age) and stored with an `.age`
// suffix, so `age -d -i key.txt X.zst.age | zstd -dc` reads them with the standard tools alone.
// Both directions stream through web streams (typage's API) bridged to Node streams: nothing is
// held whole, age's 64 KiB chunks flow with back-pressure.
//
// The keys are process-wide, like the AWS SDK's credential chain: loadConfig installs them from
// PGKEEP_AGE_RECIPIENTS / PGKEEP_AGE_IDENTITY, and the object readers and writers below the
// config layer (under copy fallbacks and mirrors, which hand them per-copy stores) ask here.
// Both are parsed when first needed, so a bad identity never fails wal-push on the server.



const AGE_SUFFIX = '.age';
const RECIPIENTS_VAR = 'PGKEEP_AGE_RECIPIENTS';
const IDENTITY_VAR = 'PGKEEP_AGE_IDENTITY';
let ring = {};
/** Install the keys of this run (loadConfig). Blank means unset. */
function setAgeKeys(recipientsRaw, identityRaw) {
    ring = { recipientsRaw: recipientsRaw?.trim() || undefined, identityRaw: identityRaw?.trim() || undefined };
}
/** Parse `age1…` keys separated by commas or white space; an invalid one is refused naming the variable. */
function parseRecipients(raw) {
    const keys = raw.split(/[\s,]+/).filter(Boolean);
    for (const k of keys) {
        // Bech32: lower-case `age1` + data; only the public part ever appears here.
        if (!/^age1[02-9ac-hj-np-z]{20,}$/.test(k))
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('bad-config', `${RECIPIENTS_VAR} holds "${k.startsWith('AGE-SECRET-KEY') ? 'AGE-SECRET-KEY-1… (a secret key!)' : k.slice(0, 80)}", which is not an age public key.`, `List public keys (age1…, from age-keygen -y key.txt), separated by commas or spaces; the secret key belongs in ${IDENTITY_VAR}, only where restoring.`);
    }
    if (!keys.length)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('bad-config', `${RECIPIENTS_VAR} is set but holds no key.`, 'Unset it, or list age public keys (age1…).');
    return keys;
}
/** The recipients new objects are encrypted for, or undefined: encryption is off (the default). */
function ageRecipients() {
    if (!ring.recipientsRaw)
        return undefined;
    ring.recipients ??= parseRecipients(ring.recipientsRaw);
    return ring.recipients;
}
/** Whether an identity is configured (a read would try encrypted names first). */
function hasAgeIdentity() {
    return !!ring.identityRaw;
}
/** The identities to decrypt with: the value itself, or the keys in the file it names. */
function ageIdentities(what) {
    if (ring.identities)
        return ring.identities;
    const raw = ring.identityRaw;
    if (!raw)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('age-identity-missing', `${what} is encrypted with age and ${IDENTITY_VAR} is not set, so it cannot be read; nothing was written.`, `Set ${IDENTITY_VAR} to the secret key (AGE-SECRET-KEY-1…) or to the path of an age identity file, where restoring or verifying content.`);
    let text = raw;
    if (!raw.startsWith('AGE-SECRET-KEY-')) {
        try {
            text = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(raw, 'utf8');
        }
        catch (e) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('age-identity-missing', `${IDENTITY_VAR} is neither an age secret key nor a readable identity file (${e.code ?? 'unreadable'}: the path is not shown, it may be a key); nothing was written.`, `Set ${IDENTITY_VAR} to AGE-SECRET-KEY-1… or to the path of a file holding it (readable by the user running pgkeep; for restore_command, the PostgreSQL server's user).`);
        }
    }
    const keys = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
    const bad = keys.find((k) => !/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(k));
    if (!keys.length || bad !== undefined)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('age-identity-missing', `${IDENTITY_VAR} holds no valid age identity (expected lines AGE-SECRET-KEY-1…); nothing was written.`, 'Use the file age-keygen wrote, or its AGE-SECRET-KEY-1… line.');
    ring.identities = keys;
    return keys;
}
// Loaded on first use: wal-push without encryption (archive_command, once per segment) never pays for it.
const typage = () => __nccwpck_require__.e(/* import() */ 855).then(__nccwpck_require__.bind(__nccwpck_require__, 855));
function wrongIdentity(what, e) {
    const msg = e?.message ?? String(e);
    if (/no identity matched/i.test(msg))
        return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('age-identity-wrong', `${what} is encrypted for other age recipients than the identity in ${IDENTITY_VAR}; nothing was written.`, `Set ${IDENTITY_VAR} to the secret key matching one of the public keys the object was encrypted for (manifest.json "encryption.recipients").`);
    return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('corrupt-object', `${what} could not be decrypted (${msg}).`, 'The stored copy is damaged or truncated; read it from another copy or backup.');
}
/** Node Duplex around a web stream transformation that starts once its input stream exists. */
function bridge(start, mapError) {
    // `input` is what the Node side writes into; `output` is what it reads. Their queues (one
    // 64 KiB chunk each way plus Node's buffers) bound memory whatever the object's size.
    const input = new TransformStream(undefined, { highWaterMark: 1 }, { highWaterMark: 1 });
    const output = new TransformStream(undefined, { highWaterMark: 1 }, { highWaterMark: 1 });
    start(input.readable)
        .then((s) => s.pipeTo(output.writable))
        .catch((e) => {
        const err = mapError(e);
        output.writable.abort(err).catch(() => undefined);
        input.readable.cancel(err).catch(() => undefined);
    });
    return node_stream__WEBPACK_IMPORTED_MODULE_1__.Duplex.fromWeb({ readable: output.readable, writable: input.writable }, { objectMode: false });
}
/** zstd bytes in → age ciphertext out, for `recipients`. */
function ageEncryptStream(recipients) {
    return bridge(async (s) => {
        const enc = new (await typage()).Encrypter();
        for (const r of recipients)
            enc.addRecipient(r);
        return enc.encrypt(s);
    }, (e) => e);
}
/**
 * Age ciphertext in → plaintext out. A missing identity throws here, before any stream runs;
 * a wrong one or a damaged object fails the stream (the header is read first).
 */
function ageDecryptStream(what) {
    const ids = ageIdentities(what);
    return bridge(async (s) => {
        const dec = new (await typage()).Decrypter();
        for (const i of ids)
            dec.addIdentity(i);
        return dec.decrypt(s);
    }, (e) => (e instanceof _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z ? e : wrongIdentity(what, e)));
}
/**
 * Read only the header of `source` (an age object) and check the identity opens it, before a
 * restore writes anything. Consumes and discards the rest of what it reads.
 */
async function checkAgeIdentity(source, what) {
    try {
        const ids = ageIdentities(what);
        const dec = new (await typage()).Decrypter();
        for (const i of ids)
            dec.addIdentity(i);
        const out = await dec.decrypt(node_stream__WEBPACK_IMPORTED_MODULE_1__.Readable.toWeb(source));
        await out.cancel().catch(() => undefined);
    }
    catch (e) {
        throw e instanceof _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z ? e : wrongIdentity(what, e);
    }
    finally {
        source.destroy();
    }
}
/** Whether a stored key names an age-encrypted object (`….zst.age`). */
const isAgeKey = (key) => key.endsWith(AGE_SUFFIX);
/** The stage that undoes encryption for an object stored at `key`: none for a plain one. */
function decryptStages(key, what = key) {
    return isAgeKey(key) ? [ageDecryptStream(what)] : [];
}
/** Whether encrypted names are the likelier ones here (keys configured): asked first on reads. */
function ageConfigured() {
    return !!ring.recipientsRaw || !!ring.identityRaw;
}


/***/ }),

/***/ 17:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $Z: () => (/* binding */ PgkeepError),
/* harmony export */   Uc: () => (/* binding */ describeError),
/* harmony export */   pu: () => (/* binding */ isPgkeepError)
/* harmony export */ });
// Errors that reach a person: one sentence with the wrong value, plus a hint.
// The CLI prints `message` + `hint` and exits non-zero; actions call setFailed with the same.
class PgkeepError extends Error {
    code;
    hint;
    constructor(code, message, hint) {
        super(message);
        this.name = 'PgkeepError';
        this.code = code;
        this.hint = hint;
    }
}
function isPgkeepError(e) {
    return e instanceof PgkeepError;
}
/** One paragraph for a person: message and hint, no stack. Unexpected errors keep their message. */
function describeError(e) {
    if (isPgkeepError(e))
        return e.hint ? `${e.message} Hint: ${e.hint}` : e.message;
    if (e instanceof Error)
        return `unexpected error: ${e.message}`;
    return `unexpected error: ${String(e)}`;
}


/***/ }),

/***/ 9906:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Rm: () => (/* binding */ log),
/* harmony export */   a3: () => (/* binding */ formatDuration),
/* harmony export */   o: () => (/* binding */ setDebug),
/* harmony export */   qB: () => (/* binding */ progress),
/* harmony export */   vL: () => (/* binding */ setQuiet),
/* harmony export */   z3: () => (/* binding */ formatBytes)
/* harmony export */ });
/* unused harmony export setLogSink */
/* harmony import */ var _redact_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(767);
// Logging: one line per step on stderr (stdout is kept for --json and for tool output),
// with every line redacted. Progress lines carry bytes, rate and ETA.

let sink = (line) => process.stderr.write(line + '\n');
let quiet = false;
// PGKEEP_DEBUG, set by the CLI and the actions from their Config's environment.
let debugOn = () => false;
/** Actions route log lines to core.info; tests may capture them. */
function setLogSink(s) {
    sink = s;
}
function setQuiet(q) {
    quiet = q;
}
function setDebug(on) {
    debugOn = () => on;
}
const log = {
    info: (m) => {
        if (!quiet)
            sink((0,_redact_js__WEBPACK_IMPORTED_MODULE_0__/* .redact */ .E$)(m));
    },
    warn: (m) => sink((0,_redact_js__WEBPACK_IMPORTED_MODULE_0__/* .redact */ .E$)(`warning: ${m}`)),
    debug: (m) => {
        if (debugOn())
            sink((0,_redact_js__WEBPACK_IMPORTED_MODULE_0__/* .redact */ .E$)(`debug: ${m}`));
    },
};
function formatBytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = n;
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
function formatDuration(seconds) {
    if (seconds < 60)
        return `${seconds.toFixed(1)} s`;
    const m = Math.floor(seconds / 60);
    const s = Math.round(seconds % 60);
    if (m < 60)
        return `${m} min ${s} s`;
    return `${Math.floor(m / 60)} h ${m % 60} min`;
}
/**
 * Progress reporter: call `add(n)` as bytes pass; logs at most every `intervalMs`
 * a line with bytes, rate and (when the total is known) ETA.
 */
function progress(label, total, intervalMs = 5000) {
    const start = Date.now();
    let bytes = 0;
    let last = start;
    const line = (final) => {
        const secs = Math.max((Date.now() - start) / 1000, 0.001);
        const rate = bytes / secs;
        let s = `${label}: ${formatBytes(bytes)}`;
        if (total && total > 0)
            s += ` of ${formatBytes(total)} (${Math.min(100, (100 * bytes) / total).toFixed(0)}%)`;
        s += `, ${formatBytes(rate)}/s`;
        if (!final && total && rate > 0 && total > bytes)
            s += `, ETA ${formatDuration((total - bytes) / rate)}`;
        if (final)
            s += `, ${formatDuration(secs)}`;
        log.info(s);
    };
    return {
        add(n) {
            bytes += n;
            const now = Date.now();
            if (now - last >= intervalMs) {
                last = now;
                line(false);
            }
        },
        done() {
            line(true);
        },
        /** A better estimate of the total, when one arrives (the server's own, say). */
        setTotal(n) {
            if (n > 0)
                total = n;
        },
        get bytes() {
            return bytes;
        },
    };
}


/***/ }),

/***/ 767:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   E$: () => (/* binding */ redact),
/* harmony export */   cl: () => (/* binding */ registerSecret)
/* harmony export */ });
/* unused harmony export registeredSecrets */
// Secrets never reach logs or summaries: every string we print about a URL or a
// connection goes through here first.
const registered = new Set();
/** Remember a secret value so `redact` removes it wherever it appears. */
function registerSecret(value) {
    if (value && value.length >= 3)
        registered.add(value);
}
function registeredSecrets() {
    return [...registered];
}
/** Remove credentials from URLs (user:pass@), known secret query params and registered secrets. */
function redact(text) {
    let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(:[^/@\s]*)?@/gi, (_m, scheme) => `${scheme}***@`);
    out = out.replace(/((?:password|secret|token|key|sig|signature|x-amz-credential|x-amz-signature)=)[^&\s]+/gi, '$1***');
    for (const s of registered)
        out = out.split(s).join('***');
    return out;
}


/***/ }),

/***/ 4177:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   GV: () => (/* binding */ streamToBuffer),
/* harmony export */   P$: () => (/* binding */ ByteCounter),
/* harmony export */   Vf: () => (/* binding */ HashCounter),
/* harmony export */   e: () => (/* binding */ compressor),
/* harmony export */   sf: () => (/* binding */ mapLimit),
/* harmony export */   v3: () => (/* binding */ zstdDecompress)
/* harmony export */ });
/* unused harmony export zstdCompress */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(8522);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_zlib__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _zstd_frames_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(5724);
// Stream building blocks: hashing and counting pass-throughs, zstd (node:zlib), and a
// bounded parallel map. Nothing here buffers a whole object.




/** Pass-through that counts bytes and hashes them (SHA-256) without holding them. */
class HashCounter extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Transform {
    onBytes;
    hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
    bytes = 0;
    digest;
    constructor(onBytes) {
        super();
        this.onBytes = onBytes;
    }
    _transform(chunk, _enc, cb) {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        this.onBytes?.(chunk.length);
        cb(null, chunk);
    }
    get sha256() {
        if (!this.digest)
            this.digest = this.hash.digest('hex');
        return this.digest;
    }
}
/** Pass-through that only counts bytes: for sizes nobody hashes (a dump's raw bytes). */
class ByteCounter extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Transform {
    onBytes;
    bytes = 0;
    constructor(onBytes) {
        super({ highWaterMark: 1 << 20 });
        this.onBytes = onBytes;
    }
    _transform(chunk, _enc, cb) {
        this.bytes += chunk.length;
        this.onBytes?.(chunk.length);
        cb(null, chunk);
    }
}
function zstdCompress(level, workers = 0) {
    const params = { [(node_zlib__WEBPACK_IMPORTED_MODULE_2___default().constants).ZSTD_c_compressionLevel]: level };
    if (workers > 0)
        params[(node_zlib__WEBPACK_IMPORTED_MODULE_2___default().constants).ZSTD_c_nbWorkers] = workers;
    return node_zlib__WEBPACK_IMPORTED_MODULE_2___default().createZstdCompress({ params });
}
/**
 * Decompress every frame of a zstd stream. Node's own decompressor stops after the first
 * frame without an error; parallel compressors write many frames (see zstd-frames.ts).
 */
function zstdDecompress(what) {
    return new _zstd_frames_js__WEBPACK_IMPORTED_MODULE_3__/* .MultiFrameZstdDecompress */ .V(what);
}
function compressor(c) {
    return c.kind === 'zstd' ? zstdCompress(c.level) : null;
}
/** Run `fn` over items with at most `limit` in flight; rejects with the first error after all settle. */
async function mapLimit(items, limit, fn) {
    const results = new Array(items.length);
    let next = 0;
    let firstError;
    let failed = false;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            try {
                results[i] = await fn(items[i], i);
            }
            catch (e) {
                if (!failed) {
                    failed = true;
                    firstError = e;
                }
            }
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    if (failed)
        throw firstError;
    return results;
}
async function streamToBuffer(s) {
    const chunks = [];
    for await (const c of s)
        chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    return Buffer.concat(chunks);
}


/***/ }),

/***/ 5724:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   V: () => (/* binding */ MultiFrameZstdDecompress)
/* harmony export */ });
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(8522);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_zlib__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(17);
// Streaming zstd decompression of concatenated frames. Node's zstd decompressor (24.x) stops
// at the end of the first frame and silently drops the rest, but a base backup compressed in
// parallel is many independent frames (src/backup/parallel-zstd.ts), as `zstd -d` and the
// format allow. This transform finds frame boundaries from the frame and block headers
// (RFC 8878 §3.1) and feeds each frame to a fresh decompressor, in order, with back-pressure
// on both sides; skippable frames are skipped. Memory stays at a few stream buffers whatever
// the frame sizes.



const ZSTD_MAGIC = 0xfd2fb528;
class MultiFrameZstdDecompress extends node_stream__WEBPACK_IMPORTED_MODULE_0__.Transform {
    what;
    state = 'magic';
    acc = [];
    accLen = 0;
    need = 0;
    lastBlock = false;
    checksum = false;
    dec;
    decError;
    frames = 0;
    /** A frame is open: its decompressor takes the bytes up to the frame's end. */
    open = false;
    /** Where the open frame's bytes not yet fed begin in the chunk being consumed. */
    spanFrom = -1;
    constructor(what = 'zstd stream') {
        super({ highWaterMark: 1 << 20 });
        this.what = what;
    }
    get frameCount() {
        return this.frames;
    }
    _read(size) {
        this.dec?.resume();
        super._read(size);
    }
    _transform(chunk, _e, cb) {
        this.consume(chunk).then(() => cb(), (e) => cb(this.asCorrupt(e)));
    }
    _flush(cb) {
        if (this.state !== 'magic' || this.accLen > 0)
            return cb(new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('corrupt-object', `${this.what} is truncated: it ends inside a zstd frame.`, 'The stored copy is damaged; restore from another backup or copy.'));
        if (this.frames === 0)
            return cb(new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('corrupt-object', `${this.what} holds no zstd frame.`));
        cb();
    }
    asCorrupt(e) {
        if (e instanceof _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z)
            return e;
        return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('corrupt-object', `${this.what} could not be decompressed: ${e.message}.`, 'The stored copy is damaged; restore from another backup or copy.');
    }
    /** Take exactly `n` header bytes across chunks; returns them once complete. */
    takeHeader(chunk, off, n) {
        const used = Math.min(n - this.accLen, chunk.length - off);
        this.acc.push(chunk.subarray(off, off + used));
        this.accLen += used;
        if (this.accLen < n)
            return { used };
        const buf = Buffer.concat(this.acc, this.accLen);
        this.acc = [];
        this.accLen = 0;
        return { buf, used };
    }
    /** Hand the next bytes of the open frame to its decompressor (header and checksum included). */
    async feedFrame(b) {
        if (this.decError)
            throw this.decError;
        const dec = this.dec;
        if (!dec.write(b))
            await new Promise((resolve, reject) => {
                const onErr = (e) => reject(e);
                dec.once('error', onErr);
                dec.once('drain', () => {
                    dec.off('error', onErr);
                    resolve();
                });
            });
    }
    startFrame() {
        this.openFrame();
        this.open = true;
        this.frames++;
    }
    async endFrame() {
        await this.closeFrame();
        this.open = false;
        this.state = 'magic';
    }
    /** A new frame begins: a fresh decompressor for it. */
    openFrame() {
        const dec = node_zlib__WEBPACK_IMPORTED_MODULE_1___default().createZstdDecompress({ chunkSize: 1 << 20 });
        dec.on('data', (c) => {
            if (!this.push(c))
                dec.pause();
        });
        dec.on('error', (e) => (this.decError = e));
        this.dec = dec;
    }
    /** Every byte of the frame was fed: fail unless its decompressor finished it (checksum included). */
    async closeFrame() {
        // Keep this.dec set until its output is drained: _read must be able to resume it when
        // our consumer catches up (clearing it first deadlocks on a slow consumer).
        const dec = this.dec;
        if (this.decError)
            throw this.decError;
        await new Promise((resolve, reject) => {
            dec.once('end', resolve);
            dec.once('error', reject);
            dec.end();
            dec.resume();
        });
        this.dec = undefined;
    }
    async consume(chunk) {
        let off = 0;
        // Bytes of the open frame are handed to its decompressor as one span per chunk (and one at
        // the frame's end), not header by header and block by block: a write per zstd block cost
        // more CPU than the decompression itself (#13). The state machine below only finds where
        // each frame ends; -1 = no frame open in this chunk.
        this.spanFrom = this.open ? 0 : -1;
        while (off < chunk.length) {
            switch (this.state) {
                case 'magic': {
                    const t = this.takeHeader(chunk, off, 4);
                    off += t.used;
                    if (!t.buf)
                        break;
                    const magic = t.buf.readUInt32LE(0);
                    if (magic === ZSTD_MAGIC) {
                        this.startFrame();
                        // A magic split across chunks: its first bytes came with the previous chunk.
                        if (t.used === 4)
                            this.spanFrom = off - 4;
                        else {
                            await this.feedFrame(t.buf);
                            this.spanFrom = off;
                        }
                        this.state = 'fhd';
                    }
                    else if ((magic & 0xfffffff0) === 0x184d2a50)
                        this.state = 'skipSize';
                    else
                        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('corrupt-object', `${this.what} is not zstd data (bad frame magic 0x${magic.toString(16)} after ${this.frames} frame(s)).`, 'The stored copy is damaged; restore from another backup or copy.');
                    break;
                }
                case 'fhd': {
                    const fhd = chunk[off++];
                    const fcsFlag = fhd >> 6;
                    const single = (fhd >> 5) & 1;
                    this.checksum = ((fhd >> 2) & 1) === 1;
                    const dictSize = [0, 1, 2, 4][fhd & 3];
                    const fcsSize = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag];
                    this.need = (single ? 0 : 1) + dictSize + fcsSize;
                    this.state = this.need > 0 ? 'hdrRest' : 'blockHdr';
                    break;
                }
                case 'hdrRest':
                case 'blockBody':
                case 'checksum': {
                    const n = Math.min(this.need, chunk.length - off);
                    off += n;
                    this.need -= n;
                    if (this.need === 0)
                        await this.afterPart(chunk, off);
                    break;
                }
                case 'blockHdr': {
                    const t = this.takeHeader(chunk, off, 3);
                    off += t.used;
                    if (!t.buf)
                        break;
                    const v = t.buf[0] | (t.buf[1] << 8) | (t.buf[2] << 16);
                    this.lastBlock = (v & 1) === 1;
                    const type = (v >> 1) & 3;
                    if (type === 3)
                        throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('corrupt-object', `${this.what} has a reserved zstd block type (corrupt data).`);
                    this.need = type === 1 ? 1 : v >>> 3;
                    this.state = 'blockBody';
                    if (this.need === 0)
                        await this.afterPart(chunk, off);
                    break;
                }
                case 'skipSize': {
                    const t = this.takeHeader(chunk, off, 4);
                    off += t.used;
                    if (!t.buf)
                        break;
                    this.need = t.buf.readUInt32LE(0);
                    this.state = this.need > 0 ? 'skip' : 'magic';
                    break;
                }
                case 'skip': {
                    const n = Math.min(this.need, chunk.length - off);
                    off += n;
                    this.need -= n;
                    if (this.need === 0)
                        this.state = 'magic';
                    break;
                }
            }
        }
        // The open frame continues in the next chunk: hand over what this one holds of it.
        if (this.open && this.spanFrom >= 0 && this.spanFrom < chunk.length)
            await this.feedFrame(chunk.subarray(this.spanFrom));
    }
    /** A header, block or checksum ended at `off` of `chunk`; at a frame's end, feed and finish it. */
    async afterPart(chunk, off) {
        if (this.state === 'hdrRest')
            this.state = 'blockHdr';
        else if (this.state === 'blockBody') {
            if (!this.lastBlock)
                this.state = 'blockHdr';
            else if (this.checksum) {
                this.state = 'checksum';
                this.need = 4;
            }
            else
                await this.finishFrame(chunk, off);
        }
        else if (this.state === 'checksum')
            await this.finishFrame(chunk, off);
    }
    async finishFrame(chunk, off) {
        if (off > this.spanFrom)
            await this.feedFrame(chunk.subarray(this.spanFrom, off));
        this.spanFrom = -1;
        await this.endFrame();
    }
}


/***/ }),

/***/ 311:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   x: () => (/* binding */ VERSION)
/* harmony export */ });
// Single source of the version printed by the CLI and written into manifests.
const VERSION = '0.1.0';


/***/ }),

/***/ 9775:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $H: () => (/* binding */ LONG_HEADER_BYTES),
/* harmony export */   Gh: () => (/* binding */ segmentHeaderProblem),
/* harmony export */   IU: () => (/* binding */ controlFileSystemIdentifier),
/* harmony export */   _s: () => (/* binding */ parseSegmentHeader),
/* harmony export */   fi: () => (/* binding */ readSegmentHeader)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(17);
/* harmony import */ var _segment_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(1993);
// The long page header every WAL segment starts with (XLogLongPageHeaderData in PostgreSQL's
// access/xlog_internal.h), read to tell whose WAL a segment is and whether it is the segment its
// name says. Layout (little-endian on the platforms PostgreSQL runs on here):
//   0 uint16 xlp_magic   2 uint16 xlp_info   4 uint32 xlp_tli   8 uint64 xlp_pageaddr
//  16 uint32 xlp_rem_len (padded to 24)   24 uint64 xlp_sysid   32 uint32 xlp_seg_size
//  36 uint32 xlp_xlog_blcksz
// PostgreSQL itself checks these when it reads a segment, but in archive recovery a failed check
// reads as "end of valid WAL" and the server promotes; pgkeep checks first and fails loudly.



const LONG_HEADER_BYTES = 40;
/** xlp_info bit set on the first page of a segment. */
const XLP_LONG_HEADER = 0x0002;
function parseSegmentHeader(buf) {
    if (buf.length < LONG_HEADER_BYTES)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z('bad-wal-header', `A WAL segment header needs ${LONG_HEADER_BYTES} bytes, got ${buf.length}.`);
    return {
        magic: buf.readUInt16LE(0),
        info: buf.readUInt16LE(2),
        timeline: buf.readUInt32LE(4),
        pageAddr: buf.readBigUInt64LE(8),
        systemIdentifier: buf.readBigUInt64LE(24).toString(),
        segSize: buf.readUInt32LE(32),
        blockSize: buf.readUInt32LE(36),
    };
}
const powerOfTwo = (n, lo, hi) => n >= lo && n <= hi && (n & (n - 1)) === 0;
/**
 * Why the header of the WAL file `name` (segment or .partial) is not what its name promises, or
 * null when it is. `fileBytes` is the file's size when known (a .partial file may be shorter).
 * Every XLOG_PAGE_MAGIC since PostgreSQL 9.3 is 0xD0xx or 0xD1xx (0xD10D in 15, 0xD118 in 18).
 */
function segmentHeaderProblem(name, h, fileBytes) {
    if (h.magic < 0xd000 || h.magic > 0xd1ff)
        return `its page magic is 0x${h.magic.toString(16)}, not a PostgreSQL WAL page`;
    if (!(h.info & XLP_LONG_HEADER))
        return 'its first page has no long header';
    if (!powerOfTwo(h.segSize, 1 << 20, 1 << 30))
        return `its header names a segment size of ${h.segSize} bytes`;
    if (!powerOfTwo(h.blockSize, 1 << 10, 1 << 16))
        return `its header names a WAL block size of ${h.blockSize} bytes`;
    if (fileBytes !== undefined && !(0,_segment_js__WEBPACK_IMPORTED_MODULE_2__/* .isPartialName */ .$9)(name) && fileBytes !== h.segSize)
        return `it is ${fileBytes} bytes, its header says segments are ${h.segSize}`;
    const seg = (0,_segment_js__WEBPACK_IMPORTED_MODULE_2__/* .isPartialName */ .$9)(name) ? name.slice(0, 24) : name;
    if ((0,_segment_js__WEBPACK_IMPORTED_MODULE_2__/* .isSegmentName */ .Pb)(seg)) {
        const start = (0,_segment_js__WEBPACK_IMPORTED_MODULE_2__/* .parseSegmentName */ .EU)(seg, h.segSize).segno * BigInt(h.segSize);
        if (h.pageAddr !== start)
            return `its first page is for position ${fmt(h.pageAddr)}, the name says ${fmt(start)}`;
    }
    return null;
}
const fmt = (v) => `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
/** The header of a local segment file (first 40 bytes). */
async function readSegmentHeader(file) {
    const fh = await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.open(file, 'r');
    try {
        const buf = Buffer.alloc(LONG_HEADER_BYTES);
        const { bytesRead } = await fh.read(buf, 0, LONG_HEADER_BYTES, 0);
        const st = await fh.stat();
        if (bytesRead < LONG_HEADER_BYTES)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PgkeepError */ .$Z('bad-wal-header', `WAL file ${file} is only ${st.size} bytes: not a WAL segment.`);
        return { header: parseSegmentHeader(buf), bytes: st.size };
    }
    finally {
        await fh.close();
    }
}
/**
 * The system identifier in a data directory's global/pg_control (ControlFileData starts with
 * it, a uint64), or undefined when there is none to read (pgkeep run outside a data directory).
 */
async function controlFileSystemIdentifier(dataDir) {
    let fh;
    try {
        fh = await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.open(`${dataDir}/global/pg_control`, 'r');
    }
    catch (e) {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR')
            return undefined;
        throw e;
    }
    try {
        const buf = Buffer.alloc(8);
        const { bytesRead } = await fh.read(buf, 0, 8, 0);
        return bytesRead === 8 ? buf.readBigUInt64LE(0).toString() : undefined;
    }
    finally {
        await fh.close();
    }
}


/***/ }),

/***/ 1993:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $9: () => (/* binding */ isPartialName),
/* harmony export */   EU: () => (/* binding */ parseSegmentName),
/* harmony export */   Jc: () => (/* binding */ segmentName),
/* harmony export */   Mf: () => (/* binding */ isHistoryName),
/* harmony export */   Pb: () => (/* binding */ isSegmentName),
/* harmony export */   Q2: () => (/* binding */ isBackupHistoryName),
/* harmony export */   YF: () => (/* binding */ historyTimeline),
/* harmony export */   Zk: () => (/* binding */ DEFAULT_WAL_SEGMENT_SIZE),
/* harmony export */   cI: () => (/* binding */ historyFileName),
/* harmony export */   l2: () => (/* binding */ parseLsn),
/* harmony export */   rI: () => (/* binding */ formatLsn),
/* harmony export */   ty: () => (/* binding */ segnoForLsn),
/* harmony export */   ux: () => (/* binding */ parseHistoryFile)
/* harmony export */ });
/* unused harmony export segmentsPerXLogId */
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(17);
// WAL names and positions: segment file names, LSNs, timelines. Pure functions.
// A segment name is TTTTTTTT XXXXXXXX YYYYYYYY: timeline, then the segment number split as
// "log" (high 32 bits of the LSN) and "seg" (low bits / segment size).

const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;
const SEGMENT_RE = /^[0-9A-F]{24}$/;
const HISTORY_RE = /^([0-9A-F]{8})\.history$/;
const PARTIAL_RE = /^[0-9A-F]{24}\.partial$/;
const BACKUP_LABEL_RE = /^[0-9A-F]{24}\.[0-9A-F]{8}\.backup$/;
const isSegmentName = (n) => SEGMENT_RE.test(n);
const isHistoryName = (n) => HISTORY_RE.test(n);
const isPartialName = (n) => PARTIAL_RE.test(n);
const isBackupHistoryName = (n) => BACKUP_LABEL_RE.test(n);
function segmentsPerXLogId(segSize = DEFAULT_WAL_SEGMENT_SIZE) {
    return 0x100000000n / BigInt(segSize);
}
function parseSegmentName(name, segSize = DEFAULT_WAL_SEGMENT_SIZE) {
    if (!SEGMENT_RE.test(name))
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('bad-wal-name', `"${name}" is not a WAL segment name (24 hex digits).`);
    const timeline = parseInt(name.slice(0, 8), 16);
    const log = BigInt('0x' + name.slice(8, 16));
    const seg = BigInt('0x' + name.slice(16, 24));
    return { timeline, segno: log * segmentsPerXLogId(segSize) + seg };
}
function segmentName(timeline, segno, segSize = DEFAULT_WAL_SEGMENT_SIZE) {
    const per = segmentsPerXLogId(segSize);
    const hex = (n) => n.toString(16).toUpperCase().padStart(8, '0');
    return hex(timeline) + hex(segno / per) + hex(segno % per);
}
function historyFileName(timeline) {
    return timeline.toString(16).toUpperCase().padStart(8, '0') + '.history';
}
function historyTimeline(name) {
    const m = HISTORY_RE.exec(name);
    if (!m)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('bad-wal-name', `"${name}" is not a timeline history file name.`);
    return parseInt(m[1], 16);
}
/** `16/B374D848` → 64-bit number. */
function parseLsn(lsn) {
    const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
    if (!m)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PgkeepError */ .$Z('bad-lsn', `"${lsn}" is not an LSN.`, 'An LSN looks like 0/3000060 (two hex numbers separated by a slash).');
    return (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]);
}
function formatLsn(v) {
    return `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
}
/** The segment holding the byte at `lsn`. */
function segnoForLsn(lsn, segSize = DEFAULT_WAL_SEGMENT_SIZE) {
    return lsn / BigInt(segSize);
}
function parseHistoryFile(text) {
    const out = [];
    for (const raw of text.split('\n')) {
        const line = raw.trim();
        if (!line || line.startsWith('#'))
            continue;
        const [tli, lsn] = line.split(/\s+/);
        if (!tli || !lsn)
            continue;
        out.push({ timeline: Number(tli), switchLsn: parseLsn(lsn) });
    }
    return out;
}


/***/ }),

/***/ 4393:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Hd: () => (/* binding */ WAL_FETCH_EXIT),
/* harmony export */   O2: () => (/* binding */ walFetchExitCode),
/* harmony export */   dc: () => (/* binding */ walFetch),
/* harmony export */   uX: () => (/* binding */ PREFETCH_DIR)
/* harmony export */ });
/* unused harmony export cleanupPrefetch */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(17);
/* harmony import */ var _util_log_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(9906);
/* harmony import */ var _util_streams_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(4177);
/* harmony import */ var _wal_object_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(9846);
/* harmony import */ var _segment_header_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(9775);
/* harmony import */ var _segment_js__WEBPACK_IMPORTED_MODULE_7__ = __nccwpck_require__(1993);
// `pgkeep wal-fetch %f %p` (restore_command): fetch + verify + decompress one WAL file into
// %p atomically. During replay PostgreSQL asks for segments one at a time, so each call also
// fetches the next N segments of the same timeline in parallel into a spool directory
// (pg_wal/pgkeep-prefetch/, verified and decompressed); the next calls are served from there
// by a rename, after the spooled file's size and header are checked again. Spool files behind
// the requested segment on its timeline are deleted on every call.
//
// Exit status is what PostgreSQL acts on (RestoreArchivedFile in xlogarchive.c): 0 = restored;
// any status <= 125 = "not in the archive", so recovery ends there and the server PROMOTES; a
// status > 125 or a signal = FATAL, the startup process stops and nothing is promoted. Hence
// only PgkeepError `not-found` (the repository answered "no such file" — PostgreSQL asks for
// files that do not exist: the next timeline's .history, the end of the archive) exits 1;
// every other failure exits WAL_FETCH_EXIT.fatal.








const PREFETCH_DIR = 'pgkeep-prefetch';
/**
 * wal-fetch's exit statuses (the one place they are defined; the restore_command shell line
 * uses the same). 200: above 125 so PostgreSQL stops recovery with FATAL, clear of 126/127
 * (which PostgreSQL logs as "command not executable"/"not found") and of 128+signal numbers.
 */
const WAL_FETCH_EXIT = { restored: 0, notFound: 1, fatal: 200 };
/** The exit status for a wal-fetch that failed with `e`. */
function walFetchExitCode(e) {
    return e instanceof _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z && e.code === 'not-found' ? WAL_FETCH_EXIT.notFound : WAL_FETCH_EXIT.fatal;
}
async function walFetch(store, o) {
    const t0 = Date.now();
    const { name } = o;
    if (!((0,_segment_js__WEBPACK_IMPORTED_MODULE_7__/* .isSegmentName */ .Pb)(name) || (0,_segment_js__WEBPACK_IMPORTED_MODULE_7__/* .isHistoryName */ .Mf)(name) || (0,_segment_js__WEBPACK_IMPORTED_MODULE_7__/* .isBackupHistoryName */ .Q2)(name) || (0,_segment_js__WEBPACK_IMPORTED_MODULE_7__/* .isPartialName */ .$9)(name)))
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('bad-wal-name', `"${name}" is not a WAL file name.`, "Use restore_command = 'pgkeep wal-fetch %f %p'.");
    const dest = node_path__WEBPACK_IMPORTED_MODULE_1___default().resolve(o.dest);
    const spool = node_path__WEBPACK_IMPORTED_MODULE_1___default().join(node_path__WEBPACK_IMPORTED_MODULE_1___default().dirname(dest), PREFETCH_DIR);
    const elapsed = () => (Date.now() - t0) / 1000;
    // The cluster being recovered (restore_command runs in its data directory, %p is pg_wal/…):
    // a segment of another system would read as "end of WAL" to PostgreSQL.
    const systemIdentifier = node_path__WEBPACK_IMPORTED_MODULE_1___default().basename(node_path__WEBPACK_IMPORTED_MODULE_1___default().dirname(dest)) === 'pg_wal' ? await (0,_segment_header_js__WEBPACK_IMPORTED_MODULE_6__/* .controlFileSystemIdentifier */ .IU)(node_path__WEBPACK_IMPORTED_MODULE_1___default().dirname(node_path__WEBPACK_IMPORTED_MODULE_1___default().dirname(dest))) : undefined;
    const fetchOpts = { systemIdentifier };
    if (!(0,_segment_js__WEBPACK_IMPORTED_MODULE_7__/* .isSegmentName */ .Pb)(name) || o.prefetch <= 0) {
        await (0,_wal_object_js__WEBPACK_IMPORTED_MODULE_5__/* .fetchWalFile */ .B$)(store, name, dest, fetchOpts);
        return { name, source: 'repository', prefetched: 0, durationSeconds: elapsed() };
    }
    const id = (0,_segment_js__WEBPACK_IMPORTED_MODULE_7__/* .parseSegmentName */ .EU)(name);
    const spooled = await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.readdir(spool).catch(() => []);
    // Forget what replay has passed on this timeline. Other timelines are left alone: across a
    // timeline switch PostgreSQL asks for the newer timeline's name first and then falls back to
    // the older one at the same position (the restore executor also stages files here).
    const tli = name.slice(0, 8);
    await Promise.all(spooled
        .filter((f) => (0,_segment_js__WEBPACK_IMPORTED_MODULE_7__/* .isSegmentName */ .Pb)(f) && f.slice(0, 8) === tli && f < name)
        .map((f) => node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.rm(node_path__WEBPACK_IMPORTED_MODULE_1___default().join(spool, f), { force: true })));
    const have = new Set(spooled.filter((f) => (0,_segment_js__WEBPACK_IMPORTED_MODULE_7__/* .isSegmentName */ .Pb)(f) && f.slice(0, 8) === tli && f >= name));
    let source = 'repository';
    if (have.has(name)) {
        const spooled = node_path__WEBPACK_IMPORTED_MODULE_1___default().join(spool, name);
        // Checked again before it is served: a spooled file that is not whole and this cluster's
        // is dropped and fetched (verified) from the repository instead.
        const problem = await spooledProblem(spooled, name, systemIdentifier);
        if (problem) {
            _util_log_js__WEBPACK_IMPORTED_MODULE_3__/* .log */ .Rm.warn(`wal-fetch: dropping spooled ${name} (${problem}); fetching it from the repository`);
            await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.rm(spooled, { force: true });
        }
        else {
            try {
                await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.rename(spooled, dest);
                source = 'spool';
            }
            catch {
                /* vanished: fetch it */
            }
        }
    }
    // Refill in batches: while half the window is still spooled, return at once, so most calls
    // cost a rename and the others one parallel round trip.
    const ahead = [...have].filter((f) => f > name).length;
    if (source === 'spool' && ahead >= Math.ceil(o.prefetch / 2))
        return { name, source, prefetched: 0, durationSeconds: elapsed() };
    const next = [];
    for (let i = 1n; i <= BigInt(o.prefetch); i++) {
        const n = (0,_segment_js__WEBPACK_IMPORTED_MODULE_7__/* .segmentName */ .Jc)(id.timeline, id.segno + i);
        if (!have.has(n))
            next.push(n);
    }
    let prefetched = 0;
    let ended = false;
    await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.mkdir(spool, { recursive: true, mode: 0o700 });
    const jobs = source === 'spool' ? next : [name, ...next];
    // With the requested file missing there is nothing to prefetch: fail fast.
    if (source === 'repository')
        await (0,_wal_object_js__WEBPACK_IMPORTED_MODULE_5__/* .fetchWalFile */ .B$)(store, name, dest, fetchOpts);
    await (0,_util_streams_js__WEBPACK_IMPORTED_MODULE_4__/* .mapLimit */ .sf)(jobs.filter((n) => n !== name), Math.max(1, o.parallel), async (n) => {
        if (ended)
            return;
        try {
            await (0,_wal_object_js__WEBPACK_IMPORTED_MODULE_5__/* .fetchWalFile */ .B$)(store, n, node_path__WEBPACK_IMPORTED_MODULE_1___default().join(spool, n), fetchOpts);
            prefetched++;
        }
        catch (e) {
            if (e instanceof _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z && e.code === 'not-found')
                ended = true;
            else
                _util_log_js__WEBPACK_IMPORTED_MODULE_3__/* .log */ .Rm.debug(`prefetch of ${n} failed: ${e.message}`);
        }
    });
    return { name, source, prefetched, durationSeconds: elapsed() };
}
/** Why a spooled segment must not be served, or null. */
async function spooledProblem(file, name, systemIdentifier) {
    try {
        const { header, bytes } = await (0,_segment_header_js__WEBPACK_IMPORTED_MODULE_6__/* .readSegmentHeader */ .fi)(file);
        if (!(0,_wal_object_js__WEBPACK_IMPORTED_MODULE_5__/* .plausibleSegmentSize */ .GE)(bytes))
            return `${bytes} bytes`;
        const p = (0,_segment_header_js__WEBPACK_IMPORTED_MODULE_6__/* .segmentHeaderProblem */ .Gh)(name, header, bytes);
        if (p)
            return p;
        if (systemIdentifier && header.systemIdentifier !== systemIdentifier)
            return `database system ${header.systemIdentifier}, not ${systemIdentifier}`;
        return null;
    }
    catch (e) {
        return e.message;
    }
}
/** Remove the spool directory (after recovery; also safe while none is running). */
async function cleanupPrefetch(walDir) {
    await fsp.rm(path.join(walDir, PREFETCH_DIR), { recursive: true, force: true });
}


/***/ }),

/***/ 9846:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  B$: () => (/* binding */ fetchWalFile),
  DC: () => (/* binding */ hashFile),
  GE: () => (/* binding */ plausibleSegmentSize),
  BI: () => (/* binding */ pushWalFile)
});

// UNUSED EXPORTS: WAL_ZSTD_LEVEL, getStoredWal, hashStoredWal, walCompressor

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __nccwpck_require__(7075);
// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __nccwpck_require__(6466);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __nccwpck_require__(8522);
var external_node_zlib_default = /*#__PURE__*/__nccwpck_require__.n(external_node_zlib_);
// EXTERNAL MODULE: ./src/storage/read-fallback.ts
var read_fallback = __nccwpck_require__(528);
// EXTERNAL MODULE: ./src/repo/layout.ts
var layout = __nccwpck_require__(6776);
// EXTERNAL MODULE: ./src/util/age.ts
var age = __nccwpck_require__(5667);
// EXTERNAL MODULE: ./src/util/log.ts
var log = __nccwpck_require__(9906);
// EXTERNAL MODULE: ./src/util/errors.ts
var errors = __nccwpck_require__(17);
// EXTERNAL MODULE: ./src/util/streams.ts
var streams = __nccwpck_require__(4177);
// EXTERNAL MODULE: ./src/util/zstd-frames.ts
var zstd_frames = __nccwpck_require__(5724);
// EXTERNAL MODULE: ./src/wal/segment.ts
var segment = __nccwpck_require__(1993);
// EXTERNAL MODULE: ./src/wal/segment-header.ts
var segment_header = __nccwpck_require__(9775);
;// CONCATENATED MODULE: ./src/wal/wal-trailer.ts
// The trailer of a stored WAL object: a zstd skippable frame (RFC 8878 §3.1.2) after the data
// frame, holding the SHA-256 and size of the raw file that was compressed, and its name. Every
// zstd reader skips it (`zstd -d`, our MultiFrameZstdDecompress), so objects stay plain zstd.
// Why: PostgreSQL re-runs archive_command for a segment that is already archived (a crash between
// our push and its .done). Answering "identical" used to need the whole stored object
// decompressed and hashed; with the trailer it needs its last TRAILER_BYTES and a hash of the
// local file. The hash is the one computed while the object was written, over the very bytes fed
// to the compressor, so a matching trailer is the same proof the full comparison gave. A missing,
// malformed or foreign trailer (older objects, another name) proves nothing: the caller falls back
// to the full comparison, which alone may report a difference.
/** Skippable frame magic 0x184D2A5E (any of 0x184D2A50..5F is skippable; this one is ours). */
const MAGIC = 0x184d2a5e;
const TAG = Buffer.from('PGKWAL01', 'ascii');
const NAME_BYTES = 40; // the longest WAL file name: <segment>.<offset>.backup
const PAYLOAD_BYTES = TAG.length + 8 + 32 + NAME_BYTES;
const TRAILER_BYTES = 8 + PAYLOAD_BYTES;
function encodeWalTrailer(t) {
    const name = Buffer.from(t.name, 'ascii');
    if (name.length > NAME_BYTES || !/^[0-9a-f]{64}$/.test(t.sha256))
        throw new Error(`cannot describe WAL file ${t.name} in a trailer`);
    const b = Buffer.alloc(TRAILER_BYTES);
    b.writeUInt32LE(MAGIC, 0);
    b.writeUInt32LE(PAYLOAD_BYTES, 4);
    TAG.copy(b, 8);
    b.writeBigUInt64LE(BigInt(t.bytes), 8 + TAG.length);
    Buffer.from(t.sha256, 'hex').copy(b, 16 + TAG.length);
    name.copy(b, 48 + TAG.length);
    return b;
}
/** The trailer at the end of `tail` (an object's last bytes), or null when there is none. */
function decodeWalTrailer(tail) {
    if (tail.length < TRAILER_BYTES)
        return null;
    const b = tail.subarray(tail.length - TRAILER_BYTES);
    if (b.readUInt32LE(0) !== MAGIC || b.readUInt32LE(4) !== PAYLOAD_BYTES || !b.subarray(8, 8 + TAG.length).equals(TAG))
        return null;
    const bytes = b.readBigUInt64LE(8 + TAG.length);
    if (bytes > BigInt(Number.MAX_SAFE_INTEGER))
        return null;
    const nameField = b.subarray(48 + TAG.length);
    const end = nameField.indexOf(0);
    const name = nameField.subarray(0, end < 0 ? NAME_BYTES : end).toString('ascii');
    if (!/^[0-9A-Za-z.]+$/.test(name))
        return null;
    return { name, bytes: Number(bytes), sha256: b.subarray(16 + TAG.length, 48 + TAG.length).toString('hex') };
}

;// CONCATENATED MODULE: ./src/wal/wal-object.ts
// One WAL file (segment, .history, .backup, .partial) as a repository object: a single zstd
// frame with the content checksum flag, at walKey(name). The Store has no per-object metadata,
// so integrity is carried by the frame itself (zstd verifies its XXH64 checksum and refuses a
// truncated frame) plus, for segments, the decompressed size. Decoding goes through the
// frame-checking reader (util/zstd-frames.ts), never Node's stream decoder alone: that one
// stops after the first frame and drops what follows without a word (Node 24.21: a history
// object with bytes appended decoded "fine"); the reader decodes every frame, as `zstd -d`
// does, and refuses a cut frame, trailing bytes and an empty object. Objects are never overwritten:
// a second push of the same name compares SHA-256 of the content, first with the hash in the
// object's trailer (wal-trailer.ts: a skippable frame after the data), else of the decompressed copy.
















/** WAL compresses ~3-6x even at level 1; higher levels cost archive latency under load. */
const WAL_ZSTD_LEVEL = 1;
function walCompressor(level = WAL_ZSTD_LEVEL) {
    return external_node_zlib_default().createZstdCompress({
        // Output in 1 MiB chunks rather than 16 KiB: fewer trips through the stages behind it.
        chunkSize: 1 << 20,
        params: {
            [(external_node_zlib_default()).constants.ZSTD_c_compressionLevel]: level,
            [(external_node_zlib_default()).constants.ZSTD_c_checksumFlag]: 1,
        },
    });
}
/**
 * SHA-256 and size of a local file. One reused buffer, no stream: an archived segment's re-push
 * is mostly this hash, and a read stream's fresh 1 MiB buffer per chunk (page faults, stream
 * bookkeeping) doubled its CPU time (measured 28 ms vs 15 ms for 16 MiB).
 */
async function hashFile(file) {
    const fh = await external_node_fs_.promises.open(file, 'r');
    try {
        const hash = (0,external_node_crypto_.createHash)('sha256');
        const buf = Buffer.allocUnsafe(1 << 20);
        let bytes = 0;
        for (;;) {
            const { bytesRead } = await fh.read(buf, 0, buf.length, null);
            if (bytesRead === 0)
                break;
            hash.update(buf.subarray(0, bytesRead));
            bytes += bytesRead;
        }
        return { sha256: hash.digest('hex'), bytes };
    }
    finally {
        await fh.close();
    }
}
/**
 * Open a stored WAL file in either form: `<name>.zst` or, encrypted, `<name>.zst.age`. The form
 * this host writes or can read is asked first, so an encrypted repository costs no extra request.
 */
async function getStoredWal(store, name) {
    const keys = (0,age/* ageConfigured */.Og)() ? [(0,layout/* walKeyEncrypted */.u$)(name), (0,layout/* walKey */.i1)(name)] : [(0,layout/* walKey */.i1)(name), (0,layout/* walKeyEncrypted */.u$)(name)];
    try {
        return { src: await store.get(keys[0]), key: keys[0] };
    }
    catch (e) {
        if (!(e instanceof errors/* PgkeepError */.$Z && e.code === 'not-found'))
            throw e;
        return { src: await store.get(keys[1]), key: keys[1] };
    }
}
/** zstd (→ age) decoding stages for a stored WAL object; a missing identity throws here. */
function walDecoders(key, name) {
    return [...((0,age/* isAgeKey */.dL)(key) ? [(0,age/* ageDecryptStream */.n3)(`WAL file ${name}`)] : []), new zstd_frames/* MultiFrameZstdDecompress */.V(`WAL file ${name}`)];
}
/** SHA-256 and size of a stored WAL object's decompressed content (verifies the frame). */
async function hashStoredWal(store, name) {
    const h = new streams/* HashCounter */.Vf();
    const sink = new external_node_stream_.Writable({ write: (_c, _e, cb) => cb() });
    try {
        const { src, key } = await getStoredWal(store, name);
        await (0,promises_.pipeline)(src, ...walDecoders(key, name), h, sink);
    }
    catch (e) {
        throw storedCorrupt(e, name, store);
    }
    return { sha256: h.sha256, bytes: h.bytes };
}
/**
 * Push one local WAL file: compress + put with ifNoneMatch. When the name already exists,
 * succeed only if the stored content is byte-identical; otherwise fail loudly and leave the
 * stored copy alone.
 */
async function pushWalFile(store, file, name = external_node_path_default().basename(file)) {
    // PGKEEP_AGE_RECIPIENTS: zstd → age, stored as <name>.zst.age (a bad value fails the push).
    const recipients = (0,age/* ageRecipients */.o7)();
    const key = recipients ? (0,layout/* walKeyEncrypted */.u$)(name) : (0,layout/* walKey */.i1)(name);
    // Where asking is free (a file store), an archived segment (PostgreSQL retrying after a crash
    // between our push and its .done) is compared at once instead of compressed and fsynced as a
    // copy that link() then refuses. The put below still refuses an object written meanwhile.
    if (store.localHead && (await store.head(key)))
        return compareWithStored(store, file, name);
    const raw = new streams/* HashCounter */.Vf();
    const stored = new streams/* ByteCounter */.P$();
    const out = new external_node_stream_.PassThrough({ highWaterMark: 1 << 20 });
    const enc = recipients ? [(0,age/* ageEncryptStream */.FW)(recipients)] : [];
    // The raw content's SHA-256 goes after the data frame (wal-trailer.ts): a later re-push is
    // then compared by reading the object's last bytes instead of decompressing all of it.
    const trailer = new external_node_stream_.Transform({
        transform: (c, _e, cb) => cb(null, c),
        flush: (cb) => cb(null, encodeWalTrailer({ name, bytes: raw.bytes, sha256: raw.sha256 })),
    });
    const produce = (0,promises_.pipeline)((0,external_node_fs_.createReadStream)(file, { highWaterMark: 1 << 20 }), raw, walCompressor(), trailer, ...enc, stored, out);
    const consume = store.put(key, out, { ifNoneMatch: true });
    // A store that fails before reading the whole body (a refused mkdir, a dead connection) would
    // leave the producer waiting on a full buffer forever: break it, the store's error wins below.
    consume.catch(() => out.destroy());
    const [p, c] = await Promise.allSettled([produce, consume]);
    // A store may refuse an existing key before reading the body (S3 If-None-Match), which
    // breaks our producer: the refusal is the real outcome.
    const exists = c.status === 'rejected' && c.reason instanceof errors/* PgkeepError */.$Z && c.reason.code === 'exists';
    const localMissing = p.status === 'rejected' && p.reason.code === 'ENOENT' && p.reason.path === file;
    if (c.status === 'rejected' && !exists && !localMissing)
        throw c.reason;
    if (p.status === 'rejected' && !exists) {
        out.destroy();
        const code = p.reason.code;
        if (code === 'ENOENT')
            throw new errors/* PgkeepError */.$Z('wal-missing-local', `WAL file ${file} does not exist.`, 'archive_command must pass %p (the path relative to the data directory).');
        throw p.reason;
    }
    if (c.status === 'fulfilled')
        return { name, status: 'stored', rawBytes: raw.bytes, bytes: stored.bytes, sha256: raw.sha256 };
    const err = c.reason;
    if (!(err instanceof errors/* PgkeepError */.$Z && err.code === 'exists'))
        throw err;
    return compareWithStored(store, file, name, p.status === 'fulfilled' ? { sha256: raw.sha256, bytes: raw.bytes } : undefined);
}
/** An already stored `name` is success only when its content is byte-identical to `file`'s. */
async function compareWithStored(store, file, name, local) {
    // An encrypted copy can be compared only where the identity is: a server that holds only the
    // public keys takes the stored copy as the same (PostgreSQL retries a segment after a crash
    // between our push and its .done; two clusters in one repository are refused by pgkeep.json).
    if ((0,age/* ageRecipients */.o7)() && !(0,age/* hasAgeIdentity */.a0)()) {
        log/* log */.Rm.warn(`WAL file ${name} is already archived (encrypted) in ${store.description}; without PGKEEP_AGE_IDENTITY its content cannot be compared, so it is taken as this one`);
        const mine = local ?? (await hashFile(file));
        return { name, status: 'identical', rawBytes: mine.bytes, bytes: 0, sha256: mine.sha256 };
    }
    const hashLocal = () => local ??
        hashFile(file).catch((e) => {
            if (e.code === 'ENOENT')
                throw new errors/* PgkeepError */.$Z('wal-missing-local', `WAL file ${file} does not exist.`, 'archive_command must pass %p (the path relative to the data directory).');
            throw e;
        });
    // The stored object's trailer, where it can be read alone: the same hash as the full
    // comparison below, recorded at push time. Only a match is taken from it; anything else
    // (no trailer, another name, another hash) goes to the full comparison, which decides.
    if (store.readTail && !(0,age/* ageRecipients */.o7)()) {
        const [mine, tail] = await Promise.all([hashLocal(), store.readTail((0,layout/* walKey */.i1)(name), TRAILER_BYTES).catch(() => null)]);
        const t = tail && decodeWalTrailer(tail);
        if (t && t.name === name && t.sha256 === mine.sha256 && t.bytes === mine.bytes)
            return { name, status: 'identical', rawBytes: mine.bytes, bytes: 0, sha256: mine.sha256 };
        local = mine;
    }
    // Both hashes at once: the stored copy decompresses on the thread pool while this one hashes.
    const [mine, theirs] = await Promise.all([hashLocal(), hashStoredWal(store, name)]);
    if (theirs.sha256 === mine.sha256 && theirs.bytes === mine.bytes)
        return { name, status: 'identical', rawBytes: mine.bytes, bytes: 0, sha256: mine.sha256 };
    throw new errors/* PgkeepError */.$Z('wal-differs', `WAL file ${name} is already archived in ${store.description} with DIFFERENT content (stored ${theirs.bytes} bytes, SHA-256 ${theirs.sha256.slice(0, 16)}…; local ${mine.bytes} bytes, ${mine.sha256.slice(0, 16)}…); the stored copy was left untouched.`, 'Two clusters (or a restored copy that was not promoted to a new timeline) archive into the same repository; give each cluster its own repository and investigate before deleting anything.');
}
function storedCorrupt(e, name, store) {
    // The frame reader's refusal (cut frame, bad magic, trailing bytes) is a corrupt WAL object.
    if (e instanceof errors/* PgkeepError */.$Z && e.code === 'corrupt-object')
        return new errors/* PgkeepError */.$Z('wal-corrupt', `Archived WAL file ${name} in ${store.description} is corrupt: ${e.message}`, 'The stored zstd frame is truncated or damaged; fetch it from another copy of the repository.');
    if (e instanceof errors/* PgkeepError */.$Z)
        return e;
    const msg = e.message ?? String(e);
    // A file system error (EACCES, EISDIR, EIO…) is a read failure, not a damaged object.
    if (e.syscall)
        return new errors/* PgkeepError */.$Z('wal-read-failed', `Archived WAL file ${name} in ${store.description} could not be read (${msg}).`, 'Fix the repository (permissions, disk) so the user running pgkeep can read it; for restore_command that is the PostgreSQL server\'s user.');
    return new errors/* PgkeepError */.$Z('wal-corrupt', `Archived WAL file ${name} in ${store.description} is corrupt (${msg}).`, 'The stored zstd frame failed its checksum or is truncated; fetch it from another copy of the repository.');
}
/** A segment decompresses to a power of two between 1 MiB and 1 GiB (wal_segment_size). */
function plausibleSegmentSize(n) {
    return n >= 1 << 20 && n <= 1 << 30 && (n & (n - 1)) === 0;
}
/** A pass-through that keeps the first LONG_HEADER_BYTES bytes (a segment's long page header). */
class HeadKeeper extends external_node_stream_.Transform {
    parts = [];
    kept = 0;
    get head() {
        return Buffer.concat(this.parts);
    }
    _transform(chunk, _e, cb) {
        if (this.kept < segment_header/* LONG_HEADER_BYTES */.$H) {
            const part = chunk.subarray(0, segment_header/* LONG_HEADER_BYTES */.$H - this.kept);
            this.parts.push(Buffer.from(part));
            this.kept += part.length;
        }
        cb(null, chunk);
    }
}
/**
 * Fetch, verify and decompress one WAL file to `dest` atomically (temp file, fsync, rename).
 * A segment must also be the segment its name says (long page header: position, size) and,
 * when `systemIdentifier` is given, of that cluster. Throws PgkeepError `not-found` when the
 * repository does not have it, and another code for any other failure.
 */
async function fetchWalFile(store, name, dest, o = {}) {
    // A damaged object on one copy of a mirror is read again from the next copy.
    return (0,read_fallback/* withCopyFallback */.OV)(store, `WAL file ${name}`, (s) => fetchWalFileOnce(s, name, dest, o));
}
async function fetchWalFileOnce(store, name, dest, o) {
    let src;
    let key;
    try {
        ({ src, key } = await getStoredWal(store, name));
    }
    catch (e) {
        if (e instanceof errors/* PgkeepError */.$Z && e.code === 'not-found')
            throw new errors/* PgkeepError */.$Z('not-found', `WAL file ${name} is not in ${store.description}.`);
        throw storedCorrupt(e, name, store);
    }
    const tmp = `${dest}.pgkeep-tmp-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`;
    const counter = new streams/* HashCounter */.Vf();
    const head = new HeadKeeper();
    try {
        try {
            await (0,promises_.pipeline)(src, ...walDecoders(key, name), head, counter, (0,external_node_fs_.createWriteStream)(tmp, { flags: 'wx', mode: 0o600 }));
        }
        catch (e) {
            throw storedCorrupt(e, name, store);
        }
        if ((0,segment/* isSegmentName */.Pb)(name) && !plausibleSegmentSize(counter.bytes))
            throw new errors/* PgkeepError */.$Z('wal-corrupt', `Archived WAL segment ${name} in ${store.description} decompresses to ${counter.bytes} bytes, not a WAL segment size.`, 'The stored object is truncated or not a segment; fetch it from another copy.');
        if ((0,segment/* isSegmentName */.Pb)(name) || (0,segment/* isPartialName */.$9)(name))
            checkFetchedHeader(name, head.head, counter.bytes, store, o.systemIdentifier);
        const fh = await external_node_fs_.promises.open(tmp, 'r');
        try {
            await fh.sync();
        }
        finally {
            await fh.close();
        }
        await external_node_fs_.promises.rename(tmp, dest);
        return { rawBytes: counter.bytes };
    }
    catch (e) {
        await external_node_fs_.promises.rm(tmp, { force: true });
        throw e;
    }
}
function checkFetchedHeader(name, buf, bytes, store, systemIdentifier) {
    if (buf.length < segment_header/* LONG_HEADER_BYTES */.$H)
        throw new errors/* PgkeepError */.$Z('wal-corrupt', `Archived WAL file ${name} in ${store.description} is only ${bytes} bytes: no segment header.`, 'The stored object is truncated or not a segment; fetch it from another copy.');
    const h = (0,segment_header/* parseSegmentHeader */._s)(buf);
    const problem = (0,segment_header/* segmentHeaderProblem */.Gh)(name, h, bytes);
    if (problem)
        throw new errors/* PgkeepError */.$Z('wal-corrupt', `Archived WAL file ${name} in ${store.description} is not that segment: ${problem}.`, 'The stored object was damaged or stored under the wrong name; fetch it from another copy and run pgkeep verify.');
    if (systemIdentifier && h.systemIdentifier !== systemIdentifier)
        throw new errors/* PgkeepError */.$Z('wal-wrong-system', `Archived WAL file ${name} in ${store.description} belongs to database system ${h.systemIdentifier}, but the cluster being recovered is system ${systemIdentifier}.`, 'Another cluster archived into this repository; restore from the repository of the cluster the backup was taken from.');
}


/***/ }),

/***/ 181:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("buffer");

/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 2250:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("dns");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 1421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 4708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");

/***/ }),

/***/ 7030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:process");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 6466:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream/promises");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 5919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 8253:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util/types");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __nccwpck_require__(8522);
var external_node_zlib_default = /*#__PURE__*/__nccwpck_require__.n(external_node_zlib_);
// EXTERNAL MODULE: ./src/config/config.ts + 1 modules
var config = __nccwpck_require__(8745);
// EXTERNAL MODULE: ./src/config/settings.ts
var settings = __nccwpck_require__(4661);
// EXTERNAL MODULE: ./src/util/errors.ts
var errors = __nccwpck_require__(17);
// EXTERNAL MODULE: ./src/util/log.ts
var log = __nccwpck_require__(9906);
// EXTERNAL MODULE: ./src/util/redact.ts
var redact = __nccwpck_require__(767);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __nccwpck_require__(7975);
;// CONCATENATED MODULE: ./src/cli/args.ts
// Argument parsing for the pgkeep CLI: node's parseArgs per command, with errors that name
// the flag and the expected form instead of a stack trace.


const GLOBAL_OPTIONS = {
    repo: { type: 'string' },
    cluster: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    quiet: { type: 'boolean', short: 'q' },
};
function parseCommandArgs(command, argv, options) {
    try {
        const { values, positionals } = (0,external_node_util_.parseArgs)({
            args: argv,
            options: { ...GLOBAL_OPTIONS, ...options },
            allowPositionals: true,
            strict: true,
        });
        return { flags: values, positionals };
    }
    catch (e) {
        const msg = e.message.replace(/\. To specify.*$/s, '').replace(/\n.*/s, '');
        throw new errors/* PgkeepError */.$Z('bad-usage', `pgkeep ${command}: ${msg}.`, `Run pgkeep ${command} --help for the options.`);
    }
}

// EXTERNAL MODULE: ./src/version.ts
var version = __nccwpck_require__(311);
// EXTERNAL MODULE: ./src/wal/wal-fetch.ts
var wal_fetch = __nccwpck_require__(4393);
;// CONCATENATED MODULE: ./src/cli/main.ts
// pgkeep CLI: parse argv, build the Config, call one command, print human text or --json.
// Expected failures print one paragraph (message + hint) and exit 1; usage errors exit 2;
// wal-fetch has its own statuses (failureExitCode).








const defaultIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
};
/**
 * The command table. wal-push and wal-fetch start once per WAL segment: they load their own
 * two adapters only: every other command's code (and what it imports) is a chunk file of the
 * bundle that they neither read, compile nor evaluate.
 */
async function commandTable(name) {
    if (name === 'wal-push' || name === 'wal-fetch')
        return (await Promise.all(/* import() */[__nccwpck_require__.e(807), __nccwpck_require__.e(261)]).then(__nccwpck_require__.bind(__nccwpck_require__, 2261))).WAL_COMMANDS;
    return (await Promise.all(/* import() */[__nccwpck_require__.e(816), __nccwpck_require__.e(225), __nccwpck_require__.e(807), __nccwpck_require__.e(334), __nccwpck_require__.e(911)]).then(__nccwpck_require__.bind(__nccwpck_require__, 4911))).COMMANDS;
}
function usage(commands) {
    const lines = Object.entries(commands).map(([name, c]) => `  pgkeep ${name.padEnd(9)} ${c.synopsis}`);
    return `pgkeep ${version/* VERSION */.x} — PostgreSQL backups, WAL archiving, point-in-time restore and verification\n\nUsage:\n${lines.join('\n')}\n\nGlobal: --repo URL (overrides PGKEEP_REPO), --cluster NAME (appends /NAME to every copy; PGKEEP_CLUSTER), --json, --quiet, --help\nConfiguration comes from libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD…) or DATABASE_URL, and PGKEEP_* (see README).\n`;
}
/** Returns the process exit code. */
async function main(argv, env, io = defaultIo) {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
        io.stdout(usage(await commandTable('')));
        return name ? 0 : 2;
    }
    if (name === '--version' || name === 'version') {
        io.stdout(`${version/* VERSION */.x}\n`);
        return 0;
    }
    const commands = await commandTable(name);
    const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!cmd) {
        io.stderr(`pgkeep: unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}.\n`);
        return 2;
    }
    let json = false;
    (0,log/* setDebug */.o)((0,settings/* debugEnabled */.dK)(env));
    try {
        const { flags, positionals } = parseCommandArgs(name, rest, cmd.options);
        json = flags.json === true;
        if (flags.help) {
            io.stdout(`pgkeep ${name} ${cmd.synopsis}\n${cmd.help ?? ''}\n`);
            return 0;
        }
        if (flags.quiet || name === 'wal-push' || name === 'wal-fetch')
            (0,log/* setQuiet */.vL)(flags.quiet === true);
        const cfg = cmd.needsConfig === false ? null : (0,config/* loadConfig */.Z9)(env, overridesFrom(flags), { requireRepo: cmd.needsRepo !== false });
        const out = await cmd.run({ cfg: cfg, flags, positionals, env, io });
        if (json)
            io.stdout(JSON.stringify(out.json, null, 2) + '\n');
        else if (out.text)
            io.stdout((0,redact/* redact */.E$)(out.text.endsWith('\n') ? out.text : out.text + '\n'));
        return out.exitCode ?? 0;
    }
    catch (e) {
        const msg = (0,redact/* redact */.E$)((0,errors/* describeError */.Uc)(e));
        if ((0,settings/* debugEnabled */.dK)(env) && e instanceof Error && !(0,errors/* isPgkeepError */.pu)(e))
            io.stderr((0,redact/* redact */.E$)(e.stack ?? '') + '\n');
        if (json)
            io.stdout(JSON.stringify({ ok: false, error: { code: (0,errors/* isPgkeepError */.pu)(e) ? e.code : 'unexpected', message: msg } }) + '\n');
        io.stderr(`pgkeep ${name}: ${msg}\n`);
        return failureExitCode(name, e);
    }
}
/**
 * Exit status of a failed command: 2 for usage errors, 1 otherwise — except wal-fetch, where
 * PostgreSQL reads any status <= 125 as "no such file, recovery is complete" and promotes:
 * there only "the archive has no such file" exits 1 and everything else (usage and
 * configuration errors included) exits WAL_FETCH_EXIT.fatal so recovery stops.
 */
function failureExitCode(command, e) {
    if (command === 'wal-fetch')
        return (0,wal_fetch/* walFetchExitCode */.O2)(e);
    return e instanceof errors/* PgkeepError */.$Z && e.code === 'bad-usage' ? 2 : 1;
}
function overridesFrom(flags) {
    return {
        repo: typeof flags.repo === 'string' ? flags.repo : undefined,
        cluster: typeof flags.cluster === 'string' ? flags.cluster : undefined,
        retentionDays: typeof flags['retention-days'] === 'string' ? flags['retention-days'] : undefined,
        compress: typeof flags.compress === 'string' ? flags.compress : undefined,
        parallel: typeof flags.parallel === 'string' ? flags.parallel : undefined,
        walSource: typeof flags['wal-source'] === 'string' ? flags['wal-source'] : undefined,
    };
}

;// CONCATENATED MODULE: ./src/cli/index.ts
// The bundled CLI (dist/cli/pgkeep.js, imported by the launcher dist/cli/index.js: launcher.ts).



// What a crash exits with: for wal-fetch (restore_command) a status PostgreSQL treats as FATAL,
// never 1 (which it reads as "end of archive" and promotes on).
const command = process.argv[2];
const crashCode = (fallback) => (command === 'wal-fetch' ? wal_fetch/* WAL_FETCH_EXIT */.Hd.fatal : fallback);
if (command === 'wal-fetch') {
    // Node exits 1 on an uncaught exception or unhandled rejection; make it one line and fatal.
    const crash = (e) => {
        process.stderr.write(`pgkeep wal-fetch: unexpected error: ${e?.message ?? e}\n`);
        process.exit(crashCode(1));
    };
    process.on('uncaughtException', crash);
    process.on('unhandledRejection', crash);
}
// zstd lives in node:zlib from Node 22.15 / 23.8; say so plainly instead of failing mid-backup.
if (typeof (external_node_zlib_default()).createZstdCompress !== 'function') {
    process.stderr.write(`pgkeep: this Node.js (${process.version}) has no zstd support (zlib.createZstdCompress). Hint: run pgkeep with Node.js 22.15 or newer (24 recommended).\n`);
    process.exit(crashCode(1));
}
let settled = false;
// Safety net: if the event loop empties while the command is still pending (a promise nothing
// will ever settle), Node would exit 0 as if it had succeeded. Fail loudly instead.
process.on('beforeExit', () => {
    if (settled)
        return;
    settled = true;
    process.stderr.write('pgkeep: internal error: the command stopped before finishing (nothing left to wait for); treat this run as failed. Hint: please report it with the log above.\n');
    process.exitCode = crashCode(70);
});
main(process.argv.slice(2), process.env).then((code) => {
    settled = true;
    process.exitCode = code;
}, (e) => {
    settled = true;
    process.stderr.write(`pgkeep: unexpected error: ${e?.message ?? e}\n`);
    process.exitCode = crashCode(1);
});

