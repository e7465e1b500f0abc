// A small evaluator for GitHub Actions expressions, enough for the forms our workflows and examples use:
// literals ('text' with '' escapes, numbers, true, false, null), context access (a.b-c, a['x'], a[expr]),
// ! == != < <= > >= && || and parentheses, and the functions startsWith, endsWith, contains, format, fromJSON,
// toJSON, join, success, failure, cancelled, always. Semantics follow GitHub's documentation: && and || return
// an operand (not a boolean), falsy is false/0/''/null, string comparison ignores case, a missing property is
// null. Anything else throws, so a new form in a workflow fails the test that evaluates it instead of being
// guessed.

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

export interface JobStatus {
  /** A previous step (or, at job level, a needed job) failed. */
  failed: boolean;
  cancelled: boolean;
  /** What success() answers when it is not simply "nothing failed": for a job, every needed job succeeded. */
  succeeded?: boolean;
}

export interface Contexts {
  [name: string]: Value | undefined;
}

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'word'; value: string }
  | { kind: 'op'; value: string };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.', ','];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const rest = source.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    if (rest.startsWith("'")) {
      let value = '';
      let end = 1;
      for (;;) {
        if (end >= rest.length) throw new Error(`Unterminated string in: ${source}`);
        if (rest[end] === "'") {
          if (rest[end + 1] === "'") {
            value += "'";
            end += 2;
            continue;
          }
          break;
        }
        value += rest[end];
        end += 1;
      }
      tokens.push({ kind: 'string', value });
      at += end + 1;
      continue;
    }
    const number = /^(0x[0-9a-f]+|\d+(\.\d+)?(e[+-]?\d+)?)/i.exec(rest);
    // A number only where an operand may start (not the `1` of `a.1`).
    if (number && tokens[tokens.length - 1]?.value !== '.') {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      at += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      at += word[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (!op) throw new Error(`Unexpected '${rest[0]}' in: ${source}`);
    tokens.push({ kind: 'op', value: op });
    at += op.length;
  }
  return tokens;
}

export function truthy(value: Value): boolean {
  return !(value === null || value === false || value === 0 || value === '' || Number.isNaN(value));
}

function toNumber(value: Value): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value);
  return NaN;
}

