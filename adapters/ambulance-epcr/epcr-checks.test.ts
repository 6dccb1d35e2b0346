import { readFileSync } from 'node:fs';
import path from 'node:path';
import { shapeVariants } from '../../test/support/shape-variants';
import { isIncident, isIncidentPage, isPatientSearchResponse } from './epcr-checks';
import { incidentPageSchema, incidentSchema, patientSearchResponseSchema } from './epcr-schema';

function fixture(name: string): unknown {
  const file = path.join(__dirname, '..', '..', 'test', 'fixtures', 'ambulance-epcr', name);
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

const page = fixture('incidents-page.json') as { incidents: Record<string, unknown>[] };
const search = fixture('patient-search-match.json') as { patients: Record<string, unknown>[] };
/** The recorded incident with every optional member filled, so that each is varied too. */
const incident = {
  ...page.incidents[0]!,
  location: { description: "Patient's home", postcodeDistrict: 'NB4' },
  conveyance: {
    conveyed: false,
    destination: { name: 'Riverside Hospital', odsCode: 'R1X01' },
    reasonNotConveyed: 'Treated at scene',
  },
  observations: [
    {
      takenAt: '2026-03-04T07:58:00Z',
      respiratoryRate: 21,
      spo2: 95,
      spo2Scale: 2,
      onSupplementalOxygen: false,
      systolicBp: 158,
      diastolicBp: 94,
      heartRate: 104,
      consciousness: 'V',
      temperatureC: 36.7,
      gcsTotal: 14,
      bloodGlucoseMmolL: 6.8,
      painScore: 7,
      news2Score: 4,
    },
  ],
  drugsAdministered: [
    {
      drugName: 'Aspirin 300mg dispersible tablets',
      dmdCode: '319773006',
      dose: { value: 300, unit: 'mg' },
      route: 'Oral',
      administeredAt: '2026-03-04T08:01:00Z',
      administeredBy: 'Paramedic',
    },
  ],
};

/** Instants and dates at and around every edge of the format and the calendar. */
const INSTANTS = [
  '2026-03-04T07:41:00Z',
  '2026-03-04T07:41:00.123456Z',
  '2026-03-04T07:41:00+01:00',
  '2026-03-04T07:41:00-23:59',
  '2026-03-04T07:41:00+24:00',
  '2026-03-04T07:41:00+01:60',
  '2026-03-04T07:41:00+0100',
  '2026-03-04T07:41:00',
  '2026-03-04T07:41Z',
  '2026-03-04T07:41:00.Z',
  '2026-03-04T24:00:00Z',
  '2026-03-04T23:59:59Z',
  '2026-03-04T23:60:00Z',
  '2026-03-04T23:59:60Z',
  '2026-03-04t07:41:00Z',
  '2026-03-04T07:41:00z',
  '2026-03-04 07:41:00Z',
  ' 2026-03-04T07:41:00Z',
  '2026-03-04T07:41:00Z\n',
  '2024-02-29T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '2000-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '0000-02-29T00:00:00Z',
  '2100-02-29T00:00:00Z',
  '2026-02-28T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-04-30T00:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-12-31T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-01-00T00:00:00Z',
  '2026-01-32T00:00:00Z',
  '26-01-01T00:00:00Z',
  '+02026-01-01T00:00:00Z',
  '２０２６-01-01T00:00:00Z',
];
const DATES = [
  '1957-03-14',
  '2024-02-29',
  '2023-02-29',
  '2000-02-29',
  '1900-02-29',
  '2026-06-31',
  '2026-13-01',
  '2026-1-01',
  '1957-03-14T00:00:00Z',
  '',
];

function expectSameVerdicts(
  check: (body: unknown) => boolean,
  schema: { safeParse: (body: unknown) => { success: boolean } },
  bodies: readonly unknown[],
): void {
  for (const body of bodies) expect([check(body), body]).toEqual([schema.safeParse(body).success, body]);
}

describe('ePCR body checks', () => {
  it('when an incident is any variant of a recorded one, then the check accepts exactly what the schema accepted', () => {
    const variants = [
      ...shapeVariants(incident),
      ...page.incidents,
      ...INSTANTS.flatMap((instant) => [
        { ...incident, callReceivedAt: instant },
        { ...incident, observations: [{ takenAt: instant }] },
      ]),
      ...['', '12345', '123456', '123456789012345678', '1234567890123456789', '12345a', '１２３４５６'].map(
        (code) => ({ ...incident, clinicalImpression: { text: 'x', snomedCode: code } }),
      ),
      ...[0, 1, 5, 6, -1, 2.5, 2 ** 53].map((category) => ({ ...incident, category })),
    ];
    expect(variants.length).toBeGreaterThan(600);

    expectSameVerdicts(isIncident, incidentSchema, variants);
  });

  it('when a number is not one JSON can carry, then the check refuses it as the schema did', () => {
    const sets = [NaN, Infinity, -Infinity].flatMap((n) => [
      { ...incident, category: n },
      { ...incident, observations: [{ takenAt: '2026-03-04T07:58:00Z', spo2: n }] },
      { ...incident, observations: [{ takenAt: '2026-03-04T07:58:00Z', gcsTotal: n }] },
    ]);

    expectSameVerdicts(isIncident, incidentSchema, sets);
  });

  it('when a patient list is any variant of a recorded one, then the check accepts exactly what the schema accepted', () => {
    const variants = [
      ...shapeVariants(search),
      { patients: [] },
      ...DATES.map((dateOfBirth) => ({ patients: [{ ...search.patients[0]!, dateOfBirth }] })),
      ...['male', 'female', 'indeterminate', 'unknown', 'other', 'Male'].map((sex) => ({
        patients: [{ ...search.patients[0]!, sex }],
      })),
    ];
    expect(variants.length).toBeGreaterThan(140);

    expectSameVerdicts(isPatientSearchResponse, patientSearchResponseSchema, variants);
  });

  it('when a page is any variant of a recorded one, then the check accepts exactly what the schema accepted', () => {
    const variants = [
      ...shapeVariants({ ...page, nextCursor: 'c2' }, 2),
      { incidents: [], nextCursor: null },
      { incidents: [] },
      { resourceType: 'Patient', id: 'x' },
    ];

    expectSameVerdicts(isIncidentPage, incidentPageSchema, variants);
  });
});
