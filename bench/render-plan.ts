// Plan rendering cost and output sizes for 50 / 500 / 2,000-resource change sets.
// Run: npx tsx bench/render-plan.ts   (target: 500 resources ≤ 50 ms median)
import { COMMENT_LIMIT, renderPlan } from '../src/plan';
import { bigChangeSet } from '../test/fixtures/changesets';

const RUNS = 9;
const sizes = [50, 500, 2000];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const rows: string[][] = [];
for (const n of sizes) {
  const changes = bigChangeSet(n);
  const input = {
    header: {
      stack: 'app-prod',
      environment: 'prod',
      account: '123456789012',
      region: 'eu-west-1',
      runUrl: 'https://github.com/acme/infra/actions/runs/1',
    },
    changeSets: [{ stackName: 'app-prod', changes }],
    secrets: ['not-in-the-plan-but-scanned-for'],
  };
  renderPlan(input); // warm-up
  const times: number[] = [];
  let last = renderPlan(input);
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    last = renderPlan(input);
    times.push(performance.now() - t0);
  }
  rows.push([
    String(n),
    median(times).toFixed(1),
    Math.max(...times).toFixed(1),
    String(Buffer.byteLength(last.markdown)),
    String(last.comment.length),
    String(last.destructive.length),
    last.commentOmitted.join('; ') || '—',
  ]);
  if (last.comment.length > COMMENT_LIMIT)
    throw new Error(`comment for ${n} resources exceeds ${COMMENT_LIMIT}`);
}

const head = [
  'resources',
  'median ms',
  'max ms',
  'markdown bytes',
  'comment chars',
  'destructive',
  'comment left out',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
console.log(`node ${process.version}, ${RUNS} runs each (after one warm-up)`);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
