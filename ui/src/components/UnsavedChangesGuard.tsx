import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Modal from "@cloudscape-design/components/modal";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useEffect, useRef } from "react";
import { useBlocker } from "react-router-dom";

/** Asks before leaving a page with unsaved edits (in-app navigation and closing the window). */
export function UnsavedChangesGuard({ when }: { when: boolean }) {
  const dirty = useRef(when);
  dirty.current = when;
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty.current && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (dirty.current) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);
  return (
    <Modal
      visible={blocker.state === "blocked"}
      onDismiss={() => blocker.reset?.()}
      header="Discard unsaved changes?"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={() => blocker.reset?.()}>
              Keep editing
            </Button>
            <Button variant="primary" onClick={() => blocker.proceed?.()} data-testid="discard-changes">
              Discard changes
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      Your edits have not been saved. Leaving this page discards them.
    </Modal>
  );
}
