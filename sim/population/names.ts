/** Name and address parts for generated people. Towns and postcode areas are fictional. */
// prettier-ignore
export const FEMALE_GIVEN_NAMES = [
  'Olivia', 'Amelia', 'Isla', 'Ava', 'Mia', 'Grace', 'Sophia', 'Emily', 'Poppy', 'Ella',
  'Margaret', 'Patricia', 'Susan', 'Linda', 'Janet', 'Christine', 'Carol', 'Helen', 'Joan', 'Doreen',
  'Aisha', 'Fatima', 'Priya', 'Zainab', 'Chloe', 'Hannah', 'Lucy', 'Sarah', 'Rachel', 'Emma',
  'Niamh', 'Sinead', 'Agnieszka', 'Maria', 'Chidinma', 'Yasmin', 'Kate', 'Laura', 'Jessica', 'Ruth',
] as const;

// prettier-ignore
export const MALE_GIVEN_NAMES = [
  'Oliver', 'George', 'Arthur', 'Noah', 'Leo', 'Harry', 'Oscar', 'Jack', 'Charlie', 'Freddie',
  'John', 'David', 'Michael', 'Peter', 'Robert', 'Alan', 'Brian', 'Keith', 'Colin', 'Derek',
  'Mohammed', 'Ahmed', 'Rajesh', 'Sanjay', 'Kwame', 'Tomasz', 'Daniel', 'James', 'Thomas', 'Ben',
  'Liam', 'Conor', 'Samuel', 'Joseph', 'Adam', 'Ryan', 'Luke', 'Matthew', 'Paul', 'Mark',
] as const;

// prettier-ignore
export const FAMILY_NAMES = [
  'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Johnson',
  'Roberts', 'Robinson', 'Thompson', 'Wright', 'Walker', 'White', 'Edwards', 'Hughes', 'Green', 'Hall',
  'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson', 'Wood', 'Turner', 'Martin', 'Cooper', 'Hill',
  'Ward', 'Morris', 'Moore', 'Clark', 'Lee', 'King', 'Baker', 'Harrison', 'Morgan', 'Allen',
  'Khan', 'Ali', 'Begum', 'Hussain', 'Shah', 'Singh', 'Okoro', 'Mensah', 'Nowak', 'Kowalski',
  "O'Brien", 'Murphy', 'Kelly', 'Campbell', 'Stewart', 'Chen', 'Nguyen', 'Rahman', 'Ahmed', 'Fernandes',
] as const;

// prettier-ignore
export const STREET_NAMES = [
  'High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Park Avenue', 'Mill Lane', 'Queens Road',
  'Kings Drive', 'Riverside Walk', 'Orchard Close', 'Elm Grove', 'Canal Street', 'Chestnut Way',
  'Meadow View', 'Hawthorn Crescent', 'Willow Court', 'Brook Street', 'Albert Terrace', 'Nelson Place',
  'Beacon Rise',
] as const;

export interface SimTown {
  readonly name: string;
  /** A postcode area that no real UK postcode uses, so generated addresses never point at real homes. */
  readonly postcodeArea: string;
}

export const TOWNS: readonly SimTown[] = [
  { name: 'Northbrook', postcodeArea: 'NB' },
  { name: 'Riverside', postcodeArea: 'RV' },
  { name: 'Thameside', postcodeArea: 'TM' },
  { name: 'Westvale', postcodeArea: 'WQ' },
];

/** Letters allowed in the inward part of a UK postcode (no C, I, K, M, O or V). */
export const POSTCODE_INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';
