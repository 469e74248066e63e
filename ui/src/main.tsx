import "@cloudscape-design/global-styles/index.css";
import React from "react";
import ReactDOM from "react-dom/client";
import { App } from "./App";
import { backend } from "./backend";

ReactDOM.createRoot(document.getElementById("root")!).render(
  <React.StrictMode>
    <App />
  </React.StrictMode>,
);

// Tell the backend once the first frame is on screen (startup measurement; a no-op otherwise).
requestAnimationFrame(() => requestAnimationFrame(() => void backend.ready().catch(() => undefined)));
