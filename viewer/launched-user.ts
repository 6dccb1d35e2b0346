/** Who a launch signed in, for which patient, from which clinical system. */
export interface LaunchedUser {
  readonly requester: {
    readonly userId: string;
    readonly name?: string;
    readonly role: string;
    readonly organisationOds: string;
    readonly purposeOfUse: string;
  };
  readonly nhsNumber: string;
  readonly launchedBy: string;
  /** The id_token's or launch token's `jti`, for the audit. */
  readonly tokenId?: string;
}
