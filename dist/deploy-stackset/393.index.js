export const id = 393;
export const ids = [393];
export const modules = {

/***/ 7393:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   S3Client: () => (/* reexport safe */ _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_0__.YxF),
/* harmony export */   STSClient: () => (/* reexport safe */ _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_1__.iM),
/* harmony export */   s3Ops: () => (/* binding */ s3Ops),
/* harmony export */   stsOps: () => (/* binding */ stsOps)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3711);
/* harmony import */ var _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1695);


function s3Ops(client) {
    return {
        headObject: async (Bucket, Key, VersionId) => {
            await client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_0__/* .HeadObjectCommand */ .l81({ Bucket, Key, VersionId }));
        },
        putObject: async (Bucket, Key, Body) => {
            await client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_0__/* .PutObjectCommand */ .wKZ({ Bucket, Key, Body, ContentType: 'text/plain' }));
        },
    };
}
function stsOps(client) {
    return { accountId: async () => (await client.send(new _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_1__/* .GetCallerIdentityCommand */ .zI({}))).Account };
}



/***/ })

};
