import {
  ACVPU_CODES,
  EPCR_SEXES,
  type Conveyance,
  type DrugAdministration,
  type EpcrPatient,
  type Incident,
  type IncidentPage,
  type ObservationSet,
  type PatientSearchResponse,
} from './epcr-schema';

/*
 * Plain checks of the ePCR bodies where they stand, instead of a zod parse of each: the schemas ran their
 * machinery and copied every incident of every page, a measurable part of the broker's cost per view. Each
 * check accepts exactly what its schema in epcr-schema.ts accepts (epcr-checks.test.ts holds the two side by
 * side); the schemas stay as the documented contract and the source of the types. Unknown fields are left in
 * place rather than stripped: nothing downstream reads them.
 */

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
/** zod's number: finite, never NaN. */
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
/** zod's int: a safe integer. */
const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);
const optional = (value: unknown, check: (value: unknown) => boolean): boolean =>
  value === undefined || check(value);
const isArrayOf = (value: unknown, check: (item: unknown) => boolean): value is unknown[] =>
  Array.isArray(value) && value.every(check);
const isOneOf = (value: unknown, allowed: readonly string[]): boolean =>
  typeof value === 'string' && allowed.includes(value);

const SCT_OR_DMD_CODE = /^\d{6,18}$/;
const DATE = /^\d{4}-\d\d-\d\d$/;
/** RFC 3339 with seconds (any fraction) and a `Z` or `±hh:mm` offset, as zod's `iso.datetime({ offset: true })`. */
const INSTANT =
  /^\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** The number written by `count` ASCII digits from `from` (the patterns above have checked they are digits). */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
}

/**
 * Whether the `yyyy-mm-dd` that starts a matched date or instant is a day of the Gregorian calendar (29 February
 * only in leap years). Read digit by digit: it runs for every time of every incident.
 */
function isCalendarDay(text: string): boolean {
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

const isDate = (value: unknown): value is string =>
  isString(value) && DATE.test(value) && isCalendarDay(value);
const isInstant = (value: unknown): value is string =>
  isString(value) && INSTANT.test(value) && isCalendarDay(value);
const isCode = (value: unknown): boolean => isString(value) && SCT_OR_DMD_CODE.test(value);

function isEpcrPatient(value: unknown): value is EpcrPatient {
  return (
    isObject(value) &&
    isNonEmptyString(value.patientId) &&
    isString(value.nhsNumber) &&
    isBoolean(value.nhsNumberVerified) &&
    isObject(value.name) &&
    isArrayOf(value.name.given, isString) &&
    isString(value.name.family) &&
    isDate(value.dateOfBirth) &&
    isOneOf(value.sex, EPCR_SEXES)
  );
}

export function isPatientSearchResponse(body: unknown): body is PatientSearchResponse {
  return isObject(body) && isArrayOf(body.patients, isEpcrPatient);
}

function isObservationSet(value: unknown): value is ObservationSet {
  return (
    isObject(value) &&
    isInstant(value.takenAt) &&
    optional(value.respiratoryRate, isNumber) &&
    optional(value.spo2, isNumber) &&
    optional(value.spo2Scale, (scale) => scale === 1 || scale === 2) &&
    optional(value.onSupplementalOxygen, isBoolean) &&
    optional(value.systolicBp, isNumber) &&
    optional(value.diastolicBp, isNumber) &&
    optional(value.heartRate, isNumber) &&
    optional(value.consciousness, (code) => isOneOf(code, ACVPU_CODES)) &&
    optional(value.temperatureC, isNumber) &&
    optional(value.gcsTotal, isInteger) &&
    optional(value.bloodGlucoseMmolL, isNumber) &&
    optional(value.painScore, isInteger) &&
    optional(value.news2Score, isInteger)
  );
}

function isDrugAdministration(value: unknown): value is DrugAdministration {
  return (
    isObject(value) &&
    isNonEmptyString(value.drugName) &&
    optional(value.dmdCode, isCode) &&
    isObject(value.dose) &&
    isNumber(value.dose.value) &&
    isNonEmptyString(value.dose.unit) &&
    isNonEmptyString(value.route) &&
    isInstant(value.administeredAt) &&
    isNonEmptyString(value.administeredBy)
  );
}

function isConveyance(value: unknown): value is Conveyance {
  return (
    isObject(value) &&
    isBoolean(value.conveyed) &&
    optional(
      value.destination,
      (destination) =>
        isObject(destination) &&
        isNonEmptyString(destination.name) &&
        optional(destination.odsCode, isString),
    ) &&
    optional(value.reasonNotConveyed, isString)
  );
}

/** One incident of a page, checked on its own so that one record the adapter cannot read does not hide the others. */
export function isIncident(value: unknown): value is Incident {
  return (
    isObject(value) &&
    isNonEmptyString(value.incidentId) &&
    isNonEmptyString(value.patientId) &&
    isInstant(value.callReceivedAt) &&
    isInstant(value.atPatientAt) &&
    optional(value.leftSceneAt, isInstant) &&
    optional(value.handoverAt, isInstant) &&
    isInteger(value.category) &&
    value.category >= 1 &&
    value.category <= 5 &&
    isObject(value.location) &&
    isString(value.location.description) &&
    optional(value.location.postcodeDistrict, isString) &&
    isString(value.presentingComplaint) &&
    isObject(value.clinicalImpression) &&
    isNonEmptyString(value.clinicalImpression.text) &&
    optional(value.clinicalImpression.snomedCode, isCode) &&
    isArrayOf(value.observations, isObservationSet) &&
    isArrayOf(value.drugsAdministered, isDrugAdministration) &&
    isConveyance(value.conveyance) &&
    optional(value.handoverNote, isString) &&
    isArrayOf(value.crew, (member) => isObject(member) && isNonEmptyString(member.role)) &&
    isInstant(value.lastUpdated)
  );
}

/** A page's envelope; its incidents are checked one by one with `isIncident`. */
export function isIncidentPage(body: unknown): body is IncidentPage {
  return (
    isObject(body) &&
    Array.isArray(body.incidents) &&
    (body.nextCursor === undefined || body.nextCursor === null || isNonEmptyString(body.nextCursor))
  );
}
