import type { Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../population/code-systems';
import { PRACTICE_ORGANIZATION_ID, USUAL_GP_ID } from './practice-directory';
import { gpcMeta, toStu3Values } from './stu3-values';

const NHS_NUMBER_VERIFICATION =
  'https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1';

/**
 * The practice's Patient as GP Connect sends it: the NHS number marked verified, registered at the practice
 * (managing organisation) with a usual GP, and the same demographics and security labels as the population's.
 */
export function patientToStu3(patient: Patient): object {
  const { meta, identifier, generalPractitioner: _ods, ...rest } = patient;
  return {
    ...toStu3Values(rest),
    meta: gpcMeta(meta, 'CareConnect-GPC-Patient-1'),
    identifier: (identifier ?? []).map((id) =>
      id.system === NHS_NUMBER_SYSTEM
        ? {
            extension: [
              {
                url: NHS_NUMBER_VERIFICATION,
                valueCodeableConcept: {
                  coding: [
                    {
                      system:
                        'https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1',
                      code: '01',
                      display: 'Number present and verified',
                    },
                  ],
                },
              },
            ],
            ...id,
          }
        : id,
    ),
    generalPractitioner: [{ reference: `Practitioner/${USUAL_GP_ID}` }],
    managingOrganization: { reference: `Organization/${PRACTICE_ORGANIZATION_ID}` },
  };
}
