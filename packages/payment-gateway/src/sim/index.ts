export { DEV_VNPAY_HASH_SECRET, DEV_VNPAY_TMN_CODE, GatewaySimulator, seededRandom, statementQuery, type IpnDelivery, type PayOutcome, type SimulatorOptions } from "./simulator.js";
