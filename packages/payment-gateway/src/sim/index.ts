export { GatewaySimulator, seededRandom, statementQuery, type IpnDelivery, type PayOutcome, type SimulatorOptions } from "./simulator.js";
