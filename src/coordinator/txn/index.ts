// Public API of the transaction coordinator area: for now the producer id manager that
// InitProducerId draws from (idempotent producers). Transactions themselves are not implemented.

export { PRODUCER_ID_BLOCK_KEY, PRODUCER_ID_BLOCK_SIZE, ProducerIdAllocationError, ProducerIdManager } from "./producer-id-manager.js";
export type { ProducerIdBlock } from "./producer-id-manager.js";
