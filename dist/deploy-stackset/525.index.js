export const id = 525;
export const ids = [525];
export const modules = {

/***/ 5525:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GITHUB_REQUEST_TIMEOUT_MS: () => (/* binding */ GITHUB_REQUEST_TIMEOUT_MS),
/* harmony export */   commentFailureMessage: () => (/* binding */ commentFailureMessage),
/* harmony export */   createOctokit: () => (/* binding */ createOctokit),
/* harmony export */   markerFor: () => (/* binding */ markerFor),
/* harmony export */   markerMatch: () => (/* binding */ markerMatch),
/* harmony export */   resolveCommentTarget: () => (/* binding */ resolveCommentTarget),
/* harmony export */   upsertStickyComment: () => (/* binding */ upsertStickyComment)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2413);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3916);
/* harmony import */ var _proxy__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8903);
/**
 * Sticky PR comments: one comment per target — (action, stack, environment), and for deploy-stack also account
 * and region — found by a hidden marker and updated in place on every run. A comment is a side channel: any failure is a visible warning that says what is
 * missing, never an exception and never a failed deploy (L2).
 */




/** Every GitHub API request is aborted after this long (T1): a comment is a side channel, never a hang. */
const GITHUB_REQUEST_TIMEOUT_MS = 30_000;
/**
 * The one place that builds a client; `GITHUB_API_URL` (GHES, or a loopback stub in tests) is honoured. With a
 * forward proxy (the `http-proxy` input, else HTTPS_PROXY/HTTP_PROXY, with NO_PROXY) requests go through our
 * proxy agents, the same rules as the AWS calls (src/proxy.ts); otherwise @actions/github's own fetch.
 */
function createOctokit(token, baseUrl = process.env.GITHUB_API_URL, timeoutMs = GITHUB_REQUEST_TIMEOUT_MS, env = process.env) {
    const proxy = (0,_proxy__WEBPACK_IMPORTED_MODULE_2__/* .proxyConfig */ .F6)(env);
    const octokit = (0,_actions_github__WEBPACK_IMPORTED_MODULE_1__/* .getOctokit */ .Q)(token, {
        ...(baseUrl ? { baseUrl: baseUrl.replace(/\/+$/, '') } : {}),
        ...(proxy ? { request: { fetch: (0,_proxy__WEBPACK_IMPORTED_MODULE_2__/* .agentFetch */ .e3)((0,_proxy__WEBPACK_IMPORTED_MODULE_2__/* .proxyAgents */ .Hd)(proxy, timeoutMs)) } } : {}),
    });
    // Per request (a signal in the defaults would start counting when the client is built). The proxy-aware
    // fetch of @actions/github passes the signal through.
    octokit.hook.wrap('request', (request, options) => {
        // Set on the per-request options object itself: a copy passed to `request` loses the signal.
        options.request = { ...options.request, signal: AbortSignal.timeout(timeoutMs) };
        return request(options);
    });
    return octokit;
}
const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);
function readPayload(options) {
    if (options.payload)
        return options.payload;
    if (!options.eventPath)
        return {};
    try {
        return JSON.parse(node_fs__WEBPACK_IMPORTED_MODULE_0___default().readFileSync(options.eventPath, 'utf8'));
    }
    catch (error) {
        return `could not read the event payload ${options.eventPath}: ${(0,_errors__WEBPACK_IMPORTED_MODULE_3__/* .errorMessage */ .gJ)(error)}`;
    }
}
function splitRepo(repository, payload) {
    const full = repository ?? payload.repository?.full_name ?? '';
    const match = /^([^/\s]+)\/([^/\s]+)$/.exec(full);
    return match ? { owner: match[1], repo: match[2] } : undefined;
}
function isFork(pr) {
    if (!pr)
        return false;
    const head = pr.head?.repo;
    if (!head)
        return false;
    if (head.fork === true && head.full_name !== pr.base?.repo?.full_name)
        return true;
    return !!head.full_name && !!pr.base?.repo?.full_name && head.full_name !== pr.base.repo.full_name;
}
/**
 * Where to comment, if anywhere. `auto`: pull_request / pull_request_target events with a token. `always`:
 * also issue_comment on a PR, and push/other events when the commit belongs to an open PR (looked up with
 * `octokit`), otherwise a warning. `never`: never.
 */
