/**
 * A latency-injecting loopback proxy in front of moto, for benchmarks: moto creates change sets and executes
 * them at once; real CloudFormation takes seconds to minutes. This proxy replays moto's answers on a real
 * CloudFormation timeline and counts every call, by AWS action.
 *
 * - A change set answers CREATE_IN_PROGRESS (ExecutionStatus UNAVAILABLE, no Changes, no StatusReason) to
 *   DescribeChangeSet until `changeSetMs` after its CreateChangeSet; then moto's answer (CREATE_COMPLETE, or
 *   FAILED "didn't contain changes") goes through. ExecuteChangeSet before that is refused
 *   (InvalidChangeSetStatus), as CloudFormation does.
 * - After ExecuteChangeSet, DescribeStacks shows the stack in CREATE_IN_PROGRESS / UPDATE_IN_PROGRESS (no
 *   Outputs) until `executionMs` after the call; then moto's final status goes through. The execution's
 *   stack events appear over that time: the first (the stack's *_IN_PROGRESS) at once, the last (the stack's
 *   *_COMPLETE) at the end, the resource events evenly between, each stamped with the time it appears.
 * - With both durations 0 every answer is moto's, untouched.
 *
 * Usage: `const proxy = await startLatencyProxy(motoEndpoint, { changeSetMs: 3000, executionMs: 15000 })`;
 * point AWS_ENDPOINT_URL at `proxy.endpoint`; `proxy.take()` returns (and forgets) the calls since the last
 * take; `proxy.close()` stops it. Run as a script (`node bench/latency-proxy.mjs <upstream> [csMs] [execMs]`)
 * it serves until interrupted and prints the calls it sees.
 */
import { forwardRequest } from '../scripts/http-forward.mjs';
import http from 'node:http';
import { URLSearchParams, pathToFileURL } from 'node:url';

/** The AWS action of a request: the query protocol's Action= field, the JSON protocol's X-Amz-Target, or REST. */
export function actionOf(method, url, headers, body) {
  const form = /(?:^|&)Action=([A-Za-z0-9]+)/.exec(body)?.[1];
  if (form) return form;
  const target = headers['x-amz-target'];
  // Other services (JSON protocols) are named with their prefix: AmazonSSM.GetParameter → ssm:GetParameter.
  if (typeof target === 'string') {
    const [service = '', operation = target] = target.split('.');
    return `${service.replace(/^Amazon/, '').toLowerCase()}:${operation}`;
  }
  return `${method} ${url.split('?')[0]}`;
}

function formParam(body, name) {
  const value = new URLSearchParams(body).get(name);
  return value ?? undefined;
}

