export const id = 225;
export const ids = [225];
export const modules = {

/***/ 2225:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  clientConfig: () => (/* binding */ clientConfig),
  connectClient: () => (/* binding */ connectClient),
  describeTarget: () => (/* binding */ describeTarget),
  ident: () => (/* binding */ ident),
  serverFacts: () => (/* binding */ serverFacts),
  withClient: () => (/* binding */ withClient)
});

// EXTERNAL MODULE: ./src/util/errors.ts
var errors = __webpack_require__(17);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
var external_node_net_default = /*#__PURE__*/__webpack_require__.n(external_node_net_);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
var external_node_os_default = /*#__PURE__*/__webpack_require__.n(external_node_os_);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: external "node:tls"
var external_node_tls_ = __webpack_require__(1692);
var external_node_tls_default = /*#__PURE__*/__webpack_require__.n(external_node_tls_);
;// CONCATENATED MODULE: ./src/postgres/libpq-tls.ts
// libpq's TLS rules, for the connections pgkeep opens itself (node-postgres: introspection and
// BASE_BACKUP). The tools (pg_dump, pg_receivewal…) read the same PGSSL* variables through
// their own libpq, so both sides must agree: same sslmode order of attempts, same default files
// under ~/.postgresql, same "a root certificate present means the chain is checked", same host
// name rules for verify-full (fe-secure-openssl.c / fe-secure-common.c).







const MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
function bad(name, value, expected) {
    return new errors/* PgkeepError */.$Z('bad-config', `${name}="${value}" is not valid: expected ${expected}.`);
}
/** A Unix-domain socket (a directory, or @abstract): libpq ignores sslmode there. */
function isSocketHost(host) {
    return !host || host.startsWith('/') || host.startsWith('@');
}
/** Validate the settings as libpq's connectOptions2 does, before anything is opened. */
function sslSettings(env) {
    const rootcert = env.PGSSLROOTCERT;
    let mode;
    if (env.PGSSLMODE) {
        if (!MODES.includes(env.PGSSLMODE))
            throw bad('PGSSLMODE (sslmode)', env.PGSSLMODE, MODES.join(', '));
        mode = env.PGSSLMODE;
    }
    else if (env.PGREQUIRESSL === '1')
        mode = 'require';
    else
        mode = rootcert === 'system' ? 'verify-full' : 'prefer';
    // libpq 16+: the system's roots vouch for any name someone bought, so only verify-full means anything.
    if (rootcert === 'system' && mode !== 'verify-full')
        throw new errors/* PgkeepError */.$Z('bad-config', `Weak sslmode "${mode}" may not be used with sslrootcert=system.`, 'Use sslmode=verify-full (the default with sslrootcert=system).');
    const negotiation = env.PGSSLNEGOTIATION ?? 'postgres';
    if (negotiation !== 'postgres' && negotiation !== 'direct')
        throw bad('PGSSLNEGOTIATION (sslnegotiation)', negotiation, 'postgres or direct');
    if (negotiation === 'direct' && !['require', 'verify-ca', 'verify-full'].includes(mode))
        throw new errors/* PgkeepError */.$Z('bad-config', `Weak sslmode "${mode}" may not be used with sslnegotiation=direct.`, 'Use sslmode require, verify-ca or verify-full: a weaker mode could fall back to an unencrypted connection (libpq refuses the same).');
    const channelBinding = (env.PGCHANNELBINDING ?? 'prefer');
    if (!['disable', 'prefer', 'require'].includes(channelBinding))
        throw bad('PGCHANNELBINDING (channel_binding)', channelBinding, 'disable, prefer or require');
    for (const v of ['PGSSLMINPROTOCOLVERSION', 'PGSSLMAXPROTOCOLVERSION'])
        if (env[v] && !TLS_VERSIONS.includes(env[v]))
            throw bad(v, env[v], TLS_VERSIONS.join(', '));
    if (env.PGSSLCERTMODE && !['disable', 'allow', 'require'].includes(env.PGSSLCERTMODE))
        throw bad('PGSSLCERTMODE (sslcertmode)', env.PGSSLCERTMODE, 'disable, allow or require');
    if (env.PGSSLCERTMODE === 'require')
        throw new errors/* PgkeepError */.$Z('unsupported-setting', 'sslcertmode=require is not supported by pgkeep’s own connections.', 'Use sslcertmode=allow (the default): the server decides whether it asks for the client certificate.');
    const attempts = isSocketHost(env.PGHOSTADDR || env.PGHOST)
        ? ['plain']
        : { disable: ['plain'], allow: ['plain', 'tls'], prefer: ['tls', 'plain'], require: ['tls'], 'verify-ca': ['tls'], 'verify-full': ['tls'] }[mode];
    if (channelBinding === 'require' && !attempts.includes('tls'))
        throw new errors/* PgkeepError */.$Z('bad-config', `channel_binding=require needs TLS, but sslmode is "${mode}"${attempts.length === 1 && mode !== 'disable' ? ' on a Unix socket' : ''}.`);
    return { mode, negotiation, attempts, channelBinding };
}
function statOrNull(file, what) {
    try {
        return (0,external_node_fs_.statSync)(file);
    }
    catch (e) {
        const code = e.code;
        if (code === 'ENOENT' || code === 'ENOTDIR')
            return null;
        throw new errors/* PgkeepError */.$Z('tls-setup', `Could not open ${what} "${file}": ${code}.`);
    }
}
function readText(file, what) {
    try {
        return (0,external_node_fs_.readFileSync)(file, 'utf8');
    }
    catch (e) {
        throw new errors/* PgkeepError */.$Z('tls-setup', `Could not read ${what} "${file}": ${e.code ?? e.message}.`);
    }
}
const PEM_CRL = /-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g;
/**
 * The tls.connect options libpq would use (initialize_SSL): throws a PgkeepError naming the file
 * when one is missing, unreadable or unsafe. Key material is read here and never appears in a message.
 */
