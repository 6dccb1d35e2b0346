import type {
  AllergyIntolerance,
  Condition,
  Encounter,
  Medication,
  MedicationStatement,
  Observation,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Resource,
} from '@medplum/fhirtypes';
import type { SensitiveDataConfig } from '../../config/schema';
import type { SourceDescriptor, SourceOutcome } from '../../core/source-contract';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM, SOURCE_ISSUE_SYSTEM } from '../../core/fhir/systems';
import { mergeView, type MergedView } from './merge-view';
import { entryReference } from './merged-entry';
import { CONFIDENTIALITY_SYSTEM } from './sensitive-data/confidentiality';
import { DATA_ABSENT_REASON_URL } from './sensitive-data/masked-reference';

const NHS = '9000000025';
const SNOMED = 'http://snomed.info/sct';
const DMD = 'https://dmd.nhs.uk';
const R = { system: CONFIDENTIALITY_SYSTEM, code: 'R', display: 'restricted' };
const V = { system: CONFIDENTIALITY_SYSTEM, code: 'V', display: 'very restricted' };
const SENSITIVE: SensitiveDataConfig = {
  withheldConfidentiality: ['R', 'V'],
  codeSets: [
    { name: 'HIV', system: SNOMED, codes: ['86406008'] },
    { name: 'Sexually transmitted infections', system: SNOMED, codes: ['105629000'] },
    { name: 'Antiretrovirals', system: DMD, codes: ['ARV-1'] },
  ],
};

const source = (id: string, name: string, odsCode: string): SourceDescriptor => ({
  id,
  kind: 'fhir-r4',
  name,
  odsCode,
  baseUrl: `http://${id}.test/fhir`,
  supplies: ['Condition', 'Encounter', 'Observation', 'MedicationStatement', 'AllergyIntolerance'],
});
const SOURCES = [
  source('gp', 'Northbrook Health Centre', 'Y90001'),
  source('acute', 'Riverside Hospital', 'R1X'),
];
const concept = (code: string, text: string, system = SNOMED) => ({
  coding: [{ system, code, display: text }],
  text,
});

const PHARMACY_URL = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NominatedPharmacy';
function patient(localId: string, restricted: boolean): Patient {
  return {
    resourceType: 'Patient',
    id: localId,
    meta: restricted ? { security: [R] } : {},
    extension: [
      { url: PHARMACY_URL, valueReference: { identifier: { system: ODS_CODE_SYSTEM, value: 'FPH42' } } },
      { url: 'https://example.test/ethnic-category', valueString: 'kept' },
    ],
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: NHS }],
    name: [{ use: 'official', family: 'Morgan', given: ['Alex'] }],
    gender: 'other',
    birthDate: '1990-06-21',
    telecom: [{ system: 'phone', value: '07700 900461' }],
    address: [{ line: ['7 Safe House Lane'], city: 'Northbrook', postalCode: 'NB9 9ZZ' }],
    contact: [{ name: { text: 'Jo Morgan' }, telecom: [{ system: 'phone', value: '020 7946 0999' }] }],
    generalPractitioner:
      localId === 'G1'
        ? [{ reference: 'PractitionerRole/r-usual' }]
        : [{ identifier: { system: ODS_CODE_SYSTEM, value: 'Y90001' }, display: 'Northbrook Health Centre' }],
    ...(localId === 'G1' ? { managingOrganization: { reference: 'Organization/practice' } } : {}),
  };
}

const condition = (
  id: string,
  local: string,
  code: ReturnType<typeof concept>,
  extra: Partial<Condition> = {},
): Condition => ({
  resourceType: 'Condition',
  id,
  subject: { reference: `Patient/${local}` },
  code,
  onsetDateTime: '2015-03-02',
  ...extra,
});

