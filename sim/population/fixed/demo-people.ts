import { DEMO_NHS_NUMBERS, type SimNodeId, type SimPerson } from '../types';

export type DemoPersonKey = keyof typeof DEMO_NHS_NUMBERS;

/** The four fixed demo patients: the same demographics whatever the seed, in every node that knows them. */
export const DEMO_PEOPLE: Readonly<Record<DemoPersonKey, SimPerson>> = {
  rich: {
    nhsNumber: DEMO_NHS_NUMBERS.rich,
    given: 'Amelia',
    family: 'Clarke',
    birthDate: '1957-03-14',
    gender: 'female',
    address: { line: ['14 Orchard Close'], city: 'Northbrook', postalCode: 'NB4 7QA' },
    phone: '07700 900123',
  },
  objection: {
    nhsNumber: DEMO_NHS_NUMBERS.objection,
    given: 'Robert',
    family: 'Hughes',
    birthDate: '1949-07-22',
    gender: 'male',
    address: { line: ['3 Mill Lane'], city: 'Riverside', postalCode: 'RV2 1HS' },
    phone: '020 7946 0456',
  },
  restricted: {
    nhsNumber: DEMO_NHS_NUMBERS.restricted,
    given: 'Alex',
    family: 'Morgan',
    birthDate: '1988-11-02',
    gender: 'other',
    address: { line: ['Flat 6', '41 Canal Street'], city: 'Thameside', postalCode: 'TM3 8PL' },
    phone: '07700 900789',
  },
  gpAndNeighbour: {
    nhsNumber: DEMO_NHS_NUMBERS.gpAndNeighbour,
    given: 'Priya',
    family: 'Shah',
    birthDate: '1990-01-30',
    gender: 'female',
    address: { line: ['27 Willow Court'], city: 'Westvale', postalCode: 'WQ5 2DN' },
    phone: '07700 900321',
  },
};

/**
 * Where each fixed patient is known, and by which local id. Fixed ids sit outside the ranges generated
 * people draw from (see local-ids.ts), so demos and tests can name them.
 */
export const DEMO_LOCAL_IDS: Readonly<Record<DemoPersonKey, Partial<Record<SimNodeId, string>>>> = {
  rich: {
    gp: '100009',
    acute: 'RX10004821',
    'mental-health': 'c7d2a9e4-3b61-4f0a-9e85-2d4b7a1c6f30',
    ambulance: 'P-2024-0004417',
    'neighbouring-ics': 'NTSCR-AMC57Q3T',
  },
  objection: { gp: '100017', acute: 'RX10007315' },
  restricted: { gp: '100025', acute: 'RX10002260', 'mental-health': 'e19b6f02-8c4d-4a7e-b3f1-6a0d9c2e5b78' },
  gpAndNeighbour: { gp: '100033', 'neighbouring-ics': 'NTSCR-PSH90W2K' },
};
