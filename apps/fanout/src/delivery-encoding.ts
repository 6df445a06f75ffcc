import { DeliveryStages, DomainEvent } from '@app/contracts';

/**
 * The bytes `encodeDeliveryMessage` produces for a new delivery (attempt 1, trigger "event"), with
 * the event serialised once for all of its endpoints instead of once per endpoint: at fan-out factor
 * 10 the per-endpoint JSON.stringify of the whole message was the fan-out's largest own cost.
 * A unit test pins the output to `encodeDeliveryMessage`'s, byte for byte.
 */
export interface DeliveryEncoder {
  /** Size of the serialised event, the bulk of every message. */
  eventBytes: number;
  encode(deliveryId: string, endpointId: string, partition?: number, stages?: DeliveryStages): Buffer;
}

export function newDeliveryEncoder(event: DomainEvent): DeliveryEncoder {
  const eventJson = JSON.stringify(event);
  const organizationJson = JSON.stringify(event.organizationId);
  return {
    eventBytes: Buffer.byteLength(eventJson),
    encode: (deliveryId, endpointId, partition, stages) =>
      Buffer.from(
        `{"deliveryId":${JSON.stringify(deliveryId)},"organizationId":${organizationJson},"endpointId":${JSON.stringify(endpointId)},` +
          `"attempt":1,"event":${eventJson},"trigger":"event"${partition === undefined ? '' : `,"partition":${partition}`}` +
          `${stages === undefined ? '' : `,"stages":{"publishedAt":${stages.publishedAt},"fanoutReadAt":${stages.fanoutReadAt}}`}}`,
      ),
  };
}
