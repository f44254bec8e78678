// Chaos run: `node dist/scripts/chaos.js --kills 100 [--min-up-ms 500] [--max-up-ms 2000]`.
// kill -9s and restarts a real broker process under mixed load (test/fault/chaos-run.ts), then
// checks every acknowledged record, duplicates, committed offsets and restarts, and prints the
// figures RELIABILITY.md records. Exit code 1 when a promise was broken.

import { Command } from "commander";
import { formatChaosReport, runChaos } from "../test/fault/chaos-run.js";

interface ChaosCliOptions {
  kills: string;
  minUpMs: string;
  maxUpMs: string;
  partitions: string;
  producers: string;
}

const options = new Command()
  .name("chaos")
  .description("kill -9 and restart a Tributary broker under load, then verify the data")
  .option("--kills <n>", "how many times to kill the broker", "100")
  .option("--min-up-ms <ms>", "shortest time the broker runs between kills", "500")
  .option("--max-up-ms <ms>", "longest time the broker runs between kills", "2000")
  .option("--partitions <n>", "partitions of the topic", "6")
  .option("--producers <n>", "producers (half idempotent when the broker supports it)", "4")
  .parse()
  .opts<ChaosCliOptions>();

const report = await runChaos({
  kills: Number(options.kills),
  minUpMs: Number(options.minUpMs),
  maxUpMs: Number(options.maxUpMs),
  partitions: Number(options.partitions),
  producers: Number(options.producers),
  log: (line) => console.log(line),
});
console.log(formatChaosReport(report));
console.log(report.problems.length === 0 ? "OK" : "FAIL");
// kafkajs may leave retry timers behind after its clients disconnect: end here.
process.exit(report.problems.length === 0 ? 0 : 1);
