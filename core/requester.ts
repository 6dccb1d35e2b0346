/** Who is asking: the person, from their verified token or a trusted system's signed assertion. */
export interface Requester {
  readonly userId: string;
  /** The person's name, when their token carries it (for audit and for sources that ask). */
  readonly name?: string;
  readonly role: string;
  readonly organisationOds: string;
  readonly purposeOfUse: string;
  /** The legitimate relationship the person states for this request (default: verified by the broker). */
  readonly relationship?: StatedRelationship;
  /**
   * Set when a neighbouring broker vouched for the person: the one patient its assertion is for
   * (SHA-256 of the NHS number, base64url; see core/trust/requester-assertion.ts). Nothing about
   * another patient is answered.
   */
  readonly forPatient?: string;
}

/** How a person says they may see this patient: decided in broker/governance/relationship.ts. */
export const RELATIONSHIP_BASES = ['verified', 'self-claimed', 'emergency'] as const;
export type RelationshipBasis = (typeof RELATIONSHIP_BASES)[number];

export interface StatedRelationship {
  readonly basis: RelationshipBasis;
  /** Required for self-claimed and emergency access. */
  readonly reason?: string;
  /** Set when a peer broker established or vouched for the relationship: its id. */
  readonly assertedBy?: string;
}

/** What a relationship was found or stated to be, for the access log, metrics and audit. */
export interface RelationshipDecision {
  readonly basis: RelationshipBasis;
  /** For verified: what showed the relationship (e.g. `registered-gp`, `source:R1X`); never patient data. */
  readonly evidence?: string;
  readonly assertedBy?: string;
}
