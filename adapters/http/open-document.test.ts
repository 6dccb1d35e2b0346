import { UpstreamFailure } from '../upstream-failure';
import { documentUrl } from './open-document';

const BASE = 'https://fhir.riverside.example.nhs.uk/fhir';

function refusal(url: string): string | undefined {
  try {
    documentUrl(url, BASE);
    return undefined;
  } catch (error) {
    return error instanceof UpstreamFailure ? error.issue.reason : 'thrown';
  }
}

describe('documentUrl: only the source’s own origin', () => {
  it('when the URL is relative or absolute on the source, then it resolves against the source base', () => {
    expect(documentUrl('Binary/doc-3-pdf', BASE).href).toBe(`${BASE}/Binary/doc-3-pdf`);
    expect(documentUrl(`${BASE}/Binary/x`, BASE).href).toBe(`${BASE}/Binary/x`);
    expect(documentUrl('/documents/letter.pdf', BASE).href).toBe(
      'https://fhir.riverside.example.nhs.uk/documents/letter.pdf',
    );
  });

  it.each([
    'https://evil.example/letter.pdf',
    '//evil.example/letter.pdf',
    'http://fhir.riverside.example.nhs.uk/fhir/Binary/x',
    'https://fhir.riverside.example.nhs.uk:8443/fhir/Binary/x',
    'https://fhir.riverside.example.nhs.uk.evil.example/fhir/Binary/x',
    'https://user:pass@fhir.riverside.example.nhs.uk/fhir/Binary/x',
    'file:///etc/passwd',
  ])('when the URL is %s, then it is refused before any request', (url) => {
    expect(refusal(url)).toBe('document-foreign-origin');
  });
});
