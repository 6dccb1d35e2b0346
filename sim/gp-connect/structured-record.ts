import type {
  AllergyIntolerance,
  Condition,
  MedicationStatement,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import type { NodeRecord } from '../population/types';
import { allergyToStu3, problemToStu3 } from './clinical-to-stu3';
import { medicationToStu3 } from './medication-to-stu3';
import { diagnosticReports, observationToStu3 } from './observation-to-stu3';
import { patientToStu3 } from './patient-to-stu3';
import { practiceOrganization, practitioners } from './practice-directory';
import { SIMULATED_LIST_WARNINGS, sectionList, type GpcListKey } from './section-lists';
import type { StructuredRecordRequest } from './structured-record-request';

interface Stu3 {
  readonly resourceType: string;
  readonly id?: string;
}

/**
 * The practice's answer to `$gpc.getstructuredrecord`: a STU3 collection Bundle with the Patient, the practice,
 * the clinicians referred to, and for each asked-for area its List and items. The population's GP record holds
 * problems, medications, allergies and observations; its consultation, immunisation and referral lists are empty.
 * Appointments and alerts are not part of GP Connect Access Record: Structured and are not sent.
 */
export function structuredRecord(
  record: NodeRecord,
  request: StructuredRecordRequest,
  options: { readonly now: Date; readonly extra?: readonly Stu3[] },
): object {
  const patient = patientToStu3(record.patient) as Stu3;
  const patientId = record.localId;
  const date = options.now.toISOString();
  const warnings = SIMULATED_LIST_WARNINGS.get(request.nhsNumber) ?? {};
  const entries: Stu3[] = [patient, practiceOrganization() as Stu3];
  const of = <T extends Resource>(type: T['resourceType']): T[] =>
    record.resources.filter((r): r is T => r.resourceType === type);
  const addList = (key: GpcListKey, items: readonly Stu3[], listed: readonly Stu3[] = items): void => {
    const warning = warnings[key];
    entries.push(
      sectionList({
        key,
        patientId,
        items: listed.map((item) => `${item.resourceType}/${item.id ?? ''}`),
        date,
        ...(warning ? { warning } : {}),
      }) as Stu3,
      ...items,
    );
  };

  if (request.sections.has('includeAllergies')) {
    const allergies = of<AllergyIntolerance>('AllergyIntolerance');
    const ended = (a: AllergyIntolerance): boolean =>
      ['inactive', 'resolved'].includes(a.clinicalStatus?.coding?.[0]?.code ?? '');
    addList('allergies', allergies.filter((a) => !ended(a)).map(allergyToStu3) as Stu3[]);
    if (request.includeResolvedAllergies)
      addList('endedAllergies', allergies.filter(ended).map(allergyToStu3) as Stu3[]);
  }
  if (request.sections.has('includeMedication')) {
    const from = request.medicationSearchFromDate;
    const statements = of<MedicationStatement>('MedicationStatement').filter((s) => activeSince(s, from));
    const triples = statements.map((s) => medicationToStu3(s) as Stu3[]);
    addList(
      'medications',
      triples.flat(),
      triples.map((t) => t[0]!),
    );
  }
  if (request.sections.has('includeProblems'))
    addList('problems', of<Condition>('Condition').map(problemToStu3) as Stu3[]);
  if (request.sections.has('includeConsultations')) addList('consultations', []);
  if (request.sections.has('includeImmunisations')) addList('immunisations', []);
  const observations = of<Observation>('Observation');
  const isLab = (o: Observation): boolean =>
    o.category?.some((c) => c.coding?.[0]?.code === 'laboratory') ?? false;
  if (request.sections.has('includeInvestigations')) {
    const labs = observations.filter(isLab);
    const filed = diagnosticReports(labs, `Patient/${patientId}`) as Stu3[];
    const reports = filed.filter((r) => r.resourceType === 'DiagnosticReport');
    addList('investigations', [...filed, ...(labs.map(observationToStu3) as Stu3[])], reports);
  }
  if (request.sections.has('includeReferrals')) addList('referrals', []);
  if (request.sections.has('includeUncategorisedData'))
    addList('uncategorised', observations.filter((o) => !isLab(o)).map(observationToStu3) as Stu3[]);

  entries.push(...(options.extra ?? []));
  entries.splice(2, 0, ...(practitioners(referencedPractitioners(entries)) as Stu3[]));
  return {
    resourceType: 'Bundle',
    meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1'] },
    type: 'collection',
    entry: entries.map((resource) => ({ resource })),
  };
}

/** Repeats are ongoing; a medication is active from its start to its end (GP Connect's search date rule). */
function activeSince(statement: MedicationStatement, from: string | undefined): boolean {
  if (!from) return true;
  const end = statement.effectivePeriod?.end;
  return end === undefined || end.slice(0, 10) >= from;
}

function referencedPractitioners(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => referencedPractitioners(item, found));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'reference' && typeof inner === 'string' && inner.startsWith('Practitioner/'))
        found.add(inner.slice('Practitioner/'.length));
      else referencedPractitioners(inner, found);
    }
  }
  return found;
}

/** One item of a record, in GP Connect's form: what a source that mixed up records might add to another's. */
export function itemToStu3(resource: Resource): Stu3[] {
  switch (resource.resourceType) {
    case 'AllergyIntolerance':
      return [allergyToStu3(resource) as Stu3];
    case 'Condition':
      return [problemToStu3(resource) as Stu3];
    case 'MedicationStatement':
      return medicationToStu3(resource) as Stu3[];
    case 'Observation':
      return [observationToStu3(resource) as Stu3];
    default:
      return [];
  }
}
