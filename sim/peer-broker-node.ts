import express from 'express';
import type { Bundle, BundleEntry, Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../core/fhir/systems';
import { CALLER_ALLOWLIST, startNeighbouringRegion } from './neighbouring-region';
import type { NodeDataset } from './population/types';
import { createSimNodeBase, type RunningSimNode } from './sim-node-base';
import type { RegisteredClient } from './smart-token-endpoint';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
/** A valid NHS number no demo patient has: what a mixed-up peer would put on the wrong person. */
const SOMEONE_ELSE = '9434765919';

/**
 * A scriptable peer broker for the broker adapter's conformance run: a real neighbouring broker
 * behind a front door that can misbehave like any other node (hang, reset, 5xx, garbage, redirect,
 * another person). The token endpoint passes through untouched, so authentication is real.
 */
export async function startPeerBrokerNode(options: {
  dataset: NodeDataset;
  caller: RegisteredClient;
  latencyMs?: number | (() => number);
}): Promise<RunningSimNode> {
  const base = createSimNodeBase({
    contentType: FHIR_JSON,
    errorBody: () => ({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', details: { text: 'Simulated failure' } }],
    }),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  });
  let target = '';
  const forward = async (path: string, init: RequestInit): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${target}${path}`, { ...init, redirect: 'manual' });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : {} };
  };
  const headersOf = (req: express.Request): Record<string, string> =>
    Object.fromEntries(
      ['authorization', 'x-hie-requester', 'x-hie-chain', 'x-request-id', 'accept', 'content-type']
        .map((name) => [name, req.get(name)] as const)
        .filter((pair): pair is readonly [string, string] => typeof pair[1] === 'string'),
    );

  base.app.post('/auth/token', express.urlencoded({ extended: false }), async (req, res) => {
    const { status, body } = await forward('/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(req.body as Record<string, string>).toString(),
    });
    res.status(status).json(body);
  });
  base.app.get('/fhir/*path', (req, res) =>
    base.answer(req, res, req.path.endsWith('$everything') ? 'search' : 'patient', async (fault) => {
      const answer = await forward(req.originalUrl, { headers: headersOf(req) });
      if (fault?.kind === 'wrong-patient') return { ...answer, body: renumbered(answer.body) };
      return answer;
    }),
  );

  const node = await base.listen({ path: '/fhir' });
  const peer = await startNeighbouringRegion({
    dataset: options.dataset,
    caller: options.caller,
    publicBaseUrl: node.baseUrl,
    // The adapter conformance suite asks for a clinician of X26.
    callerAllowlist: {
      roles: CALLER_ALLOWLIST.roles,
      organisations: [...CALLER_ALLOWLIST.organisations, { odsCode: 'X26' }],
    },
  });
  target = new URL(peer.baseUrl).origin;
  return {
    ...node,
    close: async () => {
      await node.close();
      await peer.close();
    },
  };
}

/** The same answer about a different person: every Patient's NHS number replaced. */
function renumbered(body: unknown): unknown {
  const renumber = (patient: Patient): Patient => ({
    ...patient,
    identifier: (patient.identifier ?? []).map((i) =>
      i.system === NHS_NUMBER_SYSTEM ? { ...i, value: SOMEONE_ELSE } : i,
    ),
  });
  const resource = body as Patient | Bundle;
  if (resource.resourceType === 'Patient') return renumber(resource);
  if (resource.resourceType !== 'Bundle') return body;
  return {
    ...resource,
    entry: (resource.entry ?? []).map((e: BundleEntry) =>
      e.resource?.resourceType === 'Patient' ? { ...e, resource: renumber(e.resource) } : e,
    ),
  };
}