async function resolveCommentTarget(options) {
    if (options.mode === 'never')
        return { reason: 'PR comments are disabled (pr-comment: never)', warning: false };
    const event = options.eventName ?? '';
    const always = options.mode === 'always';
    if (!options.token) {
        const onPr = PR_EVENTS.has(event);
        return {
            reason: 'no GitHub token: the plan is not posted as a PR comment (pass `github-token`)',
            warning: always || onPr,
        };
    }
    const payload = readPayload(options);
    if (typeof payload === 'string')
        return { reason: payload, warning: always || PR_EVENTS.has(event) };
    const where = splitRepo(options.repository, payload);
    if (!where)
        return {
            reason: 'GITHUB_REPOSITORY is not set: cannot tell which repository to comment on',
            warning: always,
        };
    if (options.prNumber !== undefined && options.prNumber > 0)
        return {
            target: { ...where, issueNumber: options.prNumber },
            reason: `PR #${options.prNumber} (given explicitly)`,
            warning: false,
        };
    if (PR_EVENTS.has(event)) {
        const pr = payload.pull_request;
        const prNumber = pr?.number ?? payload.number;
        if (typeof prNumber === 'number' && prNumber > 0)
            return {
                target: { ...where, issueNumber: prNumber, fromFork: isFork(pr) },
                reason: `${event} event for PR #${prNumber}`,
                warning: false,
            };
        return { reason: `${event} event without a pull request number in its payload`, warning: true };
    }
    if (!always)
        return {
            reason: `not a pull request event (${event || 'unknown event'}): no PR comment (set pr-comment: always to comment on the PR of this commit)`,
            warning: false,
        };
    if (event === 'issue_comment') {
        const issue = payload.issue;
        if (issue?.pull_request && typeof issue.number === 'number')
            return {
                target: { ...where, issueNumber: issue.number },
                reason: `comment on PR #${issue.number}`,
                warning: false,
            };
        return {
            reason: 'issue_comment event on an issue, not a pull request: no PR to comment on',
            warning: true,
        };
    }
    const sha = options.sha ?? payload.after;
    if (!sha || !options.octokit)
        return {
            reason: `${event || 'this'} event: no pull request number and no commit to look one up`,
            warning: true,
        };
    try {
        const response = await options.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
            ...where,
            commit_sha: sha,
            per_page: 100,
        });
        const open = response.data.filter((pull) => pull.state === 'open');
        const pr = open.find((pull) => pull.head?.sha === sha) ?? open[0];
        if (pr)
            return {
                target: { ...where, issueNumber: pr.number },
                reason: `open PR #${pr.number} for commit ${sha.slice(0, 12)}`,
                warning: false,
            };
        return {
            reason: `${event} event: commit ${sha.slice(0, 12)} belongs to no open pull request`,
            warning: true,
        };
    }
    catch (error) {
        return {
            reason: `could not look up the pull request of commit ${sha.slice(0, 12)}: ${(0,_errors__WEBPACK_IMPORTED_MODULE_3__/* .errorMessage */ .gJ)(error)}`,
            warning: true,
        };
    }
}
function markerPart(value) {
    const safe = (value ?? '').replace(/[^A-Za-z0-9._/-]/g, '_');
    return safe || '-';
}
function keyed(marker) {
    return marker.account !== undefined || marker.region !== undefined;
}
/**
 * `<!-- guarded-deploy:<action>:<stack>:<environment> -->`, or with an account or region
 * `<!-- guarded-deploy:<action>:<stack>:<environment>:<account>:<region> -->` (characters outside
 * `[A-Za-z0-9._/-]` become `_`, an empty part is `-`).
 */
function markerFor(marker) {
    const base = `guarded-deploy:${markerPart(marker.action)}:${markerPart(marker.stack)}:${markerPart(marker.environment)}`;
    return keyed(marker)
        ? `<!-- ${base}:${markerPart(marker.account)}:${markerPart(marker.region)} -->`
        : `<!-- ${base} -->`;
}
const MARKER = /^<!-- guarded-deploy:([^:\s]+):([^:\s]+):([^:\s]+)(?::([^:\s]+):([^:\s]+))? -->/;
/**
 * How well a comment's marker matches ours: 3 exact; 2 the three-part marker of the same (action, stack,
 * environment) written before comments were keyed by account and region (adopted and rewritten, not
 * duplicated); 1 the same target but another account while ours is unknown; 0 not ours.
 */
