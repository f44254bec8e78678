// DeleteGroups v0-2: deletes empty groups with their committed offsets (tombstones in
// __consumer_offsets). NON_EMPTY_GROUP for groups with members, GROUP_ID_NOT_FOUND for unknown ones.
// Not done: authorization (GROUP delete).

import {
  DeleteGroupsRequestCodec,
  DeleteGroupsResponseCodec,
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
} from "../../protocol/generated/delete-groups.js";
import { defineHandler } from "../handler.js";

export const deleteGroupsHandler = defineHandler({
  request: DeleteGroupsRequestCodec,
  response: DeleteGroupsResponseCodec,
  minVersion: 0,
  maxVersion: 2,
  async handle(context, request): Promise<DeleteGroupsResponse> {
    return { throttleTimeMs: 0, results: await context.broker.groups.deleteGroups(request.groupsNames) };
  },
  errorResponse(request: DeleteGroupsRequest, errorCode): DeleteGroupsResponse {
    return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) };
  },
});
