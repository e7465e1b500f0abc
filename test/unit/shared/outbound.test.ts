import { describe, expect, it } from '@jest/globals';
import { Outbound, capText } from '../../../src/outbound';
import { neutraliseCommands } from '../../../src/escape';
import { escapeHtml, escapeMarkdown } from '../../../src/escape';
import { Redactor, secretForms } from '../../../src/secrets';
import { GITHUB_LIMITS } from '../../../src/limits';
import { memorySink } from '../../helpers/runtime';

const SECRET = 'p@ss/w0rd+"quote"&<tag>_x|y';
const MULTI =
  '-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END KEY-----';

/** Every form the issue names, as a function of the secret. */
const FORMS: Array<[string, (s: string) => string]> = [
  ['exact', (s) => s],
  ['JSON-escaped', (s) => JSON.stringify(s).slice(1, -1)],
  ['URL-encoded', (s) => encodeURIComponent(s)],
  ['form-encoded', (s) => encodeURIComponent(s).replace(/%20/g, '+')],
  ['HTML-escaped', (s) => escapeHtml(s)],
  ['markdown-escaped', (s) => escapeMarkdown(s)],
  ['base64', (s) => Buffer.from(s).toString('base64')],
  ['base64 at offset 1 in a blob', (s) => Buffer.from(`x${s}yz`).toString('base64')],
  ['base64 at offset 2 in a blob', (s) => Buffer.from(`xy${s}z`).toString('base64')],
  ['base64url', (s) => Buffer.from(s).toString('base64url')],
];

/** The part of an encoded form that must not survive (base64 of a blob carries a few boundary chars). */
function core(form: string, name: string): string {
  return name.startsWith('base64') && name.includes('offset') ? form.slice(4, -4) : form;
}

function channels(out: Outbound, sink: ReturnType<typeof memorySink>, text: string): Array<[string, string]> {
  out.info(`log line: ${text}`);
  out.warning(`warning: ${text}`);
  out.error(`error: ${text}`);
  out.debug(`debug: ${text}`);
  out.output('value', text);
  const summary = out.summaryText(`| a | ${text} |`);
  const comment = out.comment(`body ${text}`, '<!-- marker -->\n');
  return [
    ['log', sink.text()],
    ['output', sink.outputs.value ?? ''],
    ['summary', summary],
    ['comment', comment],
  ];
}

describe('Outbound: C3 — a secret never leaves the process, in any form, through any channel', () => {
  for (const [formName, form] of FORMS) {
    it(`C3: ${formName} form is redacted in log, annotations, debug, output, summary and PR comment`, () => {
      const sink = memorySink({ debug: true });
      const out = new Outbound(sink);
      out.addSecret(SECRET);
      const leaked = core(form(SECRET), formName);
      for (const [channel, text] of channels(out, sink, `before ${form(SECRET)} after`)) {
        expect({ channel, leaked: text.includes(leaked) }).toEqual({ channel, leaked: false });
        expect(text).toContain('***');
      }
    });
  }

  it('C3: each line of a multi-line secret is redacted on its own, and registered with the runner line by line', () => {
    const sink = memorySink({ debug: true });
    const out = new Outbound(sink);
    out.addSecret(MULTI);
    const lines = MULTI.split('\n');
    out.info(`the key body is ${lines[1]} and ${lines[2]}`);
    out.output('k', JSON.stringify({ key: MULTI }));
    expect(sink.text()).not.toContain(lines[1]);
    expect(sink.text()).not.toContain(lines[2]);
    expect(sink.outputs.k).not.toContain(lines[1]);
    for (const l of lines) expect(sink.masks).toContain(l);
    // No add-mask command carries a line break (the runner would mask nothing).
    for (const m of sink.masks) expect(m).not.toMatch(/[\r\n]/);
  });

  it('C3: a JSON report is redacted after JSON encoding (the escaped form is what is written)', async () => {
    const sink = memorySink();
    const out = new Outbound(sink);
    out.addSecret(SECRET);
    expect(await out.report('/tmp/r.json', { nested: { value: SECRET, list: [`x ${SECRET}`] } })).toBe(true);
    const text = sink.files['/tmp/r.json'] as string;
    expect(text).not.toContain(JSON.stringify(SECRET).slice(1, -1));
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toEqual({ nested: { value: '***', list: ['x ***'] } });
  });

  it('C3: the longest form wins, so no part of a longer secret survives a shorter overlapping one', () => {
    const out = new Outbound(memorySink());
    out.addSecret('abcd');
    out.addSecret('xxabcdyy');
    expect(out.redact('1 xxabcdyy 2 abcd')).toBe('1 *** 2 ***');
  });

  it('C3: short derived forms (a 1-character line) do not blank out ordinary text, the whole value still does', () => {
    const out = new Outbound(memorySink());
    out.addSecret('a\nlongersecretline');
    expect(out.redact('a cat and a dog')).toBe('a cat and a dog');
    expect(out.redact('see longersecretline')).toBe('see ***');
  });

  it('C3: a secret registered twice is registered with the runner once', () => {
    const sink = memorySink();
    const out = new Outbound(sink);
    out.addSecret(SECRET);
    const n = sink.masks.length;
    out.addSecret(SECRET);
    expect(sink.masks.length).toBe(n);
    expect(n).toBeGreaterThan(3);
  });

  it('C3: debug lines are not written at all unless RUNNER_DEBUG is on', () => {
    const sink = memorySink({ debug: false });
    new Outbound(sink).debug('internal detail');
    expect(sink.text()).toBe('');
  });
});

