import { baseConfigSchema, readConfig } from "@onestop/service-kit";

export const loadConfig = () => readConfig(baseConfigSchema, process.env, { HTTP_PORT: "8085", GRPC_PORT: "50055" });
