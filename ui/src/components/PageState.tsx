import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import type { ReactNode } from "react";
import type { BackendError } from "../types";

/** Loading and error states every page shares. */
export function Loading({ what }: { what: string }) {
  return (
    <Box padding="l" textAlign="center" data-testid="loading">
      <StatusIndicator type="loading">Loading {what}…</StatusIndicator>
    </Box>
  );
}

export function ErrorState({ error, onRetry }: { error: BackendError; onRetry?: () => void }) {
  const header =
    error.code === "store_unavailable"
      ? "The local database cannot be used"
      : error.code === "not_found"
        ? "Not found"
        : "Something went wrong";
  return (
    <Alert
      type="error"
      header={header}
      data-testid="error-state"
      action={onRetry ? <Button onClick={onRetry}>Retry</Button> : undefined}
    >
      <span style={{ whiteSpace: "pre-wrap" }}>{error.message}</span>
    </Alert>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <Box textAlign="center" color="inherit" padding="l" data-testid="empty-state">
      <SpaceBetween size="xs">
        <b>{title}</b>
        <Box variant="p" color="inherit">
          {children}
        </Box>
        {action}
      </SpaceBetween>
    </Box>
  );
}
