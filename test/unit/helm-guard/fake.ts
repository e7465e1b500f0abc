/** Drive the committed fake helm (test/helpers/fake-helm/helm) from unit tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Cancellation } from '../../../src/cancel';
import { errorMessage } from '../../../src/errors';
import type { HelmGuardOutcome } from '../../../actions/helm-guard/src/flow';
import type { InstalledRelease } from '../../../actions/helm-guard/src/guard';
import {
  execHelmRunner,
  type ExecHelmOptions,
  type HelmRunner,
} from '../../../actions/helm-guard/src/helm-exec';
import { runHelmGuardWith } from '../../../actions/helm-guard/src/run';
import { fakeRuntime, type FakeRuntime } from '../../helpers/runtime';

export const FAKE_HELM_DIR = path.resolve('test/helpers/fake-helm');
export const FAKE_HELM = path.join(FAKE_HELM_DIR, 'helm');

export interface FakeState {
  helmVersion?: string;
  metadataCommand?: boolean;
  releases?: Partial<InstalledRelease>[];
  upgrade?: {
    exitCode?: number;
    stderr?: string;
    stdout?: string;
    notesEchoValues?: boolean;
    /** Lines printed after NOTES: (stdout) and as warnings (stderr) on success: untrusted chart text. */
    notes?: string[];
    warnings?: string[];
    /** Sleep this long before upgrading (to cancel a running helm). */
    sleepMs?: number;
  };
  /** `helm get metadata` hangs this long first (a read that never answers). */
  readSleepMs?: number;
  /** The fake ignores SIGTERM: only SIGKILL stops it. */
  ignoreSigterm?: boolean;
}

export interface FakeHelm {
  dir: string;
  env: { FAKE_HELM_STATE: string; FAKE_HELM_LOG: string };
  runner: HelmRunner;
  /** The same runner, stopped on cancellation by `cancel`. */
  runnerWith(cancel: Cancellation): HelmRunner;
  /** The same runner with other options (a deadline, a kill grace). */
  runnerWithOptions(options: Omit<ExecHelmOptions, 'env'>): HelmRunner;
  /** An environment in which the fake is `helm` on PATH (for the action's own runner, helm-path default). */
  pathEnv: Record<string, string>;
  /** Every helm invocation so far (argv arrays). */
  calls(): string[][];
  state(): FakeState;
}

export function fakeHelm(state: FakeState): FakeHelm {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-fake-helm-'));
  const env = { FAKE_HELM_STATE: path.join(dir, 'state.json'), FAKE_HELM_LOG: path.join(dir, 'calls.jsonl') };
  fs.writeFileSync(env.FAKE_HELM_STATE, JSON.stringify(state));
  const procEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) procEnv[k] = v;
  return {
    dir,
    env,
    runner: execHelmRunner(FAKE_HELM, { env: { ...procEnv, ...env } }),
    runnerWith: (cancel) => execHelmRunner(FAKE_HELM, { env: { ...procEnv, ...env }, cancel }),
    runnerWithOptions: (options) => execHelmRunner(FAKE_HELM, { env: { ...procEnv, ...env }, ...options }),
    pathEnv: { ...procEnv, ...env, PATH: `${FAKE_HELM_DIR}${path.delimiter}${procEnv.PATH ?? ''}` },
    calls: () =>
      fs.existsSync(env.FAKE_HELM_LOG)
        ? fs
            .readFileSync(env.FAKE_HELM_LOG, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as string[])
        : [],
    state: () => JSON.parse(fs.readFileSync(env.FAKE_HELM_STATE, 'utf8')) as FakeState,
  };
}

export const nginx = (version: string, over: Partial<InstalledRelease> = {}): Partial<InstalledRelease> => ({
  name: 'ingress-nginx',
  namespace: 'ingress-nginx',
  chart: 'ingress-nginx',
  version,
  appVersion: '1.13.0',
  revision: 3,
  status: 'deployed',
  deployedAt: '2025-06-01T10:00:00Z',
  ...over,
});

/** A deployed release of any chart, as helm reports it. */
export const deployed = (
  name: string,
  namespace: string,
  chart: string,
  version: string,
  revision: number,
): Partial<InstalledRelease> => ({ name, namespace, chart, version, revision, status: 'deployed' });

export const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-helm-guard-flow-'));
fs.writeFileSync(path.join(ws, 'values.yaml'), 'controller:\n  replicaCount: 2\n');

export const base = {
  release: 'ingress-nginx',
  namespace: 'ingress-nginx',
  chart: 'ingress-nginx/ingress-nginx',
  version: '4.13.0',
};

/** H4: the step's outputs when the installed 4.14.0 is newer than the pinned 4.13.0. */
export const DOWNGRADE_BLOCKED_OUTPUTS = {
  'installed-version': '4.14.0',
  'installed-chart': 'ingress-nginx',
  'pinned-version': '4.13.0',
  decision: 'downgrade-blocked',
  'should-upgrade': 'false',
};

export interface Run {
  rt: FakeRuntime;
  result?: HelmGuardOutcome;
  error?: Error;
  outputs: Record<string, string>;
  summary: string;
  /** Every string registered with the runner (::add-mask::). */
  masked: string[];
  /** The log as the runner shows it: lines in order (group markers as ::group::…), warnings, text. */
  log: { lines: string[]; warnings: string[]; text(): string };
  calls: string[][];
  fake: ReturnType<typeof fakeHelm>;
  /** Everything the action printed or wrote, the entry's error line included. */
  all: () => string;
}

/** A fake runtime (workspace = ws) running helm-guard with `helm`; an error is printed the way the entry does. */
export async function runGuard(
  inputs: Record<string, string>,
  helm: HelmRunner,
  options: { debug?: boolean } = {},
): Promise<Omit<Run, 'calls' | 'fake'>> {
  const rt = fakeRuntime({
    action: 'helm-guard',
    inputs: { ...base, ...inputs },
    env: { GITHUB_WORKSPACE: ws },
    ...(options.debug ? { debug: true } : {}),
  });
  const run: Omit<Run, 'calls' | 'fake'> = {
    rt,
    outputs: rt.sink.outputs,
    summary: '',
    masked: rt.sink.masks,
    log: {
      lines: [],
      get warnings() {
        return rt.sink.commands.filter((c) => c.name === 'warning').map((c) => c.message);
      },
      text: () => rt.sink.text(),
    },
    all: () => rt.sink.all(),
  };
  try {
    run.result = await runHelmGuardWith(rt, () => helm);
  } catch (e) {
    run.error = e as Error;
    rt.out.error(errorMessage(e));
  }
  run.summary = rt.sink.summaries.join('');
  run.log.lines = rt.sink.text().split('\n');
  return run;
}
