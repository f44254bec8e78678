// DescribeCluster v0-1 (KIP-700): cluster id, the brokers reachable on the listener the client
// used, and a controller id the client can send controller-bound requests to (with the
// controller behind the brokers, as in KRaft, that is a broker: this one). v1 names the endpoint
// type wanted: brokers answer BROKER requests and refuse CONTROLLER ones with
// MISMATCHED_ENDPOINT_TYPE, as Kafka's brokers do. All cluster operations are reported allowed
// until ACLs exist.

import {
  DescribeClusterRequestCodec,
  DescribeClusterResponseCodec,
  type DescribeClusterBroker,
} from "../../protocol/generated/describe-cluster.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_OPERATIONS, operationsBitField } from "../../security/acl-operations.js";
import { defineHandler, type RequestContext } from "../handler.js";

/** Kafka's EndpointType ids and names. */
const ENDPOINT_TYPES: ReadonlyMap<number, string> = new Map([
  [1, "BROKER"],
  [2, "CONTROLLER"],
]);
const BROKER_ENDPOINT_TYPE = 1;

function brokersOnListener(context: RequestContext): DescribeClusterBroker[] {
  const brokers: DescribeClusterBroker[] = [];
  for (const broker of context.broker.image.brokers()) {
    const endpoint = broker.endpoints.find((candidate) => candidate.listenerName === context.listenerName);
    if (endpoint !== undefined) brokers.push({ brokerId: broker.nodeId, host: endpoint.host, port: endpoint.port, rack: broker.rack });
  }
  return brokers.sort((a, b) => a.brokerId - b.brokerId);
}

export const describeClusterHandler = defineHandler({
  request: DescribeClusterRequestCodec,
  response: DescribeClusterResponseCodec,
  minVersion: 0,
  maxVersion: 1,
  handle(context, request) {
    const response = DescribeClusterResponseCodec.create();
    const wanted = ENDPOINT_TYPES.get(request.endpointType);
    // v0 has no endpoint type field (it reads as BROKER), and no error codes for it either.
    if (wanted === undefined) {
      response.errorCode = context.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
      response.errorMessage = `Unsupported endpoint type ${request.endpointType}`;
      return response;
    }
    if (request.endpointType !== BROKER_ENDPOINT_TYPE) {
      response.errorCode = context.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : ErrorCode.MISMATCHED_ENDPOINT_TYPE;
      response.errorMessage = `The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type ${wanted}`;
      return response;
    }
    const brokers = brokersOnListener(context);
    response.endpointType = request.endpointType;
    response.clusterId = context.broker.clusterId;
    // A controller id the client cannot reach on this listener would only confuse it (Kafka: -1).
    response.controllerId = brokers.some((broker) => broker.brokerId === context.broker.nodeId) ? context.broker.nodeId : -1;
    response.brokers = brokers;
    response.clusterAuthorizedOperations = request.includeClusterAuthorizedOperations
      ? operationsBitField(CLUSTER_OPERATIONS)
      : AUTHORIZED_OPERATIONS_OMITTED;
    return response;
  },
});
