/**
 * L1/X1 × dist/helm-guard: hostile inputs with upgrade: true against the fake helm (an older release is
 * installed, so a missing check shows as a `helm upgrade`). Each must exit 1 with exactly one ::error:: line,
 * the fake helm's call log must hold no upgrade/install, and nothing may be exported.
 */
import path from 'node:path';
import { describe, it } from '@jest/globals';
import { filler as long, hostileWorkspace, probe, refusalProblems } from '../helpers/adversarial';
import { runDist } from '../helpers/dist';
import { base, FAKE_HELM_DIR, fakeHelm, nginx } from '../unit/helm-guard/fake';

const ws = hostileWorkspace();

interface BadInput {
  title: string;
  inputs: Record<string, string>;
}

const bad = (title: string, inputs: Record<string, string>): BadInput => ({ title, inputs });
const extra = (title: string, args: string): BadInput =>
  bad(`L1: extra-args ${title}`, { 'extra-args': args });

const CASES: BadInput[] = [
  bad('L1: release with a shell command', { release: 'x; rm -rf /' }),
  bad('L1: release in upper case', { release: 'Ingress' }),
  bad('L1: release of 54 characters', { release: long(54) }),
  bad('L1: no release', { release: '' }),
  bad('L1: release that looks like a flag', { release: '--debug' }),
  bad('L1: release with a newline and a command', { release: 'app\n::warning::x' }),
  bad('L1: namespace with a space', { namespace: 'kube system' }),
  bad('L1: namespace of 64 characters', { namespace: long(64) }),
  bad('L1: namespace that is a path', { namespace: '../kube-system' }),
  bad('L1: no namespace', { namespace: '' }),
  bad('L1: version latest', { version: 'latest' }),
  bad('L1: version with two parts', { version: '4.13' }),
  bad('L1: version that is a range', { version: '>=4.0.0' }),
  bad('L1: no version', { version: '' }),
  bad('L1: version with a shell suffix', { version: '4.13.0;id' }),
  bad('L1: chart that looks like a flag', { chart: '--set=x' }),
  bad('L1: chart with whitespace', { chart: 'ingress nginx/x' }),
  bad('L1: chart as a file:// URL', { chart: 'file:///etc/x' }),
  bad('L1: chart with an unsupported scheme', { chart: 'ftp://host/ingress-nginx' }),
  bad('L1: OCI chart with a tag', { chart: 'oci://registry.example/charts/ingress-nginx:9.9.9' }),
  bad('L1: OCI chart with a digest', {
    chart: `oci://registry.example/charts/ingress-nginx@sha256:${long(64, 'a')}`,
  }),
  bad('L1: chart that is a path traversal', { chart: '../outside/chart' }),
  bad('L1: chart that is an absolute path outside', { chart: '/etc' }),
  bad('X1: chart that is a symlink to a chart outside', { chart: 'link-chart' }),
  bad('X1: chart that is a dangling symlink to outside', { chart: 'dangling.yaml' }),
  bad('L1: chart with an invalid chart name', { chart: 'repo/na$me' }),
  bad('L1: chart of 1,025 characters', { chart: `repo/${long(1020)}` }),
  bad('L1: local chart whose version is not the pinned one', { chart: './chart-old' }),
  bad('L1: upgrade: true without chart', { chart: '' }),
  bad('L1: values that is a path traversal', { values: '../outside/values.yaml' }),
  bad('L1: values that is an absolute path outside', { values: '/etc/passwd' }),
  bad('X1: values that is a symlink to outside', { values: 'link-values.yaml' }),
  bad('X1: values under a symlinked directory outside', { values: 'link-dir/values.yaml' }),
  bad('L1: values that does not exist', { values: 'missing.yaml' }),
  bad('L1: set without =', { set: 'noequals' }),
  bad('L1: set key that looks like a flag', { set: '--post-renderer=x' }),
  bad('L1: set key with a space', { set: 'a b=1' }),
  bad('L1: set-secret without =', { 'set-secret': 'noequals' }),
  extra('that pins another version', '--version=9.9.9'),
  extra('that targets another namespace', '--namespace=kube-system'),
  extra('with -n on its own line', '-n\nkube-system'),
  extra('with -n inside a short-flag cluster', '-in\nkube-system'),
  extra('that points at another kubeconfig', '--kubeconfig=/tmp/other'),
  extra('that points at another API server', '--kube-apiserver=https://evil.example'),
  extra('that points at another context', '--kube-context=prod'),
  extra('with a flag and its value on one line', '--description evil'),
  extra('with a control character', '--description=a\u0007b'),
  bad('L1: timeout that is not a duration', { timeout: '5 minutes' }),
  bad('L1: kube-context that looks like a flag', { 'kube-context': '--insecure' }),
  bad('L1: kube-context with a space', { 'kube-context': 'a b' }),
  bad('L1: helm-path that looks like a flag', { 'helm-path': '--help' }),
  bad('L1: an unknown on-downgrade', { 'on-downgrade': 'force' }),
  bad('L1: an unknown on-chart-mismatch', { 'on-chart-mismatch': 'ignore' }),
  bad('L1: upgrade that is not a boolean', { upgrade: 'sure' }),
  bad('L1: set with upgrade: false', { upgrade: 'false', set: 'a=1' }),
  bad('L1: atomic with upgrade: false', { upgrade: 'false', atomic: 'true' }),
];

describe('L1/X1: dist/helm-guard refuses bad input before any helm upgrade', () => {
  it.concurrent.each(CASES)('$title', ({ title, inputs }) =>
    probe('bad-input', 'helm-guard', title, async () => {
      const helm = fakeHelm({ releases: [nginx('4.12.0')] });
      const run = await runDist(
        'helm-guard',
        { ...base, upgrade: 'true', ...inputs },
        {
          cwd: ws.root,
          timeoutMs: 60_000,
          env: { ...helm.env, PATH: `${FAKE_HELM_DIR}${path.delimiter}${process.env.PATH}` },
        },
      );
      const upgrades = helm
        .calls()
        .filter((argv) => argv[0] === 'upgrade' || argv[0] === 'install')
        .map((argv) => argv.slice(0, 3).join(' '));
      return refusalProblems(run, upgrades);
    }),
  );
});
