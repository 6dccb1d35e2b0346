import type { Resource } from '@medplum/fhirtypes';
import { FHIR_ID_PATTERN } from './local-ids';
import type { SimOrganisation } from './organisations';
import { buildPatient } from './patient-resource';
import { ID_PREFIXES, type IdPrefixedType, type RecordContext } from './record-context';
import type { NodeDataset, NodeRecord, SimPerson } from './types';

/** Collects one node's records while the population is generated; `build()` freezes it into a dataset. */
export interface NodeDatasetBuilder {
  readonly organisation: SimOrganisation;
  /** True when the id is still free in this node. */
  isLocalIdFree(localId: string): boolean;
  /** Claims the local id and gives a context for writing the person's record (stored by `addRecord`). */
  contextFor(person: SimPerson, localId: string): RecordContext;
  /** The context of a record already started, e.g. to pad it. */
  contextOf(localId: string): RecordContext;
  addRecord(record: {
    readonly person: SimPerson;
    readonly localId: string;
    readonly resources: readonly Resource[];
    readonly restricted?: boolean;
  }): void;
  /** Adds more resources to a record already added (benchmark padding). */
  appendResources(localId: string, resources: readonly Resource[]): void;
  resourceCount(localId: string): number;
  build(): NodeDataset;
}

export function createNodeDatasetBuilder(
  organisation: SimOrganisation,
  referenceMs: number,
): NodeDatasetBuilder {
  const counters = new Map<IdPrefixedType, number>();
  const records = new Map<string, NodeRecord>();
  const localIdByNhs = new Map<string, string>();
  const contexts = new Map<string, RecordContext>();

  const nextId = (resourceType: IdPrefixedType): string => {
    const next = (counters.get(resourceType) ?? 0) + 1;
    counters.set(resourceType, next);
    return `${ID_PREFIXES[resourceType]}-${next}`;
  };

  return {
    organisation,
    isLocalIdFree: (localId) => !contexts.has(localId),
    contextFor(person, localId) {
      if (!FHIR_ID_PATTERN.test(localId)) throw new RangeError('Local patient id is not a valid FHIR id');
      if (contexts.has(localId)) throw new RangeError('Local patient id is already used in this node');
      const context: RecordContext = {
        organisation,
        person,
        patient: { reference: `Patient/${localId}` },
        referenceMs,
        nextId,
      };
      contexts.set(localId, context);
      return context;
    },
    contextOf(localId) {
      const context = contexts.get(localId);
      if (!context) throw new RangeError('No record with that local id in this node');
      return context;
    },
    addRecord({ person, localId, resources, restricted }) {
      const lastUpdatedMs = resources.reduce(
        (latest, resource) => Math.max(latest, Date.parse(resource.meta?.lastUpdated ?? '') || 0),
        Date.parse(`${person.birthDate}T00:00:00Z`),
      );
      const patient = buildPatient({
        organisation,
        localId,
        person,
        lastUpdatedMs,
        restricted: restricted ?? false,
      });
      records.set(localId, { localId, patient, resources: [...resources] });
      localIdByNhs.set(person.nhsNumber, localId);
    },
    appendResources(localId, resources) {
      const record = records.get(localId);
      if (!record) throw new RangeError('No record with that local id in this node');
      records.set(localId, { ...record, resources: [...record.resources, ...resources] });
    },
    resourceCount: (localId) => records.get(localId)?.resources.length ?? 0,
    build: () => ({ nodeId: organisation.nodeId, records, localIdByNhs }),
  };
}
