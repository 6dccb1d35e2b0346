import { ageAt } from './draw-person';
import type { Random } from './random';
import type { SimNodeId, SimPerson } from './types';

/** The share of generated people each node knows. The GP practice knows everyone. */
export const NODE_SHARES: Readonly<Record<SimNodeId, number>> = {
  gp: 1,
  acute: 0.6,
  'mental-health': 0.2,
  ambulance: 0.3,
  'neighbouring-ics': 0.15,
};

/** Mental health services here see people from 14 (CAMHS and adult teams). */
const MIN_AGE: Readonly<Record<SimNodeId, number>> = {
  gp: 0,
  acute: 0,
  'mental-health': 14,
  ambulance: 0,
  'neighbouring-ics': 0,
};

/**
 * Which nodes know which generated person: exactly round(share × size) people per node (fewer only if too
 * few people are old enough), chosen by a seeded shuffle, so the proportions hold at every size.
 */
export function assignNodes(
  random: Random,
  people: readonly SimPerson[],
  referenceMs: number,
): readonly (readonly SimNodeId[])[] {
  const membership: SimNodeId[][] = people.map(() => ['gp']);
  for (const nodeId of ['acute', 'mental-health', 'ambulance', 'neighbouring-ics'] as const) {
    const eligible = people
      .map((person, index) => ({ person, index }))
      .filter(({ person }) => ageAt(person, referenceMs) >= MIN_AGE[nodeId])
      .map(({ index }) => index);
    const count = Math.min(eligible.length, Math.round(NODE_SHARES[nodeId] * people.length));
    for (const index of random.fork(nodeId).shuffle(eligible).slice(0, count))
      membership[index]?.push(nodeId);
  }
  return membership;
}
