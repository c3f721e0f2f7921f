export const id = 261;
export const ids = [261];
export const modules = {

/***/ 2261:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   WAL_COMMANDS: () => (/* binding */ WAL_COMMANDS)
/* harmony export */ });
/* harmony import */ var _commands_wal_push_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9258);
/* harmony import */ var _commands_wal_fetch_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4008);


const WAL_COMMANDS = {
    'wal-push': _commands_wal_push_js__WEBPACK_IMPORTED_MODULE_0__/* .walPushCommand */ .Y,
    'wal-fetch': _commands_wal_fetch_js__WEBPACK_IMPORTED_MODULE_1__/* .walFetchCommand */ ._,
};


/***/ })

};