function markerMatch(body, marker) {
    const text = body?.trimStart() ?? '';
    const exact = markerFor(marker);
    if (text.startsWith(exact))
        return 3;
    if (!keyed(marker))
        return 0;
    const found = MARKER.exec(text);
    if (!found)
        return 0;
    const [, action, stack, environment, account, region] = found;
    if (action !== markerPart(marker.action) ||
        stack !== markerPart(marker.stack) ||
        environment !== markerPart(marker.environment))
        return 0;
    if (account === undefined)
        return 2;
    return marker.account === undefined && region === markerPart(marker.region) ? 1 : 0;
}
function statusOf(error) {
    const status = error?.status;
    return typeof status === 'number' ? status : undefined;
}
/** One warning line that says what is missing (L2). */
function commentFailureMessage(error, where, fromFork = false) {
    const status = statusOf(error);
    const fork = fromFork ? ' This PR comes from a fork, so its `pull_request` token is read-only.' : '';
    if (status === 403 || status === 404) {
        return (`PR comment not posted on ${where} (HTTP ${status}): the token lacks \`pull-requests: write\` (or \`issues: write\`) permission; ` +
            'fork PRs get a read-only token — grant `permissions: pull-requests: write` to the job, or comment from a ' +
            `\`pull_request_target\`/\`workflow_run\` workflow.${fork} The plan is in the job summary. (${(0,_errors__WEBPACK_IMPORTED_MODULE_3__/* .errorMessage */ .gJ)(error)})`);
    }
    if (status === 401)
        return `PR comment not posted on ${where} (HTTP 401): the token is invalid or expired.`;
    return `PR comment not posted on ${where}${status ? ` (HTTP ${status})` : ''}: ${(0,_errors__WEBPACK_IMPORTED_MODULE_3__/* .errorMessage */ .gJ)(error)}. The plan is in the job summary.`;
}
/**
 * Create or update the one comment carrying this marker. Pages through every comment (100 per page);
 * updates the first marked comment in place, or creates it. Never throws: failures are warnings and
 * return `undefined`.
 */
async function upsertStickyComment(options) {
    const where = `${options.owner}/${options.repo}#${options.issueNumber}`;
    const subject = `${options.marker.action} ${options.marker.stack}${options.marker.environment ? ` (${options.marker.environment})` : ''}`;
    try {
        const marker = markerFor(options.marker);
        const body = options.out.comment(options.body, `${marker}\n`);
        // The best match wins (exact, then an older marker of the same target); the first of equals.
        const candidates = [[], [], [], []];
        for await (const page of options.octokit.paginate.iterator(options.octokit.rest.issues.listComments, {
            owner: options.owner,
            repo: options.repo,
            issue_number: options.issueNumber,
            per_page: 100,
        })) {
            for (const comment of page.data) {
                const score = markerMatch(comment.body, options.marker);
                if (score > 0)
                    candidates[score]?.push({ id: comment.id });
            }
        }
        const [exact = [], older = [], otherAccount = []] = [candidates[3], candidates[2], candidates[1]];
        // Another account's comment is only taken over when this run cannot tell its account and there is one.
        const pool = exact.length ? exact : older.length ? older : otherAccount.length === 1 ? otherAccount : [];
        const found = pool[0];
        if (pool.length > 1)
            options.out.debug(`${pool.length - 1} more comment(s) on ${where} carry the marker for ${subject}; updating the first`);
        if (!found && options.create === false) {
            options.out.debug(`No plan comment for ${subject} on ${where} to update; none posted (no changes).`);
            return undefined;
        }
        const repository = { owner: options.owner, repo: options.repo };
        const response = found
            ? await options.octokit.rest.issues.updateComment({ ...repository, comment_id: found.id, body })
            : await options.octokit.rest.issues.createComment({
                ...repository,
                issue_number: options.issueNumber,
                body,
            });
        const action = found ? 'updated' : 'created';
        options.out.info(`${found ? 'Updated' : 'Posted'} the plan comment for ${subject} on ${where}: ${response.data.html_url ?? response.data.id}`);
        return { id: response.data.id, action, url: response.data.html_url };
    }
    catch (error) {
        try {
            options.out.warning(`${subject}: ${commentFailureMessage(error, where, options.fromFork)}`);
        }
        catch {
            // A logger failure must not fail the deploy either.
        }
        return undefined;
    }
}


/***/ })

};