function tlsOptions(env, s, home = external_node_os_default().homedir()) {
    const dot = (f) => external_node_path_default().join(home, '.postgresql', f);
    const o = { rejectUnauthorized: false, minVersion: (env.PGSSLMINPROTOCOLVERSION ?? 'TLSv1.2') };
    if (env.PGSSLMAXPROTOCOLVERSION)
        o.maxVersion = env.PGSSLMAXPROTOCOLVERSION;
    // Server certificate: with a root certificate file present the chain is checked in every mode
    // (prefer and require too); the host name only with verify-full.
    const rootcert = env.PGSSLROOTCERT || dot('root.crt');
    let verify = false;
    if (rootcert === 'system') {
        o.ca = external_node_tls_default().getCACertificates('system');
        o.rootCertDescription = "the system's trusted roots (sslrootcert=system)";
        verify = true;
    }
    else if (statOrNull(rootcert, 'root certificate file')) {
        const pem = readText(rootcert, 'root certificate file');
        try {
            new external_node_crypto_.X509Certificate(pem);
        }
        catch {
            throw new errors/* PgkeepError */.$Z('tls-setup', `Could not read root certificate file "${rootcert}": it holds no PEM certificate.`);
        }
        o.ca = pem;
        o.rootCertDescription = `"${rootcert}"`;
        verify = true;
        // CRLs only with a root file, and silently skipped when absent (libpq: "we do not require CRL").
        const crls = [];
        const crlFile = env.PGSSLCRL || (env.PGSSLCRLDIR ? undefined : dot('root.crl'));
        if (crlFile && statOrNull(crlFile, 'certificate revocation list'))
            crls.push(...(readText(crlFile, 'certificate revocation list').match(PEM_CRL) ?? []));
        if (env.PGSSLCRLDIR && statOrNull(env.PGSSLCRLDIR, 'certificate revocation list directory')) {
            // Files as `openssl rehash` names them (<hash>.r<n>).
            for (const f of (0,external_node_fs_.readdirSync)(env.PGSSLCRLDIR).filter((n) => /^[0-9a-f]{8}\.r\d+$/.test(n)))
                crls.push(...(readText(external_node_path_default().join(env.PGSSLCRLDIR, f), 'certificate revocation list').match(PEM_CRL) ?? []));
        }
        if (crls.length)
            o.crl = crls;
    }
    else if (s.mode === 'verify-ca' || s.mode === 'verify-full') {
        throw new errors/* PgkeepError */.$Z('tls-setup', `Root certificate file "${rootcert}" does not exist, and sslmode=${s.mode} needs it to check the server's certificate.`, 'Set PGSSLROOTCERT (sslrootcert) to the CA certificate that signed the server certificate, use sslrootcert=system for a publicly trusted server, or choose a weaker sslmode.');
    }
    if (verify) {
        o.rejectUnauthorized = true;
        const name = env.PGHOST || env.PGHOSTADDR;
        if (s.mode === 'verify-full') {
            if (!env.PGHOST && !env.PGHOSTADDR)
                throw new errors/* PgkeepError */.$Z('tls-setup', 'sslmode=verify-full needs a host name (PGHOST) to check the server certificate against.');
            o.checkServerIdentity = (_servername, cert) => verifyPeerName(name, cert);
        }
        else
            o.checkServerIdentity = () => undefined;
    }
    // Client certificate: sent when its file exists (a missing one is no error, as in libpq); the
    // key must then exist and be private.
    if (env.PGSSLCERTMODE !== 'disable') {
        const certFile = env.PGSSLCERT || dot('postgresql.crt');
        if (statOrNull(certFile, 'certificate file')) {
            const certPem = readText(certFile, 'certificate file');
            let x509;
            try {
                x509 = new external_node_crypto_.X509Certificate(certPem);
            }
            catch {
                throw new errors/* PgkeepError */.$Z('tls-setup', `Could not load certificate file "${certFile}": it holds no PEM certificate.`);
            }
            const keyFile = env.PGSSLKEY || dot('postgresql.key');
            if (env.PGSSLKEY?.includes(':'))
                throw new errors/* PgkeepError */.$Z('unsupported-setting', `sslkey "${keyFile}" names an OpenSSL engine key, which pgkeep’s own connections cannot use.`, 'Give the path of a PEM key file.');
            const st = statOrNull(keyFile, 'private key file');
            if (!st)
                throw new errors/* PgkeepError */.$Z('tls-setup', `Certificate "${certFile}" is present, but not its private key file "${keyFile}".`, 'Set PGSSLKEY (sslkey) to the key of that certificate.');
            if (!st.isFile())
                throw new errors/* PgkeepError */.$Z('tls-setup', `Private key file "${keyFile}" is not a regular file.`);
            const uid = process.geteuid?.();
            if ((st.uid === uid && st.mode & 0o077) || (st.uid === 0 && st.mode & 0o037))
                throw new errors/* PgkeepError */.$Z('tls-setup', `Private key file "${keyFile}" has group or world access.`, 'The file must have permissions u=rw (0600) or less if owned by the current user, or u=rw,g=r (0640) or less if owned by root (chmod 600).');
            const keyPem = readText(keyFile, 'private key file');
            try {
                if (!x509.checkPrivateKey((0,external_node_crypto_.createPrivateKey)({ key: keyPem, passphrase: '' })))
                    throw new errors/* PgkeepError */.$Z('tls-setup', `Certificate "${certFile}" does not match private key file "${keyFile}".`);
            }
            catch (e) {
                if (e instanceof errors/* PgkeepError */.$Z)
                    throw e;
                throw new errors/* PgkeepError */.$Z('tls-setup', `Could not load private key file "${keyFile}": it is not a PEM key, or it is encrypted (pgkeep has no sslpassword).`);
            }
            o.cert = certPem;
            o.key = keyPem;
        }
    }
    return o;
}
/** IPv4/IPv6 text → bytes, for comparing a host with a certificate's IP address names. */
function ipBytes(ip) {
    const v = external_node_net_default().isIP(ip);
    if (v === 4)
        return Buffer.from(ip.split('.').map(Number));
    if (v !== 6)
        return null;
    let s = ip;
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
    if (v4) {
        const b = ipBytes(v4[1]);
        s = s.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
    }
    const [head, tail] = s.split('::');
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail ? tail.split(':') : [];
    const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    const out = Buffer.alloc(16);
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
    return out;
}
/** libpq's wildcard rule: "*." as the whole first label only, matching exactly one label. */
function nameMatches(pattern, host) {
    if (pattern.toLowerCase() === host.toLowerCase())
        return true;
    if (pattern.length < 3 || !pattern.startsWith('*.') || pattern.length > host.length)
        return false;
    const suffix = pattern.slice(1);
    if (!host.toLowerCase().endsWith(suffix.toLowerCase()))
        return false;
    return !host.slice(0, host.length - suffix.length).includes('.');
}
/** Names in a peer certificate's subjectaltname ("DNS:a, IP Address:1.2.3.4", quoted when odd). */
function altNames(san) {
    const out = [];
    if (!san)
        return out;
    const re = /(DNS|IP Address|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g;
    for (const m of san.matchAll(re)) {
        const value = m[2].startsWith('"') ? JSON.parse(m[2]) : m[2];
        if (m[1] === 'DNS')
            out.push({ type: 'DNS', value });
        else if (m[1] === 'IP Address')
            out.push({ type: 'IP', value });
    }
    return out;
}
/**
 * verify-full's host name check as libpq does it: DNS and IP address names of the certificate;
 * the Common Name only when no name of the host's own kind (DNS or IP) is present.
 */
function verifyPeerName(host, cert) {
    const hostIp = ipBytes(host);
    const names = altNames(cert.subjectaltname);
    const examined = [];
    let checkCn = true;
    for (const n of names) {
        if ((n.type === 'IP') === !!hostIp)
            checkCn = false;
        examined.push(n.value);
        if (n.type === 'DNS' && !n.value.includes('\0') && nameMatches(n.value, host))
            return undefined;
        if (n.type === 'IP' && hostIp && ipBytes(n.value)?.equals(hostIp))
            return undefined;
    }
    if (checkCn) {
        const cn = Array.isArray(cert.subject?.CN) ? cert.subject.CN[0] : cert.subject?.CN;
        if (cn) {
            examined.push(cn);
            if (nameMatches(cn, host))
                return undefined;
        }
    }
    const e = new Error(examined.length === 0
        ? `could not get server's host name from server certificate`
        : examined.length === 1
            ? `server certificate for "${examined[0]}" does not match host name "${host}"`
            : `server certificate for "${examined[0]}" (and ${examined.length - 1} other name${examined.length > 2 ? 's' : ''}) does not match host name "${host}"`);
    e.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
    return e;
}

;// CONCATENATED MODULE: ./src/postgres/client.ts


// node-postgres is evaluated on the first connection, not when the CLI starts: wal-push and
// wal-fetch run once per WAL segment and never connect (a chunk file of its own in the bundle).
let pgModule;
const loadPg = () => (pgModule ??= __webpack_require__.e(/* import() */ 849).then(__webpack_require__.bind(__webpack_require__, 3849)).then((m) => m.default));
/** Connection settings node-postgres needs, except TLS (see connectClient). */
function clientConfig(env, database) {
    return {
        // hostaddr is where we connect; the host name is what verify-full checks (libpq's split).
        host: env.PGHOSTADDR || env.PGHOST || '/var/run/postgresql',
        port: env.PGPORT ? Number(env.PGPORT) : 5432,
        user: env.PGUSER ?? (process.getuid?.() === 0 ? 'postgres' : undefined),
        password: env.PGPASSWORD,
        database: database ?? env.PGDATABASE ?? 'postgres',
        ssl: false,
        connectionTimeoutMillis: env.PGCONNECT_TIMEOUT ? Number(env.PGCONNECT_TIMEOUT) * 1000 : 15000,
        application_name: 'pgkeep',
    };
}
function describeTarget(env, database) {
    const host = env.PGHOST ?? env.PGHOSTADDR ?? 'local socket';
    return `${env.PGUSER ?? 'postgres'}@${host}:${env.PGPORT ?? 5432}/${database ?? env.PGDATABASE ?? 'postgres'}`;
}
/** An ErrorResponse from the server (node-postgres's DatabaseError), as opposed to a socket or TLS failure. */
function isServerError(e) {
    const err = e;
    return !!err && typeof err.severity === 'string' && typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code);
}
const NO_TLS = /server does not support SSL/i;
const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOENT', 'EAI_AGAIN'];
/** One failed attempt, in words (the server's own message quoted). */
function attemptText(e, transport, tlsSetup) {
    const err = e;
    if (e instanceof errors/* PgkeepError */.$Z)
        return e.message.charAt(0).toLowerCase() + e.message.slice(1).replace(/\.$/, '');
    if (isServerError(e))
        return `the server said "${err.message}" (SQLSTATE ${err.code})`;
    if (NO_TLS.test(err.message ?? ''))
        return 'the server does not support SSL (TLS)';
    if (transport === 'tls' && err.code && /CERT|UNABLE_TO|SELF_SIGNED|CRL|ALTNAME/.test(err.code)) {
        if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID')
            return err.message ?? err.code;
        return `the server certificate could not be verified against ${tlsSetup?.rootCertDescription ?? 'the root certificates'} (${err.message ?? err.code})`;
    }
    if (UNREACHABLE.includes(err.code ?? '') || /timeout/i.test(err.message ?? ''))
        return err.code ?? err.message ?? 'unreachable';
    return transport === 'tls' ? `the TLS connection failed (${err.message ?? err.code})` : (err.message ?? String(e));
}
/** The error a person reads when every attempt failed: libpq-like, all attempts quoted, no secrets. */
function connectionError(failures, env, database, s) {
    const where = describeTarget(env, database);
    const texts = failures.map((f) => attemptText(f.error, f.transport, f.tls));
    const detail = failures.length === 1
        ? texts[0]
        : failures.map((f, i) => `${f.transport === 'tls' ? 'over TLS' : 'without TLS'}, ${texts[i]}`).join('; then ');
    // The cause that says most: a server's answer other than a pg_hba.conf refusal, else our own
    // certificate setup, else the last.
    const isHba = (f) => isServerError(f.error) && /pg_hba\.conf/.test(f.error.message);
    const main = failures.find((f) => isServerError(f.error) && !isHba(f)) ?? failures.find((f) => f.error instanceof errors/* PgkeepError */.$Z) ?? failures[failures.length - 1];
    const err = main.error;
    if (isHba(main)) {
        const tlsOnly = failures.some((f) => f.transport === 'plain' && isHba(f)) && !failures.some((f) => f.transport === 'tls');
        return new errors/* PgkeepError */.$Z('connection-rejected', `The server refused the connection for ${where} by its pg_hba.conf: ${detail}.`, tlsOnly
            ? `The server admits this connection only over TLS (hostssl), and sslmode=${s.mode} ${s.mode === 'disable' ? 'never uses TLS' : 'did not use it'}: unset PGSSLMODE (libpq's default, prefer, uses TLS) or set it to require or verify-full (sslmode in DATABASE_URL).`
            : 'pg_hba.conf on the server has no line admitting this user, database and address this way: ask its administrator for one (host/hostssl …), or connect as a role it admits.');
    }
    if (isServerError(main.error) && (err.code === '28P01' || err.code === '28000'))
        return new errors/* PgkeepError */.$Z('auth-failed', `Authentication failed for ${where}: ${detail}.`, /certificate/i.test(err.message ?? '')
            ? 'Check the client certificate: PGSSLCERT/PGSSLKEY (sslcert/sslkey), or ~/.postgresql/postgresql.crt and .key, and that its CN is the user name.'
            : 'Check PGUSER and PGPASSWORD (or DATABASE_URL, or ~/.pgpass).');
    if (isServerError(main.error) && err.code === '3D000')
        return new errors/* PgkeepError */.$Z('unknown-database', `Database "${database ?? env.PGDATABASE}" does not exist on ${where}.`, 'Check the name; pgkeep list shows what each backup holds.');
    if (isServerError(main.error))
        return new errors/* PgkeepError */.$Z('connection-failed', `Cannot connect to PostgreSQL as ${where}: ${detail}.`);
    if (main.error instanceof errors/* PgkeepError */.$Z)
        return failures.length === 1 ? main.error : new errors/* PgkeepError */.$Z(main.error.code, `Cannot connect to PostgreSQL as ${where}: ${detail}.`, main.error.hint);
    if (main.transport === 'tls' && !UNREACHABLE.includes(err.code ?? '') && !/timeout/i.test(err.message ?? ''))
        return new errors/* PgkeepError */.$Z('tls-failed', `TLS to PostgreSQL at ${where}${s.negotiation === 'direct' ? ' (sslnegotiation=direct)' : ''} failed: ${detail}.`, NO_TLS.test(err.message ?? '')
            ? `sslmode=${s.mode} requires TLS; enable ssl on the server, or use sslmode=prefer to allow an unencrypted connection.`
            : s.negotiation === 'direct'
                ? 'sslnegotiation=direct needs a PostgreSQL 17+ server (or a TLS proxy) that accepts a direct TLS handshake; unset PGSSLNEGOTIATION otherwise.'
                : err.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
                    ? 'Connect with a host name the certificate names (PGHOST; PGHOSTADDR can carry the address), or have the certificate name this host; sslmode=verify-ca checks the chain without the name.'
                    : /could not be verified/.test(detail)
                        ? 'Point PGSSLROOTCERT (sslrootcert) at the CA that signed the server certificate (the default is ~/.postgresql/root.crt).'
                        : "Check the server's ssl settings and the client certificate files.");
    return new errors/* PgkeepError */.$Z('db-unreachable', `Cannot connect to PostgreSQL at ${where} (${detail}).`, 'Check PGHOST/PGPORT and that the server accepts connections from this machine.');
}
/**
 * Open a node-postgres connection the way libpq would: sslmode's attempts in libpq's order (prefer:
 * TLS, then without when the server refuses TLS, fails the handshake or rejects the TLS session;
 * allow: the reverse), the same certificate files, the same checks. `extra` adds settings such as
 * `replication: 'database'`. Failures are PgkeepErrors quoting the server.
 */
