// The group -> __consumer_offsets partition mapping must be Kafka's, or Kafka tools look for a
// group's records in the wrong partition.

import { test } from "node:test";
import assert from "node:assert/strict";
import { groupPartition, javaStringHashCode } from "../../../src/coordinator/group/group-partition.js";

test("javaStringHashCode matches Java's String.hashCode", () => {
  assert.equal(javaStringHashCode(""), 0);
  assert.equal(javaStringHashCode("a"), 97);
  assert.equal(javaStringHashCode("abc"), 96354);
  assert.equal(javaStringHashCode("hello"), 99162322);
  assert.equal(javaStringHashCode("Hello World"), -862545276);
  // A well-known collision and the one string whose hash is Integer.MIN_VALUE.
  assert.equal(javaStringHashCode("Aa"), javaStringHashCode("BB"));
  assert.equal(javaStringHashCode("polygenelubricants"), -2147483648);
  // UTF-16 code units, as Java counts them: an astral character is two.
  assert.equal(javaStringHashCode("\u{1F600}"), 0xd83d * 31 + 0xde00);
});

test("groupPartition is Utils.abs(hashCode) % partitions, with MIN_VALUE mapping to 0", () => {
  assert.equal(groupPartition("hello", 50), 99162322 % 50);
  assert.equal(groupPartition("Hello World", 50), 862545276 % 50);
  assert.equal(groupPartition("polygenelubricants", 50), 0);
  assert.equal(groupPartition("anything", 1), 0);
});
