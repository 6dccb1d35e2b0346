/** Plain-text letter templates: what a discharge summary, clinic letter or handover note says. */
// prettier-ignore
const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

export function longDate(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? ''} ${date.getUTCFullYear()}`;
}

function time(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** Who the letter is about and who writes it. */
export interface LetterHeader {
  readonly organisation: string;
  readonly patientName: string;
  readonly nhsNumber: string;
  readonly birthDate: string;
  readonly author: string;
  readonly recipient: string;
  readonly dateMs: number;
}

function header(title: string, letter: LetterHeader): string[] {
  const nhs = `${letter.nhsNumber.slice(0, 3)} ${letter.nhsNumber.slice(3, 6)} ${letter.nhsNumber.slice(6)}`;
  return [
    letter.organisation.toUpperCase(),
    title,
    '',
    `Date: ${longDate(letter.dateMs)}`,
    `To: ${letter.recipient}`,
    `Patient: ${letter.patientName}   DOB: ${letter.birthDate}   NHS No: ${nhs}`,
    '',
  ];
}

function list(items: readonly string[]): string[] {
  return items.length === 0 ? ['- None'] : items.map((item) => `- ${item}`);
}

export interface DischargeSummaryDetails {
  readonly admittedMs: number;
  readonly dischargedMs: number;
  readonly ward: string;
  readonly presentingComplaint: string;
  readonly diagnoses: readonly string[];
  readonly investigations: readonly string[];
  readonly medications: readonly string[];
  readonly followUp: string;
  readonly gpActions: readonly string[];
}

export function dischargeSummaryText(letter: LetterHeader, details: DischargeSummaryDetails): string {
  return [
    ...header('INPATIENT DISCHARGE SUMMARY', letter),
    `Admitted: ${longDate(details.admittedMs)}   Discharged: ${longDate(details.dischargedMs)}   Ward: ${details.ward}`,
    '',
    `Presenting complaint: ${details.presentingComplaint}`,
    '',
    'Diagnoses this admission:',
    ...list(details.diagnoses),
    '',
    'Key investigations:',
    ...list(details.investigations),
    '',
    'Medicines on discharge:',
    ...list(details.medications),
    '',
    `Follow-up: ${details.followUp}`,
    '',
    'Actions for GP:',
    ...list(details.gpActions),
    '',
    `Signed: ${letter.author}`,
  ].join('\n');
}

export interface ClinicLetterDetails {
  readonly clinic: string;
  readonly diagnoses: readonly string[];
  readonly history: string;
  readonly examination: string;
  readonly plan: readonly string[];
}

export function clinicLetterText(letter: LetterHeader, details: ClinicLetterDetails): string {
  return [
    ...header(`${details.clinic.toUpperCase()} - CLINIC LETTER`, letter),
    'Dear Colleague,',
    '',
    `I reviewed ${letter.patientName} in the ${details.clinic} clinic today.`,
    '',
    'Diagnoses:',
    ...list(details.diagnoses),
    '',
    `History: ${details.history}`,
    `Examination: ${details.examination}`,
    '',
    'Plan:',
    ...list(details.plan),
    '',
    'Yours sincerely,',
    letter.author,
  ].join('\n');
}

export interface AttendanceLetterDetails {
  readonly arrivedMs: number;
  readonly department: string;
  readonly presentingComplaint: string;
  readonly diagnosis: string;
  readonly treatment: string;
  readonly outcome: string;
}

export function attendanceLetterText(letter: LetterHeader, details: AttendanceLetterDetails): string {
  return [
    ...header(`${details.department.toUpperCase()} ATTENDANCE`, letter),
    `Arrived: ${longDate(details.arrivedMs)} ${time(details.arrivedMs)}`,
    `Presenting complaint: ${details.presentingComplaint}`,
    `Diagnosis: ${details.diagnosis}`,
    `Treatment: ${details.treatment}`,
    `Outcome: ${details.outcome}`,
    '',
    `Clinician: ${letter.author}`,
  ].join('\n');
}

export interface HandoverDetails {
  readonly incident: string;
  readonly callMs: number;
  readonly atPatientMs: number;
  readonly handoverMs: number;
  readonly observations: readonly string[];
  readonly news2: number;
  readonly impression: string;
  readonly treatment: readonly string[];
  readonly destination: string;
}

export function handoverNoteText(letter: LetterHeader, details: HandoverDetails): string {
  return [
    ...header('PATIENT HANDOVER (ATMIST)', letter),
    `Age/identity: ${letter.patientName}, DOB ${letter.birthDate}`,
    `Time of call: ${time(details.callMs)}   At patient: ${time(details.atPatientMs)}   Handover: ${time(details.handoverMs)}`,
    `Mechanism / incident: ${details.incident}`,
    `Impression: ${details.impression}`,
    'Signs:',
    ...list(details.observations),
    `NEWS2: ${details.news2}`,
    'Treatment given:',
    ...list(details.treatment),
    `Conveyed to: ${details.destination}`,
    '',
    `Crew: ${letter.author}`,
  ].join('\n');
}
