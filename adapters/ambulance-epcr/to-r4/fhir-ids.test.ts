import { incidentIds, incidentKey, isFhirId } from './fhir-ids';

describe('incident resource ids', () => {
  it('when the incident id is a valid id fragment, then it is the stem of every id', () => {
    expect(incidentKey('CAS-20260304-001187')).toBe('CAS-20260304-001187');
    expect(incidentIds.observation('CAS-20260304-001187', 1, 'rr')).toBe('CAS-20260304-001187-obs-1-rr');
  });

  it('when the incident id has characters FHIR ids forbid, then a stable hash stands in for it', () => {
    const key = incidentKey('CAS/2026/03/04 #1187');

    expect(key).toBe(incidentKey('CAS/2026/03/04 #1187'));
    expect(key).not.toBe(incidentKey('CAS/2026/03/04 #1188'));
    expect(isFhirId(incidentIds.observation(key, 999, 'news2'))).toBe(true);
  });

  it('when the incident id is very long, then the longest derived id is still a valid FHIR id', () => {
    const key = incidentKey('A'.repeat(200));

    expect(isFhirId(incidentIds.observation(key, 999, 'news2'))).toBe(true);
  });
});
