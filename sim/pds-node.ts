import type { Patient } from '@medplum/fhirtypes';
import type { Request } from 'express';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../core/fhir/systems';
import { DEMO_NHS_NUMBERS, type SimPerson } from './population/types';
import { createSimNodeBase, type RunningSimNode } from './sim-node-base';
import { mountTokenEndpoint, type RegisteredClient } from './smart-token-endpoint';

export type { RunningSimNode } from './sim-node-base';

/** A retired NHS number of the demo: PDS answers it with 9000000009's record (a merged registration). */
export const SUPERSEDED_DEMO_NUMBER = '9000000041';

/** The registered practice PDS names for every simulated person: the demo's GP source. */
export const PDS_REGISTERED_PRACTICE = 'Y90001';

export interface PdsNodeOptions {
  readonly people: readonly SimPerson[];
  /** The broker as an application on the API platform: its API key and where its public keys are. */
  readonly client: RegisteredClient;
  /** Retired NHS number → current (default: SUPERSEDED_DEMO_NUMBER → 9000000009). */
  readonly superseded?: Readonly<Record<string, string>>;
  /** NHS numbers whose record is restricted (default: 9000000025). */
  readonly restricted?: readonly string[];
  /** NHS number → date of death. */
  readonly deceased?: Readonly<Record<string, string>>;
  readonly latencyMs?: number;
  readonly port?: number;
  readonly host?: string;
}

export const PDS_BASE_PATH = '/personal-demographics/FHIR/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const ERROR_SYSTEM = 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'INVALID_VALUE',
  401: 'ACCESS_DENIED',
  403: 'FORBIDDEN',
  404: 'RESOURCE_NOT_FOUND',
  408: 'UNABLE_TO_CALL_SERVICE',
  429: 'TOO_MANY_REQUESTS',
};

/** PDS's error shape: an OperationOutcome with a Spine error code. */
export function pdsError(status: number, code = ERROR_CODES[status] ?? 'SERVICE_UNAVAILABLE'): unknown {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: status === 404 ? 'not-found' : status >= 500 ? 'exception' : 'processing',
        details: { coding: [{ system: ERROR_SYSTEM, version: '1', code, display: code }] },
      },
    ],
  };
}

function pdsPatient(person: SimPerson, options: PdsNodeOptions): Patient {
  const restricted = (options.restricted ?? [DEMO_NHS_NUMBERS.restricted]).includes(person.nhsNumber);
  const deceased = options.deceased?.[person.nhsNumber];
  return {
    resourceType: 'Patient',
    id: person.nhsNumber,
    meta: {
      versionId: '2',
      security: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
          code: restricted ? 'R' : 'U',
          display: restricted ? 'restricted' : 'unrestricted',
        },
      ],
    },
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: person.nhsNumber }],
    name: [
      { use: 'usual', family: person.family, given: [person.given], period: { start: person.birthDate } },
    ],
    gender: person.gender,
    birthDate: person.birthDate,
    ...(deceased ? { deceasedDateTime: deceased } : {}),
    // PDS itself withholds where a restricted patient lives and is registered.
    ...(restricted
      ? {}
      : {
          ...(person.address
            ? {
                address: [
                  {
                    use: 'home',
                    line: [...person.address.line, person.address.city],
                    postalCode: person.address.postalCode,
                  },
                ],
              }
            : {}),
          ...(person.phone ? { telecom: [{ system: 'phone', use: 'home', value: person.phone }] } : {}),
          generalPractitioner: [
            { type: 'Organization', identifier: { system: ODS_CODE_SYSTEM, value: PDS_REGISTERED_PRACTICE } },
          ],
        }),
  };
}

const squash = (value: string): string => value.replace(/\s+/g, '').toUpperCase();

