import { createHash } from 'node:crypto';
import { generatePopulation } from '../../../sim/population/generate-population';
import { epcrPatientFromR4 } from '../../../sim/ambulance-epcr/epcr-patient-from-r4';
import { incidentsFromR4 } from '../../../sim/ambulance-epcr/incidents-from-r4';
import { isIncident } from '../epcr-checks';
import { EPCR_RESOURCE_TYPES, incidentToR4 } from './incident-to-r4';
import { toR4Patient } from './patient';

/**
 * The whole R4 output of the simulated ambulance service's incidents, byte for byte: a change made for speed
 * must not move a single byte of what reaches the clinician. When a change to the mapping is meant to alter
 * the output, check the difference by hand, then update the digest.
 */
const CONVERTED_DIGEST = '1df60cc749672510bf796f50d1ac79aec851b7c429129cae7fe79795e2a1a7cb';

describe('ePCR mapping of the simulated population', () => {
  it('when every incident of the population is mapped, then the output is byte for byte what it was', () => {
    const ambulance = generatePopulation({ size: 200 }).nodes.ambulance;
    const organisation = { odsCode: 'R1Z', name: 'Capital Ambulance Service NHS Trust' };
    const hash = createHash('sha256');
    let resources = 0;
    for (const record of ambulance.records.values()) {
      const patient = toR4Patient(epcrPatientFromR4(record.localId, record.patient));
      hash.update(JSON.stringify(patient)).update('\n');
      const incidents = JSON.parse(JSON.stringify(incidentsFromR4(record))) as unknown[];
      for (const incident of incidents) {
        if (!isIncident(incident)) throw new Error('the simulator wrote an invalid incident');
        const mapped = incidentToR4(incident, {
          patientId: patient.id,
          organisation,
          types: EPCR_RESOURCE_TYPES,
        });
        resources += mapped.length;
        hash.update(JSON.stringify(mapped)).update('\n');
      }
    }

    expect(resources).toBeGreaterThan(300);
    expect(hash.digest('hex')).toBe(CONVERTED_DIGEST);
  });
});