describe('Outbound: W1 — untrusted text can never issue a workflow command', () => {
  const HOSTILE = [
    '::add-mask::x',
    '::stop-commands::tok',
    '   ::set-output name=a::b',
    '\t::error::fake',
    '\u0085::warning::nel is whitespace to .NET',
    '\u00a0::group::nbsp',
    '\u2028::endgroup::',
    '\ufeff::debug::bom',
    '\u200b::notice::zero width',
    'text ##[set-output name=a;]b',
    '##[add-mask]y',
  ];

  /** What the runner would treat as a command: TrimStart() then `::`, or `##[` anywhere. */
  const isCommand = (line: string): boolean =>
    /^[\s\u0085\u180e\u200b-\u200d\u2060\ufeff]*::/.test(line) || line.includes('##[');

  for (const h of HOSTILE) {
    it(`W1: ${JSON.stringify(h)} inside a multi-line message cannot act as a command`, () => {
      const sink = memorySink();
      const out = new Outbound(sink);
      out.info(`reason: something failed\n${h}\r${h}\r\n${h}`);
      expect(sink.lines.length).toBeGreaterThanOrEqual(4);
      for (const line of sink.lines) {
        // The runner splits on \r too: every piece must be safe.
        for (const piece of line.split(/\r\n|\r|\n/)) expect(isCommand(piece)).toBe(false);
      }
      // The reader still sees what was sent.
      expect(sink.lines.join('\n')).toContain(h.replace(/^([\s\S]*?)::/, '$1: :').replace('##[', '# #['));
    });
  }

  it('W1: neutralising leaves ordinary text alone', () => {
    expect(neutraliseCommands('Stack app: UPDATE_COMPLETE (a::b)')).toBe('Stack app: UPDATE_COMPLETE (a::b)');
  });

  it('W1 × C3: a secret that is itself a command line is redacted first, then nothing is left to neutralise', () => {
    const sink = memorySink();
    const out = new Outbound(sink);
    out.addSecret('::add-mask::secret-value');
    out.info('::add-mask::secret-value');
    expect(sink.lines).toEqual(['***']);
  });

  it('W1: group titles and annotations cannot break out onto a new line', async () => {
    const sink = memorySink();
    const out = new Outbound(sink);
    await out.group('stack\n::add-mask::x', async () => undefined);
    const group = sink.commands.find((c) => c.name === 'group');
    expect(group?.message).not.toMatch(/[\r\n]/);
  });
});

describe('Outbound: size caps hold in one place', () => {
  it("caps a PR comment at GitHub's 65,536 characters, marker included", () => {
    const out = new Outbound(memorySink());
    const body = `${'row\n'.repeat(40_000)}end`;
    const text = out.comment(body, '<!-- m -->\n');
    expect(text.length).toBeLessThanOrEqual(GITHUB_LIMITS.commentChars);
    expect(text.startsWith('<!-- m -->\n')).toBe(true);
    expect(text).toContain('cut to fit the 65,536-character comment limit');
  });

  it('caps the job summary below 1 MiB in bytes, also with multi-byte characters', () => {
    const out = new Outbound(memorySink());
    const text = out.summaryText('✅ résumé '.repeat(200_000));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(GITHUB_LIMITS.summaryBytes);
    expect(text).not.toContain('\uFFFD');
  });

  it('caps an output at 1 MiB', () => {
    const sink = memorySink();
    new Outbound(sink).output('big', 'x'.repeat(2 * 1024 * 1024));
    expect(Buffer.byteLength(sink.outputs.big as string)).toBeLessThanOrEqual(GITHUB_LIMITS.outputBytes);
  });

  it('C3: a secret straddling the cut leaves no prefix of itself behind (comment, summary, output)', () => {
    const secret = 'TopSecretValue-1234567890';
    for (let shift = 1; shift < secret.length; shift++) {
      const sink = memorySink();
      const out = new Outbound(sink, {
        limits: { commentChars: 200, summaryBytes: 1024 + 200, outputBytes: 200 },
      });
      out.addSecret(secret);
      const text = `${'a'.repeat(190 - shift)}${secret}${'t'.repeat(400)}`;
      out.output('o', text);
      const written = [out.comment(text), out.summaryText(text), sink.outputs.o as string];
      for (const w of written) {
        expect(w).not.toContain(secret.slice(0, 4));
      }
    }
  });

  it('C3: capText itself never leaves a registered prefix at the cut (defence in depth)', () => {
    const redactor = new Redactor();
    redactor.add('TopSecretValue-1234567890');
    const { text } = capText(`${'a'.repeat(95)}TopSecretVal`, 100, '…', 'chars', redactor);
    expect(text).toBe(`${'a'.repeat(95)}…`.replace(/a…$/, 'a…'));
    expect(text).not.toContain('TopS');
  });

  it('L2: a summary that cannot be written is a warning, never a failure', async () => {
    const sink = memorySink({ failSummary: true });
    const out = new Outbound(sink);
    await expect(out.summary('# hello')).resolves.toContain('# hello');
    expect(sink.commands.some((c) => c.name === 'warning' && /job summary/.test(c.message))).toBe(true);
  });

  it('L2: a report file that cannot be written is a warning and returns false', async () => {
    const sink = memorySink({ failFiles: true });
    const out = new Outbound(sink);
    expect(await out.report('/nope/r.json', {})).toBe(false);
    expect(sink.commands.some((c) => c.name === 'warning' && /report/.test(c.message))).toBe(true);
  });
});