/** The string GitHub substitutes for a value inside `${{ }}` (and passes as an input). */
export function toText(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

function equal(left: Value, right: Value): boolean {
  if (typeof left === 'string' && typeof right === 'string')
    return left.toLowerCase() === right.toLowerCase();
  if (typeof left === 'object' && left !== null) return left === right;
  if (typeof right === 'object' && right !== null) return false;
  if (typeof left === typeof right) return left === right;
  return toNumber(left) === toNumber(right);
}

function compare(left: Value, right: Value): number {
  if (typeof left === 'string' && typeof right === 'string')
    return left.toLowerCase() < right.toLowerCase() ? -1 : left.toLowerCase() > right.toLowerCase() ? 1 : 0;
  const a = toNumber(left);
  const b = toNumber(right);
  return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
}

function property(target: Value, key: Value): Value {
  if (target === null || typeof target !== 'object') return null;
  if (Array.isArray(target)) {
    const index = toNumber(key);
    return Number.isInteger(index) ? (target[index] ?? null) : null;
  }
  const name = toText(key).toLowerCase();
  const found = Object.keys(target).find((k) => k.toLowerCase() === name);
  return found === undefined ? null : (target[found] ?? null);
}

function format(template: string, args: Value[]): string {
  return template.replace(/\{\{|\}\}|\{(\d+)\}/g, (whole, index: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const arg = args[Number(index)];
    if (arg === undefined) throw new Error(`format: no argument {${index}}`);
    return toText(arg);
  });
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly contexts: Contexts,
    private readonly status: JobStatus,
    private readonly source: string,
  ) {}

  parse(): Value {
    const value = this.or();
    if (this.at < this.tokens.length)
      throw new Error(`Unexpected '${this.peek()?.value}' in: ${this.source}`);
    return value;
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private take(op?: string): Token {
    const token = this.tokens[this.at];
    if (!token || (op !== undefined && !(token.kind === 'op' && token.value === op)))
      throw new Error(`Expected '${op ?? 'a value'}' in: ${this.source}`);
    this.at += 1;
    return token;
  }

  private isOp(op: string): boolean {
    const token = this.peek();
    return token?.kind === 'op' && token.value === op;
  }

  private or(): Value {
    let left = this.and();
    while (this.isOp('||')) {
      this.take('||');
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.isOp('&&')) {
      this.take('&&');
      const right = this.comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private comparison(): Value {
    let left = this.unary();
    for (;;) {
      const op = ['==', '!=', '<=', '>=', '<', '>'].find((o) => this.isOp(o));
      if (!op) return left;
      this.take(op);
      const right = this.unary();
      if (op === '==') left = equal(left, right);
      else if (op === '!=') left = !equal(left, right);
      else {
        const order = compare(left, right);
        left = op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
      }
    }
  }

  private unary(): Value {
    if (this.isOp('!')) {
      this.take('!');
      return !truthy(this.unary());
    }
    return this.postfix();
  }

  private postfix(): Value {
    let value = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.take('.');
        const name = this.take();
        if (name.kind !== 'word' && name.kind !== 'number')
          throw new Error(`Expected a property name in: ${this.source}`);
        value = property(value, String(name.value));
      } else if (this.isOp('[')) {
        this.take('[');
        const key = this.or();
        this.take(']');
        value = property(value, key);
      } else return value;
    }
  }

  private primary(): Value {
    const token = this.take();
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'op') {
      if (token.value !== '(') throw new Error(`Unexpected '${token.value}' in: ${this.source}`);
      const value = this.or();
      this.take(')');
      return value;
    }
    const word = token.value;
    if (this.isOp('(')) return this.call(word);
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    if (!(word in this.contexts)) throw new Error(`Unknown context '${word}' in: ${this.source}`);
    return this.contexts[word] ?? null;
  }

  private call(name: string): Value {
    this.take('(');
    const args: Value[] = [];
    while (!this.isOp(')')) {
      args.push(this.or());
      if (!this.isOp(')')) this.take(',');
    }
    this.take(')');
    const text = (i: number) => toText(args[i] ?? null);
    switch (name.toLowerCase()) {
      case 'startswith':
        return text(0).toLowerCase().startsWith(text(1).toLowerCase());
      case 'endswith':
        return text(0).toLowerCase().endsWith(text(1).toLowerCase());
      case 'contains': {
        const haystack = args[0] ?? null;
        if (Array.isArray(haystack)) return haystack.some((item) => equal(item, args[1] ?? null));
        return text(0).toLowerCase().includes(text(1).toLowerCase());
      }
      case 'format':
        return format(text(0), args.slice(1));
      case 'fromjson':
        return JSON.parse(text(0)) as Value;
      case 'tojson':
        return JSON.stringify(args[0] ?? null, null, 2);
      case 'join': {
        const list = args[0] ?? null;
        const separator = args.length > 1 ? text(1) : ',';
        return Array.isArray(list) ? list.map(toText).join(separator) : toText(list);
      }
      case 'success':
        return succeeded(this.status);
      case 'failure':
        return this.status.failed;
      case 'cancelled':
        return this.status.cancelled;
      case 'always':
        return true;
      default:
        throw new Error(`Unknown function '${name}' in: ${this.source}`);
    }
  }
}

function succeeded(status: JobStatus): boolean {
  return status.succeeded ?? (!status.failed && !status.cancelled);
}

const NO_FAILURE: JobStatus = { failed: false, cancelled: false };

/** Evaluate one expression (the text inside `${{ }}`, or an `if:` condition). */
export function evaluate(expression: string, contexts: Contexts, status: JobStatus = NO_FAILURE): Value {
  return new Parser(tokenize(expression), contexts, status, expression).parse();
}

/**
 * A workflow value as the runner sees it: a string that is exactly one `${{ }}` keeps the expression's type
 * (a matrix list from fromJSON stays a list); any other string has each `${{ }}` replaced by its text.
 */
export function interpolate(value: unknown, contexts: Contexts, status: JobStatus = NO_FAILURE): Value {
  if (typeof value !== 'string') return (value ?? null) as Value;
  const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(value);
  if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!, contexts, status);
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expr: string) =>
    toText(evaluate(expr, contexts, status)),
  );
}

/**
 * A job or step `if:`: an expression with or without `${{ }}`. Without a status function GitHub adds
 * `success() &&` in front (for a job, a skipped needed job then skips it, while failure() stays false).
 */
export function condition(value: unknown, contexts: Contexts, status: JobStatus): boolean {
  if (value === undefined || value === null) return succeeded(status);
  if (typeof value === 'boolean') return value;
  const text = String(value).trim();
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  const expression = whole ? whole[1]! : text;
  const hasStatus = /\b(success|failure|cancelled|always)\s*\(/.test(expression);
  const result = truthy(evaluate(expression, contexts, status));
  return hasStatus ? result : result && succeeded(status);
}
