import type { SourceIssue } from '../../core/source-contract';
import { SECTION_LISTS } from './gp-connect-sections';
import { asArray, isObject, type Stu3Resource } from './stu3-to-r4/stu3-resource';

export const LIST_WARNING_CODE_URL =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1';

/** GP Connect's list warning codes (CareConnect-ListWarningCode-1) and what the broker tells the user. */
const WARNINGS: Readonly<Record<string, { code: SourceIssue['code']; text: (section: string) => string }>> = {
  'confidential-items': {
    code: 'suppressed',
    text: (section) =>
      `withheld some confidential items from the ${section} section (confidentiality or patient preference)`,
  },
  'data-in-transit': {
    code: 'incomplete',
    text: () =>
      "has not yet received the whole record from the patient's previous practice; older items may be missing",
  },
  'data-awaiting-filing': {
    code: 'incomplete',
    text: (section) =>
      `holds items for the ${section} section awaiting review at the practice; the section may be incomplete`,
  },
};

/**
 * One warning per List warning code and section: GP Connect's way of saying a section is incomplete is never
 * dropped. `data-in-transit` marks every list, so it is reported once.
 */
export function listWarnings(resources: readonly Stu3Resource[]): SourceIssue[] {
  const issues = new Map<string, SourceIssue>();
  for (const list of resources) {
    if (list.resourceType !== 'List') continue;
    // Named only when the list carries a warning: most lists carry none.
    let section: string | undefined;
    for (const extension of asArray(list.extension)) {
      if (!isObject(extension) || extension.url !== LIST_WARNING_CODE_URL) continue;
      const code = typeof extension.valueCode === 'string' ? extension.valueCode : undefined;
      if (!code) continue;
      const known = WARNINGS[code];
      section ??= sectionName(list);
      const key = code === 'data-in-transit' ? code : `${code}|${section}`;
      if (issues.has(key)) continue;
      issues.set(key, {
        severity: 'warning',
        code: known?.code ?? 'informational',
        reason: known ? `gpc-${code}` : 'gpc-list-warning',
        text: known
          ? known.text(section)
          : `marked the ${section} section with a warning the broker does not know`,
      });
    }
  }
  return [...issues.values()];
}

function sectionName(list: Stu3Resource): string {
  const code = isObject(list.code) ? list.code : undefined;
  for (const coding of asArray(code?.coding)) {
    if (isObject(coding) && typeof coding.code === 'string' && SECTION_LISTS[coding.code])
      return SECTION_LISTS[coding.code]!;
  }
  return 'unnamed';
}
