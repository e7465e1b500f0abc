/** An input failed validation. Always raised before any AWS call is made. */
export class InputError extends Error {
  override name = 'InputError';
}

/** A guard refused to proceed (destructive change, downgrade, wrong account, ...). */
export class GuardError extends Error {
  override name = 'GuardError';
}

/** A bounded wait ran out. A timeout always fails the step; it never passes silently. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** The job was cancelled (SIGINT/SIGTERM) while we were working. */
export class CancelledError extends Error {
  override name = 'CancelledError';
}

interface AwsLikeError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** AWS error name ("ValidationError", "ThrottlingException", ...) whatever the protocol put it in. */
export function awsErrorName(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const err = e as AwsLikeError;
  return err.Code ?? err.name;
}

/** One readable line for any thrown value; AWS errors keep their error code and request id. */
export function errorMessage(e: unknown): string {
  if (
    e instanceof InputError ||
    e instanceof GuardError ||
    e instanceof TimeoutError ||
    e instanceof CancelledError
  ) {
    return e.message;
  }
  if (e instanceof Error) {
    const err = e as Error & AwsLikeError;
    const code = awsErrorName(err);
    const rid = err.$metadata?.requestId;
    const base =
      code && code !== 'Error' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
    return (rid ? `${base} (request id ${rid})` : base).replace(/\s*\n\s*/g, ' ');
  }
  return String(e);
}

/** Is this error one the SDK or our retry loop should retry (throttling, transient 5xx)? */
export function isThrottle(e: unknown): boolean {
  const name = awsErrorName(e) ?? '';
  const status = (e as AwsLikeError | undefined)?.$metadata?.httpStatusCode;
  return (
    /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|Rate exceeded/i.test(name) ||
    /Rate exceeded/i.test((e as Error | undefined)?.message ?? '') ||
    status === 429
  );
}
