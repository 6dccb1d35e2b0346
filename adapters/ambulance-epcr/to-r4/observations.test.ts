import { r4Errors } from '../../../test/support/fhir-validator';
import type { Incident } from '../epcr-schema';
import { incidentContext } from './incident-context';
import { toR4Observations } from './observations';

const INCIDENT: Incident = {
  incidentId: 'CAS-1',
  patientId: 'P-1',
  callReceivedAt: '2026-01-01T10:00:00Z',
  atPatientAt: '2026-01-01T10:12:00Z',
  category: 3,
  location: { description: 'Street' },
  presentingComplaint: 'Fall',
  clinicalImpression: { text: 'Fall' },
  observations: [],
  drugsAdministered: [],
  conveyance: { conveyed: false },
  crew: [],
  lastUpdated: '2026-01-01T11:00:00Z',
};
const context = incidentContext(INCIDENT, 'P-1', { odsCode: 'R1Z', name: 'Ambulance' });

describe('toR4Observations', () => {
  it('when a set is partly recorded, then only the recorded signs appear and absent parts are marked, not invented', () => {
    const observations = toR4Observations(
      context,
      { takenAt: '2026-01-01T10:15:00Z', onSupplementalOxygen: true, systolicBp: 90 },
      1,
    );

    expect(observations.map((o) => o.id)).toEqual(['CAS-1-obs-1-spo2', 'CAS-1-obs-1-bp']);
    const [spo2, bp] = observations;
    expect(spo2?.valueQuantity).toBeUndefined();
    expect(spo2?.dataAbsentReason?.text).toBe('Not recorded');
    expect(spo2?.component?.[0]?.valueCodeableConcept?.text).toBe('Yes');
    expect(bp?.component?.map((c) => c.valueQuantity?.value ?? c.dataAbsentReason?.text)).toEqual([
      90,
      'Not recorded',
    ]);
    expect(observations.flatMap((o) => r4Errors(o))).toEqual([]);
  });

  it('when a set is empty but for its time, then it yields no observations', () => {
    expect(toR4Observations(context, { takenAt: '2026-01-01T10:15:00Z' }, 1)).toEqual([]);
  });

  it('when the crew recorded each ACVPU level, then each is its own SNOMED CT finding', () => {
    const codes = (['A', 'C', 'V', 'P', 'U'] as const).map(
      (level) =>
        toR4Observations(context, { takenAt: '2026-01-01T10:15:00Z', consciousness: level }, 1)[0]
          ?.valueCodeableConcept?.coding?.[0]?.code,
    );

    expect(codes).toEqual(['248234008', '130987000', '300202002', '450847001', '422768004']);
  });
});