async function connectClient(env, database, extra = {}) {
    const s = sslSettings(env);
    const failures = [];
    for (let i = 0; i < s.attempts.length; i++) {
        const transport = s.attempts[i];
        const more = i + 1 < s.attempts.length;
        let ssl;
        if (transport === 'tls') {
            try {
                ssl = tlsOptions(env, s);
            }
            catch (e) {
                // libpq sets TLS up after the server said yes; a broken setup under prefer falls back.
                failures.push({ transport, error: e });
                if (more && s.mode === 'prefer')
                    continue;
                break;
            }
        }
        const client = new (await loadPg()).Client({
            ...clientConfig(env, database),
            ssl: ssl ?? false,
            sslnegotiation: transport === 'tls' ? s.negotiation : 'postgres',
            enableChannelBinding: transport === 'tls' && s.channelBinding !== 'disable',
            ...extra,
        });
        client.on('error', () => undefined);
        let tcpUp = false;
        let channelBound = false;
        const con = client.connection;
        con.once('connect', () => (tcpUp = true));
        con.on('authenticationSASL', (m) => (channelBound = transport === 'tls' && !!m.mechanisms?.includes('SCRAM-SHA-256-PLUS')));
        try {
            await client.connect();
            if (s.channelBinding === 'require' && !channelBound) {
                await client.end().catch(() => undefined);
                throw new errors/* PgkeepError */.$Z('channel-binding', `channel_binding=require, but the server at ${describeTarget(env, database)} authenticated the client without channel binding.`, 'The server must use scram-sha-256 over TLS for this user; or set channel_binding to prefer.');
            }
            return client;
        }
        catch (e) {
            await client.end().catch(() => undefined);
            if (e instanceof errors/* PgkeepError */.$Z)
                throw e;
            const err = e;
            // An 'N' to SSLRequest under prefer is no failure for libpq: it just goes on without TLS.
            if (!(more && NO_TLS.test(err.message ?? '')))
                failures.push({ transport, error: e, tls: ssl });
            if (!more)
                break;
            const timedOut = /timeout/i.test(err.message ?? '') || err.code === 'ETIMEDOUT';
            // libpq tries the other transport only once the server has answered: an ErrorResponse
            // (allow, prefer), or under prefer also an 'N' to SSLRequest or a failed handshake.
            const retry = isServerError(e) || (transport === 'tls' && tcpUp && !timedOut);
            if (!retry)
                break;
        }
    }
    throw connectionError(failures, env, database, s);
}
async function withClient(env, database, fn) {
    const c = await connectClient(env, database);
    try {
        return await fn(c);
    }
    finally {
        await c.end().catch(() => undefined);
    }
}
async function serverFacts(env) {
    return withClient(env, undefined, async (c) => {
        const v = await c.query(`select current_setting('server_version') as server_version, current_setting('server_version_num') as server_version_num`);
        const sys = await c.query(`select system_identifier::text from pg_control_system()`).catch(() => ({
            rows: [{ system_identifier: 'unknown' }],
        }));
        const dbs = await c.query(`select datname from pg_database where not datistemplate and datallowconn order by datname`);
        const su = await c.query(`select rolsuper from pg_roles where rolname = current_user`);
        const num = Number(v.rows[0].server_version_num);
        return {
            version: v.rows[0].server_version.split(' ')[0],
            versionNum: num,
            major: Math.floor(num / 10000),
            systemIdentifier: sys.rows[0].system_identifier,
            databases: dbs.rows.map((r) => r.datname),
            isSuperuser: !!su.rows[0]?.rolsuper,
        };
    });
}
/** Quote an identifier for SQL. */
function ident(name) {
    return '"' + name.replace(/"/g, '""') + '"';
}


/***/ })

};
