import { readAlert } from './read-alert';
import {
  readMedicationAdministration,
  readMedicationRequest,
  readMedicationStatement,
} from './read-medication';
import type { ReaderContext } from './reader-context';

const ctx: ReaderContext = {
  resolve: (ref) =>
    ref === 'Medication/gp-med-1'
      ? { resourceType: 'Medication', id: 'gp-med-1', code: { text: 'Metformin 500mg tablets' } }
      : undefined,
  now: new Date('2026-10-01T00:00:00Z'),
};

describe('medication readers', () => {
  it('when a statement refers to a Medication in the view, then its name comes from that Medication', () => {
    const item = readMedicationStatement(
      {
        resourceType: 'MedicationStatement',
        status: 'active',
        subject: { reference: 'Patient/1' },
        medicationReference: { reference: 'Medication/gp-med-1' },
        effectivePeriod: { start: '2012-07-02' },
        dateAsserted: '2026-10-05',
        dosage: [{ text: 'One tablet twice a day with meals' }],
        note: [{ text: 'Repeat prescription' }],
      },
      ctx,
    );

    expect(item).toEqual({
      date: '2012-07-02',
      title: 'Metformin 500mg tablets',
      detail: 'One tablet twice a day with meals · Repeat prescription',
      status: 'active',
    });
  });

  it('when a dosage has no text, then its dose and route are shown instead', () => {
    const item = readMedicationRequest(
      {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/1' },
        medicationCodeableConcept: { text: 'Lisinopril 10mg tablets' },
        authoredOn: '2009-02-20',
        dosageInstruction: [
          { doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }], route: { text: 'Oral' } },
        ],
      },
      ctx,
    );

    expect(item).toEqual({
      date: '2009-02-20',
      title: 'Lisinopril 10mg tablets',
      detail: '1 tablet · Oral',
      status: 'active',
    });
  });

  it('when a medicine was given, then the dose and route are the detail', () => {
    const item = readMedicationAdministration(
      {
        resourceType: 'MedicationAdministration',
        status: 'completed',
        subject: { reference: 'Patient/1' },
        medicationCodeableConcept: { text: 'Oxygen' },
        effectiveDateTime: '2026-09-12T10:29:00Z',
        dosage: { route: { text: 'Inhalation' }, dose: { value: 15, unit: 'L/min' } },
      },
      ctx,
    );

    expect(item).toEqual({
      date: '2026-09-12T10:29:00Z',
      title: 'Oxygen',
      detail: '15 L/min · Inhalation',
      status: 'completed',
    });
  });

  it('when the medication cannot be named, then there is no title rather than an invented one', () => {
    const item = readMedicationStatement(
      {
        resourceType: 'MedicationStatement',
        status: 'unknown',
        subject: { reference: 'Patient/1' },
        medicationReference: { reference: 'Medication/elsewhere' },
      },
      ctx,
    );

    expect(item).toEqual({ status: 'unknown' });
  });

  it('when a flag is read, then the alert says what, its category and who raised it', () => {
    const item = readAlert(
      {
        resourceType: 'Flag',
        status: 'active',
        subject: { reference: 'Patient/1' },
        code: { text: 'Risk of self-neglect when low in mood' },
        category: [{ coding: [{ display: 'Clinical' }] }],
        period: { start: '2024-02-01' },
        author: { display: 'Joanne Reid (CPN)' },
      },
      ctx,
    );

    expect(item).toEqual({
      date: '2024-02-01',
      title: 'Risk of self-neglect when low in mood',
      detail: 'Clinical · Joanne Reid (CPN)',
      status: 'active',
    });
  });
});
