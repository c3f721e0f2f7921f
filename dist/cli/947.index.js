export const id = 947;
export const ids = [947];
export const modules = {

/***/ 8947:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   LOCKED_CHECKSUM: () => (/* binding */ LOCKED_CHECKSUM),
/* harmony export */   S3Store: () => (/* binding */ S3Store),
/* harmony export */   UNLOCKED_PREFIXES: () => (/* binding */ UNLOCKED_PREFIXES)
/* harmony export */ });
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(3711);
/* harmony import */ var _aws_sdk_lib_storage__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2358);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(17);
/* harmony import */ var _util_log_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9906);
/* harmony import */ var _util_redact_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(767);
// s3:// repository on AWS S3 or any S3-protocol server (MinIO, SeaweedFS, Ceph RGW, s3rver).
// Writes stream through lib-storage's multipart Upload: at most partSize × (queueSize + 1) bytes
// are held, whatever the object size; a failed upload is aborted so no partial object appears
// (S3 only shows an object once CompleteMultipartUpload succeeds).
// Checksums are sent/validated only when the API requires them (WHEN_REQUIRED): the SDK's
// default CRC32 trailers are rejected by several S3-compatible servers. A copy with Object Lock
// (`?object-lock=…&lock-days=N`) is the exception: AWS refuses a PUT carrying retention without
// Content-MD5 or an x-amz-checksum-* header, so its writes name ChecksumAlgorithm explicitly
// (lib-storage repeats the params on every UploadPart, and its parts are Buffers, so the SDK
// sends a plain header, not a trailer).






const MiB = 1024 * 1024;
/**
 * Keys that never get retention on a locked copy: the repository layout's LOCKS_PREFIX (src/repo
 * sits above this layer). A lock is a lease rewritten every 30 s and deleted on release; locked,
 * each renewal would leave a version nobody can remove for lock-days, and a lock that cannot be
 * deleted blocks the next backup until its lease runs out.
 */
