export const id = 332;
export const ids = [332];
export const modules = {

/***/ 8332:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   commentFailureMessage: () => (/* binding */ commentFailureMessage),
/* harmony export */   createOctokit: () => (/* binding */ createOctokit),
/* harmony export */   markerFor: () => (/* binding */ markerFor),
/* harmony export */   resolveCommentTarget: () => (/* binding */ resolveCommentTarget),
/* harmony export */   upsertStickyComment: () => (/* binding */ upsertStickyComment)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8587);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4533);
/**
 * Sticky PR comments: one comment per (action, stack, environment), found by a hidden marker and updated in
 * place on every run. A comment is a side channel: any failure is a visible warning that says what is
 * missing, never an exception and never a failed deploy (L2).
 */



/** The one place that builds a client; `GITHUB_API_URL` (GHES, or a loopback stub in tests) is honoured. */
function createOctokit(token, baseUrl = process.env.GITHUB_API_URL) {
    return (0,_actions_github__WEBPACK_IMPORTED_MODULE_1__/* .getOctokit */ .Q)(token, baseUrl ? { baseUrl: baseUrl.replace(/\/+$/, '') } : {});
}
const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);
function readPayload(o) {
    if (o.payload)
        return o.payload;
    if (!o.eventPath)
        return {};
    try {
        return JSON.parse(node_fs__WEBPACK_IMPORTED_MODULE_0___default().readFileSync(o.eventPath, 'utf8'));
    }
    catch (e) {
        return `could not read the event payload ${o.eventPath}: ${(0,_errors__WEBPACK_IMPORTED_MODULE_2__/* .errorMessage */ .gJ)(e)}`;
    }
}
function splitRepo(repository, payload) {
    const full = repository ?? payload.repository?.full_name ?? '';
    const m = /^([^/\s]+)\/([^/\s]+)$/.exec(full);
    return m ? { owner: m[1], repo: m[2] } : undefined;
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
async function resolveCommentTarget(o) {
    if (o.mode === 'never')
        return { reason: 'PR comments are disabled (pr-comment: never)', warning: false };
    const event = o.eventName ?? '';
    const always = o.mode === 'always';
    if (!o.token) {
        const onPr = PR_EVENTS.has(event);
        return {
            reason: 'no GitHub token: the plan is not posted as a PR comment (pass `github-token`)',
            warning: always || onPr,
        };
    }
    const payload = readPayload(o);
    if (typeof payload === 'string')
        return { reason: payload, warning: always || PR_EVENTS.has(event) };
    const where = splitRepo(o.repository, payload);
    if (!where)
        return {
            reason: 'GITHUB_REPOSITORY is not set: cannot tell which repository to comment on',
            warning: always,
        };
    if (o.prNumber !== undefined && o.prNumber > 0)
        return {
            target: { ...where, issueNumber: o.prNumber },
            reason: `PR #${o.prNumber} (given explicitly)`,
            warning: false,
        };
    if (PR_EVENTS.has(event)) {
        const pr = payload.pull_request;
        const n = pr?.number ?? payload.number;
        if (typeof n === 'number' && n > 0)
            return {
                target: { ...where, issueNumber: n, fromFork: isFork(pr) },
                reason: `${event} event for PR #${n}`,
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
    const sha = o.sha ?? payload.after;
    if (!sha || !o.octokit)
        return {
            reason: `${event || 'this'} event: no pull request number and no commit to look one up`,
            warning: true,
        };
    try {
        const res = await o.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
            ...where,
            commit_sha: sha,
            per_page: 100,
        });
        const open = res.data.filter((p) => p.state === 'open');
        const pr = open.find((p) => p.head?.sha === sha) ?? open[0];
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
    catch (e) {
        return {
            reason: `could not look up the pull request of commit ${sha.slice(0, 12)}: ${(0,_errors__WEBPACK_IMPORTED_MODULE_2__/* .errorMessage */ .gJ)(e)}`,
            warning: true,
        };
    }
}
function markerPart(s) {
    const v = (s ?? '').replace(/[^A-Za-z0-9._/-]/g, '_');
    return v || '-';
}
/** `<!-- guarded-deploy:<action>:<stack>:<environment> -->` (characters outside `[A-Za-z0-9._/-]` become `_`). */
function markerFor(m) {
    return `<!-- guarded-deploy:${markerPart(m.action)}:${markerPart(m.stack)}:${markerPart(m.environment)} -->`;
}
function statusOf(e) {
    const s = e?.status;
    return typeof s === 'number' ? s : undefined;
}
/** One warning line that says what is missing (L2). */
function commentFailureMessage(e, where, fromFork = false) {
    const status = statusOf(e);
    const fork = fromFork ? ' This PR comes from a fork, so its `pull_request` token is read-only.' : '';
    if (status === 403 || status === 404) {
        return (`PR comment not posted on ${where} (HTTP ${status}): the token lacks \`pull-requests: write\` (or \`issues: write\`) permission; ` +
            'fork PRs get a read-only token — grant `permissions: pull-requests: write` to the job, or comment from a ' +
            `\`pull_request_target\`/\`workflow_run\` workflow.${fork} The plan is in the job summary. (${(0,_errors__WEBPACK_IMPORTED_MODULE_2__/* .errorMessage */ .gJ)(e)})`);
    }
    if (status === 401)
        return `PR comment not posted on ${where} (HTTP 401): the token is invalid or expired.`;
    return `PR comment not posted on ${where}${status ? ` (HTTP ${status})` : ''}: ${(0,_errors__WEBPACK_IMPORTED_MODULE_2__/* .errorMessage */ .gJ)(e)}. The plan is in the job summary.`;
}
/**
 * Create or update the one comment carrying this marker. Pages through every comment (100 per page);
 * updates the first marked comment in place, or creates it. Never throws: failures are warnings and
 * return `undefined`.
 */
async function upsertStickyComment(o) {
    const where = `${o.owner}/${o.repo}#${o.issueNumber}`;
    const subject = `${o.marker.action} ${o.marker.stack}${o.marker.environment ? ` (${o.marker.environment})` : ''}`;
    try {
        const marker = markerFor(o.marker);
        const body = o.out.comment(o.body, `${marker}\n`);
        let found;
        let duplicates = 0;
        for await (const page of o.octokit.paginate.iterator(o.octokit.rest.issues.listComments, {
            owner: o.owner,
            repo: o.repo,
            issue_number: o.issueNumber,
            per_page: 100,
        })) {
            for (const c of page.data) {
                if (!c.body?.trimStart().startsWith(marker))
                    continue;
                if (found)
                    duplicates++;
                else
                    found = { id: c.id };
            }
        }
        if (duplicates > 0)
            o.out.debug(`${duplicates} more comment(s) on ${where} carry the marker for ${subject}; updating the first`);
        if (found) {
            const res = await o.octokit.rest.issues.updateComment({
                owner: o.owner,
                repo: o.repo,
                comment_id: found.id,
                body,
            });
            o.out.info(`Updated the plan comment for ${subject} on ${where}: ${res.data.html_url ?? res.data.id}`);
            return { id: res.data.id, action: 'updated', url: res.data.html_url };
        }
        const res = await o.octokit.rest.issues.createComment({
            owner: o.owner,
            repo: o.repo,
            issue_number: o.issueNumber,
            body,
        });
        o.out.info(`Posted the plan comment for ${subject} on ${where}: ${res.data.html_url ?? res.data.id}`);
        return { id: res.data.id, action: 'created', url: res.data.html_url };
    }
    catch (e) {
        try {
            o.out.warning(`${subject}: ${commentFailureMessage(e, where, o.fromFork)}`);
        }
        catch {
            // A logger failure must not fail the deploy either.
        }
        return undefined;
    }
}


/***/ })

};
