import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors';
import { mapInputs } from '../../../src/inputs';
import {
  DEFAULTS,
  INPUTS,
  OUTPUTS,
  parseChartRef,
  parseInputs,
} from '../../../actions/helm-guard/src/inputs';
import { actionYmlContract } from '../../helpers/action-yml';

const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-helm-guard-ws-'));
fs.writeFileSync(path.join(ws, 'values.yaml'), 'replicaCount: 2\n');
fs.mkdirSync(path.join(ws, 'charts', 'my-app'), { recursive: true });
fs.writeFileSync(
  path.join(ws, 'charts', 'my-app', 'Chart.yaml'),
  'apiVersion: v2\nname: my-app\nversion: 1.2.3\n',
);

const base = {
  release: 'ingress-nginx',
  namespace: 'ingress-nginx',
  chart: 'ingress-nginx/ingress-nginx',
  version: '4.13.0',
};
const parse = (over: Record<string, string>) =>
  parseInputs(mapInputs({ ...base, ...over }), { workspace: ws });

/** A bad input case: name, the inputs over `base`, what the one error line says. */
type Bad = [string, Record<string, string>, RegExp];

/** extra-args that would override what the guard pins (version, namespace, cluster): refused. */
const OVERRIDING_EXTRA_ARGS: [string, string][] = [
  ['--version', '--version\n9.9.9'],
  ['--version=', '--version=9.9.9'],
  ['--namespace', '--namespace=kube-system'],
  ['-n', '-n\nkube-system'],
  ['-nkube-system', '-nkube-system'],
  ['-in (short cluster with -n)', '-in\nkube-system'],
  ['--kube-context', '--kube-context=prod'],
  ['--kubeconfig', '--kubeconfig\n/tmp/other'],
  ['--kube-apiserver', '--kube-apiserver=https://x'],
];

describe('action.yml matches the parser', () => {
  const doc = actionYmlContract('helm-guard', { INPUTS, OUTPUTS, DEFAULTS });
  it('the parser really uses the defaults', () => {
    const parsed = parse({});
    expect(parsed.onDowngrade).toBe(doc.inputs['on-downgrade']!.default);
    expect(parsed.onChartMismatch).toBe(doc.inputs['on-chart-mismatch']!.default);
    expect(String(parsed.upgrade)).toBe(doc.inputs.upgrade!.default);
    expect(String(parsed.atomic)).toBe(doc.inputs.atomic!.default);
    expect(String(parsed.wait)).toBe(doc.inputs.wait!.default);
    expect(parsed.helmPath).toBe(doc.inputs['helm-path']!.default);
  });
  it('required inputs are release, namespace and version', () => {
    const req = Object.entries(doc.inputs)
      .filter(([, v]) => v.required)
      .map(([k]) => k)
      .sort();
    expect(req).toEqual(['namespace', 'release', 'version']);
  });
});

describe('parseInputs: good input', () => {
  it('parses a full upgrade configuration', () => {
    const i = parse({
      version: 'v4.13.0',
      upgrade: 'true',
      values: 'values.yaml\n# a comment\n',
      set: 'controller.replicaCount=2\ncontroller.service.annotations.service\\.beta\\.kubernetes\\.io/aws-load-balancer-type=nlb',
      'set-secret': 'auth.password=p,ss\\word',
      atomic: 'true',
      wait: 'true',
      timeout: '10m',
      'kube-context': 'arn:aws:eks:us-east-1:123456789012:cluster/demo',
      'extra-args': '--description\ndeployed by CI\n--history-max=5',
    });
    expect(i.version).toBe('4.13.0');
    expect(i.chart).toEqual({ ref: 'ingress-nginx/ingress-nginx', kind: 'repo', name: 'ingress-nginx' });
    expect(i.values).toEqual([path.join(ws, 'values.yaml')]);
    expect(i.set).toHaveLength(2);
    expect(i.setSecret).toEqual([{ key: 'auth.password', value: 'p,ss\\word' }]);
    expect(i.extraArgs).toEqual(['--description', 'deployed by CI', '--history-max=5']);
    expect(i).toMatchObject({ atomic: true, wait: true, timeout: '10m', upgrade: true });
  });
  it('accepts a release name with dots (DNS-1123 subdomain)', () => {
    expect(parse({ release: 'my.release-1' }).release).toBe('my.release-1');
  });
  it('C3: masks set-secret values as they are read, before validating anything else', () => {
    const masked: string[] = [];
    expect(() =>
      parseInputs(
        mapInputs({ ...base, release: 'BAD NAME', 'set-secret': 'db.password=hunter2-very-secret' }),
        {
          workspace: ws,
          addSecret: (s) => masked.push(s),
        },
      ),
    ).toThrow(InputError);
    expect(masked).toContain('hunter2-very-secret');
  });
});

