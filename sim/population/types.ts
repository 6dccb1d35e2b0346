import type { Patient, Resource } from '@medplum/fhirtypes';

/** The five simulated regional nodes of the demo region. */
export const SIM_NODE_IDS = ['gp', 'acute', 'mental-health', 'ambulance', 'neighbouring-ics'] as const;
export type SimNodeId = (typeof SIM_NODE_IDS)[number];

/** The fixed demo patients (DESIGN.md); all pass modulus 11. */
export const DEMO_NHS_NUMBERS = {
  /** Rich record in all five sources, with cross-source duplicates. */
  rich: '9000000009',
  /** Has an active objection (opted out). */
  objection: '9000000017',
  /** Restricted (S-flag) patient with sensitive-coded items. */
  restricted: '9000000025',
  /** Known only to the GP and the neighbouring region. */
  gpAndNeighbour: '9000000033',
} as const;

export interface SimPerson {
  readonly nhsNumber: string;
  readonly given: string;
  readonly family: string;
  readonly birthDate: string;
  readonly gender: 'male' | 'female' | 'other' | 'unknown';
  /** Home address, the same in every node that knows the person. */
  readonly address?: SimAddress;
  /** UK telephone number from Ofcom's drama ranges, so it never rings anyone. */
  readonly phone?: string;
}

export interface SimAddress {
  readonly line: readonly string[];
  readonly city: string;
  /** Fictional postcode area: no real UK postcode uses it. */
  readonly postalCode: string;
}

/** One node's view of one person: its own Patient resource and the clinical resources it holds. */
export interface NodeRecord {
  readonly localId: string;
  readonly patient: Patient;
  readonly resources: readonly Resource[];
}

export interface NodeDataset {
  readonly nodeId: SimNodeId;
  /** Keyed by the node's local patient id. */
  readonly records: ReadonlyMap<string, NodeRecord>;
  readonly localIdByNhs: ReadonlyMap<string, string>;
}

export interface Population {
  readonly seed: number;
  readonly people: readonly SimPerson[];
  readonly nodes: Readonly<Record<SimNodeId, NodeDataset>>;
}

export interface PopulationOptions {
  /** Same seed, same population, byte for byte. Default 42. */
  readonly seed?: number;
  /** Generated people in addition to the four fixed demo patients. Default 200. */
  readonly size?: number;
  /**
   * Pads the rich patient's (9000000009) record in every node to at least this many clinical resources,
   * for benchmarks of record size. Default: no padding.
   */
  readonly richRecordSize?: number;
  /**
   * The instant every date is relative to (ISO, e.g. 2026-11-01T09:00:00Z): records run up to it and
   * appointments after it are booked. Default 2026-11-01T09:00:00Z. Never the wall clock.
   */
  readonly referenceDate?: string;
}
