/**
 * The fault proxy itself, and what our AWS client configuration does with each fault: the SDK's retries
 * absorb throttling, 5xx and resets (T1: bounded attempts), a lost answer is an error the caller sees (never a
 * silent success), a black hole ends at the request timeout instead of hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { AWS_TIMEOUTS, clientConfig } from '../../src/aws';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { motoEndpoint } from '../helpers/moto';
import { fakeRuntime } from '../helpers/runtime';

let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy(motoEndpoint());
});
afterAll(async () => {
  await proxy.close();
});

function client(extra: Record<string, unknown> = {}) {
  const rt = fakeRuntime({ env: { AWS_ENDPOINT_URL: proxy.endpoint } });
  return rt.aws(CloudFormationClient, 'us-east-1', {
    endpoint: proxy.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    ...extra,
  });
}

describe('fault proxy × the AWS client configuration every action uses', () => {
  it('forwards untouched when no rule matches, and records the action', async () => {
    proxy.clear();
    const before = proxy.calls.length;
    await client().send(new ListStacksCommand({}));
    expect(proxy.calls.slice(before).map((c) => [c.action, c.fault, c.status])).toEqual([
      ['ListStacks', undefined, 200],
    ]);
  });

  it('T1: throttling is retried by the client and the call succeeds', async () => {
    proxy.clear();
    proxy.add({ match: 'ListStacks', fault: { kind: 'throttle' }, times: 2 });
    const before = proxy.calls.length;
    await expect(client().send(new ListStacksCommand({}))).resolves.toBeDefined();
    const seen = proxy.calls.slice(before);
    expect(seen.map((c) => c.fault)).toEqual(['throttle', 'throttle', undefined]);
  });

  it('T1: a 503 and a connection reset are retried', async () => {
    proxy.clear();
    proxy.add({ match: 'ListStacks', fault: { kind: 'status', status: 503 }, times: 1 });
    proxy.add({ match: 'ListStacks', fault: { kind: 'reset' }, times: 1 });
    const before = proxy.calls.length;
    await expect(client().send(new ListStacksCommand({}))).resolves.toBeDefined();
    expect(proxy.calls.slice(before).map((c) => c.fault)).toEqual(['status', 'reset', undefined]);
  });

  it('T1: retries are bounded — a service that always fails is an error, not a loop', async () => {
    proxy.clear();
    proxy.add({ match: 'ListStacks', fault: { kind: 'status', status: 500 } });
    const before = proxy.calls.length;
    await expect(client().send(new ListStacksCommand({}))).rejects.toThrow();
    const attempts = proxy.calls.length - before;
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThanOrEqual(8);
  });

  it('T1: every client has connection and request timeouts, and a passed request timeout is an error', () => {
    expect(clientConfig('us-east-1').requestHandler).toEqual({
      connectionTimeout: AWS_TIMEOUTS.connectionTimeoutMs,
      requestTimeout: AWS_TIMEOUTS.requestTimeoutMs,
      throwOnRequestTimeout: true,
    });
  });

  it('T1: a black hole ends at the request timeout instead of hanging', async () => {
    proxy.clear();
    proxy.add({ match: 'DescribeStacks', fault: { kind: 'blackhole' } });
    const started = Date.now();
    await expect(
      client({
        maxAttempts: 1,
        requestHandler: { ...clientConfig('us-east-1').requestHandler, requestTimeout: 300 },
      }).send(new DescribeStacksCommand({})),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a lost answer (the service did the work, the answer never came) surfaces to the caller or is retried — never a silent success with no answer', async () => {
    proxy.clear();
    proxy.add({ match: 'ListStacks', fault: { kind: 'lost' }, times: 1 });
    const before = proxy.calls.length;
    const result = await client().send(new ListStacksCommand({}));
    // The first answer was lost; the SDK retried (a read is safe to repeat) and the second got through.
    expect(proxy.calls.slice(before).map((c) => c.fault)).toEqual(['lost', undefined]);
    expect(result.$metadata.httpStatusCode).toBe(200);
  });

  it('rewrite changes what the client reads (real-AWS shapes and hostile text on demand)', async () => {
    proxy.clear();
    proxy.add({
      match: 'DescribeStacks',
      fault: {
        kind: 'rewrite',
        status: 200,
        body: () =>
          '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>s</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/s/1</StackId><StackStatus>UPDATE_COMPLETE</StackStatus><StackStatusReason>::add-mask::x</StackStatusReason><CreationTime>2026-01-01T00:00:00Z</CreationTime></member></Stacks></DescribeStacksResult></DescribeStacksResponse>',
      },
      times: 1,
    });
    proxy.calls.length = 0;
    const r = await client().send(new DescribeStacksCommand({ StackName: 's' }));
    expect(proxy.calls).toEqual([{ action: 'DescribeStacks', fault: 'rewrite', status: 200 }]);
    expect(r.Stacks?.[0]?.StackStatusReason).toBe('::add-mask::x');
  });
});

describe('T1: the GitHub client', () => {
  it('T1: a GitHub API that accepts the connection and never answers costs a warning, not a hang', async () => {
    const http = await import('node:http');
    const { createOctokit } = await import('../../src/pr-comment');
    const { upsertStickyComment } = await import('../../src/pr-comment');
    const { Outbound } = await import('../../src/outbound');
    const { memorySink } = await import('../helpers/runtime');
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const sink = memorySink();
      const started = Date.now();
      const result = await upsertStickyComment({
        octokit: createOctokit('ghs_x', `http://127.0.0.1:${port}`, 300),
        owner: 'acme',
        repo: 'infra',
        issueNumber: 7,
        marker: { action: 'deploy-stack', stack: 'app' },
        body: 'plan',
        out: new Outbound(sink),
      });
      expect(result).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(sink.commands.some((c) => c.name === 'warning' && /PR comment not posted/.test(c.message))).toBe(
        true,
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
