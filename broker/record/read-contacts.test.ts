import { addressText, readContacts } from './read-contacts';

describe('readContacts', () => {
  it('when the patient has phone, address and a next of kin, then each is an item in that order', () => {
    const items = readContacts({
      resourceType: 'Patient',
      telecom: [{ system: 'phone', value: '07700 900123', use: 'mobile' }],
      address: [{ use: 'home', line: ['14 Orchard Close'], city: 'Northbrook', postalCode: 'NB4 7QA' }],
      contact: [
        {
          relationship: [{ text: 'Daughter' }],
          name: { given: ['Emma'], family: 'Clarke' },
          telecom: [{ system: 'phone', value: '07700 900456' }],
        },
      ],
    });

    expect(items).toEqual([
      { title: '07700 900123', detail: 'phone · mobile' },
      { title: '14 Orchard Close, Northbrook, NB4 7QA', detail: 'home address' },
      { title: 'Emma Clarke', detail: 'Daughter · 07700 900456' },
    ]);
  });

  it('when fields are missing, then they are omitted and empty entries are left out', () => {
    const items = readContacts({
      resourceType: 'Patient',
      telecom: [{ system: 'phone' }],
      address: [{ text: 'No fixed abode', period: { start: '2024-01-01', end: '2024-06-01' } }],
      contact: [{ relationship: [{ text: 'Carer' }] }, {}],
    });

    expect(items).toEqual([
      { date: '2024-01-01', title: 'No fixed abode', status: 'ended' },
      { title: 'Carer' },
    ]);
    expect(readContacts({ resourceType: 'Patient' })).toEqual([]);
  });

  it('when an address has text, then the text is used as written', () => {
    expect(addressText({ text: 'Flat 2, 1 High St', line: ['ignored'] })).toBe('Flat 2, 1 High St');
    expect(addressText({})).toBeUndefined();
  });
});