// The GP: an HIV diagnosis labelled R, a chlamydial infection coded but unlabelled, an antiretroviral
// through a Medication resource, an HIV result labelled V from a laboratory, a penicillin allergy
// labelled R; shown: asthma (recorded by the practice nurse) and an encounter whose reason and diagnosis
// point at the withheld conditions.
const gpHiv = condition('c-hiv', 'G1', concept('86406008', 'Human immunodeficiency virus infection'), {
  meta: { security: [R] },
  note: [{ text: 'Under the HIV clinic at St Stephen' }],
});
const gpChlamydia = condition('c-chl', 'G1', concept('105629000', 'Chlamydial infection'));
const gpAsthma = condition('c-asthma', 'G1', concept('195967001', 'Asthma'), {
  recorder: { reference: 'Practitioner/p-nurse', display: 'Nurse Helen Brooks' },
});
const arv: Medication = {
  resourceType: 'Medication',
  id: 'm-arv',
  code: concept('ARV-1', 'Tenofovir/emtricitabine', DMD),
};
const gpArv: MedicationStatement = {
  resourceType: 'MedicationStatement',
  id: 'ms-arv',
  status: 'active',
  subject: { reference: 'Patient/G1' },
  medicationReference: { reference: 'Medication/m-arv', display: 'Tenofovir/emtricitabine' },
};
const gpViralLoad: Observation = {
  resourceType: 'Observation',
  id: 'o-vl',
  meta: { security: [V] },
  status: 'final',
  code: concept('20447-9', 'HIV 1 RNA viral load', 'http://loinc.org'),
  subject: { reference: 'Patient/G1' },
  performer: [{ reference: 'Organization/lab' }],
};
const gpPenicillin: AllergyIntolerance = {
  resourceType: 'AllergyIntolerance',
  id: 'a-pen',
  meta: { security: [R] },
  patient: { reference: 'Patient/G1' },
  code: concept('764146007', 'Penicillin'),
};
const gpEncounter: Encounter = {
  resourceType: 'Encounter',
  id: 'e1',
  status: 'finished',
  class: { code: 'AMB' },
  subject: { reference: 'Patient/G1' },
  serviceProvider: { reference: 'Organization/practice' },
  reasonReference: [{ reference: 'Condition/c-chl', display: 'Chlamydial infection' }],
  diagnosis: [{ condition: { reference: 'http://gp.test/fhir/Condition/c-hiv', display: 'HIV' } }],
};
const practice: Organization = {
  resourceType: 'Organization',
  id: 'practice',
  identifier: [{ system: ODS_CODE_SYSTEM, value: 'Y90001' }],
  name: 'Northbrook Health Centre',
};
const lab: Organization = { resourceType: 'Organization', id: 'lab', name: 'St Stephen Virology' };
const usualGp: Practitioner = {
  resourceType: 'Practitioner',
  id: 'p-usual',
  name: [{ text: 'Dr Usual Doctor' }],
};
const usualGpRole: PractitionerRole = {
  resourceType: 'PractitionerRole',
  id: 'r-usual',
  practitioner: { reference: 'Practitioner/p-usual' },
  organization: { reference: 'Organization/practice' },
};
const nurse: Practitioner = {
  resourceType: 'Practitioner',
  id: 'p-nurse',
  name: [{ text: 'Nurse Helen Brooks' }],
};

// The hospital: the HIV diagnosis coded but unlabelled, asthma labelled R (so it cannot group with the
// GP's), and "no known allergy", which would disagree with the GP's penicillin allergy were it shown.
const acuteHiv = condition('c-hiv-2', 'A1', concept('86406008', 'Human immunodeficiency virus infection'));
const acuteAsthma = condition('c-asthma-2', 'A1', concept('195967001', 'Asthma'), {
  meta: { security: [R] },
});
const acuteNka: AllergyIntolerance = {
  resourceType: 'AllergyIntolerance',
  id: 'a-nka',
  patient: { reference: 'Patient/A1' },
  code: concept('716186003', 'No known allergy'),
};

function outcomes(restricted = true): SourceOutcome[] {
  return [
    {
      sourceId: 'gp',
      status: 'ok',
      durationMs: 10,
      warnings: [],
      record: {
        patient: patient('G1', restricted),
        resources: [gpHiv, gpChlamydia, gpAsthma, gpArv, gpViralLoad, gpPenicillin, gpEncounter],
        supporting: [practice, lab, usualGp, usualGpRole, nurse, arv],
      },
    },
    {
      sourceId: 'acute',
      status: 'ok',
      durationMs: 10,
      warnings: [],
      record: { patient: patient('A1', false), resources: [acuteHiv, acuteAsthma, acuteNka] },
    },
  ];
}

