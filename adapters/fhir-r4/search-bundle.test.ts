import { z } from 'zod';
import { shapeVariants } from '../../test/support/shape-variants';
import { isSearchBundle, parseSearchBundle } from './search-bundle';
import { isBatchResponse } from './batch-search';

/** The zod schemas these checks replaced, kept as the reference they must agree with. */
const entrySchema = z.looseObject({
  resource: z.looseObject({ resourceType: z.string(), id: z.string().optional() }).optional(),
  search: z.looseObject({ mode: z.string().optional() }).optional(),
});
const searchBundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string().optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })).optional(),
  entry: z.array(entrySchema).optional(),
});
const batchResponseSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string().optional(),
  entry: z
    .array(
      z.looseObject({
        resource: z.unknown().optional(),
        response: z.looseObject({ status: z.string().regex(/^\s*(\d{3})(?:\s|$)/) }),
      }),
    )
    .optional(),
});

const searchset = {
  resourceType: 'Bundle',
  type: 'searchset',
  link: [{ relation: 'next', url: 'http://x/fhir/Condition?page=2' }],
  entry: [
    {
      resource: { resourceType: 'Condition', id: 'c1', code: { text: 'Asthma' } },
      search: { mode: 'match' },
    },
    { resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'include' } },
  ],
};
const batchResponse = {
  resourceType: 'Bundle',
  type: 'batch-response',
  entry: [{ resource: searchset, response: { status: '200 OK' } }, { response: { status: '404' } }],
};

describe('searchset and batch-response checks', () => {
  it('when a body is any variant of a searchset, then the check accepts exactly what the schema accepted', () => {
    const variants = shapeVariants(searchset);
    expect(variants.length).toBeGreaterThan(150);
    for (const body of variants) {
      expect([isSearchBundle(body), body]).toEqual([searchBundleSchema.safeParse(body).success, body]);
    }
  });

  it('when a body is any variant of a batch-response, then the check accepts exactly what the schema accepted', () => {
    const variants = shapeVariants(batchResponse, 4);
    expect(variants.length).toBeGreaterThan(150);
    for (const body of variants) {
      expect([isBatchResponse(body), body]).toEqual([batchResponseSchema.safeParse(body).success, body]);
    }
  });

  it('when a searchset is accepted, then it is the body itself, not a copy', () => {
    const body = JSON.parse(JSON.stringify(searchset)) as unknown;
    expect(parseSearchBundle(body)).toBe(body);
  });
});
