import type { Consent } from '@medplum/fhirtypes';
import { Router, type Request, type Response } from 'express';
import { OutcomeError, outcomeOf } from '../../../core/outcome-error';
import type { ObjectionRegister } from '../../governance/objection-register';
import { auditRequestOf } from '../audit-context';
import { badRequest, methodNotAllowed, notFound } from '../fhir-error';
import { nhsNumberFromPatientParam, readQueryParams } from '../fhir-params';
import { sendFhir } from '../fhir-routes';
import { readJsonBody } from '../json-body';
import { one } from './governance-params';
import { guardedBy, searchset, UUID, type GovernanceContext } from './guarded';

/** The objection register: `POST/PUT/GET /fhir/Consent` (consent-manage); consents are never deleted. */
export function consentRoutes(
  context: GovernanceContext & { readonly objections: ObjectionRegister },
): Router {
  const { trail } = context;
  const options = context;
  const guarded = guardedBy(context);
  const fhir = Router();

  const consentAnswer = (res: Response, status: number, consent: Consent, base: string): void => {
    res.setHeader('Location', `${base}/Consent/${consent.id}/_history/${consent.meta!.versionId}`);
    res.setHeader('ETag', `W/"${consent.meta!.versionId}"`);
    sendFhir(res, status, consent);
  };

  const readConsentBody = async (req: Request): Promise<unknown> => {
    const body = await readJsonBody(req, options.maxBodyBytes);
    return body;
  };

  fhir.post(
    '/Consent',
    guarded('/fhir/Consent', 'consent-manage', 'create', 'consent-create', async (req, res) => {
      const consent = await options.objections.create(
        await readConsentBody(req),
        auditRequestOf(req, res, 'create'),
      );
      consentAnswer(res, 201, consent, options.baseUrlOf(req));
    }),
  );

  fhir.put(
    '/Consent/:id',
    guarded('/fhir/Consent/:id', 'consent-manage', 'update', 'consent-update', async (req, res) => {
      const id = String(req.params.id);
      if (!UUID.test(id))
        throw notFound('There is no Consent with this id: create one with POST /fhir/Consent.');
      const consent = await options.objections.update(
        id,
        await readConsentBody(req),
        auditRequestOf(req, res, 'update'),
      );
      if (!consent) throw notFound('There is no Consent with this id: create one with POST /fhir/Consent.');
      consentAnswer(res, 200, consent, options.baseUrlOf(req));
    }),
  );

  fhir.get(
    '/Consent/:id',
    guarded('/fhir/Consent/:id', 'consent-manage', 'read', 'consent-read', async (req, res) => {
      const id = String(req.params.id);
      const consent = UUID.test(id) ? await options.objections.read(id) : undefined;
      if (!consent) throw notFound('There is no Consent with this id.');
      await trail.commit({
        request: auditRequestOf(req, res, 'read'),
        action: 'consent-read',
        outcome: '0',
        patient: consent.patient!.identifier!.value!,
        about: { reference: `Consent/${id}` },
      });
      consentAnswer(res, 200, consent, options.baseUrlOf(req));
    }),
  );

  fhir.get(
    '/Consent',
    guarded('/fhir/Consent', 'consent-manage', 'search-type', 'consent-search', async (req, res) => {
      const params = readQueryParams(req, ['patient']);
      const value = one(params, 'patient');
      if (value === undefined) throw badRequest('Search Consent by patient={NHS number}.', 'patient');
      const patient = nhsNumberFromPatientParam(value);
      await trail.commit({
        request: auditRequestOf(req, res, 'search-type'),
        action: 'consent-search',
        outcome: '0',
        patient,
      });
      const consents = await options.objections.current(patient);
      const base = options.baseUrlOf(req);
      sendFhir(res, 200, searchset(consents, base, `${base}/Consent?patient=${patient}`));
    }),
  );

  fhir.all('/Consent/:id', () => {
    throw new OutcomeError(
      'method-not-allowed',
      outcomeOf(
        'method-not-allowed',
        'Consents are never deleted: withdraw an objection with PUT, setting status to inactive.',
      ),
      { headers: { Allow: 'GET, PUT' } },
    );
  });
  fhir.all('/Consent', () => {
    throw methodNotAllowed('GET, POST');
  });
  return fhir;
}
