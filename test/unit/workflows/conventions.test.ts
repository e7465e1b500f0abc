// The conventions every workflow here keeps (docs/workflows.md), checked on the parsed YAML and, where a comment
// matters (the version next to a pinned SHA), on the raw text.
import { describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import {
  actionNames,
  callerProblems,
  firstYamlBlock,
  exampleWorkflows,
  OUR_ACTION,
  permissionsOf,
  postsComment,
  repoWorkflows,
  reusableWorkflows,
  runExpressions,
  SELF_DIR,
  steps,
  usesAwsCredentials,
  withProblems,
  type Job,
  type Step,
  type Workflow,
  type WorkflowFile,
} from './load';

const all = [...repoWorkflows(), ...exampleWorkflows()];
const reusable = reusableWorkflows();
const DEPLOY_WORKFLOWS = ['cloudformation-deploy.yml', 'release-environment.yml'];

const jobsOf = (w: WorkflowFile): [string, Job][] => Object.entries(w.doc.jobs);
const stepsOf = (w: WorkflowFile): [string, Step][] =>
  jobsOf(w).flatMap(([id, j]) => steps(j).map((s) => [id, s] as [string, Step]));

describe('the reusable workflows exist and are callable', () => {
  it('five reusable workflows, each on: workflow_call only, with typed and described inputs and outputs', () => {
    expect(reusable.map((w) => w.file.split('/').pop()).sort()).toEqual([
      'cloudformation-deploy.yml',
      'cloudformation-plan.yml',
      'drift-report.yml',
      'release-environment.yml',
      'stackset-rollout.yml',
    ]);
    for (const w of reusable) {
      expect(Object.keys(w.doc.on)).toEqual(['workflow_call']);
      const call = w.doc.on.workflow_call!;
      for (const [name, input] of Object.entries(call.inputs ?? {})) {
        expect({ name, type: input.type }).toEqual({
          name,
          type: expect.stringMatching(/^(string|number|boolean)$/),
        });
        expect({ name, description: (input.description ?? '').length > 10 }).toEqual({
          name,
          description: true,
        });
        if (input.required !== true)
          expect({ name, default: input.default !== undefined }).toEqual({ name, default: true });
      }
      for (const [name, out] of Object.entries(call.outputs ?? {})) {
        expect({ name, described: (out.description ?? '').length > 5 }).toEqual({ name, described: true });
        const m = /^\$\{\{ jobs\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(out.value);
        expect(m).not.toBeNull();
        expect(Object.keys(w.doc.jobs[m![1]!]?.outputs ?? {})).toContain(m![2]);
      }
    }
  });

  it('cloudformation-plan has the inputs and outputs callers rely on', () => {
    const plan = reusable.find((w) => w.file.endsWith('cloudformation-plan.yml'))!.doc.on.workflow_call!;
    expect(Object.keys(plan.inputs ?? {}).sort()).toEqual(
      [
        'stack-name',
        'template',
        'parameter-overrides',
        'secret-parameter-overrides-from',
        'aws-region',
        'role-to-assume',
        'environment',
        'expected-account-id',
        'capabilities',
        'working-directory',
      ].sort(),
    );
    expect(Object.keys(plan.outputs ?? {}).sort()).toEqual([
      'change-set-id',
      'destructive-changes',
      'has-changes',
    ]);
  });
});

describe('least privilege (C2, M3)', () => {
  it.each(all.map((w) => [w.file, w] as const))(
    '%s: top-level permissions are exactly contents: read',
    (_f, w) => {
      expect(w.doc.permissions).toEqual({ contents: 'read' });
    },
  );

  it.each(reusable.map((w) => [w.file, w] as const))(
    '%s: id-token: write exactly on the jobs that assume a role, with a comment saying why',
    (_f, w) => {
      for (const [id, job] of jobsOf(w)) {
        const perms = permissionsOf(job);
        expect({ job: id, idToken: perms['id-token'] === 'write' }).toEqual({
          job: id,
          idToken: usesAwsCredentials(job),
        });
        expect({ job: id, explicit: typeof job.permissions === 'object' }).toEqual({
          job: id,
          explicit: true,
        });
      }
      for (const line of w.text
        .split('\n')
        .filter((l) => /^\s+(id-token|pull-requests|issues|contents): write/.test(l))) {
        expect(line).toMatch(/# \S.{10,}/);
      }
    },
  );

  it.each(reusable.map((w) => [w.file, w] as const))(
    '%s: pull-requests: write only on jobs that post a comment',
    (_f, w) => {
      for (const [id, job] of jobsOf(w)) {
        const perms = permissionsOf(job);
        if (perms['pull-requests'] === 'write' || perms['issues'] === 'write') {
          expect({ job: id, comments: postsComment(job) }).toEqual({ job: id, comments: true });
        }
        if (postsComment(job))
          expect({ job: id, pr: perms['pull-requests'] }).toEqual({ job: id, pr: 'write' });
        // A job holding AWS credentials never also holds a write token it does not need.
        for (const [scope, level] of Object.entries(perms)) {
          if (level === 'write') expect(['id-token', 'pull-requests', 'issues']).toContain(scope);
        }
      }
    },
  );

  it('H2/C2: every job that touches AWS runs in the caller-named GitHub Environment', () => {
    for (const w of reusable) {
      for (const [id, job] of jobsOf(w)) {
        if (!usesAwsCredentials(job)) continue;
        expect({ file: w.file, job: id, environment: job.environment }).toEqual({
          file: w.file,
          job: id,
          environment: '${{ inputs.environment }}',
        });
      }
    }
  });

  it('M3: role-session-name carries the run id (and attempt), so CloudTrail names the run', () => {
    let n = 0;
    for (const w of [...reusable]) {
      for (const [, s] of stepsOf(w)) {
        if (!(s.uses ?? '').startsWith('aws-actions/configure-aws-credentials@')) continue;
        n++;
        expect(String(s.with?.['role-session-name'])).toContain('${{ github.run_id }}');
        expect(String(s.with?.['role-session-name'])).toContain('${{ github.run_attempt }}');
        expect(s.with?.['role-to-assume']).toBe('${{ inputs.role-to-assume }}');
        expect(s.with).not.toHaveProperty('aws-access-key-id');
        expect(s.with).not.toHaveProperty('aws-secret-access-key');
      }
    }
    expect(n).toBeGreaterThanOrEqual(6);
  });
});

describe('H1: deploys to one environment queue, never run in parallel, never cancelled half-way', () => {
  it.each(DEPLOY_WORKFLOWS)('%s', (name) => {
    const w = reusable.find((x) => x.file.endsWith(name))!;
    expect(w.doc.concurrency).toEqual({
      group: 'guarded-deploy-${{ inputs.environment }}',
      'cancel-in-progress': false,
    });
  });

  it('release-environment: stacks, charts and Amplify are separate jobs in order, so "re-run failed jobs" resumes', () => {
    const w = reusable.find((x) => x.file.endsWith('release-environment.yml'))!.doc;
    expect(Object.keys(w.jobs)).toEqual(['stacks', 'charts', 'amplify']);
    expect(w.jobs.charts!.needs).toEqual('stacks');
    expect(w.jobs.amplify!.needs).toEqual(['stacks', 'charts']);
    // A failed earlier phase stops the later ones; a skipped (empty) phase does not.
    for (const j of ['charts', 'amplify']) expect(w.jobs[j]!.if).toContain('!failure() && !cancelled()');
    expect(w.jobs.stacks!.strategy?.matrix).toEqual({ stack: '${{ fromJSON(inputs.stacks) }}' });
    expect(w.jobs.charts!.strategy?.matrix).toEqual({ chart: '${{ fromJSON(inputs.charts) }}' });
    const helm = steps(w.jobs.charts!).find((s) => s.uses === './.guarded-deploy/actions/helm-guard')!;
    expect(helm.with?.upgrade).toBe(true);
  });
});

describe('supply chain: third-party actions pinned to a full commit SHA with the version beside it', () => {
  const USES = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/;
  it.each(all.map((w) => [w.file, w] as const))('%s', (_f, w) => {
    const lines = w.text.split('\n').filter((l) => USES.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const [, ref, rest] = USES.exec(line)!;
      if (ref!.startsWith('./')) continue; // our own actions, checked out at this workflow's commit (below)
      // Examples call our reusable workflows by the moving major tag, as users do.
      if (ref!.startsWith('your-org/guarded-deploy/.github/workflows/')) {
        expect(ref).toMatch(/\.yml@v\d+$/);
        continue;
      }
      expect({ line, pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref!) }).toEqual({ line, pinned: true });
      expect({ line, version: /^\s+# v\d+(\.\d+){0,2}\b/.test(rest!) }).toEqual({ line, version: true });
    }
  });

  it('the same third-party action is pinned to the same commit everywhere', () => {
    const pins = new Map<string, Set<string>>();
    for (const w of all) {
      for (const m of w.text.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40})/g)) {
        pins.set(m[1]!, (pins.get(m[1]!) ?? new Set()).add(m[2]!));
      }
    }
    for (const [action, shas] of pins) expect({ action, shas: shas.size }).toEqual({ action, shas: 1 });
  });
});

describe('script injection: inputs reach scripts only through env:', () => {
  // Stricter than the rule (no inputs.*, github.event.*, matrix.*): no expression at all inside a script.
  it.each(all.map((w) => [w.file, w] as const))('%s: no ${{ }} inside run:', (_f, w) => {
    expect(runExpressions(w.doc)).toEqual([]);
  });

  it('the check finds inputs, event fields and matrix values pasted into a script', () => {
    const doc = {
      on: {},
      jobs: {
        a: {
          steps: [
            { run: 'echo "${{ inputs.stack-name }}"' },
            { run: 'echo ok', env: { A: '${{ inputs.stack-name }}' } },
            { run: 'git log ${{ github.event.pull_request.title }} && echo ${{ matrix.stack.name }}' },
          ],
        },
      },
    };
    expect(runExpressions(doc)).toEqual([
      'a: ${{ inputs.stack-name }}',
      'a: ${{ github.event.pull_request.title }}',
      'a: ${{ matrix.stack.name }}',
    ]);
  });
});

describe("our actions: loaded from this workflow's own commit, given only inputs they declare", () => {
  const ours = reusable.flatMap((w) =>
    jobsOf(w).flatMap(([job, j]) =>
      steps(j)
        .map((s, i) => ({ file: w.file, job, j, s, i }))
        .filter(({ s }) => (s.uses ?? '').includes('actions/') && !/^[\w.-]+\/[\w.-]+@/.test(s.uses ?? '')),
    ),
  );

  it('every use of our actions is ./.guarded-deploy/actions/<name> (never ./actions/..., never a branch)', () => {
    expect(ours.length).toBeGreaterThanOrEqual(6);
    for (const { s } of ours) expect(s.uses).toMatch(OUR_ACTION);
    for (const w of all) expect(w.text).not.toMatch(/guarded-deploy\/actions\/[\w-]+@(main|master)\b/);
  });

  it('each such job first checks out this repository at the commit the Locate step found, into .guarded-deploy', () => {
    for (const { file, job, j, i } of ours) {
      const before = steps(j).slice(0, i);
      const locate = before.findIndex((s) => s.id === 'self');
      const checkout = before.findIndex(
        (s) => (s.uses ?? '').startsWith('actions/checkout@') && s.with?.path === SELF_DIR,
      );
      expect({ file, job, locate: locate >= 0, checkout: checkout > locate }).toEqual({
        file,
        job,
        locate: true,
        checkout: true,
      });
      expect(before[checkout]!.with).toMatchObject({
        repository: '${{ steps.self.outputs.repository }}',
        ref: '${{ steps.self.outputs.sha }}',
        'persist-credentials': false,
      });
      // The caller's checkout (default path) cleans the workspace, so it must come before ours.
      const callerCheckout = before.findIndex(
        (s) => (s.uses ?? '').startsWith('actions/checkout@') && !s.with?.path,
      );
      expect(callerCheckout).toBeLessThan(checkout);
    }
  });

  it('the Locate step is the same script in every job', () => {
    const scripts = new Set(
      reusable.flatMap((w) =>
        stepsOf(w)
          .filter(([, s]) => s.id === 'self')
          .map(([, s]) => `${s.run}|${JSON.stringify(s.env)}`),
      ),
    );
    expect(scripts.size).toBe(1);
  });

  it("every with: key exists in the action's action.yml, and every required input is given", () => {
    for (const { file, job, s } of ours) {
      expect({ file, job, problems: withProblems(s) }).toEqual({ file, job, problems: [] });
    }
  });

  it('the with: check notices an undeclared input, a missing required input and a missing action', () => {
    expect(actionNames()).toContain('deploy-stack');
    expect(
      withProblems({
        uses: './.guarded-deploy/actions/deploy-stack',
        with: { 'stack-name': 'x', template: 't.yaml' },
      }),
    ).toEqual([
      "deploy-stack: input 'stack-name' is not declared in action.yml",
      "deploy-stack: required input 'name' is not given",
    ]);
    expect(withProblems({ uses: './.guarded-deploy/actions/no-such-action', with: {} })).toEqual([
      'actions/no-such-action/action.yml does not exist',
    ]);
    expect(withProblems({ uses: './actions/deploy-stack' })[0]).toMatch(/is not/);
  });

  it('H2: the deploy workflow refuses destructive changes unless the caller allows them; plans never execute', () => {
    const deploy = reusable.find((w) => w.file.endsWith('cloudformation-deploy.yml'))!;
    const d = stepsOf(deploy).find(([, s]) => s.uses === './.guarded-deploy/actions/deploy-stack')![1];
    expect(d.with?.['allow-destructive']).toBe('${{ inputs.allow-destructive }}');
    expect(deploy.doc.on.workflow_call!.inputs!['allow-destructive']!.default).toBe(false);
    const plan = reusable.find((w) => w.file.endsWith('cloudformation-plan.yml'))!;
    const p = stepsOf(plan).find(([, s]) => s.uses === './.guarded-deploy/actions/deploy-stack')![1];
    expect(p.with?.mode).toBe('create-only');
    const drift = stepsOf(plan).find(([, s]) => s.uses === './.guarded-deploy/actions/drift-check')![1];
    expect(drift.with).toMatchObject({ mode: 'both', 'fail-on': 'overwrite' });
  });

  it('C2: every deploy-stack step is given expected-account-id', () => {
    for (const w of reusable) {
      for (const [job, s] of stepsOf(w)) {
        if (s.uses !== './.guarded-deploy/actions/deploy-stack') continue;
        expect({ file: w.file, job, given: s.with?.['expected-account-id'] }).toEqual({
          file: w.file,
          job,
          given: '${{ inputs.expected-account-id }}',
        });
      }
    }
  });
});

describe('callers (examples and the quick start) give our reusable workflows only inputs they declare', () => {
  const callers = [
    ...exampleWorkflows(),
    {
      file: 'docs/quick-start.md',
      text: firstYamlBlock('docs/quick-start.md'),
      doc: parseYaml(firstYamlBlock('docs/quick-start.md')) as Workflow,
    },
  ];

  it.each(callers.map((w) => [w.file, w] as const))('%s', (_f, w) => {
    const calls = jobsOf(w).filter(([, j]) => j.uses !== undefined);
    expect(calls.length).toBeGreaterThan(0);
    for (const [job, j] of calls) {
      expect({ job, problems: callerProblems(j) }).toEqual({ job, problems: [] });
      // The caller grants what the called jobs need: a called workflow can only narrow permissions.
      expect(permissionsOf(j)['id-token']).toBe('write');
    }
  });

  it('the check notices an undeclared and a missing input', () => {
    expect(
      callerProblems({
        uses: 'your-org/guarded-deploy/.github/workflows/cloudformation-deploy.yml@v1',
        with: { 'stack-name': 'a', template: 't.yaml', region: 'eu-west-1' },
      }),
    ).toEqual([
      "cloudformation-deploy.yml: input 'region' is not declared",
      "cloudformation-deploy.yml: required input 'aws-region' is not given",
      "cloudformation-deploy.yml: required input 'role-to-assume' is not given",
      "cloudformation-deploy.yml: required input 'environment' is not given",
    ]);
  });

  it('the quick-start caller is at most 25 lines', () => {
    expect(firstYamlBlock('docs/quick-start.md').trimEnd().split('\n').length).toBeLessThanOrEqual(25);
  });
});
