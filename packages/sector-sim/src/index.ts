export { answerOf, outputsOf, type Answer } from "./answer.js";
export { preciseNowMs, type SeenRequest } from "./seen.js";
export { SectorSimulator, type Behaviour, type SimulatorOptions } from "./simulator.js";
export { startSectorSimulators, type RunningSectorSimulators, type SectorSimulatorsOptions } from "./start.js";
export { WebhookSectorSimulator, type ReceivedDelivery, type SentCallback, type WebhookBehaviour, type WebhookSimulatorOptions } from "./webhook-simulator.js";
