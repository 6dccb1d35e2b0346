import type { Resource } from '@medplum/fhirtypes';
import { PRESENTATIONS, presentationsFor } from '../catalogue/presentations';
import { DAY_MS, MINUTE_MS, toMinute } from '../clock';
import { drawVitalSigns } from '../draw-vital-signs';
import type { PersonProfile } from '../person-profile';
import type { Random } from '../random';
import type { RecordContext } from '../record-context';
import { buildAmbulanceIncident } from './ambulance-incident';

/** The ambulance service's record of one generated person: one or two 999 incidents. */
export function buildAmbulanceRecord(
  context: RecordContext,
  profile: PersonProfile,
  random: Random,
): Resource[] {
  const resources: Resource[] = [];
  const presentations = presentationsFor(profile.age);
  for (let i = 0, incidents = random.chance(0.3) ? 2 : 1; i < incidents; i++) {
    const key = random.pickWeighted(presentations, (k) => PRESENTATIONS[k].weight);
    const callMs = toMinute(
      context.referenceMs - random.int(i * 400 + 3, i * 400 + 395) * DAY_MS + random.int(0, 1439) * MINUTE_MS,
    );
    const atPatientMs = callMs + random.int(7, 55) * MINUTE_MS;
    const handoverMs = atPatientMs + random.int(35, 95) * MINUTE_MS;
    const pattern = PRESENTATIONS[key].physiology;
    const vitalSets = random.chance(0.35)
      ? [drawVitalSigns(random, pattern), drawVitalSigns(random, pattern)]
      : [drawVitalSigns(random, pattern)];
    resources.push(
      ...buildAmbulanceIncident(context, random, key, { callMs, atPatientMs, handoverMs }, vitalSets),
    );
  }
  return resources;
}
