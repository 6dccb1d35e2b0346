import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamFailure } from '../upstream-failure';
import { classifyGpcError } from './spine-error';

function errorFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/gp-connect', name), 'utf8')) as unknown;
}

function issueOf(result: ReturnType<typeof classifyGpcError>): {
  status: string;
  reason: string;
  code: string;
} {
  if (!(result instanceof UpstreamFailure)) throw new Error('not a failure');
  return { status: result.status, reason: result.issue.reason, code: result.issue.code };
}

describe('classifying GP Connect error answers', () => {
  it('when the practice answers 404 PATIENT_NOT_FOUND, then the outcome is no-match', () => {
    expect(classifyGpcError(404, errorFixture('patient-not-found.json'))).toBe('no-match');
  });

  it('when the practice answers 403 NO_PATIENT_CONSENT, then the request is rejected for dissent', () => {
    expect(issueOf(classifyGpcError(403, errorFixture('no-patient-consent.json')))).toEqual({
      status: 'rejected',
      reason: 'no-patient-consent',
      code: 'forbidden',
    });
  });

  it('when the practice answers 400 INVALID_NHS_NUMBER (in the ValueSet system its examples use), then it is rejected', () => {
    expect(issueOf(classifyGpcError(400, errorFixture('invalid-nhs-number.json')))).toEqual({
      status: 'rejected',
      reason: 'invalid-nhs-number',
      code: 'value',
    });
  });

  it('when the Spine code is one the broker does not know, then it is an error that names the code', () => {
    const body = {
      resourceType: 'OperationOutcome',
      issue: [
        {
          details: {
            coding: [
              { system: 'https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1', code: 'NEW_CODE' },
            ],
          },
        },
      ],
    };

    const result = classifyGpcError(422, body);

    expect(issueOf(result)).toEqual({ status: 'error', reason: 'spine-error', code: 'exception' });
    expect(result instanceof UpstreamFailure && result.issue.text).toContain('(NEW_CODE)');
  });

  it.each([
    [403, 'rejected', 'http-403'],
    [404, 'rejected', 'http-404'],
    [503, 'error', 'http-503'],
  ])('when a %i carries no Spine code, then it is classified by status alone', (status, outcome, reason) => {
    const body = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden' }] };

    expect(issueOf(classifyGpcError(status, body))).toMatchObject({ status: outcome, reason });
  });
});
