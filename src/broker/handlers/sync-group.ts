// SyncGroup v0-5: the leader hands in the assignment of a new generation; every member waits
// for its part. A follower's answer is parked until the leader's assignment is stored in
// __consumer_offsets (the group coordinator resolves it).

import { SyncGroupRequestCodec, SyncGroupResponseCodec } from "../../protocol/generated/sync-group.js";
import { defineHandler } from "../handler.js";

export const syncGroupHandler = defineHandler({
  request: SyncGroupRequestCodec,
  response: SyncGroupResponseCodec,
  minVersion: 0,
  maxVersion: 5,
  handle(context, request) {
    return context.broker.groups.syncGroup(request);
  },
});
