import type { Observation } from '@medplum/fhirtypes';
import { abnormalFlag, readObservation } from './read-observation';

const base: Observation = {
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'HbA1c (IFCC)' },
  subject: { reference: 'Patient/1' },
};
const mmol = { unit: 'mmol/mol', system: 'http://unitsofmeasure.org', code: 'mmol/mol' };

describe('readObservation', () => {
  it('when the source gives a value, range and interpretation, then the result shows all three', () => {
    const item = readObservation({
      ...base,
      effectiveDateTime: '2026-09-14T09:32:00Z',
      issued: '2026-09-14T15:05:00Z',
      valueQuantity: { value: 58, ...mmol },
      referenceRange: [{ low: { value: 20, ...mmol }, high: { value: 41, ...mmol } }],
      interpretation: [{ coding: [{ code: 'H', display: 'High' }] }],
    });

    expect(item).toEqual({
      date: '2026-09-14T09:32:00Z',
      title: 'HbA1c (IFCC)',
      detail: '58 mmol/mol (H) · Range 20 mmol/mol – 41 mmol/mol',
      status: 'final',
      result: {
        value: '58 mmol/mol',
        range: '20 mmol/mol – 41 mmol/mol',
        flag: 'H',
        flagBasis: 'interpretation',
      },
    });
  });

  it('when there is no interpretation, then a value outside the range is flagged against it', () => {
    const range = [{ low: { value: 20, ...mmol }, high: { value: 41, ...mmol } }];
    expect(abnormalFlag({ ...base, valueQuantity: { value: 58, ...mmol }, referenceRange: range })).toEqual({
      flag: 'H',
      flagBasis: 'range',
    });
    expect(abnormalFlag({ ...base, valueQuantity: { value: 12, ...mmol }, referenceRange: range })).toEqual({
      flag: 'L',
      flagBasis: 'range',
    });
    expect(abnormalFlag({ ...base, valueQuantity: { value: 30, ...mmol }, referenceRange: range })).toEqual(
      {},
    );
  });

  it('when the range is in another unit, the value has a comparator, or the source says normal, then nothing is flagged', () => {
    const percent = [{ high: { value: 6.5, unit: '%' } }];
    expect(abnormalFlag({ ...base, valueQuantity: { value: 58, ...mmol }, referenceRange: percent })).toEqual(
      {},
    );
    expect(
      abnormalFlag({
        ...base,
        valueQuantity: { value: 99, comparator: '>', ...mmol },
        referenceRange: [{ high: { value: 41, ...mmol } }],
      }),
    ).toEqual({});
    expect(
      abnormalFlag({
        ...base,
        valueQuantity: { value: 99, ...mmol },
        referenceRange: [{ high: { value: 41, ...mmol } }],
        interpretation: [{ coding: [{ code: 'N' }] }],
      }),
    ).toEqual({});
  });

  it('when a blood pressure has only components, then each component is named with its value', () => {
    const item = readObservation({
      ...base,
      code: { text: 'Blood pressure' },
      effectiveDateTime: '2026-10-05T10:50:00Z',
      component: [
        {
          code: { coding: [{ display: 'Systolic blood pressure' }] },
          valueQuantity: { value: 142, unit: 'mmHg' },
        },
        {
          code: { coding: [{ display: 'Diastolic blood pressure' }] },
          valueQuantity: { value: 84, unit: 'mmHg' },
        },
      ],
    });

    expect(item.result).toEqual({
      value: 'Systolic blood pressure: 142 mmHg; Diastolic blood pressure: 84 mmHg',
    });
  });

  it('when the value is coded or a number, and the range is text, then they are shown as the source wrote them', () => {
    expect(readObservation({ ...base, valueCodeableConcept: { text: 'New confusion' } }).result).toEqual({
      value: 'New confusion',
    });
    expect(
      readObservation({
        ...base,
        valueInteger: 15,
        referenceRange: [{ text: '0 to 4' }],
        issued: '2026-01-01',
      }),
    ).toMatchObject({ date: '2026-01-01', result: { value: '15', range: '0 to 4' } });
  });

  it('when there is no value, then there is no result and no detail', () => {
    expect(readObservation({ ...base, code: {} })).toEqual({ status: 'final' });
  });
});