const UNLOCKED_PREFIXES = ['locks/'];
/** The checksum sent with every write to a locked copy (AWS requires one; CRC32 is the cheapest). */
const LOCKED_CHECKSUM = _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_5__.ChecksumAlgorithm.CRC32;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
class S3Store {
    loc;
    settings;
    description;
    /** Exposed so tests can observe requests (middleware) and read what the server stored. */
    client;
    endpoint;
    constructor(loc, settings) {
        this.loc = loc;
        this.settings = settings;
        this.description = `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
        const endpoint = loc.endpoint ?? settings.endpoint;
        const region = loc.region ?? settings.region ?? 'us-east-1';
        this.endpoint = endpoint ? (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_4__/* .redact */ .E$)(endpoint) : `AWS S3 (${region})`;
        (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_4__/* .registerSecret */ .cl)(settings.credentials?.secretAccessKey);
        (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_4__/* .registerSecret */ .cl)(settings.credentials?.sessionToken);
        this.client = new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_5__.S3Client({
            region,
            ...(endpoint ? { endpoint } : {}),
            forcePathStyle: loc.forcePathStyle ?? settings.forcePathStyle,
            // A per-copy profile wins over the environment's keys: each copy can have its own.
            ...(loc.profile ? { profile: loc.profile } : settings.credentials ? { credentials: settings.credentials } : settings.profile ? { profile: settings.profile } : {}),
            // Standard mode: exponential backoff with jitter on 5xx, throttling and transient network
            // errors. (Adaptive adds client-side rate limiting, which only helps many writers per client.)
            maxAttempts: settings.maxAttempts,
            retryMode: 'standard',
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
            followRegionRedirects: true,
            // A socket idle for idleTimeoutMs fails the request with a TimeoutError, which the standard
            // retry strategy retries: a hung endpoint must not hold archive_command (and the WAL piling
            // up in pg_wal) forever. A GET body that pauses longer under back-pressure (pg_restore
            // building an index) is cut too, and get() resumes it with a ranged GET from the byte reached.
            requestHandler: { connectionTimeout: 10_000, socketTimeout: settings.idleTimeoutMs ?? 120_000 },
        });
    }
    full(key) {
        if (!key || key.startsWith('/') || key.split('/').includes('..'))
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('bad-key', `Invalid object key "${key}".`);
        return this.loc.prefix ? `${this.loc.prefix}/${key}` : key;
    }
    /**
     * The PutObject input for a key: per-copy storage class and encryption ride on every write, and
     * on a locked copy the retention (until `now` + lock-days) with the checksum AWS demands for it.
     */
    putInput(key, body, opts = {}, now = new Date()) {
        const lock = this.loc.objectLock;
        const locked = lock && !UNLOCKED_PREFIXES.some((p) => key.startsWith(p));
        return {
            Bucket: this.loc.bucket,
            Key: this.full(key),
            Body: body,
            ...(this.loc.storageClass ? { StorageClass: this.loc.storageClass } : {}),
            ...(this.loc.sse ? { ServerSideEncryption: this.loc.sse } : {}),
            ...(this.loc.sseKmsKeyId ? { SSEKMSKeyId: this.loc.sseKmsKeyId } : {}),
            ...(opts.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
            ...(locked
                ? {
                    ObjectLockMode: lock.mode,
                    // Whole seconds, rounded up: the header's precision on every server, never a moment short.
                    ObjectLockRetainUntilDate: new Date(Math.ceil((now.getTime() + lock.days * 86400_000) / 1000) * 1000),
                    ChecksumAlgorithm: LOCKED_CHECKSUM,
                }
                : {}),
        };
    }
    async put(key, body, opts = {}) {
        const input = this.putInput(key, undefined, opts);
        if (opts.ifNoneMatch) {
            // Conditional writes (If-None-Match: *) close the race on AWS, MinIO and Ceph; servers that
            // ignore the header (s3rver, older gateways) are still caught by this look-up, leaving only a
            // window between HEAD and the write where two concurrent writers of one key both succeed.
            const existing = await this.head(key).catch((e) => {
                body.destroy();
                throw e;
            });
            if (existing) {
                body.destroy();
                throw existsError(key, this.description);
            }
        }
        if (body.destroyed) {
            if (body.errored)
                throw body.errored;
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('source-closed', `The data for ${key} was closed before it was read; nothing was written to ${this.description}.`);
        }
        let bytes = 0;
        let sourceError;
        const counter = new node_stream__WEBPACK_IMPORTED_MODULE_0__.Transform({
            transform(chunk, _enc, cb) {
                bytes += chunk.length;
                cb(null, chunk);
            },
        });
        body.on('error', (e) => {
            sourceError ??= e;
            counter.destroy(e);
        });
        // A source destroyed without an error must not look like a complete object (pipe() would
        // simply stall, leaving the upload waiting forever).
        body.once('close', () => {
            if (body.readableEnded || sourceError)
                return;
            sourceError = new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('source-closed', `The data for ${key} stopped before its end; nothing was written to ${this.description}.`);
            counter.destroy(sourceError);
        });
        body.pipe(counter);
        const upload = new _aws_sdk_lib_storage__WEBPACK_IMPORTED_MODULE_1__/* .Upload */ ._({
            client: this.client,
            params: { ...input, Body: counter },
            partSize: this.settings.partSizeMiB * MiB,
            queueSize: this.settings.queueSize,
            leavePartsOnError: false,
        });
        try {
            await upload.done();
            return { bytes };
        }
        catch (e) {
            body.unpipe(counter);
            body.destroy();
            counter.destroy();
            if (sourceError) {
                // lib-storage re-throws the source error once the multipart upload is aborted; any other
                // error here is the abort itself failing (s3rver, for one, does not implement it).
                if (e !== sourceError)
                    _util_log_js__WEBPACK_IMPORTED_MODULE_3__/* .log */ .Rm.warn(`could not abort the multipart upload of ${key} in ${this.description} (${describeSdkError(e)}); its parts stay until a lifecycle rule removes them`);
                throw sourceError;
            }
            if (status(e) === 412 || errName(e) === 'PreconditionFailed')
                throw existsError(key, this.description);
            if (/Exceeded \d+ parts/.test(e?.message ?? ''))
                throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('too-large', `Writing ${key} to ${this.description} failed: the object needs more than 10000 parts of ${this.settings.partSizeMiB} MiB.`, 'Raise PGKEEP_S3_PART_SIZE_MIB (up to 512, i.e. objects up to 5 TiB); memory use grows with it.');
            throw this.mapError(e, `Writing ${key} to`);
        }
    }
    /**
     * Streams the object. A connection that breaks mid-body (multi-GB restores over the internet)
     * is resumed with a ranged GET from the byte reached, pinned to the same version by its ETag,
     * up to maxAttempts times in a row; the SDK's own retries cover only the request itself.
     */
    async get(key) {
        const Bucket = this.loc.bucket;
        const Key = this.full(key);
        let first;
        try {
            first = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_5__.GetObjectCommand({ Bucket, Key }));
        }
        catch (e) {
            if (isMissing(e))
                throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('not-found', `Object ${key} not found in ${this.description}.`);
            throw this.mapError(e, `Reading ${key} from`);
        }
        const etag = first.ETag;
        const total = first.ContentLength;
        const maxAttempts = this.settings.maxAttempts;
        const self = this;
        async function* resume() {
            let body = first.Body;
            let offset = 0;
            let failures = 0;
            // Bytes arrived since the last (re)start: an idle cut then means the reader paused.
            let progressed = false;
            try {
                for (;;) {
                    try {
                        for await (const chunk of body) {
                            offset += chunk.length;
                            failures = 0;
                            progressed = true;
                            yield chunk;
                        }
                        if (total === undefined || offset >= total)
                            return;
                        throw Object.assign(new Error(`connection closed after ${offset} of ${total} bytes`), { code: 'ECONNRESET' });
                    }
                    catch (e) {
                        body.destroy();
                        const idle = errName(e) === 'TimeoutError';
                        if (!idle && !networkCode(e) && !/aborted|premature|socket hang up/i.test(e?.message ?? ''))
                            throw e;
                        // An idle cut after progress (the reader paused) costs no attempt; one without progress does.
                        if (!(idle && progressed) && ++failures >= maxAttempts)
                            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('repo-unreachable', `Reading ${key} from ${self.description} failed: the connection broke at byte ${offset}${total !== undefined ? ` of ${total}` : ''} ${failures} time(s) in a row (${networkCode(e) ?? e.message}).`, 'Check the network path to the S3 endpoint; raise PGKEEP_S3_MAX_ATTEMPTS for a flaky link.');
                        progressed = false;
                        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** failures, 5_000) * (0.5 + Math.random())));
                        try {
                            const r = await self.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_5__.GetObjectCommand({ Bucket, Key, Range: `bytes=${offset}-`, ...(etag ? { IfMatch: etag } : {}) }));
                            body = r.Body;
                        }
                        catch (e2) {
                            if (status(e2) === 412)
                                throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('changed', `Object ${key} in ${self.description} was replaced while it was being read.`, 'Run the command again.');
                            throw self.mapError(e2, `Reading ${key} from`);
                        }
                    }
                }
            }
            finally {
                body.destroy();
            }
        }
        return node_stream__WEBPACK_IMPORTED_MODULE_0__.Readable.from(resume(), { objectMode: false, highWaterMark: 1 << 20 });
    }
    /**
     * A suffix range GET: one request for the object's last bytes. A server that does not take
     * suffix ranges (s3rver reads `bytes=-N` as `bytes=0-N`) is asked again with the explicit
     * range its Content-Range total allows; bytes from anywhere but the end are never returned.
     */
    async readTail(key, bytes) {
        const ask = async (Range) => {
            try {
                const r = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_5__.GetObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key), Range }));
                const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.ContentRange ?? '');
                return { body: Buffer.from(await r.Body.transformToByteArray()), range: m ? { start: +m[1], end: +m[2], total: +m[3] } : undefined };
            }
            catch (e) {
                if (isMissing(e))
                    throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('not-found', `Object ${key} not found in ${this.description}.`);
                // An empty object has no range to satisfy (416): its tail is empty.
                if (status(e) === 416)
                    return { body: Buffer.alloc(0), range: { start: 0, end: -1, total: 0 } };
                throw this.mapError(e, `Reading ${key} from`);
            }
        };
        const first = await ask(`bytes=-${bytes}`);
        const r = first.range;
        // No Content-Range: the server sent the whole object (a 200); keep its end.
        if (!r)
            return first.body.subarray(Math.max(0, first.body.length - bytes));
        if (r.end === r.total - 1 && first.body.length === r.end - r.start + 1)
            return first.body;
        const start = Math.max(0, r.total - bytes);
        const again = await ask(`bytes=${start}-${r.total - 1}`);
        if (!again.range || again.range.start !== start || again.range.end !== r.total - 1)
            throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('read-failed', `${this.description} did not return the requested range of ${key}.`);
        return again.body;
    }
    async head(key) {
        try {
            const r = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_5__.HeadObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key) }));
            return {
                key,
                size: r.ContentLength ?? 0,
                ...(r.LastModified ? { modified: r.LastModified.toISOString() } : {}),
                // Present only where the caller may read retention (s3:GetObjectRetention / GetObjectLegalHold).
                ...(r.ObjectLockRetainUntilDate ? { retainUntil: r.ObjectLockRetainUntilDate.toISOString() } : {}),
                ...(r.ObjectLockLegalHoldStatus === 'ON' ? { legalHold: true } : {}),
            };
        }
        catch (e) {
            if (isMissing(e))
                return null;
            throw this.mapError(e, `Looking up ${key} in`);
        }
    }
    async list(prefix) {
        const base = this.loc.prefix ? `${this.loc.prefix}/` : '';
        const out = [];
        let token;
        try {
            do {
                const r = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_5__.ListObjectsV2Command({ Bucket: this.loc.bucket, Prefix: base + prefix, ContinuationToken: token }));
                for (const o of r.Contents ?? []) {
                    if (!o.Key?.startsWith(base))
                        continue;
                    out.push({ key: o.Key.slice(base.length), size: o.Size ?? 0, ...(o.LastModified ? { modified: o.LastModified.toISOString() } : {}) });
                }
                token = r.IsTruncated ? r.NextContinuationToken : undefined;
            } while (token);
        }
        catch (e) {
            throw this.mapError(e, `Listing ${prefix || 'objects'} in`);
        }
        return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    async delete(key) {
        try {
            await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_5__.DeleteObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key) }));
        }
        catch (e) {
            if (isMissing(e))
                return;
            throw this.mapError(e, `Deleting ${key} from`);
        }
    }
    async check() {
        try {
            await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_5__.HeadBucketCommand({ Bucket: this.loc.bucket }));
        }
        catch (e) {
            const s = status(e);
            if (s === 404 || ['NotFound', 'NoSuchBucket'].includes(errName(e)))
                throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('repo-unreachable', `Bucket "${this.loc.bucket}" does not exist at ${this.endpoint} (repository ${this.description}).`, `Create the bucket (e.g. aws s3 mb s3://${this.loc.bucket}) or fix PGKEEP_REPO.`);
            throw this.mapError(e, 'Checking');
        }
    }
    /** One sentence naming what failed and where; never credentials (messages pass through redact). */
    mapError(e, what) {
        if (e instanceof _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z)
            return e;
        const where = `${what} ${this.description}`;
        const s = status(e);
        const name = errName(e);
        const net = networkCode(e);
        if (net || name === 'TimeoutError')
            return new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('repo-unreachable', `${where} failed: the S3 endpoint ${this.endpoint} is unreachable (${net ?? 'connection timed out'}) after ${this.settings.maxAttempts} attempt(s).`, 'Check AWS_ENDPOINT_URL_S3 (or the endpoint= option in PGKEEP_REPO) and the network path to it.');
        if (name === 'CredentialsProviderError' || /could not load credentials/i.test(e?.message ?? ''))
            return new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('repo-unreachable', `${where} failed: no AWS credentials were found.`, 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an instance role.');
        if (s === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden'].includes(name))
            return new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('repo-unreachable', `${where} failed: access to bucket "${this.loc.bucket}" was denied (${name || 'HTTP 403'}).`, 'Check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or the profile/role) and the bucket policy.');
        if (s === 404 || name === 'NoSuchBucket')
            return new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('repo-unreachable', `${where} failed: bucket "${this.loc.bucket}" does not exist at ${this.endpoint}.`, `Create the bucket (e.g. aws s3 mb s3://${this.loc.bucket}) or fix PGKEEP_REPO.`);
        if (s === 301 || name === 'PermanentRedirect')
            return new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('repo-unreachable', `${where} failed: bucket "${this.loc.bucket}" is in another region than ${this.loc.region ?? this.settings.region ?? 'us-east-1'}.`, 'Set AWS_REGION (or region= in PGKEEP_REPO) to the bucket\'s region.');
        return new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('s3-error', `${where} failed: ${describeSdkError(e)}.`);
    }
}
function existsError(key, where) {
    return new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PgkeepError */ .$Z('exists', `Object ${key} already exists in ${where}.`);
}
function status(e) {
    return e?.$metadata?.httpStatusCode;
}
function errName(e) {
    const x = e;
    return x?.Code ?? x?.name ?? '';
}
/** The object is missing (a missing bucket is not: that is a configuration error to report). */
function isMissing(e) {
    return errName(e) !== 'NoSuchBucket' && (status(e) === 404 || ['NoSuchKey', 'NotFound'].includes(errName(e)));
}
function networkCode(e) {
    for (let x = e, i = 0; x && i < 4; i++) {
        const code = x.code ?? x.errors?.find((y) => y?.code)?.code;
        if (code && NETWORK_CODES.has(code))
            return code;
        x = x.cause;
    }
    return undefined;
}
/** "SlowDown (HTTP 503): Please reduce your request rate" — code, status, the server's words; redacted. */
function describeSdkError(e) {
    const s = status(e);
    let name = errName(e);
    const msg = (e?.message ?? String(e)).split('\n')[0].slice(0, 200).replace(/\.$/, '');
    // HEAD answers carry no body: the SDK only knows the status then.
    if (['Unknown', 'UnknownError', 'Error', ''].includes(name))
        name = '';
    if (!name && s)
        return `the server answered HTTP ${s}`;
    const head = [name, s ? `(HTTP ${s})` : ''].filter(Boolean).join(' ');
    return (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_4__/* .redact */ .E$)(head && msg && msg !== name && msg !== 'UnknownError' ? `${head}: ${msg}` : head || msg);
}


/***/ })

};
