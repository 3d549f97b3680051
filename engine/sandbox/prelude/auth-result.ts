// Runs INSIDE the isolate. The Result object an authentication challenge script gets (seeds/002): built from the
// outcome the gateway sent as data, with the seed's methods. A getter of the wrong kind throws an
// UnsupportedOperationException, as the seed says; a result of one kind also has that kind's own methods
// (`result.getContext()` on a success, `result.getMessage()` on a generic error).
import type { AuthResultData } from '../live-wire.ts';
import { ErrorCtor, freeze } from './primordials.ts';

function unsupported(what: string): never {
  const error = new ErrorCtor(what);
  error.name = 'UnsupportedOperationException';
  throw error;
}

/** A frozen copy of plain JSON data: the script may read the context, not change what other code of it sees. */
function frozen<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) frozen((value as Record<string, unknown>)[key]);
    freeze(value);
  }
  return value;
}

export function buildAuthResult(data: AuthResultData): object {
  const success = data.outcome === 'success';
  const kind = (k: AuthResultData['outcome']) => data.outcome === k;
  const context = success ? frozen(data.context) : undefined;
  const asSuccess = success ? freeze({ getContext: () => context }) : undefined;
  const generic = kind('generic') ? freeze({ getMessage: () => (data as { message: string | null }).message }) : undefined;
  const timeout = kind('timeout') ? freeze({ getTimeout: () => (data as { timeout: number }).timeout }) : undefined;
  const cancelled = kind('cancelled') ? freeze({}) : undefined;
  const errorMethods = {
    isGeneric: () => generic !== undefined,
    getAsGeneric: () => generic ?? unsupported('the error is not a generic error'),
    isTimeout: () => timeout !== undefined,
    getAsTimeout: () => timeout ?? unsupported('the error is not a timeout'),
    isCancelled: () => cancelled !== undefined,
    getAsCancelled: () => cancelled ?? unsupported('the error is not a cancellation'),
  };
  const asError = success ? undefined : freeze({ ...errorMethods, ...(generic ?? {}), ...(timeout ?? {}) });
  return freeze({
    isSuccess: () => success,
    getAsSuccess: () => asSuccess ?? unsupported('the authentication challenge result is an error, not a success'),
    isError: () => !success,
    getAsError: () => asError ?? unsupported('the authentication challenge result is a success, not an error'),
    ...(asSuccess ?? {}),
    ...(asError ?? {}),
  });
}
