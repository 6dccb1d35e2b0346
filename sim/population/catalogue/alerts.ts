import type { FlagSpec } from '../builders/flag';

/** An alert as a source words it; coded in SNOMED CT where systems usually code it. */
export type AlertConcept = Pick<FlagSpec, 'category' | 'text' | 'snomed'> & { readonly minAge: number };

/** Alerts a GP system shows on opening the record. */
export const GP_ALERTS = {
  'hearing-impaired': {
    category: 'contact',
    text: 'Hearing impaired - face the patient when speaking',
    snomed: { code: '15188001', display: 'Hearing loss' },
    minAge: 40,
  },
  'visually-impaired': {
    category: 'contact',
    text: 'Visually impaired - large print letters',
    snomed: { code: '397540003', display: 'Visual impairment' },
    minAge: 50,
  },
  'lives-alone': {
    category: 'clinical',
    text: 'Lives alone',
    snomed: { code: '105529008', display: 'Lives alone' },
    minAge: 60,
  },
  carer: { category: 'admin', text: 'Is a carer for spouse', minAge: 25 },
  'learning-disability': {
    category: 'clinical',
    text: 'Learning disability - offer longer appointments and easy read information',
    snomed: { code: '110359009', display: 'Intellectual disability' },
    minAge: 5,
  },
  interpreter: { category: 'contact', text: 'Requires interpreter (Polish)', minAge: 18 },
  dnacpr: { category: 'clinical', text: 'DNACPR decision in place - see ReSPECT form', minAge: 75 },
  aggression: {
    category: 'safety',
    text: 'Do not see alone - previous aggression towards staff',
    minAge: 18,
  },
} as const satisfies Record<string, AlertConcept>;
export type GpAlertKey = keyof typeof GP_ALERTS;
export const GP_ALERT_KEYS = Object.keys(GP_ALERTS) as GpAlertKey[];

/** Risk alerts of a mental health trust: free text, as most mental health EPRs hold them. */
export const MENTAL_HEALTH_RISKS = {
  'self-harm': { category: 'safety', text: 'Risk of self-harm - see risk assessment', minAge: 12 },
  suicide: { category: 'safety', text: 'Risk of suicide - follow crisis plan', minAge: 14 },
  'risk-to-others': { category: 'safety', text: 'Risk to others - two staff for home visits', minAge: 18 },
  safeguarding: { category: 'safety', text: 'Safeguarding concern - vulnerable adult', minAge: 18 },
  'self-neglect': { category: 'clinical', text: 'Risk of self-neglect', minAge: 18 },
} as const satisfies Record<string, AlertConcept>;
export type MentalHealthRiskKey = keyof typeof MENTAL_HEALTH_RISKS;
export const MENTAL_HEALTH_RISK_KEYS = Object.keys(MENTAL_HEALTH_RISKS) as MentalHealthRiskKey[];
