import { z } from "zod";
import { baseConfigSchema, readConfig } from "@onestop/service-kit";

const DEFAULT_SERVICES = [
  "intake=http://127.0.0.1:8081",
  "lienthong=http://127.0.0.1:8082",
  "digitisation=http://127.0.0.1:8083",
  "payment=http://127.0.0.1:8084",
  "reporting=http://127.0.0.1:8085",
].join(",");

const consoleConfigSchema = baseConfigSchema.extend({
  /** `name=url` pairs of the services whose readiness the console shows. */
  CONSOLE_SERVICES: z
    .string()
    .default(DEFAULT_SERVICES)
    .transform((list, ctx) =>
      list.split(",").map((pair) => {
        const [name, url] = pair.split("=");
        if (!name || !url || !URL.canParse(url)) {
          ctx.addIssue({ code: "custom", message: `expected name=url, got "${pair}"` });
        }
        return { name: name ?? "", url: url ?? "" };
      }),
    ),
});

export const loadConfig = () => readConfig(consoleConfigSchema, process.env, { HTTP_PORT: "8080" });
export type ConsoleConfig = ReturnType<typeof loadConfig>;
