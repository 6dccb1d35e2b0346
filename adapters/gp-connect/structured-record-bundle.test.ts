import { z } from 'zod';
import { shapeVariants } from '../../test/support/shape-variants';
import { isStructuredRecordBundle, structuredRecordResources } from './structured-record-bundle';

/** The zod schema this check replaced, kept as the reference it must agree with. */
const structuredRecordBundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string(),
  entry: z
    .array(
      z.looseObject({
        resource: z
          .looseObject({
            resourceType: z.string(),
            id: z
              .string()
              .regex(/^[A-Za-z0-9\-.]{1,64}$/)
              .optional(),
          })
          .optional(),
      }),
    )
    .optional(),
});

const record = {
  resourceType: 'Bundle',
  type: 'collection',
  meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1'] },
  entry: [
    { resource: { resourceType: 'Patient', id: 'p1', identifier: [{ value: '9000000009' }] } },
    { resource: { resourceType: 'AllergyIntolerance', id: 'a-1.2', code: { text: 'Penicillin' } } },
    { fullUrl: 'urn:uuid:x' },
  ],
};

describe('structured record bundle check', () => {
  it('when a body is any variant of a structured record, then the check accepts exactly what the schema accepted', () => {
    const variants = [
      ...shapeVariants(record),
      { ...record, entry: [{ resource: { resourceType: 'Condition', id: 'x'.repeat(65) } }] },
      { ...record, entry: [{ resource: { resourceType: 'Condition', id: 'a/b' } }] },
    ];
    expect(variants.length).toBeGreaterThan(150);
    for (const body of variants) {
      expect([isStructuredRecordBundle(body), body]).toEqual([
        structuredRecordBundleSchema.safeParse(body).success,
        body,
      ]);
    }
  });

  it('when a record is read, then its resources are the ones that arrived, not copies', () => {
    const body = JSON.parse(JSON.stringify(record)) as typeof record;
    const resources = structuredRecordResources(body);
    expect(resources).toHaveLength(2);
    expect(resources[0]).toBe(body.entry[0]!.resource);
  });
});