function tagText(xml, tag) {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

function setTag(xml, tag, value) {
  return xml.replace(new RegExp(`<${tag}>[^<]*</${tag}>`), `<${tag}>${value}</${tag}>`);
}

function dropElement(xml, tag) {
  return xml.replace(new RegExp(`<${tag}>[\\s\\S]*?</${tag}>|<${tag}/>`), '');
}

/** The top-level <member> elements of the list element `listTag` (nested lists are kept inside). */
export function listMembers(xml, listTag) {
  const open = xml.indexOf(`<${listTag}>`);
  const close = xml.lastIndexOf(`</${listTag}>`);
  if (open < 0 || close < 0) return { before: xml, members: [], after: '' };
  const inner = xml.slice(open + listTag.length + 2, close);
  const members = [];
  const tags = /<(\/?)member>/g;
  let depth = 0;
  let start = 0;
  for (let match = tags.exec(inner); match; match = tags.exec(inner)) {
    if (!match[1]) {
      if (depth === 0) start = match.index;
      depth++;
    } else if (--depth === 0) members.push(inner.slice(start, match.index + '</member>'.length));
  }
  return {
    before: xml.slice(0, open + listTag.length + 2),
    members,
    after: xml.slice(close),
  };
}

function joinMembers({ before, after }, members) {
  return `${before}${members.join('')}${after}`;
}

function invalidStatus(changeSetId) {
  return `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>InvalidChangeSetStatus</Code><Message>ChangeSet [${changeSetId}] cannot be executed in its current status of [CREATE_IN_PROGRESS]</Message></Error><RequestId>latency-proxy</RequestId></ErrorResponse>`;
}

/**
 * Start the proxy. Options: changeSetMs, executionMs (default 0: no latency), now (clock, for tests).
 * Returns { endpoint, calls, take(), counts(calls), setLatency({ changeSetMs, executionMs }), close() }.
 */
export async function startLatencyProxy(upstream, options = {}) {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const now = options.now ?? Date.now;
  const latency = { changeSetMs: options.changeSetMs ?? 0, executionMs: options.executionMs ?? 0 };
  /** change set id → { id, name, stackId, stackName, readyAt } */
  const changeSets = new Map();
  /** stack id → { start, end } of the last execution */
  const executions = new Map();
  let calls = [];
  const sockets = new Set();

  const findChangeSet = (nameOrId, stack) => {
    if (changeSets.has(nameOrId)) return changeSets.get(nameOrId);
    for (const changeSet of changeSets.values())
      if (changeSet.name === nameOrId && (changeSet.stackName === stack || changeSet.stackId === stack))
        return changeSet;
    return undefined;
  };

  const forward = (req, body) => forwardRequest(target, req, body, agent);

  /** DescribeChangeSet: in progress until ready. */
  const rewriteChangeSet = (xml) => {
    const changeSet = changeSets.get(tagText(xml, 'ChangeSetId') ?? '');
    if (!changeSet || now() >= changeSet.readyAt) return xml;
    let out = dropElement(xml, 'Changes');
    out = dropElement(out, 'StatusReason');
    out = setTag(out, 'Status', 'CREATE_IN_PROGRESS');
    return setTag(out, 'ExecutionStatus', 'UNAVAILABLE');
  };

  /** DescribeStacks: every stack whose execution has not ended yet shows it in progress. */
  const rewriteStacks = (xml) => {
    const list = listMembers(xml, 'Stacks');
    const members = list.members.map((member) => {
      const execution = executions.get(tagText(member, 'StackId') ?? '');
      const status = tagText(member, 'StackStatus') ?? '';
      if (!execution || now() >= execution.end || !/_COMPLETE$|_FAILED$/.test(status)) return member;
      // A failed create ends in ROLLBACK_*, a failed update in UPDATE_ROLLBACK_*: in progress, they were *_IN_PROGRESS.
      const kind = /^(CREATE|ROLLBACK)_/.test(status)
        ? 'CREATE'
        : status.startsWith('DELETE')
          ? 'DELETE'
          : 'UPDATE';
      return dropElement(setTag(member, 'StackStatus', `${kind}_IN_PROGRESS`), 'StackStatusReason').replace(
        /<Outputs>[\s\S]*?<\/Outputs>|<Outputs\/>/,
        '',
      );
    });
    return joinMembers(list, members);
  };

  /** DescribeStackEvents: the execution's events appear over its duration (newest first, as CloudFormation). */
  const rewriteEvents = (xml) => {
    const list = listMembers(xml, 'StackEvents');
    const stackId = list.members.length ? tagText(list.members[0], 'StackId') : undefined;
    const execution = executions.get(stackId ?? '');
    if (!execution) return xml;
    const during = [];
    const earlier = [];
    for (const member of list.members) {
      const at = Date.parse(tagText(member, 'Timestamp') ?? '');
      (at >= execution.start - 50 ? during : earlier).push(member);
    }
    // Oldest first: moto lists newest first.
    during.reverse();
    const span = execution.end - execution.start;
    const shown = [];
    during.forEach((member, index) => {
      const at = execution.start + (during.length > 1 ? (span * index) / (during.length - 1) : 0);
      if (at <= now()) shown.push(setTag(member, 'Timestamp', new Date(at).toISOString()));
    });
    return joinMembers(list, [...shown.reverse(), ...earlier]);
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const body = raw.toString('utf8');
        const action = actionOf(req.method ?? 'GET', req.url ?? '/', req.headers, body);
        const call = { action, at: now(), paged: /(?:^|&)NextToken=/.test(body) };
        calls.push(call);
        const sentAt = now();
        if (action === 'ExecuteChangeSet' && latency.changeSetMs > 0) {
          const changeSet = findChangeSet(formParam(body, 'ChangeSetName'), formParam(body, 'StackName'));
          if (changeSet && sentAt < changeSet.readyAt) {
            call.status = 400;
            res.writeHead(400, { 'content-type': 'text/xml' });
            res.end(invalidStatus(changeSet.id));
            return;
          }
        }
        let up;
        try {
          up = await forward(req, raw);
        } catch {
          req.socket.destroy();
          return;
        }
        call.status = up.status;
        let text = up.body.toString('utf8');
        const ok = up.status < 300;
        if (ok && action === 'CreateChangeSet') {
          const id = tagText(text, 'Id');
          if (id)
            changeSets.set(id, {
              id,
              name: formParam(body, 'ChangeSetName'),
              stackName: formParam(body, 'StackName'),
              stackId: tagText(text, 'StackId'),
              readyAt: sentAt + latency.changeSetMs,
            });
        } else if (ok && action === 'ExecuteChangeSet') {
          const changeSet = findChangeSet(formParam(body, 'ChangeSetName'), formParam(body, 'StackName'));
          if (changeSet?.stackId)
            executions.set(changeSet.stackId, { start: sentAt, end: sentAt + latency.executionMs });
        } else if (ok && action === 'DescribeChangeSet' && latency.changeSetMs > 0) {
          text = rewriteChangeSet(text);
        } else if (ok && action === 'DescribeStacks' && latency.executionMs > 0) {
          text = rewriteStacks(text);
        } else if (ok && action === 'DescribeStackEvents' && latency.executionMs > 0) {
          text = rewriteEvents(text);
        }
        const out = Buffer.from(text);
        const headers = { ...up.headers, 'content-length': String(out.length) };
        delete headers['transfer-encoding'];
        res.writeHead(up.status, headers);
        res.end(out);
      })();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get calls() {
      return calls;
    },
    /** The calls since the last take (and forget them). */
    take() {
      const taken = calls;
      calls = [];
      return taken;
    },
    setLatency(next) {
      Object.assign(latency, next);
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Calls by action: { DescribeStacks: 3, CreateChangeSet: 1, … }. */
export function countByAction(calls) {
  const counts = {};
  for (const call of calls) counts[call.action] = (counts[call.action] ?? 0) + 1;
  return counts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [upstream, changeSetMs = '3000', executionMs = '15000'] = process.argv.slice(2);
  if (!upstream) {
    console.error('usage: node bench/latency-proxy.mjs <upstream endpoint> [change-set ms] [execution ms]');
    process.exit(2);
  }
  const proxy = await startLatencyProxy(upstream, {
    changeSetMs: Number(changeSetMs),
    executionMs: Number(executionMs),
  });
  console.log(
    `latency proxy on ${proxy.endpoint} → ${upstream} (change set ${changeSetMs} ms, execution ${executionMs} ms)`,
  );
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => {
    for (const call of proxy.take())
      console.log(`${new Date(call.at).toISOString()} ${call.action} ${call.status ?? ''}`);
  }, 500);
}
