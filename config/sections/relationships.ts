import { z } from 'zod';

/**
 * How the broker treats a relationship a neighbouring broker vouches for: `accept-peer-basis` (the
 * default) records and releases on the peer's basis (verified, self-claimed or emergency; the last
 * two raise privacy-officer alerts here as for a local user); `require-local-evidence` releases to a
 * vouched-for user only when this broker finds the relationship in the patient's record itself.
 */
export const VOUCHED_FOR_POLICIES = ['accept-peer-basis', 'require-local-evidence'] as const;
export type VouchedForPolicy = (typeof VOUCHED_FOR_POLICIES)[number];

export const relationshipsSchema = z
  .strictObject({ vouchedFor: z.enum(VOUCHED_FOR_POLICIES).default('accept-peer-basis') })
  .default({ vouchedFor: 'accept-peer-basis' });

export type RelationshipsConfig = z.infer<typeof relationshipsSchema>;
