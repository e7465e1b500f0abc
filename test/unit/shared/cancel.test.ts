import { describe, expect, it } from '@jest/globals';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  DeleteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createCancellation,
  describeCleanups,
  installCancellation,
  type SignalProcess,
} from '../../../src/cancel';
import { fakeClock, type Clock } from '../../../src/clock';
import { CancelledError } from '../../../src/errors';
import { Outbound } from '../../../src/outbound';
import { fakeRuntime, memorySink } from '../../helpers/runtime';

/** A process stand-in: records listeners and lets a test deliver signals. */
function fakeProcess(): SignalProcess & { emit(sig: NodeJS.Signals): void; count(): number } {
  const listeners: Array<{ sig: string; fn: (s: NodeJS.Signals) => void }> = [];
  return {
    on(sig, fn) {
      listeners.push({ sig, fn });
    },
    removeListener(sig, fn) {
      const i = listeners.findIndex((l) => l.sig === sig && l.fn === fn);
      if (i >= 0) listeners.splice(i, 1);
    },
    emit(sig) {
      for (const l of listeners.filter((x) => x.sig === sig)) l.fn(sig);
    },
    count: () => listeners.length,
  };
}

/** A clock whose sleeps never end unless released (a cleanup that hangs must not hang us: the deadline is real time here). */
function realishClock(): Clock {
  return { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
}

describe('cancellation helper', () => {
  it('K1: runs every registered cleanup exactly once, even when cancelled twice (SIGINT then SIGTERM)', async () => {
    const ctl = createCancellation({ clock: fakeClock() });
    let runs = 0;
    ctl.onCancel('change set A', async () => {
      runs++;
      return { ok: true, detail: 'deleted' };
    });
    const [first, second] = await Promise.all([ctl.cancel('SIGINT'), ctl.cancel('SIGTERM')]);
    expect(runs).toBe(1);
    expect(first).toBe(second);
    expect(ctl.reason).toBe('SIGINT');
    expect(() => ctl.throwIfCancelled()).toThrow(CancelledError);
    expect(ctl.signal.aborted).toBe(true);
  });

  it('K1: an unregistered cleanup does not run', async () => {
    const ctl = createCancellation({ clock: fakeClock() });
    let ran = false;
    const off = ctl.onCancel('x', async () => {
      ran = true;
      return { ok: true, detail: '' };
    });
    off();
    expect(await ctl.cancel('SIGINT')).toEqual([]);
    expect(ran).toBe(false);
  });

  it('T1: a cleanup that never answers is reported as not confirmed once the deadline passes', async () => {
    const ctl = createCancellation({ clock: realishClock(), deadlineMs: 50 });
    ctl.onCancel('change set B', () => new Promise(() => undefined));
    ctl.onCancel('change set C', async () => ({ ok: true, detail: 'deleted' }));
    const started = Date.now();
    const reports = await ctl.cancel('SIGINT');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(reports).toEqual([
      { name: 'change set B', ok: false, detail: 'not confirmed within 0 s' },
      { name: 'change set C', ok: true, detail: 'deleted' },
    ]);
  });

  it('K1: a cleanup that throws is reported as failed, the others still run', async () => {
    const ctl = createCancellation({ clock: fakeClock() });
    ctl.onCancel('a', async () => {
      throw new Error('AccessDenied');
    });
    ctl.onCancel('b', async () => ({ ok: true, detail: 'deleted' }));
    const reports = await ctl.cancel('SIGTERM');
    expect(reports.map((r) => [r.name, r.ok])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    expect(reports[0]?.detail).toMatch(/AccessDenied/);
  });

  it('K1: the cancellation line never claims more than was verified', () => {
    expect(describeCleanups('deploy-stack', 'SIGINT', [])).toBe(
      'deploy-stack: cancelled (SIGINT); there was nothing to clean up.',
    );
    const mixed = describeCleanups('deploy-stack', 'SIGINT', [
      { name: 'change set cs-1 of stack app', ok: true, detail: 'deleted' },
      { name: 'change set cs-2 of stack app', ok: false, detail: 'not confirmed within 6 s' },
    ]);
    expect(mixed).toMatch(/Cleaned up: change set cs-1 of stack app \(deleted\)/);
    expect(mixed).toMatch(/Could NOT clean up — check by hand: change set cs-2 of stack app/);
    expect(mixed).not.toMatch(/no change set was left behind/i);
  });

  it('K1: installCancellation: the first signal cleans up, reports, removes its listeners and exits 1; a second signal is absorbed', async () => {
    const proc = fakeProcess();
    const sink = memorySink();
    const log = new Outbound(sink);
    const summaries: string[] = [];
    let exitCode: number | undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ctl = installCancellation({
      action: 'deploy-stack',
      // No deadline in this test: the cleanup is released by hand.
      clock: { now: () => 0, sleep: () => new Promise<void>(() => undefined) },
      proc,
      log,
      summary: async (md) => void summaries.push(md),
      exit: (code) => (exitCode = code),
      deadlineMs: 60_000,
    });
    ctl.onCancel('change set cs-1 of stack app', async () => {
      await gate;
      return { ok: true, detail: 'deleted' };
    });
    expect(proc.count()).toBe(2);
    proc.emit('SIGINT');
    proc.emit('SIGTERM'); // the runner's second signal while cleanup runs: must not kill or re-run
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(exitCode).toBe(1);
    expect(sink.text()).toMatch(
      /::error::deploy-stack: cancelled \(SIGINT\)\. Cleaned up: change set cs-1 of stack app \(deleted\)\./,
    );
    expect(summaries.join('')).toMatch(/cancelled \(SIGINT\)/);
    expect(proc.count()).toBe(0);
  });

  it('K1: dispose removes the listeners (a finished action leaves no handler behind)', () => {
    const proc = fakeProcess();
    const ctl = installCancellation({
      action: 'x',
      clock: fakeClock(),
      proc,
      log: new Outbound(memorySink()),
      summary: async () => undefined,
      exit: () => undefined,
    });
    expect(proc.count()).toBe(2);
    ctl.dispose();
    expect(proc.count()).toBe(0);
  });

  it('K1: after cancellation the AWS client guard refuses mutating calls but lets a cleanup read and delete', async () => {
    const cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [] });
    cfn.on(DeleteChangeSetCommand).resolves({});
    cfn.on(ExecuteChangeSetCommand).resolves({});
    const rt = fakeRuntime();
    const client = rt.aws(CloudFormationClient, 'us-east-1');
    await rt.cancel.cancel('SIGINT');
    await expect(client.send(new ExecuteChangeSetCommand({ ChangeSetName: 'cs' }))).rejects.toThrow(
      /cancelled \(SIGINT\); ExecuteChangeSetCommand was not sent/,
    );
    await expect(client.send(new DescribeStacksCommand({}))).resolves.toBeDefined();
    await expect(client.send(new DeleteChangeSetCommand({ ChangeSetName: 'cs' }))).resolves.toBeDefined();
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    cfn.restore();
  });
});
