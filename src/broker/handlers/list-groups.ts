// ListGroups v0-5: the groups this broker coordinates, with their protocol type, state (v4+
// can filter by state) and type (v5+ can filter by "classic" / "consumer"); filters compare
// case-insensitively. COORDINATOR_LOAD_IN_PROGRESS while any __consumer_offsets partition loads.

import { ListGroupsRequestCodec, ListGroupsResponseCodec } from "../../protocol/generated/list-groups.js";
import { defineHandler } from "../handler.js";

export const listGroupsHandler = defineHandler({
  request: ListGroupsRequestCodec,
  response: ListGroupsResponseCodec,
  minVersion: 0,
  maxVersion: 5,
  handle(context, request) {
    const result = context.broker.groups.listGroups(request.statesFilter, request.typesFilter);
    const response = ListGroupsResponseCodec.create();
    response.errorCode = result.errorCode;
    response.groups = result.groups;
    return response;
  },
});
