import type { IncomingHttpHeaders } from 'node:http';
import { UnsecuredJWT } from 'jose';
import { z } from 'zod';
import { isValidNhsNumber } from '../../core/fhir/nhs-number';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../population/code-systems';
import { plainOutcome, spineError, type GpcError } from './gpc-outcome';

export const STRUCTURED_RECORD_INTERACTION =
  'urn:nhs:names:services:gpconnect:fhir:operation:gpc.getstructuredrecord-1';

const SECTIONS = [
  'includeAllergies',
  'includeMedication',
  'includeProblems',
  'includeConsultations',
  'includeImmunisations',
  'includeInvestigations',
  'includeReferrals',
  'includeUncategorisedData',
] as const;
export type SimGpcSection = (typeof SECTIONS)[number];

export interface StructuredRecordRequest {
  readonly nhsNumber: string;
  readonly sections: ReadonlySet<SimGpcSection>;
  readonly includeResolvedAllergies: boolean;
  readonly includePrescriptionIssues: boolean;
  readonly medicationSearchFromDate?: string;
}

interface Part {
  readonly name: string;
  readonly valueIdentifier?:
    { readonly system?: string | undefined; readonly value?: string | undefined } | undefined;
  readonly valueBoolean?: boolean | undefined;
  readonly valueDate?: string | undefined;
  readonly part?: readonly Part[] | undefined;
}

const partSchema: z.ZodType<Part> = z.lazy(() =>
  z.looseObject({
    name: z.string(),
    valueIdentifier: z
      .looseObject({ system: z.string().optional(), value: z.string().optional() })
      .optional(),
    valueBoolean: z.boolean().optional(),
    valueDate: z.string().optional(),
    valueCode: z.string().optional(),
    valuePeriod: z.looseObject({}).optional(),
    valueInteger: z.number().optional(),
    part: z.array(partSchema).optional(),
  }),
);

const parametersSchema = z.looseObject({
  resourceType: z.literal('Parameters'),
  parameter: z.array(partSchema),
});

const resourceWithIdentifier = (type: string, system?: string): z.ZodType =>
  z.looseObject({
    resourceType: z.literal(type),
    identifier: z
      .array(z.looseObject({ system: z.string(), value: z.string() }))
      .refine((ids) => !system || ids.some((id) => id.system === system && id.value.length > 0)),
  });

/** The claims GP Connect requires of the consumer's access token. */
const claimsSchema = z.looseObject({
  iss: z.string().min(1),
  sub: z.string().min(1),
  aud: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  reason_for_request: z.literal('directcare'),
  requested_scope: z.enum(['patient/*.read', 'organization/*.read']),
  requesting_device: resourceWithIdentifier('Device'),
  requesting_organization: resourceWithIdentifier('Organization', ODS_SYSTEM),
  requesting_practitioner: resourceWithIdentifier('Practitioner', 'https://fhir.nhs.uk/Id/sds-user-id').and(
    z.looseObject({ id: z.string() }),
  ),
});

/** Checks the Spine headers and the access token as a provider behind the Spine Security Proxy would. */
export function checkRequestHeaders(
  headers: IncomingHttpHeaders,
  audience: string,
  now: Date,
): GpcError | null {
  const header = (name: string): string => String(headers[name.toLowerCase()] ?? '');
  if (!/^[0-9a-f-]{36}$/i.test(header('Ssp-TraceID')))
    return spineError('BAD_REQUEST', 'Ssp-TraceID is missing or invalid');
  if (!/^\d{1,12}$/.test(header('Ssp-From')) || !/^\d{1,12}$/.test(header('Ssp-To')))
    return spineError('BAD_REQUEST', 'Ssp-From and Ssp-To must be ASIDs');
  if (header('Ssp-InteractionID') !== STRUCTURED_RECORD_INTERACTION)
    return spineError('BAD_REQUEST', 'Ssp-InteractionID does not match the operation');
  const bearer = /^Bearer (\S+)$/.exec(header('Authorization'))?.[1];
  if (!bearer) return plainOutcome(401, 'A bearer token is required');
  let claims: z.infer<typeof claimsSchema>;
  try {
    const { payload } = UnsecuredJWT.decode(bearer, { currentDate: now });
    claims = claimsSchema.parse(payload);
  } catch {
    return spineError('BAD_REQUEST', 'The access token is not a valid GP Connect JWT');
  }
  if (claims.aud !== audience) return spineError('BAD_REQUEST', 'The access token names another audience');
  if (claims.exp - claims.iat > 300)
    return spineError('BAD_REQUEST', 'The access token lives longer than 5 minutes');
  if (claims.requesting_practitioner.id !== claims.sub)
    return spineError('BAD_REQUEST', 'sub must be the requesting practitioner');
  return null;
}

