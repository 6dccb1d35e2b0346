import type { PathologyPanelKey } from './pathology';

/** How ill someone looks on arrival: drives the vital signs an ambulance crew or ED records. */
export type PhysiologyPattern =
  'stable' | 'respiratory' | 'septic' | 'cardiac' | 'neurological' | 'hypoglycaemic';

/** An unplanned presentation: what ambulance crews and emergency departments see. SNOMED CT codes. */
export interface Presentation {
  readonly code: string;
  readonly display: string;
  /** The complaint in the patient's or caller's words. */
  readonly complaint: string;
  readonly minAge: number;
  readonly weight: number;
  readonly physiology: PhysiologyPattern;
  /** Admitted (inpatient) rather than discharged from the emergency department. */
  readonly admitted: boolean;
  readonly ward: string;
  readonly preHospitalTreatment: readonly string[];
  readonly hospitalTreatment: string;
  readonly panels: readonly PathologyPanelKey[];
}

export const PRESENTATIONS = {
  'chest-pain': {
    code: '29857009',
    display: 'Chest pain',
    complaint: 'Central chest pain for two hours',
    minAge: 30,
    weight: 8,
    physiology: 'cardiac',
    admitted: false,
    ward: 'Acute Medical Unit',
    preHospitalTreatment: [
      'Aspirin 300mg chewed',
      'GTN spray 400 micrograms sublingual',
      '12-lead ECG recorded',
    ],
    hospitalTreatment: 'Serial high-sensitivity troponin, ECG monitoring',
    panels: ['full-blood-count', 'urea-electrolytes'],
  },
  breathlessness: {
    code: '267036007',
    display: 'Dyspnea',
    complaint: 'Increasingly short of breath since yesterday',
    minAge: 18,
    weight: 7,
    physiology: 'respiratory',
    admitted: false,
    ward: 'Acute Medical Unit',
    preHospitalTreatment: ['Oxygen via nasal cannula 2 L/min', 'Salbutamol 5mg nebulised'],
    hospitalTreatment: 'Nebulised bronchodilators, chest X-ray',
    panels: ['full-blood-count', 'inflammation'],
  },
  pneumonia: {
    code: '385093006',
    display: 'Community acquired pneumonia',
    complaint: 'Cough, fever and breathlessness for three days',
    minAge: 18,
    weight: 5,
    physiology: 'septic',
    admitted: true,
    ward: 'Respiratory Ward 7',
    preHospitalTreatment: ['Oxygen via non-rebreathe mask', 'Sepsis screen completed'],
    hospitalTreatment: 'Intravenous antibiotics per local guideline, oxygen',
    panels: ['full-blood-count', 'urea-electrolytes', 'inflammation'],
  },
  'urinary-tract-infection': {
    code: '68566005',
    display: 'Urinary tract infectious disease',
    complaint: 'Confusion and fever, reduced oral intake',
    minAge: 16,
    weight: 4,
    physiology: 'septic',
    admitted: true,
    ward: 'Elderly Care Ward 3',
    preHospitalTreatment: ['Sepsis screen completed', 'Paracetamol 1g oral'],
    hospitalTreatment: 'Antibiotics guided by urine culture, intravenous fluids',
    panels: ['full-blood-count', 'urea-electrolytes', 'inflammation'],
  },
  fall: {
    code: '161898004',
    display: 'Falls',
    complaint: 'Found on the floor at home after a fall',
    minAge: 60,
    weight: 9,
    physiology: 'stable',
    admitted: false,
    ward: 'Frailty Unit',
    preHospitalTreatment: ['Falls assessment', 'Assisted from floor with lifting cushion'],
    hospitalTreatment: 'Falls assessment, lying and standing blood pressure',
    panels: ['full-blood-count', 'urea-electrolytes'],
  },
  'hip-fracture': {
    code: '5913000',
    display: 'Fracture of neck of femur',
    complaint: 'Fall with pain in the right hip, unable to weight bear',
    minAge: 65,
    weight: 2,
    physiology: 'stable',
    admitted: true,
    ward: 'Trauma and Orthopaedics Ward 4',
    preHospitalTreatment: ['Morphine 5mg intravenous', 'Scoop stretcher and vacuum mattress'],
    hospitalTreatment: 'Hemiarthroplasty on the trauma list',
    panels: ['full-blood-count', 'urea-electrolytes'],
  },
  syncope: {
    code: '271594007',
    display: 'Syncope',
    complaint: 'Collapsed briefly while standing in the kitchen',
    minAge: 16,
    weight: 4,
    physiology: 'stable',
    admitted: false,
    ward: 'Acute Medical Unit',
    preHospitalTreatment: ['12-lead ECG recorded', 'Lying and standing blood pressure'],
    hospitalTreatment: 'ECG, orthostatic observations',
    panels: ['full-blood-count', 'urea-electrolytes'],
  },
  seizure: {
    code: '91175000',
    display: 'Seizure',
    complaint: 'Generalised seizure witnessed by partner, lasting three minutes',
    minAge: 2,
    weight: 2,
    physiology: 'neurological',
    admitted: false,
    ward: 'Acute Medical Unit',
    preHospitalTreatment: ['Airway positioned', 'Capillary glucose checked'],
    hospitalTreatment: 'Observation, neurology referral',
    panels: ['full-blood-count', 'urea-electrolytes'],
  },
  hypoglycaemia: {
    code: '302866003',
    display: 'Hypoglycemia',
    complaint: 'Drowsy and sweaty, known diabetic',
    minAge: 10,
    weight: 2,
    physiology: 'hypoglycaemic',
    admitted: false,
    ward: 'Acute Medical Unit',
    preHospitalTreatment: ['Glucose 40% oral gel', 'Capillary glucose rechecked'],
    hospitalTreatment: 'Oral carbohydrate, diabetes team review',
    panels: ['urea-electrolytes', 'diabetes'],
  },
  'head-injury': {
    code: '82271004',
    display: 'Injury of head',
    complaint: 'Hit head on a kitchen cupboard, brief dizziness',
    minAge: 0,
    weight: 3,
    physiology: 'stable',
    admitted: false,
    ward: 'Emergency Department',
    preHospitalTreatment: ['Neurological observations'],
    hospitalTreatment: 'Head injury observations, CT head not indicated',
    panels: [],
  },
  cellulitis: {
    code: '128045006',
    display: 'Cellulitis',
    complaint: 'Red, hot, swollen left lower leg',
    minAge: 16,
    weight: 3,
    physiology: 'stable',
    admitted: true,
    ward: 'Acute Medical Unit',
    preHospitalTreatment: ['Limb elevated'],
    hospitalTreatment: 'Antibiotics, limb elevation, skin marked',
    panels: ['full-blood-count', 'inflammation'],
  },
  'copd-exacerbation': {
    code: '195951007',
    display: 'Acute exacerbation of chronic obstructive airways disease',
    complaint: 'Worsening breathlessness and green sputum',
    minAge: 45,
    weight: 3,
    physiology: 'respiratory',
    admitted: true,
    ward: 'Respiratory Ward 7',
    preHospitalTreatment: ['Controlled oxygen 28% venturi', 'Salbutamol 5mg nebulised'],
    hospitalTreatment: 'Nebulisers, oral prednisolone, antibiotics',
    panels: ['full-blood-count', 'urea-electrolytes', 'inflammation'],
  },
  'abdominal-pain': {
    code: '21522001',
    display: 'Abdominal pain',
    complaint: 'Right-sided abdominal pain since this morning',
    minAge: 5,
    weight: 4,
    physiology: 'stable',
    admitted: false,
    ward: 'Surgical Assessment Unit',
    preHospitalTreatment: ['Paracetamol 1g oral'],
    hospitalTreatment: 'Analgesia, surgical review, ultrasound booked',
    panels: ['full-blood-count', 'liver-function', 'inflammation'],
  },
  fever: {
    code: '386661006',
    display: 'Fever',
    complaint: 'High temperature since last night, drinking less',
    minAge: 0,
    weight: 2,
    physiology: 'septic',
    admitted: false,
    ward: 'Paediatric Assessment Unit',
    preHospitalTreatment: ['Paracetamol oral suspension', 'Sepsis screen completed'],
    hospitalTreatment: 'Observation, fluids, safety-netting advice',
    panels: ['full-blood-count', 'inflammation'],
  },
  'ankle-sprain': {
    code: '44465007',
    display: 'Sprain of ankle',
    complaint: 'Twisted ankle playing football',
    minAge: 8,
    weight: 3,
    physiology: 'stable',
    admitted: false,
    ward: 'Emergency Department',
    preHospitalTreatment: ['Ice pack and elevation'],
    hospitalTreatment: 'Ottawa rules applied, no X-ray needed, crutches supplied',
    panels: [],
  },
} as const satisfies Record<string, Presentation>;

export type PresentationKey = keyof typeof PRESENTATIONS;
export const PRESENTATION_KEYS = Object.keys(PRESENTATIONS) as PresentationKey[];

export function presentationsFor(age: number): PresentationKey[] {
  return PRESENTATION_KEYS.filter((key) => PRESENTATIONS[key].minAge <= age);
}
