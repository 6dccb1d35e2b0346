/** Nothing to ping yet: the embedded default needs no Redis. Kept so later suites add their checks here. */
export default async function globalSetup(): Promise<void> {}
