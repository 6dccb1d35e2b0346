import { OutcomeError } from '../../core/outcome-error';
import { randomUUID } from 'node:crypto';
import type { AlertKind } from '../audit/privacy-alert';
import type { Consent } from '@medplum/fhirtypes';
import type { AuditRequest } from '../audit/audit-event';
import type { AuditTrail } from '../audit/audit-trail';
import type { JournalEntry } from '../audit/journal/journal';
import { consentOrganisations, consentPatient, inForce, readObjectionConsent } from './objection-consent';

/** The objections in force for a patient: to all sharing, and/or to sharing from named organisations. */
export interface ObjectionCheck {
  /** An objection to all sharing, if one is in force. */
  readonly all?: Consent;
  /** ODS codes of source organisations the patient objects to sharing from. */
  readonly organisations: ReadonlySet<string>;
}

/** A Consent the register refuses, with each problem and the element it is about. */
export class ConsentRejected extends OutcomeError {
  constructor(readonly problems: readonly { path: string; message: string }[]) {
    super('invalid', {
      resourceType: 'OperationOutcome',
      issue: problems.map((problem) => ({
        severity: 'error' as const,
        code: 'invalid' as const,
        details: { text: `${problem.path} ${problem.message}.` },
        expression: [problem.path],
      })),
    });
    this.name = 'ConsentRejected';
  }
}

const MAX_CONSENTS_PER_PATIENT = 1000;

/**
 * Patients' objections to sharing, as FHIR Consent resources in the governance journal: each create
 * or update is a new version appended together with its AuditEvent, never an edit. The current
 * version of each Consent is the latest; a withdrawn objection is one whose status is `inactive`.
 * Checked before every fan-out (see PatientViewService).
 */
export class ObjectionRegister {
  constructor(private readonly trail: AuditTrail) {}

  async check(nhsNumber: string, at: Date): Promise<ObjectionCheck> {
    const inForceNow = (await this.current(nhsNumber)).filter((consent) => inForce(consent, at));
    const organisations = new Set<string>();
    let all: Consent | undefined;
    for (const consent of inForceNow) {
      const named = consentOrganisations(consent);
      if (named.length === 0) all ??= consent;
      for (const ods of named) organisations.add(ods);
    }
    return { ...(all ? { all } : {}), organisations };
  }

  /** The current version of every Consent about the patient, newest first. */
  async current(nhsNumber: string): Promise<Consent[]> {
    const versions = await this.trail.journal.query({
      stream: 'consent',
      patient: nhsNumber,
      order: 'newest-first',
      limit: MAX_CONSENTS_PER_PATIENT,
    });
    const latest = new Map<string, Consent>();
    for (const entry of versions) {
      const consent = entry.body as Consent;
      if (!latest.has(consent.id!)) latest.set(consent.id!, consent);
    }
    return [...latest.values()];
  }

  async read(id: string): Promise<Consent | undefined> {
    const [entry] = await this.trail.journal.query({
      stream: 'consent',
      ref: id,
      order: 'newest-first',
      limit: 1,
    });
    return entry ? (entry.body as Consent) : undefined;
  }

  /** A new Consent; `alerts` go to the privacy officer with its AuditEvent (a clinician's recording). */
  async create(
    body: unknown,
    request: AuditRequest,
    alerts: readonly { kind: AlertKind; reason?: string }[] = [],
  ): Promise<Consent> {
    const consent = this.checked(body);
    return this.write({ ...consent, id: randomUUID() }, 1, 'consent-create', 'create', request, alerts);
  }

  /** A new version of an existing Consent; undefined when there is none with that id. */
  async update(id: string, body: unknown, request: AuditRequest): Promise<Consent | undefined> {
    const consent = this.checked(body);
    if (consent.id !== undefined && consent.id !== id) {
      throw new ConsentRejected([{ path: 'Consent.id', message: 'must match the id in the URL' }]);
    }
    const previous = await this.read(id);
    if (!previous) return undefined;
    if (consentPatient(previous) !== consentPatient(consent)) {
      throw new ConsentRejected([
        {
          path: 'Consent.patient',
          message: 'cannot change: a Consent stays with its patient (record a new one instead)',
        },
      ]);
    }
    const version = Number(previous.meta?.versionId ?? '1') + 1;
    return this.write({ ...consent, id }, version, 'consent-update', 'update', request);
  }

  private checked(body: unknown): Consent {
    const result = readObjectionConsent(body);
    if (!result.ok) throw new ConsentRejected(result.problems);
    return result.consent;
  }

  private async write(
    consent: Consent,
    version: number,
    action: 'consent-create' | 'consent-update',
    interaction: 'create' | 'update',
    request: AuditRequest,
    alerts: readonly { kind: AlertKind; reason?: string }[] = [],
  ): Promise<Consent> {
    const stored: Consent = {
      ...consent,
      meta: { ...consent.meta, versionId: String(version), lastUpdated: new Date().toISOString() },
    };
    const patient = consentPatient(stored);
    const entry: Omit<JournalEntry, 'recorded' | 'seq' | 'prevHash' | 'hash'> = {
      id: randomUUID(),
      stream: 'consent',
      keys: { patient, ref: stored.id!, action, user: request.requester.userId },
      body: stored,
    };
    await this.trail.commit({
      request: { ...request, interaction },
      action,
      outcome: '0',
      patient,
      about: { reference: `Consent/${stored.id}/_history/${version}` },
      entries: [entry],
      ...(alerts.length ? { alerts } : {}),
    });
    return stored;
  }
}
