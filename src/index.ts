// Public API of the tributary package.
export { startBroker, type BrokerOptions, type BrokerHandle } from "./broker/broker.js";
