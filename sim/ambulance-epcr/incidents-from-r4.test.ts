import { incidentSchema } from '../../adapters/ambulance-epcr/epcr-schema';
import { generatePopulation } from '../population/generate-population';
import { DEMO_NHS_NUMBERS } from '../population/types';
import { incidentsFromR4 } from './incidents-from-r4';

describe('incidentsFromR4', () => {
  const population = generatePopulation({ size: 200 });
  const dataset = population.nodes.ambulance;
  const rich = dataset.records.get(dataset.localIdByNhs.get(DEMO_NHS_NUMBERS.rich)!)!;

  it('when every ambulance record of a population is converted, then every incident is a valid ePCR incident', () => {
    const incidents = [...dataset.records.values()].flatMap(incidentsFromR4);

    const invalid = incidents.filter((incident) => !incidentSchema.safeParse(incident).success);

    expect(incidents.length).toBeGreaterThan(dataset.records.size - 1);
    expect(invalid).toEqual([]);
  });

  it('when converted, then there is one incident per encounter, newest call first, with the patient id', () => {
    const incidents = incidentsFromR4(rich);

    expect(incidents.map((i) => i.callReceivedAt)).toEqual(['2026-09-12T10:02:00Z', '2025-12-20T13:05:00Z']);
    expect(new Set(incidents.map((i) => i.patientId))).toEqual(new Set([rich.localId]));
  });

  it('when the handover says when the crew reached the patient, then that is the at-patient time', () => {
    const [pneumonia, fall] = incidentsFromR4(rich);

    expect(pneumonia?.atPatientAt).toBe('2026-09-12T10:19:00Z');
    expect(fall?.atPatientAt).toBe('2025-12-20T13:31:00Z');
  });

  it('when the NEWS2 total counts oxygen, then the set is recorded as on supplemental oxygen', () => {
    const [pneumonia, fall] = incidentsFromR4(rich);

    expect(pneumonia?.observations[0]).toMatchObject({
      news2Score: 15,
      onSupplementalOxygen: true,
      spo2Scale: 1,
    });
    expect(fall?.observations.map((o) => o.onSupplementalOxygen)).toEqual([false, false]);
  });

  it('when the handover lists drugs given, then they are the incident drugs, given by the paramedic', () => {
    const [pneumonia] = incidentsFromR4(rich);

    expect(pneumonia?.drugsAdministered).toEqual([
      {
        drugName: 'Oxygen',
        dose: { value: 15, unit: 'L/min' },
        route: 'Inhalation (non-rebreathe mask)',
        administeredAt: '2026-09-12T10:29:00Z',
        administeredBy: 'Paramedic',
      },
    ]);
  });

  it('when converted, then the crew is named by role only', () => {
    const [, fall] = incidentsFromR4(rich);

    expect(fall?.crew).toEqual([{ role: 'Emergency Medical Technician' }, { role: 'Paramedic' }]);
  });
});
