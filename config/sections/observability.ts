import { z } from 'zod';
import { secretRef } from './common';

/**
 * Who may read `/metrics` and the detail of `/readyz` (source names, circuits, version): with
 * `accessToken`, callers that send it as `Authorization: Bearer …`, from anywhere; without it, only
 * clients on this machine (loopback), e.g. a sidecar. `/livez` and a bare `/readyz` stay open.
 */
export const observabilitySchema = z.strictObject({ accessToken: secretRef.optional() }).default({});

export type ObservabilityConfig = z.infer<typeof observabilitySchema>;
