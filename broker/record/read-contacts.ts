import type { Address, ContactPoint, Patient } from '@medplum/fhirtypes';
import { firstConceptText, humanNameText, joinParts, nonEmpty, optional, periodStart } from './fhir-text';
import type { ItemContent } from './record-types';

/** "14 Orchard Close, Northbrook, NB4 7QA": the address's text, else its lines, town and postcode. */
export function addressText(address: Address | undefined): string | undefined {
  if (!address) return undefined;
  return (
    nonEmpty(address.text) ??
    joinParts([...(address.line ?? []), address.district, address.city, address.postalCode], ', ')
  );
}

function telecomItem(telecom: ContactPoint): ItemContent | undefined {
  if (!nonEmpty(telecom.value)) return undefined;
  const date = periodStart(telecom.period);
  return {
    ...(date ? { date } : {}),
    title: telecom.value!,
    ...optional('detail', joinParts([telecom.system, telecom.use])),
    ...(telecom.period?.end ? { status: 'ended' } : {}),
  };
}

function addressItem(address: Address): ItemContent | undefined {
  const text = addressText(address);
  if (!text) return undefined;
  const date = periodStart(address.period);
  return {
    ...(date ? { date } : {}),
    title: text,
    ...optional('detail', joinParts([address.use ? `${address.use} address` : undefined, address.type])),
    ...(address.period?.end ? { status: 'ended' } : {}),
  };
}

function contactItem(contact: NonNullable<Patient['contact']>[number]): ItemContent | undefined {
  const name = humanNameText(contact.name) ?? nonEmpty(contact.organization?.display);
  const relationship = firstConceptText(contact.relationship);
  const reach = joinParts([
    ...(contact.telecom ?? []).map((t) => t.value),
    contact.address ? addressText(contact.address) : undefined,
  ]);
  if (!name && !relationship && !reach) return undefined;
  const date = periodStart(contact.period);
  return {
    ...(date ? { date } : {}),
    ...optional('title', name ?? relationship),
    ...optional('detail', joinParts([name ? relationship : undefined, reach])),
  };
}

/** The patient's phone numbers and emails, addresses, then contacts (next of kin, carers), as the source recorded them. */
export function readContacts(patient: Patient): ItemContent[] {
  return [
    ...(patient.telecom ?? []).map(telecomItem),
    ...(patient.address ?? []).map(addressItem),
    ...(patient.contact ?? []).map(contactItem),
  ].filter((item): item is ItemContent => item !== undefined);
}
