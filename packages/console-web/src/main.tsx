import "@mantine/core/styles.css";
import "./app.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { MantineProvider, createTheme } from "@mantine/core";
import { App } from "./App.js";

const theme = createTheme({ primaryColor: "red", fontFamily: "system-ui, 'Segoe UI', Roboto, 'Noto Sans', sans-serif" });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider theme={theme}>
      <App />
    </MantineProvider>
  </StrictMode>,
);