function merge(sourceOutcomes = outcomes(), sources = SOURCES): MergedView {
  return mergeView({
    viewId: 'v1',
    nhsNumber: NHS,
    sources,
    outcomes: sourceOutcomes,
    broker: { name: 'Test Broker', odsCode: 'X26' },
    sensitiveData: SENSITIVE,
    now: new Date('2026-11-01T00:00:00Z'),
  });
}

/** The whole view as it could leave the broker. */
const serialised = (view: MergedView): string =>
  JSON.stringify([
    view.patient,
    view.entries,
    view.included,
    view.provenance,
    view.outcome,
    view.disagreements,
  ]);

const reasonOf = (issue: { details?: { coding?: { system?: string; code?: string }[] } }) =>
  issue.details?.coding?.find((c) => c.system === SOURCE_ISSUE_SYSTEM)?.code;

describe('mergeView: sensitive data withheld', () => {
  it('when sources send labelled and sensitive-coded items, then none of them is anywhere in the view', () => {
    const view = merge();
    const text = serialised(view);

    expect(view.entries.map(entryReference).sort()).toEqual(
      ['AllergyIntolerance/acute-a-nka', 'Condition/gp-c-asthma', 'Encounter/gp-e1'].sort(),
    );
    for (const absent of [
      'c-hiv',
      'c-chl',
      'ms-arv',
      'm-arv',
      'o-vl',
      'a-pen',
      'c-asthma-2',
      '86406008',
      '105629000',
      'ARV-1',
      '20447-9',
      '764146007',
      'Human immunodeficiency',
      'Chlamydial',
      'HIV',
      'Tenofovir',
      'Penicillin',
      'St Stephen',
      'Virology',
    ]) {
      expect(text).not.toContain(absent);
    }
  });

  it('when items are withheld, then each source says how many, never which, and the counts add up', () => {
    const view = merge();

    expect(view.counts).toEqual({
      received: 10,
      shown: 3,
      grouped: 0,
      otherPatient: 0,
      withheldSensitive: 7,
      beforeSince: 0,
      excludedSource: 0,
      withheldObjection: 0,
    });
    const { received, ...parts } = view.counts;
    expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBe(received);
    const withheld = view.outcome.issue.filter((i) => reasonOf(i) === 'sensitive-withheld');
    expect(withheld.map((i) => [i.severity, i.code, i.details?.text])).toEqual([
      [
        'information',
        'suppressed',
        'Northbrook Health Centre (Y90001) had 5 items withheld as sensitive information; they are not in this view.',
      ],
      [
        'information',
        'suppressed',
        'Riverside Hospital (R1X) had 2 items withheld as sensitive information; they are not in this view.',
      ],
    ]);
    expect(view.incidents).toEqual([]);
  });

  it('when a shown item refers to a withheld one, then the reference is masked: no id, no display', () => {
    const encounter = view().entries.find((e) => e.resource.resourceType === 'Encounter')!
      .resource as Encounter;
    const masked = { extension: [{ url: DATA_ABSENT_REASON_URL, valueCode: 'masked' }] };

    expect(encounter.reasonReference).toEqual([masked]);
    expect(encounter.diagnosis).toEqual([{ condition: masked }]);
    expect(encounter.serviceProvider).toEqual({ reference: 'Organization/gp-practice' });
  });

  it('when the same fact is withheld at one source, then it is no group member and no disagreement names it', () => {
    const merged = view();
    const asthma = merged.entries.find((e) => e.resource.id === 'gp-c-asthma')!;

    expect(asthma.duplicates).toBeUndefined();
    expect(merged.entries.every((e) => !e.groupedUnder)).toBe(true);
    // The hospital's "no known allergy" stands alone: the GP's penicillin allergy is withheld.
    expect(merged.disagreements).toEqual([]);
  });

  it('when items are withheld, then Provenance targets only what is in the view', () => {
    const merged = view();
    const inView = new Set([
      `Patient/${NHS}`,
      ...merged.entries.map(entryReference),
      ...merged.included.map(entryReference),
    ]);
    for (const provenance of merged.provenance) {
      for (const target of provenance.target) expect(inView).toContain(target.reference);
    }
  });

  it('when included resources were there only for withheld items, then they are gone; those a shown item needs stay', () => {
    expect(view().included.map(entryReference).sort()).toEqual([
      'Organization/gp-practice',
      'Practitioner/gp-p-nurse',
    ]);
  });
});

