/** Drive the committed fake helm (test/helpers/fake-helm/helm) from unit tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InstalledRelease } from '../../../actions/helm-guard/src/guard';
import { execHelmRunner, type HelmRunner } from '../../../actions/helm-guard/src/helm';

export const FAKE_HELM_DIR = path.resolve('test/helpers/fake-helm');
export const FAKE_HELM = path.join(FAKE_HELM_DIR, 'helm');

export interface FakeState {
  helmVersion?: string;
  metadataCommand?: boolean;
  releases?: Partial<InstalledRelease>[];
  upgrade?: { exitCode?: number; stderr?: string; stdout?: string; notesEchoValues?: boolean };
}

export interface FakeHelm {
  dir: string;
  env: { FAKE_HELM_STATE: string; FAKE_HELM_LOG: string };
  runner: HelmRunner;
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
    runner: execHelmRunner(FAKE_HELM, { ...procEnv, ...env }),
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
