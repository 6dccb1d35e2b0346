import type { OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { ODS_CODE_SYSTEM, SOURCE_EXTENSION_URL, SOURCE_ISSUE_SYSTEM } from '../../core/fhir/systems';
import { bannerNameText, readBanner } from './banner';

const noIssues: OperationOutcome = { resourceType: 'OperationOutcome', issue: [] };
const included: Record<string, Resource> = {
  'Practitioner/gp-p1': { resourceType: 'Practitioner', id: 'gp-p1', name: [{ text: 'Dr Sarah Okafor' }] },
  'Organization/gp-practice': {
    resourceType: 'Organization',
    id: 'gp-practice',
    name: 'Northbrook Health Centre',
    identifier: [{ system: ODS_CODE_SYSTEM, value: 'Y90001' }],
  },
};
const resolve = (ref: string | undefined): Resource | undefined => (ref ? included[ref] : undefined);

describe('readBanner', () => {
  it('when the patient is known, then the banner reads in NHS banner form with the registered GP and practice', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: '9000000009',
      name: [
        { use: 'old', family: 'Smith', given: ['Amelia'], period: { end: '1980-01-01' } },
        { use: 'official', family: 'Clarke', given: ['Amelia', 'Jane'], prefix: ['Mrs'] },
      ],
      gender: 'female',
      birthDate: '1957-03-14',
      address: [
        { use: 'work', line: ['1 Office Park'] },
        { use: 'home', line: ['14 Orchard Close'], city: 'Northbrook', postalCode: 'NB4 7QA' },
      ],
      generalPractitioner: [{ reference: 'Practitioner/gp-p1' }],
      managingOrganization: { reference: 'Organization/gp-practice' },
    };

    expect(readBanner({ nhsNumber: '9000000009', patient, outcome: noIssues, resolve })).toEqual({
      name: 'CLARKE, Amelia Jane (Mrs)',
      birthDate: '1957-03-14',
      nhsNumber: '900 000 0009',
      sex: 'female',
      address: '14 Orchard Close, Northbrook, NB4 7QA',
      registeredGp: 'Dr Sarah Okafor, Northbrook Health Centre (Y90001)',
      conflicts: [],
    });
  });

  it('when little is known, then only the NHS number is shown and nothing is invented', () => {
    expect(
      readBanner({
        nhsNumber: '9000000009',
        patient: { resourceType: 'Patient' },
        outcome: noIssues,
        resolve,
      }),
    ).toEqual({ nhsNumber: '900 000 0009', conflicts: [] });
    expect(bannerNameText({ text: 'Amelia Clarke' })).toBe('Amelia Clarke');
    expect(bannerNameText({ given: ['Amelia'] })).toBe('Amelia');
  });

  it('when a source was excluded because its patient disagrees, then the banner shows that conflict', () => {
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'warning',
          code: 'business-rule',
          extension: [{ url: SOURCE_EXTENSION_URL, extension: [{ url: 'id', valueString: 'acute' }] }],
          details: {
            coding: [{ system: SOURCE_ISSUE_SYSTEM, code: 'demographic-mismatch' }],
            text: 'Riverside (R1X) records a different date of birth; its data is not in this view.',
          },
        },
      ],
    };

    expect(readBanner({ nhsNumber: '9000000009', patient: null, outcome, resolve }).conflicts).toEqual([
      {
        sourceId: 'acute',
        reason: 'demographic-mismatch',
        text: 'Riverside (R1X) records a different date of birth; its data is not in this view.',
      },
    ]);
  });

  it('when the view says the patient is restricted, then the banner carries that note and shows no address or GP', () => {
    const text =
      "This patient's record is restricted: their address, telephone numbers, contacts and registered GP practice are not shown.";
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'information',
          code: 'suppressed',
          details: { coding: [{ system: SOURCE_ISSUE_SYSTEM, code: 'restricted-patient' }], text },
        },
      ],
    };
    // The merge has already removed the restricted patient's contact details and registered practice.
    const patient: Patient = {
      resourceType: 'Patient',
      id: '9000000025',
      name: [{ use: 'official', family: 'Morgan', given: ['Alex'] }],
      birthDate: '1990-06-21',
    };

    expect(readBanner({ nhsNumber: '9000000025', patient, outcome, resolve })).toEqual({
      name: 'MORGAN, Alex',
      birthDate: '1990-06-21',
      nhsNumber: '900 000 0025',
      restricted: text,
      conflicts: [],
    });
  });
});
