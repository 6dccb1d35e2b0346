import type { z } from 'zod';
import { OutcomeError, operationOutcome } from '../../../core/outcome-error';
import type { OperationOutcome } from '@medplum/fhirtypes';

/** A body that failed its schema: 400 with one issue per problem, each naming its path (never its value). */
export function invalidBody(what: string, error: z.ZodError): OutcomeError {
  const issues = error.issues.slice(0, 20).map((issue) => {
    const path = issue.path.map(String).join('.') || '(body)';
    return operationOutcome('error', 'invalid', `${what}: ${path} ${issue.message}.`, path).issue[0]!;
  });
  const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: issues };
  return new OutcomeError('invalid', outcome);
}
