import type { DrugAdministration } from './epcr-wire';

/** A drug line of a handover note's "Treatment given" list, as the ePCR's JRCALC formulary records it. */
interface FormularyEntry {
  readonly pattern: RegExp;
  readonly drug: Omit<DrugAdministration, 'administeredAt' | 'administeredBy'>;
}

/**
 * The drugs the population's crews give. dm+d ids only where checked against published NHS material
 * (paracetamol 500mg tablets, as the population's GP catalogue uses); the others are sent by name only,
 * as ePCRs do for formulary items without a mapped product.
 */
const FORMULARY: readonly FormularyEntry[] = [
  {
    pattern: /^Aspirin 300mg/i,
    drug: {
      drugName: 'Aspirin 300mg dispersible tablets',
      dose: { value: 300, unit: 'mg' },
      route: 'Oral (chewed)',
    },
  },
  {
    pattern: /^GTN spray 400 micrograms/i,
    drug: {
      drugName: 'Glyceryl trinitrate 400micrograms/dose sublingual spray',
      dose: { value: 400, unit: 'micrograms' },
      route: 'Sublingual',
    },
  },
  {
    pattern: /^Morphine 5mg intravenous/i,
    drug: {
      drugName: 'Morphine sulfate 10mg/1ml solution for injection ampoules',
      dose: { value: 5, unit: 'mg' },
      route: 'Intravenous',
    },
  },
  {
    pattern: /^Paracetamol 1g oral/i,
    drug: {
      drugName: 'Paracetamol 500mg tablets',
      dmdCode: '322236009',
      dose: { value: 1, unit: 'g' },
      route: 'Oral',
    },
  },
  {
    pattern: /^Salbutamol 5mg nebulised/i,
    drug: {
      drugName: 'Salbutamol 5mg/2.5ml nebuliser liquid unit dose vials',
      dose: { value: 5, unit: 'mg' },
      route: 'Nebulised',
    },
  },
  {
    pattern: /^Glucose 40% oral gel/i,
    drug: { drugName: 'Glucose 40% oral gel', dose: { value: 10, unit: 'g' }, route: 'Buccal' },
  },
  {
    pattern: /^Oxygen via nasal cannula 2 L\/min/i,
    drug: { drugName: 'Oxygen', dose: { value: 2, unit: 'L/min' }, route: 'Inhalation (nasal cannula)' },
  },
  {
    pattern: /^Oxygen via non-rebreathe mask/i,
    drug: {
      drugName: 'Oxygen',
      dose: { value: 15, unit: 'L/min' },
      route: 'Inhalation (non-rebreathe mask)',
    },
  },
  {
    pattern: /^Controlled oxygen 28% venturi/i,
    drug: { drugName: 'Oxygen', dose: { value: 28, unit: '%' }, route: 'Inhalation (venturi mask)' },
  },
];

/** The formulary entry for one line of treatment, or undefined for treatment that is not a drug. */
export function formularyDrug(treatment: string): FormularyEntry['drug'] | undefined {
  return FORMULARY.find((entry) => entry.pattern.test(treatment.trim()))?.drug;
}
