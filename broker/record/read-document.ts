import type { DocumentReference } from '@medplum/fhirtypes';
import { conceptText, joinParts, nonEmpty, optional, periodStart, referenceText } from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { ItemContent } from './record-types';

/** A letter or document: its description (else the attachment's title, else its type), author and custodian. */
export function readDocument(document: DocumentReference, ctx: ReaderContext): ItemContent {
  const attachment = document.content?.[0]?.attachment;
  const type = conceptText(document.type);
  const title = nonEmpty(document.description) ?? nonEmpty(attachment?.title) ?? type;
  return {
    ...optional('date', document.date ?? attachment?.creation ?? periodStart(document.context?.period)),
    ...optional('title', title),
    ...optional(
      'detail',
      joinParts([
        title === type ? undefined : type,
        ...(document.author ?? []).map((a) => referenceText(a, ctx.resolve)),
        referenceText(document.custodian, ctx.resolve),
      ]),
    ),
    ...optional('status', document.docStatus ?? document.status),
    ...documentContent(document),
  };
}

/**
 * The document's content the broker can fetch: each attachment with a URL, which in the view is the
 * broker's `Binary/{id}` (GET /fhir/Binary/{id}, or /api/v1/patients/{nhs}/documents/{id}).
 */
function documentContent(document: DocumentReference): Pick<ItemContent, 'content'> {
  const content = (document.content ?? []).flatMap(({ attachment }) =>
    attachment.url?.startsWith('Binary/')
      ? [
          {
            url: attachment.url,
            ...optional('contentType', attachment.contentType),
            ...optional('title', nonEmpty(attachment.title)),
          },
        ]
      : [],
  );
  return content.length > 0 ? { content } : {};
}
