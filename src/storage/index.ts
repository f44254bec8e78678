// The storage engine's public surface: what the broker and tools import. Everything else under
// src/storage is internal to the engine.

export { LogManager } from "./log-manager.js";
export type { BackgroundTaskIntervals, LogDirFailureListener, LogDirStatus, LogManagerOptions } from "./log-manager.js";
export { PartitionLog } from "./partition-log.js";
export type {
  AppendOptions,
  AppendResult,
  CreatePartitionLogParams,
  OpenPartitionLogParams,
  PartitionLogEnvironment,
  ReadOptions,
  ReadResult,
  TimestampOffsetResult,
} from "./partition-log.js";
export { DEFAULT_LOG_CONFIG } from "./log-config.js";
export type { CleanupPolicy, LogConfig, TimestampTypeName } from "./log-config.js";
export {
  CorruptRecordError,
  InconsistentTopicIdError,
  InvalidProducerEpochError,
  LogClosedError,
  LogValidationError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  StorageError,
} from "./errors.js";
export type { BatchMetadata, ProducerStateEntry } from "./producer-state.js";
export { BATCHES_RETAINED_PER_PRODUCER } from "./producer-state.js";
export { DEFAULT_PRODUCER_ID_EXPIRATION_MS, PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS } from "./producer-state-manager.js";
export type { LogValidationErrorKind } from "./errors.js";
export type { AppendOrigin, RecordValidator } from "./log-validator.js";
export type { RecordsDecompressor } from "./record-scan.js";
export type { ReadBufferAllocator } from "./segment-io.js";
export type { EpochEndOffset } from "./leader-epoch-cache.js";
export { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from "./leader-epoch-cache.js";
export type { StorageLogger, StorageLogLevel } from "./logger.js";
export type { FileHandle, FileStat, FileSystem, OpenMode } from "./io/file-system.js";
export { NodeFileSystem } from "./io/node-file-system.js";
export { MemoryFileSystem } from "./io/memory-file-system.js";
export type { CrashOptions, InjectedFault, MemoryFileSystemOptions, MemoryFsOperation } from "./io/memory-file-system.js";
