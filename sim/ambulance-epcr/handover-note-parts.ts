/** What the simulator reads back from the population's ATMIST handover note text. */
export interface HandoverNoteParts {
  /** "HH:MM" (UTC) the crew reached the patient. */
  readonly atPatientTime?: string;
  /** The "Treatment given" list, one line per item. */
  readonly treatment: readonly string[];
}

export function handoverNoteParts(note: string): HandoverNoteParts {
  const lines = note.split('\n');
  const atPatientTime = /At patient: (\d{2}:\d{2})/.exec(note)?.[1];
  const start = lines.findIndex((line) => line.trim() === 'Treatment given:');
  const treatment: string[] = [];
  if (start >= 0) {
    for (const line of lines.slice(start + 1)) {
      if (!line.startsWith('- ')) break;
      const item = line.slice(2).trim();
      if (item !== 'None') treatment.push(item);
    }
  }
  return { ...(atPatientTime ? { atPatientTime } : {}), treatment };
}

/** The first instant at or after `afterIso` whose UTC clock reads `hhmm`. */
export function instantAtClock(afterIso: string, hhmm: string): string {
  const after = new Date(afterIso);
  const [hours, minutes] = hhmm.split(':').map(Number);
  const candidate = new Date(after);
  candidate.setUTCHours(hours ?? 0, minutes ?? 0, 0, 0);
  if (candidate.getTime() < after.getTime()) candidate.setUTCDate(candidate.getUTCDate() + 1);
  return candidate.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
