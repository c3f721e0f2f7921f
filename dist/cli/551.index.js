export const id = 551;
export const ids = [551];
export const modules = {

/***/ 551:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   manifestObjectSchema: () => (/* binding */ manifestObjectSchema),
/* harmony export */   manifestSchema: () => (/* binding */ manifestSchema),
/* harmony export */   repoInfoSchema: () => (/* binding */ repoInfoSchema)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8816);
/* harmony import */ var _layout_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6776);
// Backup manifest (repository format v1). Written LAST: a backup exists only once its
// manifest does. Lists every object with size and SHA-256 of the stored bytes.


const manifestObjectSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
    /** File name inside backups/<id>/. */
    name: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    /** What it is: globals, dump (pg_dump -Fc), base (tar of a tablespace), backup-manifest, … */
    kind: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    database: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    /** Stored size and SHA-256 of the stored (compressed) bytes: checkable with sha256sum alone. */
    bytes: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().nonnegative(),
    sha256: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().regex(/^[0-9a-f]{64}$/),
    /** Size before compression. */
    rawBytes: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().nonnegative(),
    compression: zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['zstd', 'none']),
    /** "age": the stored bytes are age ciphertext of the compressed bytes (name ends in .age). */
    encryption: zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['age']).optional(),
    /** kind "tablespace": the tablespace's OID and its directory on the backed-up server. */
    tablespaceOid: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().optional(),
    tablespaceLocation: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
});
const manifestSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
    format: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz(_layout_js__WEBPACK_IMPORTED_MODULE_1__/* .FORMAT_VERSION */ .Hp),
    id: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    type: zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['logical', 'full', 'incr']),
    startTime: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    stopTime: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    pgVersion: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    pgVersionNum: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int(),
    systemIdentifier: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
    /** Physical backups: WAL position and timeline. */
    timeline: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().optional(),
    startLsn: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    stopLsn: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    startWal: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    stopWal: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    /** Incremental backups: the backup this one builds on. */
    parent: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    databases: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP()).optional(),
    bytes: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().nonnegative(),
    rawBytes: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().nonnegative(),
    objects: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(manifestObjectSchema),
    tool: zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({ name: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('pgkeep'), version: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP() }),
    /** Set when objects are age-encrypted: for which recipients (public keys only). */
    encryption: zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({ method: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz('age'), recipients: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP()) }).optional(),
    /** Free-form facts a command wants to keep (options used, durations). */
    extra: zod__WEBPACK_IMPORTED_MODULE_0__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_0__/* .unknown */ .L5J()).optional(),
})
    .passthrough();
const repoInfoSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .object */ .Ikc({
    format: zod__WEBPACK_IMPORTED_MODULE_0__/* .literal */ .euz(_layout_js__WEBPACK_IMPORTED_MODULE_1__/* .FORMAT_VERSION */ .Hp),
    systemIdentifier: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().optional(),
    created: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(),
});


/***/ })

};
