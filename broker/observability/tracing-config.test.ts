import { tracingConfigured } from './tracing-config';
import { redactPath } from './tracing-sdk';

describe('whether tracing is on', () => {
  test('when no OTEL_* variable asks for traces, then tracing stays off', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_SERVICE_NAME: 'hie-broker' })).toBe(false);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });

  test('when an exporter or an OTLP endpoint is configured, then tracing is on unless the SDK is disabled', () => {
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'otlp,console' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(
      true,
    );
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'console', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });
});

describe('URLs in spans', () => {
  test('when a path holds an NHS number, a local id or a query, then the span keeps only its shape', () => {
    expect(redactPath('/fhir/Patient/9000000009/$everything')).toBe('/fhir/Patient/:id/$everything');
    expect(redactPath('/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9000000009')).toBe(
      '/fhir/Patient',
    );
    expect(redactPath('/epcr/v1/patients/amb-000123/incidents')).toBe('/epcr/v1/patients/:id/incidents');
    expect(redactPath('/api/v1/patients/900%20000%200009/record')).toBe('/api/v1/patients/:id/record');
    expect(redactPath('/fhir/metadata')).toBe('/fhir/metadata');
  });
});
