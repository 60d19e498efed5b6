import "@onestop/telemetry/register";
import { runMain, startService } from "@onestop/service-kit";
import { loadConfig } from "./config.js";
import { renderOverview } from "./page.js";
import { serviceStatus, streamStatus } from "./status.js";

runMain(() => {
  const config = loadConfig();
  return startService({
    name: "console",
    config,
    defaultDb: "onestop_console",
    wire: ({ app, nats }) => {
      app.get("/", async (_req, res) => {
        const [services, streams] = await Promise.all([
          Promise.all(config.CONSOLE_SERVICES.map(({ name, url }) => serviceStatus(name, url))),
          streamStatus(nats),
        ]);
        res.type("html").send(renderOverview(services, streams, new Date()));
      });
    },
  });
});
