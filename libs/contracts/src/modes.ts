export const MODES = ['live', 'test'] as const;
export type Mode = (typeof MODES)[number];

export const ENDPOINT_STATUSES = ['enabled', 'disabled'] as const;
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

/** Why the platform disabled an endpoint (SPEC §9): 410 Gone, or no success for ENDPOINT_DISABLE_AFTER_SECONDS. */
export const DISABLED_REASONS = ['gone', 'failing'] as const;
export type DisabledReason = (typeof DISABLED_REASONS)[number];

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'discarded'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** SPEC §10: `strict` delivers one at a time in the fan-out's order, a failing delivery holding the ones after it. */
export const ENDPOINT_ORDERINGS = ['none', 'strict'] as const;
export type EndpointOrdering = (typeof ENDPOINT_ORDERINGS)[number];

/** SPEC §10: the bounds of `rateLimitPerSecond`. */
export const RATE_LIMIT_PER_SECOND_MIN = 1;
export const RATE_LIMIT_PER_SECOND_MAX = 10_000;
