import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SECTION_IDS, type SectionId } from '../broker/record/sections';
import type { SessionStore } from './session-store';

const preferencesSchema = z.object({
  order: z.array(z.enum(SECTION_IDS)),
  collapsed: z.array(z.enum(SECTION_IDS)),
});
export type SectionPreferences = z.infer<typeof preferencesSchema>;

export const SECTION_ACTIONS = ['up', 'down', 'collapse', 'expand'] as const;
export type SectionAction = (typeof SECTION_ACTIONS)[number];

/** How long a user's arrangement is kept since they last changed it. */
const KEEP_MS = 180 * 24 * 3600 * 1000;

const DEFAULT: SectionPreferences = { order: [...SECTION_IDS], collapsed: [] };

/**
 * Each user's arrangement of the record's sections (order, and which are collapsed), kept server-side
 * by a hash of their user id, so it follows them to any device and any patient. It holds no patient data.
 */
export class SectionPreferencesStore {
  constructor(private readonly store: SessionStore) {}

  async get(userId: string): Promise<SectionPreferences> {
    const raw = await this.store.get(keyOf(userId));
    const parsed = raw ? preferencesSchema.safeParse(JSON.parse(raw)) : undefined;
    if (!parsed?.success) return DEFAULT;
    // A section added since the user arranged theirs goes at the end.
    const order = [...new Set([...parsed.data.order, ...SECTION_IDS])];
    return { order, collapsed: parsed.data.collapsed };
  }

  async apply(userId: string, section: SectionId, action: SectionAction): Promise<void> {
    const current = await this.get(userId);
    const order = [...current.order];
    const at = order.indexOf(section);
    const swap = (other: number): void => {
      if (other < 0 || other >= order.length) return;
      [order[at], order[other]] = [order[other]!, order[at]!];
    };
    if (action === 'up') swap(at - 1);
    if (action === 'down') swap(at + 1);
    const collapsed = new Set(current.collapsed);
    if (action === 'collapse') collapsed.add(section);
    if (action === 'expand') collapsed.delete(section);
    await this.store.set(keyOf(userId), JSON.stringify({ order, collapsed: [...collapsed] }), KEEP_MS);
  }
}

const keyOf = (userId: string): string => `prefs:${createHash('sha256').update(userId).digest('base64url')}`;