/** Reads the operation's Parameters as the specification defines them; errors carry the Spine code it names. */
export function parseStructuredRecordRequest(
  body: unknown,
  today: string,
): { request: StructuredRecordRequest } | { error: GpcError } {
  const parsed = parametersSchema.safeParse(body);
  if (!parsed.success)
    return { error: spineError('INVALID_RESOURCE', 'The body is not a Parameters resource') };
  const parameters = parsed.data.parameter;
  const nhs = parameters.filter((p) => p.name === 'patientNHSNumber');
  if (nhs.length !== 1 || !nhs[0]!.valueIdentifier)
    return { error: spineError('INVALID_PARAMETER', 'patientNHSNumber is required once') };
  const { system, value } = nhs[0]!.valueIdentifier;
  if (system !== NHS_NUMBER_SYSTEM)
    return { error: spineError('INVALID_IDENTIFIER_SYSTEM', 'Unknown identifier system') };
  if (!value || !isValidNhsNumber(value))
    return { error: spineError('INVALID_NHS_NUMBER', 'The NHS number is invalid') };

  const sections = new Set<SimGpcSection>();
  let includeResolvedAllergies = false;
  let includePrescriptionIssues = false;
  let medicationSearchFromDate: string | undefined;
  for (const parameter of parameters) {
    if (parameter.name === 'patientNHSNumber') continue;
    if (
      !(SECTIONS as readonly string[]).includes(parameter.name) ||
      sections.has(parameter.name as SimGpcSection)
    )
      return {
        error: spineError('INVALID_PARAMETER', `Unexpected parameter ${parameter.name.slice(0, 40)}`),
      };
    sections.add(parameter.name as SimGpcSection);
    const part = (name: string): Part | undefined => parameter.part?.find((p) => p.name === name);
    if (parameter.name === 'includeAllergies') {
      const resolved = part('includeResolvedAllergies')?.valueBoolean;
      if (resolved === undefined)
        return {
          error: spineError('INVALID_PARAMETER', 'includeAllergies requires includeResolvedAllergies'),
        };
      includeResolvedAllergies = resolved;
    }
    if (parameter.name === 'includeMedication') {
      const issues = part('includePrescriptionIssues')?.valueBoolean;
      if (issues === undefined)
        return {
          error: spineError('INVALID_PARAMETER', 'includeMedication requires includePrescriptionIssues'),
        };
      includePrescriptionIssues = issues;
      const from = part('medicationSearchFromDate');
      if (from) {
        if (!from.valueDate || !/^\d{4}-\d{2}-\d{2}$/.test(from.valueDate) || from.valueDate > today)
          return {
            error: spineError('INVALID_PARAMETER', 'medicationSearchFromDate must be a whole past date'),
          };
        medicationSearchFromDate = from.valueDate;
      }
    }
  }
  return {
    request: {
      nhsNumber: value,
      sections,
      includeResolvedAllergies,
      includePrescriptionIssues,
      ...(medicationSearchFromDate ? { medicationSearchFromDate } : {}),
    },
  };
}
