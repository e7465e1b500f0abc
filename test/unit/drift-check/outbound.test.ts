// C3 and W1 through drift-check's every channel: log, annotations, summary, outputs, the JSON report file and
// the PR comment body all leave through the runtime's outbound channel, which redacts every form of every
// registered secret and neutralises workflow commands in untrusted text.
import fs from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { ResourceChange } from '@aws-sdk/client-cloudformation';
import { errorMessage } from '../../../src/errors';
import { codeCell } from '../../../src/escape';
import { createOctokit } from '../../../src/pr-comment';
import {
  d1,
  d1WithSecret,
  DETECTED_AT,
  detectionFailed,
  noDrift,
  type DriftScenario,
} from '../../fixtures/drift';
import { findLeak } from '../../helpers/leaks';
import { gitHubStubPerTest, harness, install, runAction, workspace, type Harness } from './harness';

/** A NoEcho value with characters that every encoding changes (space, /, +, &, non-ASCII, backslash). */
const SECRET = 'Pa55 wörd/+&x\\7-never-print';

/** The forms a secret takes in text we might write: as is, JSON-escaped, URL-encoded, base64 at any alignment. */
function secretForms(secret: string): Record<string, string[]> {
  const bytes = Buffer.from(secret, 'utf8');
  const base64: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const encoded = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    // Only the characters that depend on the secret's bytes alone.
    base64.push(encoded.slice(pad ? 4 : 0, Math.floor((pad + bytes.length) / 3) * 4));
  }
  return {
    exact: [secret],
    'JSON-escaped': [JSON.stringify(secret).slice(1, -1)],
    'URL-encoded': [encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')],
    base64,
  };
}

const FORMS = secretForms(SECRET);

function expectNoForm(text: string, where: string): void {
  for (const [form, values] of Object.entries(FORMS))
    for (const value of values)
      expect({ where, form, found: text.includes(value) }).toEqual({ where, form, found: false });
  // And as a reader would decode it (HTML, Markdown, JSON, URL, base64 — composed).
  expect({ where, leak: findLeak(text, SECRET) }).toEqual({ where, leak: undefined });
}

/** The redaction marker, as is or Markdown-escaped (`\*\*\*` renders as ***). */
const MARKED = /postgres:\/\/app:(\*\*\*|\\\*\\\*\\\*)@db-2\/orders/;

/**
 * D1 with a NoEcho password whose value CloudFormation reports in every form: as is (drift detection shows
 * the resolved value), URL-encoded in a connection string, base64 in UserData, JSON-escaped in a JSON value.
 */
function leakyScenario(): DriftScenario {
  const s = d1WithSecret();
  const fn = s.resourceDrifts[0]!;
  const userData = (prefix: string) =>
    Buffer.from(`#!/bin/sh\n${prefix}export DB_PASSWORD='${SECRET}'\n`).toString('base64');
  fn.PropertyDifferences!.push(
    {
      PropertyPath: '/Environment/Variables/DB_PASSWORD',
      ExpectedValue: SECRET,
      ActualValue: 'rotated',
      DifferenceType: 'NOT_EQUAL',
    },
    {
      PropertyPath: '/Environment/Variables/DB_URL',
      ExpectedValue: `postgres://app:${encodeURIComponent(SECRET)}@db-1/orders`,
      ActualValue: `postgres://app:${encodeURIComponent(SECRET)}@db-2/orders`,
      DifferenceType: 'NOT_EQUAL',
    },
    {
      PropertyPath: '/UserData',
      ExpectedValue: userData(''),
      ActualValue: userData('set -e\n'),
      DifferenceType: 'NOT_EQUAL',
    },
  );
  const rc = s.changeSet.Changes![0]!.ResourceChange as ResourceChange;
  rc.Details!.push({
    Evaluation: 'Static',
    ChangeSource: 'DirectModification',
    Target: {
      Attribute: 'Properties',
      RequiresRecreation: 'Never',
      AfterValueFrom: 'TEMPLATE',
      Name: 'Layers',
      Path: '/Properties/Layers',
      BeforeValue: '{"Variables":{"DB_PASSWORD":"rotated"}}',
      AfterValue: JSON.stringify({ Variables: { DB_PASSWORD: SECRET } }),
      BeforeValueFrom: 'ACTUAL_STATE',
      Drift: {
        PreviousValue: JSON.stringify({ Variables: { DB_PASSWORD: `${SECRET}-old` } }),
        ActualValue: '{"Variables":{"DB_PASSWORD":"rotated"}}',
        DriftDetectionTimestamp: DETECTED_AT,
      },
      AttributeChangeType: 'Modify',
    },
  });
  return s;
}

