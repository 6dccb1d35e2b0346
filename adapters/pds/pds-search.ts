/** A PDS search for a person by demographics (the PDS FHIR API's Patient search parameters). */
export interface PdsSearch {
  readonly family: string;
  readonly given?: string;
  readonly gender?: 'male' | 'female' | 'other' | 'unknown';
  /** `YYYY-MM-DD`, with an optional prefix: `eq` (default), `ge` or `le`. */
  readonly birthdate: string;
  readonly postcode?: string;
  /** `_fuzzy-match`: phonetic names, transposed day and month. */
  readonly fuzzy?: boolean;
  /** `_exact-match`: only records matching every input exactly. */
  readonly exact?: boolean;
  /** `_max-results` (1 to 50): more matches than this are answered TOO_MANY_MATCHES. */
  readonly maxResults: number;
}

/** The query string PDS expects, parameters in its own names. */
export function pdsSearchParams(search: PdsSearch): URLSearchParams {
  const params = new URLSearchParams();
  params.set('family', search.family);
  if (search.given) params.set('given', search.given);
  if (search.gender) params.set('gender', search.gender);
  params.set('birthdate', /^(eq|ge|le)/.test(search.birthdate) ? search.birthdate : `eq${search.birthdate}`);
  if (search.postcode) params.set('address-postalcode', search.postcode);
  if (search.fuzzy) params.set('_fuzzy-match', 'true');
  if (search.exact) params.set('_exact-match', 'true');
  params.set('_max-results', String(search.maxResults));
  return params;
}