describe('secretForms', () => {
  it('lists base64 cores for all three alignments, so a secret inside a larger base64 blob is found', () => {
    const secret = 'correct-horse-battery-staple';
    const forms = secretForms(secret);
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const blob = Buffer.from(`${prefix}${secret}!`).toString('base64');
      expect(forms.some((f) => f.length >= 8 && blob.includes(f))).toBe(true);
    }
  });
});

describe('failure-mode citations', () => {
  it('an annotation that cites an ID links to its row in the action repository at the ref in use', async () => {
    const { citeFailureModes } = await import('../../../src/failure-modes');
    const env = {
      GITHUB_ACTION_REPOSITORY: 'acme/guarded-deploy',
      GITHUB_ACTION_REF: 'v1',
      GITHUB_SERVER_URL: 'https://github.com',
    };
    const sink = memorySink();
    const out = new Outbound(sink, { annotate: (m) => citeFailureModes(m, env) });
    out.error('Refusing to execute change set x: 1 destructive change(s) (H2).');
    expect(sink.commands.at(-1)?.message).toBe(
      'Refusing to execute change set x: 1 destructive change(s) (H2). See https://github.com/acme/guarded-deploy/blob/v1/docs/failure-modes.md#h2.',
    );
    // Outside a `uses:` run (or with a hostile value) the link is the repository path.
    expect(citeFailureModes('(R1)', { GITHUB_ACTION_REPOSITORY: 'a/b c' })).toBe(
      '(R1) See docs/failure-modes.md#r1.',
    );
    expect(citeFailureModes('no id here, MD5 or M10', env)).toBe('no id here, MD5 or M10');
  });
});

describe('C3: the leak hunt (decoding as a reader would) finds nothing after the outbound channel', () => {
  const secrets = [SECRET, MULTI, 'Pa55 wörd/+&x\\7-never-print', 'a"b\\c<d>e|f_g*h'];
  const shapes: Array<[string, (s: string) => string]> = [
    ['markdown(JSON)', (s) => escapeMarkdown(JSON.stringify({ v: s }))],
    ['HTML(JSON)', (s) => escapeHtml(JSON.stringify(s))],
    ['URL(JSON)', (s) => encodeURIComponent(JSON.stringify(s))],
    ['markdown(URL)', (s) => escapeMarkdown(encodeURIComponent(s))],
    ['JSON(JSON)', (s) => JSON.stringify(JSON.stringify({ v: s }))],
    ['base64 in a blob', (s) => Buffer.from(`{"key":"${s}"}`).toString('base64')],
    ['markdown with <br>', (s) => escapeMarkdown(s)],
  ];
  for (const secret of secrets) {
    for (const [name, shape] of shapes) {
      it(`C3: ${name} of ${JSON.stringify(secret.slice(0, 12))}… is unreadable in every channel`, async () => {
        const { findLeak } = await import('../../helpers/leaks');
        // The hunt itself finds the shape when nothing is registered (the test can fail).
        expect(findLeak(`x ${shape(secret)} y`, secret)).toBeDefined();
        const sink = memorySink({ debug: true });
        const out = new Outbound(sink);
        out.addSecret(secret);
        const text = `value: ${shape(secret)} end`;
        for (const [channel, written] of channels(out, sink, text)) {
          expect({ channel, leak: findLeak(written, secret) }).toEqual({ channel, leak: undefined });
        }
      });
    }
  }
});