/** How well a person matches: null when they do not, else PDS's score (1 for every input exact). */
function score(person: SimPerson, query: URLSearchParams): number | null {
  const fuzzy = query.get('_fuzzy-match') === 'true';
  const family = query.get('family') ?? '';
  const birthdate = query.get('birthdate') ?? '';
  const [, prefix = 'eq', date = ''] = /^(eq|ge|le)?(\d{4}-\d{2}-\d{2})$/.exec(birthdate) ?? [];
  const birthOk =
    prefix === 'eq'
      ? person.birthDate === date
      : prefix === 'ge'
        ? person.birthDate >= date
        : person.birthDate <= date;
  if (!birthOk) return null;
  let misses = 0;
  if (squash(person.family) !== squash(family)) {
    if (!fuzzy || squash(person.family).slice(0, 3) !== squash(family).slice(0, 3)) return null;
    misses++;
  }
  const checks: [string | null, string | undefined][] = [
    [query.get('given'), person.given],
    [query.get('gender'), person.gender],
    [query.get('address-postalcode'), person.address?.postalCode],
  ];
  for (const [asked, held] of checks) {
    if (asked === null) continue;
    if (held !== undefined && squash(asked) === squash(held)) continue;
    if (!fuzzy) return null;
    misses++;
  }
  return Math.max(0.5, 1 - misses * 0.1);
}

/**
 * A simulated Personal Demographics Service (PDS FHIR R4 API, application-restricted): a signed-JWT
 * token endpoint, `Patient/{nhs}` reads (a superseded number answers with the current record, a
 * restricted one without address, telecom or GP) and demographic search with match scores.
 */
export async function startPdsNode(options: PdsNodeOptions): Promise<RunningSimNode> {
  const people = new Map(options.people.map((p) => [p.nhsNumber, p]));
  const superseded = options.superseded ?? { [SUPERSEDED_DEMO_NUMBER]: DEMO_NHS_NUMBERS.rich };
  const base = createSimNodeBase({
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    contentType: FHIR_JSON,
    errorBody: (status) => pdsError(status),
  });
  const tokens = mountTokenEndpoint(base.app, '/oauth2/token', { clients: [options.client] });
  const requestIdCheck = (req: Request): { status: number; body: unknown } | null =>
    UUID.test(req.get('x-request-id') ?? '') ? null : { status: 400, body: pdsError(400, 'INVALID_VALUE') };

  base.app.get(`${PDS_BASE_PATH}/Patient/:id`, tokens.requireToken, (req, res) =>
    base.answer(req, res, 'patient', () => {
      const bad = requestIdCheck(req);
      if (bad) return bad;
      const id = String(req.params.id);
      if (!/^\d{10}$/.test(id)) return { status: 400, body: pdsError(400, 'INVALID_RESOURCE_ID') };
      const person = people.get(superseded[id] ?? id);
      if (!person) return { status: 404, body: pdsError(404, 'RESOURCE_NOT_FOUND') };
      return { body: pdsPatient(person, options) };
    }),
  );
  base.app.get(`${PDS_BASE_PATH}/Patient`, tokens.requireToken, (req, res) =>
    base.answer(req, res, 'search', () => {
      const bad = requestIdCheck(req);
      if (bad) return bad;
      const query = new URL(req.originalUrl, 'http://pds').searchParams;
      if (!query.get('family') || !query.get('birthdate'))
        return { status: 400, body: pdsError(400, 'MISSING_VALUE') };
      const exact = query.get('_exact-match') === 'true';
      const max = Math.min(50, Math.max(1, Number(query.get('_max-results') ?? 10) || 10));
      const matches = [...people.values()]
        .map((person) => ({ person, score: score(person, query) }))
        .filter(
          (m): m is { person: SimPerson; score: number } => m.score !== null && (!exact || m.score === 1),
        );
      if (matches.length > max) return { body: pdsError(200, 'TOO_MANY_MATCHES') };
      return {
        body: {
          resourceType: 'Bundle',
          type: 'searchset',
          timestamp: new Date().toISOString(),
          total: matches.length,
          entry: matches.map((m) => ({
            fullUrl: `${PDS_BASE_PATH}/Patient/${m.person.nhsNumber}`,
            search: { score: m.score },
            resource: pdsPatient(m.person, options),
          })),
        },
      };
    }),
  );
  return base.listen({
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host ? { host: options.host } : {}),
    path: PDS_BASE_PATH,
  });
}