describe('mergeView: a restricted (S-flagged) patient', () => {
  it('when any source labels the Patient R, then the Patient has no address, telecom, contacts or registered practice', () => {
    const merged = view();
    const shown = merged.patient!;

    expect(shown).toMatchObject({
      id: NHS,
      name: [{ family: 'Morgan' }],
      birthDate: '1990-06-21',
      gender: 'other',
    });
    for (const element of ['address', 'telecom', 'contact', 'generalPractitioner', 'managingOrganization'])
      expect(shown).not.toHaveProperty(element);
    expect(shown.extension).toEqual([{ url: 'https://example.test/ethnic-category', valueString: 'kept' }]);
    expect(shown.meta?.security).toEqual([R]);
    const text = serialised(merged);
    for (const absent of [
      'Safe House',
      'NB9 9ZZ',
      '07700 900461',
      '020 7946 0999',
      'Jo Morgan',
      'FPH42',
      'usual',
      'Usual',
    ])
      expect(text).not.toContain(absent);
  });

  it('when only the second source labels the Patient R, then the first source’s Patient is stripped and labelled too', () => {
    const [gp, acute] = outcomes(false);
    const restrictedAcute = {
      ...acute!,
      record: { ...(acute as Extract<SourceOutcome, { status: 'ok' }>).record, patient: patient('A1', true) },
    } as SourceOutcome;
    const merged = merge([gp!, restrictedAcute]);

    expect(merged.patient).not.toHaveProperty('address');
    expect(merged.patient?.meta?.security).toEqual([expect.objectContaining({ code: 'R' })]);
    expect(merged.included.map(entryReference)).not.toContain('PractitionerRole/gp-r-usual');
  });

  it('when the patient is restricted, then the view says so straight after the summary line', () => {
    const issue = view().outcome.issue[1];

    expect(reasonOf(issue!)).toBe('restricted-patient');
    expect(issue).toMatchObject({ severity: 'information', code: 'suppressed' });
    expect(issue?.details?.text).toBe(
      "This patient's record is restricted: their address, telephone numbers, contacts and registered GP practice are not shown.",
    );
  });

  it('when no source labels the Patient R, then its contact details and registered practice stay, and nothing is said', () => {
    const merged = merge(outcomes(false));

    expect(merged.patient?.address?.[0]?.postalCode).toBe('NB9 9ZZ');
    expect(merged.patient?.generalPractitioner).toEqual([{ reference: 'PractitionerRole/gp-r-usual' }]);
    expect(merged.included.map(entryReference)).toEqual(
      expect.arrayContaining(['PractitionerRole/gp-r-usual', 'Practitioner/gp-p-usual']),
    );
    expect(merged.outcome.issue.some((i) => reasonOf(i) === 'restricted-patient')).toBe(false);
  });
});

describe('mergeView: a peer broker’s already filtered view', () => {
  it('when a peer sends a view it has filtered, then filtering it again withholds nothing more and keeps it restricted', () => {
    const first = view();
    const peer: SourceDescriptor = { ...source('peer', 'North Thames', 'Q9X') };
    const again = merge(
      [
        {
          sourceId: 'peer',
          status: 'ok',
          durationMs: 10,
          warnings: [],
          record: {
            patient: first.patient!,
            resources: first.entries.map((e) => e.resource),
            supporting: first.included.map((e) => e.resource as Resource),
          },
        },
      ],
      [peer],
    );

    expect(again.counts.withheldSensitive).toBe(0);
    expect(again.counts.shown).toBe(first.counts.shown);
    expect(again.included).toHaveLength(first.included.length);
    expect(again.patient).not.toHaveProperty('address');
    expect(again.patient?.meta?.security).toEqual([R]);
    expect(reasonOf(again.outcome.issue[1]!)).toBe('restricted-patient');
    const encounter = again.entries.find((e) => e.resource.resourceType === 'Encounter')!
      .resource as Encounter;
    expect(encounter.reasonReference).toEqual([
      { extension: [{ url: DATA_ABSENT_REASON_URL, valueCode: 'masked' }] },
    ]);
  });
});

function view(): MergedView {
  return merge();
}
