export { outputsOf, SectorSimulator, type Behaviour, type SeenRequest, type SimulatorOptions } from "./simulator.js";
