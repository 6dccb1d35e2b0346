import { UpstreamFailure } from '../upstream-failure';

/** A fault of the adapter itself (a bug, not the source): reported as the source's error, recorded via onFault. */
export function adapterFault(error: unknown): UpstreamFailure {
  return new UpstreamFailure(
    'error',
    {
      severity: 'error',
      code: 'exception',
      reason: 'adapter-fault',
      text: 'could not be read because of a fault in its adapter',
    },
    { cause: error },
  );
}