describe('parseChartRef', () => {
  it.each([
    ['ingress-nginx/ingress-nginx', 'repo', 'ingress-nginx'],
    ['eks/aws-load-balancer-controller', 'repo', 'aws-load-balancer-controller'],
    ['external-secrets/external-secrets', 'repo', 'external-secrets'],
    ['oci://public.ecr.aws/karpenter/karpenter', 'oci', 'karpenter'],
    ['oci://localhost:5000/charts/app', 'oci', 'app'],
    ['https://example.com/charts/ingress-nginx-4.13.0.tgz', 'url', 'ingress-nginx'],
    ['./charts/my-app', 'path', 'my-app'],
    ['charts/my-app', 'path', 'my-app'],
    ['./dist/my-chart-2-1.0.0-rc.1.tgz', 'path', 'my-chart-2'],
  ])('%s → %s %s', (ref, kind, name) => {
    const c = parseChartRef(ref, ws);
    expect(c.kind).toBe(kind);
    expect(c.name).toBe(name);
  });
  it('reads name and version of a local chart directory from Chart.yaml', () => {
    expect(parseChartRef('./charts/my-app', ws)).toMatchObject({ name: 'my-app', localVersion: '1.2.3' });
  });
});

describe('parseInputs: L1 bad input (one clear error, before helm)', () => {
  const bad: Bad[] = [
    ['missing release', { release: '' }, /'release' is required/],
    ['missing namespace', { namespace: '' }, /'namespace' is required/],
    ['missing version', { version: '' }, /'version' is required/],
    ['release with shell metacharacters', { release: 'x; rm -rf /' }, /not a valid Helm release name/],
    ['release that is a flag', { release: '--set=evil' }, /not a valid Helm release name/],
    ['release with path traversal', { release: '../' }, /not a valid Helm release name/],
    ['release with upper case', { release: 'Ingress' }, /not a valid Helm release name/],
    ['release too long (54)', { release: 'a'.repeat(54) }, /at most 53/],
    ['release ending in hyphen', { release: 'nginx-' }, /not a valid Helm release name/],
    ['release with newline', { release: 'a\nb' }, /not a valid Helm release name: 'a\\x0ab'/],
    ['namespace with a dot', { namespace: 'kube.system' }, /not a valid Kubernetes namespace/],
    ['namespace too long (64)', { namespace: 'n'.repeat(64) }, /at most 63/],
    ['namespace that is a flag', { namespace: '-n' }, /not a valid Kubernetes namespace/],
    ['namespace with $(...)', { namespace: '$(id)' }, /not a valid Kubernetes namespace/],
    ['version not SemVer', { version: '4.13' }, /'version' must be a SemVer version/],
    ['version range', { version: '>=4.13.0' }, /SemVer/],
    ['version with injected flag', { version: '4.13.0 --devel' }, /SemVer/],
    ['version latest', { version: 'latest' }, /SemVer/],
    ['chart with leading -', { chart: '--post-renderer=/bin/sh' }, /must not start with '-'/],
    ['chart with whitespace', { chart: 'repo/name --devel' }, /whitespace/],
    ['chart with control character', { chart: 'repo/na\x07me' }, /control characters/],
    ['chart with file:// scheme', { chart: 'file:///etc/passwd' }, /unsupported scheme/],
    [
      'chart OCI with a tag',
      { chart: 'oci://registry.example.com/charts/app:1.0.0' },
      /not a valid OCI reference/,
    ],
    ['chart path outside the workspace', { chart: '../../etc/charts' }, /inside the workspace/],
    ['chart absolute path elsewhere', { chart: '/etc/helm/chart' }, /inside the workspace/],
    [
      'on-downgrade unknown',
      { 'on-downgrade': 'ignore' },
      /'on-downgrade' must be one of fail \| skip \| allow/,
    ],
    ['on-chart-mismatch unknown', { 'on-chart-mismatch': 'skip' }, /'on-chart-mismatch' must be one of/],
    ['upgrade not a boolean', { upgrade: 'maybe' }, /'upgrade' must be true or false/],
    ['values outside the workspace', { upgrade: 'true', values: '../../etc/passwd' }, /inside the workspace/],
    ['values file missing', { upgrade: 'true', values: 'nope.yaml' }, /does not exist/],
    ['set without =', { upgrade: 'true', set: 'replicaCount' }, /expected key=value/],
    ['set key that is a flag', { upgrade: 'true', set: '--namespace=x' }, /invalid key/],
    ['set key with a comma (smuggles a second assignment)', { upgrade: 'true', set: 'a,b=1' }, /invalid key/],
    ...OVERRIDING_EXTRA_ARGS.map(([name, args]): Bad => [
      `extra-args ${name}`,
      { upgrade: 'true', 'extra-args': args },
      /must not override/,
    ]),
    [
      'extra-args flag and value on one line',
      { upgrade: 'true', 'extra-args': '--timeout 5m' },
      /one argument per line/,
    ],
    ['timeout not a duration', { upgrade: 'true', timeout: '5 minutes' }, /'timeout' must be a duration/],
    ['kube-context with whitespace', { 'kube-context': 'a b' }, /not a valid context name/],
    ['kube-context that is a flag', { 'kube-context': '--kubeconfig=/x' }, /not a valid context name/],
    ['helm-path that is a flag', { 'helm-path': '-rf' }, /'helm-path' is not a valid executable/],
    [
      'upgrade: true without chart',
      { upgrade: 'true', chart: '' },
      /'chart' is required with 'upgrade: true'/,
    ],
    [
      'upgrade-only inputs without upgrade: true',
      { set: 'a=1', wait: 'true' },
      /'set', 'wait' only apply with 'upgrade: true'/,
    ],
    [
      'local chart version differs from the pin',
      { chart: './charts/my-app', version: '1.2.4' },
      /helm ignores --version for local charts/,
    ],
  ];
  it('has at least 20 cases', () => expect(bad.length).toBeGreaterThanOrEqual(20));
  it.each(bad)('L1: %s', (_name, over, msg) => {
    let err: unknown;
    try {
      parse(over);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const m = (err as Error).message;
    expect(m).toMatch(msg);
    expect(m).not.toContain('\n'); // one line
  });

  it('C3: a bad set-secret line never echoes the value', () => {
    const secret = 'Sup3r-Secret-Value';
    for (const line of [`--bad=${secret}`, `bad key=${secret}`, `k=${secret}\x07`]) {
      let msg = '';
      try {
        parse({ upgrade: 'true', 'set-secret': line });
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(/set-secret/);
      expect(msg).not.toContain(secret);
    }
  });
});

describe('X1: a chart reference that is a dangling symbolic link out of the workspace', () => {
  it('X1: `charts/gone` linking to a missing path outside is refused as a path, never passed on as a repo reference', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-helm-x1-'));
    fs.mkdirSync(path.join(root, 'charts'));
    fs.symlinkSync(path.join(os.tmpdir(), 'gd-helm-x1-missing', 'chart'), path.join(root, 'charts', 'gone'));
    const get = mapInputs({ release: 'web', namespace: 'web', version: '1.0.0', chart: 'charts/gone' });
    expect(() => parseInputs(get, { workspace: root })).toThrow(InputError);
    expect(() => parseInputs(get, { workspace: root })).toThrow(
      /Input 'chart' must be a path inside the workspace .* symbolic link/,
    );
  });
});
