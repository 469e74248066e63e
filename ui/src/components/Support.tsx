// What support needs: the background loops' failures (on the Dashboard) and the diagnostics
// text a coordinator copies into a support ticket (on Settings).
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Container from "@cloudscape-design/components/container";
import Header from "@cloudscape-design/components/header";
import KeyValuePairs from "@cloudscape-design/components/key-value-pairs";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import { useEffect, useState } from "react";
import { backend } from "../backend";
import type { BackgroundProblem } from "../types";
import { ErrorState, Loading } from "./PageState";
import { useLoad } from "./useLoad";
import { formatTime } from "../pages/format";

/** How often the Dashboard asks again what failed in the background. */
export const BACKGROUND_POLL_MS = 30_000;

/**
 * What failed in the app's background loops (report and tag schedules, the health monitor, the
 * follower of executions) and has not worked since. Nothing is shown while all is well; a
 * failure of this call itself is not worth a banner (the loops' own pages show their errors).
 */
export function BackgroundProblems({ pollMs = BACKGROUND_POLL_MS }: { pollMs?: number }) {
  const [problems, setProblems] = useState<BackgroundProblem[]>([]);
  useEffect(() => {
    let live = true;
    const load = () =>
      backend
        .backgroundProblems()
        .then((p) => live && setProblems(p))
        .catch(() => undefined);
    void load();
    const timer = setInterval(load, pollMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [pollMs]);
  if (problems.length === 0) return null;
  return (
    <Alert
      type="error"
      data-testid="background-problems"
      header={problems.length === 1 ? "Something running in the background is failing" : `${problems.length} things running in the background are failing`}
    >
      <SpaceBetween size="xxs">
        {problems.map((p) => (
          <div key={p.what}>
            <Box variant="strong">{p.what}</Box>
            {`: ${p.message} (since ${formatTime(p.at)})`}
          </div>
        ))}
        <Box variant="small">Details are in the log; Settings › Support copies the diagnostics for a support ticket.</Box>
      </SpaceBetween>
    </Alert>
  );
}

/** Copies `text` to the clipboard; false when the web view does not allow it. */
async function copy(text: string): Promise<boolean> {
  try {
    if (!navigator.clipboard) return false;
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Settings › Support: where the logs are, and the diagnostics (no secret) to copy. */
export function SupportPanel() {
  const diagnostics = useLoad(() => backend.diagnostics());
  const [copied, setCopied] = useState<"yes" | "no" | undefined>();
  if (diagnostics.error) return <ErrorState error={diagnostics.error} onRetry={diagnostics.reload} />;
  if (!diagnostics.data) return <Loading what="the diagnostics" />;
  const { diagnostics: d, text } = diagnostics.data;
  const onCopy = async () => {
    const fresh = await backend.diagnostics().catch(() => diagnostics.data);
    setCopied((await copy(fresh?.text ?? text)) ? "yes" : "no");
  };
  return (
    <Container
      data-testid="support"
      header={
        <Header
          variant="h2"
          description="For a support ticket: the version, platform, data and log locations, the keychain, each target's sign-in (never a secret) and what failed in the background."
          actions={
            <Button iconName="copy" onClick={() => void onCopy()} data-testid="copy-diagnostics">
              Copy diagnostics
            </Button>
          }
        >
          Support
        </Header>
      }
    >
      <SpaceBetween size="m">
        <KeyValuePairs
          columns={3}
          items={[
            { label: "Platform", value: d.platform },
            { label: "Log folder", value: d.logDir ?? "—" },
            { label: "Newest log file", value: d.logFile ?? "none yet" },
          ]}
        />
        {copied === "yes" && <StatusIndicator type="success">Copied. Paste it into the ticket.</StatusIndicator>}
        {copied === "no" && (
          <Alert type="info" header="The clipboard is not available here: select the text below and copy it.">
            <pre data-testid="diagnostics-text" style={{ whiteSpace: "pre-wrap", margin: 0 }}>
              {text}
            </pre>
          </Alert>
        )}
      </SpaceBetween>
    </Container>
  );
}
