import { readDocument } from './read-document';
import type { ReaderContext } from './reader-context';

const ctx: ReaderContext = { resolve: () => undefined, now: new Date('2026-10-01T00:00:00Z') };

describe('readDocument', () => {
  it('when a letter has a description, type, author and custodian, then the description is the title and the rest the detail', () => {
    const item = readDocument(
      {
        resourceType: 'DocumentReference',
        status: 'current',
        docStatus: 'final',
        type: { text: 'Discharge summary' },
        description: 'Discharge summary - Westvale General Hospital - 6 February 2024',
        date: '2024-02-06T15:00:00Z',
        author: [{ display: 'Dr Ruth Ansah' }],
        custodian: { display: 'North Thames Shared Care Record' },
        content: [{ attachment: { contentType: 'text/plain', data: 'VGV4dA==' } }],
      },
      ctx,
    );

    expect(item).toEqual({
      date: '2024-02-06T15:00:00Z',
      title: 'Discharge summary - Westvale General Hospital - 6 February 2024',
      detail: 'Discharge summary · Dr Ruth Ansah · North Thames Shared Care Record',
      status: 'final',
    });
  });

  it('when there is no description, then the attachment title and creation date are used; the type alone is not repeated', () => {
    expect(
      readDocument(
        {
          resourceType: 'DocumentReference',
          status: 'current',
          content: [{ attachment: { title: 'Clinic letter', creation: '2025-01-02' } }],
        },
        ctx,
      ),
    ).toEqual({ date: '2025-01-02', title: 'Clinic letter', status: 'current' });
    expect(
      readDocument(
        { resourceType: 'DocumentReference', status: 'current', type: { text: 'Letter' }, content: [] },
        ctx,
      ),
    ).toEqual({ title: 'Letter', status: 'current' });
  });
});
