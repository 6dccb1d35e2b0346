import type { Random } from './random';
import type { SimNodeId } from './types';

/**
 * Each node numbers its patients its own way, as real systems do. All are valid FHIR ids
 * ([A-Za-z0-9\-.]{1,64}). Generated ids never take the shape of the fixed demo patients' ids, so the two
 * cannot collide; the node builder still refuses a repeat.
 */
const DRAW_LOCAL_ID: Readonly<Record<SimNodeId, (random: Random) => string>> = {
  // GP system: a plain registration number. Fixed patients use 100000-199999.
  gp: (random) => String(random.int(200_000, 999_999)),
  // Hospital PAS: trust prefix and a 7-digit medical record number. Fixed patients use RX1000xxxx.
  acute: (random) => `RX1${random.int(1_000_000, 9_999_999)}`,
  // Mental health EPR: a UUID-shaped key.
  'mental-health': (random) => uuidLike(random),
  // Ambulance ePCR: year of first contact and a sequence. Fixed patients use sequences below 0100000.
  ambulance: (random) =>
    `P-${random.int(2016, 2026)}-${String(random.int(100_000, 9_999_999)).padStart(7, '0')}`,
  // Neighbouring region's shared record: a checksum-free base-32 key.
  'neighbouring-ics': (random) => `NTSCR-${base32(random, 8)}`,
};

export function drawLocalId(nodeId: SimNodeId, random: Random): string {
  return DRAW_LOCAL_ID[nodeId](random);
}

export const FHIR_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

const HEX = '0123456789abcdef';
const BASE32 = 'ABCDEFGHJKMNPQRSTVWXYZ0123456789';

function hex(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += HEX[random.int(0, 15)];
  return out;
}

function base32(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE32[random.int(0, BASE32.length - 1)];
  return out;
}

/** Version-4 UUID layout from the seeded generator (not crypto.randomUUID, which is not reproducible). */
function uuidLike(random: Random): string {
  const variant = HEX[8 + random.int(0, 3)] ?? '8';
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${variant}${hex(random, 3)}-${hex(random, 12)}`;
}
