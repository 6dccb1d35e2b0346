import type { CodeableConcept, Coding, DocumentReference } from '@medplum/fhirtypes';
import { toInstant } from '../clock';
import { LOINC, snomed } from '../code-systems';
import { organisationReference } from '../organisations';
import { displayReference, localReference, resourceMeta, type RecordContext } from '../record-context';

/** Document types: SNOMED CT record artefacts (and LOINC document ontology, as some regions send). */
export const DOCUMENT_TYPES = {
  dischargeSummary: snomed('373942005', 'Discharge summary'),
  clinicLetter: snomed('371530004', 'Clinical consultation report'),
  encounterReport: snomed('371531000', 'Report of clinical encounter'),
  loincDischargeSummary: {
    coding: [{ system: LOINC, code: '18842-5', display: 'Discharge summary' }],
    text: 'Discharge summary',
  },
  loincConsultNote: {
    coding: [{ system: LOINC, code: '11488-4', display: 'Consult note' }],
    text: 'Consult note',
  },
} as const satisfies Record<string, CodeableConcept>;
export type DocumentTypeKey = keyof typeof DOCUMENT_TYPES;

export interface DocumentSpec {
  readonly type: DocumentTypeKey;
  readonly title: string;
  readonly description?: string;
  /** The letter as plain text; it is sent base64-encoded, as an attachment. */
  readonly text: string;
  readonly dateMs: number;
  readonly author: string;
  readonly encounterId?: string;
  readonly periodStartMs?: number;
  readonly periodEndMs?: number;
  readonly security?: readonly Coding[];
  /** Also served as a PDF by URL (`Binary/{id}-pdf` on the node), as trusts' document stores do. */
  readonly pdf?: boolean;
}

export function buildDocumentReference(context: RecordContext, spec: DocumentSpec): DocumentReference {
  const data = Buffer.from(spec.text, 'utf8');
  const document: DocumentReference = {
    resourceType: 'DocumentReference',
    id: context.nextId('DocumentReference'),
    meta: resourceMeta(context, spec.dateMs, spec.security),
    status: 'current',
    docStatus: 'final',
    type: DOCUMENT_TYPES[spec.type],
    subject: context.patient,
    date: toInstant(Math.min(spec.dateMs, context.referenceMs)),
    author: [displayReference(spec.author)],
    custodian: organisationReference(context.organisation),
    description: spec.description ?? spec.title,
    content: [
      {
        attachment: {
          contentType: 'text/plain',
          language: 'en-GB',
          data: data.toString('base64'),
          size: data.length,
          title: spec.title,
          creation: toInstant(Math.min(spec.dateMs, context.referenceMs)),
        },
      },
    ],
  };
  if (spec.pdf) {
    document.content.push({
      attachment: {
        contentType: 'application/pdf',
        language: 'en-GB',
        url: `Binary/${document.id ?? ''}-pdf`,
        title: `${spec.title}.pdf`,
        creation: toInstant(Math.min(spec.dateMs, context.referenceMs)),
      },
    });
  }
  if (spec.security && spec.security.length > 0) document.securityLabel = [{ coding: [...spec.security] }];
  if (spec.encounterId || spec.periodStartMs !== undefined) {
    document.context = {};
    if (spec.encounterId) document.context.encounter = [localReference('Encounter', spec.encounterId)];
    if (spec.periodStartMs !== undefined) {
      document.context.period = {
        start: toInstant(spec.periodStartMs),
        ...(spec.periodEndMs === undefined ? {} : { end: toInstant(spec.periodEndMs) }),
      };
    }
  }
  return document;
}