describe('C3: a NoEcho value never leaves in any form, through any channel', () => {
  const github = gitHubStubPerTest();

  it.each([false, true])(
    'C3: exact, JSON-escaped, base64 and URL-encoded forms are redacted everywhere (debug: %s)',
    async (debug) => {
      // The scenario really carries every form (otherwise this test could not fail).
      const raw = JSON.stringify(leakyScenario());
      for (const values of Object.values(FORMS))
        expect(
          values.some((value) => raw.includes(value) || raw.includes(JSON.stringify(value).slice(1, -1))),
        ).toBe(true);

      const ws = workspace();
      const event = `${ws}/event.json`;
      fs.writeFileSync(event, JSON.stringify({ pull_request: { number: 9 } }));
      install([leakyScenario()]);
      const h: Harness = harness(
        { stacks: 'orders-prod', 'parameter-overrides': `DbPassword=${SECRET}`, 'github-token': 'ghs_x' },
        {
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: event,
          GITHUB_REPOSITORY: 'acme/infra',
          ...(debug ? { RUNNER_DEBUG: '1' } : {}),
        },
        { debug, octokit: createOctokit('ghs_x', github().url) },
      );
      const { error, result } = await runAction(h);
      // The step fails (an overwrite): the runner prints the failure through the same channel (src/entry.ts).
      expect(error?.message).toMatch(/overwritten/);
      h.rt.out.error(errorMessage(error));

      // Registered before anything printed: the runner masks it in later steps too.
      expect(h.masked).toContain(SECRET);
      const body = github().on(9, 'acme', 'infra')[0]?.body ?? '';
      expect(body).toContain('Three-way view');
      const channels: Record<string, string> = {
        log: h.sink.text(),
        summary: h.summary.join('\n'),
        outputs: JSON.stringify(h.outputs),
        'report file': Object.values(h.sink.files).join('\n'),
        'PR comment': body,
        'outcome comment': result!.comment,
        everything: h.sink.all(),
      };
      for (const [where, text] of Object.entries(channels)) expectNoForm(text, where);
      // The values did reach the channels — redacted, not dropped.
      expect(channels.summary).toMatch(MARKED);
      expect(channels['report file']).toMatch(MARKED);
      expect(channels.log).toMatch(/Layers would be overwritten: previous .*\*\*\*/);
      expect(body).toMatch(MARKED);
      // RUNNER_DEBUG on: the runtime shows debug lines; they go through the same channel.
      expect(h.sink.debugEnabled).toBe(debug);
    },
  );
});

/** Workflow commands an attacker who controls a CloudFormation value would like us to print. */
const HOSTILE = 'bad\n::add-mask::x\n::stop-commands::tok\n##[set-output name=a;]b';

function hostileScenarios(): DriftScenario[] {
  const overwrite = d1();
  overwrite.resourceDrifts[0]!.PropertyDifferences![0]!.ActualValue = HOSTILE;
  overwrite.resourceDrifts[0]!.PropertyDifferences![0]!.PropertyPath = `/MemorySize\n::add-mask::x`;
  const detail = (overwrite.changeSet.Changes![0]!.ResourceChange as ResourceChange).Details![0]!;
  detail.Target!.Drift!.ActualValue = HOSTILE;
  const failed = detectionFailed();
  failed.detection.DetectionStatusReason = HOSTILE;
  const empty = noDrift();
  empty.changeSet.StatusReason = `The submitted information didn't contain changes. ${HOSTILE}`;
  return [overwrite, failed, empty];
}

describe('W1: hostile CloudFormation text cannot issue workflow commands and cannot break the summary', () => {
  it('W1: status reasons and drift values with ::add-mask::, ::stop-commands:: and ##[set-output are neutralised in the log and escaped in the summary', async () => {
    install(hostileScenarios());
    const h = harness({ stacks: 'orders-prod\nbatch-prod\napi-prod', 'fail-on': 'never' });
    const { error } = await runAction(h);
    expect(error).toBeUndefined();

    // stdout: no line the runner would take as a command (leading :: after whitespace, or ##[ anywhere).
    expect(h.sink.lines.length).toBeGreaterThan(0);
    for (const line of h.sink.lines) {
      expect({ line, command: /^\s*::/.test(line) }).toEqual({ line, command: false });
      expect({ line, legacy: line.includes('##[') }).toEqual({ line, legacy: false });
    }
    // The hostile text still shows, defused (the change set reason and the drifted property path are info lines).
    expect(h.sink.lines).toContain(': :add-mask::x');
    expect(h.sink.lines).toContain(': :stop-commands::tok');
    expect(h.sink.lines.some((line) => line.includes('# #[set-output name=a;]b'))).toBe(true);
    // Nothing was masked or stopped on the attacker's behalf; annotations carry the text as one message each.
    expect(h.masked).not.toContain('x');
    expect(
      h.sink.commands
        .map((command) => command.name)
        .filter((name) => !['warning', 'error', 'debug', 'group', 'endgroup', 'add-mask'].includes(name)),
    ).toEqual([]);
    const warnings = h.sink.commands
      .filter((command) => command.name === 'warning')
      .map((command) => command.message);
    expect(
      warnings.some(
        (message) => message.includes('would be overwritten') && message.includes('::add-mask::x'),
      ),
    ).toBe(true);

    // Summary: the hostile values sit escaped inside their table cells; no line of the summary starts a command.
    const summary = h.summary.join('\n');
    expect(summary).not.toMatch(/^\s*::/m);
    expect(summary).not.toContain('##[');
    expect(summary).toContain(
      `| <code>MemorySize</code> | <code>128</code> | ${codeCell(HOSTILE)} | <code>256</code> | ⛔ overwrite |`,
    );
    expect(codeCell(HOSTILE)).toBe(
      '<code>bad<br>::add-mask::x<br>::stop-commands::tok<br>\\#\\#\\[set-output name=a;\\]b</code>',
    );
    const detectionRow = summary
      .split('\n')
      .find((line) => line.startsWith('| <code>OrdersFn</code> | AWS::Lambda::Function | MODIFIED'));
    expect(detectionRow).toContain(codeCell(HOSTILE));
    expect(summary).toContain(
      'DETECTION\\_FAILED, UNKNOWN — bad<br>::add-mask::x<br>::stop-commands::tok<br>\\#\\#\\[set-output name=a;\\]b',
    );
  });
});
