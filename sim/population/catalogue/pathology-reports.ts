import type { CodeableConcept } from '@medplum/fhirtypes';
import { LOINC, SNOMED } from '../code-systems';
import { PATHOLOGY_PANELS, PATHOLOGY_TESTS, type PathologyKey, type PathologyPanelKey } from './pathology';

/** How a UK laboratory names and files each panel: the report's name, its section and its sample. */
export interface PanelReport {
  readonly name: string;
  /** LOINC panel code where one is in common use; else the report is named in text only, as many labs do. */
  readonly loinc?: { readonly code: string; readonly display: string };
  /** HL7 v2 table 0074 diagnostic service section. */
  readonly section: 'HM' | 'CH';
  readonly specimen: 'blood' | 'serum';
}

export const PANEL_REPORTS: Readonly<Record<PathologyPanelKey, PanelReport>> = {
  'full-blood-count': {
    name: 'Full blood count',
    loinc: { code: '58410-2', display: 'CBC panel - Blood by Automated count' },
    section: 'HM',
    specimen: 'blood',
  },
  'urea-electrolytes': {
    name: 'Urea and electrolytes',
    loinc: { code: '24362-6', display: 'Renal function 2000 panel - Serum or Plasma' },
    section: 'CH',
    specimen: 'serum',
  },
  'liver-function': {
    name: 'Liver function tests',
    loinc: { code: '24325-3', display: 'Hepatic function 2000 panel - Serum or Plasma' },
    section: 'CH',
    specimen: 'serum',
  },
  lipids: { name: 'Lipid profile', section: 'CH', specimen: 'serum' },
  thyroid: { name: 'Thyroid function tests', section: 'CH', specimen: 'serum' },
  diabetes: { name: 'HbA1c', section: 'CH', specimen: 'blood' },
  inflammation: { name: 'C-reactive protein', section: 'CH', specimen: 'serum' },
  iron: { name: 'Ferritin', section: 'CH', specimen: 'serum' },
};

export const SPECIMEN_TYPES: Readonly<Record<PanelReport['specimen'], CodeableConcept>> = {
  blood: { coding: [{ system: SNOMED, code: '119297000', display: 'Blood specimen' }], text: 'Blood' },
  serum: { coding: [{ system: SNOMED, code: '119364003', display: 'Serum specimen' }], text: 'Serum' },
};

export const SECTION_DISPLAY = { HM: 'Hematology', CH: 'Chemistry' } as const;

/** The panel a test is reported in, found by its LOINC code. */
export function panelOfLoinc(code: string | undefined): PathologyPanelKey | undefined {
  for (const [panel, tests] of Object.entries(PATHOLOGY_PANELS) as [
    PathologyPanelKey,
    readonly PathologyKey[],
  ][])
    if (tests.some((test) => PATHOLOGY_TESTS[test]?.loinc === code)) return panel;
  return undefined;
}

/** The report's name as a concept: the LOINC panel where there is one, the laboratory's name as text. */
export function panelConcept(panel: PanelReport): CodeableConcept {
  return panel.loinc
    ? { coding: [{ system: LOINC, code: panel.loinc.code, display: panel.loinc.display }], text: panel.name }
    : { text: panel.name };
}
