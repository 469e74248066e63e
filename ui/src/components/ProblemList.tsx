import Box from "@cloudscape-design/components/box";
import Container from "@cloudscape-design/components/container";
import Header from "@cloudscape-design/components/header";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import type { Problem } from "../types";

/** The live validation panel: every problem with its field, errors first. */
export function ProblemList({
  problems,
  checking,
  subject = "plan",
  against = "the saved protection groups",
}: {
  problems: Problem[] | undefined;
  checking?: boolean;
  subject?: string;
  against?: string;
}) {
  const errors = problems?.filter((p) => p.severity === "error") ?? [];
  const warnings = problems?.filter((p) => p.severity === "warning") ?? [];
  const counter = problems ? `(${errors.length} errors, ${warnings.length} warnings)` : undefined;
  return (
    <Container
      header={
        <Header variant="h2" counter={counter} description={`Checked as you type, against ${against}.`}>
          Validation
        </Header>
      }
      data-testid="validation-panel"
    >
      {problems === undefined || checking ? (
        <StatusIndicator type="loading">Checking…</StatusIndicator>
      ) : problems.length === 0 ? (
        <StatusIndicator type="success">{`No problems: the ${subject} can be saved.`}</StatusIndicator>
      ) : (
        <SpaceBetween size="xs">
          {[...errors, ...warnings].map((p, i) => (
            <div key={i} data-testid="problem">
              <StatusIndicator type={p.severity === "error" ? "error" : "warning"}>{p.message}</StatusIndicator>
              {p.path && (
                <Box variant="small" color="text-body-secondary" margin={{ left: "l" }}>
                  {p.path}
                </Box>
              )}
            </div>
          ))}
        </SpaceBetween>
      )}
    </Container>
  );
}

/** Problems at exactly `path` as one line for a FormField's errorText. */
export function errorAt(problems: Problem[] | undefined, path: string): string | undefined {
  const found = problems?.filter((p) => p.severity === "error" && p.path === path).map((p) => p.message);
  return found && found.length ? found.join("; ") : undefined;
}

/** Problems at `path` or below it. */
export function problemsUnder(problems: Problem[] | undefined, path: string): Problem[] {
  return (problems ?? []).filter((p) => p.path === path || p.path.startsWith(path + ".") || p.path.startsWith(path + "["));
}
