// Generated from the admin API's /openapi.json by `npm run api-client`: do not edit by hand.

export interface paths {
    "/v1/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listApiKeys"];
        put?: never;
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getDelivery"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{id}/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["resendDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listEndpoints"];
        put?: never;
        post: operations["createEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getEndpoint"];
        put?: never;
        post?: never;
        delete: operations["deleteEndpoint"];
        options?: never;
        head?: never;
        patch: operations["updateEndpoint"];
        trace?: never;
    };
    "/v1/endpoints/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/{id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["createReplay"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["rotateEndpointSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/{id}/secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getEndpointSecret"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["sendTestEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/filter-preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Tries a filter against recent events of the organization
         * @description The newest events of `mode` (and `eventTypes`, default all) with whether `filter` matches each, as the fan-out would judge them. Stores and sends nothing.
         */
        post: operations["previewEndpointFilter"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/event-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The catalog, each type with its optional JSON Schema and example. It includes the operational event types the platform publishes about your endpoints, webhook.endpoint.disabled (body: #/components/schemas/EndpointDisabledEventDto) and webhook.delivery.exhausted (body: #/components/schemas/DeliveryExhaustedEventDto), in the mode of the endpoint concerned. "*" does not include them: an endpoint receives them only when it names them in eventTypes. A delivery of an operational event that is exhausted raises none. */
        get: operations["listEventTypes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/event-types/{type}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Creates or replaces an event type (platform token)
         * @description The whole entry: a part left out is cleared. `schema` is a JSON Schema for the events' `data`; the fan-out quarantines an event that breaks it (reason `schema`, with the violations) within about a second on every instance. `example` must match `schema`; test events and `sourcehub-webhooks trigger` send it. A new type gets its Kafka topic within FANOUT_TOPIC_REFRESH_MS.
         */
        put: operations["putEventType"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getEvent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/listen/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Publishes a test-mode event of a catalog type through the ordinary pipeline */
        post: operations["triggerTestEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/listen/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A temporary test-mode endpoint whose deliveries go to a CLI connection */
        post: operations["createListenSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/listen/sessions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Ends the session and deletes its endpoint */
        delete: operations["deleteListenSession"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/listen/sessions/{id}/answers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The local receiver's answer to one relayed delivery; recorded as the attempt */
        post: operations["answerListenDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/listen/sessions/{id}/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events: `ready`, then one `delivery` per relayed delivery; `end` when the session ends */
        get: operations["streamListenSession"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/organizations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["createOrganization"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/replays/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getReplay"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ApiKeyCreatedDto: {
            /**
             * @description Shown once; only its hash is stored.
             * @example shk_...
             */
            apiKey: string;
            /** Format: date-time */
            createdAt: string;
            /** @example key_01jd... */
            id: string;
            name: string;
            /**
             * @description The first characters of the key, to tell keys apart.
             * @example shk_Ab12Cd
             */
            prefix: string;
            /** Format: date-time */
            revokedAt: string | null;
        };
        ApiKeyPageDto: {
            data: components["schemas"]["ApiKeyResponseDto"][];
            /** @description Whether another page follows this one (nextCursor is not null). */
            hasMore: boolean;
            /** @description Pass as `cursor` for the next page; null on the last page. */
            nextCursor: string | null;
            /** @description Pass as `cursor` for the previous page; null on the first page. */
            prevCursor: string | null;
        };
        ApiKeyResponseDto: {
            /** Format: date-time */
            createdAt: string;
            /** @example key_01jd... */
            id: string;
            name: string;
            /**
             * @description The first characters of the key, to tell keys apart.
             * @example shk_Ab12Cd
             */
            prefix: string;
            /** Format: date-time */
            revokedAt: string | null;
        };
        AttemptResponseDto: {
            attemptNumber: number;
            durationMs: number;
            error: string | null;
            /**
             * @description success | http_error | timeout | connection_error | forbidden_address | invalid_url | circuit_open
             * @example http_error
             */
            outcome: string;
            /** @description The start of the response body. */
            responseExcerpt: string | null;
            /** @description The wait a 429 or 503 answer asked for in Retry-After, in seconds (an HTTP date converted); the next attempt came no earlier. */
            retryAfterSeconds: number | null;
            /** Format: date-time */
            startedAt: string;
            statusCode: number | null;
        };
        CreateApiKeyDto: {
            /** @example ci deploys */
            name: string;
        };
        CreateEndpointDto: {
            description?: string;
            /**
             * @description Names from GET /v1/event-types; absent (on create) or ["*"] means every type except the operational ones (webhook.endpoint.disabled, webhook.delivery.exhausted), which are named to be received, also beside "*".
             * @example [
             *       "order.new",
             *       "webhook.endpoint.disabled"
             *     ]
             */
            eventTypes?: string[];
            /**
             * @description A MongoDB-style query over the event body (id, type, mode, occurredAt, data); an event that does not match creates no delivery for this endpoint. Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $nor $not $all $size $elemMatch. Null or {} (on update) removes it.
             * @example {
             *       "data.total": {
             *         "$gte": 100
             *       },
             *       "data.currency": {
             *         "$in": [
             *           "EUR",
             *           "USD"
             *         ]
             *       }
             *     }
             */
            filter?: {
                [key: string]: unknown;
            } | null;
            /** @description At most 20 custom headers sent with every delivery. An update replaces the whole set. */
            headers?: {
                [key: string]: string;
            };
            /** @description Free-form labels for the organization. An update replaces the whole set. */
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Fixed at creation: register another endpoint for the other mode.
             * @enum {string}
             */
            mode: "live" | "test";
            /**
             * @description Absent on creation: "none". "strict": one request at a time, in the order the fan-out read the events; a failing delivery holds the ones after it until it succeeds or is dead-lettered. Applies to deliveries read after the change.
             * @enum {string}
             */
            ordering?: "none" | "strict";
            /**
             * @description At most this many requests to the endpoint in any 1-second window (first attempts, retries, resends and replays together), whatever the number of delivery instances. Waiting for the limit uses no attempt. Null or absent: no limit.
             * @example 20
             */
            rateLimitPerSecond?: number | null;
            /**
             * @description A public http(s) URL; https in live mode.
             * @example https://example.com/webhooks
             */
            url: string;
        };
        CreateListenSessionDto: {
            /**
             * @description Names from GET /v1/event-types; absent (on create) or ["*"] means every type except the operational ones (webhook.endpoint.disabled, webhook.delivery.exhausted), which are named to be received, also beside "*".
             * @example [
             *       "order.new",
             *       "webhook.endpoint.disabled"
             *     ]
             */
            eventTypes?: string[];
            /**
             * @description Where the CLI forwards (shown in the endpoint's description; the server never calls it).
             * @example http://localhost:4000/webhooks
             */
            forwardTo?: string;
        };
        CreateOrganizationDto: {
            /** @example Acme Inc. */
            name: string;
        };
        CreateReplayDto: {
            /**
             * Format: date-time
             * @description Events received at or after this time.
             */
            from: string;
            /**
             * Format: date-time
             * @description Events received before this time (a time in the future means now).
             */
            to: string;
        };
        DeliveryDetailDto: {
            attemptCount: number;
            /** @description Oldest first. */
            attempts: components["schemas"]["AttemptResponseDto"][];
            /** Format: date-time */
            createdAt: string;
            endpointId: string;
            eventId: string;
            /** @description Null once the event is past retention. */
            eventType: string | null;
            /**
             * @description Also the `webhook-id` header of every attempt, resends and replays included.
             * @example del_8e44...
             */
            id: string;
            /** Format: date-time */
            lastAttemptAt: string | null;
            /**
             * Format: date-time
             * @description When the next automatic retry is due.
             */
            nextAttemptAt: string | null;
            /** @enum {string} */
            status: "pending" | "succeeded" | "failed" | "discarded";
            /** @description Why the delivery is in its status (the last error, a discard reason). */
            statusReason: string | null;
            /** Format: date-time */
            updatedAt: string;
        };
        DeliveryExhaustedDataDto: {
            /**
             * @description Calls made (deferrals while the circuit breaker was open do not count).
             * @example 5
             */
            attempts: number;
            /** @example del_... */
            deliveryId: string;
            /** @example ep_01jd... */
            endpointId: string;
            /** @example evt_... */
            eventId: string;
            /** @example order.new */
            eventType: string;
            /**
             * @description The status of the last call; null when it got no answer.
             * @example 500
             */
            lastStatusCode: number | null;
        };
        DeliveryExhaustedEventDto: {
            data: components["schemas"]["DeliveryExhaustedDataDto"];
            /** @example evt_op_... */
            id: string;
            /**
             * @description The mode of the endpoint concerned.
             * @enum {string}
             */
            mode: "live" | "test";
            /** Format: date-time */
            occurredAt: string;
            /** @example org_... */
            organizationId: string;
            /** @enum {string} */
            type: "webhook.delivery.exhausted";
        };
        DeliveryPageDto: {
            data: components["schemas"]["DeliveryResponseDto"][];
            /** @description Whether another page follows this one (nextCursor is not null). */
            hasMore: boolean;
            /** @description Pass as `cursor` for the next page; null on the last page. */
            nextCursor: string | null;
            /** @description Pass as `cursor` for the previous page; null on the first page. */
            prevCursor: string | null;
        };
        DeliveryResponseDto: {
            attemptCount: number;
            /** Format: date-time */
            createdAt: string;
            endpointId: string;
            eventId: string;
            /** @description Null once the event is past retention. */
            eventType: string | null;
            /**
             * @description Also the `webhook-id` header of every attempt, resends and replays included.
             * @example del_8e44...
             */
            id: string;
            /** Format: date-time */
            lastAttemptAt: string | null;
            /**
             * Format: date-time
             * @description When the next automatic retry is due.
             */
            nextAttemptAt: string | null;
            /** @enum {string} */
            status: "pending" | "succeeded" | "failed" | "discarded";
            /** @description Why the delivery is in its status (the last error, a discard reason). */
            statusReason: string | null;
            /** Format: date-time */
            updatedAt: string;
        };
        EndpointDisabledDataDto: {
            /** @example ep_01jd... */
            endpointId: string;
            /**
             * @description "gone": the receiver answered 410 Gone; "failing": no successful call for ENDPOINT_DISABLE_AFTER_SECONDS.
             * @enum {string}
             */
            reason: "gone" | "failing";
            /** @example https://example.com/webhooks */
            url: string;
        };
        EndpointDisabledEventDto: {
            data: components["schemas"]["EndpointDisabledDataDto"];
            /** @example evt_op_... */
            id: string;
            /**
             * @description The mode of the endpoint concerned.
             * @enum {string}
             */
            mode: "live" | "test";
            /** Format: date-time */
            occurredAt: string;
            /** @example org_... */
            organizationId: string;
            /** @enum {string} */
            type: "webhook.endpoint.disabled";
        };
        EndpointPageDto: {
            data: components["schemas"]["EndpointResponseDto"][];
            /** @description Whether another page follows this one (nextCursor is not null). */
            hasMore: boolean;
            /** @description Pass as `cursor` for the next page; null on the last page. */
            nextCursor: string | null;
            /** @description Pass as `cursor` for the previous page; null on the first page. */
            prevCursor: string | null;
        };
        EndpointResponseDto: {
            /** Format: date-time */
            createdAt: string;
            description: string;
            /**
             * @description Why the platform disabled it: "gone" (the receiver answered 410 Gone) or "failing" (no successful call for ENDPOINT_DISABLE_AFTER_SECONDS, every call failing). Null when enabled or disabled through the API. Each disable raises a webhook.endpoint.disabled event.
             * @enum {string|null}
             */
            disabledReason: "gone" | "failing" | null;
            eventTypes: string[];
            /** @description A MongoDB-style query over the event body (id, type, mode, occurredAt, data); an event that does not match creates no delivery for this endpoint. Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $nor $not $all $size $elemMatch. Null or {} (on update) removes it. */
            filter: {
                [key: string]: unknown;
            } | null;
            headers: {
                [key: string]: string;
            };
            /** @example ep_01jd... */
            id: string;
            metadata: {
                [key: string]: string;
            };
            /** @enum {string} */
            mode: "live" | "test";
            /** @enum {string} */
            ordering: "none" | "strict";
            /** @description Requests per second at most; null: no limit. */
            rateLimitPerSecond: number | null;
            /** @enum {string} */
            status: "enabled" | "disabled";
            /** Format: date-time */
            updatedAt: string;
            url: string;
            /** @description Grows with every change; send it back as `If-Match` to update only the version you read (also the ETag). */
            version: number;
        };
        EndpointSecretDto: {
            /**
             * Format: date-time
             * @description Until then the previous secret signs too (after a rotation).
             */
            previousSecretExpiresAt: string | null;
            /**
             * @description The secret that signs deliveries now.
             * @example whsec_...
             */
            secret: string;
        };
        EndpointWithSecretDto: {
            /** Format: date-time */
            createdAt: string;
            description: string;
            /**
             * @description Why the platform disabled it: "gone" (the receiver answered 410 Gone) or "failing" (no successful call for ENDPOINT_DISABLE_AFTER_SECONDS, every call failing). Null when enabled or disabled through the API. Each disable raises a webhook.endpoint.disabled event.
             * @enum {string|null}
             */
            disabledReason: "gone" | "failing" | null;
            eventTypes: string[];
            /** @description A MongoDB-style query over the event body (id, type, mode, occurredAt, data); an event that does not match creates no delivery for this endpoint. Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $nor $not $all $size $elemMatch. Null or {} (on update) removes it. */
            filter: {
                [key: string]: unknown;
            } | null;
            headers: {
                [key: string]: string;
            };
            /** @example ep_01jd... */
            id: string;
            metadata: {
                [key: string]: string;
            };
            /** @enum {string} */
            mode: "live" | "test";
            /** @enum {string} */
            ordering: "none" | "strict";
            /** @description Requests per second at most; null: no limit. */
            rateLimitPerSecond: number | null;
            /** @example whsec_... */
            secret: string;
            /** @enum {string} */
            status: "enabled" | "disabled";
            /** Format: date-time */
            updatedAt: string;
            url: string;
            /** @description Grows with every change; send it back as `If-Match` to update only the version you read (also the ETag). */
            version: number;
        };
        Error: {
            /**
             * @description What is wrong, for programs: `invalid_field`: A field, query parameter or header has a value the API does not accept; `param` names it. `invalid_json`: The body is not valid JSON, or could not be read as its headers say. `invalid_request`: The request as a whole cannot be served (its path, or a combination of fields); `param` names the part when one is at fault. `unauthorized`: No valid API key (or platform token) was given. `not_found`: No such resource in your organization (another organization's resources answer this too). `conflict`: The resource is not in a state that allows this call; the message says why. `version_conflict`: If-Match named a version that is no longer current; read the resource again. `endpoint_disabled`: The endpoint is disabled; enable it first. `idempotency_conflict`: This Idempotency-Key was used with another request (method, path or body) within 24 h. `idempotency_in_progress`: A request with this Idempotency-Key is still being processed; retry after Retry-After. `body_too_large`: The body is larger than the API reads. `unsupported_media_type`: The body is not JSON, or not in an encoding or charset the API reads. `headers_too_large`: The request line and headers are too large. `request_timeout`: The request did not arrive in time. `rate_limited`: Too many requests; retry after Retry-After seconds. `database_unavailable`: PostgreSQL cannot be reached right now; retry after Retry-After seconds. `kafka_unavailable`: The Kafka broker did not take the message in time; the call was not carried out (a retry may rarely be a duplicate, which webhook-ids let receivers drop); retry after Retry-After seconds. `service_unavailable`: The service is not ready (GET /health/ready names what it waits for). `internal_error`: An unexpected error; it is logged.
             * @enum {string}
             */
            code: "invalid_field" | "invalid_json" | "invalid_request" | "unauthorized" | "not_found" | "conflict" | "version_conflict" | "endpoint_disabled" | "idempotency_conflict" | "idempotency_in_progress" | "body_too_large" | "unsupported_media_type" | "headers_too_large" | "request_timeout" | "rate_limited" | "database_unavailable" | "kafka_unavailable" | "service_unavailable" | "internal_error";
            /** @example BAD_REQUEST */
            error: string;
            /** @description What is wrong, for people; each message about a field starts with its name. */
            message: string[];
            /** @description The field, query parameter or header at fault, when one is (`url`, `headers.x-a`, `Idempotency-Key`). */
            param?: string;
            /** @example 400 */
            statusCode: number;
        };
        EventPageDto: {
            data: components["schemas"]["EventResponseDto"][];
            /** @description Whether another page follows this one (nextCursor is not null). */
            hasMore: boolean;
            /** @description Pass as `cursor` for the next page; null on the last page. */
            nextCursor: string | null;
            /** @description Pass as `cursor` for the previous page; null on the first page. */
            prevCursor: string | null;
        };
        EventResponseDto: {
            data: {
                [key: string]: unknown;
            };
            /**
             * @description The producer's id.
             * @example evt_3416...
             */
            id: string;
            /** @enum {string} */
            mode: "live" | "test";
            /**
             * Format: date-time
             * @description When it happened, as the producer said.
             */
            occurredAt: string;
            /**
             * Format: date-time
             * @description When the event log stored it; lists, filters and replays use this time.
             */
            receivedAt: string;
            /** @example order.new */
            type: string;
        };
        EventTypeListDto: {
            data: components["schemas"]["EventTypeResponseDto"][];
            /** @description Whether another page follows this one (nextCursor is not null). */
            hasMore: boolean;
            /** @description Pass as `cursor` for the next page; null on the last page. */
            nextCursor: string | null;
            /** @description Pass as `cursor` for the previous page; null on the first page. */
            prevCursor: string | null;
        };
        EventTypeResponseDto: {
            description: string;
            /** @description The `data` of a test event of this type (POST /v1/endpoints/{id}/test, `sourcehub-webhooks trigger`). */
            example: {
                [key: string]: unknown;
            } | null;
            /** @example order.new */
            name: string;
            /** @description A JSON Schema (draft-07) the event's `data` must match; an event that breaks it is quarantined (reason `schema`) and delivered to no one. Null: any data. */
            schema: {
                [key: string]: unknown;
            } | null;
            /** Format: date-time */
            updatedAt: string;
            /** @description Grows with every change of the entry. */
            version: number;
        };
        EventWithDeliveriesDto: {
            data: {
                [key: string]: unknown;
            };
            /** @description One per endpoint the event went to (at most 1000); an endpoint not yet attempted has none yet. */
            deliveries: components["schemas"]["DeliveryResponseDto"][];
            /**
             * @description The producer's id.
             * @example evt_3416...
             */
            id: string;
            /** @enum {string} */
            mode: "live" | "test";
            /**
             * Format: date-time
             * @description When it happened, as the producer said.
             */
            occurredAt: string;
            /**
             * Format: date-time
             * @description When the event log stored it; lists, filters and replays use this time.
             */
            receivedAt: string;
            /** @example order.new */
            type: string;
        };
        FilterPreviewDto: {
            /**
             * @description Names from GET /v1/event-types; absent (on create) or ["*"] means every type except the operational ones (webhook.endpoint.disabled, webhook.delivery.exhausted), which are named to be received, also beside "*".
             * @example [
             *       "order.new",
             *       "webhook.endpoint.disabled"
             *     ]
             */
            eventTypes?: string[];
            /**
             * @description A MongoDB-style query over the event body (id, type, mode, occurredAt, data); an event that does not match creates no delivery for this endpoint. Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $nor $not $all $size $elemMatch. Null or {} (on update) removes it.
             * @example {
             *       "data.total": {
             *         "$gte": 100
             *       },
             *       "data.currency": {
             *         "$in": [
             *           "EUR",
             *           "USD"
             *         ]
             *       }
             *     }
             */
            filter: {
                [key: string]: unknown;
            } | null;
            /**
             * @description How many recent events to try.
             * @default 10
             */
            limit: number;
            /**
             * @description The mode of the endpoint: only events of this mode are tried.
             * @enum {string}
             */
            mode: "live" | "test";
        };
        FilterPreviewItemDto: {
            event: components["schemas"]["EventResponseDto"];
            /** @description Whether the filter lets this event through. */
            matches: boolean;
        };
        FilterPreviewResultDto: {
            data: components["schemas"]["FilterPreviewItemDto"][];
            /** @description How many of them the filter lets through. */
            matched: number;
            /** @description Recent events tried (newest first), at most `limit`. */
            tested: number;
        };
        ListenAnswerDto: {
            /**
             * @description Milliseconds the local call took.
             * @example 12
             */
            durationMs: number;
            error?: string | null;
            /**
             * @example success
             * @enum {string}
             */
            outcome: "success" | "http_error" | "timeout" | "connection_error";
            /**
             * Format: uuid
             * @description The requestId of the relayed delivery.
             * @example 5b1c3f0e-8a5e-4d4a-9a53-0f2a4f1c2b3d
             */
            requestId: string;
            responseExcerpt?: string | null;
            /**
             * @description The local HTTP status; null when no answer came.
             * @example 200
             */
            statusCode: number | null;
        };
        ListenSessionDto: {
            eventTypes: string[];
            /**
             * Format: date-time
             * @description Removed then unless a connection to its stream keeps it alive.
             */
            expiresAt: string;
            /**
             * @description The temporary test-mode endpoint standing for the session.
             * @example ep_01jd...
             */
            id: string;
            /** @enum {string} */
            mode: "test";
            /**
             * @description Signs what the session receives; verify with it locally.
             * @example whsec_...
             */
            secret: string;
        };
        OrganizationCreatedDto: {
            /**
             * @description Shown once; only its hash is stored.
             * @example shk_...
             */
            apiKey: string;
            /** @example org_01jd... */
            id: string;
            name: string;
        };
        PutEventTypeDto: {
            /** @example A customer placed an order */
            description?: string;
            /**
             * @description The `data` of a test event; must match `schema`.
             * @example {
             *       "orderId": "ord_1",
             *       "total": 42.5
             *     }
             */
            example?: {
                [key: string]: unknown;
            };
            /**
             * @description JSON Schema (draft-07; formats such as `email` and `date-time` known; no remote `$ref`) for the events' `data`.
             * @example {
             *       "type": "object",
             *       "required": [
             *         "orderId",
             *         "total"
             *       ],
             *       "properties": {
             *         "orderId": {
             *           "type": "string"
             *         },
             *         "total": {
             *           "type": "number",
             *           "minimum": 0
             *         }
             *       }
             *     }
             */
            schema?: {
                [key: string]: unknown;
            };
        };
        RedeliveryAcceptedDto: {
            /** @description The attempt number queued. */
            attempt: number;
            /** @description The delivery (and `webhook-id`) the attempt belongs to. */
            deliveryId: string;
            endpointId: string;
            eventId: string;
        };
        ReplayJobDto: {
            /** Format: date-time */
            createdAt: string;
            endpointId: string;
            /** @description Why a failed job stopped. */
            error: string | null;
            /** Format: date-time */
            finishedAt: string | null;
            /** Format: date-time */
            from: string;
            /** @example job_01jd... */
            id: string;
            /** @description Delivery messages published so far. */
            published: number;
            /** @enum {string} */
            status: "running" | "completed" | "failed";
            /**
             * Format: date-time
             * @description The end of the range, at most the time the replay was requested.
             */
            to: string;
            /** @description Matching events counted when the job started (the number published once completed). */
            total: number;
            /** Format: date-time */
            updatedAt: string;
        };
        SendTestEventDto: {
            /**
             * @description A catalog type to send (with its example as data, or the built-in one). Absent: the first type the endpoint subscribes to that has an example in the catalog, else a generic `webhook.test`.
             * @example order.new
             */
            eventType?: string;
        };
        TestEventAcceptedDto: {
            /** @description The attempt number queued. */
            attempt: number;
            /** @description The delivery (and `webhook-id`) the attempt belongs to. */
            deliveryId: string;
            endpointId: string;
            eventId: string;
            /**
             * @description The type sent: one with an example in the catalog when one applies, else `webhook.test`.
             * @example order.new
             */
            eventType: string;
        };
        TriggeredEventDto: {
            data: {
                [key: string]: unknown;
            };
            /** @example evt_01jd... */
            eventId: string;
            /** @enum {string} */
            mode: "test";
            /** @example order.new */
            type: string;
        };
        TriggerEventDto: {
            /** @description The event's data; absent: the type's example (or {}). */
            data?: {
                [key: string]: unknown;
            };
            /**
             * @description An event type of the catalog.
             * @example order.new
             */
            type: string;
        };
        UpdateEndpointDto: {
            description?: string;
            /**
             * @description Names from GET /v1/event-types; absent (on create) or ["*"] means every type except the operational ones (webhook.endpoint.disabled, webhook.delivery.exhausted), which are named to be received, also beside "*".
             * @example [
             *       "order.new",
             *       "webhook.endpoint.disabled"
             *     ]
             */
            eventTypes?: string[];
            /**
             * @description A MongoDB-style query over the event body (id, type, mode, occurredAt, data); an event that does not match creates no delivery for this endpoint. Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $nor $not $all $size $elemMatch. Null or {} (on update) removes it.
             * @example {
             *       "data.total": {
             *         "$gte": 100
             *       },
             *       "data.currency": {
             *         "$in": [
             *           "EUR",
             *           "USD"
             *         ]
             *       }
             *     }
             */
            filter?: {
                [key: string]: unknown;
            } | null;
            /** @description At most 20 custom headers sent with every delivery. An update replaces the whole set. */
            headers?: {
                [key: string]: string;
            };
            /** @description Free-form labels for the organization. An update replaces the whole set. */
            metadata?: {
                [key: string]: string;
            };
            /**
             * @description Absent on creation: "none". "strict": one request at a time, in the order the fan-out read the events; a failing delivery holds the ones after it until it succeeds or is dead-lettered. Applies to deliveries read after the change.
             * @enum {string}
             */
            ordering?: "none" | "strict";
            /**
             * @description At most this many requests to the endpoint in any 1-second window (first attempts, retries, resends and replays together), whatever the number of delivery instances. Waiting for the limit uses no attempt. Null or absent: no limit.
             * @example 20
             */
            rateLimitPerSecond?: number | null;
            /**
             * @description A disabled endpoint receives nothing until enabled again. Enabling clears `disabledReason` and the failure history.
             * @enum {string}
             */
            status?: "enabled" | "disabled";
            /**
             * @description A public http(s) URL; https in live mode.
             * @example https://example.com/webhooks
             */
            url?: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listApiKeys: {
        parameters: {
            query?: {
                /** @description The `nextCursor` or `prevCursor` of a page of this list. */
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyPageDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createApiKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateApiKeyDto"];
            };
        };
        responses: {
            /** @description The key value is in this response only. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyCreatedDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. The body is not valid JSON, or could not be read as its headers say. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another request (method, path or body) within 24 h. A request with this Idempotency-Key is still being processed; retry after Retry-After. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked: requests with this key now get 401. Revoking a revoked key is a no-op. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The organization's last active key cannot be revoked. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryDetailDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    resendDelivery: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A new attempt is queued now, whatever the state, with the same `webhook-id` as every earlier attempt; it is listed once made. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RedeliveryAcceptedDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The endpoint is disabled or deleted, or the event is past retention. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. The Kafka broker did not take the message in time; the call was not carried out (a retry may rarely be a duplicate, which webhook-ids let receivers drop); retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listEndpoints: {
        parameters: {
            query?: {
                /** @description The `nextCursor` or `prevCursor` of a page of this list. */
                cursor?: string;
                /** @description Endpoints that receive this type, those subscribed to "*" included. */
                eventType?: string;
                limit?: number;
                mode?: "live" | "test";
                status?: "enabled" | "disabled";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EndpointPageDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createEndpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateEndpointDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EndpointWithSecretDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. The body is not valid JSON, or could not be read as its headers say. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another request (method, path or body) within 24 h. A request with this Idempotency-Key is still being processed; retry after Retry-After. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EndpointResponseDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteEndpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version read; on a mismatch the call changes nothing and answers 409. */
                "If-Match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description If-Match named a version that is no longer current. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updateEndpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the version read; on a mismatch the call changes nothing and answers 409. */
                "If-Match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateEndpointDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EndpointResponseDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. The body is not valid JSON, or could not be read as its headers say. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description If-Match named a version that is no longer current. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listDeliveries: {
        parameters: {
            query?: {
                /** @description The `nextCursor` or `prevCursor` of a page of this list. */
                cursor?: string;
                limit?: number;
                status?: "pending" | "succeeded" | "failed" | "discarded";
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Newest first. A delivery is listed from its first attempt on (test events and replays: from when they are queued). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryPageDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createReplay: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateReplayDto"];
            };
        };
        responses: {
            /** @description Re-delivers, in the background, every event received in [from, to) that the endpoint would receive (its mode and event types), oldest first. Each keeps the delivery id of its original delivery to this endpoint, so receivers get the same `webhook-id` and can drop what they already processed. Follow progress at GET /v1/replays/{id}. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReplayJobDto"];
                };
            };
            /** @description Bad range, or more events than one replay re-delivers (REPLAY_MAX_EVENTS, 100000 by default). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The endpoint is disabled or already has a replay running, or the organization has 5 running. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    rotateEndpointSecret: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The new secret; the previous one keeps signing until previousSecretExpiresAt. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EndpointSecretDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another request (method, path or body) within 24 h. A request with this Idempotency-Key is still being processed; retry after Retry-After. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getEndpointSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EndpointSecretDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    sendTestEvent: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SendTestEventDto"];
            };
        };
        responses: {
            /** @description Sends a test event of the endpoint's mode to this endpoint only, through the normal delivery path (signed, retried, logged; its filter is not applied). It carries the catalog's example of the type asked for, else of the first subscribed type that has one; else it is a generic `webhook.test`. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TestEventAcceptedDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. The body is not valid JSON, or could not be read as its headers say. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The endpoint is disabled. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. The Kafka broker did not take the message in time; the call was not carried out (a retry may rarely be a duplicate, which webhook-ids let receivers drop); retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    previewEndpointFilter: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FilterPreviewDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FilterPreviewResultDto"];
                };
            };
            /** @description An invalid filter (the message names `filter` and the bad part). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another request (method, path or body) within 24 h. A request with this Idempotency-Key is still being processed; retry after Retry-After. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listEventTypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventTypeListDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putEventType: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                type: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PutEventTypeDto"];
            };
        };
        responses: {
            /** @description Replaced. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventTypeResponseDto"];
                };
            };
            /** @description Created. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventTypeResponseDto"];
                };
            };
            /** @description A bad type name, an invalid schema (names `schema`) or an example that breaks it (names `example`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listEvents: {
        parameters: {
            query?: {
                /** @description The `nextCursor` or `prevCursor` of a page of this list. */
                cursor?: string;
                /** @description Events received at or after this time. */
                from?: string;
                limit?: number;
                mode?: "live" | "test";
                /** @description Events received before this time. */
                to?: string;
                type?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Newest first (by time received). Events older than the retention period are gone. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventPageDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventWithDeliveriesDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    triggerTestEvent: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TriggerEventDto"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TriggeredEventDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. The body is not valid JSON, or could not be read as its headers say. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another request (method, path or body) within 24 h. A request with this Idempotency-Key is still being processed; retry after Retry-After. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. The Kafka broker did not take the message in time; the call was not carried out (a retry may rarely be a duplicate, which webhook-ids let receivers drop); retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createListenSession: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateListenSessionDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListenSessionDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. The body is not valid JSON, or could not be read as its headers say. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another request (method, path or body) within 24 h. A request with this Idempotency-Key is still being processed; retry after Retry-After. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteListenSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    answerListenDelivery: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ListenAnswerDto"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. The body is not valid JSON, or could not be read as its headers say. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another request (method, path or body) within 24 h. A request with this Idempotency-Key is still being processed; retry after Retry-After. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. The Kafka broker did not take the message in time; the call was not carried out (a retry may rarely be a duplicate, which webhook-ids let receivers drop); retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    streamListenSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createOrganization: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: within 24 h the same key with the same request answers what the first one answered (same status and body, `Idempotent-Replayed: true`) without doing it again; with another request it is a 409 idempotency_conflict. Scoped to your organization. Only successful answers are kept: after an error the key may be used again. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateOrganizationDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganizationCreatedDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. The body is not valid JSON, or could not be read as its headers say. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another request (method, path or body) within 24 h. A request with this Idempotency-Key is still being processed; retry after Retry-After. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is larger than the API reads. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON, or not in an encoding or charset the API reads. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getReplay: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReplayJobDto"];
                };
            };
            /** @description A field, query parameter or header has a value the API does not accept; `param` names it. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid API key (or platform token) was given. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such resource in your organization (another organization's resources answer this too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many requests; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PostgreSQL cannot be reached right now; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
